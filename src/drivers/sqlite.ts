/**
 * The SQLite driver: sessions in one table of a SQLite database that you open yourself and
 * hand over through a small structural interface ({@link SQLiteDatabase}: `exec(sql)` and
 * `prepare(sql)` with `run`/`get`/`all`). better-sqlite3's `Database`, node:sqlite's
 * `DatabaseSync` (Node ≥ 22.13) and bun:sqlite's `Database` all fit it as they are, with no
 * adapter; this module imports none of them.
 *
 * On creation the driver sets `PRAGMA busy_timeout`, switches the database to WAL (an
 * in-memory database keeps its own journal mode; see {@link SQLiteDriver.journalMode}),
 * creates the table and its indexes (on `expires_at` for `prune` and the sweeper, on `user_key`
 * for per-user listing) unless told not to, and prepares every statement once. Every value
 * reaches SQL as a bound parameter; the only text ever spliced into SQL is the table name,
 * validated as an identifier, and the integer busy timeout (PRAGMAs take no parameters).
 * Read-modify-write (`update`) runs inside `BEGIN IMMEDIATE … COMMIT`, so several processes
 * or connections sharing one database file never lose an update and never see `SQLITE_BUSY`
 * within the busy timeout. Needs SQLite ≥ 3.35 (`RETURNING`), which all three bundle.
 *
 * Give the store a connection of its own: it runs its own transactions on it, and `close()`
 * leaves the connection open (it belongs to you).
 *
 * @example
 * ```ts
 * import Database from 'better-sqlite3' // or: import { DatabaseSync } from 'node:sqlite'
 * const driver = createSQLiteDriver({ database: new Database('sessions.db') })
 * const store = createServerStore({ driver, keys })
 * ```
 *
 * Uses web-standard APIs only.
 *
 * @module
 */

// The driver methods are `async` so that a throw (a closed store, an SQLite error) becomes a
// rejection, as the contract asks. Their bodies are synchronous on purpose: SQLite's APIs are,
// and a transaction that never awaits can never interleave with another call on the same
// connection.
/* eslint-disable @typescript-eslint/require-await */

import {
  applyPatch,
  FULL_CAPABILITIES,
  type ListingSessionDriver,
  type SessionRecord,
  type SessionSummary,
  type UpdateResult,
} from '../core/driver.ts'
import { SessionConfigError } from '../errors.ts'
import {
  parseStoredFlash,
  parseStoredMeta,
  parseStoredObject,
  storedSummary,
} from '../lib/stored-record.ts'
import { unrefTimer } from '../lib/timeout.ts'

/** A value bound to a `?` placeholder. The driver binds strings, numbers and `null` only. */
export type SQLiteValue = string | number | null

/** A prepared statement, as better-sqlite3, node:sqlite and bun:sqlite return it. */
export interface SQLiteStatement {
  run(...params: SQLiteValue[]): unknown
  /** The first row as an object keyed by column name; `undefined` (or bun's `null`) if none. */
  get(...params: SQLiteValue[]): unknown
  all(...params: SQLiteValue[]): unknown[]
}

/**
 * The part of a synchronous SQLite connection the driver uses. better-sqlite3's `Database`,
 * node:sqlite's `DatabaseSync` and bun:sqlite's `Database` satisfy it without an adapter.
 */
export interface SQLiteDatabase {
  /** Runs one statement without results (`BEGIN IMMEDIATE`, `CREATE TABLE`, …). */
  exec(sql: string): unknown
  prepare(sql: string): SQLiteStatement
}

export interface SQLiteDriverOptions {
  /** An open connection, for the store's use alone. `close()` does not close it. */
  readonly database: SQLiteDatabase
  /**
   * The table's name: 1 to 63 characters of `A-Z a-z 0-9 _`, not starting with a digit or
   * `sqlite_`. Indexes are named after it (`<table>_expires_at`, `<table>_user_key`).
   * @default 'sessionkit_sessions'
   */
  readonly table?: string
  /** Creates the table and its indexes when missing. @default true */
  readonly createTable?: boolean
  /** Milliseconds a statement waits for another connection's lock (`PRAGMA busy_timeout`). @default 5000 */
  readonly busyTimeout?: number
  /** Milliseconds between sweeps of expired rows; `0` disables the sweeper. @default 60000 */
  readonly sweepInterval?: number
  /** The sweeper's clock (requests pass their own `now`). @default Date.now */
  readonly now?: () => number
}

