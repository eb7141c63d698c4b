// Ending sessions and finding them: destroy, emptied sessions, destroyById, destroyAll,
// per-user listing and removal, onDestroy, allowReclaim and prune.

import { SessionArgumentError } from '../errors.ts'
import type { DestroyReason, SessionHandle } from '../stores/server.ts'
import { check, refused, rejection, same, sameJson } from './assert.ts'
import { parseSetCookie } from './cookie-jar.ts'
import { IDLE, RENEW_AFTER, type Suite } from './harness.ts'
import { login, visit } from './visit.ts'

export function removalTests({ test }: Suite): void {
  // FIX-14
  test('destroy: the record is gone and the cookie deleted with the same Path and Domain', async (h) => {
    const store = h.storeWith({ cookie: { secure: false, path: '/app', domain: 'example.com' } })
    const { jar, id } = await login(store)
    const old = jar.copy()
    const { setCookies } = await visit(store, jar, (s) => {
      s.destroy()
    })
    same(setCookies.length, 1, 'Set-Cookie count')
    const cookie = parseSetCookie(setCookies[0] ?? '')
    same(cookie.deleted, true, 'a deletion cookie')
    same(cookie.attributes.get('max-age'), '0', 'Max-Age=0')
    same(cookie.attributes.get('path'), '/app', 'Path')
    same(cookie.attributes.get('domain'), 'example.com', 'Domain')
    same(await h.stored(id), undefined, 'the record')
    await visit(store, old, (s) => {
      same(s.loadError?.reason, 'unknown-session', 'a replayed cookie')
    })
  })

  test('an emptied session is removed with its cookie', async (h) => {
    const { jar, id } = await login(h.store)
    const { setCookies } = await visit(h.store, jar, (s) => {
      s.clear()
    })
    same(parseSetCookie(setCookies[0] ?? '').deleted, true, 'a deletion cookie')
    same(await h.stored(id), undefined, 'the record')
  })

  test('destroyById and destroyByHandle remove one session; bad ids and handles do no I/O', async (h) => {
    const a = await login(h.store)
    const b = await login(h.store)
    same(await h.store.destroyById(a.id), true, 'destroyById of a session')
    same(await h.store.destroyById(a.id), false, 'destroyById again')
    h.probe.resetCounts()
    same(await h.store.destroyById('../../etc/passwd'), false, 'a path-like id')
    same(h.probe.calls.delete, 0, 'driver calls for a bad id')
    const handle = await h.store.handleOf(b.id)
    check(handle !== undefined, 'the handle of an id')
    const error = await rejection(h.store.destroyById(handle), 'a handle as an id')
    check(error instanceof SessionArgumentError, 'a handle as an id: SessionArgumentError')
    same(h.probe.calls.delete, 0, 'driver calls for a handle given as an id')
    same(await h.store.destroyByHandle(handle), true, 'destroyByHandle of a session')
    same(await h.store.destroyByHandle(handle), false, 'destroyByHandle again')
    const asHandle = await rejection(h.store.destroyByHandle(a.id as SessionHandle), 'an id')
    check(asHandle instanceof SessionArgumentError, 'an id as a handle: SessionArgumentError')
    await visit(h.store, a.jar, (s) => {
      same(s.loadError?.reason, 'unknown-session', 'a')
    })
    const c = await login(h.store)
    await visit(h.store, c.jar, (s) => {
      same(s.get('user'), 'u1', 'another session stays')
    })
    await visit(h.store, b.jar, (s) => {
      same(s.loadError?.reason, 'unknown-session', 'b, destroyed by handle')
    })
  })

  test('destroyAll (listing)', async (h) => {
    if (!h.inner.capabilities.listing) {
      await refused(h.store.destroyAll(), 'destroyAll without listing')
      return
    }
    const a = await login(h.store)
    await login(h.store)
    same(await h.store.destroyAll(), 2, 'destroyed count')
    await visit(h.store, a.jar, (s) => {
      same(s.loadError?.reason, 'unknown-session', 'after destroyAll')
    })
  })

  // FIX-15
  test('destroyByUser: every session of the user but the excepted one; others untouched', async (h) => {
    if (!h.inner.capabilities.userIndex) {
      await refused(h.store.destroyByUser('alice'), 'destroyByUser without userIndex')
      return
    }
    const phone = await login(h.store, { n: 1 }, { key: 'alice' })
    const laptop = await login(h.store, { n: 2 }, { key: 'alice' })
    const tablet = await login(h.store, { n: 3 }, { key: 'alice' })
    const bob = await login(h.store, { n: 4 }, { key: 'bob' })
    const { value: removed } = await visit(h.store, laptop.jar, (s) =>
      h.store.destroyByUser('alice', { except: s }),
    )
    const handles = await Promise.all([phone.id, tablet.id].map((id) => h.store.handleOf(id)))
    sameJson([...removed].sort(), handles.sort(), 'the handles of the removed sessions')
    await visit(h.store, laptop.jar, (s) => {
      same(s.get('n'), 2, 'the current session stays')
    })
    await visit(h.store, phone.jar, (s) => {
      same(s.loadError?.reason, 'unknown-session', 'another session of the user')
    })
    await visit(h.store, bob.jar, (s) => {
      same(s.get('n'), 4, "another user's session")
    })
    sameJson(await h.store.destroyByUser('alice', { except: laptop.id }), [], 'except by id')
    const laptopHandle = await h.store.handleOf(laptop.id)
    check(laptopHandle !== undefined, 'the handle of an id')
    sameJson(await h.store.destroyByUser('alice', { except: laptopHandle }), [], 'by handle')
    sameJson(await h.store.destroyByUser('alice'), [laptopHandle], 'without except')
  })

  test('listByUser: handle, created, last seen and meta, oldest first', async (h) => {
    if (!h.inner.capabilities.userIndex) {
      await refused(h.store.listByUser('alice'), 'listByUser without userIndex')
      return
    }
    const first = await login(
      h.store,
      { n: 1 },
      { key: 'alice', meta: { device: 'Firefox on Linux' } },
    )
    h.clock.advance(5000)
    const second = await login(h.store, { n: 2 }, { key: 'alice' })
    h.clock.advance(RENEW_AFTER * 1000)
    await visit(h.store, first.jar)
    const list = await h.store.listByUser('alice')
    same(list.length, 2, 'sessions')
    same(list[0]?.handle, await h.store.handleOf(first.id), 'oldest first')
    same(list[1]?.handle, await h.store.handleOf(second.id), 'newest last')
    for (const entry of list) {
      check(!Object.hasOwn(entry, 'id'), 'no id in a listing')
      check(!JSON.stringify(entry).includes(first.id), 'no session id in a listing')
      check(!JSON.stringify(entry).includes(second.id), 'no session id in a listing')
    }
    same(list[0]?.lastSeenAt, h.clock.ms, 'last seen moves with renewal')
    same(list[1]?.createdAt, h.clock.ms - RENEW_AFTER * 1000, 'createdAt')
    sameJson(list[0]?.meta, { device: 'Firefox on Linux' }, 'meta')
    same((await h.store.listByUser('nobody')).length, 0, 'unknown user')
  })

  test('onDestroy listeners hear each removal with its reason', async (h) => {
    const heard: [string | undefined, DestroyReason][] = []
    const stop = h.store.onDestroy((id, reason) => {
      heard.push([id, reason])
    })
    h.store.onDestroy(() => {
      throw new Error('a broken listener changes nothing')
    })
    const a = await login(h.store, { n: 1 }, { key: 'carol' })
    await visit(h.store, a.jar, (s) => {
      s.destroy()
    })
    const b = await login(h.store)
    const { session: renewed } = await visit(h.store, b.jar, (s) => {
      s.regenerate()
    })
    const handle = async (id: string | undefined) => String(await h.store.handleOf(String(id)))
    const expected = [`destroy:${await handle(a.id)}`, `regenerate:${await handle(b.id)}`]
    if (h.inner.capabilities.userIndex) {
      const c = await login(h.store, { n: 1 }, { key: 'carol' })
      await h.store.destroyByUser('carol')
      expected.push(`user:${await handle(c.id)}`)
    }
    if (h.inner.capabilities.listing) {
      const d = await login(h.store)
      h.clock.advance(IDLE * 1000)
      await h.store.prune()
      expected.push(`expired:${await handle(d.id)}`, `expired:${await handle(renewed.id)}`)
      await h.store.destroyAll()
      expected.push('all:undefined')
    }
    sameJson(
      heard.map(([id, reason]) => `${reason}:${String(id)}`).sort(),
      expected.sort(),
      'events',
    )
    stop()
    const e = await login(h.store)
    await h.store.destroyById(e.id)
    same(heard.at(-1)?.[0] === (await handle(e.id)), false, 'no event after unsubscribing')
  })

  test('allowReclaim: a fresh session replaces a destroyed one in the same request', async (h) => {
    const store = h.storeWith({ allowReclaim: true })
    same(store.allowReclaim, true, 'allowReclaim flag')
    const { jar, id } = await login(store)
    const {
      setCookies,
      session,
      value: fresh,
    } = await visit(store, jar, async (s, registry) => {
      s.destroy()
      const next = await registry.get(store)
      check(next !== s, 'a new session object')
      same(next.isDestroyed, false, 'not destroyed')
      same(next.get('user'), undefined, 'no data carried over')
      next.set('user', 'u2')
      return next
    })
    check(session.isDestroyed, 'the first session is destroyed')
    same(await h.stored(id), undefined, 'the destroyed record is deleted')
    same(setCookies.length, 1, 'one Set-Cookie')
    same(parseSetCookie(setCookies[0] ?? '').deleted, false, 'the new cookie replaces the deletion')
    check(fresh.id !== undefined && fresh.id !== id, 'a new id')
    await visit(store, jar, (s) => {
      same(s.get('user'), 'u2', 'the reclaimed session')
    })
    const empty = await visit(store, jar, async (s, registry) => {
      s.destroy()
      await registry.get(store)
    })
    same(
      parseSetCookie(empty.setCookies[0] ?? '').deleted,
      true,
      'an empty reclaimed session leaves the deletion cookie',
    )
    const strict = await login(h.store)
    await visit(h.store, strict.jar, async (s, registry) => {
      s.destroy()
      same(await registry.get(h.store), s, 'without allowReclaim the destroyed session is returned')
    })
  })

  test('prune removes expired sessions (listing)', async (h) => {
    if (!h.inner.capabilities.listing) {
      await refused(h.store.prune(), 'prune without listing')
      return
    }
    await login(h.store)
    h.clock.advance(IDLE * 1000 - 1)
    const live = await login(h.store)
    h.clock.advance(1)
    same(await h.store.prune(), 1, 'pruned')
    await visit(h.store, live.jar, (s) => {
      same(s.get('user'), 'u1', 'a live session survives')
    })
  })
}
