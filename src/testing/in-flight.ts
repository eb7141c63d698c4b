// A request that loaded a session before it was ended elsewhere (a logout in another tab,
// log-out-everywhere, an admin, expiry) and saves afterwards must not bring it back, whatever
// it changed. Each interleaving holds the late request's save before its first, second, …
// driver call, ends the session in that window, then lets the save go on.

import { SessionRegistry } from '../core/registry.ts'
import { check, refused, same, sameJson, show } from './assert.ts'
import { CookieJar, parseSetCookie } from './cookie-jar.ts'
import { IDLE, type Harness, type Suite } from './harness.ts'
import { visit, type TestSession } from './visit.ts'

interface Racer {
  readonly jar: CookieJar
  readonly id: string
  readonly user: string
}

interface Ending {
  readonly name: string
  readonly needs?: 'userIndex' | 'listing'
  end(h: Harness, racer: Racer): Promise<unknown>
}

const endings: readonly Ending[] = [
  {
    name: 'a logout request',
    end: (h, racer) =>
      visit(h.store, racer.jar.copy(), (s) => {
        s.destroy()
      }),
  },
  { name: 'destroyById', end: (h, racer) => h.store.destroyById(racer.id) },
  {
    name: 'destroyByUser',
    needs: 'userIndex',
    end: (h, racer) => h.store.destroyByUser(racer.user),
  },
  { name: 'destroyAll', needs: 'listing', end: (h) => h.store.destroyAll() },
  {
    name: 'expiry and prune',
    needs: 'listing',
    end: async (h) => {
      h.clock.advance(IDLE * 1000)
      await h.store.prune()
    },
  },
]

const lateChanges: readonly (readonly [string, (s: TestSession) => void])[] = [
  [
    'a value set',
    (s) => {
      s.set('late', true)
    },
  ],
  ['a value removed', (s) => s.delete('cart')],
  [
    'setUser',
    (s) => {
      s.setUser(s.userKey ?? 'x', { device: 'late' })
    },
  ],
  [
    'updateExpiration',
    (s) => {
      s.updateExpiration(IDLE * 2)
    },
  ],
  [
    'shiftExpiration',
    (s) => {
      s.shiftExpiration()
    },
  ],
  ['a flash read', (s) => s.flashes('_flash')],
  [
    'remember-me',
    (s) => {
      s.rememberMe(true)
    },
  ],
  [
    'regenerate',
    (s) => {
      s.regenerate()
    },
  ],
  [
    'regenerate with grace',
    (s) => {
      s.regenerate({ grace: 30 })
    },
  ],
  [
    'a login (setUser, regenerate with a new lifetime)',
    (s) => {
      s.setUser('someone-else')
      s.regenerate({ newLifetime: true })
    },
  ],
]

let racers = 0

async function racer(h: Harness): Promise<Racer> {
  const user = `racer-${++racers}`
  const jar = new CookieJar()
  const { session } = await visit(h.store, jar, (s) => {
    s.set('user', 'u1')
    s.set('cart', [1])
    s.addFlash('_flash', 'hello')
    s.setUser(user, { device: 'first' })
  })
  check(session.id !== undefined, 'the racer has an id')
  return { jar, id: session.id, user }
}

/** After the late save settled: nothing of the ended session lives anywhere. */
async function staysEnded(
  h: Harness,
  ended: Racer,
  since: number,
  setCookies: readonly string[],
  what: string,
): Promise<void> {
  same(await h.stored(ended.id), undefined, `${what}: the old record`)
  for (const key of h.probe.created.slice(since)) {
    same(await h.inner.get(key, h.clock.ms), undefined, `${what}: a record the late save made`)
  }
  if (h.inner.capabilities.userIndex) {
    sameJson(await h.store.listByUser(ended.user), [], `${what}: sessions listed for the user`)
  }
  check(
    setCookies.every((line) => parseSetCookie(line).deleted),
    `${what}: the late response sets a live cookie: ${show(setCookies)}`,
  )
  const jar = ended.jar.copy()
  jar.apply(setCookies)
  await visit(h.store, jar, (s) => {
    same(s.get('user'), undefined, `${what}: data through the cookie the client now has`)
  })
}

