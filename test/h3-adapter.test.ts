// The h3 (v2) adapter on the real framework: every case through h3's own `app.request()` and
// over real HTTP (h3's toNodeHandler on node:http, and h3's serve()), with a cookie store on
// both crypto backends and a server store on the memory driver (asynchronous saves).
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { H3, HTTPError, redirect, serve, setCookie, toNodeHandler } from 'h3'
import type { H3Config } from 'h3'
import { H3SessionRegistry, sessions, useSession, useSessions } from '../src/h3.ts'
import type { H3SessionsOptions } from '../src/h3.ts'
import { createMemoryDriver, createServerStore } from '../src/index.ts'
import type { SessionStore } from '../src/index.ts'
import { HeadersSentError, SessionArgumentError, SessionSaveError } from '../src/errors.ts'
import {
  cookiePair,
  deferred,
  failingStore,
  keys,
  lateChangeReported,
  makeStore,
  onlySetCookie,
  setCookiesNamed,
  tamper,
  useServers,
  within,
} from './support/adapter-harness.ts'
import type { TestData } from './support/adapter-harness.ts'

type Send = (app: H3, path: string, init?: RequestInit) => Promise<Response>

function cookieOf(response: Response, name = 'app'): string {
  return cookiePair(onlySetCookie(response.headers.getSetCookie(), name))
}

interface StoreCase {
  readonly make: () => SessionStore<TestData>
  readonly serverSide: boolean
}

const stores: Record<string, StoreCase> = {
  'cookie store, node:crypto': { make: () => makeStore('node'), serverSide: false },
  'cookie store, Web Crypto': { make: () => makeStore('web'), serverSide: false },
  'server store, memory driver': {
    make: () =>
      createServerStore<TestData>({
        name: 'app',
        driver: createMemoryDriver({ sweepInterval: 0 }),
        keys,
        cookie: { secure: false },
      }),
    serverSide: true,
  },
}

