// Several values under one session cookie's name: a comma never smuggles one in, planted
// duplicates neither hide nor delete the real cookie, the newest authentic cookie wins, and a
// rejection deletes a cookie only when the request showed every value it has. Over real
// node:http (and the Fetch adapter) for the cookie store on both backends and the server store.
import assert from 'node:assert/strict'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { describe, it } from 'node:test'
import fc from 'fast-check'

import { withSessions as withFetchSessions } from '../src/fetch.ts'
import { createCookieStore, type SessionData, type SessionStore } from '../src/index.ts'
import { createNodeCryptoBackend } from '../src/lib/crypto/node.ts'
import type { CryptoBackend } from '../src/lib/crypto/backend.ts'
import { withSessions } from '../src/node.ts'
import { createGorillaCookieStore } from '../src/interop/gorilla-store.ts'
import { createMemoryDriver } from '../src/drivers/memory.ts'
import { createServerStore } from '../src/stores/server.ts'
import {
  cookiePair,
  keys,
  rawHeaders,
  rawRequest,
  setCookiesNamed,
  useServers,
  type TestServer,
} from './support/adapter-harness.ts'
import { manualClock, type ManualClock } from './support/clock.ts'
import { cookieAttributes, cookieValue } from './support/cookies.ts'
import { switchable, type Switchable } from './support/server-drivers.ts'

interface AppData extends SessionData {
  user: string
}

interface Kind {
  readonly title: string
  make(clock: ManualClock, name: string): { store: SessionStore<AppData>; probe?: Switchable }
}

const KINDS: readonly Kind[] = [
  {
    title: 'cookie store, node:crypto',
    make: (clock, name) => ({
      store: createCookieStore<AppData>({ name, keys, crypto: 'node', now: clock.now }),
    }),
  },
  {
    title: 'cookie store, Web Crypto',
    make: (clock, name) => ({
      store: createCookieStore<AppData>({ name, keys, crypto: 'web', now: clock.now }),
    }),
  },
  {
    title: 'server store, memory driver',
    make: (clock, name) => {
      const probe = switchable(createMemoryDriver({ sweepInterval: 0, now: clock.now }))
      return {
        store: createServerStore<AppData>({ name, driver: probe.driver, keys, now: clock.now }),
        probe,
      }
    },
  },
]

/** `/login?user=x` regenerates and logs in, `/logout` destroys; every path answers the user. */
function app(store: SessionStore<AppData>) {
  return withSessions(async (req: IncomingMessage, res: ServerResponse, sessions) => {
    const session = await sessions.get(store)
    const url = new URL(req.url ?? '/', 'http://app.test')
    if (url.pathname === '/login') {
      session.regenerate()
      session.set('user', url.searchParams.get('user') ?? '')
    } else if (url.pathname === '/logout') {
      session.destroy()
      res.end('bye')
      return
    }
    res.end(session.get('user') ?? 'anonymous')
  })
}

interface Reply {
  readonly body: string
  readonly setCookies: readonly string[]
}

async function send(server: TestServer, path: string, cookie?: string): Promise<Reply> {
  const headers = new Headers()
  if (cookie !== undefined) headers.set('cookie', cookie)
  const response = await fetch(`${server.url}${path}`, { headers })
  return { body: await response.text(), setCookies: response.headers.getSetCookie() }
}

/** Logs `user` in from a cookie-less request; returns the `name=value` the browser keeps. */
async function login(server: TestServer, name: string, user: string): Promise<string> {
  const { setCookies } = await send(server, `/login?user=${user}`)
  const [setCookie] = setCookiesNamed(setCookies, name)
  assert.ok(setCookie !== undefined, `no ${name} cookie for ${user}`)
  return cookiePair(setCookie)
}

/**
 * `pair` with the character at `index` changed: the token keeps its layout, key id and
 * base64url form, so only the crypto can reject it.
 */
