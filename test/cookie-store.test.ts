import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { inspect } from 'node:util'

import {
  CookieTooLargeError,
  createCookieStore,
  createKeyRing,
  createTokenCodec,
  InvalidCookieError,
  SessionArgumentError,
  type CookieStoreOptions,
  type InvalidCookieReason,
} from '../src/index.ts'
import { b64uDecode, b64uEncode, latin1 } from './support/bytes.ts'
import { T0 } from './support/clock.ts'
import { cookieAttributes, cookiePair, cookieValue, expectCookie } from './support/cookies.ts'
import { checkLoadedFlashesAreImmutable } from './support/immutability.ts'
import { harness, TEST_RING, type Harness } from './support/jar.ts'
import { KEY_A, KEY_B } from './support/keys.ts'

const DAY = 86_400
const EPOCH = 'Thu, 01 Jan 1970 00:00:00 GMT'

function isCode(code: string) {
  return (error: unknown): boolean =>
    typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code
}

/** A harness with a hook that records every rejected cookie. */
function watched(options: Partial<CookieStoreOptions> = {}) {
  const rejected: InvalidCookieError[] = []
  const h = harness({
    ...options,
    onInvalidCookie: (error) => {
      rejected.push(error)
    },
  })
  return { ...h, rejected }
}

/** Saves a session holding `{ user: 'u1' }` and returns its cookie value. */
async function validToken(h: Harness<Record<string, unknown>, Record<string, unknown>>) {
  const session = h.store.create()
  session.set('user', 'u1')
  return cookieValue(expectCookie(await h.store.save(session)))
}

/** Everything a rejected cookie leaves behind must not contain the token. */
function assertNoToken(values: readonly unknown[], token: string): void {
  const needles = [token, token.slice(0, 24), token.slice(-24)]
  for (const value of values) {
    const views = [
      String(value),
      JSON.stringify(value),
      inspect(value, { depth: Infinity, showHidden: true }),
      value instanceof Error ? (value.stack ?? '') : '',
    ]
    for (const view of views) {
      for (const needle of needles) assert.ok(!view.includes(needle), `token leaked: ${view}`)
    }
  }
}

/** Loads `sid` from `header` and checks the rejection; returns the error. */
async function expectRejected(
  h: ReturnType<typeof watched>,
  header: string,
  reason: InvalidCookieReason,
): Promise<InvalidCookieError> {
  const before = h.rejected.length
  const session = await h.store.get(header)
  assert.equal(session.isNew, true)
  assert.deepEqual(session.keys(), [])
  const error = session.loadError
  assert.ok(error instanceof InvalidCookieError)
  assert.equal(error.code, 'ERR_SESSION_COOKIE_INVALID')
  assert.equal(error.reason, reason)
  assert.equal(error.cookieName, 'sid')
  assert.equal(h.rejected.length, before + 1, 'onInvalidCookie is called exactly once')
  assert.equal(h.rejected[before], error)
  assertNoToken([error, session, session.toJSON()], header.slice(header.indexOf('=') + 1))
  return error
}

