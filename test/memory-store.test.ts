// The memory driver: the conformance suite, plus what only a memory store has (LRU eviction,
// the sweeper, an unref'd timer, memory released after a sweep).
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'

import type { SessionRecord } from '../src/driver.ts'
import { generateSessionId } from '../src/lib/session-id.ts'
import { createMemoryStore } from '../src/stores/memory.ts'
import { createTestClock, runStoreConformance } from '../src/testing.ts'
import { record as baseRecord } from './support/records.ts'

runStoreConformance({
  name: 'memory',
  createDriver: ({ now }) => createMemoryStore({ now }),
  test: { describe, it },
})

// Short-lived records for the memory driver's expiry tests.
function record(at: number, extra: Partial<SessionRecord> = {}): SessionRecord {
  return baseRecord(at, { expiresAt: at + 60_000, ...extra })
}

describe('memory driver', () => {
  it('evicts the least recently used session at maxSessions', async () => {
    const clock = createTestClock()
    const driver = createMemoryStore({ maxSessions: 3, sweepInterval: 0 })
    try {
      const [a, b, c, d] = [record(clock.ms), record(clock.ms), record(clock.ms), record(clock.ms)]
      await driver.create(a, clock.ms)
      await driver.create(b, clock.ms)
      await driver.create(c, clock.ms)
      // Using `a` makes `b` the least recently used.
      assert.ok(await driver.get(a.id, clock.ms))
      assert.equal(await driver.create(d, clock.ms), true)
      assert.equal(driver.size, 3)
      assert.equal(await driver.get(b.id, clock.ms), undefined)
      assert.ok(await driver.get(a.id, clock.ms))
      assert.ok(await driver.get(c.id, clock.ms))
      assert.ok(await driver.get(d.id, clock.ms))
    } finally {
      await driver.close()
    }
  })

  it('evicted sessions leave the user index', async () => {
    const clock = createTestClock()
    const driver = createMemoryStore({ maxSessions: 1, sweepInterval: 0 })
    try {
      await driver.create(record(clock.ms, { userKey: 'u1' }), clock.ms)
      await driver.create(record(clock.ms, { userKey: 'u2' }), clock.ms)
      assert.deepEqual(await driver.listByUser('u1', clock.ms), [])
      assert.deepEqual(await driver.deleteByUser('u1'), [])
      assert.equal((await driver.listByUser('u2', clock.ms)).length, 1)
    } finally {
      await driver.close()
    }
  })

  it('the sweeper removes expired records within one interval (EXP-11, EXP-12)', async () => {
    const clock = createTestClock()
    const driver = createMemoryStore({ sweepInterval: 20, now: clock.now })
    try {
      const short = record(clock.ms, { expiresAt: clock.ms + 1000 })
      const long = record(clock.ms, { expiresAt: clock.ms + 100_000 })
      await driver.create(short, clock.ms)
      await driver.create(long, clock.ms)
      clock.advance(1000)
      assert.equal(driver.size, 2) // expired but not yet swept
      await new Promise((resolve) => setTimeout(resolve, 60))
      assert.equal(driver.size, 1)
      assert.ok(await driver.get(long.id, clock.ms))
    } finally {
      await driver.close()
    }
  })

  it('memory drops after a sweep (EXP-12)', async () => {
    const clock = createTestClock()
    const driver = createMemoryStore({ sweepInterval: 0, now: clock.now })
    try {
      for (let i = 0; i < 500; i++) {
        await driver.create(record(clock.ms, { values: { blob: 'x'.repeat(1000) } }), clock.ms)
      }
      assert.equal(driver.size, 500)
      clock.advance(60_000)
      assert.equal(driver.sweep().length, 500)
      assert.equal(driver.size, 0)
    } finally {
      await driver.close()
    }
  })

  it('lazily expired records are never returned', async () => {
    const clock = createTestClock()
    const driver = createMemoryStore({ sweepInterval: 0 })
    try {
      const rec = record(clock.ms)
      await driver.create(rec, clock.ms)
      assert.equal(await driver.get(rec.id, rec.expiresAt), undefined)
      assert.equal(driver.size, 0) // dropped on sight
    } finally {
      await driver.close()
    }
  })

  it('a process that never closes the store still exits (unref’d sweeper)', () => {
    const url = new URL('../src/stores/memory.js', import.meta.url).href
    const script = `import(${JSON.stringify(url)}).then(({ createMemoryStore }) => {
      const store = createMemoryStore({ sweepInterval: 1000 })
      return store.create({ id: 'x'.repeat(43), values: {}, flash: {}, version: 1, createdAt: 0,
        lastSeenAt: 0, expiresAt: 1e15, userKey: undefined, meta: undefined }, 0)
    }).then(() => console.log('created'))`
    const started = Date.now()
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 10_000,
      cwd: fileURLToPath(new URL('.', import.meta.url)),
    })
    assert.equal(result.error, undefined)
    assert.equal(result.status, 0, result.stderr)
    assert.equal(result.stdout.trim(), 'created')
    assert.ok(Date.now() - started < 5000)
  })

  it('refuses bad options and every call after close', async () => {
    assert.throws(() => createMemoryStore({ maxSessions: 0 }), { code: 'ERR_SESSION_CONFIG' })
    assert.throws(() => createMemoryStore({ sweepInterval: -1 }), { code: 'ERR_SESSION_CONFIG' })
    const driver = createMemoryStore()
    await driver.close()
    await assert.rejects(driver.get(generateSessionId(), 0))
  })
})