function flipAt(pair: string, index: number): string {
  const at = pair.indexOf('=') + 1 + index
  return pair.slice(0, at) + (pair[at] === 'A' ? 'B' : 'A') + pair.slice(at + 1)
}

function isDeletion(setCookie: string): boolean {
  return cookieValue(setCookie) === '' && cookieAttributes(setCookie).get('max-age') === '0'
}

for (const kind of KINDS) {
  describe(`several cookies of one name over node:http: ${kind.title}`, () => {
    const serve = useServers()

    async function start(name: string, options: { maxHeaderSize?: number } = {}) {
      const clock = manualClock(Date.now())
      const { store, probe } = kind.make(clock, name)
      const server = await serve(app(store), options)
      return { clock, probe, server }
    }

    it('a foreign cookie with "__Host-sid=" after a comma is one cookie: the victim stays logged in (PAR-05)', async () => {
      const { clock, server } = await start('__Host-sid')
      const victim = await login(server, '__Host-sid', 'alice')
      clock.advanceSeconds(60)
      // Newer than the victim's: were it read as a candidate, it would win.
      const attacker = cookieValue(await login(server, '__Host-sid', 'mallory'))
      // What Chromium sends back for `Set-Cookie: pref=dark,__Host-sid=<token>` set over HTTP.
      const smuggled = `pref=dark,__Host-sid=${attacker}`
      for (const header of [`${smuggled}; ${victim}`, `${victim}; ${smuggled}`]) {
        const reply = await send(server, '/', header)
        assert.equal(reply.body, 'alice', header.slice(0, 40))
        assert.deepEqual(reply.setCookies, [])
      }
    })

    it('four or more junk values smuggled after commas neither log out nor delete the cookie', async () => {
      const { server } = await start('__Host-sid')
      const victim = await login(server, '__Host-sid', 'alice')
      for (const count of [4, 50]) {
        const junk = Array.from({ length: count }, (_, i) => `__Host-sid=junk${i}`).join(',')
        const reply = await send(server, '/', `pref=dark,${junk}; ${victim}`)
        assert.equal(reply.body, 'alice')
        assert.deepEqual(reply.setCookies, [], 'the real __Host-sid cookie is kept')
      }
    })

    it('4 and 50 planted duplicates before the real cookie: still logged in, nothing deleted', async () => {
      const { server } = await start('sid')
      const victim = await login(server, 'sid', 'alice')
      const other = await login(server, 'sid', 'bob')
      for (const count of [4, 50]) {
        const planted = Array.from({ length: count }, (_, i) =>
          // Plain junk, and tampered tokens that pass every check before the crypto.
          i % 2 === 0 ? `sid=junk${i}` : flipAt(other, 30 + i),
        )
        const reply = await send(server, '/', `${planted.join('; ')}; ${victim}`)
        assert.equal(reply.body, 'alice', `${count} planted`)
        assert.deepEqual(reply.setCookies, [])
      }
    })

    it("an attacker's valid cookie beside the victim's: the newest wins, so a login always takes effect", async () => {
      const { clock, server } = await start('sid')
      const attacker = await login(server, 'sid', 'mallory')
      clock.advanceSeconds(60)
      const victim = await login(server, 'sid', 'alice')
      for (const header of [`${attacker}; ${victim}`, `${victim}; ${attacker}`]) {
        assert.equal((await send(server, '/', header)).body, 'alice')
      }
      // A cookie planted after the victim's last login wins until the victim logs in again:
      // what a sibling subdomain can do to a name without the __Host- prefix (docs/cookies.md).
      clock.advanceSeconds(60)
      const later = await login(server, 'sid', 'mallory')
      assert.equal((await send(server, '/', `${later}; ${victim}`)).body, 'mallory')
      clock.advanceSeconds(60)
      const relogin = await send(server, '/login?user=alice', `${later}; ${victim}`)
      const [renewed] = setCookiesNamed(relogin.setCookies, 'sid')
      assert.ok(renewed !== undefined)
      assert.equal((await send(server, '/', `${later}; ${cookiePair(renewed)}`)).body, 'alice')
    })

    it('several Cookie header lines, with a comma-smuggled pair in one of them (PAR-06)', async () => {
      const { clock, server } = await start('__Host-sid')
      const victim = await login(server, '__Host-sid', 'alice')
      clock.advanceSeconds(60)
      const attacker = cookieValue(await login(server, '__Host-sid', 'mallory'))
      const reply = await rawRequest(server.port, [
        'GET / HTTP/1.1',
        `Cookie: pref=dark,__Host-sid=${attacker}`,
        `Cookie: ${victim}`,
        'Cookie: theme=light',
      ])
      assert.equal(reply.status, 200)
      assert.equal(reply.body, 'alice')
      assert.deepEqual(rawHeaders(reply, 'set-cookie'), [])
    })

    it('a rejection deletes the cookie when every value was seen and failed, once (PAR-12)', async () => {
      const { server } = await start('sid')
      const reply = await send(server, '/', 'sid=junk1; a=1; sid=junk2')
      assert.equal(reply.body, 'anonymous')
      const deletions = setCookiesNamed(reply.setCookies, 'sid')
      assert.equal(deletions.length, 1)
      assert.ok(deletions.every(isDeletion))
    })

    it('no deletion when the parser bound hides the rest of the header (DOS-01)', async () => {
      const { server } = await start('sid', { maxHeaderSize: 1 << 20 })
      const victim = await login(server, 'sid', 'alice')
      // 1200 pairs: the real cookie lies beyond the 1000 pairs the parser reads.
      const filler = Array.from({ length: 1200 }, (_, i) => `f${i}=1`).join('; ')
      const reply = await send(server, '/', `sid=junk; ${filler}; ${victim}`)
      assert.equal(reply.body, 'anonymous')
      assert.deepEqual(reply.setCookies, [], 'a cookie the request did not show is kept')
      // Found when it comes first, as before.
      assert.equal((await send(server, '/', `${victim}; ${filler}`)).body, 'alice')
    })

    it('no deletion for a value holding a comma (two lines joined with ", ")', async () => {
      const { server } = await start('sid')
      const victim = await login(server, 'sid', 'alice')
      const reply = await send(server, '/', `${victim}, theme=light`)
      assert.equal(reply.body, 'anonymous')
      assert.deepEqual(reply.setCookies, [])
    })

    if (kind.title.startsWith('server')) {
      it('only authentic tokens reach the driver, and at most four ids are looked up', async () => {
        const { clock, probe, server } = await start('sid')
        assert.ok(probe !== undefined)
        const victim = await login(server, 'sid', 'alice')
        const gets = async (header: string): Promise<[string, number, number]> => {
          const before = probe.calls.get('get') ?? 0
          const reply = await send(server, '/', header)
          const deleted = setCookiesNamed(reply.setCookies, 'sid').filter(isDeletion).length
          return [reply.body, (probe.calls.get('get') ?? 0) - before, deleted]
        }
        const junk = Array.from({ length: 50 }, (_, i) => `sid=junk${i}`).join('; ')
        assert.deepEqual(await gets(`${junk}; ${victim}`), ['alice', 1, 0])
        // Sessions the attacker opened after the victim's login and ended: authentic, dead.
        const dead: string[] = []
        for (let i = 0; i < 6; i++) {
          clock.advanceSeconds(1)
          const cookie = await login(server, 'sid', `m${i}`)
          await send(server, '/logout', cookie)
          dead.push(cookie)
        }
        assert.deepEqual(await gets(`${dead.slice(0, 3).join('; ')}; ${victim}`), ['alice', 4, 0])
        // More than four newer dead ids: the victim's is not looked up, so not deleted either.
        assert.deepEqual(await gets(`${dead.join('; ')}; ${victim}`), ['anonymous', 4, 0])
        // Every id looked up and gone: the cookie is provably dead and is cleared.
        assert.deepEqual(await gets(dead.slice(0, 2).join('; ')), ['anonymous', 2, 1])
      })
    }
  })
}

