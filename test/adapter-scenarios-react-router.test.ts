// The shared adapter scenarios on React Router 7 (its static handler's loaders and actions,
// over real HTTP). React Router commits explicitly (`commitSession` into the response), so
// three scenarios of the implicit-commit adapters are adapted to what this adapter documents.
import assert from 'node:assert/strict'

import type { LoaderFunctionArgs, RouteObject } from 'react-router'

import { SessionSaveError } from '../src/errors.ts'
import { createReactRouterSessionStorage } from '../src/react-router.ts'
import { cookiePair, deferred } from './support/adapter-harness.ts'
import { readStreamed } from './support/chunk-stream.ts'
import {
  chunks,
  login,
  loggedIn,
  none,
  one,
  runScenarios,
  type AdaptedScenario,
  type Route,
} from './support/adapter-scenarios.ts'
import {
  reactRouterHarness,
  responseOf,
  serveReactRouter,
} from './support/scenario-react-router.ts'

const noteOf: Route = ({ session }) =>
  Promise.resolve({ body: { text: session.get('note') ?? 'none' } })

const adapt: Record<string, AdaptedScenario> = {
  'a logout whose store writes fail answers an error and still clears the cookie': {
    reason:
      'no adapter-owned response: destroySession rejects with SessionSaveError, whose setCookies the action sends with its error response',
    async run(context) {
      const store = context.stores.server
      const storage = createReactRouterSessionStorage(store)
      const route = async ({ request }: LoaderFunctionArgs): Promise<Response> => {
        const session = await storage.getSession(request.headers.get('Cookie'))
        if (new URL(request.url).pathname === '/login') {
          session.set('user', 'ada')
          return responseOf({ body: { text: 'welcome' } }, await storage.commitSession(session))
        }
        try {
          return responseOf({ body: { text: 'bye' } }, await storage.destroySession(session))
        } catch (error) {
          assert.ok(error instanceof SessionSaveError, String(error))
          // After the logout the session reads as empty, as React Router's own do not fail.
          assert.equal(session.get('user'), undefined)
          const headers = new Headers({ 'Cache-Control': 'no-store' })
          for (const value of error.setCookies) headers.append('Set-Cookie', value)
          return new Response('Internal Server Error', { status: 500, headers })
        }
      }
      const routes: RouteObject[] = ['/login', '/logout'].map((path) => ({
        id: path,
        path,
        loader: route,
        action: route,
      }))
      const app = await serveReactRouter(routes)
      try {
        const url = app.url ?? ''
        const login = await fetch(`${url}/login`, { method: 'POST' })
        const sent = { status: login.status, headers: login.headers, body: '' }
        const pair = cookiePair(one({ ...sent, setCookies: login.headers.getSetCookie() }, 'sid'))
        context.stores.driver.failWrites = true
        let response: Response
        try {
          response = await fetch(`${url}/logout`, { method: 'POST', headers: { cookie: pair } })
        } finally {
          context.stores.driver.failWrites = false
        }
        assert.equal(response.status, 500)
        const deletion = one(
          {
            status: 500,
            headers: response.headers,
            body: '',
            setCookies: response.headers.getSetCookie(),
          },
          'sid',
        )
        assert.match(deletion, /^sid=;/)
        assert.match(deletion, /Max-Age=0/)
      } finally {
        await app.close()
      }
    },
  },
  'several named sessions in one request: one cookie each': {
    reason: 'no request registry; one SessionStorage per store, each committed',
    async run(context) {
      const { server, prefs } = context.stores
      const main = createReactRouterSessionStorage(server)
      const other = createReactRouterSessionStorage(prefs)
      const both = async ({ request }: LoaderFunctionArgs): Promise<Response> => {
        const cookie = request.headers.get('Cookie')
        const [a, b] = await Promise.all([main.getSession(cookie), other.getSession(cookie)])
        if (request.method === 'POST') {
          a.set('user', 'ada')
          b.set('note', 'dark')
        }
        const response = responseOf(
          {
            body: {
              text: `${main.sessionOf(a).get('user') ?? '-'} ${other.sessionOf(b).get('note') ?? '-'}`,
            },
          },
          await main.commitSession(a),
        )
        const second = await other.commitSession(b)
        if (second !== '') response.headers.append('Set-Cookie', second)
        return response
      }
      const routes: RouteObject[] = [{ id: 'both', path: '/', loader: both, action: both }]
      const app = await serveReactRouter(routes)
      try {
        const url = app.url ?? ''
        const response = await fetch(`${url}/`, { method: 'POST' })
        const setCookies = response.headers.getSetCookie()
        const sent = { status: response.status, headers: response.headers, setCookies, body: '' }
        const cookie = [cookiePair(one(sent, 'sid')), cookiePair(one(sent, 'prefs'))]
        assert.equal(setCookies.length, 2)
        const again = await fetch(`${url}/`, { headers: { cookie: cookie.join('; ') } })
        assert.equal(await again.text(), 'ada dark')
        assert.deepEqual(again.headers.getSetCookie(), [], 'nothing changed, nothing set')
      } finally {
        await app.close()
      }
    },
  },
  'a change after the response started is reported to onError and not saved': {
    reason: 'commitSession runs before the Response exists; a later change is not saved',
    async run(context) {
      const store = context.stores.server
      const firstChunkSeen = deferred<undefined>()
      const changed = deferred<undefined>()
      const late: Route = ({ session }) => {
        session.set('user', 'ada')
        return Promise.resolve({
          body: {
            stream: chunks(['first ', 'rest'], async () => {
              await firstChunkSeen.promise
              session.set('note', 'too late')
              changed.resolve(undefined)
            }),
          },
        })
      }
      const app = await context.start({ store, routes: { '/late': late, '/note': noteOf } })
      const response = await fetch(`${app.url ?? ''}/late`)
      const ours = response.headers.getSetCookie().filter((line) => line.startsWith('sid='))
      assert.equal(ours.length, 1, 'the cookie went out with the headers')
      const pair = cookiePair(ours[0] ?? '')
      const text = await readStreamed(response.body, 'first', () => {
        firstChunkSeen.resolve(undefined)
      })
      assert.equal(text, 'first rest')
      await changed.promise
      // What was committed is stored; the late change is not, and nothing else is written.
      const writes = context.stores.driver.writes
      assert.equal((await app.request('GET', '/note', pair)).body, 'none')
      assert.equal(context.stores.driver.writes, writes)
      assert.deepEqual(app.errors, [], 'React Router has no onError to report it to')
    },
  },
  'a handler that throws after changing the session commits it with commitOnError': {
    reason: 'no commitOnError; a throw before commitSession commits nothing',
    async run(context) {
      for (const [kind, store] of [
        ['cookie store', context.stores.cookie],
        ['async server store', context.stores.server],
      ] as const) {
        const fail: Route = ({ session }) => {
          session.set('note', 'kept')
          return Promise.reject(new Error('handler failed'))
        }
        const app = await context.start({
          store,
          commitOnError: true,
          routes: { '/login': login, '/fail': fail, '/note': noteOf },
        })
        const pair = await loggedIn(app, store.name)
        const writes = context.stores.driver.writes
        const response = await app.request('POST', '/fail', pair)
        assert.equal(response.status, 500, kind)
        none(response, store.name)
        assert.equal(context.stores.driver.writes, writes, `${kind}: no store write`)
        assert.equal((await app.request('GET', '/note', pair)).body, 'none', kind)
      }
    },
  },
}

runScenarios(reactRouterHarness, { adapt })
