// The MySQL / MariaDB driver against the machine's MariaDB (127.0.0.1:3306, db `test`): the
// conformance suite with a table of its own per test (dropped after it), then what only this
// driver has: identifier validation (TRV-06), an explicit and idempotent migrate, the schema
// (STO-12), hostile JSON keys round-tripping through JSON paths, exclusive first saves under a
// race (STO-11), corrupt rows (STO-10), bounded prune batches, statements counted by a proxy
// in front of the server, and outages that fail closed.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { after, before, describe, it } from 'node:test'

import fc from 'fast-check'
import mysql from 'mysql2/promise'

import { applyPatch, type SessionPatch, type SessionRecord } from '../src/core/driver.ts'
import { createKeyRing, generateKey } from '../src/core/keyring.ts'
import { SessionRegistry } from '../src/core/registry.ts'
import { SessionConfigError, SessionSaveError, SessionStoreError } from '../src/errors.ts'
import { generateSessionId } from '../src/lib/session-id.ts'
import {
  createMySQLDriver,
  mysqlSchema,
  type MySQLDriver,
  type MySQLPool,
  type MySQLValue,
} from '../src/mysql.ts'
import { createServerStore } from '../src/stores/server.ts'
import { runStoreConformance } from '../src/testing.ts'
import { closedPort, startMySQLProxy, type MySQLProxy } from './support/mysql-proxy.ts'
import { HOUR, record } from './support/records.ts'

const SERVER = { host: '127.0.0.1', port: 3306, user: 'root', database: 'test' }

const pool = mysql.createPool({ ...SERVER, connectionLimit: 4 })
const made = new Set<string>()

after(async () => {
  // Only the tables this file created, and only those a test left behind.
  for (const table of made) await pool.query(`DROP TABLE IF EXISTS \`${table}\``)
  await pool.end()
})

function tableName(): string {
  const table = `sk_test_${randomBytes(6).toString('hex')}`
  made.add(table)
  return table
}

async function drop(table: string): Promise<void> {
  await pool.query(`DROP TABLE IF EXISTS \`${table}\``)
  made.delete(table)
}

async function migrated(
  options: { table?: string; batchSize?: number; client?: MySQLPool } = {},
): Promise<MySQLDriver> {
  const driver = createMySQLDriver({
    client: options.client ?? pool,
    table: options.table ?? tableName(),
    ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
  })
  await driver.migrate()
  return driver
}

async function scalar(sql: string, values: (string | number)[] = []): Promise<unknown> {
  const [rows] = await pool.query<mysql.RowDataPacket[]>(sql, values)
  const row = rows[0]
  return row === undefined ? undefined : Object.values(row)[0]
}

function patch(at: number, extra: Partial<SessionPatch> = {}): SessionPatch {
  return {
    set: {},
    unset: [],
    flashSet: {},
    flashUnset: [],
    lastSeenAt: at,
    expiresAt: at + HOUR,
    ...extra,
  }
}

// ---------------------------------------------------------------------------------------

runStoreConformance<MySQLDriver>({
  name: 'mysql (mariadb, mysql2 pool)',
  createDriver: () => migrated(),
  cleanup: ({ driver }) => drop(driver.table),
  test: { describe, it },
  // A real server's round trip on a busy CI machine can take longer than the suite's default
  // 50 ms per-call timeout of its fault tests; the Sentinel and Cluster runs use the same.
  faultTimeout: 250,
})