describe('several cookies of one name through the Fetch adapter', () => {
  const clock = manualClock(Date.now())
  const store = createServerStore<AppData>({
    name: 'sid',
    driver: createMemoryDriver({ sweepInterval: 0, now: clock.now }),
    keys,
    now: clock.now,
  })
  const handler = withFetchSessions(async (request, sessions) => {
    const session = await sessions.get(store)
    if (new URL(request.url).pathname === '/login') {
      session.regenerate()
      session.set('user', new URL(request.url).searchParams.get('user') ?? '')
    }
    return new Response(session.get('user') ?? 'anonymous')
  })
  const loginPair = async (user: string): Promise<string> => {
    const response = await handler(new Request(`http://app.test/login?user=${user}`))
    const [setCookie] = response.headers.getSetCookie()
    assert.ok(setCookie !== undefined)
    return cookiePair(setCookie)
  }

  it('several Cookie entries, one smuggling a pair after a comma (PAR-05, PAR-06)', async () => {
    const victim = await loginPair('alice')
    clock.advanceSeconds(60)
    const attacker = cookieValue(await loginPair('mallory'))
    const headers = new Headers([
      ['cookie', `pref=dark,sid=${attacker}`],
      ['cookie', victim],
    ])
    const response = await handler(new Request('http://app.test/', { headers }))
    assert.equal(await response.text(), 'alice')
    assert.deepEqual(response.headers.getSetCookie(), [])
  })
})