function h3Suite(label: string, send: Send): void {
  for (const [storeLabel, { make, serverSide }] of Object.entries(stores)) {
    describe(`${label}, ${storeLabel}`, () => {
      const store = make()
      const errors: unknown[] = []

      function app(options: H3SessionsOptions = {}, config: H3Config = {}): H3 {
        return new H3({ silent: true, ...config })
          .use(sessions({ onError: (error) => errors.push(error), ...options }))
          .get('/', async (event) => {
            const session = await useSession(event, store)
            return String(session.increment('n'))
          })
          .get('/read', async (event) => {
            const session = await useSession(event, store)
            return { n: session.get('n') ?? null }
          })
          .post('/login', async (event) => {
            const session = await useSession(event, store)
            session.regenerate()
            session.set('note', 'alice')
            return redirect('/home', 303)
          })
          .post('/logout', async (event) => {
            const session = await useSession(event, store)
            session.destroy()
            return new Response(null, { status: 204 })
          })
      }

      it('a counter survives three requests; every Set-Cookie once, with no-store', async () => {
        const counter = app()
        let cookie: string | undefined
        for (const expected of ['1', '2', '3']) {
          const init = cookie === undefined ? {} : { headers: { cookie } }
          const response = await send(counter, '/', init)
          assert.equal(await response.text(), expected)
          if (cookie === undefined || !serverSide) {
            assert.equal(response.headers.get('cache-control'), 'no-store')
            cookie = cookieOf(response)
          } else assert.deepEqual(response.headers.getSetCookie(), [])
        }
      })

      it('an unchanged session (JSON): no Set-Cookie, no Cache-Control', async () => {
        const counter = app()
        const cookie = cookieOf(await send(counter, '/'))
        const response = await send(counter, '/read', { headers: { cookie } })
        assert.match(response.headers.get('content-type') ?? '', /json/)
        assert.deepEqual(await response.json(), { n: 1 })
        assert.deepEqual(response.headers.getSetCookie(), [])
        assert.equal(response.headers.get('cache-control'), null)
      })

      it('login regenerates behind an h3 redirect; logout clears the cookie', async () => {
        const counter = app()
        const before = cookieOf(await send(counter, '/'))
        const login = await send(counter, '/login', {
          method: 'POST',
          headers: { cookie: before },
        })
        assert.equal(login.status, 303)
        assert.equal(login.headers.get('location'), '/home')
        assert.equal(login.headers.get('cache-control'), 'no-store')
        const after = cookieOf(login)
        assert.notEqual(after, before)
        const read = await send(counter, '/read', { headers: { cookie: after } })
        assert.deepEqual(await read.json(), { n: 1 })
        const logout = await send(counter, '/logout', {
          method: 'POST',
          headers: { cookie: after },
        })
        assert.equal(logout.status, 204)
        assert.match(onlySetCookie(logout.headers.getSetCookie(), 'app'), /Max-Age=0|Expires=/)
        if (serverSide) {
          const gone = await send(counter, '/read', { headers: { cookie: after } })
          assert.deepEqual(await gone.json(), { n: null })
        }
      })

      it('a returned Error is a failed request: nothing saved, unless commitOnError', async () => {
        for (const commitOnError of [false, true]) {
          const h3 = new H3({ silent: true })
            .use(sessions({ commitOnError }))
            .get('/', async (event) => {
              ;(await useSession(event, store)).set('n', 1)
              return 'ok'
            })
            .get('/read', async (event) => ({
              n: (await useSession(event, store)).get('n') ?? null,
            }))
            .get('/step-up', async (event) => {
              ;(await useSession(event, store)).set('n', 2)
              return new HTTPError({ status: 422, message: 'second factor wrong' })
            })
          const cookie = cookieOf(await send(h3, '/'))
          const failed = await send(h3, '/step-up', { headers: { cookie } })
          assert.equal(failed.status, 422)
          const read = async (pair: string) =>
            (await (await send(h3, '/read', { headers: { cookie: pair } })).json()) as unknown
          if (commitOnError) {
            // The error response carries the saved session's cookie (a cookie session's new one).
            const next = serverSide ? cookie : cookieOf(failed)
            assert.deepEqual(await read(next), { n: 2 })
          } else {
            assert.deepEqual(failed.headers.getSetCookie(), [])
            assert.deepEqual(await read(cookie), { n: 1 })
          }
        }
      })

      it('a Response.error() commits nothing: no save, the change reported to onError', async () => {
        const h3 = app().get('/network-error', async (event) => {
          ;(await useSession(event, store)).set('n', 2)
          return Response.error()
        })
        const cookie = cookieOf(await send(h3, '/'))
        errors.length = 0
        await send(h3, '/network-error', { headers: { cookie } }).catch(() => undefined)
        const read = await send(h3, '/read', { headers: { cookie } })
        assert.deepEqual(await read.json(), { n: 1 })
        await lateChangeReported(errors)
      })

      it('a tampered cookie gives a fresh session, never an error', async () => {
        const counter = app()
        const cookie = cookieOf(await send(counter, '/'))
        const response = await send(counter, '/read', { headers: { cookie: tamper(cookie) } })
        assert.equal(response.status, 200)
        assert.deepEqual(await response.json(), { n: null })
      })

      it("the app's own cookies (h3 setCookie, a returned Response's) are kept; ours once", async () => {
        const staged = app().get('/staged', async (event) => {
          setCookie(event, 'a', '1')
          const session = await useSession(event, store)
          session.set('n', 1)
          return { ok: true }
        })
        const first = await send(staged, '/staged')
        const values = first.headers.getSetCookie()
        assert.equal(setCookiesNamed(values, 'a').length, 1)
        assert.equal(values.length, 2)
        onlySetCookie(values, 'app')
        assert.deepEqual(await first.json(), { ok: true })

        const returned = app().get('/returned', async (event) => {
          const session = await useSession(event, store)
          session.set('n', 1)
          const headers = new Headers([
            ['Set-Cookie', 'b=2; Path=/x'],
            ['Cache-Control', 'private'],
          ])
          return new Response('made', { status: 201, headers })
        })
        const second = await send(returned, '/returned')
        assert.equal(second.status, 201)
        assert.equal(await second.text(), 'made')
        assert.equal(second.headers.get('cache-control'), 'private')
        const cookies = second.headers.getSetCookie()
        assert.equal(cookies[0], 'b=2; Path=/x')
        assert.equal(cookies.length, 2)
        onlySetCookie(cookies, 'app')
      })

      it('a returned Response with immutable headers (Response.redirect) gets the cookie', async () => {
        const immutable = app().get('/go', async (event) => {
          const session = await useSession(event, store)
          session.set('n', 7)
          return Response.redirect('http://localhost/next', 302)
        })
        const response = await send(immutable, '/go', { redirect: 'manual' })
        assert.equal(response.status, 302)
        const read = await send(app(), '/read', { headers: { cookie: cookieOf(response) } })
        assert.deepEqual(await read.json(), { n: 7 })
      })

      it('two named sessions in one request: two cookies, one registry', async () => {
        const prefs = makeStore('web', { name: 'prefs', format: 'signed' })
        const both = app().get('/both', async (event) => {
          const registry = useSessions(event)
          assert.ok(registry instanceof H3SessionRegistry)
          assert.equal(useSessions(event), registry)
          const [main, second] = await Promise.all([
            useSession(event, store),
            useSession(event, prefs),
          ])
          assert.equal(await registry.get(store), main)
          main.set('n', 1)
          second.set('note', 'dark')
          return 'ok'
        })
        const values = (await send(both, '/both')).headers.getSetCookie()
        assert.equal(values.length, 2)
        onlySetCookie(values, 'app')
        onlySetCookie(values, 'prefs')
      })

      it('a handler that throws after a change commits nothing (HTTPError and Error)', async () => {
        errors.length = 0
        const failing = app()
          .get('/forbidden', async (event) => {
            const session = await useSession(event, store)
            session.set('n', 99)
            throw new HTTPError({ status: 403, message: 'no' })
          })
          .get('/boom', async (event) => {
            const session = await useSession(event, store)
            session.set('n', 98)
            throw new Error('boom')
          })
        const cookie = cookieOf(await send(failing, '/'))
        const forbidden = await send(failing, '/forbidden', { headers: { cookie } })
        assert.equal(forbidden.status, 403)
        assert.deepEqual(forbidden.headers.getSetCookie(), [])
        const boom = await send(failing, '/boom', { headers: { cookie } })
        assert.equal(boom.status, 500)
        assert.deepEqual(boom.headers.getSetCookie(), [])
        const read = await send(failing, '/read', { headers: { cookie } })
        assert.deepEqual(await read.json(), { n: 1 })
        await new Promise((resolve) => setTimeout(resolve, 0))
        // A failed request's changes are dropped on purpose: nothing to report.
        assert.deepEqual(errors, [])
      })

      it('commitOnError: true sends the changes with the error response', async () => {
        const failing = app({ commitOnError: true }).get('/forbidden', async (event) => {
          const session = await useSession(event, store)
          session.set('n', 5)
          throw new HTTPError({ status: 403 })
        })
        const response = await send(failing, '/forbidden')
        assert.equal(response.status, 403)
        const read = await send(app(), '/read', { headers: { cookie: cookieOf(response) } })
        assert.deepEqual(await read.json(), { n: 5 })
      })

      it('a change while a streamed body is read is reported, not saved', async () => {
        const reported = deferred<unknown>()
        const streaming = app({
          onError: (error) => {
            reported.resolve(error)
          },
        }).get('/stream', async (event) => {
          const session = await useSession(event, store)
          let step = 0
          return new ReadableStream<Uint8Array>({
            pull(controller) {
              step++
              if (step === 2) session.set('n', 2)
              if (step > 2) controller.close()
              else controller.enqueue(new TextEncoder().encode(`part${step} `))
            },
          })
        })
        const response = await send(streaming, '/stream')
        assert.equal(await response.text(), 'part1 part2 ')
        assert.deepEqual(setCookiesNamed(response.headers.getSetCookie(), 'app'), [])
        assert.ok((await within(reported.promise)) instanceof HeadersSentError)
      })

      it("a save that fails goes to h3's onError: a 500 without our cookie", async () => {
        const broken = failingStore(makeStore('web', { name: 'srv' }), 'reject')
        let caught: unknown
        const failing = app(
          {},
          {
            onError: (error) => {
              caught = error.cause
            },
          },
        ).get('/broken', async (event) => {
          const session = await useSession(event, broken)
          session.set('n', 1)
          return 'should not be sent'
        })
        const response = await send(failing, '/broken')
        assert.equal(response.status, 500)
        assert.deepEqual(response.headers.getSetCookie(), [])
        assert.ok(caught instanceof SessionSaveError, String(caught))
      })
    })
  }
}

