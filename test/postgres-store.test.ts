// The PostgreSQL driver against the shared server (127.0.0.1:5432, db `test`): the conformance
// suite with a `pg` Pool and with postgres.js, each test on a table of its own that `cleanup`
// drops; then what only this driver has: table-name validation (TRV-06), migrate and its DDL,
// bounded prunes, a row for another id (STO-13), corrupt rows (STO-10), concurrent exclusive
// creates and patches, and the round trips each call costs, counted on the wire.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'

import fc from 'fast-check'
import pg from 'pg'
import postgres from 'postgres'

import type { SessionPatch } from '../src/core/driver.ts'
import { createServerStore } from '../src/stores/server.ts'
import { SessionRegistry } from '../src/core/registry.ts'
import { SessionConfigError } from '../src/errors.ts'
import { generateSessionId } from '../src/lib/session-id.ts'

/** Resolves once Date.now() has moved on from the moment of the call. */
async function nextMillisecond(): Promise<void> {
  const start = Date.now()
  while (Date.now() === start) await new Promise((resolve) => setTimeout(resolve, 1))
}
import {
  createPostgresDriver,
  postgresSchema,
  type PgArrayQuery,
  type PostgresDriver,
} from '../src/postgres.ts'
import { runStoreConformance } from '../src/testing.ts'
import {
  CLIENT_KINDS,
  countingProxy,
  dropTable,
  openClients,
  randomTable,
  SHARED,
  type ClientKind,
  type Clients,
} from './support/postgres.ts'
import { randomRing } from './support/keys.ts'
import { HOUR, record } from './support/records.ts'

const clients: Clients = openClients()
after(async () => {
  await clients.end()
})

const tables = new WeakMap<PostgresDriver, string>()

for (const kind of CLIENT_KINDS) {
  runStoreConformance<PostgresDriver>({
    name: `postgres (${kind})`,
    createDriver: async () => {
      const table = randomTable()
      const driver = createPostgresDriver({ client: clients.client(kind), table })
      tables.set(driver, table)
      await driver.migrate()
      return driver
    },
    test: { describe, it },
    cleanup: async ({ driver }) => {
      const table = tables.get(driver)
      if (table !== undefined) await dropTable(clients.pool, table)
    },
    activeResources: () => process.getActiveResourcesInfo(),
    // A real server's round trip on a busy CI machine can take longer than the suite's default
    // 50 ms per-call timeout of its fault tests; the Sentinel and Cluster runs use the same.
    faultTimeout: 250,
  })
}

// ---------------------------------------------------------------------------------------

function patch(at: number, set: Record<string, unknown>, unset: string[] = []): SessionPatch {
  return { set, unset, flashSet: {}, flashUnset: [], lastSeenAt: at, expiresAt: at + HOUR }
}

/** A driver on a fresh table, dropped after the test. */
async function withTable<T>(
  kind: ClientKind,
  body: (driver: PostgresDriver, table: string) => Promise<T>,
  options: { pruneBatch?: number } = {},
): Promise<T> {
  const table = randomTable()
  const driver = createPostgresDriver({ client: clients.client(kind), table, ...options })
  try {
    await driver.migrate()
    return await body(driver, table)
  } finally {
    await driver.close()
    await dropTable(clients.pool, table)
  }
}

