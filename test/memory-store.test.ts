// The memory driver: the conformance suite (with its check that the unref'd sweeper keeps no
// process alive), plus what only a memory store has (LRU eviction that a flood of anonymous
// sessions cannot turn into a mass logout, the sweeper, memory released after a sweep).
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'

import type { SessionRecord } from '../src/core/driver.ts'
import { SessionSaveError, SessionStoreError } from '../src/errors.ts'
import { createKeyRing, generateKey } from '../src/core/keyring.ts'
import { generateSessionId } from '../src/lib/session-id.ts'
import { SessionRegistry } from '../src/core/registry.ts'
import type { Session } from '../src/core/session.ts'
import { createMemoryDriver, type MemoryDriverOptions } from '../src/drivers/memory.ts'
import { createServerStore } from '../src/stores/server.ts'
import { createTestClock, runStoreConformance } from '../src/testing.ts'
import { record as baseRecord } from './support/records.ts'

runStoreConformance({
  name: 'memory',
  createDriver: ({ now }) => createMemoryDriver({ now }),
  test: { describe, it },
  // The driver's sweeper is unref'd: a process that never closes the store still exits.
  activeResources: () => process.getActiveResourcesInfo(),
})

// Short-lived records for the memory driver's expiry tests.
function record(at: number, extra: Partial<SessionRecord> = {}): SessionRecord {
  return baseRecord(at, { expiresAt: at + 60_000, ...extra })
}

describe('memory driver', () => {
  it('evicts the least recently used session at maxSessions', async () => {
    const clock = createTestClock()
    const driver = createMemoryDriver({ maxSessions: 3, sweepInterval: 0 })
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
    const driver = createMemoryDriver({ maxSessions: 1, sweepInterval: 0 })
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
    const driver = createMemoryDriver({ sweepInterval: 20, now: clock.now })
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
    const driver = createMemoryDriver({ sweepInterval: 0, now: clock.now })
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
    const driver = createMemoryDriver({ sweepInterval: 0 })
    try {
      const rec = record(clock.ms)
      await driver.create(rec, clock.ms)
      assert.equal(await driver.get(rec.id, rec.expiresAt), undefined)
      assert.equal(driver.size, 0) // dropped on sight
    } finally {
      await driver.close()
    }
  })

  it('a record it returns is frozen: changing it cannot change what is stored', async () => {
    const driver = createMemoryDriver({ sweepInterval: 0 })
    try {
      const at = Date.now()
      const input = { cart: { items: ['a'] } }
      const rec = record(at, { values: input, flash: { notice: [{ text: 'hi' }] } })
      await driver.create(rec, at)
      // What was passed in is copied: changing it afterwards changes nothing stored.
      input.cart.items.push('b')
      const got = await driver.get(rec.id, at)
      assert.ok(got !== undefined)
      assert.deepEqual(got.values, { cart: { items: ['a'] } })
      const { cart } = got.values
      assert.throws(() => cart.items.push('c'), TypeError)
      assert.throws(() => Object.assign(got.values, { cart: 'x' }), TypeError)
      const notice = got.flash['notice']?.[0] as { text: string }
      assert.throws(() => {
        notice.text = 'changed'
      }, TypeError)
      // Patched values are frozen too, and the earlier record is unchanged by the patch.
      await driver.update(
        rec.id,
        {
          set: { more: { n: 1 } },
          unset: [],
          flashSet: {},
          flashUnset: [],
          lastSeenAt: at,
          expiresAt: at + 60_000,
        },
        at,
      )
      const after = await driver.get(rec.id, at)
      assert.ok(after !== undefined)
      assert.deepEqual(after.values, { cart: { items: ['a'] }, more: { n: 1 } })
      const { more } = after.values as { more: { n: number } }
      assert.ok(Object.isFrozen(more))
      assert.deepEqual(got.values, { cart: { items: ['a'] } })
    } finally {
      await driver.close()
    }
  })

  it('refuses bad options and every call after close', async () => {
    assert.throws(() => createMemoryDriver({ maxSessions: 0 }), { code: 'ERR_SESSION_CONFIG' })
    for (const maxAnonymousSessions of [0, -1, 1.5, Number.NaN]) {
      assert.throws(() => createMemoryDriver({ maxAnonymousSessions }), {
        code: 'ERR_SESSION_CONFIG',
      })
    }
    assert.throws(() => createMemoryDriver({ sweepInterval: -1 }), { code: 'ERR_SESSION_CONFIG' })
    const driver = createMemoryDriver()
    await driver.close()
    await assert.rejects(driver.get(generateSessionId(), 0))
  })
})