describe('h3 adapter', () => {
  h3Suite('app.request()', (app, path, init) => Promise.resolve(app.request(path, init)))

  describe('over real HTTP (toNodeHandler on node:http)', () => {
    const serveNode = useServers()
    h3Suite('HTTP', async (app, path, init) => {
      const server = await serveNode(toNodeHandler(app))
      return fetch(`${server.url}${path}`, { redirect: 'manual', ...init })
    })

    it('HEAD gets the cookie and no body', async () => {
      const store = makeStore('node')
      const app = new H3().use(sessions()).get('/', async (event) => {
        const session = await useSession(event, store)
        session.set('n', 1)
        return 'body'
      })
      const server = await serveNode(toNodeHandler(app))
      const response = await fetch(server.url, { method: 'HEAD' })
      assert.equal(response.status, 200)
      assert.equal(await response.text(), '')
      onlySetCookie(response.headers.getSetCookie(), 'app')
    })
  })

  it("h3's serve(app) (it takes the app, not a fetch function) over real HTTP", async () => {
    const store = makeStore('web')
    const app = new H3().use(sessions()).get('/', async (event) => {
      const session = await useSession(event, store)
      return String(session.increment('n'))
    })
    const server = serve(app, { port: 0, hostname: '127.0.0.1', silent: true })
    try {
      await server.ready()
      const url = server.url ?? ''
      const first = await fetch(url)
      assert.equal(await first.text(), '1')
      const second = await fetch(url, { headers: { cookie: cookieOf(first) } })
      assert.equal(await second.text(), '2')
    } finally {
      await server.close(true)
    }
  })

  it('useSession without the sessions() middleware: SessionArgumentError', async () => {
    const store = makeStore('web')
    let caught: unknown
    const app = new H3({ silent: true }).get('/', async (event) => {
      try {
        await useSession(event, store)
      } catch (error) {
        caught = error
      }
      return 'x'
    })
    await app.request('/')
    assert.ok(caught instanceof SessionArgumentError)
  })
})
