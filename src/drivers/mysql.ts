/**
 * The MySQL / MariaDB driver: sessions in one table, reached through your own mysql2 promise
 * pool (`createPool` from `mysql2/promise`) by a small structural interface
 * ({@link MySQLPool}: `execute(sql, values)` and `query(sql)`, both resolving to
 * `[rows, fields]`). This module imports no mysql2 code.
 *
 * Every value is a bound parameter of a server-side prepared statement (`execute`), so the
 * server's `NO_BACKSLASH_ESCAPES` mode or a client-side escaping bug cannot turn data into
 * SQL. The only text ever spliced into SQL is the validated table name, the validated batch
 * size, and the number of `?` placeholders.
 *
 * The table is created only when you ask: `await driver.migrate()` (idempotent) or the DDL
 * from {@link mysqlSchema} in your own migrations. Values, flash and labels are JSON text in
 * `LONGTEXT` columns (MariaDB's `JSON` type is `LONGTEXT` anyway, and MySQL's binary `JSON`
 * type would reorder keys and come back pre-parsed). An `update` patches per key on the
 * server in one `UPDATE`: removed keys through `JSON_REMOVE` and set keys through `JSON_SET`,
 * with a quoted, escaped path per key, which MySQL ≥ 8.0.3 and MariaDB ≥ 10.2.25 have. Times
 * are the caller's milliseconds in `BIGINT` columns, never the server's clock.
 *
 * A read is one statement, a save one statement once the pool's connection has prepared it
 * (mysql2 keeps prepared statements per connection). `close()` leaves the pool open: it is
 * yours.
 *
 * @example
 * ```ts
 * import mysql from 'mysql2/promise'
 * const pool = mysql.createPool({ host: '127.0.0.1', user: 'app', database: 'app' })
 * const driver = createMySQLDriver({ client: pool })
 * await driver.migrate() // once, at deploy time or start-up
 * const store = createServerStore({ driver, keys })
 * ```
 *
 * Uses web-standard APIs only.
 *
 * @module
 */

import {
  FULL_CAPABILITIES,
  type ListingSessionDriver,
  type SessionRecord,
  type SessionSummary,
  type UpdateResult,
} from '../core/driver.ts'
import { SessionConfigError } from '../errors.ts'
import {
  listedStatements,
  pad,
  patchStatement,
  placeholders,
  quoteTable,
  SAME_USER,
  statements,
  tableSchema,
} from '../lib/mysql/sql.ts'
import { asciiJson, hasLoneSurrogate, shallow, storableUserKey } from '../lib/mysql/values.ts'
import {
  parseStoredFlash,
  parseStoredMeta,
  parseStoredObject,
  storedRecord,
  storedSummary,
} from '../lib/stored-record.ts'

/** A value bound to a `?` placeholder. The driver binds strings, numbers and `null` only. */
export type MySQLValue = string | number | null

/**
 * The part of a mysql2 promise pool (or connection) the driver uses. `mysql2/promise`'s
 * `Pool`, `PoolConnection` and `Connection` fit it as they are.
 */
export interface MySQLPool {
  /** A prepared statement: rows for a `SELECT`, a result header (`affectedRows`, …) otherwise. */
  execute(sql: string, values: MySQLValue[]): Promise<readonly [unknown, unknown]>
  /** A statement without parameters (the DDL of `migrate`). */
  query(sql: string): Promise<readonly [unknown, unknown]>
}

export interface MySQLDriverOptions {
  /** Your mysql2 promise pool. `close()` does not end it. */
  readonly client: MySQLPool
  /**
   * The table's name: 1 to 64 characters of `A-Z a-z 0-9 _`, not starting with a digit.
   * @default 'sessionkit_sessions'
   */
  readonly table?: string
  /** Rows one statement of `prune`, `deleteAll` or `deleteByUser` removes at most. @default 500 */
  readonly batchSize?: number
}

/** The MySQL / MariaDB driver, with its schema and migration. */
export interface MySQLDriver extends ListingSessionDriver {
  readonly name: 'mysql'
  /** The table in use. */
  readonly table: string
  /** Creates the table and its indexes when missing (`CREATE TABLE IF NOT EXISTS`). */
  migrate(): Promise<void>
}

const MAX_BATCH = 10_000
// Ids are base64url: 43 characters for a random id or for a SHA-256 of one. Anything else
// cannot be stored, so it is looked up nowhere.
const STORED_ID = /^[A-Za-z0-9_-]{1,64}$/