describe('several cookies of one name: the gorilla store', () => {
  const HASH_KEY = 'gorilla-hash-key-for-candidates!'
  let now = Date.UTC(2025, 0, 1)
  const store = createGorillaCookieStore({
    name: 'session-name',
    keyPairs: [HASH_KEY],
    now: () => now,
    crypto: 'node',
  })
  const NAME = 'session-name'
  const issue = async (user: string): Promise<string> => {
    const session = store.create()
    session.set('user', user)
    const header = await store.save(session)
    assert.ok(header !== undefined)
    return cookieValue(header)
  }

  it('50 junk duplicates before the real cookie: loaded, nothing deleted', async () => {
    const real = await issue('alice')
    const junk = Array.from({ length: 50 }, (_, i) => `${NAME}=junk${i}`).join('; ')
    const session = await store.get(`${junk}; ${NAME}=${real}`)
    assert.equal(session.get('user'), 'alice')
    assert.equal(await store.save(session), undefined)
  })

  it('two valid cookies: the newest timestamp wins, whatever the order', async () => {
    const older = await issue('mallory')
    now += 5000
    const newer = await issue('alice')
    for (const header of [
      `${NAME}=${older}; ${NAME}=${newer}`,
      `${NAME}=${newer}; ${NAME}=${older}`,
    ]) {
      assert.equal((await store.get(header)).get('user'), 'alice')
    }
  })

  it('a comma-smuggled value is no candidate; a hidden rest of the header deletes nothing', async () => {
    const real = await issue('alice')
    const smuggled = await store.get(`pref=x,${NAME}=junk; ${NAME}=${real}`)
    assert.equal(smuggled.get('user'), 'alice')
    const filler = Array.from({ length: 1200 }, (_, i) => `f${i}=1`).join('; ')
    const hidden = await store.get(`${NAME}=junk; ${filler}; ${NAME}=${real}`)
    assert.equal(hidden.loadError?.reason, 'tampered')
    assert.equal(await store.save(hidden), undefined)
    const shown = await store.get(`${NAME}=junk`)
    const deletion = await store.save(shown)
    assert.ok(deletion !== undefined && isDeletion(deletion))
  })
})

