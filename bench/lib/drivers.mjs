// sessionkit's stores as the benchmarks use them: the cookie store (sealed, the bench's key),
// and the server-side stores: a driver ('memory', 'filesystem' in a temp dir, 'sqlite' =
// better-sqlite3 on a file in a temp dir, WAL) and the server store on top of it, with the
// library's defaults (signed id cookie, per-key patches, the filesystem driver fsyncs every
// write). Temp dirs are removed by removeTemporary().
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { COOKIE_NAME, KEY_B64URL } from './common.mjs'

export const DRIVER_KINDS = ['memory', 'filesystem', 'sqlite']

const temporary = []
const info = new WeakMap()

/** Durability settings of a driver made by openDriver, for the report. */
export function driverSettings(driver) {
  if (driver.name === 'filesystem') return 'fsync on (default): record and directory per write'
  return info.get(driver) ?? 'in-process Map'
}

function tempDir(label) {
  const dir = mkdtempSync(join(tmpdir(), `sessionkit-bench-${label}-`))
  temporary.push(dir)
  return dir
}

/** Removes every temp dir made so far (synchronous, so it can run on exit). */
export function removeTemporary() {
  for (const dir of temporary.splice(0)) rmSync(dir, { recursive: true, force: true })
}

let sqliteProbe
/** Whether better-sqlite3 loads here (it is a native module): `undefined` or the error text. */
export function sqliteUnavailable() {
  sqliteProbe ??= import('better-sqlite3').then(
    ({ default: Database }) => {
      new Database(':memory:').close()
      return undefined
    },
    (error) => String(error?.message ?? error).split('\n')[0],
  )
  return sqliteProbe
}

/**
 * A fresh driver of the given kind with its sweeper off (the benchmarks measure requests, not
 * background work). `options` go to the driver (e.g. `maxSessions` for memory).
 */
export async function openDriver(kind, options = {}) {
  if (kind === 'memory') {
    const { createMemoryDriver } = await import('../../dist/index.js')
    return createMemoryDriver({ sweepInterval: 0, ...options })
  }
  if (kind === 'filesystem') {
    const { createFilesystemDriver } = await import('../../dist/filesystem.js')
    return createFilesystemDriver({ directory: tempDir('fs'), sweepInterval: 0, ...options })
  }
  if (kind === 'sqlite') {
    const { default: Database } = await import('better-sqlite3')
    const { createSQLiteDriver } = await import('../../dist/sqlite.js')
    const database = new Database(join(tempDir('sqlite'), 'sessions.db'))
    const driver = createSQLiteDriver({ database, sweepInterval: 0, ...options })
    const synchronous = ['OFF', 'NORMAL', 'FULL', 'EXTRA'][
      database.pragma('synchronous', { simple: true })
    ]
    info.set(driver, `journal_mode=${driver.journalMode}, synchronous=${synchronous}`)
    return driver
  }
  throw new Error(`unknown driver ${kind}`)
}

/** The server-side store on a fresh driver of `kind`. */
export async function serverStore(kind, options = {}) {
  const { createKeyRing, createServerStore } = await import('../../dist/index.js')
  const keys = createKeyRing([{ id: 'k1', secret: KEY_B64URL }])
  return createServerStore({ name: COOKIE_NAME, driver: await openDriver(kind), keys, ...options })
}

/** The cookie store (sealed, the default format) on the `crypto` backend: 'node' or 'web'. */
export async function cookieStore(crypto = 'node') {
  const { createCookieStore, createKeyRing } = await import('../../dist/index.js')
  const keys = createKeyRing([{ id: 'k1', secret: KEY_B64URL }])
  return createCookieStore({ name: COOKIE_NAME, keys, crypto })
}
