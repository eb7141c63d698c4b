// The React Router adapter against the real react-router 7: a data router (createStaticHandler,
// its server-side query engine) with loaders and actions that use the storage as React Router's
// docs do, over a cookie store and a server store (memory driver): login with regeneration,
// flash read once, logout, a throwing action that commits nothing, a tampered cookie, cookie
// options, and React Router's own `isSession` on the sessions it gives.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'

import {
  createStaticHandler,
  isSession,
  redirect,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
  type SessionStorage,
} from 'react-router'

import {
  createCookieStore,
  createMemoryDriver,
  createServerStore,
  SessionArgumentError,
  SessionDestroyedError,
  type SessionStore,
} from '../src/index.ts'
import { createReactRouterSessionStorage } from '../src/react-router.ts'
import { CookieJar, parseSetCookie } from '../src/testing.ts'
import { keys } from './support/adapter-harness.ts'

interface Data {
  user: string
}
interface Flash {
  notice: string
}

const NAME = 'sid'

function app(store: SessionStore<Data, Flash>) {
  const storage = createReactRouterSessionStorage(store)
  // What React Router's docs do with their storages: the same code works unchanged.
  const { getSession, commitSession, destroySession } = storage
  const cookieOf = (request: Request) => request.headers.get('Cookie')
  const handler = createStaticHandler([
    {
      id: 'home',
      path: '/',
      loader: async ({ request }: LoaderFunctionArgs) => {
        const session = await getSession(cookieOf(request))
        const body = {
          user: session.get('user') ?? null,
          notice: session.get('notice') ?? null,
          has: session.has('user'),
          isSession: isSession(session),
          reason: storage.sessionOf(session).loadError?.reason ?? null,
        }
        return Response.json(body, { headers: { 'Set-Cookie': await commitSession(session) } })
      },
    },
    {
      id: 'login',
      path: '/login',
      action: async ({ request }: ActionFunctionArgs) => {
        const session = await getSession(cookieOf(request))
        const form = await request.formData()
        storage.sessionOf(session).regenerate({ newLifetime: true })
        const user = form.get('user')
        assert.equal(typeof user, 'string')
        session.set('user', user as string)
        session.flash('notice', 'Welcome')
        const remember = form.get('remember') === 'on'
        const cookie = await commitSession(session, remember ? { maxAge: 3600 } : undefined)
        return redirect('/', { headers: { 'Set-Cookie': cookie } })
      },
    },
    {
      id: 'peek',
      path: '/peek',
      loader: async ({ request }: LoaderFunctionArgs) => {
        const session = await getSession(cookieOf(request))
        session.flash('notice', 'peeked')
        const data = session.data
        const first = session.get('notice')
        const again = session.get('notice')
        return Response.json({ data, first, again: again ?? null, has: session.has('notice') })
      },
    },
    {
      id: 'rename',
      path: '/rename',
      action: async ({ request }: ActionFunctionArgs) => {
        const session = await getSession(cookieOf(request))
        session.set('user', 'mallory')
        // Fails before committing: the change goes nowhere.
        throw new Error('the database is down')
      },
    },
    {
      id: 'logout',
      path: '/logout',
      action: async ({ request }: ActionFunctionArgs) => {
        const session = await getSession(cookieOf(request))
        return redirect('/', { headers: { 'Set-Cookie': await destroySession(session) } })
      },
    },
  ])

  async function send(jar: CookieJar, path: string, form?: Record<string, string>) {
    const headers = new Headers()
    if (jar.header !== undefined) headers.set('Cookie', jar.header)
    const init: RequestInit = { headers }
    if (form !== undefined) {
      init.method = 'POST'
      init.body = new URLSearchParams(form)
    }
    const result: unknown = await handler.queryRoute(new Request(`http://app.test${path}`, init))
    assert.ok(result instanceof Response)
    const setCookies = result.headers.getSetCookie().filter((line) => line !== '')
    const named = setCookies.filter((line) => line.startsWith(`${NAME}=`))
    assert.equal(named.length, setCookies.length, 'only the session cookie')
    assert.ok(named.length <= 1, 'one Set-Cookie per name')
    jar.apply(setCookies)
    return { response: result, setCookies }
  }

  async function home(jar: CookieJar) {
    const { response, setCookies } = await send(jar, '/')
    const body = (await response.json()) as {
      user: string | null
      notice: string | null
      has: boolean
      isSession: boolean
      reason: string | null
    }
    return { body, setCookies }
  }

  return { storage, send, home }
}

const stores: Record<string, () => SessionStore<Data, Flash>> = {
  'cookie store': () =>
    createCookieStore<Data, Flash>({ name: NAME, keys, cookie: { secure: false } }),
  'server store (memory driver)': () =>
    createServerStore<Data, Flash>({
      name: NAME,
      driver: createMemoryDriver({ sweepInterval: 0 }),
      keys,
      cookie: { secure: false },
    }),
}

