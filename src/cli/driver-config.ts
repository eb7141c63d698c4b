// Which server driver `sessions` works on: a small JSON config file and flags (flags win).
// The drivers are the package's own, opened the way an application opens them, except that
// nothing is created: a missing directory, database file or table is an error, not a new one.

import { existsSync, readFileSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'

import { SessionConfigError } from '../errors.ts'
import type { SessionDriver } from '../index.ts'
import { createFilesystemDriver } from '../filesystem.ts'
import { createSQLiteDriver, type SQLiteDatabase } from '../sqlite.ts'
import { failure, usageError, type Io } from './io.ts'

export const DEFAULT_CONFIG_FILE = 'sessionkit.config.json'

export type DriverConfig =
  | { readonly driver: 'filesystem'; readonly directory: string }
  | { readonly driver: 'sqlite'; readonly database: string; readonly table: string | undefined }

/** Driver settings as flags give them; paths relative to the working directory. */
export interface DriverFlags {
  readonly config: string | undefined
  readonly driver: string | undefined
  readonly directory: string | undefined
  readonly database: string | undefined
  readonly table: string | undefined
}

interface Settings {
  driver?: string
  directory?: string
  database?: string
  table?: string
}

const SETTINGS = ['driver', 'directory', 'database', 'table'] as const
const NETWORK_DRIVERS = new Set(['redis', 'postgres', 'postgresql', 'mysql'])

/** The configuration: the config file (given, or ./sessionkit.config.json if there), then flags. */
export function driverConfig(flags: DriverFlags, io: Io): DriverConfig {
  const fromFile = configFile(flags, io)
  const settings: Settings = { ...fromFile }
  for (const name of SETTINGS) {
    const value = flags[name]
    if (value === undefined) continue
    settings[name] = name === 'directory' || name === 'database' ? resolve(io.cwd, value) : value
  }
  return checked(settings)
}

function configFile(flags: DriverFlags, io: Io): Settings {
  const given = flags.config
  const path = resolve(io.cwd, given ?? DEFAULT_CONFIG_FILE)
  if (given === undefined && !existsSync(path)) return {}
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    throw usageError(`cannot read the config file ${path}: ${messageOf(error)}`)
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    throw usageError(`${path} is not JSON: ${messageOf(error)}`)
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw usageError(
      `${path}: expected an object such as { "driver": "filesystem", "directory": "sessions" }`,
    )
  }
  const settings: Settings = {}
  for (const [key, value] of Object.entries(parsed)) {
    const name = SETTINGS.find((setting) => setting === key)
    if (name === undefined) throw usageError(`${path}: unknown setting "${key}"`)
    if (typeof value !== 'string') throw usageError(`${path}: "${key}" must be a string`)
    // Paths in the file are relative to the file, so it works from any directory.
    settings[name] =
      name === 'directory' || name === 'database' ? resolve(dirname(path), value) : value
  }
  return settings
}

function checked(settings: Settings): DriverConfig {
  const { driver } = settings
  if (driver === undefined) {
    throw usageError(
      `no driver: give --driver filesystem|sqlite, --config <file>, or create ${DEFAULT_CONFIG_FILE}`,
    )
  }
  if (NETWORK_DRIVERS.has(driver)) {
    throw usageError(
      `there is no ${driver} driver yet: sessionkit has filesystem and sqlite drivers (and memory, which lives in one process)`,
    )
  }
  if (driver === 'filesystem') {
    if (settings.directory === undefined)
      throw usageError('the filesystem driver needs --directory')
    if (settings.database !== undefined || settings.table !== undefined) {
      throw usageError('--database and --table are for the sqlite driver')
    }
    return { driver, directory: settings.directory }
  }
  if (driver === 'sqlite') {
    if (settings.database === undefined) throw usageError('the sqlite driver needs --database')
    if (settings.directory !== undefined)
      throw usageError('--directory is for the filesystem driver')
    return { driver, database: settings.database, table: settings.table }
  }
  throw usageError(`unknown driver "${driver}": filesystem or sqlite`)
}

/** An open driver and what to close after it. */
export interface OpenDriver {
  readonly driver: SessionDriver
  /** Closes what the driver does not own (the SQLite connection). */
  release(): void
}

export function openDriver(config: DriverConfig, io: Io): OpenDriver {
  return config.driver === 'filesystem' ? openFilesystem(config.directory) : openSqlite(config, io)
}

function openFilesystem(directory: string): OpenDriver {
  // The driver would create a missing directory; a typo must not make an empty store.
  if (!isDirectory(directory)) throw failure(`no directory ${directory}`)
  return {
    driver: createFilesystemDriver({ directory, sweepInterval: 0 }),
    release: () => undefined,
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}

interface ClosableDatabase extends SQLiteDatabase {
  close(): unknown
}

function openSqlite(config: Extract<DriverConfig, { driver: 'sqlite' }>, io: Io): OpenDriver {
  // Opening a missing file would create an empty database.
  if (!existsSync(config.database)) throw failure(`no database file ${config.database}`)
  const database = openDatabase(config.database, io)
  try {
    const driver = createSQLiteDriver({
      database,
      createTable: false,
      sweepInterval: 0,
      ...(config.table === undefined ? {} : { table: config.table }),
    })
    return { driver, release: () => database.close() }
  } catch (error) {
    database.close()
    if (error instanceof SessionConfigError) throw usageError(error.message)
    throw failure(`${config.database}: ${messageOf(error)}`)
  }
}

type BetterSqlite3 = new (file: string, options: { fileMustExist: boolean }) => ClosableDatabase
type DatabaseSync = new (file: string) => ClosableDatabase

/**
 * better-sqlite3 (an optional peer dependency: the application's copy, else one next to this
 * package), else node:sqlite (Node >= 22.13).
 */
function openDatabase(file: string, io: Io): ClosableDatabase {
  const better = loadBetterSqlite3(io.cwd)
  try {
    if (better !== undefined) return new better(file, { fileMustExist: true })
    const nodeSqlite = process.getBuiltinModule('node:sqlite') as
      { DatabaseSync?: unknown } | undefined
    if (typeof nodeSqlite?.DatabaseSync === 'function') {
      return new (nodeSqlite.DatabaseSync as DatabaseSync)(file)
    }
  } catch (error) {
    throw failure(`cannot open ${file}: ${messageOf(error)}`)
  }
  throw failure(
    'the sqlite driver needs better-sqlite3 (npm install better-sqlite3) or Node >= 22.13 (node:sqlite)',
  )
}

function loadBetterSqlite3(cwd: string): BetterSqlite3 | undefined {
  for (const base of [join(cwd, 'package.json'), import.meta.url]) {
    try {
      const loaded: unknown = createRequire(base)('better-sqlite3')
      if (typeof loaded === 'function') return loaded as BetterSqlite3
    } catch {
      // Not installed there.
    }
  }
  return undefined
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