// Through the server store and a registry, as an application uses it: cookie-less visitors
// that get a CSRF token, and users who sign in.
// STO-17, DOS-11
describe('memory driver: a flood of anonymous sessions', () => {
  const keys = createKeyRing([{ id: 'k1', secret: generateKey() }])

  function site(options: MemoryDriverOptions) {
    const clock = createTestClock()
    const driver = createMemoryDriver({ sweepInterval: 0, ...options })
    const store = createServerStore({
      name: 'sid',
      driver,
      keys,
      cookie: { secure: false },
      now: clock.now,
    })
    async function request(cookie: string | undefined, handler: (s: Session) => void) {
      const registry = new SessionRegistry(cookie)
      const session = await registry.get(store)
      handler(session)
      const setCookies = await registry.save()
      return { session, cookie: setCookies[0]?.split(';')[0] ?? cookie }
    }
    const visitor = () =>
      request(undefined, (s) => {
        s.set('csrf', generateSessionId())
      })
    async function signIn(name: string) {
      const anonymous = await visitor()
      return request(anonymous.cookie, (s) => {
        s.set('user', name)
        s.setUser(name)
        s.regenerate({ newLifetime: true })
      })
    }
    // Signs in without an anonymous session first (a login form posted without a cookie).
    const direct = (name: string) =>
      request(undefined, (s) => {
        s.set('user', name)
        s.setUser(name)
      })
    async function signedIn(cookie: string | undefined): Promise<unknown> {
      return (await request(cookie, () => undefined)).session.get('user')
    }
    return { clock, driver, store, request, visitor, signIn, direct, signedIn }
  }

  it('thousands of cookie-less visitors log nobody out', async () => {
    const app = site({ maxSessions: 100 })
    const users = []
    for (let i = 0; i < 20; i++) users.push(await app.signIn(`user-${i}`))
    const first = await app.visitor()
    let last = first
    for (let i = 0; i < 1050; i++) last = await app.visitor()
    assert.ok(app.driver.size <= 100, `held ${app.driver.size} records`)
    for (const [i, user] of users.entries()) {
      assert.equal(await app.signedIn(user.cookie), `user-${i}`, `user-${i} is still signed in`)
    }
    // The flood evicted only its own kind, oldest first.
    assert.equal((await app.request(first.cookie, () => undefined)).session.get('csrf'), undefined)
    assert.notEqual(
      (await app.request(last.cookie, () => undefined)).session.get('csrf'),
      undefined,
    )
    // Sign-ins still work during the flood, and a sign-in without a new id counts too.
    const late = await app.signIn('late')
    const upgraded = await app.request((await app.visitor()).cookie, (s) => {
      s.setUser('upgraded')
      s.set('user', 'upgraded')
    })
    for (let i = 0; i < 300; i++) await app.visitor()
    assert.equal(await app.signedIn(late.cookie), 'late')
    assert.equal(await app.signedIn(upgraded.cookie), 'upgraded')
    assert.equal((await app.store.listByUser('user-0')).length, 1)
    await app.driver.close()
  })

  it('signed-in sessions are evicted only by other sign-ins, least recently used first', async () => {
    const app = site({ maxSessions: 10 })
    const users = []
    for (let i = 0; i < 9; i++) users.push(await app.direct(`user-${i}`))
    // Using user-0 makes user-1 the least recently used.
    assert.equal(await app.signedIn(users[0]?.cookie), 'user-0')
    // The store is full with the anonymous session being signed in: it is spared.
    const late = await app.signIn('user-9')
    assert.equal(await app.signedIn(late.cookie), 'user-9', 'the sign-in worked')
    assert.equal(await app.signedIn(users[1]?.cookie), undefined, 'the least recently used')
    for (const i of [0, 2, 3, 8]) assert.equal(await app.signedIn(users[i]?.cookie), `user-${i}`)
    assert.equal(app.driver.size, 9)
    await app.driver.close()
  })

  it('when every slot holds a signed-in session, a new anonymous one is refused, not a user evicted', async () => {
    const app = site({ maxSessions: 5 })
    const users = []
    for (let i = 0; i < 5; i++) users.push(await app.direct(`user-${i}`))
    await assert.rejects(app.visitor(), (error: unknown) => {
      assert.ok(error instanceof SessionSaveError)
      const inner = error.errors[0]?.error
      assert.ok(inner instanceof SessionStoreError)
      assert.equal(inner.operation, 'create')
      return true
    })
    for (const [i, user] of users.entries()) {
      assert.equal(await app.signedIn(user.cookie), `user-${i}`)
    }
    await app.driver.close()
  })

  it('maxAnonymousSessions keeps room for sign-ins', async () => {
    const app = site({ maxSessions: 20, maxAnonymousSessions: 5 })
    const visitors = []
    for (let i = 0; i < 50; i++) visitors.push(await app.visitor())
    assert.equal(app.driver.size, 5)
    const users = []
    for (let i = 0; i < 15; i++) users.push(await app.signIn(`user-${i}`))
    // 15 users and at most 5 anonymous sessions (the last sign-in's was deleted).
    assert.equal(app.driver.size, 19)
    for (const [i, user] of users.entries()) {
      assert.equal(await app.signedIn(user.cookie), `user-${i}`)
    }
    await app.driver.close()
  })

  it('anonymous requests that store nothing store nothing', async () => {
    const app = site({ maxSessions: 5 })
    for (let i = 0; i < 1000; i++) await app.request(undefined, (s) => s.get('csrf'))
    assert.equal(app.driver.size, 0)
    await app.driver.close()
  })
})
