// Overlapping requests on one session: a destroy, a regeneration or a renewal racing another
// request, many requests at once, and version conflicts.

import { SessionConflictError } from '../errors.ts'
import { SessionRegistry } from '../core/registry.ts'
import { check, onlySaveError, refusedAtSetup, rejection, same, sameJson } from './assert.ts'
import { parseSetCookie } from './cookie-jar.ts'
import { RENEW_AFTER, type Suite } from './harness.ts'
import { login, visit } from './visit.ts'

export function raceTests(suite: Suite): void {
  const { test } = suite
  // CON-02
  test('resurrection: a request that loaded a session destroyed meanwhile cannot bring it back', async (h) => {
    const { jar, id } = await login(h.store)
    const slow = new SessionRegistry(jar.header)
    const a = await slow.get(h.store)
    await visit(h.store, jar.copy(), (s) => {
      s.destroy()
    })
    a.set('late', true)
    const setCookies = await slow.save()
    same(await h.stored(id), undefined, 'the record stays deleted')
    same(setCookies.length, 1, 'Set-Cookie count')
    same(parseSetCookie(setCookies[0] ?? '').deleted, true, 'the late request deletes the cookie')
    same(h.probe.calls.create, 1, 'no create after the destroy')
  })

  // CON-04
  test('regenerate racing an old-id request: the old id stays dead, the new session keeps its data', async (h) => {
    const { jar, id } = await login(h.store)
    const slow = new SessionRegistry(jar.header)
    const a = await slow.get(h.store)
    const { session } = await visit(h.store, jar, (s) => {
      s.regenerate()
    })
    a.set('late', true)
    await slow.save()
    same(await h.stored(id), undefined, 'the old id is not recreated')
    await visit(h.store, jar, (s) => {
      same(s.id, session.id, 'the new id')
      same(s.get('user'), 'u1', 'the new session keeps its data')
    })
  })

  // CON-03
  test('touch racing a data write: the data write survives', async (h) => {
    const { jar } = await login(h.store)
    h.clock.advance(RENEW_AFTER * 1000)
    const reader = new SessionRegistry(jar.header)
    await reader.get(h.store)
    await visit(h.store, jar, (s) => {
      s.set('cart', ['book'])
    })
    await reader.save()
    await visit(h.store, jar, (s) => {
      sameJson(s.get('cart'), ['book'], 'the data written meanwhile')
    })
  })

  test(`concurrency: ${suite.concurrency} simultaneous requests setting different keys lose nothing`, async (h) => {
    const { jar } = await login(h.store)
    const header = jar.header
    const requests = Array.from({ length: suite.concurrency }, async (_, i) => {
      const registry = new SessionRegistry(header)
      const session = await registry.get(h.store)
      session.set(`k${i}`, i)
      return registry.save()
    })
    const results = await Promise.all(requests)
    same(
      results.every((cookies) => cookies.length === 0),
      true,
      'no Set-Cookie for routine saves',
    )
    await visit(h.store, jar, (s) => {
      const missing = Array.from({ length: suite.concurrency }, (_, i) => `k${i}`).filter(
        (key) => s.get(key) === undefined,
      )
      sameJson(missing, [], 'keys lost')
      same(s.get('user'), 'u1', 'the original value')
    })
  })

  test("conflicts: 'error' rejects a stale write with SessionConflictError and writes nothing", async (h) => {
    if (!h.inner.capabilities.versions) {
      refusedAtSetup(
        () => h.storeWith({ conflicts: 'error' }),
        "conflicts: 'error' must be refused without versions",
      )
      return
    }
    const store = h.storeWith({ conflicts: 'error' })
    const { jar } = await login(store, { n: 1 })
    const a = new SessionRegistry(jar.header)
    const sa = await a.get(store)
    await visit(store, jar, (s) => {
      s.set('n', 2)
    })
    sa.set('n', 3)
    const error = onlySaveError(
      await rejection(Promise.resolve(a.save()), 'stale save'),
      'stale save',
    )
    check(
      error instanceof SessionConflictError,
      `expected SessionConflictError, got ${String(error)}`,
    )
    same(a.setCookies.length, 0, 'no Set-Cookie for the failed save')
    await visit(store, jar, (s) => {
      same(s.get('n'), 2, 'the first write stands')
      s.set('n', 4)
    })
    await visit(store, jar, (s) => {
      same(s.get('n'), 4, 'fresh writes still work')
    })
  })

  test('conflicts: a resolver merges a stale write', async (h) => {
    if (!h.inner.capabilities.versions) {
      refusedAtSetup(
        () => h.storeWith({ conflicts: () => undefined }),
        'a resolver must be refused without versions',
      )
      return
    }
    const seen: unknown[] = []
    const store = h.storeWith({
      conflicts: (stored, local) => {
        seen.push({ stored: stored.values['n'], base: local.base['n'], mine: local.set['n'] })
        const delta = (local.set['n'] as number) - (local.base['n'] as number)
        return { set: { n: (stored.values['n'] as number) + delta }, unset: local.unset }
      },
    })
    const { jar } = await login(store, { n: 10 })
    const a = new SessionRegistry(jar.header)
    const sa = await a.get(store)
    await visit(store, jar, (s) => {
      s.increment('n', 5)
    })
    sa.increment('n', 1)
    await a.save()
    sameJson(seen, [{ stored: 15, base: 10, mine: 11 }], 'resolver arguments')
    await visit(store, jar, (s) => {
      same(s.get('n'), 16, 'both increments')
    })
  })
}
