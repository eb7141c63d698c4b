// The MySQL / MariaDB driver at its edges, against the machine's MariaDB: the shared SQL edge
// cases on two pools, then what only this server has: JSON nesting limits, corrupt rows of
// every column, a connection killed mid-call, a statement timeout, a table dropped under the
// driver, a similarly named table left alone, and pool settings a user may have.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, describe, it } from 'node:test'

import mysql from 'mysql2/promise'

import { createMySQLDriver, type MySQLDriver } from '../src/mysql.ts'
import { HOUR, record } from './support/records.ts'
import { nested, patch, runSqlEdgeCases } from './support/sql-edges.ts'

const SERVER = { host: '127.0.0.1', port: 3306, user: 'root', database: 'test' }

const admin = mysql.createPool({ ...SERVER, connectionLimit: 3 })
const made = new Set<string>()

after(async () => {
  for (const table of made) await admin.query(`DROP TABLE IF EXISTS \`${table}\``)
  await admin.end()
})

function tableName(suffix = ''): string {
  const table = `sk_edge_${randomBytes(6).toString('hex')}${suffix}`
  made.add(table)
  return table
}

async function migrated(table: string, client: mysql.Pool = admin): Promise<MySQLDriver> {
  const driver = createMySQLDriver({ client, table })
  await driver.migrate()
  return driver
}

runSqlEdgeCases('mysql', async () => {
  const table = tableName()
  const a = mysql.createPool({ ...SERVER, connectionLimit: 4 })
  const b = mysql.createPool({ ...SERVER, connectionLimit: 4 })
  const driver = await migrated(table, a)
  const other = createMySQLDriver({ client: b, table })
  return {
    driver,
    other,
    close: async () => {
      await admin.query(`DROP TABLE IF EXISTS \`${table}\``)
      made.delete(table)
      await a.end()
      await b.end()
    },
  }
})