describe('mysql: configuration', () => {
  it('refuses table names that are not plain identifiers, including injection attempts (TRV-06)', () => {
    const bad: unknown[] = [
      '',
      '1sessions',
      'a-b',
      'a b',
      'a.b',
      'a`b',
      '`sessions`',
      "sessions'; DROP TABLE users; --",
      'sessions`; DROP TABLE users; --',
      'sessions; DROP TABLE users',
      'séssions',
      'a'.repeat(65),
      'sessions\u0000',
      42,
      null,
      {},
    ]
    for (const table of bad) {
      assert.throws(
        () => createMySQLDriver({ client: pool, table: table as string }),
        SessionConfigError,
        String(table),
      )
      assert.throws(() => mysqlSchema(table as string), SessionConfigError, String(table))
    }
    for (const table of ['s', '_s', 'Sessions_2', 'a'.repeat(64)]) {
      assert.equal(createMySQLDriver({ client: pool, table }).table, table)
    }
  })

  it('refuses a client that is not a pool and a batch size out of range', () => {
    for (const client of [
      undefined,
      null,
      {},
      { execute: () => Promise.resolve([[], []]) },
      'mysql://root@localhost',
    ]) {
      assert.throws(
        () => createMySQLDriver({ client: client as unknown as mysql.Pool }),
        SessionConfigError,
      )
    }
    for (const batchSize of [0, -1, 1.5, 10_001, Number.NaN]) {
      assert.throws(() => createMySQLDriver({ client: pool, batchSize }), SessionConfigError)
    }
  })

  it('a PoolConnection and a Connection fit the client interface as they are', async () => {
    const table = tableName()
    const leased = await pool.getConnection()
    const single = await mysql.createConnection(SERVER)
    try {
      const onLease = createMySQLDriver({ client: leased, table })
      await onLease.migrate()
      const rec = record(1000)
      assert.equal(await onLease.create(rec, 1000), true)
      const onConnection = createMySQLDriver({ client: single, table })
      assert.equal((await onConnection.get(rec.id, 1000))?.id, rec.id)
    } finally {
      leased.release()
      await single.end()
      await drop(table)
    }
  })

  it('creates nothing until migrate(); migrate is idempotent and keeps the rows', async () => {
    const table = tableName()
    const driver = createMySQLDriver({ client: pool, table })
    const exists = () =>
      scalar(
        'SELECT count(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
        [SERVER.database, table],
      )
    try {
      assert.equal(await exists(), 0)
      await assert.rejects(driver.get(generateSessionId(), 1000), /exist/)
      assert.equal(await exists(), 0, 'a call without migrate() creates no table')
      await driver.migrate()
      const rec = record(1000)
      assert.equal(await driver.create(rec, 1000), true)
      await driver.migrate()
      await createMySQLDriver({ client: pool, table }).migrate()
      assert.equal(await exists(), 1)
      assert.equal((await driver.get(rec.id, 1000))?.id, rec.id)
    } finally {
      await drop(table)
    }
  })

  it('the schema: ascii_bin ids, utf8mb4_bin text, BIGINT times, indexes on expires_at and user_key', async () => {
    const driver = await migrated()
    try {
      const [columns] = await pool.query<mysql.RowDataPacket[]>(
        `SELECT COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLLATION_NAME FROM information_schema.COLUMNS
         WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`,
        [SERVER.database, driver.table],
      )
      assert.deepEqual(
        columns.map(
          (c) =>
            `${String(c['COLUMN_NAME'])} ${String(c['COLUMN_TYPE'])} ${String(c['IS_NULLABLE'])} ${String(c['COLLATION_NAME'])}`,
        ),
        [
          'id varchar(64) NO ascii_bin',
          'values_json longtext NO utf8mb4_bin',
          'flash_json longtext NO utf8mb4_bin',
          'version bigint(20) NO null',
          'created_at bigint(20) NO null',
          'last_seen_at bigint(20) NO null',
          'expires_at bigint(20) NO null',
          'user_key varchar(512) YES utf8mb4_bin',
          'meta_json longtext YES utf8mb4_bin',
        ],
      )
      const [indexes] = await pool.query<mysql.RowDataPacket[]>(
        `SELECT INDEX_NAME, COLUMN_NAME FROM information_schema.STATISTICS
         WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY INDEX_NAME`,
        [SERVER.database, driver.table],
      )
      assert.deepEqual(
        indexes.map((i) => `${String(i['INDEX_NAME'])}(${String(i['COLUMN_NAME'])})`).sort(),
        ['PRIMARY(id)', 'expires_at(expires_at)', 'user_key(user_key)'].sort(),
      )
      assert.equal(mysqlSchema(driver.table), mysqlSchema(driver.table))
      assert.match(mysqlSchema(), /^CREATE TABLE IF NOT EXISTS `sessionkit_sessions` \(/)
    } finally {
      await drop(driver.table)
    }
  })
})

describe('mysql: data', () => {
  let driver: MySQLDriver
  before(async () => {
    driver = await migrated()
  })
  after(async () => {
    await drop(driver.table)
  })

  it('ids compare byte for byte: a case variant misses (STO-12)', async () => {
    const rec = record(1000, { id: 'aB' + generateSessionId().slice(2) })
    await driver.create(rec, 1000)
    const variant = rec.id.replace(/[a-z]/g, (c) => c.toUpperCase())
    assert.notEqual(variant, rec.id)
    assert.equal(await driver.get(variant, 1000), undefined)
    assert.equal(await driver.touch(variant, 1, 2, 1000), false)
    assert.equal(await driver.delete(variant), false)
    assert.equal((await driver.get(rec.id, 1000))?.id, rec.id)
  })

  it('SQL in ids, user keys and values is plain data (STO-18)', async () => {
    const nasty = ["' OR '1'='1", "x'; DROP TABLE sessionkit_sessions;--", '"; --', '%', '_', '\\']
    for (const text of nasty) {
      assert.equal(await driver.get(text, 1000), undefined)
      assert.equal(await driver.delete(text), false)
      assert.deepEqual(await driver.deleteByUser(text), [])
      assert.deepEqual(await driver.listByUser(text, 1000), [])
    }
    const rec = record(1000, {
      userKey: nasty[1] ?? '',
      values: Object.fromEntries(nasty.map((text, i) => [text, text + String(i)])),
      meta: { label: nasty[0] ?? '' },
    })
    await driver.create(rec, 1000)
    assert.deepEqual((await driver.get(rec.id, 1000))?.values, rec.values)
    assert.equal((await driver.listByUser(nasty[1] ?? '', 1000)).length, 1)
    assert.equal((await driver.listByUser('%', 1000)).length, 0)
  })

  const hostileKeys = [
    '__proto__',
    'constructor',
    '"',
    'a"b',
    '\\',
    'a\\"b',
    '.',
    'a.b',
    '*',
    '**',
    '$',
    '$.a',
    '[0]',
    'a[*]',
    '',
    ' ',
    "'",
    'é',
    'Ω≈ç√',
    '😀',
    '\u0000',
    '\n\t',
    '\u2028',
    'null',
  ]

  // MariaDB 10.11's JSON_MERGE_PATCH keeps some of several keys it is asked to remove in an
  // order other than the stored one ({"a","b","c"} without "b" then "a" kept "b").
  it('several keys removed in one patch are all removed, in any order', async () => {
    const orders: [Record<string, unknown>, string[]][] = [
      [{ a: 1, b: 2, c: 3 }, ['b', 'a']],
      [{ a: 1, b: 2, c: 3 }, ['c', 'b', 'a']],
      [{ '\\': null, '': {} }, ['', '\\']],
      [{ x: 1, y: 2 }, ['y', 'x', 'nope']],
    ]
    for (const [values, unset] of orders) {
      const flash = Object.fromEntries(Object.keys(values).map((key) => [key, ['note']]))
      const rec = record(1000, { values, flash })
      await driver.create(rec, 1000)
      const next = patch(1001, { set: {}, unset, flashUnset: unset })
      await driver.update(rec.id, next, 1001)
      const expected = applyPatch(rec, next)
      const got = await driver.get(rec.id, 1001)
      assert.ok(got !== undefined)
      assert.deepEqual(got.values, expected.values, JSON.stringify(unset))
      assert.deepEqual(got.flash, expected.flash, JSON.stringify(unset))
    }
  })

  it('hostile keys round-trip through create, set, unset and flash', async () => {
    const values: Record<string, unknown> = {}
    for (const [i, key] of hostileKeys.entries()) {
      Object.defineProperty(values, key, {
        value: i,
        enumerable: true,
        writable: true,
        configurable: true,
      })
    }
    const rec = record(1000, { values, flash: { [hostileKeys[3] ?? '']: ['x'] } })
    await driver.create(rec, 1000)
    let expected: SessionRecord = rec
    for (const [i, key] of hostileKeys.entries()) {
      const next = patch(1000 + i, {
        set: Object.defineProperty({}, key, { value: { nested: key, n: null }, enumerable: true }),
        unset: [hostileKeys[(i + 1) % hostileKeys.length] ?? ''],
        flashSet: Object.defineProperty({}, key, { value: [key], enumerable: true }),
        flashUnset: i % 2 === 0 ? [hostileKeys[3] ?? ''] : [],
      })
      const result = await driver.update(rec.id, next, 1000 + i)
      expected = applyPatch(expected, next)
      assert.deepEqual(result, { status: 'updated', version: expected.version }, key)
      const got = await driver.get(rec.id, 1000 + i)
      assert.ok(got !== undefined)
      assert.deepEqual(got.values, expected.values, `values after setting ${JSON.stringify(key)}`)
      assert.deepEqual(got.flash, expected.flash, `flash after setting ${JSON.stringify(key)}`)
    }
    const got = await driver.get(rec.id, 2000)
    assert.equal(Object.getPrototypeOf(got?.values), Object.prototype)
    assert.equal(Object.keys(Object.prototype).length, 0)
  })

  it('property: any keys and JSON values patch exactly like applyPatch', async () => {
    const key = fc.oneof(
      fc.constantFrom(...hostileKeys),
      fc.string({ unit: 'binary', maxLength: 8 }),
      fc.string({
        unit: fc.constantFrom('"', '\\', '.', '*', '$', '[', ']', 'a', 'é', '😀'),
        maxLength: 6,
      }),
    )
    const map = fc.dictionary(key, fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 })
    await fc.assert(
      fc.asyncProperty(map, map, fc.array(key, { maxLength: 4 }), async (initial, set, unset) => {
        const rec = record(1000, { values: initial })
        assert.equal(await driver.create(rec, 1000), true)
        const next = patch(1001, { set, unset })
        assert.deepEqual(await driver.update(rec.id, next, 1001), { status: 'updated', version: 2 })
        const want = JSON.parse(JSON.stringify(applyPatch(rec, next).values)) as unknown
        assert.deepEqual((await driver.get(rec.id, 1001))?.values, want)
      }),
      { numRuns: 40 },
    )
  })

  it('a lone surrogate is refused before anything is written', async () => {
    const rec = record(1000)
    await driver.create(rec, 1000)
    await assert.rejects(
      driver.update(rec.id, patch(1001, { set: { a: '\ud800' } }), 1001),
      /surrogate/,
    )
    await assert.rejects(
      driver.update(rec.id, patch(1001, { set: { '\udc00': 1 } }), 1001),
      /surrogate/,
    )
    await assert.rejects(
      driver.create(record(1000, { values: { x: 'a\udbffb' } }), 1000),
      /surrogate/,
    )
    const got = await driver.get(rec.id, 1001)
    assert.ok(got !== undefined)
    assert.equal(got.version, 1)
    assert.deepEqual(got.values, rec.values)
    // A well-formed pair and a backslash before "ud800" are ordinary text.
    const fine = { emoji: '\ud83d\ude00', text: '\\ud800' }
    await driver.update(rec.id, patch(1001, { set: fine }), 1001)
    assert.deepEqual((await driver.get(rec.id, 1001))?.values, { ...rec.values, ...fine })
  })

  it('100 simultaneous first saves of one id: one wins, no error, one row (STO-11)', async () => {
    const id = generateSessionId()
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        driver.create(record(1000, { id, values: { i } }), 1000),
      ),
    )
    assert.equal(results.filter(Boolean).length, 1)
    assert.equal(await scalar(`SELECT count(*) FROM \`${driver.table}\` WHERE id = ?`, [id]), 1)
    // Over an expired row: again exactly one replaces it.
    const later = 1000 + HOUR
    const again = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        driver.create(record(later, { id, values: { j: i } }), later),
      ),
    )
    assert.equal(again.filter(Boolean).length, 1)
    const got = await driver.get(id, later)
    assert.ok(got !== undefined)
    assert.equal(got.version, 1)
    assert.equal(got.createdAt, later)
    assert.equal(typeof got.values['j'], 'number')
  })

  it('a corrupt row is no session and is removed, by get and by update (STO-10)', async () => {
    // `seen`: corruption the UPDATE's own guard sees, so the update says missing at once.
    // The rest only the decoder can tell: the update writes, the next read removes the row.
    const corruptions: [string, string | number, boolean][] = [
      ['values_json', '{', true],
      ['values_json', '[1]', true],
      ['values_json', '"text"', true],
      ['flash_json', 'null', true],
      ['meta_json', 'nope', true],
      ['version', 0, true],
      ['flash_json', '{"x":1}', false],
      ['meta_json', '{"a":1}', false],
    ]
    for (const [column, value, seen] of corruptions) {
      for (const via of ['get', 'update'] as const) {
        const rec = record(1000, { userKey: 'corrupt' })
        await driver.create(rec, 1000)
        await pool.query(`UPDATE \`${driver.table}\` SET ${column} = ? WHERE id = ?`, [
          value,
          rec.id,
        ])
        const what = `${column} = ${JSON.stringify(value)} via ${via}`
        if (column === 'meta_json') {
          assert.deepEqual(
            (await driver.listByUser('corrupt', 1000)).filter((s) => s.id === rec.id),
            [],
            `${what}: left out of listByUser`,
          )
        }
        if (via === 'update') {
          const result = await driver.update(rec.id, patch(1001, { set: { b: 1 } }), 1001)
          if (seen) assert.deepEqual(result, { status: 'missing' }, what)
        }
        assert.equal(await driver.get(rec.id, 1001), undefined, what)
        assert.equal(
          await scalar(`SELECT count(*) FROM \`${driver.table}\` WHERE id = ?`, [rec.id]),
          0,
          `${what}: the row is removed`,
        )
      }
    }
  })

  it('update tells missing from conflict (the second read happens only then)', async () => {
    const rec = record(1000)
    await driver.create(rec, 1000)
    assert.deepEqual(
      await driver.update(rec.id, patch(1001, { set: { a: 2 }, expectVersion: 1 }), 1001),
      {
        status: 'updated',
        version: 2,
      },
    )
    assert.deepEqual(
      await driver.update(rec.id, patch(1002, { set: { a: 3 }, expectVersion: 1 }), 1002),
      {
        status: 'conflict',
        version: 2,
      },
    )
    assert.deepEqual(await driver.update(rec.id, patch(1003, { set: { a: 4 } }), 1003), {
      status: 'updated',
      version: 3,
    })
    assert.deepEqual(await driver.update(generateSessionId(), patch(1003), 1003), {
      status: 'missing',
    })
    assert.deepEqual(await driver.update(rec.id, patch(rec.expiresAt), rec.expiresAt + HOUR), {
      status: 'missing',
    })
  })
})

