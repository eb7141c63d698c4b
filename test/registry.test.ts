import assert from 'node:assert/strict'
import { describe, it } from 'node:test'

import {
  CookieTooLargeError,
  createCookieStore,
  createKeyRing,
  SessionRegistry,
  SessionSaveError,
  type CookieStore,
  type CookieStoreOptions,
  type SessionStore,
} from '../src/index.ts'
import { manualClock } from './support/clock.ts'
import { cookieName, cookiePair } from './support/cookies.ts'
import { KEY_A, KEY_B } from './support/keys.ts'

const clock = manualClock()

function store(options: Partial<CookieStoreOptions> = {}): CookieStore {
  return createCookieStore({
    name: 'sid',
    keys: createKeyRing([{ id: 'k1', secret: KEY_A }]),
    now: clock.now,
    crypto: 'node',
    ...options,
  })
}

function isCode(code: string) {
  return (error: unknown): boolean =>
    typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code
}

function header(setCookies: readonly string[]): string {
  return setCookies.map(cookiePair).join('; ')
}

describe('SessionRegistry', () => {
  it('loads two named sessions from two stores and saves them together', async () => {
    const auth = store({ name: 'auth', purpose: 'auth' })
    const prefs = store({
      name: 'prefs',
      keys: createKeyRing([{ id: 'p1', secret: KEY_B }]),
      format: 'signed',
    })
    const first = new SessionRegistry(undefined)
    ;(await first.get(auth)).set('userId', 'u1')
    ;(await first.get(prefs)).set('theme', 'dark')
    assert.deepEqual(first.names, ['auth', 'prefs'])
    assert.equal(first.hasChanges, true)
    const setCookies = await first.save()
    assert.equal(setCookies.length, 2)
    assert.deepEqual(setCookies.map(cookieName), ['auth', 'prefs'])
    assert.deepEqual(first.setCookies, setCookies)
    assert.equal(first.hasChanges, false)

    const second = new SessionRegistry(header(setCookies))
    assert.equal((await second.get(auth)).get('userId'), 'u1')
    assert.equal((await second.get(prefs)).get('theme'), 'dark')
    assert.deepEqual(await second.save(), [])
  })

  it('refuses one name bound to two different stores', async () => {
    const registry = new SessionRegistry(undefined)
    await registry.get(store())
    await assert.rejects(registry.get(store()), (error: unknown) => {
      assert.ok(isCode('ERR_SESSION_REGISTRY')(error))
      return true
    })
  })

  it('concurrent and repeated gets of one name share a single load', async () => {
    const inner = store()
    let loads = 0
    const counting: SessionStore = {
      ...inner,
      get(cookieHeader) {
        loads++
        return inner.get(cookieHeader)
      },
    }
    const registry = new SessionRegistry(undefined)
    const [a, b] = await Promise.all([registry.get(counting), registry.get(counting)])
    const c = await registry.get(counting)
    assert.equal(loads, 1)
    assert.equal(a, b)
    assert.equal(a, c)
  })

  it('SER-13: saving twice keeps one Set-Cookie per name, with the latest value', async () => {
    const s = store()
    const registry = new SessionRegistry(undefined)
    const session = await registry.get(s)
    session.set('n', 1)
    assert.equal((await registry.save()).length, 1)
    session.set('n', 2)
    const second = await registry.save()
    assert.equal(second.length, 1)
    assert.deepEqual(registry.setCookies, second)
    assert.equal((await s.get(header(second))).get('n'), 2)
    // A third save with nothing changed keeps the last value rather than dropping it.
    assert.deepEqual(await registry.save(), second)
  })

  it('reports every failed session in one SessionSaveError; the others still save', async () => {
    for (const crypto of ['node', 'web'] as const) {
      const smallA = store({ name: 'a', maxLength: 128, crypto })
      const smallB = store({ name: 'b', maxLength: 128, crypto })
      const fine = store({ name: 'ok', crypto })
      const registry = new SessionRegistry(undefined)
      ;(await registry.get(smallA)).set('big', 'x'.repeat(500))
      ;(await registry.get(fine)).set('v', 1)
      ;(await registry.get(smallB)).set('big', 'y'.repeat(500))
      let thrown: unknown
      try {
        await registry.save()
      } catch (error) {
        thrown = error
      }
      assert.ok(thrown instanceof SessionSaveError, crypto)
      assert.equal(thrown.code, 'ERR_SESSION_SAVE')
      assert.deepEqual(
        thrown.errors.map((e) => e.sessionName),
        ['a', 'b'],
      )
      for (const { error } of thrown.errors) {
        assert.ok(error instanceof CookieTooLargeError)
        assert.equal(error.code, 'ERR_SESSION_COOKIE_TOO_LARGE')
      }
      assert.deepEqual(registry.setCookies.map(cookieName), ['ok'])
      assert.ok(!thrown.message.includes('xxxxxxxx'))
    }
  })

  it('a failed save sends the cookie its store says is still owed, and nothing an error carries', async () => {
    const inner = store()
    const failure = Object.assign(new SessionSaveError([]), { setCookie: 'planted=1' })
    const failing = (owed: string | undefined): SessionStore => ({
      ...inner,
      save: () => Promise.reject(failure),
      deletionCookie: () => owed,
    })
    for (const owed of ['sid=; Max-Age=0', undefined]) {
      const registry = new SessionRegistry(undefined)
      ;(await registry.get(failing(owed))).destroy()
      await assert.rejects(Promise.resolve(registry.save()), (error: unknown) => {
        assert.ok(error instanceof SessionSaveError)
        assert.equal(error.errors[0]?.error, failure)
        assert.deepEqual(error.setCookies, owed === undefined ? [] : [owed])
        return true
      })
      assert.deepEqual(registry.setCookies, owed === undefined ? [] : [owed])
    }
  })

  it('rejects an invalid cookie name: when the store is created, and from a hand-written store', async () => {
    const registry = new SessionRegistry(undefined)
    for (const name of ['', 'a b', 'a;b', 'a=b', 'é', 'a\r\nSet-Cookie: x', '(sid)']) {
      assert.throws(() => store({ name }), isCode('ERR_SESSION_COOKIE_OPTION'), name)
      const handWritten: SessionStore = { ...store(), name }
      await assert.rejects(registry.get(handWritten), isCode('ERR_SESSION_COOKIE_OPTION'), name)
    }
    assert.deepEqual(registry.names, [])
  })

  it('save() is synchronous when every store is, and a promise otherwise', async () => {
    const registry = new SessionRegistry(undefined)
    ;(await registry.get(store({ name: 'a' }))).set('v', 1)
    ;(await registry.get(store({ name: 'b', purpose: 'other' }))).set('v', 2)
    const result = registry.save()
    assert.ok(!(result instanceof Promise))
    assert.ok(Array.isArray(result))
    assert.equal(result.length, 2)

    const mixed = new SessionRegistry(undefined)
    ;(await mixed.get(store({ name: 'a' }))).set('v', 1)
    ;(await mixed.get(store({ name: 'b', crypto: 'web' }))).set('v', 2)
    const pending = mixed.save()
    assert.ok(pending instanceof Promise)
    assert.equal((await pending).length, 2)
  })

  it('a failed load reaches its caller and leaves nothing to save', async () => {
    const inner = store({ name: 'up' })
    const failing: SessionStore = {
      ...inner,
      name: 'down',
      get: () => Promise.reject(new Error('store outage')),
    }
    const registry = new SessionRegistry(undefined)
    await assert.rejects(registry.get(failing), /store outage/)
    ;(await registry.get(inner)).set('v', 1)
    const saved = await registry.save()
    assert.deepEqual(saved.map(cookieName), ['up'])
  })
})