describe('cookie store: writing cookies', () => {
  it('is lazy: a session without data writes nothing', async () => {
    const h = harness()
    for (const header of [undefined, null, '', 'other=1', ['a=1', 'b=2']]) {
      const session = await h.store.get(header)
      assert.equal(session.isNew, true)
      assert.equal(session.loadError, undefined)
      assert.equal(await h.store.save(session), undefined)
    }
    const created = h.store.create()
    created.set('a', 1)
    created.delete('a')
    assert.equal(await h.store.save(created), undefined)
  })

  it('writes a secure, browser-session cookie by default', async () => {
    const h = harness()
    const session = h.store.create()
    session.set('a', 1)
    const setCookie = expectCookie(await h.store.save(session))
    assert.match(cookiePair(setCookie), /^sid=[A-Za-z0-9_-]+$/)
    const attributes = cookieAttributes(setCookie)
    assert.equal(attributes.get('path'), '/')
    assert.equal(attributes.get('httponly'), true)
    assert.equal(attributes.get('secure'), true)
    assert.equal(attributes.get('samesite'), 'Lax')
    assert.equal(attributes.has('max-age'), false)
    assert.equal(attributes.has('expires'), false)
    assert.equal(attributes.has('domain'), false)
    assert.equal(h.store.format, 'sealed')
    assert.equal(h.store.name, 'sid')
    assert.equal(session.name, 'sid')
    // Which crypto backend seals is an internal of the store (the codec still tells).
    assert.equal('backend' in h.store, false)
  })

  it('maxAge > 0 makes the cookie persistent, capped by the session expiry', async () => {
    const cases: [Partial<CookieStoreOptions>, number][] = [
      [{ maxAge: 3600 }, 3600],
      [{ maxAge: 10 * DAY, idleTimeout: DAY }, DAY],
      [{ maxAge: 10 * DAY, idleTimeout: 7 * DAY, absoluteTimeout: 2 * DAY }, 2 * DAY],
    ]
    for (const [options, expected] of cases) {
      const h = harness(options)
      const session = h.store.create()
      session.set('a', 1)
      const attributes = cookieAttributes(expectCookie(await h.store.save(session)))
      assert.equal(attributes.get('max-age'), String(expected), JSON.stringify(options))
      assert.equal(attributes.get('expires'), new Date(T0 + expected * 1000).toUTCString())
    }
    // Later in the session's life the absolute limit caps what is left.
    const h = harness({ maxAge: 10 * DAY, idleTimeout: 7 * DAY, absoluteTimeout: 2 * DAY })
    await h.request((s) => {
      s.set('a', 1)
    })
    h.clock.advanceSeconds(DAY + 10)
    const { setCookie } = await h.request((s) => {
      s.set('a', 2)
    })
    assert.equal(cookieAttributes(expectCookie(setCookie)).get('max-age'), String(DAY - 10))
  })

  it('remember-me persists across requests until turned off', async () => {
    const h = harness({ idleTimeout: 7 * DAY })
    const first = await h.request((s) => {
      s.set('user', 'u1')
      s.rememberMe(true, 14 * DAY)
    })
    assert.equal(cookieAttributes(expectCookie(first.setCookie)).get('max-age'), String(7 * DAY))
    h.clock.advanceSeconds(3600)
    const second = await h.request((s) => {
      s.set('seen', true)
    })
    assert.equal(cookieAttributes(expectCookie(second.setCookie)).get('max-age'), String(7 * DAY))
    const third = await h.request((s) => {
      s.rememberMe(false)
    })
    assert.equal(cookieAttributes(expectCookie(third.setCookie)).has('max-age'), false)
    const fourth = await h.request((s) => {
      s.set('seen', 2)
    })
    assert.equal(cookieAttributes(expectCookie(fourth.setCookie)).has('max-age'), false)
    // Without a duration, remember-me lasts as long as the session can.
    const fifth = await h.request((s) => {
      s.rememberMe(true)
    })
    assert.equal(cookieAttributes(expectCookie(fifth.setCookie)).get('max-age'), String(7 * DAY))
  })

  it('destroy and maxAge < 0 write a deletion cookie with the same Path and Domain', async () => {
    const cookie = { path: '/app', domain: 'example.com' }
    const h = harness({ cookie })
    const created = await h.request((s) => {
      s.set('a', 1)
    })
    const attributes = cookieAttributes(expectCookie(created.setCookie))
    assert.equal(attributes.get('path'), '/app')
    assert.equal(attributes.get('domain'), 'example.com')

    const expectDeletion = (setCookie: string | undefined) => {
      const value = expectCookie(setCookie)
      assert.equal(cookiePair(value), 'sid=')
      const attrs = cookieAttributes(value)
      assert.equal(attrs.get('max-age'), '0')
      assert.equal(attrs.get('expires'), EPOCH)
      assert.equal(attrs.get('path'), '/app')
      assert.equal(attrs.get('domain'), 'example.com')
    }

    const loaded = await h.store.get(h.jar.header)
    expectDeletion(await h.store.destroy(loaded))
    assert.equal(loaded.isDestroyed, true)
    assert.throws(() => loaded.get('a'), isCode('ERR_SESSION_DESTROYED'))

    const viaOption = await h.store.get(h.jar.header)
    viaOption.setCookieOptions({ maxAge: -1 })
    expectDeletion(await h.store.save(viaOption))

    const negative = createCookieStore({
      name: 'sid',
      keys: TEST_RING,
      now: h.clock.now,
      cookie,
      maxAge: -1,
    })
    expectDeletion(await negative.save(await negative.get(h.jar.header)))

    // Removing the last value deletes the cookie too.
    const emptied = await h.store.get(h.jar.header)
    emptied.delete('a')
    expectDeletion(await h.store.save(emptied))

    // Nothing to delete when the client sent no cookie.
    assert.equal(await h.store.destroy(h.store.create()), undefined)
  })

  it('a cookie captured before logout dies at its embedded expiry (EXP-05)', async () => {
    const h = watched({ idleTimeout: 600, clockTolerance: 0 })
    await h.request((s) => {
      s.set('user', 'u1')
    })
    const captured = expectCookie(h.jar.header)
    const { setCookie } = await h.request((s) => {
      s.destroy()
    })
    assert.equal(cookieValue(expectCookie(setCookie)), '')
    h.clock.ms = T0 + 600_000
    await expectRejected(h, captured, 'expired')
  })

  it('KEY-01: a session opened with an old key is re-sealed with the primary, unchanged', async () => {
    const h = harness()
    await h.request((s) => {
      s.set('user', 'u1')
    })
    const oldCookie = expectCookie(h.jar.header)
    const rotated = createKeyRing([
      { id: 'k2', secret: KEY_B },
      { id: 'k1', secret: KEY_A },
    ])
    const store = createCookieStore({ name: 'sid', keys: rotated, now: h.clock.now })
    const session = await store.get(oldCookie)
    assert.equal(session.get('user'), 'u1')
    assert.equal(session.isDirty, false)
    const resealed = expectCookie(await store.save(session))
    // Only the new key is needed to read the re-sealed cookie; the old one is unknown to it.
    const onlyNew = createCookieStore({
      name: 'sid',
      keys: createKeyRing([{ id: 'k2', secret: KEY_B }]),
      now: h.clock.now,
    })
    assert.equal((await onlyNew.get(cookiePair(resealed))).get('user'), 'u1')
    assert.equal((await onlyNew.get(oldCookie)).loadError?.reason, 'unknown-key')
    // And once re-sealed, the next unchanged request writes nothing.
    assert.equal(await store.save(await store.get(cookiePair(resealed))), undefined)
  })

  it('SER-10: name=value over maxLength throws CookieTooLargeError; exactly maxLength passes', async () => {
    const probe = harness({ maxLength: 1_000_000 })
    const sizeFor = async (length: number): Promise<number> => {
      const session = probe.store.create()
      session.set('x', 'a'.repeat(length))
      return cookiePair(expectCookie(await probe.store.save(session))).length
    }
    let length = 2900
    while ((await sizeFor(length)) < 4096) length++
    assert.equal(await sizeFor(length), 4096, 'the default limit is reachable exactly')

    const h = harness() // default maxLength 4096
    const fits = h.store.create()
    fits.set('x', 'a'.repeat(length))
    const setCookie = expectCookie(await h.store.save(fits))
    assert.equal(cookiePair(setCookie).length, 4096)
    assert.equal((await h.store.get(cookiePair(setCookie))).get('x'), 'a'.repeat(length))

    const over = h.store.create()
    over.set('x', 'a'.repeat(length + 1))
    const expectedSize = await sizeFor(length + 1)
    let thrown: unknown
    try {
      await h.store.save(over)
    } catch (error) {
      thrown = error
    }
    assert.ok(thrown instanceof CookieTooLargeError)
    assert.equal(thrown.code, 'ERR_SESSION_COOKIE_TOO_LARGE')
    assert.equal(thrown.cookieName, 'sid')
    assert.equal(thrown.limit, 4096)
    assert.equal(thrown.size, expectedSize)
    assert.ok(thrown.size > 4096)
    assert.ok(!inspect(thrown).includes('aaaaaaaaaaaaaaaa'))
    // The session is intact and saves once it is small enough again.
    assert.equal(over.isDirty, true)
    over.set('x', 'small')
    assert.ok((await h.store.save(over)) !== undefined)
  })

  it('a __Host- name with a Domain or Path fails with a cookie option error when the store is created', async () => {
    // The name is given with the options, so a broken prefix rule fails at startup, before
    // any request could load or write a session.
    const atCreation = (options: Partial<CookieStoreOptions>, name: string) => {
      assert.throws(() => harness({ ...options, name }), isCode('ERR_SESSION_COOKIE_OPTION'))
    }
    atCreation({ cookie: { domain: 'example.com' } }, '__Host-sid')
    atCreation({ cookie: { path: '/app' } }, '__Host-sid')
    atCreation({ cookie: { secure: false } }, '__Host-sid')
    atCreation({ cookie: { secure: false } }, '__Secure-sid')
    // Browsers match the prefixes case-insensitively, and so does the check.
    atCreation({ cookie: { secure: false } }, '__host-sid')

    // The defaults satisfy __Host-; a per-session Domain breaks the rule when written.
    const h = harness({ name: '__Host-sid' })
    const host = h.store.create()
    host.set('a', 1)
    const ok = cookieAttributes(expectCookie(await h.store.save(host)))
    assert.equal(ok.get('path'), '/')
    assert.equal(ok.get('secure'), true)
    assert.equal(ok.has('domain'), false)
    host.setCookieOptions({ domain: 'example.com' })
    await assert.rejects(async () => h.store.save(host), isCode('ERR_SESSION_COOKIE_OPTION'))
  })

  it('a web-crypto store saves asynchronously, a node store synchronously', async () => {
    const web = harness({ crypto: 'web' })
    const session = web.store.create()
    session.set('a', 1)
    const pending = web.store.save(session)
    assert.ok(pending instanceof Promise)
    const setCookie = expectCookie(await pending)
    assert.equal((await web.store.get(cookiePair(setCookie))).get('a'), 1)
    // Web and node stores with the same keys read each other's cookies.
    const node = harness()
    const fromWeb = await node.store.get(cookiePair(setCookie))
    assert.equal(fromWeb.get('a'), 1)
    fromWeb.set('a', 2)
    const synchronous = node.store.save(fromWeb)
    assert.equal(typeof synchronous, 'string')
  })
})