describe('mysql: indexes', () => {
  it('get, touch, delete, listByUser, deleteByUser and prune use their indexes (EXPLAIN)', async () => {
    const executed: { sql: string; values: MySQLValue[] }[] = []
    const recording: MySQLPool = {
      execute(sql, values) {
        executed.push({ sql, values })
        return pool.execute(sql, values)
      },
      query: (sql) => pool.query(sql),
    }
    const driver = await migrated({ client: recording })
    try {
      const known = record(1000)
      await driver.create(known, 1000)
      for (let i = 0; i < 60; i++) {
        await driver.create(record(1000 + i, { userKey: `u${String(i % 20)}` }), 1000)
      }
      await pool.query(`ANALYZE TABLE \`${driver.table}\``)
      const plans: Record<string, string[]> = {}
      const calls: [string, () => Promise<unknown>][] = [
        // A primary-key miss is "Impossible WHERE", with no plan to look at: a hit, then.
        ['get', () => driver.get(known.id, 1000)],
        ['touch', () => driver.touch(generateSessionId(), 1, 2, 1)],
        ['delete', () => driver.delete(generateSessionId())],
        ['update', () => driver.update(generateSessionId(), patch(1000, { set: { a: 1 } }), 1000)],
        ['listByUser', () => driver.listByUser('u1', 1000)],
        ['deleteByUser', () => driver.deleteByUser('u2')],
        ['prune', () => driver.prune(1000 + HOUR + 10)],
      ]
      for (const [name, call] of calls) {
        executed.length = 0
        await call()
        const [first] = executed
        assert.ok(first !== undefined, name)
        const [rows] = await pool.execute<mysql.RowDataPacket[]>(
          `EXPLAIN ${first.sql}`,
          first.values,
        )
        plans[name] = rows.map((row) => `${String(row['type'])}:${String(row['key'])}`)
      }
      assert.deepEqual(plans, {
        get: ['const:PRIMARY'],
        touch: ['range:PRIMARY'],
        delete: ['range:PRIMARY'],
        update: ['range:PRIMARY'],
        listByUser: ['ref:user_key'],
        deleteByUser: ['ref:user_key'],
        prune: ['range:expires_at'],
      })
    } finally {
      await drop(driver.table)
    }
  })
})