/** Runs one late change against every ending at every point of its save. */
async function raceEverywhere(h: Harness, change: (s: TestSession) => void): Promise<void> {
  for (const ending of endings) {
    if (ending.needs !== undefined && !h.inner.capabilities[ending.needs]) continue
    for (let step = 1; ; step++) {
      const ended = await racer(h)
      const late = new SessionRegistry(ended.jar.header)
      change(await late.get(h.store))
      const since = h.probe.created.length
      const hold = h.probe.hold(step)
      const saving = Promise.resolve(late.save())
      const reached = await Promise.race([
        hold.reached.then(() => true),
        saving.then(
          () => false,
          () => false,
        ),
      ])
      if (reached) await ending.end(h, ended)
      hold.release()
      const setCookies = await saving
      if (!reached) break
      await staysEnded(h, ended, since, setCookies, `${ending.name} before call ${step}`)
      check(step < 20, 'the late save makes a bounded number of driver calls')
    }
  }
}

/** The "requests in flight" group: late saves never bring back a session ended meanwhile. */
export function inFlightTests(suite: Suite): void {
  const { test } = suite
  // CON-02 (resurrection), for every kind of save.
  for (const [label, change] of lateChanges) {
    test(`a late save (${label}) never brings back a session ended while it ran`, (h) =>
      raceEverywhere(h, change))
  }

  // CON-02 for a session that expired while the request ran.
  test('a late save never brings back a session that expired while it ran', async (h) => {
    for (const [label, change] of lateChanges) {
      const ended = await racer(h)
      const late = new SessionRegistry(ended.jar.header)
      change(await late.get(h.store))
      h.clock.advance(IDLE * 1000)
      const since = h.probe.created.length
      const setCookies = await late.save()
      await staysEnded(h, ended, since, setCookies, label)
    }
  })

  test('saving a late request again, changed or not, never brings the session back', async (h) => {
    for (const [label, change] of lateChanges) {
      for (const ending of ['a logout', 'expiry'] as const) {
        const ended = await racer(h)
        const late = new SessionRegistry(ended.jar.header)
        const session = await late.get(h.store)
        change(session)
        if (ending === 'expiry') h.clock.advance(IDLE * 1000)
        else {
          await visit(h.store, ended.jar.copy(), (s) => {
            s.destroy()
          })
        }
        const since = h.probe.created.length
        const first = await late.save()
        const what = `${label}, after ${ending}`
        same(session.get('user'), undefined, `${what}: the request holds none of the data`)
        const again = await late.save()
        session.set('later', true)
        const third = await late.save()
        same(await h.stored(ended.id), undefined, `${what}: the old record`)
        for (const key of h.probe.created.slice(since)) {
          const record = await h.inner.get(key, h.clock.ms)
          check(
            record === undefined ||
              (record.values['user'] === undefined && record.userKey === undefined),
            `${what}: a record made by a later save holds the ended session`,
          )
        }
        if (h.inner.capabilities.userIndex) {
          sameJson(await h.store.listByUser(ended.user), [], `${what}: sessions of the user`)
        }
        const jar = ended.jar.copy()
        jar.apply([...first, ...again, ...third])
        await visit(h.store, jar, (s) => {
          same(s.get('user'), undefined, `${what}: data through the cookie the client has`)
        })
      }
    }
  })

  // The reported case: a login in flight while the user logs out.
  test('a regeneration saved after a logout elsewhere gets no session and no live cookie', async (h) => {
    const ended = await racer(h)
    const late = new SessionRegistry(ended.jar.header)
    const session = await late.get(h.store)
    await visit(h.store, ended.jar.copy(), (s) => {
      s.destroy()
    })
    session.set('role', 'admin')
    session.regenerate()
    const since = h.probe.created.length
    const setCookies = await late.save()
    same(setCookies.length, 1, 'one Set-Cookie')
    await staysEnded(h, ended, since, setCookies, 'after the logout')
  })

  test('a regeneration saved after log-out-everywhere gets no session; the list stays empty', async (h) => {
    if (!h.inner.capabilities.userIndex) {
      await refused(h.store.destroyByUser('u1'), 'destroyByUser without userIndex')
      return
    }
    for (const grace of [0, 30]) {
      const ended = await racer(h)
      const other = await racer(h)
      const late = new SessionRegistry(ended.jar.header)
      const session = await late.get(h.store)
      sameJson(
        (await h.store.destroyByUser(ended.user)).length,
        1,
        'log-out-everywhere removed the session',
      )
      session.regenerate({ grace })
      const since = h.probe.created.length
      await staysEnded(h, ended, since, await late.save(), `grace ${grace}`)
      same((await h.store.listByUser(other.user)).length, 1, "another user's session stays")
    }
  })

  // EXP-08: two requests rotating one session at once.
  test('two requests regenerating one session at once end up with one new id and both changes', async (h) => {
    for (const grace of [30, 0]) {
      for (let step = 1; ; step++) {
        const first = await racer(h)
        const a = new SessionRegistry(first.jar.header)
        const b = new SessionRegistry(first.jar.header)
        const sa = await a.get(h.store)
        const sb = await b.get(h.store)
        sa.set('a', 1)
        sa.regenerate({ grace })
        sb.set('b', 2)
        sb.regenerate({ grace })
        const since = h.probe.created.length
        const hold = h.probe.hold(step)
        const savingA = Promise.resolve(a.save())
        const reached = await Promise.race([
          hold.reached.then(() => true),
          savingA.then(() => false),
        ])
        const cookiesB = reached ? await b.save() : []
        hold.release()
        const cookiesA = await savingA
        if (!reached) break
        const what = `grace ${grace}, the other request before call ${step}`
        const alive: string[] = []
        for (const key of h.probe.created.slice(since)) {
          if ((await h.inner.get(key, h.clock.ms)) !== undefined) alive.push(key)
        }
        if (h.inner.capabilities.versions) same(alive.length, 1, `${what}: new records alive`)
        const ids = new Set<string>()
        for (const cookies of [cookiesA, cookiesB]) {
          const live = cookies.filter((line) => !parseSetCookie(line).deleted)
          if (live.length === 0) continue
          const jar = first.jar.copy()
          jar.apply(live)
          await visit(h.store, jar, (s) => {
            same(s.get('user'), 'u1', `${what}: the data through a new cookie`)
            if (s.id !== undefined) ids.add(s.id)
          })
        }
        if (h.inner.capabilities.versions) {
          check(ids.size <= 1, `${what}: the responses carry ${ids.size} different ids`)
        }
        if (grace > 0) {
          same(ids.size, 1, `${what}: with grace both requests keep the session`)
          const jar = first.jar.copy()
          jar.apply(cookiesB.length > 0 ? cookiesB : cookiesA)
          await visit(h.store, jar, (s) => {
            sameJson([s.get('a'), s.get('b')], [1, 2], `${what}: both changes`)
          })
        }
      }
    }
  })

  test('within the grace window, a logout with the old cookie ends the new session too', async (h) => {
    const { jar } = await racer(h)
    const old = jar.copy()
    const { session } = await visit(h.store, jar, (s) => {
      s.regenerate({ grace: 30 })
    })
    await visit(h.store, old, (s) => {
      same(s.get('user'), 'u1', 'the old id still works within the window')
      s.destroy()
    })
    check(session.id !== undefined, 'the new id')
    same(await h.stored(session.id), undefined, 'the new record')
    await visit(h.store, jar, (s) => {
      same(s.loadError?.reason, 'unknown-session', 'the new cookie')
    })
  })

  test('within the grace window, a logout with the new cookie ends the old id too', async (h) => {
    const { jar, id } = await racer(h)
    const old = jar.copy()
    await visit(h.store, jar, (s) => {
      s.regenerate({ grace: 30 })
    })
    await visit(h.store, jar, (s) => {
      s.destroy()
    })
    same(await h.stored(id), undefined, 'the old record')
    await visit(h.store, old, (s) => {
      same(s.loadError?.reason, 'unknown-session', 'the old cookie within the window')
    })
  })

  test('within the grace window, a request with the old cookie cannot bring back a session logged out with the new one', async (h) => {
    for (const [label, change] of lateChanges) {
      const ended = await racer(h)
      const old = ended.jar.copy()
      await visit(h.store, ended.jar, (s) => {
        s.regenerate({ grace: 30 })
      })
      const late = new SessionRegistry(old.header)
      const session = await late.get(h.store)
      same(session.get('user'), 'u1', `${label}: loaded through the old id`)
      change(session)
      await visit(h.store, ended.jar, (s) => {
        s.destroy()
      })
      const since = h.probe.created.length
      await staysEnded(h, { ...ended, jar: old }, since, await late.save(), label)
    }
  })

  test('within the grace window, destroyById of the old id ends the new session too', async (h) => {
    const { jar, id } = await racer(h)
    const { session } = await visit(h.store, jar, (s) => {
      s.regenerate({ grace: 30 })
    })
    same(await h.store.destroyById(id), true, 'destroyById of the retired id')
    await visit(h.store, jar, (s) => {
      same(s.loadError?.reason, 'unknown-session', 'the new cookie')
    })
    check(session.id !== undefined, 'the new id')
    same(await h.store.destroyById(session.id), false, 'the new record is already gone')
  })
}