describe('cookie store: rejected cookies', () => {
  it('tampered: fresh session, loadError, hook called once, no token in the error', async () => {
    const h = watched()
    const token = await validToken(h)
    const middle = Math.floor(token.length / 2)
    const forged =
      token.slice(0, middle) + (token[middle] === 'A' ? 'B' : 'A') + token.slice(middle + 1)
    await expectRejected(h, `sid=${forged}`, 'tampered')
    // Saving the fresh session clears the rejected cookie.
    const session = await h.store.get(`sid=${forged}`)
    const cleared = expectCookie(await h.store.save(session))
    assert.equal(cookieAttributes(cleared).get('max-age'), '0')
  })

  it('expired', async () => {
    const h = watched({ idleTimeout: 600 })
    const token = await validToken(h)
    h.clock.advanceSeconds(600 + 60) // idle timeout plus the default tolerance
    await expectRejected(h, `sid=${token}`, 'expired')
  })

  it('not-yet-valid', async () => {
    const h = watched()
    const ahead = harness()
    ahead.clock.advanceSeconds(61)
    await expectRejected(h, `sid=${await validToken(ahead)}`, 'not-yet-valid')
  })

  it('unknown-key', async () => {
    const h = watched()
    const other = harness({ keys: createKeyRing([{ id: 'k2', secret: KEY_B }]) })
    await expectRejected(h, `sid=${await validToken(other)}`, 'unknown-key')
  })

  it('malformed, including authenticated payloads that are not a session', async () => {
    const h = watched()
    for (const value of ['garbage', 'not-a-token!', 'AAAA', '"quoted"']) {
      await expectRejected(h, `sid=${value}`, 'malformed')
    }
    // Sealed with the right key, name and purpose, but not a session payload: a clean
    // 'malformed', never a JSON error.
    const codec = createTokenCodec({ keys: TEST_RING, purpose: 'session', now: h.clock.now })
    const payloads = [
      'not json',
      '',
      'null',
      '[]',
      '{"v":[],"c":1}',
      '{"v":{},"c":-1}',
      '{"v":{},"c":1.5}',
      '{"v":{}}',
      '{"v":{},"c":1,"f":{"x":1}}',
      '{"v":{},"c":1,"m":"x"}',
      '{"v":{},"c":1,"i":0}',
      '\uFFFD\u0000',
    ]
    for (const payload of payloads) {
      const token = await codec.seal('sid', payload, { expiresAt: T0 + 60_000 })
      await expectRejected(h, `sid=${token}`, 'malformed')
    }
    const invalidUtf8 = await codec.seal('sid', Uint8Array.of(0xff, 0xfe, 0x7b), {
      expiresAt: T0 + 60_000,
    })
    await expectRejected(h, `sid=${invalidUtf8}`, 'malformed')
  })

  it('too-large', async () => {
    const h = watched()
    await expectRejected(h, `sid=${'A'.repeat(4097)}`, 'too-large')
    await expectRejected(h, `sid=${'A'.repeat(60_000)}`, 'too-large')
    // A header beyond the parser's budget is cut off before the cookie is even seen.
    const huge = await h.store.get(`sid=${'A'.repeat(1_000_000)}`)
    assert.equal(huge.isNew, true)
    assert.deepEqual(huge.keys(), [])
  })

  it('CRY-04: a cookie made for another name or another purpose is tampered', async () => {
    const h = watched({ name: 'a' })
    const session = h.store.create()
    session.set('user', 'u1')
    const value = cookieValue(expectCookie(await h.store.save(session)))
    const asB = await watched({ name: 'b' }).store.get(`b=${value}`)
    assert.equal(asB.loadError?.reason, 'tampered')
    const admin = harness({ name: 'a', purpose: 'admin' })
    assert.equal((await admin.store.get(`a=${value}`)).loadError?.reason, 'tampered')
  })

  it('a token from a general-purpose codec never opens as a session of the same name and keys', async () => {
    const h = watched()
    const payload = JSON.stringify({ v: { user: 'admin' }, c: T0 })
    const seal = (purpose: string) =>
      createTokenCodec({ keys: TEST_RING, purpose, now: h.clock.now }).seal('sid', payload, {
        expiresAt: T0 + 60_000,
      })
    // Without a purpose there is no codec at all, rather than one sharing the store's.
    assert.throws(
      () =>
        createTokenCodec({ keys: TEST_RING } as unknown as Parameters<typeof createTokenCodec>[0]),
      isCode('ERR_SESSION_CONFIG'),
    )
    await expectRejected(h, `sid=${await seal('magic-link')}`, 'tampered')
    // The same payload under the store's own purpose is a session: the purpose alone decides.
    const opened = await h.store.get(`sid=${await seal('session')}`)
    assert.equal(opened.get('user'), 'admin')
  })

  it('duplicate cookie names: every candidate is tried and one that verifies wins', async () => {
    const h = watched()
    const token = await validToken(h)
    const expired = await (async () => {
      const old = harness()
      old.clock.ms = T0 - 30 * DAY * 1000
      return validToken(old)
    })()
    const headers = [
      `sid=garbage; sid=${token}`,
      `sid=${token}; sid=garbage`,
      `sid=${expired}; other=1; sid=${token}`,
      `sid=${token.slice(0, -3)}AAA; sid=${token}`,
    ]
    for (const header of headers) {
      const session = await h.store.get(header)
      assert.equal(session.loadError, undefined, header)
      assert.equal(session.get('user'), 'u1')
    }
    const lines = await h.store.get(['sid=garbage', `sid=${token}`])
    assert.equal(lines.get('user'), 'u1')
    assert.equal(h.rejected.length, 0)
    // When none verifies, the first reason is reported.
    const none = await h.store.get(`sid=${expired}; sid=garbage`)
    assert.equal(none.loadError?.reason, 'expired')
    // No small candidate limit: junk stuffed before the real cookie cannot push it out.
    const stuffed = await h.store.get(`${'sid=x; '.repeat(50)}sid=${token}`)
    assert.equal(stuffed.loadError, undefined)
    assert.equal(stuffed.get('user'), 'u1')
  })

  it('FIX-17: no error or hook argument ever contains the token', async () => {
    const h = watched({ idleTimeout: 600, clockTolerance: 0 })
    const token = await validToken(h)
    h.clock.advanceSeconds(600)
    await expectRejected(h, `sid=${token}`, 'expired')
    assertNoToken(h.rejected, token)
  })
})