describe('mysql: prepared statements', () => {
  it('patches of 1 to 40 keys use one statement text per power of two, not one per count', async () => {
    const texts = new Set<string>()
    const recording: MySQLPool = {
      execute(sql, values) {
        if (sql.startsWith('UPDATE')) texts.add(sql)
        return pool.execute(sql, values)
      },
      query: (sql) => pool.query(sql),
    }
    const driver = await migrated({ client: recording })
    try {
      const rec = record(1000)
      await driver.create(rec, 1000)
      let expected: SessionRecord = rec
      for (let n = 1; n <= 40; n++) {
        const set = Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${String(i)}`, n]))
        const next = patch(1000 + n, { set, unset: n % 3 === 0 ? ['a', 'k0'] : [] })
        await driver.update(rec.id, next, 1000 + n)
        expected = applyPatch(expected, next)
        assert.deepEqual((await driver.get(rec.id, 1000 + n))?.values, expected.values)
      }
      // 1, 2, 4, 8, 16, 32 and 64 pairs: seven texts for forty key counts.
      assert.equal(texts.size, 7)
    } finally {
      await drop(driver.table)
    }
  })
})

describe('mysql: batches', () => {
  it('prune, deleteAll and deleteByUser delete in bounded batches and report every id', async () => {
    const proxy = await startMySQLProxy()
    const client = mysql.createPool({ ...SERVER, port: proxy.port, connectionLimit: 1 })
    const driver = await migrated({ client, batchSize: 3 })
    try {
      const expired = Array.from({ length: 10 }, (_, i) =>
        record(1000 + i, { expiresAt: 2000 + i }),
      )
      const live = [record(1000, { userKey: 'u' }), record(1000, { userKey: 'u' })]
      for (const rec of [...expired, ...live]) await driver.create(rec, 1000)
      proxy.reset()
      const pruned = await driver.prune(5000)
      assert.deepEqual(pruned.sort(), expired.map((r) => r.id).sort())
      // ceil(11 / 3) = 4 rounds of one SELECT … LIMIT 3 and one DELETE of what it listed.
      assert.equal(proxy.counts.get('execute'), 8)
      assert.equal(await driver.get(live[0]?.id ?? '', 5000).then((r) => r?.id), live[0]?.id)

      const mine = Array.from({ length: 7 }, () => record(1000, { userKey: 'me' }))
      for (const rec of mine) await driver.create(rec, 1000)
      const kept = mine[0]?.id ?? ''
      const removed = await driver.deleteByUser('me', kept)
      assert.deepEqual(
        removed.sort(),
        mine
          .slice(1)
          .map((r) => r.id)
          .sort(),
      )
      assert.deepEqual(
        (await driver.listByUser('me', 1000)).map((s) => s.id),
        [kept],
      )

      const [rows] = await client.query<mysql.RowDataPacket[]>(
        `SELECT count(*) AS n FROM \`${driver.table}\``,
      )
      const total = Number(rows[0]?.['n'])
      proxy.reset()
      assert.equal(await driver.deleteAll(), total)
      assert.equal(proxy.counts.get('execute'), Math.floor(total / 3) + 1)
      assert.equal(await driver.deleteAll(), 0)
    } finally {
      await drop(driver.table)
      await client.end()
      await proxy.close()
    }
  })
})

