/**
 * The PostgreSQL driver: sessions in one table, reached through the client you already have —
 * a `pg` `Pool` (`pool.query({ text, values, rowMode: 'array' })`) or a postgres.js `sql`
 * instance (`sql.unsafe(text, values).values()`). Rows are read by column position, so the
 * client's own settings (postgres.js name transforms, int8 parsers) do not matter. Both fit the structural {@link PostgresClient} as they are; the
 * driver tells them apart by shape and imports neither.
 *
 * The table is created only when you ask: `await driver.migrate()` (idempotent, safe to run
 * from several processes at once), or run the DDL of {@link postgresSchema} with your own
 * migration tool. Every value reaches SQL as a bound parameter; the only text spliced into SQL
 * is the table name, validated as an identifier. Each driver call is one statement, so a load
 * costs one round trip and a save one round trip: `update` applies the per-key patch with jsonb
 * operators (`(data - $unset) || $set`) in a single `UPDATE` and tells a missing record from a
 * version conflict in the same statement.
 *
 * Times are the caller's (`now`), stored as milliseconds in `bigint` columns; the server's
 * clock is never used. `close()` leaves the client open: it belongs to you.
 *
 * @example
 * ```ts
 * import pg from 'pg' // or: import postgres from 'postgres'; const client = postgres(url)
 * const driver = createPostgresDriver({ client: new pg.Pool({ connectionString }) })
 * await driver.migrate()
 * const store = createServerStore({ name: 'sid', driver, keys })
 * ```
 *
 * Uses web-standard APIs only.
 *
 * @module
 */

import {
  FULL_CAPABILITIES,
  type ListingSessionDriver,
  type SessionPatch,
  type SessionRecord,
  type SessionSummary,
  type UpdateResult,
} from '../core/driver.ts'
import { SessionConfigError } from '../errors.ts'
import {
  parseStoredFlash,
  parseStoredMeta,
  parseStoredObject,
  storedRecord,
  storedSummary,
} from '../lib/stored-record.ts'

/** A value the driver binds to a `$n` placeholder: always a string or `null`. */
export type PostgresValue = string | null

/** A query as the driver hands it to `pg`: rows come back as arrays, by column position. */
export interface PgArrayQuery {
  readonly text: string
  readonly values: PostgresValue[]
  readonly rowMode: 'array'
}

/** The part of a `pg` `Pool` (or `Client`) the driver uses. */
export interface PgQueryable {
  query(query: PgArrayQuery): PromiseLike<{ readonly rows: readonly unknown[] }>
}

/** The part of a postgres.js `sql` instance the driver uses. */
export interface PostgresJsSql {
  unsafe(
    text: string,
    values?: PostgresValue[],
    options?: { prepare?: boolean },
  ): { values(): PromiseLike<readonly unknown[]> }
}

/** A `pg` `Pool` or a postgres.js `sql` instance. */
export type PostgresClient = PgQueryable | PostgresJsSql

export interface PostgresDriverOptions {
  /**
   * Your `pg` `Pool` or postgres.js `sql`. `close()` does not end it. With `pg`, give the pool
   * an `'error'` listener: an idle connection the server drops (a restart) is reported there,
   * and an unhandled `'error'` event ends the process.
   */
  readonly client: PostgresClient
  /**
   * The table: `name` or `schema.name`, each part 1 to 48 characters of `A-Z a-z 0-9 _`, not
   * starting with a digit (48 leaves room for the index names, `<name>_expires_at` and
   * `<name>_user_key`, within PostgreSQL's 63). Quoted in SQL, so case is kept.
   * @default 'sessionkit_sessions'
   */
  readonly table?: string
  /** Rows `prune()` deletes per statement, so a big backlog never holds locks for long. @default 1000 */
  readonly pruneBatch?: number
}

/** The PostgreSQL driver, with its setup and a few extras. */
export interface PostgresDriver extends ListingSessionDriver {
  readonly name: 'postgres'
  /** The table in use, as given (`name` or `schema.name`). */
  readonly table: string
  /** Which client it talks to. */
  readonly client: 'pg' | 'postgres.js'
  /**
   * Creates the table and its indexes when missing ({@link postgresSchema}), in one
   * transaction under an advisory lock, so concurrent calls from several processes are safe.
   * Idempotent. The schema of a `schema.name` table must exist.
   */
  migrate(): Promise<void>
  /** Deletes expired rows in batches of `pruneBatch` (one short statement each); returns their ids. */
  prune(now: number): Promise<string[]>
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,47}$/
const MAX_PRUNE_BATCH = 100_000

