// The PostgreSQL driver at its edges, against the machine's server: the shared SQL edge cases
// on two pools of each client (and across the two clients), then what only this server has:
// deep jsonb, corrupt rows, a backend terminated mid-call, a statement timeout, a table dropped
// under the driver, schema-qualified and similarly named tables, and client settings.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, describe, it } from 'node:test'

import pg from 'pg'
import postgres from 'postgres'

import { createPostgresDriver, type PostgresDriver } from '../src/postgres.ts'
import { dropTable, openClients, randomTable, SHARED, type Clients } from './support/postgres.ts'
import { HOUR, record } from './support/records.ts'
import { nested, patch, runSqlEdgeCases } from './support/sql-edges.ts'

const clients: Clients = openClients(SHARED, 3)
after(async () => {
  await clients.end()
})

const defaultParser = pg.types.getTypeParser as (
  oid: number,
  format?: string,
) => (value: string) => unknown

async function migrated(client: pg.Pool | postgres.Sql, table: string): Promise<PostgresDriver> {
  const driver = createPostgresDriver({ client, table })
  await driver.migrate()
  return driver
}

for (const [label, kinds] of [
  ['postgres (pg + pg)', ['pg', 'pg']],
  ['postgres (postgres.js + postgres.js)', ['postgres.js', 'postgres.js']],
  ['postgres (pg + postgres.js)', ['pg', 'postgres.js']],
] as const) {
  runSqlEdgeCases(label, async () => {
    const table = randomTable('sk_edge')
    const a = openClients(SHARED, 4)
    const b = openClients(SHARED, 4)
    const driver = await migrated(a.client(kinds[0]), table)
    const other = createPostgresDriver({ client: b.client(kinds[1]), table })
    return {
      driver,
      other,
      close: async () => {
        await dropTable(clients.pool, table)
        await a.end()
        await b.end()
      },
    }
  })
}

async function withTable<T>(
  body: (driver: PostgresDriver, table: string) => Promise<T>,
): Promise<T> {
  const table = randomTable('sk_edge')
  try {
    return await body(await migrated(clients.pool, table), table)
  } finally {
    await dropTable(clients.pool, table)
  }
}

