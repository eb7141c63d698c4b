// The SQLite driver: the conformance suite against better-sqlite3 (file and :memory:) and,
// where this Node has it (≥ 22.13, so Node 24 in CI), node:sqlite's DatabaseSync; then what
// only an SQL store has: exclusive first saves under a race (STO-11), writers on several
// connections and threads without SQLITE_BUSY, a row for another id (STO-13), corrupt rows
// (STO-10), index use (EXPLAIN QUERY PLAN), identifier validation (TRV-06) and parameterized
// SQL only (STO-18).
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { after, describe, it } from 'node:test'
import { Worker } from 'node:worker_threads'

import type { SessionDriver, SessionPatch } from '../src/core/driver.ts'
import { generateSessionId } from '../src/lib/session-id.ts'
import { createSQLiteDriver, type SQLiteDriver } from '../src/sqlite.ts'
import { createTestClock, runStoreConformance } from '../src/testing.ts'
import {
  availableKinds,
  loadNodeSqlite,
  nodeHasSqlite,
  openDatabase,
  recording,
  tempDirectory,
  type TestDatabase,
} from './support/sqlite-databases.ts'
import type { WorkerInput, WorkerReport } from './support/sqlite-worker.ts'
import { HOUR, record } from './support/records.ts'

const dir = tempDirectory()
after(() => {
  dir.remove()
})

/**
 * The driver, with a `close()` that also closes the connection the test opened for it, once
 * (node:sqlite throws on a second `close()`; better-sqlite3 does not).
 */
function closing(driver: SQLiteDriver, db: TestDatabase): SessionDriver {
  let open = true
  return {
    ...driver,
    close: async () => {
      await driver.close()
      if (open) db.close()
      open = false
    },
  }
}

// ---------------------------------------------------------------------------------------
// The conformance suite, once per implementation and kind of database.

for (const kind of availableKinds()) {
  for (const where of ['file', 'memory'] as const) {
    runStoreConformance({
      name: `sqlite (${kind}, ${where === 'file' ? 'file' : ':memory:'})`,
      createDriver: ({ now }) => {
        const db = openDatabase(kind, where === 'file' ? dir.file(kind) : ':memory:')
        return closing(createSQLiteDriver({ database: db, now }), db)
      },
      test: { describe, it },
      // The sweeper is unref'd: a process that never closes the store still exits.
      activeResources: () => process.getActiveResourcesInfo(),
    })
  }
}

describe('sqlite: node:sqlite availability', () => {
  // No silent pass: on a Node without node:sqlite this asserts that it really is too old,
  // and on one that has it, that the conformance runs above included node:sqlite.
  it(`node:sqlite is ${nodeHasSqlite() ? 'available and tested' : 'unavailable'} on Node ${process.versions.node}`, (t) => {
    const present = loadNodeSqlite() !== undefined
    assert.equal(present, nodeHasSqlite(), 'node:sqlite presence matches the Node version')
    assert.equal(availableKinds().includes('node:sqlite'), present)
    t.diagnostic(
      present
        ? 'node:sqlite: the conformance suite and the SQLite tests ran against DatabaseSync'
        : `node:sqlite needs Node >= 22.13 (this is ${process.versions.node}): only better-sqlite3 ran here; CI's Node 24 run covers node:sqlite`,
    )
  })
})

// ---------------------------------------------------------------------------------------

function patch(at: number, set: Record<string, unknown>): SessionPatch {
  return { set, unset: [], flashSet: {}, flashUnset: [], lastSeenAt: at, expiresAt: at + HOUR }
}

function rowCount(db: TestDatabase, id: string, table = 'sessionkit_sessions'): number {
  const row = db.prepare(`SELECT count(*) AS n FROM "${table}" WHERE id = ?`).get(id) as {
    n: number | bigint
  }
  return Number(row.n)
}

function queryPlan(db: TestDatabase, sql: string, params: readonly unknown[]): string {
  const rows = db
    .prepare(`EXPLAIN QUERY PLAN ${sql}`)
    .all(...(params as (string | number | null)[])) as { detail: string }[]
  return rows.map((row) => row.detail).join(' | ')
}