const MISSING: UpdateResult = Object.freeze({ status: 'missing' })

interface TableName {
  /** The quoted (possibly schema-qualified) name for SQL. */
  readonly sql: string
  /** The bare table name, for index names. */
  readonly base: string
}

function parseTable(table: unknown): TableName {
  const parts = typeof table === 'string' ? table.split('.') : []
  if (parts.length < 1 || parts.length > 2 || !parts.every((part) => IDENTIFIER.test(part))) {
    throw new SessionConfigError(
      'table must be name or schema.name, each 1 to 48 characters of A-Z, a-z, 0-9 and _, not starting with a digit',
    )
  }
  return { sql: parts.map((part) => `"${part}"`).join('.'), base: parts[parts.length - 1] ?? '' }
}

/**
 * The DDL of the session table and its indexes (what `migrate()` runs), for your own
 * migration tool. Validates the name like `createPostgresDriver` does.
 *
 * @throws {SessionConfigError} for an invalid table name.
 */
export function postgresSchema(table = 'sessionkit_sessions'): string {
  const t = parseTable(table)
  return `CREATE TABLE IF NOT EXISTS ${t.sql} (
  id text COLLATE "C" PRIMARY KEY,
  data jsonb NOT NULL,
  flash jsonb NOT NULL,
  version bigint NOT NULL,
  created_at bigint NOT NULL,
  last_seen_at bigint NOT NULL,
  expires_at bigint NOT NULL,
  user_key text,
  meta jsonb
);
CREATE INDEX IF NOT EXISTS "${t.base}_expires_at" ON ${t.sql} (expires_at);
CREATE INDEX IF NOT EXISTS "${t.base}_user_key" ON ${t.sql} (user_key) WHERE user_key IS NOT NULL;
`
}

type Row = readonly unknown[]
type Run = (text: string, values: PostgresValue[]) => Promise<readonly unknown[]>

function isObjectLike(value: unknown): value is Record<string, unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null
}

function connect(client: unknown): { readonly kind: 'pg' | 'postgres.js'; readonly run: Run } {
  if (isObjectLike(client) && typeof client['unsafe'] === 'function') {
    const sql = client as unknown as PostgresJsSql
    // `prepare: true` keeps each statement prepared per connection, so after its first use
    // it costs one round trip (an unprepared one first asks the server for its parameter types).
    return {
      kind: 'postgres.js',
      run: async (text, values) => sql.unsafe(text, values, { prepare: true }).values(),
    }
  }
  if (isObjectLike(client) && typeof client['query'] === 'function') {
    const pool = client as unknown as PgQueryable
    return {
      kind: 'pg',
      run: async (text, values) => (await pool.query({ text, values, rowMode: 'array' })).rows,
    }
  }
  throw new SessionConfigError(
    'client must be a pg Pool (with query()) or a postgres.js sql instance (with unsafe())',
  )
}

/**
 * Creates a PostgreSQL driver on your client. Creates nothing in the database: call
 * `migrate()` once (or run {@link postgresSchema} yourself).
 *
 * @throws {SessionConfigError} for a bad option.
 */
