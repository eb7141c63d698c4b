// Which server driver `sessions` works on: a small JSON config file and flags (flags win).
// The drivers are the package's own, opened the way an application opens them, except that
// nothing is created: a missing directory, database file or table is an error, not a new one.
// The network drivers are in network-drivers.ts.

import { existsSync, readFileSync, statSync } from 'node:fs'
import { dirname, resolve } from 'node:path'

import { SessionConfigError } from '../errors.ts'
import { createFilesystemDriver } from '../filesystem.ts'
import { createSQLiteDriver, type SQLiteDatabase } from '../sqlite.ts'
import { failure, messageOf, usageError, type Io } from './io.ts'
import type { OpenDriver } from './open-driver.ts'
import { loadPeer } from './peers.ts'
import { openNetworkDriver, type NetworkDriverConfig } from './network-drivers.ts'

export const DEFAULT_CONFIG_FILE = 'sessionkit.config.json'

/** Where the connection URL of a network driver comes from when neither flag nor file gives it. */
export const URL_ENV = 'SESSIONKIT_STORE_URL'

export type DriverConfig =
  | { readonly driver: 'filesystem'; readonly directory: string }
  | { readonly driver: 'sqlite'; readonly database: string; readonly table: string | undefined }
  | NetworkDriverConfig

/** Driver settings as flags give them; paths relative to the working directory. */
export interface DriverFlags {
  readonly config: string | undefined
  readonly driver: string | undefined
  readonly directory: string | undefined
  readonly database: string | undefined
  readonly table: string | undefined
  readonly url: string | undefined
  readonly prefix: string | undefined
}

interface Settings {
  driver?: string
  directory?: string
  database?: string
  table?: string
  url?: string
  prefix?: string
}

const SETTINGS = ['driver', 'directory', 'database', 'table', 'url', 'prefix'] as const
const DRIVERS = 'filesystem, sqlite, redis, postgres or mysql'
const DRIVER_ALIASES: Readonly<Record<string, string>> = {
  postgresql: 'postgres',
  mariadb: 'mysql',
}

/** The configuration: the config file (given, or ./sessionkit.config.json if there), then flags. */
export function driverConfig(flags: DriverFlags, io: Io): DriverConfig {
  const fromFile = configFile(flags, io)
  const settings: Settings = { ...fromFile }
  for (const name of SETTINGS) {
    const value = flags[name]
    if (value === undefined) continue
    settings[name] = name === 'directory' || name === 'database' ? resolve(io.cwd, value) : value
  }
  if (settings.url === undefined) {
    const fromEnv = io.env[URL_ENV]
    if (fromEnv !== undefined && fromEnv !== '') settings.url = fromEnv
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
  const given = settings.driver
  if (given === undefined) {
    throw usageError(
      `no driver: give --driver filesystem|sqlite|redis|postgres|mysql, --config <file>, or create ${DEFAULT_CONFIG_FILE}`,
    )
  }
  const driver = DRIVER_ALIASES[given] ?? given
  if (driver === 'filesystem') {
    only(settings, ['directory'], 'the filesystem driver')
    if (settings.directory === undefined)
      throw usageError('the filesystem driver needs --directory')
    return { driver, directory: settings.directory }
  }
  if (driver === 'sqlite') {
    only(settings, ['database', 'table'], 'the sqlite driver')
    if (settings.database === undefined) throw usageError('the sqlite driver needs --database')
    return { driver, database: settings.database, table: settings.table }
  }
  if (driver === 'redis' || driver === 'postgres' || driver === 'mysql') {
    only(
      settings,
      driver === 'redis' ? ['url', 'prefix'] : ['url', 'table'],
      `the ${driver} driver`,
    )
    if (settings.url === undefined) {
      throw usageError(`the ${driver} driver needs --url <url> (or ${URL_ENV} in the environment)`)
    }
    return driver === 'redis'
      ? { driver, url: settings.url, prefix: settings.prefix }
      : { driver, url: settings.url, table: settings.table }
  }
  throw usageError(`unknown driver "${given}": ${DRIVERS}`)
}

const FLAG_OWNERS: Readonly<Record<string, string>> = {
  directory: 'filesystem',
  database: 'sqlite',
  table: 'sqlite, postgres and mysql',
  url: 'redis, postgres and mysql',
  prefix: 'redis',
}

/** Refuses a setting of another driver: it would be silently ignored otherwise. */
function only(settings: Settings, allowed: readonly string[], what: string): void {
  for (const name of SETTINGS) {
    if (name === 'driver' || allowed.includes(name) || settings[name] === undefined) continue
    throw usageError(
      `--${name} is not a setting of ${what} (it is for ${FLAG_OWNERS[name] ?? '?'})`,
    )
  }
}

export async function openDriver(config: DriverConfig, io: Io): Promise<OpenDriver> {
  switch (config.driver) {
    case 'filesystem':
      return openFilesystem(config.directory)
    case 'sqlite':
      return openSqlite(config, io)
    default:
      return openNetworkDriver(config, io)
  }
}

function openFilesystem(directory: string): OpenDriver {
  // The driver would create a missing directory; a typo must not make an empty store.
  if (!isDirectory(directory)) throw failure(`no directory ${directory}`)
  return {
    driver: createFilesystemDriver({ directory, sweepInterval: 0 }),
    release: () => Promise.resolve(),
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
    return {
      driver,
      release: () => {
        database.close()
        return Promise.resolve()
      },
    }
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
  const loaded = loadPeer(cwd, 'better-sqlite3')
  return typeof loaded === 'function' ? (loaded as BetterSqlite3) : undefined
}