const MISSING: UpdateResult = Object.freeze({ status: 'missing' })

/**
 * The DDL of the session table (InnoDB): what {@link MySQLDriver.migrate} runs, for your own
 * migration tool.
 *
 * @throws {SessionConfigError} for an invalid table name.
 */
export function mysqlSchema(table = 'sessionkit_sessions'): string {
  return tableSchema(quoteTable(table))
}

/**
 * Creates a MySQL / MariaDB driver on your pool. Nothing is sent to the server until the
 * first call; run {@link MySQLDriver.migrate} (or the DDL of {@link mysqlSchema}) once first.
 *
 * @throws {SessionConfigError} for a bad option.
 */
export function createMySQLDriver(options: MySQLDriverOptions): MySQLDriver {
  const client = options.client
  if (!isPool(client)) {
    throw new SessionConfigError(
      'client must be a mysql2 promise pool (from mysql2/promise) with execute() and query()',
    )
  }
  const table = options.table === undefined ? 'sessionkit_sessions' : options.table
  // Validated (and quoted) once: `t` is the only identifier spliced into SQL (STO-18, TRV-06).
  const t = quoteTable(table)
  const batch = options.batchSize ?? 500
  if (!Number.isSafeInteger(batch) || batch < 1 || batch > MAX_BATCH) {
    throw new SessionConfigError(`batchSize must be an integer from 1 to ${MAX_BATCH}`)
  }
  const schema = mysqlSchema(table)

  const sql = statements(t, batch)

  let closed = false

  function live(): void {
    if (closed) throw new Error('The MySQL session store is closed')
  }

  // InnoDB can pick one of two statements locking the same row through different indexes (an
  // update racing the delete of one session) as a deadlock victim and roll it back whole.
  // Every statement here is a transaction of its own, so the victim is simply run again.
  async function execute(text: string, values: MySQLValue[]): Promise<unknown> {
    for (let attempt = 1; ; attempt++) {
      try {
        const [result] = await client.execute(text, values)
        return result
      } catch (error) {
        if (attempt >= DEADLOCK_ATTEMPTS || !isDeadlock(error)) throw error
      }
    }
  }

  async function rows(text: string, values: MySQLValue[]): Promise<Row[]> {
    const result = await execute(text, values)
    if (!Array.isArray(result)) throw new Error('The MySQL pool returned no rows for a SELECT')
    return result.map(present)
  }

  async function header(text: string, values: MySQLValue[]): Promise<ResultHeader> {
    return resultHeader(await execute(text, values))
  }

  /**
   * Deletes the listed rows that still satisfy `condition` (one statement with a fixed
   * number of placeholders, so it is prepared once); returns the ids it removed. Only when
   * fewer rows went than were listed (a concurrent writer) is a second read needed to tell
   * which.
   */
  async function deleteListed(
    ids: readonly string[],
    condition: string,
    values: MySQLValue[],
  ): Promise<string[]> {
    if (ids.length === 0) return []
    const slots = placeholders(ids.length)
    const padded = pad(ids, slots)
    const listedSql = listedStatements(t, slots, condition)
    const deleted = await header(listedSql.remove, [...padded, ...values])
    if (deleted.affected === ids.length) return [...ids]
    const left = await rows(listedSql.left, padded)
    const remaining = new Set(left.map((row) => row['id']))
    return ids.filter((id) => !remaining.has(id))
  }

  const driver: MySQLDriver = {
    name: 'mysql',
    capabilities: FULL_CAPABILITIES,
    table,

    async migrate() {
      live()
      await client.query(schema)
    },

    async get(id, now) {
      live()
      if (!STORED_ID.test(id)) return undefined
      const [row] = await rows(sql.select, [id, now])
      if (row === undefined) return undefined
      const record = decode(row, id)
      if (record !== undefined) return record
      // STO-10: a corrupt row is no session, and it is removed, so it cannot fail every request.
      await header(sql.removeCorrupt, [
        id,
        raw(row['version']),
        raw(row['last_seen_at']),
        raw(row['expires_at']),
      ])
      return undefined
    },

    async create(record, now) {
      live()
      const id = storableId(record.id)
      const values = asciiJson(shallow(record.values, 0))
      const flash = asciiJson(shallow(record.flash, 0))
      const meta = record.meta === undefined ? null : asciiJson(record.meta)
      const userKey = record.userKey === undefined ? null : storableUserKey(record.userKey)
      try {
        await header(sql.insert, [
          id,
          values,
          flash,
          record.createdAt,
          record.lastSeenAt,
          record.expiresAt,
          userKey,
          meta,
        ])
        return true
      } catch (error) {
        if (!isDuplicateKey(error)) throw error
      }
      // STO-09 / STO-11: the id is taken. Only an expired row may be replaced, atomically,
      // so of many simultaneous first saves exactly one wins and none sees an error.
      const replaced = await header(sql.replace, [
        values,
        flash,
        record.createdAt,
        record.lastSeenAt,
        record.expiresAt,
        userKey,
        meta,
        id,
        now,
      ])
      return replaced.matched > 0
    },

    async update(id, patch, now): Promise<UpdateResult> {
      live()
      if (!STORED_ID.test(id)) return MISSING
      const statement = patchStatement(t, patch, id, now)
      const result = await header(statement.sql, statement.values)
      if (result.matched > 0) {
        // `version = LAST_INSERT_ID(version + 1)` hands the new version back in the same
        // reply (as `insertId`), so a save needs no second statement.
        const version =
          patch.expectVersion === undefined ? result.insertId : patch.expectVersion + 1
        if (!Number.isSafeInteger(version) || version < 2) {
          throw new Error('The MySQL server did not report the new session version')
        }
        return { status: 'updated', version }
      }
      // Nothing matched: the only case that costs a second statement, to tell a missing (or
      // corrupt, then removed) record from a version conflict.
      const current = await driver.get(id, now)
      if (current === undefined) return MISSING
      if (patch.expectVersion !== undefined && current.version !== patch.expectVersion) {
        return { status: 'conflict', version: current.version }
      }
      // The record appeared (or its version caught up) after the UPDATE looked: the update
      // came first, when there was nothing to update.
      return MISSING
    },

    async touch(id, lastSeenAt, expiresAt, now) {
      live()
      if (!STORED_ID.test(id)) return false
      return (await header(sql.touch, [lastSeenAt, expiresAt, id, now])).matched > 0
    },

    async delete(id) {
      live()
      if (!STORED_ID.test(id)) return false
      return (await header(sql.remove, [id])).affected > 0
    },

    async listByUser(userKey, now) {
      live()
      // No stored key holds a lone surrogate, and the server would match its U+FFFD stand-in.
      if (hasLoneSurrogate(userKey)) return []
      const out: SessionSummary[] = []
      for (const row of await rows(sql.listByUser, [userKey, userKey, now])) {
        const summary = decodeSummary(row)
        // A corrupt row is left out here; `get` removes it when its session comes back.
        if (summary !== undefined) out.push(summary)
      }
      return out
    },

    async deleteByUser(userKey, exceptId) {
      live()
      if (hasLoneSurrogate(userKey)) return []
      const out: string[] = []
      // `id <> ''` matches every stored id, so "no exception" needs no other statement.
      for (;;) {
        const listed = ids(await rows(sql.idsByUser, [userKey, userKey, exceptId ?? '']))
        out.push(...(await deleteListed(listed, SAME_USER, [userKey, userKey])))
        if (listed.length < batch) return out
      }
    },

    async deleteAll() {
      live()
      let count = 0
      for (;;) {
        const { affected } = await header(sql.deleteSome, [])
        count += affected
        if (affected < batch) return count
      }
    },

    async prune(now) {
      live()
      const out: string[] = []
      // Bounded batches: each DELETE locks at most `batchSize` rows, however big the backlog.
      for (;;) {
        const listed = ids(await rows(sql.expired, [now]))
        out.push(...(await deleteListed(listed, 'expires_at <= ?', [now])))
        if (listed.length < batch) return out
      }
    },

    close() {
      closed = true
      return Promise.resolve()
    },
  }
  return driver
}