export function createPostgresDriver(options: PostgresDriverOptions): PostgresDriver {
  const { kind, run } = connect(options.client)
  const table = options.table ?? 'sessionkit_sessions'
  const name = parseTable(table)
  const pruneBatch = options.pruneBatch ?? 1000
  if (!Number.isSafeInteger(pruneBatch) || pruneBatch < 1 || pruneBatch > MAX_PRUNE_BATCH) {
    throw new SessionConfigError(`pruneBatch must be an integer from 1 to ${MAX_PRUNE_BATCH}`)
  }

  // STO-18 / TRV-06: `t` (the validated name, quoted) is the only text ever spliced into SQL.
  // Every value is a `$n` parameter, passed as text: numbers are cast to bigint and JSON to
  // jsonb by the statement itself (`$n::text::jsonb`), so both clients send the same bytes
  // whatever their own serializers would do with the value.
  const t = name.sql
  const sql = {
    get: `SELECT id, data::text AS data, flash::text AS flash, version, created_at, last_seen_at,
      expires_at, user_key, meta::text AS meta
      FROM ${t} WHERE id = $1::text AND expires_at > $2::bigint`,
    // Exclusive: a live row with the id wins (no row returned); an expired one no longer
    // exists as far as the contract goes, so it is replaced in the same statement.
    create: `INSERT INTO ${t} AS s
      (id, data, flash, version, created_at, last_seen_at, expires_at, user_key, meta)
      VALUES ($1::text, $2::text::jsonb, $3::text::jsonb, 1, $4::bigint, $5::bigint, $6::bigint,
        $7::text, $8::text::jsonb)
      ON CONFLICT (id) DO UPDATE SET data = EXCLUDED.data, flash = EXCLUDED.flash, version = 1,
        created_at = EXCLUDED.created_at, last_seen_at = EXCLUDED.last_seen_at,
        expires_at = EXCLUDED.expires_at, user_key = EXCLUDED.user_key, meta = EXCLUDED.meta
      WHERE s.expires_at <= $9::bigint
      RETURNING id`,
    // One statement, one round trip: the patch applied by jsonb operators (unset, then set, as
    // whole top-level values). When it wrote nothing, the second column tells a live row (a
    // version conflict: its version, read FOR UPDATE so it is the latest committed one) from
    // no row (missing).
    update: `WITH updated AS (
        UPDATE ${t} SET
          data = (data - ARRAY(SELECT jsonb_array_elements_text($3::text::jsonb))) || $4::text::jsonb,
          flash = (flash - ARRAY(SELECT jsonb_array_elements_text($5::text::jsonb))) || $6::text::jsonb,
          version = version + 1,
          last_seen_at = $7::bigint,
          expires_at = $8::bigint,
          user_key = CASE WHEN $9::text = 'keep' THEN user_key ELSE $10::text END,
          meta = CASE WHEN $11::text = 'keep' THEN meta ELSE $12::text::jsonb END
        WHERE id = $1::text AND expires_at > $2::bigint
          AND ($13::bigint IS NULL OR version = $13::bigint)
        RETURNING version
      )
      SELECT (SELECT version FROM updated) AS updated,
        (SELECT version FROM ${t}
          WHERE id = $1::text AND expires_at > $2::bigint AND NOT EXISTS (SELECT 1 FROM updated)
          FOR UPDATE) AS current`,
    // CON-03: a touch moves the times and nothing else, so it cannot undo a data write.
    touch: `UPDATE ${t} SET last_seen_at = $2::bigint, expires_at = $3::bigint
      WHERE id = $1::text AND expires_at > $4::bigint RETURNING id`,
    remove: `DELETE FROM ${t} WHERE id = $1::text RETURNING id`,
    removeCorrupt: `DELETE FROM ${t} WHERE id = $1::text AND version::text = $2::text`,
    listByUser: `SELECT id, created_at, last_seen_at, expires_at, meta::text AS meta FROM ${t}
      WHERE user_key = $1::text AND expires_at > $2::bigint ORDER BY created_at, last_seen_at, id`,
    deleteByUser: `DELETE FROM ${t} WHERE user_key = $1::text AND ($2::text IS NULL OR id <> $2::text)
      RETURNING id`,
    deleteAll: `WITH gone AS (DELETE FROM ${t} RETURNING 1) SELECT count(*)::text AS n FROM gone`,
    // Bounded: each statement deletes at most one batch, oldest expiry first; rows another
    // pruner (another instance) holds are skipped rather than waited for.
    prune: `DELETE FROM ${t} WHERE id IN (
        SELECT id FROM ${t} WHERE expires_at <= $1::bigint
        ORDER BY expires_at LIMIT $2::bigint FOR UPDATE SKIP LOCKED)
      RETURNING id`,
  }
  // A simple-protocol batch (no parameters) is one implicit transaction: the advisory lock is
  // held until the DDL has committed, so concurrent migrations wait instead of racing on the
  // catalog. The lock key is derived from the validated table name.
  const migration = `SELECT pg_advisory_xact_lock(hashtext('sessionkit.migrate:${table}'));
${postgresSchema(table)}`

  let closed = false
  function live(): void {
    if (closed) throw new Error('The PostgreSQL session store is closed')
  }

  async function rows(text: string, values: PostgresValue[]): Promise<Row[]> {
    live()
    const result = await run(text, values)
    return result.map(asRow)
  }

  return {
    name: 'postgres',
    capabilities: FULL_CAPABILITIES,
    table,
    client: kind,

    async migrate() {
      live()
      await run(migration, [])
    },

    async get(id, now) {
      const row = (await rows(sql.get, [id, ms(now)]))[0]
      if (row === undefined) return undefined
      const record = decode(row, id)
      if (record !== undefined) return record
      // STO-10: a corrupt row is no session, and it is removed so that it cannot fail every
      // request; only the version read, so a concurrent rewrite survives.
      await rows(sql.removeCorrupt, [id, text(row[3])])
      return undefined
    },

    async create(record, now) {
      const result = await rows(sql.create, [
        record.id,
        toJson(record.values),
        toJson(record.flash),
        ms(record.createdAt),
        ms(record.lastSeenAt),
        ms(record.expiresAt),
        record.userKey === undefined ? null : toText(record.userKey),
        record.meta === undefined ? null : toJson(record.meta),
        ms(now),
      ])
      return result.length > 0
    },

    async update(id, patch, now) {
      const row = (await rows(sql.update, updateValues(id, patch, now)))[0]
      const updated = integer(row?.[0])
      if (updated !== undefined) return { status: 'updated', version: updated }
      const current = integer(row?.[1])
      return current === undefined ? MISSING : { status: 'conflict', version: current }
    },

    async touch(id, lastSeenAt, expiresAt, now) {
      const result = await rows(sql.touch, [id, ms(lastSeenAt), ms(expiresAt), ms(now)])
      return result.length > 0
    },

    async delete(id) {
      return (await rows(sql.remove, [id])).length > 0
    },

    async listByUser(userKey, now) {
      const out: SessionSummary[] = []
      for (const row of await rows(sql.listByUser, [toText(userKey), ms(now)])) {
        const summary = decodeSummary(row)
        // A corrupt row is left out here; `get` removes it when its session comes back.
        if (summary !== undefined) out.push(summary)
      }
      return out
    },

    async deleteByUser(userKey, exceptId) {
      return ids(await rows(sql.deleteByUser, [toText(userKey), exceptId ?? null]))
    },

    async deleteAll() {
      const row = (await rows(sql.deleteAll, []))[0]
      return integer(row?.[0]) ?? 0
    },

    async prune(now) {
      const out: string[] = []
      for (;;) {
        const batch = ids(await rows(sql.prune, [ms(now), String(pruneBatch)]))
        out.push(...batch)
        if (batch.length < pruneBatch) return out
      }
    },

    close() {
      closed = true
      return Promise.resolve()
    },
  }
}