describe('postgres: options', () => {
  it('table names are identifiers, optionally schema-qualified; anything else is refused', () => {
    for (const table of [
      'sessions',
      'Sessions_2',
      '_x',
      'public.sessions',
      'app.s',
      'a'.repeat(48),
      `${'s'.repeat(48)}.${'t'.repeat(48)}`,
    ]) {
      assert.equal(createPostgresDriver({ client: clients.pool, table }).table, table)
    }
    for (const table of [
      '',
      '1sessions',
      'a'.repeat(49),
      'sessions; DROP TABLE users',
      'sessions"; DROP TABLE users; --',
      "sessions' OR '1'='1",
      'a.b.c',
      '.sessions',
      'sessions.',
      'séssions',
      'sessions\u0000',
      'ses sions',
      'sessions--',
      '"sessions"',
    ]) {
      assert.throws(
        () => createPostgresDriver({ client: clients.pool, table }),
        SessionConfigError,
        table,
      )
      assert.throws(() => postgresSchema(table), SessionConfigError, table)
    }
    assert.throws(
      () => createPostgresDriver({ client: clients.pool, table: 42 as unknown as string }),
      SessionConfigError,
    )
  })

  it('the client is recognised by shape; anything else is refused', () => {
    assert.equal(createPostgresDriver({ client: clients.pool }).client, 'pg')
    assert.equal(createPostgresDriver({ client: clients.sql }).client, 'postgres.js')
    for (const client of [undefined, null, {}, 'postgres://', { query: 1 }]) {
      assert.throws(
        () => createPostgresDriver({ client: client as unknown as pg_Pool }),
        SessionConfigError,
      )
    }
    for (const pruneBatch of [0, -1, 1.5, 100_001, Number.NaN]) {
      assert.throws(
        () => createPostgresDriver({ client: clients.pool, pruneBatch }),
        SessionConfigError,
      )
    }
  })

  it('creating a driver runs nothing on the server; calls before migrate() fail', async () => {
    const table = randomTable()
    const driver = createPostgresDriver({ client: clients.pool, table })
    const exists = async (): Promise<boolean> =>
      (await clients.pool.query<{ t: string | null }>('SELECT to_regclass($1) AS t', [table]))
        .rows[0]?.t !== null
    assert.equal(await exists(), false)
    await assert.rejects(driver.get(generateSessionId(), Date.now()), /does not exist/)
    await driver.close()
    assert.equal(await exists(), false)
  })
})

type pg_Pool = typeof clients.pool

// pg's own parsers, except int8 parsed to a number (a common app setting).
const numbersForInt8 = new pg.TypeOverrides()
numbersForInt8.setTypeParser(pg.types.builtins.INT8, (value: string) => Number(value))

describe('postgres: client settings the driver does not depend on', () => {
  it('postgres.js with camelCase column names and BigInt int8; pg with int8 as numbers', async () => {
    const sql = postgres({
      ...SHARED,
      max: 1,
      onnotice: () => undefined,
      transform: postgres.camel,
      types: { bigint: postgres.BigInt },
    })
    const pool = new pg.Pool({ ...SHARED, max: 1, types: numbersForInt8 })
    try {
      for (const client of [sql, pool]) {
        const table = randomTable()
        const driver = createPostgresDriver({ client, table })
        try {
          await driver.migrate()
          const at = Date.now()
          const rec = record(at, { userKey: 'u', meta: { device: 'd' } })
          assert.equal(await driver.create(rec, at), true)
          assert.deepEqual(await driver.get(rec.id, at), rec)
          assert.deepEqual(await driver.update(rec.id, patch(at, { b: 2 }), at), {
            status: 'updated',
            version: 2,
          })
          assert.equal((await driver.listByUser('u', at))[0]?.createdAt, at)
          assert.equal(await driver.deleteAll(), 1)
        } finally {
          await dropTable(clients.pool, table)
        }
      }
    } finally {
      await sql.end({ timeout: 1 })
      await pool.end()
    }
  })
})