/** The SQLite driver, with a few extras for diagnostics. */
export interface SQLiteDriver extends ListingSessionDriver {
  readonly name: 'sqlite'
  /** The table in use. */
  readonly table: string
  /**
   * The journal mode SQLite reported after `PRAGMA journal_mode = WAL`: `'wal'` for a file
   * database, `'memory'` for an in-memory one (where WAL does not exist).
   */
  readonly journalMode: string
  /** Removes expired rows now (with the sweeper's clock); returns their ids. */
  sweep(): string[]
}

const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/
const MAX_BUSY_TIMEOUT = 2_147_483_647

const COLUMNS =
  'id, values_json, flash_json, version, created_at, last_seen_at, expires_at, user_key, meta_json'

const MISSING: UpdateResult = Object.freeze({ status: 'missing' })

/**
 * Creates an SQLite driver on an open connection, setting up the table on the way.
 *
 * @throws {SessionConfigError} for a bad option; the SQLite error itself when the setup fails
 * (a read-only database, a table of another shape with `createTable: false`, …).
 */
export function createSQLiteDriver(options: SQLiteDriverOptions): SQLiteDriver {
  const db = options.database
  if (!isDatabase(db)) {
    throw new SessionConfigError(
      'database must be an open SQLite connection with exec() and prepare() (better-sqlite3, node:sqlite, bun:sqlite)',
    )
  }
  const table = options.table ?? 'sessionkit_sessions'
  if (typeof table !== 'string' || !TABLE_NAME.test(table) || /^sqlite_/i.test(table)) {
    throw new SessionConfigError(
      'table must be 1 to 63 characters of A-Z, a-z, 0-9 and _, not starting with a digit or sqlite_',
    )
  }
  const busyTimeout = options.busyTimeout ?? 5000
  if (!Number.isSafeInteger(busyTimeout) || busyTimeout < 0 || busyTimeout > MAX_BUSY_TIMEOUT) {
    throw new SessionConfigError('busyTimeout must be a non-negative integer of milliseconds')
  }
  const sweepInterval = options.sweepInterval ?? 60_000
  if (!Number.isSafeInteger(sweepInterval) || sweepInterval < 0) {
    throw new SessionConfigError('sweepInterval must be a non-negative integer of milliseconds')
  }
  const createTable = options.createTable ?? true
  const clock = options.now ?? Date.now

  // STO-18 / TRV-06: `t` (the validated table name, quoted) and the validated integer busy
  // timeout are the only text ever interpolated into SQL. Every value is a bound parameter.
  const t = `"${table}"`
  db.exec(`PRAGMA busy_timeout = ${busyTimeout}`)
  const journalMode = readJournalMode(db.prepare('PRAGMA journal_mode = WAL').get())
  if (createTable) {
    db.exec(`CREATE TABLE IF NOT EXISTS ${t} (
      id TEXT NOT NULL PRIMARY KEY,
      values_json TEXT NOT NULL,
      flash_json TEXT NOT NULL,
      version INTEGER NOT NULL,
      created_at INTEGER NOT NULL,
      last_seen_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL,
      user_key TEXT,
      meta_json TEXT
    )`)
    db.exec(`CREATE INDEX IF NOT EXISTS "${table}_expires_at" ON ${t} (expires_at)`)
    // Partial: anonymous sessions (most of them) stay out of the user index.
    db.exec(
      `CREATE INDEX IF NOT EXISTS "${table}_user_key" ON ${t} (user_key) WHERE user_key IS NOT NULL`,
    )
  }

  const sql = {
    select: db.prepare(`SELECT ${COLUMNS} FROM ${t} WHERE id = ? AND expires_at > ?`),
    // Exclusive insert: a live row with the id wins (no row returned); an expired one is gone
    // already as far as the contract goes, so it is replaced in the same statement.
    insert: db.prepare(
      `INSERT INTO ${t} (${COLUMNS}) VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET
         values_json = excluded.values_json, flash_json = excluded.flash_json, version = 1,
         created_at = excluded.created_at, last_seen_at = excluded.last_seen_at,
         expires_at = excluded.expires_at, user_key = excluded.user_key,
         meta_json = excluded.meta_json
       WHERE ${t}.expires_at <= ?
       RETURNING id`,
    ),
    write: db.prepare(
      `UPDATE ${t} SET values_json = ?, flash_json = ?, version = ?, last_seen_at = ?,
         expires_at = ?, user_key = ?, meta_json = ? WHERE id = ?`,
    ),
    // CON-03: a touch moves the times and nothing else, so it cannot undo a data write.
    touch: db.prepare(
      `UPDATE ${t} SET last_seen_at = ?, expires_at = ? WHERE id = ? AND expires_at > ? RETURNING id`,
    ),
    remove: db.prepare(`DELETE FROM ${t} WHERE id = ? RETURNING id`),
    listByUser: db.prepare(
      `SELECT id, created_at, last_seen_at, expires_at, meta_json FROM ${t}
       WHERE user_key = ? AND expires_at > ? ORDER BY created_at, last_seen_at, id`,
    ),
    deleteByUser: db.prepare(`DELETE FROM ${t} WHERE user_key = ? AND id IS NOT ? RETURNING id`),
    count: db.prepare(`SELECT count(*) AS n FROM ${t}`),
    deleteAll: db.prepare(`DELETE FROM ${t}`),
    prune: db.prepare(`DELETE FROM ${t} WHERE expires_at <= ? RETURNING id`),
  }

  let closed = false
  let timer: ReturnType<typeof setInterval> | undefined
  if (sweepInterval > 0) {
    timer = setInterval(() => {
      // A failed sweep (a locked or vanished database) must not crash the process; the
      // next one tries again, and reads ignore expired rows meanwhile.
      try {
        if (!closed) pruneAt(clock())
      } catch {
        // Ignored on purpose, see above.
      }
    }, sweepInterval)
    unrefTimer(timer)
  }

  function live(): void {
    if (closed) throw new Error('The SQLite session store is closed')
  }

  // BEGIN IMMEDIATE takes the write lock up front (waiting up to busy_timeout for it), so a
  // read-then-write never has to upgrade a read lock, which in WAL mode fails with
  // SQLITE_BUSY at once instead of waiting.
  function transaction<T>(body: () => T): T {
    db.exec('BEGIN IMMEDIATE')
    let result: T
    try {
      result = body()
      db.exec('COMMIT')
    } catch (error) {
      try {
        db.exec('ROLLBACK')
      } catch {
        // No transaction left to roll back; the original error is what matters.
      }
      throw error
    }
    return result
  }

  function pruneAt(now: number): string[] {
    return ids(sql.prune.all(now))
  }

  const driver: SQLiteDriver = {
    name: 'sqlite',
    capabilities: FULL_CAPABILITIES,
    table,
    journalMode,

    sweep() {
      live()
      return pruneAt(clock())
    },

    async get(id, now) {
      live()
      const row = present(sql.select.get(id, now))
      if (row === undefined) return undefined
      const record = decode(row, id)
      if (record !== undefined) return record
      // STO-10: a corrupt row is no session, and it is removed, so it cannot fail every
      // request. Checked again under the write lock: a concurrent writer may have fixed it.
      transaction(() => {
        const again = present(sql.select.get(id, now))
        if (again !== undefined && decode(again, id) === undefined) sql.remove.get(id)
      })
      return undefined
    },

    async create(record, now) {
      live()
      const row = sql.insert.get(
        record.id,
        JSON.stringify(record.values),
        JSON.stringify(record.flash),
        record.createdAt,
        record.lastSeenAt,
        record.expiresAt,
        record.userKey ?? null,
        record.meta === undefined ? null : JSON.stringify(record.meta),
        now,
      )
      return present(row) !== undefined
    },

    async update(id, patch, now): Promise<UpdateResult> {
      live()
      return transaction(() => {
        const row = present(sql.select.get(id, now))
        if (row === undefined) return MISSING
        const current = decode(row, id)
        if (current === undefined) {
          sql.remove.get(id)
          return MISSING
        }
        if (patch.expectVersion !== undefined && patch.expectVersion !== current.version) {
          return { status: 'conflict', version: current.version }
        }
        const next = applyPatch(current, patch)
        sql.write.run(
          JSON.stringify(next.values),
          JSON.stringify(next.flash),
          next.version,
          next.lastSeenAt,
          next.expiresAt,
          next.userKey ?? null,
          next.meta === undefined ? null : JSON.stringify(next.meta),
          id,
        )
        return { status: 'updated', version: next.version }
      })
    },

    async touch(id, lastSeenAt, expiresAt, now) {
      live()
      return present(sql.touch.get(lastSeenAt, expiresAt, id, now)) !== undefined
    },

    async delete(id) {
      live()
      return present(sql.remove.get(id)) !== undefined
    },

    async listByUser(userKey, now) {
      live()
      const out: SessionSummary[] = []
      for (const item of sql.listByUser.all(userKey, now)) {
        const summary = decodeSummary(item)
        // A corrupt row is left out here; `get` removes it when its session comes back.
        if (summary !== undefined) out.push(summary)
      }
      return out
    },

    async deleteByUser(userKey, exceptId) {
      live()
      return ids(sql.deleteByUser.all(userKey, exceptId ?? null))
    },

    async deleteAll() {
      live()
      return transaction(() => {
        const count = integer(present(sql.count.get())?.['n']) ?? 0
        sql.deleteAll.run()
        return count
      })
    },

    async prune(now) {
      live()
      return pruneAt(now)
    },

    async close() {
      if (closed) return
      closed = true
      if (timer !== undefined) clearInterval(timer)
      timer = undefined
    },
  }
  return driver
}

