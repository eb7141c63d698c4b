// The Fetch adapter with real Request/Response objects (and a real upstream server for
// pass-through responses with immutable headers), for both crypto backends.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import {
  FetchSessionRegistry,
  appendSetCookies,
  commitSessions,
  getSessions,
  withSessions,
} from '../src/fetch.ts'
import { HeadersSentError, SessionSaveError, isSessionError } from '../src/errors.ts'
import { createServerStore, type Session } from '../src/index.ts'
import {
  closeServer,
  cookiePair,
  failingStore,
  forEachCrypto,
  keys,
  makeStore,
  onlySetCookie,
  refusingDriver,
  setCookiesNamed,
  startServer,
  tamper,
} from './support/adapter-harness.ts'
import type { CryptoMode, TestData, TestServer } from './support/adapter-harness.ts'

function request(cookie?: string | Headers, init: RequestInit = {}): Request {
  const headers =
    cookie instanceof Headers ? cookie : new Headers(cookie === undefined ? undefined : { cookie })
  return new Request('http://app.test/', { ...init, headers })
}

/** Asserts the SessionSaveError shape and returns its inner errors. */
function saveErrors(error: unknown): readonly { sessionName: string; error: unknown }[] {
  assert.ok(error instanceof SessionSaveError, `expected SessionSaveError, got ${String(error)}`)
  assert.equal(error.code, 'ERR_SESSION_SAVE')
  return error.errors
}