describe('mysql: an update racing the delete of its row', () => {
  it('never fails with a deadlock: the victim InnoDB picks is run again', async () => {
    const driver = await migrated()
    try {
      // InnoDB picks a victim now and then, not every time: many races, several at once (the
      // secondary indexes of neighbouring rows are where the locks cross).
      for (let round = 0; round < 30; round++) {
        const recs = Array.from({ length: 8 }, () =>
          record(1000, { userKey: 'u', values: { a: 1 } }),
        )
        await Promise.all(recs.map((rec) => driver.create(rec, 1000)))
        const results = await Promise.allSettled(
          recs.flatMap((rec, i) => [
            i % 2 === 0
              ? driver.update(rec.id, patch(1000, { set: { a: 2 } }), 1000)
              : driver.touch(rec.id, 1000, 1000 + HOUR, 1000),
            driver.delete(rec.id),
          ]),
        )
        const failed = results.filter((result) => result.status === 'rejected')
        assert.deepEqual(failed, [], `round ${round}`)
        for (const rec of recs) assert.equal(await driver.get(rec.id, 1000), undefined)
      }
    } finally {
      await drop(driver.table)
    }
  })
})

describe('mysql: a statement chosen as a deadlock victim', () => {
  // InnoDB's choice cannot be forced from outside: the pool reports it for the first
  // `victims` statements (before they reach the server), as mysql2 does for a real one.
  function choosingVictims(victims: number): MySQLPool {
    let left = victims
    return {
      execute: (sql, values) => {
        if (left-- > 0) {
          const error = Object.assign(
            new Error('Deadlock found when trying to get lock; try restarting transaction'),
            { code: 'ER_LOCK_DEADLOCK', errno: 1213, sqlState: '40001' },
          )
          return Promise.reject(error)
        }
        return pool.execute(sql, values)
      },
      query: (sql) => pool.query(sql),
    }
  }

  it('is run again, up to three times in all', async () => {
    const table = tableName()
    await migrated({ table })
    try {
      const rec = record(1000, { values: { a: 1 } })
      const twice = createMySQLDriver({ client: choosingVictims(2), table })
      assert.equal(await twice.create(rec, 1000), true)
      assert.deepEqual((await twice.get(rec.id, 1000))?.values, { a: 1 })
      const thrice = createMySQLDriver({ client: choosingVictims(3), table })
      await assert.rejects(thrice.delete(rec.id), { errno: 1213 })
      assert.equal(await twice.delete(rec.id), true)
    } finally {
      await drop(table)
    }
  })
})