for (const [label, makeStore] of Object.entries(stores)) {
  describe(`React Router SessionStorage over a ${label}`, () => {
    it('logs in (a new id), shows a flash once, logs out', async () => {
      const { send, home } = app(makeStore())
      const jar = new CookieJar()
      const anonymous = await home(jar)
      assert.deepEqual(anonymous.body, {
        user: null,
        notice: null,
        has: false,
        isSession: true,
        reason: null,
      })
      assert.deepEqual(anonymous.setCookies, [], 'an empty session sets no cookie')

      const login = await send(jar, '/login', { user: 'ada' })
      assert.equal(login.response.status, 302)
      assert.equal(login.response.headers.get('Location'), '/')
      assert.equal(login.setCookies.length, 1)
      const cookie = parseSetCookie(login.setCookies[0] ?? '')
      assert.equal(cookie.deleted, false)
      assert.match(login.setCookies[0] ?? '', /HttpOnly/)
      assert.doesNotMatch(login.setCookies[0] ?? '', /Max-Age/, 'a browser-session cookie')

      const first = await home(jar)
      assert.equal(first.body.user, 'ada')
      assert.equal(first.body.has, true)
      assert.equal(first.body.notice, 'Welcome', 'the flash')
      const second = await home(jar)
      assert.equal(second.body.notice, null, 'a flash is read once')
      assert.equal(second.body.user, 'ada')

      const before = jar.copy()
      const out = await send(jar, '/logout', {})
      assert.equal(out.response.status, 302)
      assert.equal(out.setCookies.length, 1)
      assert.equal(parseSetCookie(out.setCookies[0] ?? '').deleted, true, 'a deletion cookie')
      assert.equal((await home(jar)).body.user, null)
      if (label.startsWith('server')) {
        // The old cookie names a destroyed session.
        const stale = await home(before)
        assert.equal(stale.body.user, null)
        assert.equal(stale.body.reason, 'unknown-session')
      }
    })

    it('login regenerates the session: the pre-login cookie does not carry the login', async () => {
      const { send, home } = app(makeStore())
      const jar = new CookieJar()
      await send(jar, '/login', { user: 'ada' })
      await home(jar)
      const first = jar.value(NAME)
      await send(jar, '/login', { user: 'grace' })
      assert.notEqual(jar.value(NAME), first, 'a new cookie at login')
      if (label.startsWith('server')) {
        const old = new CookieJar()
        old.set(NAME, first ?? '')
        assert.equal((await home(old)).body.user, null, 'the replaced id is gone')
      }
      assert.equal((await home(jar)).body.user, 'grace')
    })

    it('flash: set and read in one request, data shows it, get consumes it', async () => {
      const { send } = app(makeStore())
      const jar = new CookieJar()
      const { response } = await send(jar, '/peek')
      assert.deepEqual(await response.json(), {
        data: { __flash_notice__: 'peeked' },
        first: 'peeked',
        again: null,
        has: false,
      })
    })

    it('an action that throws after changing the session commits nothing', async () => {
      const { send, home } = app(makeStore())
      const jar = new CookieJar()
      await send(jar, '/login', { user: 'ada' })
      await home(jar)
      await assert.rejects(send(jar, '/rename', {}), /the database is down/)
      assert.equal((await home(jar)).body.user, 'ada')
    })

    it('a tampered cookie gives a fresh session, with the reason', async () => {
      const { send, home } = app(makeStore())
      const jar = new CookieJar()
      await send(jar, '/login', { user: 'ada' })
      const value = jar.value(NAME) ?? ''
      const flipped = value.slice(0, 20) + (value[20] === 'A' ? 'B' : 'A') + value.slice(21)
      const tampered = new CookieJar()
      tampered.set(NAME, flipped)
      const { body } = await home(tampered)
      assert.equal(body.user, null)
      assert.equal(body.reason, 'tampered')
    })

    it('commitSession options: maxAge makes a persistent cookie', async () => {
      const { send } = app(makeStore())
      const jar = new CookieJar()
      const login = await send(jar, '/login', { user: 'ada', remember: 'on' })
      assert.match(login.setCookies[0] ?? '', /Max-Age=3600/)
    })

    it('after destroySession the session reads as empty and a write throws', async () => {
      const storage = createReactRouterSessionStorage(makeStore())
      const session = await storage.getSession(null)
      session.set('user', 'ada')
      session.flash('notice', 'hi')
      const cookie = (await storage.commitSession(session)).split(';')[0] ?? ''
      const loaded = await storage.getSession(cookie)
      assert.equal(loaded.get('user'), 'ada')
      assert.match(await storage.destroySession(loaded), /Max-Age=0|Expires=Thu, 01 Jan 1970/)
      assert.equal(loaded.get('user'), undefined)
      assert.equal(loaded.get('notice'), undefined)
      assert.equal(loaded.has('user'), false)
      assert.deepEqual(loaded.data, {})
      assert.throws(() => {
        loaded.set('user', 'mallory')
      }, SessionDestroyedError)
    })

    it('refuses sessions of another storage and cookie options it cannot honour', async () => {
      const { storage } = app(makeStore())
      const other = createReactRouterSessionStorage(makeStore())
      const foreign = await other.getSession(null)
      assert.throws(() => storage.sessionOf(foreign), SessionArgumentError)
      await assert.rejects(storage.commitSession(foreign), SessionArgumentError)
      const session = await storage.getSession(undefined)
      session.set('user', 'ada')
      await assert.rejects(
        storage.commitSession(session, { encode: (value) => value }),
        SessionArgumentError,
      )
      // It is React Router's SessionStorage, by type.
      const typed: SessionStorage<Data, Flash> = storage
      assert.equal(typeof typed.getSession, 'function')
    })
  })
}
