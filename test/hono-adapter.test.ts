// The Hono adapter on the real framework: every case through `app.request()` and over real
// HTTP (@hono/node-server on 127.0.0.1), with a cookie store on both crypto backends and a
// server store on the memory driver (asynchronous saves).
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { Hono } from 'hono'
import { setCookie } from 'hono/cookie'
import { streamText } from 'hono/streaming'
import { getRequestListener } from '@hono/node-server'
import { session, sessions, HonoSessionRegistry } from '../src/hono.ts'
import { createServerStore, createMemoryDriver } from '../src/index.ts'
import type { SessionStore } from '../src/index.ts'
import { HeadersSentError, SessionSaveError } from '../src/errors.ts'
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

/** What the tests need of an app, whatever its `Env`. */
interface App {
  request(path: string, init?: RequestInit): Response | Promise<Response>
  fetch(request: Request): Response | Promise<Response>
}

type Send = (app: App, path: string, init?: RequestInit) => Promise<Response>

function cookieOf(response: Response, name = 'app'): string {
  return cookiePair(onlySetCookie(response.headers.getSetCookie(), name))
}

interface StoreCase {
  readonly make: () => SessionStore<TestData>
  /** A server-side session can be revoked; a cookie session only expires. */
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

function honoSuite(label: string, send: Send): void {
  for (const [storeLabel, { make, serverSide }] of Object.entries(stores)) {
    describe(`${label}, ${storeLabel}`, () => {
      const store = make()
      const errors: unknown[] = []

      function counterApp() {
        const app = new Hono().use(session(store, { onError: (error) => errors.push(error) }))
        app.get('/', (c) => {
          c.var.session.increment('n')
          return c.text(String(c.var.session.get('n')))
        })
        app.get('/read', (c) => c.json({ n: c.var.session.get('n') ?? null }))
        app.post('/login', (c) => {
          c.var.session.regenerate()
          c.var.session.set('note', 'alice')
          return c.redirect('/home', 303)
        })
        app.post('/logout', (c) => {
          c.var.session.destroy()
          return c.body(null, 204)
        })
        return app
      }

      it('a counter survives three requests; every Set-Cookie once, with no-store', async () => {
        const app = counterApp()
        let cookie: string | undefined
        for (const expected of ['1', '2', '3']) {
          const response = await send(app, '/', cookie === undefined ? {} : { headers: { cookie } })
          assert.equal(await response.text(), expected)
          // A server session's id cookie is sent when it is new; a cookie session every time.
          if (cookie === undefined || !serverSide) {
            assert.equal(response.headers.get('cache-control'), 'no-store')
            cookie = cookieOf(response)
          } else assert.deepEqual(response.headers.getSetCookie(), [])
        }
      })

      it('an unchanged session: no Set-Cookie, no Cache-Control', async () => {
        const app = counterApp()
        const cookie = cookieOf(await send(app, '/'))
        const response = await send(app, '/read', { headers: { cookie } })
        assert.deepEqual(await response.json(), { n: 1 })
        assert.deepEqual(response.headers.getSetCookie(), [])
        assert.equal(response.headers.get('cache-control'), null)
      })

      it('login regenerates (a new cookie, redirect kept), logout clears the cookie', async () => {
        const app = counterApp()
        const before = cookieOf(await send(app, '/'))
        const login = await send(app, '/login', { method: 'POST', headers: { cookie: before } })
        assert.equal(login.status, 303)
        assert.equal(login.headers.get('location'), '/home')
        const after = cookieOf(login)
        assert.notEqual(after, before)
        const read = await send(app, '/read', { headers: { cookie: after } })
        assert.deepEqual(await read.json(), { n: 1 })
        const logout = await send(app, '/logout', { method: 'POST', headers: { cookie: after } })
        assert.equal(logout.status, 204)
        assert.match(onlySetCookie(logout.headers.getSetCookie(), 'app'), /Max-Age=0|Expires=/)
        if (serverSide) {
          const gone = await send(app, '/read', { headers: { cookie: after } })
          assert.deepEqual(await gone.json(), { n: null })
        }
      })

      it('a Response.error() commits nothing: no save, the change reported to onError', async () => {
        const caught: unknown[] = []
        const app = new Hono().use(session(store, { onError: (error) => errors.push(error) }))
        app.get('/', (c) => {
          c.var.session.set('n', 1)
          return c.text('1')
        })
        app.get('/read', (c) => c.json({ n: c.var.session.get('n') ?? null }))
        app.get('/network-error', (c) => {
          c.var.session.set('n', 2)
          return Response.error()
        })
        app.onError((error, c) => {
          caught.push(error)
          return c.text('error', 500)
        })
        const cookie = cookieOf(await send(app, '/'))
        errors.length = 0
        const failed = await send(app, '/network-error', { headers: { cookie } }).catch(
          () => undefined,
        )
        if (failed !== undefined) assert.deepEqual(failed.headers.getSetCookie(), [])
        assert.deepEqual(caught, [], 'not an error of the app')
        const read = await send(app, '/read', { headers: { cookie } })
        assert.deepEqual(await read.json(), { n: 1 })
        await lateChangeReported(errors)
      })

      it('a tampered cookie gives a fresh session, never an error', async () => {
        const app = counterApp()
        const cookie = cookieOf(await send(app, '/'))
        const response = await send(app, '/read', { headers: { cookie: tamper(cookie) } })
        assert.equal(response.status, 200)
        assert.deepEqual(await response.json(), { n: null })
      })

      it("the app's own Set-Cookie (c.header append, hono/cookie) is kept; ours once", async () => {
        const app = new Hono().use(session(store))
        app.get('/', (c) => {
          c.header('Set-Cookie', 'a=1', { append: true })
          setCookie(c, 'b', '2', { path: '/x' })
          c.var.session.set('n', 1)
          return c.json({ ok: true }, 201)
        })
        const response = await send(app, '/')
        assert.equal(response.status, 201)
        assert.deepEqual(await response.json(), { ok: true })
        const values = response.headers.getSetCookie()
        assert.deepEqual(values.slice(0, 2), ['a=1', 'b=2; Path=/x'])
        assert.equal(values.length, 3)
        onlySetCookie(values, 'app')
      })

      it("the app's own Cache-Control is kept", async () => {
        const app = new Hono().use(session(store))
        app.get('/', (c) => {
          c.var.session.set('n', 1)
          c.header('Cache-Control', 'private, max-age=5')
          return c.text('x')
        })
        const response = await send(app, '/')
        assert.equal(response.headers.get('cache-control'), 'private, max-age=5')
        cookieOf(response)
      })

      it('a returned Response with immutable headers (Response.redirect) gets the cookie', async () => {
        const app = new Hono().use(session(store))
        app.get('/', (c) => {
          c.var.session.set('n', 7)
          return Response.redirect('http://localhost/next', 302)
        })
        const response = await send(app, '/', { redirect: 'manual' })
        assert.equal(response.status, 302)
        assert.equal(response.headers.get('location'), 'http://localhost/next')
        const cookie = cookieOf(response)
        const read = await send(counterApp(), '/read', { headers: { cookie } })
        assert.deepEqual(await read.json(), { n: 7 })
      })

      it('two named sessions in one request: two cookies; sessions() shares the registry', async () => {
        const prefs = makeStore('web', { name: 'prefs', format: 'signed' })
        const app = new Hono()
          .use(sessions())
          .use(session(store))
          .use(session(prefs, { as: 'prefs' }))
        app.get('/', async (c) => {
          assert.ok(c.var.sessions instanceof HonoSessionRegistry)
          assert.equal(await c.var.sessions.get(prefs), c.var.prefs)
          c.var.session.set('n', 1)
          c.var.prefs.set('note', 'dark')
          return c.text('ok')
        })
        const response = await send(app, '/')
        const values = response.headers.getSetCookie()
        assert.equal(values.length, 2)
        onlySetCookie(values, 'app')
        onlySetCookie(values, 'prefs')
      })

      it('a handler that throws after a change commits nothing; onError gets a 500', async () => {
        errors.length = 0
        const app = counterApp()
        app.get('/boom', (c) => {
          c.var.session.set('n', 99)
          throw new Error('boom')
        })
        app.onError((_error, c) => c.text('failed', 500))
        const cookie = cookieOf(await send(app, '/'))
        const response = await send(app, '/boom', { headers: { cookie } })
        assert.equal(response.status, 500)
        assert.equal(await response.text(), 'failed')
        assert.deepEqual(response.headers.getSetCookie(), [])
        const read = await send(app, '/read', { headers: { cookie } })
        assert.deepEqual(await read.json(), { n: 1 })
        await new Promise((resolve) => setTimeout(resolve, 0))
        // A failed request's changes are dropped on purpose: nothing to report.
        assert.deepEqual(errors, [])
      })

      it('commitOnError: true saves the changes of a handler that throws', async () => {
        const app = new Hono().use(session(store, { commitOnError: true }))
        app.get('/boom', (c) => {
          c.var.session.set('n', 5)
          throw new Error('boom')
        })
        app.onError((_error, c) => c.text('failed', 500))
        const response = await send(app, '/boom')
        assert.equal(response.status, 500)
        const read = await send(counterApp(), '/read', { headers: { cookie: cookieOf(response) } })
        assert.deepEqual(await read.json(), { n: 5 })
      })

      it('a change while the body streams is reported, not saved', async () => {
        const reported = deferred<unknown>()
        const app = new Hono().use(
          session(store, {
            onError: (error) => {
              reported.resolve(error)
            },
          }),
        )
        // The change waits until the response is out (its headers received): Hono runs the
        // stream's callback at once, so without the wait it can land before the save.
        const responded = deferred<void>()
        app.get('/', (c) =>
          streamText(c, async (stream) => {
            await stream.write('one ')
            await responded.promise
            c.var.session.set('n', 2)
            await stream.write('two')
          }),
        )
        const response = await send(app, '/')
        responded.resolve()
        assert.equal(await response.text(), 'one two')
        assert.deepEqual(setCookiesNamed(response.headers.getSetCookie(), 'app'), [])
        assert.ok((await within(reported.promise)) instanceof HeadersSentError)
      })

      it('a save that fails goes to app.onError: a 500 without our cookie', async () => {
        const broken = failingStore(makeStore('web', { name: 'srv' }), 'reject')
        let caught: unknown
        const app = new Hono().use(session(broken))
        app.get('/', (c) => {
          c.var.session.set('n', 1)
          return c.text('should not be sent')
        })
        app.onError((error, c) => {
          caught = error
          return c.text('unavailable', 503)
        })
        const response = await send(app, '/')
        assert.equal(response.status, 503)
        assert.deepEqual(response.headers.getSetCookie(), [])
        assert.ok(caught instanceof SessionSaveError)
      })
    })
  }
}

describe('Hono adapter', () => {
  honoSuite('app.request()', (app, path, init) => Promise.resolve(app.request(path, init)))

  describe('over real HTTP (@hono/node-server)', () => {
    const serve = useServers()
    honoSuite('HTTP', async (app, path, init) => {
      const server = await serve(getRequestListener((request) => app.fetch(request)))
      return fetch(`${server.url}${path}`, { redirect: 'manual', ...init })
    })

    it('HEAD gets the cookie and no body', async () => {
      const store = makeStore('node')
      const app = new Hono().use(session(store))
      app.get('/', (c) => {
        c.var.session.set('n', 1)
        return c.text('body')
      })
      const server = await serve(getRequestListener(app.fetch))
      const response = await fetch(server.url, { method: 'HEAD' })
      assert.equal(response.status, 200)
      assert.equal(await response.text(), '')
      onlySetCookie(response.headers.getSetCookie(), 'app')
    })
  })
})