describe('postgres: migrate and the DDL', () => {
  it('postgresSchema: the documented table and indexes', () => {
    const ddl = postgresSchema('app.sessions')
    assert.match(ddl, /CREATE TABLE IF NOT EXISTS "app"\."sessions" \(/)
    assert.match(ddl, /id text COLLATE "C" PRIMARY KEY/)
    assert.match(ddl, /expires_at bigint NOT NULL/)
    assert.match(
      ddl,
      /CREATE INDEX IF NOT EXISTS "sessions_expires_at" ON "app"\."sessions" \(expires_at\)/,
    )
    assert.match(
      ddl,
      /"sessions_user_key" ON "app"\."sessions" \(user_key\) WHERE user_key IS NOT NULL/,
    )
    assert.equal(postgresSchema(), postgresSchema('sessionkit_sessions'))
  })

  for (const kind of CLIENT_KINDS) {
    it(`migrate is idempotent and safe when run concurrently (${kind})`, async () => {
      await withTable(kind, async (driver, table) => {
        const others = Array.from({ length: 4 }, () =>
          createPostgresDriver({ client: clients.client(kind), table }),
        )
        await Promise.all([driver.migrate(), ...others.map((d) => d.migrate())])
        const columns = await clients.pool.query<{ column_name: string; data_type: string }>(
          `SELECT column_name, data_type FROM information_schema.columns
           WHERE table_name = $1 ORDER BY ordinal_position`,
          [table],
        )
        assert.deepEqual(
          columns.rows.map((c) => `${c.column_name} ${c.data_type}`),
          [
            'id text',
            'data jsonb',
            'flash jsonb',
            'version bigint',
            'created_at bigint',
            'last_seen_at bigint',
            'expires_at bigint',
            'user_key text',
            'meta jsonb',
          ],
        )
        const indexes = await clients.pool.query<{ indexname: string }>(
          'SELECT indexname FROM pg_indexes WHERE tablename = $1 ORDER BY indexname',
          [table],
        )
        assert.deepEqual(
          indexes.rows.map((i) => i.indexname),
          [`${table}_expires_at`, `${table}_pkey`, `${table}_user_key`],
        )
      })
    })
  }

  it('a schema-qualified table lives in its schema', async () => {
    const schema = randomTable('sk_schema')
    await clients.pool.query(`CREATE SCHEMA "${schema}"`)
    try {
      const driver = createPostgresDriver({ client: clients.pool, table: `${schema}.sessions` })
      await driver.migrate()
      const at = Date.now()
      assert.equal(await driver.create(record(at), at), true)
      const found = await clients.pool.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = $1 AND tablename = $2',
        [schema, 'sessions'],
      )
      assert.equal(found.rows[0]?.n, 1)
    } finally {
      await clients.pool.query(`DROP SCHEMA "${schema}" CASCADE`)
    }
  })
})