function fetchSuite(crypto: CryptoMode): void {
  const store = makeStore(crypto)
  // The store behind the failing one: the same kind, under its own name.
  const srvStore = makeStore(crypto, { name: 'srv' })

  // Loads 'app', applies `change`, returns the session's `n` (or -1) as the body.
  const counter = (
    change: (session: Session<TestData>) => void = (session) => {
      session.increment('n')
    },
  ) =>
    withSessions(async (_request, registry) => {
      const session = await registry.get(store)
      change(session)
      return new Response(String(session.get('n') ?? -1))
    })

  async function validPair(n = 41): Promise<string> {
    const response = await counter((session) => {
      session.set('n', n)
    })(request())
    return cookiePair(onlySetCookie(response.headers.getSetCookie(), 'app'))
  }

  describe('Set-Cookie for changed sessions only', () => {
    it('a new session with data gets exactly one Set-Cookie', async () => {
      const response = await counter()(request())
      assert.equal(response.status, 200)
      assert.equal(await response.text(), '1')
      const setCookies = response.headers.getSetCookie()
      assert.equal(setCookies.length, 1)
      const value = onlySetCookie(setCookies, 'app')
      assert.match(value, /; HttpOnly/)
      assert.match(value, /; Secure/)
    })

    it('an unchanged session on a later request sends no Set-Cookie (CON-06)', async () => {
      const pair = await validPair()
      const response = await counter((session) => session.get('n'))(request(pair))
      assert.equal(await response.text(), '41')
      assert.deepEqual(response.headers.getSetCookie(), [])
      assert.equal(response.headers.get('cache-control'), null)
    })

    it('a counter survives three requests that send the cookie back', async () => {
      const handler = counter()
      let cookie: string | undefined
      for (const expected of ['1', '2', '3']) {
        const response = await handler(request(cookie))
        assert.equal(await response.text(), expected)
        cookie = cookiePair(onlySetCookie(response.headers.getSetCookie(), 'app'))
      }
    })

    it('extra handler arguments are passed through', async () => {
      const handler = withSessions(
        async (_request, registry, env: { greeting: string }, ctx: { id: number }) => {
          const session = await registry.get(store)
          session.set('note', env.greeting)
          return new Response(`${env.greeting} ${ctx.id}`)
        },
      )
      const response = await handler(request(), { greeting: 'hi' }, { id: 7 })
      assert.equal(await response.text(), 'hi 7')
      onlySetCookie(response.headers.getSetCookie(), 'app')
    })

    it('getSessions returns the same registry for the same Request, another for another', () => {
      const req = request()
      const registry = getSessions(req)
      assert.ok(registry instanceof FetchSessionRegistry)
      assert.equal(getSessions(req), registry)
      assert.notEqual(getSessions(request()), registry)
    })

    it('withSessions hands the handler the registry of getSessions(request)', async () => {
      const req = request()
      let given: FetchSessionRegistry | undefined
      await withSessions((_request, registry) => {
        given = registry
        return new Response()
      })(req)
      assert.equal(given, getSessions(req))
    })
  })

  describe('responses (ADP-04, ADP-05)', () => {
    it('Response.redirect() after a change: 302, Location and our Set-Cookie', async () => {
      const response = await withSessions(async (_request, registry) => {
        const session = await registry.get(store)
        session.set('n', 1)
        return Response.redirect('http://x/', 302)
      })(request())
      assert.equal(response.status, 302)
      assert.equal(response.headers.get('location'), 'http://x/')
      onlySetCookie(response.headers.getSetCookie(), 'app')
      assert.equal(response.headers.get('cache-control'), 'no-store')
    })

    it("the app's own Set-Cookie headers are kept; ours are appended", async () => {
      const response = await withSessions(async (_request, registry) => {
        const session = await registry.get(store)
        session.set('n', 1)
        const headers = new Headers([
          ['Set-Cookie', 'a=1'],
          ['Set-Cookie', 'b=2; Path=/x'],
          ['Content-Type', 'application/json'],
        ])
        return new Response('{}', { status: 201, statusText: 'Made', headers })
      })(request())
      assert.equal(response.status, 201)
      assert.equal(response.statusText, 'Made')
      assert.equal(response.headers.get('content-type'), 'application/json')
      const setCookies = response.headers.getSetCookie()
      assert.deepEqual(setCookies.slice(0, 2), ['a=1', 'b=2; Path=/x'])
      assert.equal(setCookies.length, 3)
      onlySetCookie(setCookies, 'app')
      assert.equal(await response.text(), '{}')
    })

    it('two sessions give two Set-Cookie entries, appended, not joined', async () => {
      const prefsStore = makeStore(crypto, { name: 'prefs', format: 'signed' })
      const response = await withSessions(async (_request, registry) => {
        const app = await registry.get(store)
        const prefs = await registry.get(prefsStore)
        app.set('n', 1)
        prefs.set('note', 'dark')
        return new Response('ok')
      })(request())
      const setCookies = response.headers.getSetCookie()
      assert.equal(setCookies.length, 2)
      onlySetCookie(setCookies, 'app')
      onlySetCookie(setCookies, 'prefs')
    })

    it('a response with mutable headers is changed in place, not copied', async () => {
      const original = new Response('body')
      const response = await withSessions(async (_request, registry) => {
        const session = await registry.get(store)
        session.set('n', 1)
        return original
      })(request())
      assert.equal(response, original)
      onlySetCookie(response.headers.getSetCookie(), 'app')
    })

    it('appendSetCookies with no values returns the response as it is', () => {
      const original = Response.redirect('http://x/', 303)
      assert.equal(appendSetCookies(original, []), original)
    })

    it('commitSessions adds the cookies of getSessions(request)', async () => {
      const req = request()
      const session = await getSessions(req).get(store)
      session.set('n', 3)
      const response = await commitSessions(req, Response.redirect('http://x/next', 303))
      assert.equal(response.status, 303)
      onlySetCookie(response.headers.getSetCookie(), 'app')
    })
  })

  describe('a pass-through fetch() response (immutable headers)', () => {
    let upstream: TestServer
    before(async () => {
      upstream = await startServer((_req, res) => {
        res.setHeader('Set-Cookie', ['up=1'])
        res.setHeader('X-Upstream', 'yes')
        res.statusCode = 207
        res.end('from upstream')
      })
    })
    after(async () => {
      await closeServer(upstream.server)
    })

    it('gets our Set-Cookie without a TypeError; status, headers and body kept', async () => {
      const response = await withSessions(async (_request, registry) => {
        const session = await registry.get(store)
        session.set('n', 1)
        const passed = await fetch(upstream.url)
        assert.throws(() => {
          passed.headers.append('x-probe', '1')
        }, TypeError)
        return passed
      })(request())
      assert.equal(response.status, 207)
      assert.equal(response.headers.get('x-upstream'), 'yes')
      const setCookies = response.headers.getSetCookie()
      assert.deepEqual(setCookiesNamed(setCookies, 'up'), ['up=1'])
      onlySetCookie(setCookies, 'app')
      assert.equal(await response.text(), 'from upstream')
    })

    it('is returned untouched when no session changed', async () => {
      let passed: Response | undefined
      const response = await withSessions(async (_request, registry) => {
        await registry.get(store)
        passed = await fetch(upstream.url)
        return passed
      })(request())
      assert.equal(response, passed)
      assert.equal(await response.text(), 'from upstream')
    })
  })

  describe('explicit saves (SER-13)', () => {
    it('an explicit save in the handler, then no change: one Set-Cookie', async () => {
      const response = await withSessions(async (_request, registry) => {
        const session = await registry.get(store)
        session.set('n', 1)
        assert.equal((await registry.save()).length, 1)
        return new Response()
      })(request())
      assert.equal(response.headers.getSetCookie().length, 1)
    })

    it('two saves after two changes: one Set-Cookie with the latest value', async () => {
      const response = await withSessions(async (_request, registry) => {
        const session = await registry.get(store)
        session.set('n', 1)
        await registry.save()
        session.set('n', 2)
        await registry.save()
        return new Response()
      })(request())
      const setCookies = response.headers.getSetCookie()
      assert.equal(setCookies.length, 1)
      const read = await counter((session) => session.get('n'))(
        request(cookiePair(onlySetCookie(setCookies, 'app'))),
      )
      assert.equal(await read.text(), '2')
    })
  })

  describe('after the response was committed (ADP-02, FIX-11)', () => {
    it('changing a session and saving throws HeadersSentError', async () => {
      const req = request()
      const registry = getSessions(req)
      const session = await registry.get(store)
      session.set('n', 1)
      await commitSessions(req, new Response())
      // An unchanged session may still be saved: nothing would be lost.
      assert.deepEqual(await registry.save(), registry.setCookies)
      session.set('n', 2)
      await assert.rejects(
        async () => registry.save(),
        (error: unknown) =>
          error instanceof HeadersSentError &&
          (error as { code: unknown }).code === 'ERR_SESSION_HEADERS_SENT',
      )
      await assert.rejects(async () => commitSessions(req, new Response()), HeadersSentError)
    })
  })

  describe('save failures fail closed (STO-04)', () => {
    it('a cookie over the size limit: withSessions rejects with SessionSaveError', async () => {
      const handler = withSessions(async (_request, registry) => {
        const session = await registry.get(store)
        session.set('big', 'x'.repeat(5000))
        return new Response('should not be sent')
      })
      let caught: unknown
      await assert.rejects(
        handler(request()).catch((error: unknown) => {
          caught = error
          throw error
        }),
        SessionSaveError,
      )
      const [inner] = saveErrors(caught)
      assert.equal(inner?.sessionName, 'app')
      assert.ok(isSessionError(inner.error))
      assert.equal(inner.error.code, 'ERR_SESSION_COOKIE_TOO_LARGE')
    })

    for (const mode of ['throw', 'reject'] as const) {
      it(`a store whose save ${mode === 'throw' ? 'throws' : 'rejects'}: rejects`, async () => {
        const backendError = new Error('backend unavailable')
        const broken = failingStore(srvStore, mode, backendError)
        const handler = withSessions(async (_request, registry) => {
          const good = await registry.get(store)
          const bad = await registry.get(broken)
          good.set('n', 1)
          bad.set('n', 1)
          return new Response('ok')
        })
        let caught: unknown
        await assert.rejects(
          handler(request()).catch((error: unknown) => {
            caught = error
            throw error
          }),
          SessionSaveError,
        )
        const errors = saveErrors(caught)
        assert.deepEqual(
          errors.map((e) => e.sessionName),
          ['srv'],
        )
        assert.equal(errors[0]?.error, backendError)
      })
    }

    it('a handler that throws rejects with its own error', async () => {
      const boom = new Error('boom')
      await assert.rejects(
        withSessions(() => {
          throw boom
        })(request()),
        (error: unknown) => error === boom,
      )
    })
  })

  describe('hostile and unusual cookies', () => {
    it('a tampered cookie gives a fresh session, never a rejection (PAR-12)', async () => {
      const pair = await validPair()
      let reason: string | undefined
      const response = await withSessions(async (_request, registry) => {
        const session = await registry.get(store)
        reason = session.loadError?.reason
        return Response.json({ isNew: session.isNew, n: session.get('n') ?? null })
      })(request(tamper(pair)))
      assert.equal(response.status, 200)
      assert.deepEqual(await response.json(), { isNew: true, n: null })
      assert.equal(reason, 'tampered')
      assert.ok(setCookiesNamed(response.headers.getSetCookie(), 'app').length <= 1)
    })

    it('duplicate names: app=garbage; app=<valid> loads the valid one (PAR-05)', async () => {
      const pair = await validPair()
      const response = await counter((session) => session.get('n'))(
        request(`app=garbage; x=1; ${pair}`),
      )
      assert.equal(await response.text(), '41')
    })

    it('several Cookie entries in Headers still find ours (PAR-06)', async () => {
      const pair = await validPair()
      const headers = new Headers([
        ['cookie', 'a=1'],
        ['cookie', pair],
        ['cookie', 'b=2'],
      ])
      // undici joins Cookie entries with '; ' (as RFC 9113 §8.2.3 asks for HTTP/2's fields).
      assert.equal(headers.get('cookie'), `a=1; ${pair}; b=2`)
      const read = counter((session) => session.get('n'))
      assert.equal(await (await read(request(headers))).text(), '41')
    })

    it('entries joined with ", " (the generic Fetch rule) are one value: no cookie smuggled in', async () => {
      // A runtime that joins with ", " hands over what a browser also sends for one cookie
      // `a=1,app=<token>`: that is never read as our cookie, and no cookie is deleted.
      const pair = await validPair()
      const read = counter((session) => session.get('n'))
      for (const header of [`a=1, ${pair}, b=2`, `a=1,${pair},b=2`]) {
        const response = await read(request(header))
        assert.equal(await response.text(), '-1')
        assert.deepEqual(response.headers.getSetCookie(), [])
      }
      const first = await read(request(`${pair}, b=2`))
      assert.equal(await first.text(), '-1', 'the comma belongs to the value, which then fails')
    })

    it('headers and cookies named __proto__, constructor, hasOwnProperty (PRO-07, ADP-12)', async () => {
      const pair = await validPair()
      const headers = new Headers([
        ['__proto__', '{"polluted":true}'],
        ['constructor', 'x'],
        ['hasOwnProperty', 'y'],
        ['cookie', `__proto__=1; constructor=2; hasOwnProperty=3; toString=4; ${pair}`],
      ])
      const response = await counter()(request(headers))
      assert.equal(response.status, 200)
      assert.equal(await response.text(), '42')
      assert.equal(({} as Record<string, unknown>)['polluted'], undefined)
    })

    it('a Cookie header with 10,000 pairs is still served, our cookie first (DOS-01)', async () => {
      const pair = await validPair()
      const many = Array.from({ length: 10_000 }, (_, i) => `c${i}=v`).join('; ')
      const response = await counter((session) => session.get('n'))(request(`${pair}; ${many}`))
      assert.equal(await response.text(), '41')
      const tiny = await counter((session) => session.get('n'))(
        request(`${pair}; ${'a=; '.repeat(10_000)}`),
      )
      assert.equal(await tiny.text(), '41')
    })
  })

  describe('Cache-Control (ADP-10)', () => {
    it('no-store is added when a session cookie is set', async () => {
      const response = await counter()(request())
      assert.equal(response.headers.get('cache-control'), 'no-store')
    })

    it("the app's own Cache-Control is left alone, also on an immutable response", async () => {
      const response = await withSessions(async (_request, registry) => {
        const session = await registry.get(store)
        session.set('n', 1)
        return new Response('x', { headers: { 'Cache-Control': 'private, max-age=60' } })
      })(request())
      assert.equal(response.headers.get('cache-control'), 'private, max-age=60')
      const base = Response.redirect('http://x/', 302)
      const redirected = appendSetCookies(base, ['app=1'])
      assert.notEqual(redirected, base)
      assert.equal(redirected.headers.get('cache-control'), 'no-store')
    })

    it('cacheControl: false leaves it out; a custom value is used', async () => {
      const change = async (_request: Request, registry: FetchSessionRegistry) => {
        const session = await registry.get(store)
        session.set('n', 1)
        return new Response()
      }
      const off = await withSessions(change, { cacheControl: false })(request())
      onlySetCookie(off.headers.getSetCookie(), 'app')
      assert.equal(off.headers.get('cache-control'), null)
      const custom = await withSessions(change, { cacheControl: 'private' })(request())
      assert.equal(custom.headers.get('cache-control'), 'private')
    })
  })
}