describe('cookie store: timeouts and renewal', () => {
  it('EXP-01: idle timeout at the exact boundary (clockTolerance 0)', async () => {
    const h = harness({ idleTimeout: 600, absoluteTimeout: 3600, clockTolerance: 0 })
    await h.request((s) => {
      s.set('user', 'u1')
    })
    h.clock.ms = T0 + 600_000 - 1
    const alive = await h.store.get(h.jar.header)
    assert.equal(alive.loadError, undefined)
    assert.equal(alive.get('user'), 'u1')
    h.clock.ms = T0 + 600_000
    assert.equal((await h.store.get(h.jar.header)).loadError?.reason, 'expired')
  })

  it('EXP-02: rolling activity never extends the absolute timeout', async () => {
    for (const clockTolerance of [0, 60]) {
      const h = harness({ idleTimeout: 600, absoluteTimeout: 3600, clockTolerance })
      await h.request((s) => {
        s.set('user', 'u1')
      })
      for (let t = 300; t < 3600; t += 300) {
        h.clock.ms = T0 + t * 1000
        const { session, setCookie } = await h.request()
        assert.equal(session.loadError, undefined, `t=${t}`)
        assert.equal(session.get('user'), 'u1')
        assert.equal(session.createdAt, T0)
        assert.ok(setCookie !== undefined, `t=${t}: the idle window slides`)
      }
      h.clock.ms = T0 + 3_600_000 - 1
      assert.equal((await h.store.get(h.jar.header)).get('user'), 'u1')
      h.clock.ms = T0 + 3_600_000
      const expired = await h.store.get(h.jar.header)
      assert.equal(expired.loadError?.reason, 'expired', `tolerance ${clockTolerance}`)
    }
  })

  // EXP-02, EXP-08
  it('rotating with regenerate() never extends the absolute timeout', async () => {
    // Rotated every 50 minutes, a 2-hour session still ends at 2 hours.
    const h = harness({ idleTimeout: 3600, absoluteTimeout: 7200, clockTolerance: 0 })
    await h.request((s) => {
      s.set('user', 'u1')
    })
    for (let t = 3000; t < 7200; t += 3000) {
      h.clock.ms = T0 + t * 1000
      const { session, setCookie } = await h.request((s) => {
        s.regenerate()
      })
      assert.ok(setCookie !== undefined, `t=${t}: re-sealed`)
      assert.equal(session.createdAt, T0, `t=${t}: the creation time carries over`)
    }
    h.clock.ms = T0 + 7_200_000 - 1
    assert.equal((await h.store.get(h.jar.header)).get('user'), 'u1')
    h.clock.ms = T0 + 7_200_000
    assert.equal((await h.store.get(h.jar.header)).loadError?.reason, 'expired')
  })

  it('regenerate({ newLifetime: true }) starts a new absolute lifetime (a login)', async () => {
    const h = harness({ idleTimeout: 7200, absoluteTimeout: 7200, clockTolerance: 0 })
    await h.request((s) => {
      s.set('user', 'u1')
    })
    h.clock.ms = T0 + 3_000_000
    const { session } = await h.request((s) => {
      s.regenerate({ grace: 5 })
      s.regenerate({ newLifetime: true })
      // A later regenerate() in the same request keeps the login's new lifetime.
      s.regenerate()
    })
    assert.equal(session.createdAt, T0 + 3_000_000)
    h.clock.ms = T0 + 7_200_000
    assert.equal((await h.store.get(h.jar.header)).get('user'), 'u1', 'past the first end')
    h.clock.ms = T0 + 3_000_000 + 7_200_000
    assert.equal((await h.store.get(h.jar.header)).loadError?.reason, 'expired')
  })

  it('renewal: an unchanged session is re-sealed only once renewAfter has passed', async () => {
    const h = harness({ idleTimeout: 600, renewAfter: 60, clockTolerance: 0 })
    await h.request((s) => {
      s.set('user', 'u1')
    })
    const original = h.jar.value('sid')
    h.clock.ms = T0 + 60_000 - 1
    assert.equal((await h.request()).setCookie, undefined)
    h.clock.ms = T0 + 60_000
    const renewed = await h.request()
    assert.ok(renewed.setCookie !== undefined)
    assert.notEqual(h.jar.value('sid'), original)
    // The renewed cookie lives until 60 s + idle; the original would have died at idle.
    h.clock.ms = T0 + 600_000
    assert.equal((await h.store.get(`sid=${original ?? ''}`)).loadError?.reason, 'expired')
    assert.equal((await h.store.get(h.jar.header)).get('user'), 'u1')
    h.clock.ms = T0 + 660_000
    assert.equal((await h.store.get(h.jar.header)).loadError?.reason, 'expired')
  })

  it('shiftExpiration re-seals early; updateExpiration sets and remembers an idle window', async () => {
    const h = harness({ idleTimeout: 600, renewAfter: 60, clockTolerance: 0 })
    await h.request((s) => {
      s.set('user', 'u1')
    })
    h.clock.ms = T0 + 10_000
    const shifted = await h.request((s) => {
      s.shiftExpiration()
    })
    assert.ok(shifted.setCookie !== undefined)
    h.clock.ms = T0 + 610_000 - 1
    assert.equal((await h.store.get(h.jar.header)).loadError, undefined)

    h.clock.ms = T0 + 20_000
    const updated = await h.request((s) => {
      s.updateExpiration(120)
    })
    assert.ok(updated.setCookie !== undefined)
    h.clock.ms = T0 + 140_000 - 1
    assert.equal((await h.store.get(h.jar.header)).loadError, undefined)
    h.clock.ms = T0 + 140_000
    assert.equal((await h.store.get(h.jar.header)).loadError?.reason, 'expired')

    // The 120 s window is remembered by later saves.
    h.clock.ms = T0 + 100_000
    await h.request((s) => {
      s.set('n', 1)
    })
    h.clock.ms = T0 + 220_000 - 1
    assert.equal((await h.store.get(h.jar.header)).get('n'), 1)
    h.clock.ms = T0 + 220_000
    assert.equal((await h.store.get(h.jar.header)).loadError?.reason, 'expired')

    const session = h.store.create()
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      assert.throws(
        () => {
          session.updateExpiration(bad)
        },
        (error: unknown) => {
          assert.ok(error instanceof SessionArgumentError)
          assert.equal(error.code, 'ERR_SESSION_ARGUMENT')
          assert.equal(error.argument, 'seconds')
          return true
        },
      )
    }
  })
})

