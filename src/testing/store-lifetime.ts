// How long a session lives: the idle and absolute timeouts, renewal, per-session expiry,
// regeneration (with grace, with a new lifetime) and remember-me cookies.

import { check, same, sameJson } from './assert.ts'
import { CookieJar, parseSetCookie } from './cookie-jar.ts'
import { ABSOLUTE, IDLE, RENEW_AFTER, type Suite } from './harness.ts'
import { login, visit } from './visit.ts'

export function lifetimeTests({ test }: Suite): void {
  // EXP-01
  test('idle timeout: active at idle − 1 ms, gone at idle', async (h) => {
    const early = await login(h.store)
    const late = await login(h.store)
    h.clock.advance(IDLE * 1000 - 1)
    await visit(h.store, early.jar, (s) => {
      same(s.get('user'), 'u1', 'active at idle - 1 ms')
    })
    h.clock.advance(1)
    await visit(h.store, late.jar, (s) => {
      same(s.loadError?.reason, 'unknown-session', 'gone at idle')
    })
  })

  // EXP-02
  test('absolute timeout: rolling activity never extends it', async (h) => {
    const start = h.clock.ms
    const { jar, id } = await login(h.store)
    const end = start + ABSOLUTE * 1000
    while (h.clock.ms + 30 * 60_000 < end) {
      h.clock.advance(30 * 60_000)
      await visit(h.store, jar, (s) => {
        same(s.get('user'), 'u1', 'active while rolling')
        s.set('tick', h.clock.ms)
      })
      const stored = await h.stored(id)
      check(
        stored !== undefined && stored.expiresAt <= end,
        'expiresAt never passes createdAt + absolute',
      )
    }
    h.clock.set(end - 1)
    await visit(h.store, jar, (s) => {
      same(s.get('user'), 'u1', 'active 1 ms before the absolute end')
    })
    h.clock.set(end)
    await visit(h.store, jar, (s) => {
      same(s.loadError?.reason, 'unknown-session', 'gone at the absolute end')
    })
  })

  // CON-03
  test('renewal: a read-only request writes nothing before renewAfter, only touches after', async (h) => {
    const { jar, id } = await login(h.store)
    h.probe.resetCounts()
    h.clock.advance(RENEW_AFTER * 1000 - 1)
    await visit(h.store, jar)
    same(h.probe.writes(), 0, 'writes before renewAfter')
    h.clock.advance(1)
    const { setCookies } = await visit(h.store, jar)
    same(h.probe.calls.touch, 1, 'touches after renewAfter')
    same(h.probe.calls.update, 0, 'data writes after renewAfter')
    same(setCookies.length, 0, 'no Set-Cookie for a renewal')
    const stored = await h.stored(id)
    same(stored?.lastSeenAt, h.clock.ms, 'lastSeenAt moved')
    same(stored?.expiresAt, h.clock.ms + IDLE * 1000, 'idle expiry moved')
    same(stored?.version, 1, 'version unchanged by touch')
  })

  test('shiftExpiration touches; updateExpiration sets the idle window for later requests', async (h) => {
    const { jar, id } = await login(h.store)
    h.probe.resetCounts()
    h.clock.advance(1000)
    await visit(h.store, jar, (s) => {
      s.shiftExpiration()
    })
    same(h.probe.calls.touch, 1, 'shiftExpiration touches')
    same((await h.stored(id))?.expiresAt, h.clock.ms + IDLE * 1000, 'expiry shifted')
    await visit(h.store, jar, (s) => {
      s.updateExpiration(120)
    })
    same((await h.stored(id))?.expiresAt, h.clock.ms + 120_000, 'new idle window')
    h.clock.advance(100_000)
    await visit(h.store, jar, (s) => {
      same(s.get('user'), 'u1', 'alive within the new window')
      same(s.keys().length, 1, 'settings never show up as values')
    })
    same(
      (await h.stored(id))?.expiresAt,
      h.clock.ms + 120_000,
      'renewal keeps the per-session window',
    )
    h.clock.advance(120_000)
    await visit(h.store, jar, (s) => {
      same(s.loadError?.reason, 'unknown-session', 'gone after the per-session window')
    })
  })

  // FIX-08
  test('regenerate: a new id with the data; the old cookie loads nothing; one Set-Cookie', async (h) => {
    const { jar, id } = await login(h.store, { user: 'u1', cart: [1] })
    const old = jar.copy()
    const { session, setCookies } = await visit(h.store, jar, (s) => {
      s.set('role', 'admin')
      s.regenerate()
    })
    same(setCookies.length, 1, 'exactly one Set-Cookie')
    check(session.id !== undefined && session.id !== id, 'a new id')
    same(await h.stored(id), undefined, 'the old record is gone')
    await visit(h.store, jar, (s) => {
      same(s.get('user'), 'u1', 'data kept')
      sameJson(s.get('cart'), [1], 'data kept')
      same(s.get('role'), 'admin', 'the change made with the regeneration')
    })
    await visit(h.store, old, (s) => {
      same(s.loadError?.reason, 'unknown-session', 'the old cookie')
      same(s.get('user'), undefined, 'no data through the old cookie')
    })
  })

  // EXP-02, EXP-08: periodic rotation never extends the absolute lifetime.
  test('regenerate keeps the absolute deadline: rotating the id never extends a session', async (h) => {
    const { jar } = await login(h.store, { cart: [1] })
    const end = h.clock.ms + ABSOLUTE * 1000
    // Active, and rotated with a grace window every half idle period, as a renewal timeout
    // would: only the absolute limit can end it.
    let rotations = 0
    while (h.clock.ms + (IDLE / 2) * 1000 < end) {
      h.clock.advance((IDLE / 2) * 1000)
      const { session, setCookies } = await visit(h.store, jar, (s) => {
        same(s.get('cart') !== undefined, true, 'alive while rotating')
        s.regenerate({ grace: 10 })
      })
      same(setCookies.length, 1, 'a new cookie at each rotation')
      same(session.createdAt, end - ABSOLUTE * 1000, 'the creation time carries over')
      rotations++
    }
    check(rotations > 40, `rotated ${rotations} times`)
    h.clock.set(end - 1)
    await visit(h.store, jar, (s) => {
      same(s.loadError, undefined, 'alive 1 ms before the original absolute end')
    })
    h.clock.set(end)
    await visit(h.store, jar, (s) => {
      same(s.loadError?.reason, 'unknown-session', 'gone at the original absolute end')
    })
  })

  test('regenerate({ newLifetime: true }) starts a new absolute lifetime (a login)', async (h) => {
    const { jar } = await login(h.store, { cart: [1] })
    const born = h.clock.ms
    // Stay active so only the absolute limit could end the session.
    for (let t = 0; t < ABSOLUTE / 2; t += IDLE / 2) {
      h.clock.advance((IDLE / 2) * 1000)
      await visit(h.store, jar, (s) => {
        s.set('tick', t)
      })
    }
    const { session } = await visit(h.store, jar, (s) => {
      s.regenerate({ newLifetime: true })
    })
    same(session.createdAt, h.clock.ms, 'created at the regeneration')
    for (let t = 0; t < ABSOLUTE * 0.75; t += IDLE / 2) {
      h.clock.advance((IDLE / 2) * 1000)
      await visit(h.store, jar, (s) => {
        same(s.loadError, undefined, 'still alive after the first lifetime would have ended')
      })
    }
    check(h.clock.ms > born + ABSOLUTE * 1000, 'past the original absolute end')
  })

  test('regenerate with grace: the old id works until the window ends, never longer', async (h) => {
    const { jar, id } = await login(h.store)
    const old = jar.copy()
    h.clock.advance(RENEW_AFTER * 1000)
    await visit(h.store, jar, (s) => {
      s.regenerate({ grace: 10 })
    })
    check((await h.stored(id)) !== undefined, 'the old record lives on')
    h.clock.advance(9_999)
    await visit(h.store, old, (s) => {
      same(s.get('user'), 'u1', 'the old id within the grace window')
      s.shiftExpiration()
    })
    h.clock.advance(1)
    await visit(h.store, old, (s) => {
      same(s.loadError?.reason, 'unknown-session', 'the old id after the grace window')
    })
    await visit(h.store, jar, (s) => {
      same(s.get('user'), 'u1', 'the new id')
    })
  })

  test('remember-me: a persistent cookie, capped at the absolute lifetime, kept across regenerate', async (h) => {
    const jar = new CookieJar()
    const first = await visit(h.store, jar, (s) => {
      s.set('user', 'u1')
      s.rememberMe(true)
    })
    const cookie = parseSetCookie(first.setCookies[0] ?? '')
    same(
      cookie.attributes.get('max-age'),
      String(ABSOLUTE),
      'Max-Age capped at the absolute lifetime',
    )
    h.clock.advance(1_800_000)
    const rotated = await visit(h.store, jar, (s) => {
      s.regenerate()
    })
    same(
      parseSetCookie(rotated.setCookies[0] ?? '').attributes.get('max-age'),
      String(ABSOLUTE - 1800),
      'a rotation keeps the absolute deadline',
    )
    const regenerated = await visit(h.store, jar, (s) => {
      s.regenerate({ newLifetime: true })
    })
    same(
      parseSetCookie(regenerated.setCookies[0] ?? '').attributes.get('max-age'),
      String(ABSOLUTE),
      'a full lifetime again with newLifetime',
    )
    const forget = await visit(h.store, jar, (s) => {
      s.rememberMe(false)
    })
    same(forget.setCookies.length, 1, 'the cookie changes with the persistence')
    same(
      parseSetCookie(forget.setCookies[0] ?? '').attributes.has('max-age'),
      false,
      'a browser-session cookie again',
    )
    const routine = await visit(h.store, jar, (s) => {
      s.set('x', 1)
    })
    same(routine.setCookies.length, 0, 'no cookie for a routine save')
  })
}
