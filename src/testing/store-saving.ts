// The server store's own saves: laziness, round trips, no write without a change, per-key
// patches, unknown and tampered cookies, and the size cap.

import { SessionTooLargeError, type InvalidCookieError } from '../errors.ts'
import { SessionRegistry } from '../core/registry.ts'
import { check, onlySaveError, refusedAtSetup, rejection, same, sameJson } from './assert.ts'
import { CookieJar, parseSetCookie } from './cookie-jar.ts'
import type { Suite } from './harness.ts'
import { NAME, login, visit, type TestSession } from './visit.ts'

export function savingTests({ test }: Suite): void {
  test('lazy: a new session that holds nothing writes nothing and sends no cookie', async (h) => {
    const { setCookies, session } = await visit(h.store, new CookieJar(), (s) => {
      s.get('anything')
    })
    same(setCookies.length, 0, 'Set-Cookie count')
    same(session.id, undefined, 'id of a lazy session')
    same(h.probe.writes(), 0, 'driver writes')
  })

  test(
    'eager: an empty new session is stored and gets a cookie',
    async (h) => {
      const jar = new CookieJar()
      const first = await visit(h.store, jar)
      same(first.setCookies.length, 1, 'Set-Cookie count')
      same(h.probe.calls.create, 1, 'creates')
      const id = first.session.id
      check(id !== undefined, 'an eager session has an id')
      const again = await visit(h.store, jar)
      same(again.session.id, id, 'same session on the next request')
      same(again.session.isNew, false, 'loaded, not new')
    },
    { eager: true },
  )

  test('round trip: data set in one request is there in the next; routine saves send no cookie', async (h) => {
    const jar = new CookieJar()
    const first = await visit(h.store, jar, (s) => {
      s.set('user', { id: 7, roles: ['admin'] })
      s.addFlash('_flash', 'saved')
    })
    same(first.setCookies.length, 1, 'first Set-Cookie count')
    const cookie = parseSetCookie(first.setCookies[0] ?? '')
    same(cookie.name, NAME, 'cookie name')
    same(cookie.attributes.has('httponly'), true, 'HttpOnly')
    same(cookie.attributes.get('samesite'), 'Lax', 'SameSite')
    same(cookie.attributes.get('path'), '/', 'Path')
    same(cookie.attributes.has('max-age'), false, 'a browser-session cookie has no Max-Age')
    check(
      (first.session.id !== undefined && !cookie.value.includes(first.session.id)) ||
        cookie.value.length > 43,
      'the cookie is a signed token, not the bare id',
    )
    const second = await visit(h.store, jar, (s) => {
      sameJson(s.get('user'), { id: 7, roles: ['admin'] }, 'loaded value')
      sameJson(s.flashes('_flash'), ['saved'], 'flash')
      s.set('count', 1)
    })
    same(second.setCookies.length, 0, 'a routine save sends no Set-Cookie')
    await visit(h.store, jar, (s) => {
      same(s.get('count'), 1, 'value written by the routine save')
      same(s.hasFlash(), false, 'a read flash is gone')
    })
  })

  // CON-06
  test('an unchanged session makes no driver write and sends no cookie', async (h) => {
    const { jar } = await login(h.store)
    h.probe.resetCounts()
    const { setCookies } = await visit(h.store, jar, (s) => {
      same(s.get('user'), 'u1', 'value')
    })
    same(setCookies.length, 0, 'Set-Cookie count')
    same(h.probe.writes(), 0, 'driver writes')
    same(h.probe.calls.get, 1, 'driver reads')
  })

  // CON-01
  test('per-key patches: overlapping requests changing different keys both survive', async (h) => {
    const { jar } = await login(h.store, { cart: [], theme: 'light' })
    const a = new SessionRegistry(jar.header)
    const b = new SessionRegistry(jar.header)
    const sa = await a.get(h.store)
    const sb = await b.get(h.store)
    sa.set('cart', ['book'])
    sb.set('theme', 'dark')
    sb.delete('missing-key')
    await a.save()
    await b.save()
    await visit(h.store, jar, (s) => {
      sameJson(s.get('cart'), ['book'], 'cart from request A')
      same(s.get('theme'), 'dark', 'theme from request B')
    })
  })

  test('ids at rest: the driver is given storage keys, and no record holds a session id', async (h) => {
    const a = await login(h.store, { n: 1 }, { key: 'alice' })
    const { session } = await visit(h.store, a.jar, (s) => {
      s.regenerate({ grace: 30 })
    })
    check(session.id !== undefined, 'the new id')
    const ids = [a.id, session.id]
    const keys = h.probe.created
    same(keys.length, 2, 'records created')
    for (const key of keys) {
      check(!ids.includes(key), 'a driver key is never a session id')
      const record = await h.inner.get(key, h.clock.ms)
      check(record !== undefined, 'both records are alive (grace window)')
      const stored = JSON.stringify(record)
      for (const id of ids) check(!stored.includes(id), 'no session id in a record')
    }
    const listed = h.inner.capabilities.userIndex ? await h.store.listByUser('alice') : []
    for (const id of ids) check(!JSON.stringify(listed).includes(id), 'no id listed')
    await visit(h.store, a.jar, (s) => {
      same(s.get('n'), 1, 'the new cookie still loads the session')
    })
  })

  // FIX-06, FIX-07
  test('an unknown id is never adopted; a fresh id is issued and reported', async (h) => {
    const reported: InvalidCookieError[] = []
    const store = h.storeWith({ onInvalidCookie: (error) => reported.push(error) })
    const { jar, id } = await login(store)
    await store.destroyById(id)
    const { session, setCookies } = await visit(store, jar, (s) => {
      same(s.loadError?.reason, 'unknown-session', 'loadError reason')
      same(s.isNew, true, 'a fresh session')
      same(s.get('user'), undefined, 'no data')
      s.set('user', 'u2')
    })
    same(reported.length, 1, 'onInvalidCookie calls')
    same(reported[0]?.reason, 'unknown-session', 'reported reason')
    check(session.id !== undefined && session.id !== id, 'a new id, never the presented one')
    same(await h.stored(id), undefined, 'the presented id is not stored')
    same(setCookies.length, 1, 'the new cookie')
  })

  test('a tampered cookie gives a fresh session without any driver call', async (h) => {
    const { jar } = await login(h.store)
    const header = jar.header ?? ''
    const last = header.at(-1) === 'A' ? 'B' : 'A'
    const forged = new CookieJar()
    forged.apply([`${header.slice(0, -1)}${last}`])
    h.probe.resetCounts()
    const { session, setCookies } = await visit(h.store, forged)
    check(session.loadError !== undefined, 'a loadError')
    check(
      session.loadError.reason === 'tampered' || session.loadError.reason === 'malformed',
      `reason ${session.loadError.reason}`,
    )
    same(h.probe.calls.get, 0, 'driver reads')
    same(setCookies.length, 1, 'the bad cookie is deleted')
    same(parseSetCookie(setCookies[0] ?? '').deleted, true, 'a deletion cookie')
  })

  // STO-16: one size cap in front of every driver.
  test('a session over maxSessionBytes is refused at save with SessionTooLargeError; nothing is written', async (h) => {
    const limit = 4096
    const store = h.storeWith({ maxSessionBytes: limit })
    const tooLarge = async (registry: SessionRegistry, what: string): Promise<void> => {
      h.probe.resetCounts()
      const error = onlySaveError(await rejection(Promise.resolve(registry.save()), what), what)
      check(
        error instanceof SessionTooLargeError,
        `${what}: expected SessionTooLargeError, got ${String(error)}`,
      )
      same(error.code, 'ERR_SESSION_TOO_LARGE', `${what}: code`)
      same(error.limit, limit, `${what}: limit`)
      check(error.size > limit, `${what}: size ${error.size}`)
      same(h.probe.writes(), 0, `${what}: driver writes`)
      same(registry.setCookies.length, 0, `${what}: Set-Cookie`)
    }
    const fresh = new SessionRegistry(undefined)
    ;(await fresh.get(store)).set('blob', 'x'.repeat(limit))
    await tooLarge(fresh, 'a new session')
    // Bytes, not characters: 2100 two-byte characters are over 4096 bytes.
    const wide = new SessionRegistry(undefined)
    ;(await wide.get(store)).set('blob', 'é'.repeat(2100))
    await tooLarge(wide, 'non-ASCII text')
    const { jar } = await login(store, { user: 'u1', blob: 'x'.repeat(3000) })
    for (const [label, change] of [
      [
        'a value that grows',
        (s: TestSession) => {
          s.set('more', 'y'.repeat(1200))
        },
      ],
      [
        'a flash',
        (s: TestSession) => {
          s.addFlash('_flash', 'z'.repeat(1200))
        },
      ],
      [
        'a regeneration',
        (s: TestSession) => {
          s.set('more', 'y'.repeat(1200))
          s.regenerate()
        },
      ],
    ] as const) {
      const registry = new SessionRegistry(jar.header)
      change(await registry.get(store))
      await tooLarge(registry, label)
    }
    await visit(store, jar, (s) => {
      same(s.get('more'), undefined, 'nothing of the refused saves was stored')
      same(s.get('blob'), 'x'.repeat(3000), 'the session is intact')
      s.set('small', 1)
    })
    await visit(store, jar, (s) => {
      same(s.get('small'), 1, 'saves within the limit go on working')
    })
    // A session stored before the limit was lowered can be read and can shrink.
    const big = await login(h.store, { user: 'u1', blob: 'x'.repeat(8000) })
    await visit(store, big.jar, (s) => {
      same(s.get('user'), 'u1', 'read through the lower limit')
      s.set('blob', 'x'.repeat(6000))
    })
    const grow = new SessionRegistry(big.jar.header)
    ;(await grow.get(store)).set('blob', 'x'.repeat(7000))
    await tooLarge(grow, 'an oversized session that grows')
    // The default limit is 64 KiB.
    const huge = new SessionRegistry(undefined)
    ;(await huge.get(h.store)).set('blob', 'x'.repeat(65_536))
    const error = onlySaveError(await rejection(Promise.resolve(huge.save()), 'default'), 'default')
    check(error instanceof SessionTooLargeError && error.limit === 65_536, 'the default limit')
    refusedAtSetup(() => h.storeWith({ maxSessionBytes: 100 }), 'a limit below 1 KiB')
  })
}