for (const kind of availableKinds()) {
  describe(`sqlite (${kind}): setup`, () => {
    it('a file database: WAL, busy_timeout, the table and its indexes', async () => {
      const db = openDatabase(kind, dir.file('setup'))
      const driver = createSQLiteDriver({ database: db, sweepInterval: 0, busyTimeout: 1234 })
      try {
        assert.equal(driver.name, 'sqlite')
        assert.equal(driver.journalMode, 'wal')
        assert.equal(driver.table, 'sessionkit_sessions')
        assert.deepEqual(
          { ...(db.prepare('PRAGMA busy_timeout').get() as object) },
          { timeout: 1234 },
        )
        const columns = (
          db.prepare('PRAGMA table_info("sessionkit_sessions")').all() as {
            name: string
            type: string
            notnull: number
            pk: number
          }[]
        ).map((c) => `${c.name} ${c.type}${c.notnull ? ' NOT NULL' : ''}${c.pk ? ' PK' : ''}`)
        assert.deepEqual(columns, [
          'id TEXT NOT NULL PK',
          'values_json TEXT NOT NULL',
          'flash_json TEXT NOT NULL',
          'version INTEGER NOT NULL',
          'created_at INTEGER NOT NULL',
          'last_seen_at INTEGER NOT NULL',
          'expires_at INTEGER NOT NULL',
          'user_key TEXT',
          'meta_json TEXT',
        ])
        const indexes = (
          db
            .prepare(
              "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL ORDER BY name",
            )
            .all('sessionkit_sessions') as { name: string }[]
        ).map((row) => row.name)
        assert.deepEqual(indexes, [
          'sessionkit_sessions_expires_at',
          'sessionkit_sessions_user_key',
        ])
      } finally {
        await driver.close()
        db.close()
      }
    })

    it(':memory: keeps its own journal mode and works', async () => {
      const db = openDatabase(kind, ':memory:')
      const driver = createSQLiteDriver({ database: db, sweepInterval: 0 })
      try {
        assert.equal(driver.journalMode, 'memory')
        const rec = record(1000)
        assert.equal(await driver.create(rec, 1000), true)
        assert.equal((await driver.get(rec.id, 1000))?.version, 1)
      } finally {
        await driver.close()
        db.close()
      }
    })

    it('setup is idempotent: a second store on the same file reuses the table', async () => {
      const file = dir.file('twice')
      const db1 = openDatabase(kind, file)
      const db2 = openDatabase(kind, file)
      const a = createSQLiteDriver({ database: db1, sweepInterval: 0 })
      const rec = record(1000)
      await a.create(rec, 1000)
      const b = createSQLiteDriver({ database: db2, sweepInterval: 0 })
      try {
        assert.equal((await b.get(rec.id, 1000))?.id, rec.id)
      } finally {
        await a.close()
        await b.close()
        db1.close()
        db2.close()
      }
    })

    it('createTable: false uses an existing table and fails fast on a missing one', async () => {
      const db = openDatabase(kind, ':memory:')
      try {
        assert.throws(() =>
          createSQLiteDriver({ database: db, createTable: false, sweepInterval: 0 }),
        )
        createSQLiteDriver({ database: db, table: 'made', sweepInterval: 0 })
        const driver = createSQLiteDriver({
          database: db,
          table: 'made',
          createTable: false,
          sweepInterval: 0,
        })
        assert.equal(await driver.create(record(1), 1), true)
      } finally {
        db.close()
      }
    })

    it('table names are validated identifiers, refused before any SQL (TRV-06)', async () => {
      const db = openDatabase(kind, ':memory:')
      try {
        const bad = [
          '',
          '1sessions',
          'sessions-1',
          'sessions; DROP TABLE x',
          's"; DROP TABLE x; --',
          'séances',
          'a b',
          'x'.repeat(64),
          'sqlite_sessions',
          'SQLITE_master',
          'sessions\n',
        ]
        for (const table of bad) {
          const { database, executed } = recording(db)
          assert.throws(
            () => createSQLiteDriver({ database, table, sweepInterval: 0 }),
            { code: 'ERR_SESSION_CONFIG' },
            JSON.stringify(table),
          )
          assert.equal(executed.length, 0, `SQL ran for ${JSON.stringify(table)}`)
        }
        assert.throws(() => createSQLiteDriver({ database: db, table: 5 as unknown as string }), {
          code: 'ERR_SESSION_CONFIG',
        })
        for (const table of ['_', 'Sessions_2', 'x'.repeat(63)]) {
          const driver = createSQLiteDriver({ database: db, table, sweepInterval: 0 })
          const rec = record(1)
          assert.equal(await driver.create(rec, 1), true)
          assert.equal(rowCount(db, rec.id, table), 1)
        }
      } finally {
        db.close()
      }
    })

    it('refuses bad options', () => {
      const db = openDatabase(kind, ':memory:')
      try {
        const bad: Record<string, unknown>[] = [
          { busyTimeout: -1 },
          { busyTimeout: 1.5 },
          { busyTimeout: 2 ** 31 },
          { sweepInterval: -1 },
          { sweepInterval: Number.NaN },
        ]
        for (const options of bad) {
          assert.throws(() => createSQLiteDriver({ database: db, ...options }), {
            code: 'ERR_SESSION_CONFIG',
          })
        }
        for (const database of [undefined, null, {}, { exec: () => undefined }, 'sessions.db']) {
          assert.throws(
            () => createSQLiteDriver({ database: database as unknown as TestDatabase }),
            { code: 'ERR_SESSION_CONFIG' },
          )
        }
      } finally {
        db.close()
      }
    })

    it('close: later calls reject, the connection stays open (it is yours), twice is fine', async () => {
      const db = openDatabase(kind, ':memory:')
      const driver = createSQLiteDriver({ database: db })
      await driver.close()
      await driver.close()
      await assert.rejects(driver.get(generateSessionId(), 0), /closed/)
      await assert.rejects(driver.create(record(1), 1), /closed/)
      assert.throws(() => driver.sweep(), /closed/)
      assert.equal(rowCount(db, 'nothing'), 0)
      db.close()
    })
  })

  describe(`sqlite (${kind}): concurrency`, () => {
    it('100 parallel first saves of one id: exactly one wins, no errors, one row (STO-11)', async () => {
      const file = dir.file('race')
      const dbs = [openDatabase(kind, file), openDatabase(kind, file)] as const
      const drivers = [
        createSQLiteDriver({ database: dbs[0], sweepInterval: 0 }),
        createSQLiteDriver({ database: dbs[1], sweepInterval: 0 }),
      ] as const
      try {
        const id = generateSessionId()
        const results = await Promise.allSettled(
          Array.from({ length: 100 }, (_, i) =>
            drivers[i % 2 === 0 ? 0 : 1].create(record(1000, { id, values: { i } }), 1000),
          ),
        )
        const rejected = results.filter((r) => r.status === 'rejected')
        assert.deepEqual(rejected, [])
        const won = results.filter((r) => r.status === 'fulfilled' && r.value)
        assert.equal(won.length, 1)
        assert.equal(rowCount(dbs[0], id), 1)
        assert.deepEqual((await drivers[1].get(id, 1000))?.values, { i: 0 })
      } finally {
        for (const driver of drivers) await driver.close()
        for (const db of dbs) db.close()
      }
    })

    it('two connections on one file, concurrent updates of different keys: all kept, no SQLITE_BUSY', async () => {
      const file = dir.file('two')
      const dbs = [openDatabase(kind, file), openDatabase(kind, file)] as const
      const drivers = [
        createSQLiteDriver({ database: dbs[0], sweepInterval: 0 }),
        createSQLiteDriver({ database: dbs[1], sweepInterval: 0 }),
      ] as const
      try {
        const rec = record(1000)
        await drivers[0].create(rec, 1000)
        const n = 200
        const results = await Promise.allSettled(
          Array.from({ length: n }, (_, i) =>
            drivers[i % 2 === 0 ? 0 : 1].update(rec.id, patch(1000, { [`k${i}`]: i }), 1000),
          ),
        )
        assert.deepEqual(
          results.filter((r) => r.status === 'rejected'),
          [],
        )
        const got = await drivers[1].get(rec.id, 1000)
        assert.equal(got?.version, 1 + n)
        for (let i = 0; i < n; i++) assert.equal(got.values[`k${i}`], i, `k${i}`)
        assert.equal(got.values['a'], 1)
      } finally {
        for (const driver of drivers) await driver.close()
        for (const db of dbs) db.close()
      }
    })

    it('four threads, each with its own connection, updating one session at once: nothing lost, no SQLITE_BUSY', async () => {
      const file = dir.file('threads')
      const db = openDatabase(kind, file)
      const driver = createSQLiteDriver({ database: db, sweepInterval: 0 })
      try {
        const rec = record(1000)
        await driver.create(rec, 1000)
        const count = 150
        const workers = Array.from({ length: 4 }, (_, w) => {
          const workerData: WorkerInput = {
            kind,
            file,
            id: rec.id,
            prefix: `w${w}k`,
            count,
            now: 1000,
          }
          return new Worker(new URL('./support/sqlite-worker.js', import.meta.url), {
            workerData,
          })
        })
        const ready = workers.map(
          (worker) =>
            new Promise<void>((resolve, reject) => {
              worker.once('message', () => {
                resolve()
              })
              worker.once('error', reject)
            }),
        )
        await Promise.all(ready)
        const reports = workers.map(
          (worker) =>
            new Promise<WorkerReport>((resolve, reject) => {
              worker.once('message', (report: WorkerReport) => {
                resolve(report)
              })
              worker.once('error', reject)
            }),
        )
        for (const worker of workers) worker.postMessage('go')
        const done = await Promise.all(reports)
        await Promise.all(workers.map((worker) => worker.terminate()))
        for (const report of done) {
          assert.deepEqual(report.errors, [])
          assert.equal(report.updated, count)
        }
        const got = await driver.get(rec.id, 1000)
        assert.equal(got?.version, 1 + 4 * count)
        const missing: string[] = []
        for (let w = 0; w < 4; w++) {
          for (let i = 0; i < count; i++) {
            if (got.values[`w${w}k${i}`] !== i) missing.push(`w${w}k${i}`)
          }
        }
        assert.deepEqual(missing, [])
      } finally {
        await driver.close()
        db.close()
      }
    })
  })

  describe(`sqlite (${kind}): hostile and corrupt data`, () => {
    it('a row for another id than asked for is an error, never another session (STO-13)', async () => {
      const db = openDatabase(kind, ':memory:')
      const impostor = generateSessionId()
      // A backend that answers with another row (think of a NOCASE collation on the id).
      const { database } = recording(db, (row) =>
        typeof row === 'object' && row !== null && 'values_json' in row
          ? { ...row, id: impostor }
          : row,
      )
      const driver = createSQLiteDriver({ database, sweepInterval: 0 })
      try {
        const rec = record(1000)
        await driver.create(rec, 1000)
        await assert.rejects(driver.get(rec.id, 1000), /another record/)
        await assert.rejects(driver.update(rec.id, patch(1000, { a: 2 }), 1000), /another record/)
        const stored = db
          .prepare('SELECT values_json, version FROM sessionkit_sessions WHERE id = ?')
          .get(rec.id) as { values_json: string; version: number }
        assert.deepEqual({ ...stored }, { values_json: '{"a":1}', version: 1 })
      } finally {
        await driver.close()
        db.close()
      }
    })

    it('a corrupt row is no session and is removed, by get and by update (STO-10)', async () => {
      const db = openDatabase(kind, ':memory:')
      const driver = createSQLiteDriver({ database: db, sweepInterval: 0 })
      try {
        const corruptions: Record<string, string | number | null>[] = [
          { values_json: '{"a":1' },
          { values_json: '' },
          { values_json: '[1,2]' },
          { values_json: 'null' },
          { values_json: '"text"' },
          { flash_json: '{"x":1}' },
          { flash_json: 'nope' },
          { version: 'x' },
          { version: 0 },
          { version: 1.5 },
          { created_at: 'yesterday' },
          { last_seen_at: 'x' },
          { expires_at: 'later' },
          { meta_json: '{"device":1}' },
          { meta_json: '[]' },
          { meta_json: '{' },
        ]
        const insert = db.prepare(
          `INSERT INTO sessionkit_sessions (id, values_json, flash_json, version, created_at,
             last_seen_at, expires_at, user_key, meta_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        for (const [i, corruption] of corruptions.entries()) {
          for (const via of ['get', 'update'] as const) {
            const id = generateSessionId()
            const row = {
              values_json: '{"a":1}',
              flash_json: '{}',
              version: 1,
              created_at: 1000,
              last_seen_at: 1000,
              expires_at: 1000 + HOUR,
              user_key: 'u1',
              meta_json: null,
              ...corruption,
            }
            insert.run(
              id,
              row.values_json,
              row.flash_json,
              row.version,
              row.created_at,
              row.last_seen_at,
              row.expires_at,
              row.user_key,
              row.meta_json,
            )
            const what = `corruption ${String(i)} ${JSON.stringify(corruption)} via ${via}`
            if (via === 'get') assert.equal(await driver.get(id, 2000), undefined, what)
            else
              assert.deepEqual(await driver.update(id, patch(2000, { b: 1 }), 2000), {
                status: 'missing',
              })
            assert.equal(rowCount(db, id), 0, `${what}: the row is removed`)
            // And a second look is a plain miss, not a repeated failure.
            assert.equal(await driver.get(id, 2000), undefined, what)
          }
        }
      } finally {
        await driver.close()
        db.close()
      }
    })

    it('a corrupt row is left out of listByUser; a live corrupt row still blocks create', async () => {
      const db = openDatabase(kind, ':memory:')
      const driver = createSQLiteDriver({ database: db, sweepInterval: 0 })
      try {
        const good = record(1000, { userKey: 'u1', meta: { device: 'phone' } })
        const bad = record(1001, { userKey: 'u1' })
        await driver.create(good, 1000)
        await driver.create(bad, 1000)
        db.prepare("UPDATE sessionkit_sessions SET meta_json = '{' WHERE id = ?").run(bad.id)
        assert.deepEqual(
          (await driver.listByUser('u1', 2000)).map((s) => s.id),
          [good.id],
        )
        db.prepare("UPDATE sessionkit_sessions SET values_json = '{' WHERE id = ?").run(good.id)
        assert.equal(await driver.create({ ...good, values: { fresh: true } }, 2000), false)
        assert.equal(await driver.get(good.id, 2000), undefined)
        assert.equal(await driver.create({ ...good, values: { fresh: true } }, 2000), true)
        assert.deepEqual((await driver.get(good.id, 2000))?.values, { fresh: true })
      } finally {
        await driver.close()
        db.close()
      }
    })

    it('SQL in ids, user keys and values is plain data (STO-18)', async () => {
      const db = openDatabase(kind, ':memory:')
      const driver = createSQLiteDriver({ database: db, sweepInterval: 0 })
      try {
        const nasty = ["' OR '1'='1", "x'; DROP TABLE sessionkit_sessions;--", '"; --', '%', '_']
        for (const text of nasty) {
          assert.equal(await driver.get(text, 1000), undefined)
          assert.equal(await driver.delete(text), false)
          assert.deepEqual(await driver.deleteByUser(text), [])
          assert.deepEqual(await driver.listByUser(text, 1000), [])
        }
        const rec = record(1000, {
          userKey: nasty[1] ?? '',
          values: Object.fromEntries(nasty.map((text, i) => [text, i])),
          meta: { label: nasty[0] ?? '' },
        })
        await driver.create(rec, 1000)
        assert.deepEqual((await driver.get(rec.id, 1000))?.values, rec.values)
        assert.equal((await driver.listByUser(nasty[1] ?? '', 1000)).length, 1)
        assert.equal((await driver.listByUser("' OR '1'='1", 1000)).length, 0)
        assert.equal(rowCount(db, rec.id), 1)
      } finally {
        await driver.close()
        db.close()
      }
    })
  })

  describe(`sqlite (${kind}): indexes and sweeping`, () => {
    it('prune, listByUser, deleteByUser and get use their indexes (EXPLAIN QUERY PLAN, EXP-11)', async () => {
      const db = openDatabase(kind, dir.file('plan'))
      const { database, executed } = recording(db)
      const driver = createSQLiteDriver({ database, sweepInterval: 0 })
      try {
        for (let i = 0; i < 50; i++) {
          await driver.create(record(1000 + i, { userKey: `u${String(i % 5)}` }), 1000)
        }
        const plans: Record<string, string> = {}
        const calls: [string, () => Promise<unknown>][] = [
          ['prune', () => driver.prune(1000 + HOUR + 10)],
          ['listByUser', () => driver.listByUser('u1', 1000)],
          ['deleteByUser', () => driver.deleteByUser('u2', generateSessionId())],
          ['get', () => driver.get(generateSessionId(), 1000)],
          ['touch', () => driver.touch(generateSessionId(), 1, 2, 1)],
          ['delete', () => driver.delete(generateSessionId())],
        ]
        for (const [name, call] of calls) {
          executed.length = 0
          await call()
          assert.equal(executed.length, 1, `${name}: one statement`)
          const [{ sql, params }] = executed as [(typeof executed)[0]]
          plans[name] = queryPlan(db, sql, params)
        }
        assert.match(
          plans['prune'] ?? '',
          /USING (COVERING )?INDEX sessionkit_sessions_expires_at \(expires_at<\?\)/,
        )
        assert.match(
          plans['listByUser'] ?? '',
          /USING INDEX sessionkit_sessions_user_key \(user_key=\?\)/,
        )
        assert.match(
          plans['deleteByUser'] ?? '',
          /USING INDEX sessionkit_sessions_user_key \(user_key=\?\)/,
        )
        for (const name of ['get', 'touch', 'delete']) {
          assert.match(
            plans[name] ?? '',
            /USING INDEX sqlite_autoindex_sessionkit_sessions_1 \(id=\?\)/,
            name,
          )
        }
        for (const [name, plan] of Object.entries(plans)) {
          assert.doesNotMatch(plan, /^SCAN|\| SCAN/, `${name} scans the table: ${plan}`)
        }
      } finally {
        await driver.close()
        db.close()
      }
    })

    it('the sweeper removes expired rows within one interval, with its own clock', async () => {
      const clock = createTestClock(1_000_000)
      const db = openDatabase(kind, ':memory:')
      const driver = createSQLiteDriver({ database: db, sweepInterval: 20, now: clock.now })
      try {
        const short = record(clock.ms, { expiresAt: clock.ms + 1000 })
        const long = record(clock.ms, { expiresAt: clock.ms + 100_000 })
        await driver.create(short, clock.ms)
        await driver.create(long, clock.ms)
        clock.advance(1000)
        assert.equal(rowCount(db, short.id), 1) // expired, not yet swept
        await new Promise((resolve) => setTimeout(resolve, 80))
        assert.equal(rowCount(db, short.id), 0)
        assert.equal(rowCount(db, long.id), 1)
        clock.advance(100_000)
        assert.deepEqual(driver.sweep(), [long.id])
      } finally {
        await driver.close()
        db.close()
      }
    })

    it('a failing sweep (the connection closed underneath) does not crash the process', async () => {
      const db = openDatabase(kind, ':memory:')
      const driver = createSQLiteDriver({ database: db, sweepInterval: 5 })
      db.close()
      await new Promise((resolve) => setTimeout(resolve, 40))
      await driver.close()
      await assert.rejects(driver.get(generateSessionId(), 0))
    })
  })
}

describe('sqlite: source', () => {
  it('only the validated table name and busy timeout are ever interpolated into SQL (STO-18)', () => {
    const source = driverSource()
    // Every `${…}` in the module, wherever it is: only these four names may appear.
    const interpolated = [...source.matchAll(/\$\{([^}]*)\}/g)].map((m) => (m[1] ?? '').trim())
    assert.ok(interpolated.length > 0, 'the scan found the SQL templates')
    assert.deepEqual(
      [...new Set(interpolated)].sort(),
      ['COLUMNS', 'busyTimeout', 't', 'table'],
      'interpolations in src/drivers/sqlite.ts',
    )
    // `t` is the quoted table name and nothing else; COLUMNS is a constant list of names.
    assert.match(source, /const t = `"\$\{table\}"`/)
    assert.match(source, /const COLUMNS =\n?\s*'[a-z_, ]+'\n/)
    // No SQL assembled by concatenation, and prepare/exec only ever take a literal.
    assert.doesNotMatch(source, /\b(SELECT|INSERT|UPDATE|DELETE|WHERE|VALUES)\b[^\n]*['"`]\s*\+/)
    for (const call of source.matchAll(/\bdb\.(prepare|exec)\(\s*(.)/g)) {
      assert.match(call[2] ?? '', /[`']/, `db.${call[1] ?? ''} with a non-literal argument`)
    }
  })
})

/** The TypeScript source of the driver, found through the compiled module's source map. */
function driverSource(): string {
  const map = new URL('../src/drivers/sqlite.js.map', import.meta.url)
  if (existsSync(map)) {
    const { sources } = JSON.parse(readFileSync(map, 'utf8')) as { sources: string[] }
    const ts = new URL(sources[0] ?? '', map)
    if (existsSync(ts)) return readFileSync(ts, 'utf8')
  }
  const beside = new URL('../src/drivers/sqlite.ts', import.meta.url)
  assert.ok(existsSync(beside), 'src/drivers/sqlite.ts not found from the compiled test')
  return readFileSync(beside, 'utf8')
}