// PostgreSQL's text and jsonb cannot hold U+0000 (which the server store's own bookkeeping
// keys start with) nor an unpaired surrogate, so both are escaped, reversibly, on the JSON text
// on its way in and out: the noncharacter U+FFFF introduces an escape (`\uFFFF0` for U+0000,
// `\uFFFFu` and four hex digits for a lone surrogate, `\uFFFF~` for U+FFFF itself). Data
// without them, which is nearly all data, is stored exactly as JSON.stringify wrote it.
const ESCAPE = '\uFFFF'
const UNSTORABLE = /\\\\|\\u(0000|d[89a-f][0-9a-f]{2})|\uFFFF/g
const ESCAPED = /\uFFFF(~|0|u[0-9a-f]{4})/g

/** JSON text PostgreSQL can store. */
function storable(json: string): string {
  return json.replace(UNSTORABLE, (match, escape: string | undefined) => {
    if (match === ESCAPE) return `${ESCAPE}~`
    if (escape === undefined) return match // an escaped backslash, kept as it is
    return escape === '0000' ? `${ESCAPE}0` : `${ESCAPE}u${escape}`
  })
}

/** The JSON text as it was before {@link storable}. */
function restored(json: string): string {
  if (!json.includes(ESCAPE)) return json
  return json.replace(ESCAPED, (_, escape: string) => {
    if (escape === '~') return ESCAPE
    return escape === '0' ? '\\u0000' : `\\${escape}`
  })
}

function toJson(value: unknown): string {
  return storable(JSON.stringify(value))
}