describe('cookie store: formats', () => {
  it('signed: the payload is readable base64url JSON, and still tamper-proof', async () => {
    const h = watched({ format: 'signed' })
    assert.equal(h.store.format, 'signed')
    const session = h.store.create()
    session.set('hello', 'world')
    const token = cookieValue(expectCookie(await h.store.save(session)))
    const bytes = b64uDecode(token)
    const text = latin1(bytes)
    assert.ok(text.includes('{"v":{"hello":"world"}'), text)
    const start = text.indexOf('world')
    const edited = Uint8Array.from(bytes)
    edited.set(Buffer.from('WORLD'), start)
    await expectRejected(h, `sid=${b64uEncode(edited)}`, 'tampered')
    assert.equal((await h.store.get(`sid=${token}`)).get('hello'), 'world')
  })

  it('sealed (the default) hides the plaintext (CRY-12)', async () => {
    const h = harness()
    const session = h.store.create()
    session.set('secret', 'top-secret-value-123')
    const token = cookieValue(expectCookie(await h.store.save(session)))
    assert.ok(!token.includes('top-secret'))
    assert.ok(!latin1(b64uDecode(token)).includes('top-secret'))
    assert.ok(!latin1(b64uDecode(token)).includes('"v"'))
  })
})

describe('cookie store: configuration', () => {
  it('rejects bad timeouts, limits and cookie options at creation', () => {
    const bad: Partial<CookieStoreOptions>[] = [
      { absoluteTimeout: 0 },
      { absoluteTimeout: -1 },
      { absoluteTimeout: 1.5 },
      { absoluteTimeout: Number.NaN },
      { idleTimeout: 0 },
      { idleTimeout: Number.POSITIVE_INFINITY },
      { renewAfter: -1 },
      { renewAfter: 700, idleTimeout: 600 },
      { renewAfter: 1.5 },
      { maxLength: 127 },
      { maxLength: 4096.5 },
      { maxAge: 1.5 },
      { maxAge: Number.NaN },
      { clockTolerance: 301 },
      { purpose: 'bad purpose' },
    ]
    for (const options of bad) {
      assert.throws(
        () => createCookieStore({ name: 'sid', keys: TEST_RING, ...options }),
        isCode('ERR_SESSION_CONFIG'),
        JSON.stringify(options),
      )
    }
    for (const cookie of [
      { path: 'no-slash' },
      { domain: 'bad domain' },
      { sameSite: 'None' as const, secure: false },
    ]) {
      assert.throws(
        () => createCookieStore({ name: 'sid', keys: TEST_RING, cookie }),
        isCode('ERR_SESSION_COOKIE_OPTION'),
        JSON.stringify(cookie),
      )
    }
    // The cookie name is required and checked at creation too.
    const noName = { keys: TEST_RING } as unknown as CookieStoreOptions
    assert.throws(() => createCookieStore(noName), isCode('ERR_SESSION_CONFIG'))
    for (const name of ['', 'a b', 'a;b', 'a=b', 'é', 'a\r\nSet-Cookie: x', '(sid)']) {
      assert.throws(
        () => createCookieStore({ name, keys: TEST_RING }),
        isCode('ERR_SESSION_COOKIE_OPTION'),
        JSON.stringify(name),
      )
    }
  })
})

describe('cookie store: loaded values are immutable', () => {
  it('flashes read from a cookie are frozen, and a change attempt never reaches the next save', async () => {
    await checkLoadedFlashesAreImmutable(harness().store)
  })
})