describe('Fetch adapter', () => {
  forEachCrypto(fetchSuite)
})

describe('Fetch adapter: a logout whose server-side delete fails', () => {
  it('withSessions answers a 500 with the deletion cookie and gives the error to onError', async () => {
    const { driver, refuse } = refusingDriver()
    const store = createServerStore<TestData>({ name: 'sid', keys, driver })
    const errors: unknown[] = []
    const app = withSessions(
      async (incoming, registry) => {
        const session = await registry.get(store)
        if (new URL(incoming.url).pathname === '/logout') session.destroy()
        else session.set('n', 1)
        return new Response('done')
      },
      { onError: (error) => errors.push(error) },
    )
    const login = await app(new Request('http://app.test/login'))
    const pair = cookiePair(onlySetCookie(login.headers.getSetCookie(), 'sid'))
    refuse(true)
    const response = await app(new Request('http://app.test/logout', { headers: { cookie: pair } }))
    refuse(false)
    assert.equal(response.status, 500)
    assert.equal(await response.text(), 'Internal Server Error')
    assert.match(onlySetCookie(response.headers.getSetCookie(), 'sid'), /^sid=; .*Max-Age=0/)
    assert.equal(response.headers.get('cache-control'), 'no-store')
    assert.equal(errors.length, 1)
    assert.ok(errors[0] instanceof SessionSaveError)
    assert.deepEqual(errors[0].setCookies, response.headers.getSetCookie())
  })

  it('commitSessions rejects with the deletion cookie in setCookies, for the app to send', async () => {
    const { driver, refuse } = refusingDriver()
    const store = createServerStore<TestData>({ name: 'sid', keys, driver })
    const first = new Request('http://app.test/')
    ;(await getSessions(first).get(store)).set('n', 1)
    const login = await commitSessions(first, new Response())
    const pair = cookiePair(onlySetCookie(login.headers.getSetCookie(), 'sid'))
    const second = new Request('http://app.test/', { headers: { cookie: pair } })
    ;(await getSessions(second).get(store)).destroy()
    refuse(true)
    const error: unknown = await commitSessions(second, new Response()).catch((e: unknown) => e)
    refuse(false)
    assert.ok(error instanceof SessionSaveError)
    assert.match(onlySetCookie(error.setCookies, 'sid'), /Max-Age=0/)
  })
})

