// The shared adapter scenario suite: one table of scenarios (security.md §K) run against every
// framework adapter on the real framework, over real HTTP on 127.0.0.1 (port 0).
//
// How a framework joins (see test/adapter-scenarios-node.test.ts for the smallest harness):
//
//   const harness: AdapterHarness = {
//     name: 'Express 5',
//     async start(app: ScenarioApp): Promise<StartedApp> {
//       // Mount the framework's own sessions middleware/plugin with
//       //   { store: app.store, onError: app.onError, commitOnError: app.commitOnError }
//       // and, for every path in app.routes, a native handler (GET, HEAD and POST) that calls
//       //   const reply = await route({ session, sessions })   // the adapter's own objects
//       // and sends `reply` the framework's way (see ScenarioReply). A route that rejects is
//       // left to the framework's own error path (thrown from the handler, or next(err)).
//       // Listen on 127.0.0.1 port 0 and return { url, close } — or, for an in-process
//       // transport such as fastify.inject, { request, close } (scenarios marked `needs:
//       // 'http'` are then left out by runScenarios).
//     },
//   }
// test/support/scenario-node.ts has `listenLocal(server)` (127.0.0.1, port 0, `{ url, close }`),
// `routeOf(app, url)` and `sendNodeReply(res, reply)` for frameworks that hand out node's `res`;
// a Fetch framework answers `reply` with a `Response` of its own.
//
//   runScenarios(harness)                     // every scenario, one node:test `it` each
//   runScenarios(injectHarness, { transport: 'inject' })
//   runScenarios(harness, { adapt: { [name]: { reason, run } } })   // see RunOptions.adapt
//
// The scenarios know nothing of any framework: they drive the app through `ScenarioApp` and
// check what a client sees (status, Set-Cookie, Cache-Control, body) and what the server store
// holds. The server store is the real server store on the real memory driver, made
// asynchronous by a delay before each call (nothing is mocked).
import assert from 'node:assert/strict'
import { afterEach, describe, it } from 'node:test'

import {
  createCookieStore,
  createMemoryDriver,
  createServerStore,
  type Session,
  type SessionRegistry,
  type SessionStore,
} from '../../src/index.ts'
import type { SessionDriver } from '../../src/core/driver.ts'
import { HeadersSentError } from '../../src/errors.ts'
import {
  cookiePair,
  deferred,
  keys,
  rawHeaders,
  rawRequest,
  setCookiesNamed,
  tamper,
  within,
} from './adapter-harness.ts'
import { readStreamed } from './chunk-stream.ts'

/** What every scenario session may hold. */
export interface ScenarioData {
  user: string
  n: number
  note: string
}

/** What a route is given: the adapter's own objects, as an app would use them. */
export interface RouteContext {
  /** The session of the app's default store (`req.session`, `request.session`, `ctx.session`). */
  readonly session: Session<ScenarioData>
  /** The request's registry (`req.sessions`, …), for named sessions of other stores. */
  readonly sessions: SessionRegistry
  readonly method: string
}

/** How the route's response body is sent, each the framework's native way. */
export type ScenarioBody =
  | { readonly text: string }
  | { readonly json: unknown }
  /** Chunks written as they come (a Node `Readable`, a `ReadableStream`, `res.write`). */
  | { readonly stream: AsyncIterable<string> }
  /** A redirect with the framework's helper (`res.redirect`, `reply.redirect`, `ctx.redirect`). */
  | { readonly redirect: string }

export interface ScenarioReply {
  /** @default 200 (302 for a redirect) */
  readonly status?: number
  readonly headers?: Readonly<Record<string, string>>
  /** The app's own `Set-Cookie` values, set the framework's native way, before the body. */
  readonly setCookies?: readonly string[]
  /** @default no body */
  readonly body?: ScenarioBody
}

/** An adapter-neutral handler; it may reject (the framework's error path then answers). */
export type Route = (context: RouteContext) => Promise<ScenarioReply>