describe('mysql: edges of the server', () => {
  it('data past MariaDB’s JSON depth is refused at create and update, and nothing is written', async () => {
    const driver = await migrated(tableName())
    const deep = record(1000, { values: { deep: nested(31) } })
    await assert.rejects(driver.create(deep, 1000), /nested/)
    await assert.rejects(
      driver.create(record(1000, { flash: { f: [nested(30)] } }), 1000),
      /nested/,
    )
    assert.equal(await driver.get(deep.id, 1000), undefined)
    const rec = record(1000)
    await driver.create(rec, 1000)
    await assert.rejects(
      driver.update(rec.id, patch(1001, { set: { a: 2, deep: nested(31) } }), 1001),
      /nested/,
    )
    await assert.rejects(
      driver.update(rec.id, patch(1001, { flashSet: { f: [nested(30)] } }), 1001),
      /nested/,
    )
    const got = await driver.get(rec.id, 1001)
    assert.equal(got?.version, 1)
    assert.deepEqual(got.values, rec.values)
  })

  it('user keys with a lone surrogate are refused, so two of them never become one user', async () => {
    const driver = await migrated(tableName())
    await assert.rejects(driver.create(record(1000, { userKey: 'a\ud800' }), 1000), /surrogate/)
    const rec = record(1000, { userKey: 'a\ufffd' })
    await driver.create(rec, 1000)
    await assert.rejects(
      driver.update(rec.id, patch(1001, { userKey: 'a\udc00' }), 1001),
      /surrogate/,
    )
    assert.deepEqual(await driver.listByUser('a\ud800', 1000), [])
    assert.deepEqual(await driver.deleteByUser('a\udc00'), [])
    assert.equal((await driver.get(rec.id, 1000))?.userKey, 'a\ufffd')
    // NUL, controls and a full 512-character key are ordinary text.
    for (const userKey of ['a\u0000b', 'tab\t', '\u00a0x', 'x'.repeat(512), '😀'.repeat(256)]) {
      const other = record(1000, { userKey })
      await driver.create(other, 1000)
      assert.equal((await driver.get(other.id, 1000))?.userKey, userKey)
      assert.deepEqual(
        (await driver.listByUser(userKey, 1000)).map((s) => s.id),
        [other.id],
      )
    }
  })

  it('corrupt columns of every kind: absent, no throw, removed; other rows untouched', async () => {
    const table = tableName()
    const driver = await migrated(table)
    const corruptions = [
      `values_json = '{"a":'`,
      `values_json = '[1]'`,
      `values_json = 'null'`,
      `values_json = ''`,
      `flash_json = '{"f":1}'`,
      `flash_json = 'nope'`,
      `meta_json = '{"d":1}'`,
      `meta_json = '"x"'`,
      `meta_json = '{"d":'`,
      'version = 0',
      'version = -5',
      'created_at = 9223372036854775807',
    ]
    const healthy = record(1000)
    await driver.create(healthy, 1000)
    for (const corruption of corruptions) {
      const rec = record(1000)
      await driver.create(rec, 1000)
      await admin.query(`UPDATE \`${table}\` SET ${corruption} WHERE id = ?`, [rec.id])
      assert.equal(await driver.get(rec.id, 1000), undefined, corruption)
      const [rows] = await admin.query<mysql.RowDataPacket[]>(
        `SELECT id FROM \`${table}\` WHERE id = ?`,
        [rec.id],
      )
      assert.equal(rows.length, 0, `${corruption}: removed`)
      assert.equal(await driver.create(record(1000, { id: rec.id }), 1000), true)
    }
    const rec = record(1000, { userKey: 'u' })
    await driver.create(rec, 1000)
    await admin.query(`UPDATE \`${table}\` SET values_json = 'x' WHERE id = ?`, [rec.id])
    assert.deepEqual(await driver.update(rec.id, patch(1001, { set: { b: 1 } }), 1001), {
      status: 'missing',
    })
    assert.deepEqual((await driver.get(healthy.id, 1000))?.values, healthy.values)
  })

  it('deleteAll empties its own table only, not one with a longer similar name', async () => {
    const base = tableName()
    const similar = `${base}_x`
    made.add(similar)
    const driver = await migrated(base)
    const neighbour = await migrated(similar)
    await driver.create(record(1000), 1000)
    const kept = record(1000)
    await neighbour.create(kept, 1000)
    assert.equal(await driver.deleteAll(), 1)
    assert.ok((await neighbour.get(kept.id, 1000)) !== undefined)
    assert.deepEqual(await driver.prune(Number.MAX_SAFE_INTEGER), [])
    assert.ok((await neighbour.get(kept.id, 1000)) !== undefined)
  })

  it('its connection killed while it waits on a row lock: the call rejects, no hang', async () => {
    const table = tableName()
    const driver0 = await migrated(table)
    const rec = record(1000)
    await driver0.create(rec, 1000)
    const holder = await admin.getConnection()
    const victimPool = mysql.createPool({ ...SERVER, connectionLimit: 1 })
    const victim = await victimPool.getConnection()
    try {
      await holder.query('START TRANSACTION')
      await holder.query(`SELECT id FROM \`${table}\` WHERE id = ? FOR UPDATE`, [rec.id])
      const driver = createMySQLDriver({ client: victim, table })
      // Settled into a value at once: the rejection may land while the KILL is in flight.
      const settled = driver.update(rec.id, patch(1001, { set: { b: 1 } }), 1001).then(
        () => 'resolved',
        (error: unknown) => error,
      )
      // Wait until the server shows the statement waiting, then kill that connection only.
      for (;;) {
        const [rows] = await admin.query<mysql.RowDataPacket[]>(
          'SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE ID = ? AND INFO IS NOT NULL',
          [victim.threadId],
        )
        if (Number(rows[0]?.['n']) > 0) break
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
      await admin.query(`KILL ${victim.threadId}`)
      const outcome = await settled
      assert.ok(outcome instanceof Error, String(outcome))
    } finally {
      await holder.query('ROLLBACK')
      holder.release()
      victim.release()
      await victimPool.end()
    }
    assert.equal((await driver0.get(rec.id, 1001))?.version, 1)
  })

  it('a server-side statement timeout rejects the call; the session is intact', async () => {
    const table = tableName()
    const driver0 = await migrated(table)
    const rec = record(1000)
    await driver0.create(rec, 1000)
    const holder = await admin.getConnection()
    const timed = mysql.createPool({ ...SERVER, connectionLimit: 1 })
    try {
      const connection = await timed.getConnection()
      await connection.query('SET SESSION innodb_lock_wait_timeout = 1')
      connection.release()
      await holder.query('START TRANSACTION')
      await holder.query(`SELECT id FROM \`${table}\` WHERE id = ? FOR UPDATE`, [rec.id])
      const driver = createMySQLDriver({ client: timed, table })
      await assert.rejects(driver.touch(rec.id, 1001, 1001 + HOUR, 1001), /lock wait timeout/i)
    } finally {
      await holder.query('ROLLBACK')
      holder.release()
      await timed.end()
    }
    assert.equal((await driver0.get(rec.id, 1001))?.lastSeenAt, 1000)
  })

  it('a table dropped under a running driver: every call rejects, none resolves with a guess', async () => {
    const table = tableName()
    const driver = await migrated(table)
    const rec = record(1000, { userKey: 'u' })
    await driver.create(rec, 1000)
    await admin.query(`DROP TABLE \`${table}\``)
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

  const settings: Record<string, mysql.PoolOptions> = {
    'supportBigNumbers + bigNumberStrings': { supportBigNumbers: true, bigNumberStrings: true },
    supportBigNumbers: { supportBigNumbers: true },
    dateStrings: { dateStrings: true },
    namedPlaceholders: { namedPlaceholders: true },
    decimalNumbers: { decimalNumbers: true },
    jsonStrings: { jsonStrings: true },
    "timezone 'Z'": { timezone: 'Z' },
    'charset utf8mb4_bin': { charset: 'UTF8MB4_BIN' },
  }
  for (const [name, options] of Object.entries(settings)) {
    it(`a pool with ${name} works end to end`, async () => {
      const table = tableName()
      const pool = mysql.createPool({ ...SERVER, connectionLimit: 2, ...options })
      try {
        const driver = await migrated(table, pool)
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
        const listed = await driver.listByUser('ü😀', 1002)
        assert.deepEqual(listed, [
          {
            id: rec.id,
            createdAt: 1000,
            lastSeenAt: 1002,
            expiresAt: 1002 + HOUR,
            meta: { d: 'é' },
          },
        ])
        assert.deepEqual(await driver.prune(Number.MAX_SAFE_INTEGER - 1), [rec.id])
      } finally {
        await pool.end()
      }
    })
  }

  const hostile: Record<string, mysql.PoolOptions> = {
    'typeCast: false': { typeCast: false },
    'rowsAsArray: true': { rowsAsArray: true },
    'nestTables: true': { nestTables: true },
  }
  for (const [name, options] of Object.entries(hostile)) {
    it(`a pool with ${name} fails closed: calls reject and no row is lost`, async () => {
      const table = tableName()
      const driver0 = await migrated(table)
      const rec = record(1000, { userKey: 'u' })
      await driver0.create(rec, 1000)
      const pool = mysql.createPool({ ...SERVER, connectionLimit: 1, ...options })
      try {
        const driver = createMySQLDriver({ client: pool, table })
        await assert.rejects(driver.get(rec.id, 1000))
        await assert.rejects(driver.listByUser('u', 1000))
        await assert.rejects(driver.deleteByUser('u'))
        await assert.rejects(driver.prune(Number.MAX_SAFE_INTEGER))
      } finally {
        await pool.end()
      }
      assert.deepEqual(await driver0.get(rec.id, 1000), rec)
    })
  }
})