type Row = Readonly<Record<string, unknown>>

interface Current {
  values: Record<string, unknown>
  flash: Record<string, readonly unknown[]>
  version: number
  lastSeenAt: number
  expiresAt: number
  userKey: string | undefined
  meta: Readonly<Record<string, string>> | undefined
}

function isDatabase(value: unknown): value is SQLiteDatabase {
  if (typeof value !== 'object' || value === null) return false
  const candidate = value as { exec?: unknown; prepare?: unknown }
  return typeof candidate.exec === 'function' && typeof candidate.prepare === 'function'
}

function readJournalMode(row: unknown): string {
  const mode = present(row)?.['journal_mode']
  return typeof mode === 'string' ? mode.toLowerCase() : 'unknown'
}

/** A result row, or `undefined` for "no row" (`undefined` from most drivers, `null` from bun). */
function present(row: unknown): Row | undefined {
  if (row === undefined || row === null) return undefined
  if (typeof row !== 'object') throw new Error('The SQLite driver returned a row of another kind')
  return row as Row
}

function ids(rows: readonly unknown[]): string[] {
  const out: string[] = []
  for (const row of rows) {
    const id = present(row)?.['id']
    if (typeof id === 'string') out.push(id)
  }
  return out
}

/** A finite number stored in an INTEGER column (a bigint from `safeIntegers` mode too). */
function integer(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined
  if (typeof value === 'bigint') {
    const n = Number(value)
    return Number.isSafeInteger(n) ? n : undefined
  }
  return undefined
}