/** What a harness mounts: the adapter configured with these options, and the routes. */
export interface ScenarioApp {
  /** The default store: its session is `RouteContext.session`. */
  readonly store: SessionStore<ScenarioData>
  /** Paths (`/login`) to routes, mounted for GET, HEAD and POST. */
  readonly routes: Readonly<Record<string, Route>>
  /** The adapter's `commitOnError` option. */
  readonly commitOnError: boolean
  /** The adapter's `onError`: late changes (`HeadersSentError`) and save failures. */
  readonly onError: (error: unknown) => void
}

export interface ScenarioRequest {
  readonly method: string
  readonly path: string
  /** The Cookie header, if any. */
  readonly cookie?: string
}

export interface ScenarioResponse {
  readonly status: number
  readonly headers: Headers
  readonly setCookies: readonly string[]
  readonly body: string
}

export interface StartedApp {
  /** `http://127.0.0.1:<port>` of a real server; the scenarios use fetch and raw sockets. */
  readonly url?: string
  /** An in-process transport instead of a server (fastify.inject). */
  readonly request?: (request: ScenarioRequest) => Promise<ScenarioResponse>
  close(): Promise<void>
}

/** One framework (or one way of running it), as the suite drives it. */
export interface AdapterHarness {
  readonly name: string
  start(app: ScenarioApp): Promise<StartedApp>
}

/** The stores a scenario may use; new ones for every scenario. */
export interface ScenarioStores {
  /** A sealed cookie store, `sk`. */
  readonly cookie: SessionStore<ScenarioData>
  /** The server store (cookie `sid`) on the memory driver behind an asynchronous delay. */
  readonly server: SessionStore<ScenarioData>
  /** The server store's driver, to look at what was written. */
  readonly driver: CountingDriver
  /** A second cookie store, `prefs`, for several named sessions in one request. */
  readonly prefs: SessionStore<ScenarioData>
}

/** A running app, as the scenarios see it. */
export interface Running {
  request(method: string, path: string, cookie?: string): Promise<ScenarioResponse>
  /** Set for real servers: the base URL and the port (raw requests, streaming reads). */
  readonly url: string | undefined
  readonly port: number | undefined
  /** Everything given to `onError` so far. */
  readonly errors: readonly unknown[]
  /** Resolves with the first error given to `onError`. */
  readonly firstError: Promise<unknown>
}

export interface ScenarioContext {
  readonly stores: ScenarioStores
  /** Starts the app through the harness; it is closed after the scenario. */
  start(app: {
    readonly store: SessionStore<ScenarioData>
    readonly routes: Readonly<Record<string, Route>>
    readonly commitOnError?: boolean
  }): Promise<Running>
}

export interface Scenario {
  readonly name: string
  /** Needs a real socket: raw requests (several Cookie lines) or reading a body as it streams. */
  readonly needs?: 'http'
  run(context: ScenarioContext): Promise<void>
}

// ---------------------------------------------------------------------------------------------
// Stores

/** A driver that counts the writes reaching the real memory driver. */
export interface CountingDriver extends SessionDriver {
  /** create/update/touch/delete calls so far. */
  readonly writes: number
  /** While true, every write fails (the backend refuses them; reads still work). */
  failWrites: boolean
}

const tick = (): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, 1)
  })

/** The memory driver, each call a few milliseconds late: a real asynchronous backend. */
export function delayedMemoryDriver(): CountingDriver {
  const inner = createMemoryDriver({ sweepInterval: 0 })
  let writes = 0
  const write = async <T>(call: () => Promise<T>): Promise<T> => {
    await tick()
    writes++
    if (driver.failWrites) throw new Error('the backend refuses writes')
    return call()
  }
  const driver: CountingDriver = {
    name: 'delayed-memory',
    capabilities: inner.capabilities,
    failWrites: false,
    get writes() {
      return writes
    },
    get: async (id, now) => {
      await tick()
      return inner.get(id, now)
    },
    create: (record, now) => write(() => inner.create(record, now)),
    update: (id, patch, now) => write(() => inner.update(id, patch, now)),
    touch: (id, lastSeenAt, expiresAt, now) =>
      write(() => inner.touch(id, lastSeenAt, expiresAt, now)),
    delete: (id) => write(() => inner.delete(id)),
    close: () => inner.close(),
  }
  return driver
}