function toText(value: string): string {
  return JSON.parse(toJson(value)) as string
}

function fromText(value: string): string {
  return value.includes(ESCAPE) ? (JSON.parse(restored(JSON.stringify(value))) as string) : value
}

function updateValues(id: string, patch: SessionPatch, now: number): PostgresValue[] {
  return [
    id,
    ms(now),
    toJson(patch.unset),
    toJson(patch.set),
    toJson(patch.flashUnset),
    toJson(patch.flashSet),
    ms(patch.lastSeenAt),
    ms(patch.expiresAt),
    patch.userKey === undefined ? 'keep' : 'set',
    patch.userKey === undefined || patch.userKey === null ? null : toText(patch.userKey),
    patch.meta === undefined ? 'keep' : 'set',
    patch.meta === undefined || patch.meta === null ? null : toJson(patch.meta),
    patch.expectVersion === undefined ? null : ms(patch.expectVersion),
  ]
}

/**
 * A time (or version) as the text of a bigint. A clock with fractions of a millisecond is
 * rounded down (at most 1 ms off); anything not finite is refused before the query.
 */
function ms(value: number): string {
  const whole = Math.floor(value)
  if (!Number.isSafeInteger(whole)) {
    throw new TypeError('The PostgreSQL driver stores times as milliseconds since the epoch')
  }
  return String(whole)
}

function text(value: unknown): string | null {
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'bigint') return String(value)
  return null
}

// Rows are read by position, never by column name, so a client's name transform (postgres.js
// `transform: postgres.camel`, say) cannot make every session look corrupt.
function asRow(row: unknown): Row {
  if (!Array.isArray(row)) throw new Error('The PostgreSQL client returned a row of another kind')
  return row
}

function ids(rows: readonly Row[]): string[] {
  const out: string[] = []
  for (const row of rows) {
    const id = row[0]
    // A client that rewrites values (a custom text parser, a transform) must not make a
    // logout-everywhere or a prune report less than it removed: refuse the answer instead.
    if (typeof id !== 'string') throw new Error('the client returned a row without a text id')
    out.push(id)
  }
  return out
}

/**
 * A bigint column as a number: both clients give int8 as a string by default; a number or a
 * `BigInt` (custom type parsers) is accepted too. `undefined` for anything else or unsafe.
 */
function integer(value: unknown): number | undefined {
  let n: number
  if (typeof value === 'number') n = value
  else if (typeof value === 'bigint') n = Number(value)
  else if (typeof value === 'string' && /^-?\d{1,16}$/.test(value)) n = Number(value)
  else return undefined
  return Number.isSafeInteger(n) ? n : undefined
}

// The columns are read as text (`::text`), so the client's own jsonb parser (whatever the app
// configured) is never involved. Text gets its NUL escapes undone; anything else stays as it came.
function json(value: unknown): unknown {
  return typeof value === 'string' ? restored(value) : value
}

/** The labels column; `undefined` (a client leaving out a NULL) is absent, as `null` is. */
function parseMeta(value: unknown): Readonly<Record<string, string>> | undefined | false {
  return parseStoredMeta(value === undefined ? null : json(value))
}

/**
 * A row as a record, or `undefined` when a column is corrupt (STO-10). A row for another id
 * than asked for is a backend fault and throws (STO-13): never a guess, never another session.
 */
function decode(row: Row, id: string): SessionRecord | undefined {
  if (row[0] !== id) {
    throw new Error('The PostgreSQL session table returned another record than asked for')
  }
  const userKey = row[7]
  return storedRecord(id, {
    values: parseStoredObject(json(row[1])),
    flash: parseStoredFlash(json(row[2])),
    version: integer(row[3]),
    createdAt: integer(row[4]),
    lastSeenAt: integer(row[5]),
    expiresAt: integer(row[6]),
    userKey:
      userKey === null || userKey === undefined
        ? undefined
        : typeof userKey === 'string'
          ? fromText(userKey)
          : false,
    meta: parseMeta(row[8]),
  })
}

function decodeSummary(row: Row): SessionSummary | undefined {
  const id = row[0]
  const createdAt = integer(row[1])
  const lastSeenAt = integer(row[2])
  const expiresAt = integer(row[3])
  const meta = parseMeta(row[4])
  return storedSummary({ id, createdAt, lastSeenAt, expiresAt, meta })
}