/**
 * A row as a record, or `undefined` when any column is corrupt (STO-10). A row for another id
 * than asked for is a backend fault and throws (STO-13): never a guess, never another session.
 */
function decode(row: Row, id: string): SessionRecord | undefined {
  if (row['id'] !== id) {
    throw new Error('The SQLite session table returned another record than asked for')
  }
  const current = decodeCurrent(row)
  if (current === undefined) return undefined
  const created = integer(row['created_at'])
  if (created === undefined) return undefined
  return {
    id,
    values: current.values,
    flash: current.flash,
    version: current.version,
    createdAt: created,
    lastSeenAt: current.lastSeenAt,
    expiresAt: current.expiresAt,
    userKey: current.userKey,
    meta: current.meta,
  }
}

function decodeCurrent(row: Row): Current | undefined {
  const values = parseStoredObject(row['values_json'])
  const flash = parseStoredFlash(row['flash_json'])
  const version = integer(row['version'])
  const lastSeenAt = integer(row['last_seen_at'])
  const expiresAt = integer(row['expires_at'])
  const userKey = row['user_key']
  const meta = parseStoredMeta(row['meta_json'])
  if (
    values === undefined ||
    flash === undefined ||
    version === undefined ||
    !Number.isSafeInteger(version) ||
    version < 1 ||
    lastSeenAt === undefined ||
    expiresAt === undefined ||
    (userKey !== null && typeof userKey !== 'string') ||
    meta === false
  ) {
    return undefined
  }
  return {
    values,
    flash,
    version,
    lastSeenAt,
    expiresAt,
    userKey: userKey ?? undefined,
    meta,
  }
}

function decodeSummary(item: unknown): SessionSummary | undefined {
  const row = present(item)
  if (row === undefined) return undefined
  const id = row['id']
  const createdAt = integer(row['created_at'])
  const lastSeenAt = integer(row['last_seen_at'])
  const expiresAt = integer(row['expires_at'])
  const meta = parseStoredMeta(row['meta_json'])
  return storedSummary({ id, createdAt, lastSeenAt, expiresAt, meta })
}