function storableId(id: string): string {
  if (!STORED_ID.test(id))
    throw new Error('The MySQL driver stores base64url ids of 1 to 64 characters')
  return id
}

/** How many times a statement chosen as a deadlock victim is run in all. */
const DEADLOCK_ATTEMPTS = 3

/** ER_LOCK_DEADLOCK (1213): the statement was rolled back and may be run again. */
function isDeadlock(error: unknown): boolean {
  return (
    typeof error === 'object' && error !== null && (error as { errno?: unknown }).errno === 1213
  )
}

function isPool(value: unknown): value is MySQLPool {
  if (typeof value !== 'object' || value === null) return false
  const candidate = value as { execute?: unknown; query?: unknown }
  return typeof candidate.execute === 'function' && typeof candidate.query === 'function'
}

function isDuplicateKey(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false
  const { code, errno } = error as { code?: unknown; errno?: unknown }
  return code === 'ER_DUP_ENTRY' || errno === 1062
}

type Row = Readonly<Record<string, unknown>>

interface ResultHeader {
  /** Rows the statement found (matched), whether or not it changed them. */
  readonly matched: number
  readonly affected: number
  readonly insertId: number
}

// Every SELECT of the driver reads `id`. A row without it comes from a pool whose settings
// reshape rows (`rowsAsArray`, `nestTables`): refused, since skipping such rows would make
// `deleteByUser` and `prune` report success having deleted nothing.
function present(row: unknown): Row {
  if (typeof row !== 'object' || row === null || Array.isArray(row) || !('id' in row)) {
    throw new Error('The MySQL pool returned rows that are not objects keyed by column name')
  }
  return row
}