describe('mysql: statements per request', () => {
  let proxy: MySQLProxy
  let client: mysql.Pool
  let driver: MySQLDriver
  before(async () => {
    proxy = await startMySQLProxy()
    // One connection, so every statement is prepared on it once and then only executed.
    client = mysql.createPool({ ...SERVER, port: proxy.port, connectionLimit: 1 })
    driver = await migrated({ client })
  })
  after(async () => {
    await drop(driver.table)
    await client.end()
    await proxy.close()
  })

  /** The commands `call` sent, once its statements are prepared (it runs twice). */
  async function commands(call: () => Promise<unknown>): Promise<Record<string, number>> {
    await call()
    proxy.reset()
    await call()
    return Object.fromEntries(proxy.counts)
  }

  it('driver calls: one statement each in the common case', async () => {
    const rec = record(1000, { userKey: 'u' })
    let n = 0
    assert.deepEqual(await commands(() => driver.create(record(1000), 1000)), { execute: 1 })
    await driver.create(rec, 1000)
    assert.deepEqual(await commands(() => driver.get(rec.id, 1000)), { execute: 1 })
    assert.deepEqual(
      await commands(() =>
        driver.update(rec.id, patch(1001, { set: { a: ++n, b: 'x' }, unset: ['c'] }), 1001),
      ),
      { execute: 1 },
    )
    const version = (await driver.get(rec.id, 1001))?.version ?? 0
    assert.deepEqual(
      await commands(async () => {
        const v = (await driver.get(rec.id, 1001))?.version ?? 0
        proxy.reset()
        return driver.update(rec.id, patch(1001, { set: { a: ++n }, expectVersion: v }), 1001)
      }),
      { execute: 1 },
    )
    assert.ok(version > 1)
    assert.deepEqual(await commands(() => driver.touch(rec.id, 1002, 1002 + HOUR, 1002)), {
      execute: 1,
    })
    assert.deepEqual(await commands(() => driver.listByUser('u', 1002)), { execute: 1 })
    assert.deepEqual(await commands(() => driver.delete(generateSessionId())), { execute: 1 })
    // The failure case of update: the UPDATE, then one read to tell missing from conflict.
    assert.deepEqual(await commands(() => driver.update(generateSessionId(), patch(1003), 1003)), {
      execute: 2,
    })
  })

  it('through createServerStore: a load is one statement, a save one statement', async () => {
    const now = { ms: Date.now() }
    const store = createServerStore({
      name: 'sid',
      driver,
      keys: createKeyRing([{ id: 'k', secret: generateKey() }]),
      cookie: { secure: false },
      now: () => now.ms,
    })
    let cookie: string | undefined
    const request = async (change: (registry: SessionRegistry) => Promise<void>) => {
      const registry = new SessionRegistry(cookie)
      await change(registry)
      const [set] = await registry.save()
      if (set !== undefined) cookie = set.split(';')[0]
    }
    await request(async (r) => {
      ;(await r.get(store)).set('user', 'u1')
    })
    const counts: Record<string, number>[] = []
    for (let i = 0; i < 2; i++) {
      proxy.reset()
      await request(async (r) => {
        await r.get(store)
      })
      counts.push({ load: proxy.roundTrips() })
      proxy.reset()
      await request(async (r) => {
        ;(await r.get(store)).set('count', i)
      })
      counts.push({ loadAndSave: proxy.roundTrips() })
    }
    // The second round: every statement prepared on the connection already.
    assert.deepEqual(counts.slice(2), [{ load: 1 }, { loadAndSave: 2 }])
    assert.ok(cookie !== undefined)
  })

  it('without the FOUND_ROWS flag, a touch to the same times still counts as found', async () => {
    const bare = mysql.createPool({ ...SERVER, connectionLimit: 1, flags: ['-FOUND_ROWS'] })
    try {
      const other = createMySQLDriver({ client: bare, table: driver.table })
      const rec = record(1000)
      await other.create(rec, 1000)
      assert.equal(await other.touch(rec.id, 1000, rec.expiresAt, 1000), true)
      assert.equal(await other.touch(rec.id, 1000, rec.expiresAt, 1000), true)
      assert.equal(await other.touch(generateSessionId(), 1000, rec.expiresAt, 1000), false)
    } finally {
      await bare.end()
    }
  })
})