export function scenarioStores(): ScenarioStores {
  const driver = delayedMemoryDriver()
  return {
    cookie: createCookieStore<ScenarioData>({ name: 'sk', keys, crypto: 'web' }),
    server: createServerStore<ScenarioData>({ name: 'sid', keys, driver }),
    driver,
    prefs: createCookieStore<ScenarioData>({ name: 'prefs', keys }),
  }
}

// ---------------------------------------------------------------------------------------------
// Clients

async function fetchRequest(url: string, request: ScenarioRequest): Promise<ScenarioResponse> {
  const headers = new Headers()
  if (request.cookie !== undefined) headers.set('cookie', request.cookie)
  const response = await fetch(url + request.path, {
    method: request.method,
    headers,
    redirect: 'manual',
  })
  return {
    status: response.status,
    headers: response.headers,
    setCookies: response.headers.getSetCookie(),
    body: await response.text(),
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers for the scenarios

/** The single Set-Cookie of `name`; fails unless there is exactly one. */
export function one(response: ScenarioResponse, name: string): string {
  const found = setCookiesNamed(response.setCookies, name)
  assert.equal(
    found.length,
    1,
    `one Set-Cookie for ${name}: ${JSON.stringify(response.setCookies)}`,
  )
  return found[0] ?? ''
}

export function none(response: ScenarioResponse, name: string): void {
  assert.deepEqual(setCookiesNamed(response.setCookies, name), [], `no Set-Cookie for ${name}`)
}

export function noStore(response: ScenarioResponse): void {
  assert.equal(response.headers.get('cache-control'), 'no-store')
}

export const read: Route = ({ session }) =>
  Promise.resolve({ body: { text: session.get('user') ?? 'anonymous' } })

export const login: Route = ({ session }) => {
  session.set('user', 'ada')
  return Promise.resolve({ body: { text: 'welcome' } })
}

export const logout: Route = ({ session }) => {
  session.destroy()
  return Promise.resolve({ body: { text: 'bye' } })
}

function storeKinds(context: ScenarioContext): [string, SessionStore<ScenarioData>][] {
  return [
    ['cookie store', context.stores.cookie],
    ['async server store', context.stores.server],
  ]
}

export async function loggedIn(app: Running, name: string): Promise<string> {
  const response = await app.request('POST', '/login')
  assert.equal(response.status, 200)
  return cookiePair(one(response, name))
}

export async function* chunks(
  parts: readonly string[],
  between?: () => Promise<void>,
): AsyncIterable<string> {
  for (const [index, part] of parts.entries()) {
    yield part
    if (index === 0 && between !== undefined) await between()
  }
}

// ---------------------------------------------------------------------------------------------
// The table

export const scenarios: readonly Scenario[] = [
  {
    name: 'login sets one session cookie with Cache-Control: no-store, and a read sees it',
    async run(context) {
      for (const [kind, store] of storeKinds(context)) {
        const app = await context.start({ store, routes: { '/login': login, '/': read } })
        const response = await app.request('POST', '/login')
        assert.equal(response.status, 200, kind)
        assert.equal(response.body, 'welcome')
        noStore(response)
        const pair = cookiePair(one(response, store.name))
        const again = await app.request('GET', '/', pair)
        assert.equal(again.body, 'ada', kind)
        none(again, store.name)
      }
    },
  },
  {
    name: 'a request that changes nothing sets no cookie and no Cache-Control',
    async run(context) {
      const app = await context.start({ store: context.stores.server, routes: { '/': read } })
      const response = await app.request('GET', '/')
      assert.equal(response.body, 'anonymous')
      assert.deepEqual(response.setCookies, [])
      assert.equal(response.headers.get('cache-control'), null)
      assert.equal(context.stores.driver.writes, 0)
    },
  },
  {
    name: 'logout deletes the cookie and the server-side session',
    async run(context) {
      for (const [kind, store] of storeKinds(context)) {
        const app = await context.start({
          store,
          routes: { '/login': login, '/logout': logout, '/': read },
        })
        const pair = await loggedIn(app, store.name)
        const response = await app.request('POST', '/logout', pair)
        const deletion = one(response, store.name)
        assert.match(deletion, /Max-Age=0|Expires=Thu, 01 Jan 1970/i, kind)
        noStore(response)
        if (store === context.stores.server) {
          // The old cookie no longer finds the session on the server.
          assert.equal((await app.request('GET', '/', pair)).body, 'anonymous')
        }
      }
    },
  },
  {
    name: 'a logout whose store writes fail answers an error and still clears the cookie',
    async run(context) {
      const store = context.stores.server
      // The app meant to answer a cacheable page with a cookie of its own: neither may go
      // out with the error response.
      const cacheableLogout: Route = ({ session }) => {
        session.destroy()
        return Promise.resolve({
          headers: { 'Cache-Control': 'public, max-age=600' },
          setCookies: ['own=1; Path=/'],
          body: { text: 'bye' },
        })
      }
      const throwingLogout: Route = ({ session }) => {
        session.destroy()
        return Promise.reject(new Error('and then the handler failed'))
      }
      for (const [kind, commitOnError, route] of [
        ['plain', false, logout],
        ['cacheable, with its own cookie', false, cacheableLogout],
        ['commitOnError, the handler throws', true, throwingLogout],
      ] as const) {
        const app = await context.start({
          store,
          commitOnError,
          routes: { '/login': login, '/logout': route, '/': read },
        })
        const pair = await loggedIn(app, store.name)
        context.stores.driver.failWrites = true
        let response: ScenarioResponse
        try {
          response = await app.request('POST', '/logout', pair)
        } finally {
          context.stores.driver.failWrites = false
        }
        assert.equal(response.status, 500, `${kind}: the failure is not answered as a logout`)
        assert.notEqual(response.body, 'bye', kind)
        // The browser is logged out all the same: the deletion cookie went with the error.
        const deletion = one(response, store.name)
        assert.match(deletion, /^sid=;/, kind)
        assert.match(deletion, /Max-Age=0|Expires=Thu, 01 Jan 1970/i, kind)
        none(response, 'own')
        assert.equal(response.headers.get('cache-control'), 'no-store', kind)
      }
    },
  },
  {
    name: 'regenerate issues a new id and the old one no longer loads the data',
    async run(context) {
      const store = context.stores.server
      const regenerate: Route = ({ session }) => {
        session.regenerate()
        session.set('note', 'promoted')
        return Promise.resolve({ body: { text: 'ok' } })
      }
      const app = await context.start({
        store,
        routes: { '/login': login, '/regenerate': regenerate, '/': read },
      })
      const before = await loggedIn(app, store.name)
      const response = await app.request('POST', '/regenerate', before)
      const after = cookiePair(one(response, store.name))
      assert.notEqual(after, before)
      assert.equal((await app.request('GET', '/', after)).body, 'ada')
      assert.equal((await app.request('GET', '/', before)).body, 'anonymous')
    },
  },
  {
    name: 'a redirect after login carries the cookie',
    async run(context) {
      for (const [kind, store] of storeKinds(context)) {
        const redirect: Route = ({ session }) => {
          session.set('user', 'ada')
          return Promise.resolve({ body: { redirect: '/home' } })
        }
        const app = await context.start({ store, routes: { '/login': redirect, '/': read } })
        const response = await app.request('POST', '/login')
        assert.equal(response.status, 302, kind)
        assert.equal(new URL(response.headers.get('location') ?? '', 'http://x').pathname, '/home')
        noStore(response)
        const pair = cookiePair(one(response, store.name))
        assert.equal((await app.request('GET', '/', pair)).body, 'ada')
      }
    },
  },
  {
    name: 'a JSON response carries the cookie',
    async run(context) {
      const store = context.stores.server
      const json: Route = ({ session }) => {
        session.set('user', 'ada')
        return Promise.resolve({ body: { json: { user: 'ada', ok: true } } })
      }
      const app = await context.start({ store, routes: { '/api': json } })
      const response = await app.request('POST', '/api')
      assert.equal(response.status, 200)
      assert.match(response.headers.get('content-type') ?? '', /application\/json/)
      assert.deepEqual(JSON.parse(response.body), { user: 'ada', ok: true })
      one(response, store.name)
      noStore(response)
    },
  },
  {
    name: 'a streamed body: the cookie is in the headers and every chunk arrives',
    async run(context) {
      for (const [kind, store] of storeKinds(context)) {
        const stream: Route = ({ session }) => {
          session.set('user', 'ada')
          return Promise.resolve({
            headers: { 'content-type': 'text/plain' },
            body: { stream: chunks(['one ', 'two ', 'three']) },
          })
        }
        const app = await context.start({ store, routes: { '/stream': stream, '/': read } })
        const response = await app.request('GET', '/stream')
        assert.equal(response.status, 200, kind)
        assert.equal(response.body, 'one two three')
        const pair = cookiePair(one(response, store.name))
        assert.equal((await app.request('GET', '/', pair)).body, 'ada')
      }
    },
  },
  {
    name: 'HEAD: the cookie is set and no body is sent',
    async run(context) {
      const store = context.stores.server
      const app = await context.start({ store, routes: { '/login': login, '/': read } })
      const response = await app.request('HEAD', '/login')
      assert.equal(response.status, 200)
      assert.equal(response.body, '')
      const pair = cookiePair(one(response, store.name))
      noStore(response)
      assert.equal((await app.request('GET', '/', pair)).body, 'ada')
    },
  },
  {
    name: 'a 304 carries the cookie and no body',
    async run(context) {
      const store = context.stores.server
      const notModified: Route = ({ session }) => {
        session.increment('n')
        return Promise.resolve({ status: 304, headers: { etag: '"v1"' } })
      }
      const app = await context.start({ store, routes: { '/': notModified } })
      const response = await app.request('GET', '/')
      assert.equal(response.status, 304)
      assert.equal(response.body, '')
      assert.equal(response.headers.get('etag'), '"v1"')
      one(response, store.name)
    },
  },
  {
    name: "the app's own Set-Cookie values are kept, ours is added once",
    async run(context) {
      for (const [kind, store] of storeKinds(context)) {
        const theirs = ['theme=dark; Path=/', 'lang=en; Path=/; HttpOnly']
        const route: Route = ({ session }) => {
          session.set('user', 'ada')
          return Promise.resolve({ setCookies: theirs, body: { text: 'ok' } })
        }
        const app = await context.start({ store, routes: { '/': route } })
        const response = await app.request('POST', '/')
        assert.deepEqual(setCookiesNamed(response.setCookies, 'theme'), [theirs[0]], kind)
        assert.deepEqual(setCookiesNamed(response.setCookies, 'lang'), [theirs[1]], kind)
        one(response, store.name)
        assert.equal(response.setCookies.length, 3, kind)
      }
    },
  },
  {
    name: 'several named sessions in one request: one cookie each',
    async run(context) {
      const { server, prefs } = context.stores
      const both: Route = async ({ session, sessions }) => {
        session.set('user', 'ada')
        const other = await sessions.get(prefs)
        other.set('note', 'dark')
        return { body: { text: 'ok' } }
      }
      const readBoth: Route = async ({ session, sessions }) => {
        const other = await sessions.get(prefs)
        return { body: { text: `${session.get('user') ?? '-'} ${other.get('note') ?? '-'}` } }
      }
      const app = await context.start({ store: server, routes: { '/': both, '/read': readBoth } })
      const response = await app.request('POST', '/')
      const cookie = [cookiePair(one(response, 'sid')), cookiePair(one(response, 'prefs'))]
      assert.equal(response.setCookies.length, 2)
      assert.equal((await app.request('GET', '/read', cookie.join('; '))).body, 'ada dark')
    },
  },
  {
    name: 'a tampered cookie gives a fresh session',
    async run(context) {
      for (const [kind, store] of storeKinds(context)) {
        const app = await context.start({ store, routes: { '/login': login, '/': read } })
        const pair = await loggedIn(app, store.name)
        const response = await app.request('GET', '/', tamper(pair))
        assert.equal(response.status, 200, kind)
        assert.equal(response.body, 'anonymous', kind)
      }
    },
  },
  {
    name: 'duplicate and smuggled cookies: planted values never hide the real one',
    needs: 'http',
    async run(context) {
      const store = context.stores.server
      const app = await context.start({ store, routes: { '/login': login, '/': read } })
      const pair = await loggedIn(app, store.name)
      const port = app.port ?? 0
      // Several Cookie lines, a planted duplicate before the real cookie, a comma-joined pair.
      const response = await rawRequest(port, [
        'GET / HTTP/1.1',
        `Cookie: sid=planted; a=1`,
        `Cookie: ${pair}`,
        `Cookie: b=2, sid=smuggled`,
      ])
      assert.equal(response.status, 200)
      assert.equal(response.body.trim().endsWith('ada'), true, response.body)
      const smuggledOnly = await rawRequest(port, ['GET / HTTP/1.1', `Cookie: x=1, ${pair}`])
      assert.equal(smuggledOnly.status, 200)
      assert.equal(smuggledOnly.body.trim().endsWith('anonymous'), true, smuggledOnly.body)
      assert.deepEqual(
        rawHeaders(smuggledOnly, 'set-cookie').filter((value) => value.startsWith('sid=')),
        [],
      )
    },
  },
  {
    name: 'a change after the response started is reported to onError and not saved',
    needs: 'http',
    async run(context) {
      const store = context.stores.server
      const firstChunkSeen = deferred<undefined>()
      const late: Route = ({ session }) => {
        session.set('user', 'ada')
        return Promise.resolve({
          body: {
            stream: chunks(['first ', 'rest'], async () => {
              await firstChunkSeen.promise
              session.set('note', 'too late')
            }),
          },
        })
      }
      const noteOf: Route = ({ session }) =>
        Promise.resolve({ body: { text: session.get('note') ?? 'none' } })
      const app = await context.start({ store, routes: { '/late': late, '/note': noteOf } })
      const response = await fetch(`${app.url ?? ''}/late`)
      const ours = setCookiesNamed(response.headers.getSetCookie(), 'sid')
      assert.equal(ours.length, 1, 'the cookie went out with the headers')
      const pair = cookiePair(ours[0] ?? '')
      const text = await readStreamed(response.body, 'first', () => {
        firstChunkSeen.resolve(undefined)
      })
      assert.equal(text, 'first rest')
      const error = await within(app.firstError, 2000, 'onError')
      assert.ok(error instanceof HeadersSentError, String(error))
      assert.equal((await app.request('GET', '/note', pair)).body, 'none')
    },
  },
  {
    name: 'a handler that throws after changing the session commits nothing (default)',
    async run(context) {
      for (const [kind, store] of storeKinds(context)) {
        const fail: Route = ({ session }) => {
          session.set('note', 'half done')
          return Promise.reject(new Error('handler failed'))
        }
        const noteOf: Route = ({ session }) =>
          Promise.resolve({ body: { text: session.get('note') ?? 'none' } })
        const app = await context.start({
          store,
          routes: { '/login': login, '/fail': fail, '/note': noteOf },
        })
        const pair = await loggedIn(app, store.name)
        const writes = context.stores.driver.writes
        const response = await app.request('POST', '/fail', pair)
        assert.equal(response.status, 500, kind)
        none(response, store.name)
        assert.equal(context.stores.driver.writes, writes, `${kind}: no store write`)
        // A fresh visitor's failed request creates no server-side session either.
        const fresh = await app.request('POST', '/fail')
        assert.equal(fresh.status, 500)
        none(fresh, store.name)
        assert.equal(context.stores.driver.writes, writes, `${kind}: no store write`)
        assert.equal((await app.request('GET', '/note', pair)).body, 'none', kind)
      }
    },
  },
  {
    name: 'a handler that throws after changing the session commits it with commitOnError',
    async run(context) {
      for (const [kind, store] of storeKinds(context)) {
        const fail: Route = ({ session }) => {
          session.set('note', 'kept')
          return Promise.reject(new Error('handler failed'))
        }
        const noteOf: Route = ({ session }) =>
          Promise.resolve({ body: { text: session.get('note') ?? 'none' } })
        const app = await context.start({
          store,
          commitOnError: true,
          routes: { '/fail': fail, '/note': noteOf },
        })
        const response = await app.request('POST', '/fail')
        assert.equal(response.status, 500, kind)
        const pair = cookiePair(one(response, store.name))
        noStore(response)
        assert.equal((await app.request('GET', '/note', pair)).body, 'kept', kind)
      }
    },
  },
  {
    name: 'a store whose save fails answers with an error and no session cookie',
    async run(context) {
      const inner = context.stores.server
      const broken: SessionStore<ScenarioData> = {
        name: inner.name,
        get: (cookieHeader) => inner.get(cookieHeader),
        create: () => inner.create(),
        save: () => Promise.reject(new Error('backend unavailable')),
        destroy: (session) => inner.destroy(session),
      }
      const app = await context.start({ store: broken, routes: { '/login': login } })
      const response = await app.request('POST', '/login')
      assert.ok(response.status >= 500, `status ${response.status}`)
      none(response, inner.name)
      assert.notEqual(response.body, 'welcome')
    },
  },
]

// ---------------------------------------------------------------------------------------------
// The runner

export interface RunOptions {
  /** `inject`: the harness returns `request` instead of a server; `needs: 'http'` are left out. */
  readonly transport?: 'http' | 'inject'
  /** Only these scenarios (by name). */
  readonly only?: (scenario: Scenario) => boolean
  /**
   * Scenarios this framework's model answers differently (React Router commits explicitly:
   * no registry, no `onError`, no `commitOnError`), by scenario name: `run` replaces the
   * scenario's own and asserts what the adapter documents for that case instead, under the
   * title "<scenario> (adapted: <reason>)". A name not in the table is an error.
   */
  readonly adapt?: Readonly<Record<string, AdaptedScenario>>
}

/** What a harness runs in place of one scenario, and why. */
export interface AdaptedScenario {
  readonly reason: string
  run(context: ScenarioContext): Promise<void>
}

/** Registers one `describe(harness.name)` with one `it` per scenario. */
export function runScenarios(harness: AdapterHarness, options: RunOptions = {}): void {
  const transport = options.transport ?? 'http'
  const adapt = options.adapt ?? {}
  for (const name of Object.keys(adapt)) {
    if (!scenarios.some((scenario) => scenario.name === name)) {
      throw new Error(`${harness.name}: no scenario named ${JSON.stringify(name)} to adapt`)
    }
  }
  describe(harness.name, () => {
    const open: StartedApp[] = []
    afterEach(async () => {
      await Promise.all(open.splice(0).map((app) => app.close()))
    })
    for (const scenario of scenarios) {
      if (transport === 'inject' && scenario.needs === 'http') continue
      if (options.only !== undefined && !options.only(scenario)) continue
      const adapted = Object.hasOwn(adapt, scenario.name) ? adapt[scenario.name] : undefined
      const title =
        adapted === undefined ? scenario.name : `${scenario.name} (adapted: ${adapted.reason})`
      const run = (context: ScenarioContext): Promise<void> => (adapted ?? scenario).run(context)
      it(title, async () => {
        const stores = scenarioStores()
        await run({
          stores,
          async start(app) {
            const errors: unknown[] = []
            const first = deferred<unknown>()
            const started = await harness.start({
              store: app.store,
              routes: app.routes,
              commitOnError: app.commitOnError ?? false,
              onError: (error) => {
                errors.push(error)
                first.resolve(error)
              },
            })
            open.push(started)
            const url = started.url
            const inProcess = started.request
            if (transport === 'http' && url === undefined) {
              throw new Error(`${harness.name}: an http harness must return a url`)
            }
            const send = (request: ScenarioRequest): Promise<ScenarioResponse> => {
              if (url !== undefined) return fetchRequest(url, request)
              if (inProcess === undefined) throw new Error(`${harness.name}: no transport`)
              return inProcess(request)
            }
            return {
              url,
              port: url === undefined ? undefined : Number(new URL(url).port),
              errors,
              firstError: first.promise,
              request: (method, path, cookie) =>
                send(cookie === undefined ? { method, path } : { method, path, cookie }),
            }
          },
        })
      })
    }
  })
}