describe('postgres: edges of the server', () => {
  it('data nested 2000 levels deep round-trips through create and update', async () => {
    await withTable(async (driver) => {
      const rec = record(1000, { values: { deep: nested(2000) } })
      await driver.create(rec, 1000)
      await driver.update(rec.id, patch(1001, { set: { also: nested(2000) } }), 1001)
      const got = await driver.get(rec.id, 1001)
      // Compared as text (deepEqual itself would overflow the stack at this depth), key by key.
      const text = JSON.stringify(nested(2000))
      assert.deepEqual(Object.keys(got?.values ?? {}).sort(), ['also', 'deep'])
      assert.ok(JSON.stringify(got?.values['deep']) === text, 'deep')
      assert.ok(JSON.stringify(got?.values['also']) === text, 'also')
    })
  })

  it('corrupt rows of every kind: absent, no throw, removed; other rows untouched', async () => {
    await withTable(async (driver, table) => {
      const corruptions = [
        `data = '[1]'`,
        `data = 'null'`,
        `data = '"text"'`,
        `flash = '{"f":1}'`,
        `flash = '[]'`,
        `meta = '{"d":1}'`,
        `meta = '"x"'`,
        `meta = '[]'`,
        'version = 0',
        'version = -5',
        'created_at = 9223372036854775807',
        `user_key = NULL, meta = 'null'`,
      ]
      const healthy = record(1000)
      await driver.create(healthy, 1000)
      for (const corruption of corruptions) {
        const rec = record(1000)
        await driver.create(rec, 1000)
        await clients.pool.query(`UPDATE "${table}" SET ${corruption} WHERE id = $1`, [rec.id])
        const got = await driver.get(rec.id, 1000)
        if (corruption.startsWith('user_key')) {
          // A JSON null label set is absent labels, not a corrupt row.
          assert.equal(got?.meta, undefined)
          continue
        }
        assert.equal(got, undefined, corruption)
        const left = await clients.pool.query(`SELECT id FROM "${table}" WHERE id = $1`, [rec.id])
        assert.equal(left.rowCount, 0, `${corruption}: removed`)
        assert.equal(await driver.create(record(1000, { id: rec.id }), 1000), true)
      }
      assert.deepEqual((await driver.get(healthy.id, 1000))?.values, healthy.values)
    })
  })

  it('deleteAll and prune touch their own table only: not a similar name, not another schema', async () => {
    const base = randomTable('sk_edge')
    const similar = `${base}_x`
    const schema = randomTable('sk_edge_schema')
    try {
      await clients.pool.query(`CREATE SCHEMA "${schema}"`)
      const driver = await migrated(clients.pool, base)
      const neighbour = await migrated(clients.pool, similar)
      const elsewhere = await migrated(clients.sql, `${schema}.${base}`)
      await driver.create(record(1000, { expiresAt: 1001 }), 1000)
      const kept = [record(1000, { expiresAt: 1001 }), record(1000, { expiresAt: 1001 })]
      await neighbour.create(kept[0] ?? record(0), 1000)
      await elsewhere.create(kept[1] ?? record(0), 1000)
      assert.equal((await driver.prune(2000)).length, 1)
      await driver.create(record(1000), 1000)
      assert.equal(await driver.deleteAll(), 1)
      assert.ok((await neighbour.get(kept[0]?.id ?? '', 1000)) !== undefined)
      assert.ok((await elsewhere.get(kept[1]?.id ?? '', 1000)) !== undefined)
      assert.equal(await elsewhere.deleteAll(), 1)
      assert.ok((await neighbour.get(kept[0]?.id ?? '', 1000)) !== undefined)
    } finally {
      await clients.pool.query(`DROP TABLE IF EXISTS "${base}_x"`)
      await dropTable(clients.pool, base)
      await clients.pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
    }
  })

  for (const kind of ['pg', 'postgres.js'] as const) {
    it(`its backend terminated while it waits on a row lock: the call rejects, no hang (${kind})`, async () => {
      await withTable(async (driver0, table) => {
        const rec = record(1000)
        await driver0.create(rec, 1000)
        const holder = await clients.pool.connect()
        // A marker in application_name, so only this test's own backend is terminated.
        const marker = `sk_edge_victim_${randomBytes(6).toString('hex')}`
        const victim =
          kind === 'pg'
            ? new pg.Pool({ ...SHARED, max: 1, application_name: marker })
            : postgres({
                ...SHARED,
                max: 1,
                onnotice: () => undefined,
                connection: { application_name: marker },
              })
        if (victim instanceof pg.Pool) victim.on('error', () => undefined)
        try {
          await holder.query('BEGIN')
          await holder.query(`SELECT id FROM "${table}" WHERE id = $1 FOR UPDATE`, [rec.id])
          const driver = createPostgresDriver({ client: victim, table })
          const call = driver.update(rec.id, patch(1001, { set: { b: 1 } }), 1001)
          const settled = call.then(
            () => 'resolved',
            () => 'rejected',
          )
          for (;;) {
            const { rows } = await clients.pool.query<{ n: string }>(
              `SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`,
              [marker],
            )
            if (Number(rows[0]?.n) > 0) break
            await new Promise((resolve) => setTimeout(resolve, 10))
          }
          await clients.pool.query(
            'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
            [marker],
          )
          assert.equal(await settled, 'rejected')
          // The pool recovers. postgres.js hands the server's FATAL notice of the terminated
          // backend to the next query (a client quirk the driver cannot see), so with it one
          // more call may fail, with that error and no other; the call after is served.
          await holder.query('ROLLBACK')
          const next = await driver.get(rec.id, 1001).then(
            (got) => got?.version,
            (error: unknown) => error,
          )
          if (next instanceof Error) {
            assert.equal(kind, 'postgres.js')
            assert.match(next.message, /terminating connection due to administrator command/)
            assert.equal((await driver.get(rec.id, 1001))?.version, 1)
          } else {
            assert.equal(next, 1)
          }
        } finally {
          await holder.query('ROLLBACK').catch(() => undefined)
          holder.release()
          await victim.end()
        }
      })
    })
  }

  it('a server-side statement timeout rejects the call; the session is intact', async () => {
    await withTable(async (driver0, table) => {
      const rec = record(1000)
      await driver0.create(rec, 1000)
      const holder = await clients.pool.connect()
      const timed = new pg.Pool({ ...SHARED, max: 1, options: '-c statement_timeout=200' })
      timed.on('error', () => undefined)
      try {
        await holder.query('BEGIN')
        await holder.query(`SELECT id FROM "${table}" WHERE id = $1 FOR UPDATE`, [rec.id])
        const driver = createPostgresDriver({ client: timed, table })
        await assert.rejects(driver.update(rec.id, patch(1001, { set: { b: 1 } }), 1001), /timeout/)
        await assert.rejects(driver.touch(rec.id, 1001, 1001 + HOUR, 1001), /timeout/)
      } finally {
        await holder.query('ROLLBACK')
        holder.release()
        await timed.end()
      }
      const got = await driver0.get(rec.id, 1001)
      assert.equal(got?.version, 1)
      assert.equal(got.lastSeenAt, 1000)
    })
  })

  for (const kind of ['pg', 'postgres.js'] as const) {
    it(`a table dropped under a running driver: every call rejects (${kind})`, async () => {
      const table = randomTable('sk_edge')
      const driver = await migrated(clients.client(kind), table)
      const rec = record(1000, { userKey: 'u' })
      await driver.create(rec, 1000)
      await dropTable(clients.pool, table)
      await assert.rejects(driver.get(rec.id, 1000))
      await assert.rejects(driver.create(record(1000), 1000))
      await assert.rejects(driver.update(rec.id, patch(1001), 1001))
      await assert.rejects(driver.touch(rec.id, 1001, 1001 + HOUR, 1001))
      await assert.rejects(driver.delete(rec.id))
      await assert.rejects(driver.listByUser('u', 1000))
      await assert.rejects(driver.deleteByUser('u'))
      await assert.rejects(driver.prune(1000))
      await assert.rejects(driver.deleteAll())
    })
  }

  const settings: Record<string, () => pg.Pool | postgres.Sql> = {
    'pg with int8 as BigInt and jsonb/json parsers': () =>
      new pg.Pool({
        ...SHARED,
        max: 1,
        types: {
          getTypeParser: ((oid: number, format?: string) =>
            oid === 20
              ? BigInt
              : oid === 3802 || oid === 114
                ? () => ({ hijacked: true })
                : defaultParser(oid, format)) as typeof pg.types.getTypeParser,
        },
      }),
    'postgres.js with prepare: false': () =>
      postgres({ ...SHARED, max: 1, prepare: false, onnotice: () => undefined }),
    'postgres.js with BigInt int8, camel transform and undefined: null': () =>
      postgres({
        ...SHARED,
        max: 1,
        onnotice: () => undefined,
        types: { bigint: postgres.BigInt },
        transform: { ...postgres.camel, undefined: null },
      }),
  }
  for (const [name, make] of Object.entries(settings)) {
    it(`a client with ${name} works end to end`, async () => {
      const client = make()
      try {
        await withTable(async (_, table) => {
          const driver = createPostgresDriver({ client, table })
          const rec = record(1000, { userKey: 'ü😀', meta: { d: 'é' }, flash: { f: [1] } })
          assert.equal(await driver.create(rec, 1000), true)
          assert.deepEqual(await driver.get(rec.id, 1000), rec)
          assert.deepEqual(await driver.update(rec.id, patch(1001, { set: { b: 'é' } }), 1001), {
            status: 'updated',
            version: 2,
          })
          assert.deepEqual(
            await driver.update(rec.id, patch(1001, { set: { b: 2 }, expectVersion: 1 }), 1001),
            { status: 'conflict', version: 2 },
          )
          assert.equal(await driver.touch(rec.id, 1002, 1002 + HOUR, 1002), true)
          assert.deepEqual(await driver.listByUser('ü😀', 1002), [
            {
              id: rec.id,
              createdAt: 1000,
              lastSeenAt: 1002,
              expiresAt: 1002 + HOUR,
              meta: { d: 'é' },
            },
          ])
          assert.deepEqual(await driver.deleteByUser('ü😀'), [rec.id])
          await driver.create(record(1000), 1000)
          assert.equal(await driver.deleteAll(), 1)
        })
      } finally {
        await client.end()
      }
    })
  }
})

describe('postgres: a client that rewrites text values', () => {
  it('makes deleteByUser and prune reject rather than report less than they removed', async () => {
    // A text parser that turns every text column (the ids among them) into something else.
    const client = new pg.Pool({
      ...SHARED,
      max: 1,
      types: {
        getTypeParser: ((oid: number, format?: string) =>
          oid === 25
            ? () => ({ rewritten: true })
            : defaultParser(oid, format)) as typeof pg.types.getTypeParser,
      },
    })
    const plain = new pg.Pool({ ...SHARED, max: 1 })
    try {
      const table = randomTable()
      const setup = createPostgresDriver({ client: plain, table })
      await setup.migrate()
      try {
        await setup.create(record(1000, { userKey: 'u' }), 1000)
        await setup.create(record(1000, { expiresAt: 1500 }), 1000)
        const driver = createPostgresDriver({ client, table })
        await assert.rejects(driver.deleteByUser('u'))
        await assert.rejects(driver.prune(2000))
      } finally {
        await dropTable(plain, table)
      }
    } finally {
      await client.end()
      await plain.end()
    }
  })
})