describe('property: planted values of any shape never log the user out', () => {
  const anyButSemicolon = fc
    .integer({ min: 0, max: 0xffff })
    .filter((c) => c !== 0x3b)
    .map((c) => String.fromCharCode(c))

  for (const kind of KINDS) {
    it(kind.title, async () => {
      const clock = manualClock(Date.now())
      const { store } = kind.make(clock, 'sid')
      const issue = async (user: string): Promise<string> => {
        const session = store.create()
        session.set('user', user)
        const header = await store.save(session)
        assert.ok(header !== undefined)
        return cookieValue(header)
      }
      // Valid cookies of other users, all older than the victim's.
      const others = [await issue('mallory'), await issue('bob')]
      clock.advanceSeconds(60)
      const real = await issue('alice')
      const planted = fc.oneof(
        fc.string({ unit: anyButSemicolon, maxLength: 40 }),
        fc.constantFrom(...others),
        fc
          .tuple(fc.constantFrom(real, ...others), fc.nat())
          .map(([token, at]) => cookieValue(flipAt(`sid=${token}`, at % token.length))),
      )
      await fc.assert(
        fc.asyncProperty(fc.array(planted, { maxLength: 30 }), fc.nat(), async (junk, at) => {
          const values = [...junk]
          values.splice(at % (junk.length + 1), 0, real)
          const session = await store.get(values.map((v) => `sid=${v}`).join('; '))
          assert.equal(session.get('user'), 'alice')
          assert.equal(session.loadError, undefined)
          assert.equal(await store.save(session), undefined, 'no cookie is written or deleted')
        }),
        { numRuns: 150 },
      )
    })
  }
})

/** node:crypto, counting AES-GCM opens: the work that needs a key. */
function countingBackend(): { backend: CryptoBackend; opens: () => number } {
  const inner = createNodeCryptoBackend()
  assert.ok(inner !== undefined)
  let opens = 0
  const backend: CryptoBackend = {
    ...inner,
    aeadKey(raw) {
      const key = inner.aeadKey(raw)
      assert.ok(!(key instanceof Promise), 'node:crypto imports synchronously')
      return {
        seal: (...args) => key.seal(...args),
        open(...args) {
          opens++
          return key.open(...args)
        },
      }
    },
  }
  return { backend, opens: () => opens }
}

describe('work per request stays linear in the Cookie header (DOS-02, DOS-03)', () => {
  it('values rejected without a key cost no crypto; the others one open each', async () => {
    const { backend, opens } = countingBackend()
    const store = createCookieStore<AppData>({ name: 'sid', keys, crypto: backend })
    const issued: string[] = []
    for (let i = 0; i < 40; i++) {
      const session = store.create()
      session.set('user', `u${i}`)
      const header = await store.save(session)
      assert.ok(header !== undefined)
      issued.push(cookieValue(header))
    }
    const real = issued[0] ?? ''
    // Too long, not base64url, a wrong layout byte, an unknown key id: no key is needed.
    const cheap = [
      'A'.repeat(5000),
      'not base64!',
      `B${real.slice(1)}`,
      'AQNrOTk'.padEnd(real.length, 'A'),
    ]
    const before = opens()
    const cheapOnly = await store.get(cheap.map((v) => `sid=${v}`).join('; '))
    assert.ok(cheapOnly.loadError !== undefined)
    assert.equal(opens() - before, 0)

    // Tampered tokens pass every cheap check: one open each, so twice the values cost twice.
    const openedFor = async (count: number): Promise<number> => {
      const start = opens()
      const forged = issued.slice(0, count).map((token) => flipAt(`sid=${token}`, 40))
      const session = await store.get(`${forged.join('; ')}; sid=${real}`)
      assert.equal(session.get('user'), 'u0')
      return opens() - start
    }
    assert.equal(await openedFor(10), 11)
    assert.equal(await openedFor(20), 21)
    assert.equal(await openedFor(40), 41)
    // A repeated value is opened once.
    const start = opens()
    await store.get(`sid=${real}; `.repeat(100))
    assert.equal(opens() - start, 1)
  })
})