describe('mysql: outages fail closed', () => {
  const keys = createKeyRing([{ id: 'k', secret: generateKey() }])

  it('a pool on a closed port: every call rejects; the store gives SessionStoreError and no cookie', async () => {
    const dead = mysql.createPool({
      ...SERVER,
      port: await closedPort(),
      connectionLimit: 1,
      connectTimeout: 500,
    })
    try {
      const driver = createMySQLDriver({ client: dead })
      await assert.rejects(driver.get(generateSessionId(), 1000))
      await assert.rejects(driver.create(record(1000), 1000))
      await assert.rejects(driver.migrate())
      const store = createServerStore({
        name: 'sid',
        driver,
        keys,
        cookie: { secure: false },
        timeout: 1000,
      })
      const fresh = new SessionRegistry(undefined)
      ;(await fresh.get(store)).set('user', 'u1')
      await assert.rejects(Promise.resolve(fresh.save()), SessionSaveError)
      assert.equal(fresh.setCookies.length, 0)
    } finally {
      await dead.end()
    }
  })

  it('the server cut mid-traffic: loads reject with SessionStoreError, nothing is lost, service resumes', async () => {
    const proxy = await startMySQLProxy()
    const client = mysql.createPool({
      ...SERVER,
      port: proxy.port,
      connectionLimit: 2,
      connectTimeout: 500,
    })
    const driver = await migrated({ client })
    try {
      const store = createServerStore({
        name: 'sid',
        driver,
        keys,
        cookie: { secure: false },
        timeout: 1000,
      })
      const first = new SessionRegistry(undefined)
      ;(await first.get(store)).set('user', 'u1')
      const [setCookie] = await first.save()
      const cookie = setCookie?.split(';')[0]
      assert.ok(cookie !== undefined)
      proxy.cut()
      const during = new SessionRegistry(cookie)
      const error = await during.get(store).then(
        () => undefined,
        (e: unknown) => e,
      )
      assert.ok(error instanceof SessionStoreError, String(error))
      assert.equal((await during.save()).length, 0, 'no Set-Cookie over a valid one')
      proxy.resume()
      const back = new SessionRegistry(cookie)
      assert.equal((await back.get(store)).get('user'), 'u1')
    } finally {
      await drop(driver.table)
      await client.end()
      await proxy.close()
    }
  })

  it('an ended pool: calls reject, and close() leaves the pool to its owner', async () => {
    const own = mysql.createPool({ ...SERVER, connectionLimit: 1 })
    const driver = await migrated({ client: own })
    const rec = record(1000)
    await driver.create(rec, 1000)
    await driver.close()
    await driver.close()
    await assert.rejects(driver.get(rec.id, 1000), /closed/)
    const again = createMySQLDriver({ client: own, table: driver.table })
    assert.equal((await again.get(rec.id, 1000))?.id, rec.id, 'the pool still works')
    await own.end()
    await assert.rejects(again.get(rec.id, 1000))
    await drop(driver.table)
  })
})