for (const kind of CLIENT_KINDS) {
  describe(`postgres (${kind}): SQL behaviour`, () => {
    it('values are jsonb you can query; hostile keys and text stay data', async () => {
      await withTable(kind, async (driver, table) => {
        const at = Date.now()
        const hostile = `'); DROP TABLE "${table}"; --`
        const rec = record(at, {
          values: { user: hostile, nested: { deep: [1, 'two', null, true] } },
          userKey: hostile,
          meta: { device: '$1 $2 ::jsonb' },
        })
        assert.equal(await driver.create(rec, at), true)
        const row = await clients.pool.query<{ user: string; key: string }>(
          `SELECT data->>'user' AS user, user_key AS key FROM "${table}" WHERE id = $1`,
          [rec.id],
        )
        assert.deepEqual(row.rows[0], { user: hostile, key: hostile })
        const got = await driver.get(rec.id, at)
        assert.ok(got)
        assert.deepEqual(got.values, rec.values)
        assert.deepEqual(got.meta, { device: '$1 $2 ::jsonb' })
        assert.equal((await driver.listByUser(hostile, at)).length, 1)
      })
    })

    it('any text round-trips: U+0000, lone surrogates and U+FFFF in keys, values, user and labels', async () => {
      await withTable(kind, async (driver) => {
        const at = Date.now()
        // Strings made of the characters PostgreSQL refuses or the escape uses, mixed with
        // backslashes and quotes, which JSON escapes itself.
        const tricky = fc.constantFrom(
          '\u0000',
          '\ud800',
          '\udfff',
          '\uffff',
          '\\',
          '"',
          'u',
          '0',
          '~',
          'a',
          '\u{1f600}',
          '\\u0000',
        )
        const text = fc.string({
          unit: fc.oneof(tricky, fc.string({ unit: 'binary', maxLength: 1 })),
          maxLength: 12,
        })
        await fc.assert(
          fc.asyncProperty(
            fc.dictionary(text, fc.oneof(text, fc.array(text, { maxLength: 3 })), {
              maxKeys: 4,
              noNullPrototype: true,
            }),
            text,
            text,
            async (values, userKey, label) => {
              await driver.deleteAll() // what a failed run (while shrinking) left behind
              const rec = record(at, { values, userKey, meta: { [label]: label } })
              assert.equal(await driver.create(rec, at), true)
              const got = await driver.get(rec.id, at)
              assert.ok(got)
              assert.deepEqual(got.values, values)
              assert.equal(got.userKey, userKey)
              assert.deepEqual(got.meta, { [label]: label })
              const more = { ...patch(at, { [label]: values }, Object.keys(values)) }
              assert.equal((await driver.update(rec.id, more, at)).status, 'updated')
              assert.deepEqual((await driver.get(rec.id, at))?.values, { [label]: values })
              assert.deepEqual(
                (await driver.listByUser(userKey, at)).map((s) => s.id).includes(rec.id),
                true,
              )
              assert.deepEqual(await driver.deleteByUser(userKey), [rec.id])
            },
          ),
          { numRuns: 40 },
        )
      })
    })

    it('ids are compared byte for byte: a row whose id differs only in case is not the session', async () => {
      await withTable(kind, async (driver, table) => {
        const at = Date.now()
        const rec = record(at)
        await driver.create(rec, at)
        // A case-insensitive collation (or a broken view) could hand back another row.
        const other = rec.id.toUpperCase() === rec.id ? rec.id.toLowerCase() : rec.id.toUpperCase()
        await clients.pool.query(`UPDATE "${table}" SET id = $2 WHERE id = $1`, [rec.id, other])
        assert.equal(await driver.get(rec.id, at), undefined)
      })
    })

    it('a corrupt row is no session and is removed', async () => {
      await withTable(kind, async (driver, table) => {
        const at = Date.now()
        for (const corrupt of [
          `data = '[1, 2]'`,
          `flash = '{"k": 1}'`,
          `meta = '{"device": 7}'`,
          `version = 0`,
        ]) {
          const rec = record(at)
          await driver.create(rec, at)
          await clients.pool.query(`UPDATE "${table}" SET ${corrupt} WHERE id = $1`, [rec.id])
          assert.equal(await driver.get(rec.id, at), undefined, corrupt)
          const left = await clients.pool.query(`SELECT 1 FROM "${table}" WHERE id = $1`, [rec.id])
          assert.equal(left.rowCount, 0, `${corrupt}: removed`)
        }
      })
    })

    it('concurrent creates of one id: exactly one wins; concurrent patches all land', async () => {
      await withTable(kind, async (driver) => {
        const at = Date.now()
        const id = generateSessionId()
        const wins = await Promise.all(
          Array.from({ length: 8 }, (_, i) => driver.create(record(at, { id, values: { i } }), at)),
        )
        assert.equal(wins.filter(Boolean).length, 1)
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) => driver.update(id, patch(at, { [`k${i}`]: i }), at)),
        )
        assert.deepEqual(
          results.map((r) => (r.status === 'updated' ? r.version : 0)).sort((a, b) => a - b),
          Array.from({ length: 20 }, (_, i) => i + 2),
        )
        const got = await driver.get(id, at)
        assert.ok(got)
        assert.equal(got.version, 21)
        for (let i = 0; i < 20; i++) assert.equal(got.values[`k${i}`], i)
        // With expectVersion, racing writers of one version: one applies, the rest conflict
        // and are told the version that won.
        const raced = await Promise.all(
          Array.from({ length: 6 }, (_, i) =>
            driver.update(id, { ...patch(at, { race: i }), expectVersion: 21 }, at),
          ),
        )
        assert.equal(raced.filter((r) => r.status === 'updated').length, 1)
        for (const r of raced.filter((r) => r.status !== 'updated')) {
          assert.deepEqual(r, { status: 'conflict', version: 22 })
        }
      })
    })

    it('prune deletes in batches of pruneBatch and only expired rows', async () => {
      await withTable(
        kind,
        async (driver, table) => {
          const at = Date.now()
          await clients.pool.query(
            `INSERT INTO "${table}" (id, data, flash, version, created_at, last_seen_at, expires_at)
             SELECT 'expired_' || g, '{}', '{}', 1, $1::bigint, $1::bigint, $1::bigint + g FROM generate_series(1, 250) g`,
            [at],
          )
          const live = record(at, { expiresAt: at + HOUR })
          await driver.create(live, at)
          const statements = await countPrunes(kind, table, at + 1000)
          assert.equal(statements.ids.length, 250)
          assert.equal(new Set(statements.ids).size, 250)
          // 250 rows, 100 a batch: three full-or-partial batches, the last one short.
          assert.equal(statements.deletes, 3)
          assert.deepEqual(await driver.prune(at + 1000), [])
          assert.equal((await driver.get(live.id, at + 1000))?.id, live.id)
        },
        { pruneBatch: 100 },
      )
    })
  })
}