describe('Fetch adapter: withSessions nested in withSessions', () => {
  const store = makeStore('node')

  it('the outermost commits once, with the changes of both handlers', async () => {
    const errors: unknown[] = []
    const inner = withSessions(
      async (_request, registry) => {
        ;(await registry.get(store)).set('n', 1)
        return new Response('inner')
      },
      { onError: (error) => errors.push(error) },
    )
    const outer = withSessions(
      async (incoming, registry) => {
        const response = await inner(incoming)
        // A change after the inner handler returned: still before anything was committed.
        ;(await registry.get(store)).set('note', 'outer')
        return response
      },
      { onError: (error) => errors.push(error) },
    )
    const response = await outer(request())
    assert.equal(response.status, 200)
    assert.equal(await response.text(), 'inner')
    const pair = cookiePair(onlySetCookie(response.headers.getSetCookie(), 'app'))
    const read = await withSessions(async (_request, registry) => {
      const session = await registry.get(store)
      return new Response(`${session.get('n')} ${session.get('note')}`)
    })(request(pair))
    assert.equal(await read.text(), '1 outer')
    await new Promise((resolve) => setImmediate(resolve))
    assert.deepEqual(errors, [])
  })

  it('an inner handler that throws fails the request: the outer may answer, nothing is saved', async () => {
    const boom = new Error('boom')
    const inner = withSessions(async (_request, registry) => {
      ;(await registry.get(store)).set('n', 1)
      throw boom
    })
    const errors: unknown[] = []
    const outer = withSessions(
      async (incoming) => {
        await assert.rejects(inner(incoming), (error) => error === boom)
        return new Response('recovered')
      },
      { onError: (error) => errors.push(error) },
    )
    const response = await outer(request())
    assert.equal(await response.text(), 'recovered')
    // A handler that throws saves nothing of its request, nested or not, and what it changed
    // is not reported as a late change either: it was dropped on purpose.
    assert.deepEqual(setCookiesNamed(response.headers.getSetCookie(), 'app'), [])
    await new Promise((resolve) => setImmediate(resolve))
    assert.deepEqual(errors, [])
  })

  it('with commitOnError, an inner handler that throws answers a 500 the outer commits', async () => {
    const errors: unknown[] = []
    const boom = new Error('boom')
    const inner = withSessions(
      async (_request, registry) => {
        ;(await registry.get(store)).set('n', 7)
        throw boom
      },
      { commitOnError: true, onError: (error) => errors.push(error) },
    )
    const response = await withSessions((incoming) => inner(incoming))(request())
    assert.equal(response.status, 500)
    assert.deepEqual(errors, [boom])
    const pair = cookiePair(onlySetCookie(response.headers.getSetCookie(), 'app'))
    const read = await withSessions(async (_request, registry) => {
      return new Response(String((await registry.get(store)).get('n')))
    })(request(pair))
    assert.equal(await read.text(), '7')
  })

  it('a later withSessions of the same request is not nested: its change fails loudly', async () => {
    const first = withSessions(() => new Response('not found', { status: 404 }))
    const second = withSessions(
      async (_request, registry) => {
        ;(await registry.get(store)).set('n', 2)
        return new Response('fallback')
      },
      { onError: () => undefined },
    )
    const incoming = request()
    await first(incoming)
    // The request's sessions were committed with the first response: the second one's change
    // cannot be saved any more, and says so rather than answering as if it were.
    await assert.rejects(second(incoming), HeadersSentError)
  })
})