describe('mysql: source', () => {
  it('only validated names and placeholder counts are ever interpolated into SQL (STO-18)', () => {
    const source = driverSource()
    const interpolated = new Set(
      [...source.matchAll(/\$\{([^}]*)\}/g)].map((m) => (m[1] ?? '').trim()),
    )
    // Every `${…}` in the module: SQL pieces, and the texts of errors and JSON escapes.
    assert.deepEqual(
      [...interpolated].sort(),
      [
        'COLUMNS',
        'MAX_BATCH',
        'MAX_DEPTH',
        'SAME_USER',
        'batch',
        'condition',
        'list',
        'marks(slots)',
        'kept',
        'name',
        "parts.join(', ')",
        'sets',
        't',
        'table',
      ].sort(),
    )
    // `name` is one of two column names, `sets` and `marks` are placeholders only.
    assert.match(source, /column\('values_json', patch\.set, patch\.unset\)/)
    assert.match(source, /column\('flash_json', patch\.flashSet, patch\.flashUnset\)/)
    assert.match(source, /const sets = ", \?, JSON_EXTRACT\(\?, '\$'\)"\.repeat\(setSlots\)/)
    // `kept` is the column name, or JSON_REMOVE of it with placeholders only.
    assert.match(
      source,
      /const kept = slots === 0 \? name : `JSON_REMOVE\(\$\{name\}, \$\{marks\(slots\)\}\)`/,
    )
    // `t` is the quoted validated table name; `condition` is one of two constants.
    assert.match(source, /return `\\`\$\{table\}\\``/)
    assert.match(source, /deleteListed\(listed, SAME_USER, \[userKey, userKey\]\)/)
    assert.match(
      source,
      /const SAME_USER = 'user_key = \? AND CHAR_LENGTH\(user_key\) = CHAR_LENGTH\(\?\)'/,
    )
    assert.match(source, /deleteListed\(listed, 'expires_at <= \?', \[now\]\)/)
    assert.doesNotMatch(source, /\b(SELECT|INSERT|UPDATE|DELETE|WHERE|VALUES)\b[^\n]*['"`]\s*\+/)
  })
})

/**
 * The TypeScript source of the driver and of the lib modules that build its SQL text and bound
 * values, together, each found through the compiled module's source map.
 */
function driverSource(): string {
  return ['drivers/mysql', 'lib/mysql/sql', 'lib/mysql/values'].map(moduleSource).join('\n')
}

function moduleSource(module: string): string {
  const map = new URL(`../src/${module}.js.map`, import.meta.url)
  if (existsSync(map)) {
    const { sources } = JSON.parse(readFileSync(map, 'utf8')) as { sources: string[] }
    const ts = new URL(sources[0] ?? '', map)
    if (existsSync(ts)) return readFileSync(ts, 'utf8')
  }
  const beside = new URL(`../src/${module}.ts`, import.meta.url)
  assert.ok(existsSync(beside), `src/${module}.ts not found from the compiled test`)
  return readFileSync(beside, 'utf8')
}