function resultHeader(result: unknown): ResultHeader {
  if (typeof result !== 'object' || result === null || Array.isArray(result)) {
    throw new Error('The MySQL pool returned no result header for a write')
  }
  const { affectedRows, insertId, info } = result as {
    affectedRows?: unknown
    insertId?: unknown
    info?: unknown
  }
  const affected = integer(affectedRows)
  if (affected === undefined) throw new Error('The MySQL pool returned no affectedRows')
  // Without the FOUND_ROWS client flag (mysql2 sets it by default) affectedRows counts only
  // changed rows; "Rows matched" in the reply's info says what the UPDATE found either way.
  const found = typeof info === 'string' ? /Rows matched:\s*(\d+)/.exec(info) : null
  return {
    affected,
    matched: found === null ? affected : Number(found[1]),
    insertId: integer(insertId) ?? 0,
  }
}

// An id that is not text comes from a pool that reshapes values (`typeCast: false`): refused,
// since skipping it would make `deleteByUser` and `prune` report success having done nothing.
function ids(list: readonly Row[]): string[] {
  return list.map((row) => {
    const id = row['id']
    if (typeof id !== 'string') throw new Error('The MySQL pool returned an id that is not text')
    return id
  })
}

/** A BIGINT as mysql2 gives it: a number, or a string or bigint with `supportBigNumbers`. */
function integer(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : undefined
  if (typeof value === 'bigint' || (typeof value === 'string' && /^-?\d{1,16}$/.test(value))) {
    const n = Number(value)
    return Number.isSafeInteger(n) ? n : undefined
  }
  return undefined
}

/** A column value bound back into a statement (the `removeCorrupt` guard). */
function raw(value: unknown): MySQLValue {
  if (typeof value === 'number' || typeof value === 'string') return value
  if (typeof value === 'bigint') return value.toString()
  return null
}

/** A JSON column as text to parse; anything but text or bytes (SQL NULL too) as it came. */
function json(value: unknown): unknown {
  // A BLOB-typed column (or a pool with `typeCast` off for text) gives bytes.
  if (value instanceof Uint8Array) return new TextDecoder('utf-8', { fatal: false }).decode(value)
  return value
}

/**
 * A row as a record, or `undefined` when any column is corrupt (STO-10). A row for another id
 * than asked for is a backend fault and throws (STO-13): never a guess, never another session.
 */
function decode(row: Row, id: string): SessionRecord | undefined {
  if (row['id'] !== id) {
    throw new Error('The MySQL session table returned another record than asked for')
  }
  const userKey = row['user_key']
  return storedRecord(id, {
    values: parseStoredObject(json(row['values_json'])),
    flash: parseStoredFlash(json(row['flash_json'])),
    version: integer(row['version']),
    createdAt: integer(row['created_at']),
    lastSeenAt: integer(row['last_seen_at']),
    expiresAt: integer(row['expires_at']),
    userKey: userKey === null ? undefined : typeof userKey === 'string' ? userKey : false,
    meta: parseStoredMeta(json(row['meta_json'])),
  })
}

function decodeSummary(row: Row): SessionSummary | undefined {
  const id = row['id']
  const createdAt = integer(row['created_at'])
  const lastSeenAt = integer(row['last_seen_at'])
  const expiresAt = integer(row['expires_at'])
  const meta = parseStoredMeta(json(row['meta_json']))
  return storedSummary({ id, createdAt, lastSeenAt, expiresAt, meta })
}