/**
 * The DELETE statements a prune sends: the driver on the same table through a wrapper that
 * records each statement on its way to the real client.
 */
async function countPrunes(
  kind: ClientKind,
  table: string,
  now: number,
): Promise<{ ids: string[]; deletes: number }> {
  let deletes = 0
  const count = (text: string): void => {
    if (text.trimStart().startsWith('DELETE')) deletes++
  }
  const client =
    kind === 'pg'
      ? {
          query: (query: PgArrayQuery) => {
            count(query.text)
            return clients.pool.query(query)
          },
        }
      : {
          unsafe: (text: string, values?: (string | null)[], options?: { prepare?: boolean }) => {
            count(text)
            return clients.sql.unsafe(text, values ?? [], options)
          },
        }
  const driver = createPostgresDriver({ client, table, pruneBatch: 100 })
  const ids = await driver.prune(now)
  return { ids, deletes }
}

describe('postgres: round trips, counted on the wire', () => {
  for (const kind of CLIENT_KINDS) {
    it(`a load is one round trip and a save one round trip (${kind})`, async () => {
      const proxy = await countingProxy(SHARED)
      const via = openClients({ ...SHARED, port: proxy.port }, 1)
      const table = randomTable()
      try {
        const driver = createPostgresDriver({ client: via.client(kind), table })
        await driver.migrate()
        const store = createServerStore({
          name: 'sid',
          driver,
          keys: randomRing(),
          renewAfter: 0,
        })
        // One request of each kind first: postgres.js prepares each statement on its first
        // use (one extra round trip per statement and connection, never again after).
        const first = new SessionRegistry(undefined)
        ;(await first.get(store)).set('user', 'u1')
        const cookie = (await first.save())[0]?.split(';')[0] ?? ''
        const visit = async (change: boolean): Promise<void> => {
          const registry = new SessionRegistry(cookie)
          const session = await registry.get(store)
          assert.equal(session.get('user'), 'u1')
          if (change) session.set('n', Math.random())
          await registry.save()
        }
        await visit(true)
        await visit(false)

        const counts: Record<string, number> = {}
        proxy.reset()
        const loadOnly = new SessionRegistry(cookie)
        await loadOnly.get(store)
        counts['load'] = proxy.roundTrips
        proxy.reset()
        ;(await loadOnly.get(store)).set('n', 1)
        await loadOnly.save()
        counts['save (patch)'] = proxy.roundTrips
        // A renewal moves the expiry, so it needs the clock past the last save: within the
        // same millisecond there is nothing to renew (seen once on a fast run).
        await nextMillisecond()
        proxy.reset()
        await visit(false)
        counts['request that only renews'] = proxy.roundTrips
        proxy.reset()
        await visit(true)
        counts['request that writes'] = proxy.roundTrips
        proxy.reset()
        const fresh = new SessionRegistry(undefined)
        ;(await fresh.get(store)).set('user', 'u2')
        await fresh.save()
        counts['new session'] = proxy.roundTrips
        assert.deepEqual(counts, {
          load: 1,
          'save (patch)': 1,
          'request that only renews': 2,
          'request that writes': 2,
          'new session': 1,
        })
        await store.close()
      } finally {
        await via.end()
        await proxy.close()
        await dropTable(clients.pool, table)
      }
    })
  }
})

before(async () => {
  // Fail early and clearly when the shared server is down.
  await clients.pool.query('SELECT 1')
})
