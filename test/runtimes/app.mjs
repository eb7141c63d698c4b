// The Fetch app every runtime serves (Bun.serve, Deno.serve, workerd) for
// test/runtimes.test.ts, on the published package (dist/, imported by name). Web-standard
// APIs only. Every store is created here, at module scope, as apps do: workerd refuses a
// timer, random values or I/O in global scope, so creating one must do none of them.
import {
  createCookieStore,
  createKeyRing,
  createMemoryDriver,
  createNodeCryptoBackend,
  createServerStore,
} from 'sessionkit'
import { withSessions } from 'sessionkit/fetch'
import { session as honoSession } from 'sessionkit/hono'
import { Hono } from 'hono'

// A fixed test key: a key from the environment would not be readable at module scope on
// workerd (its env arrives with each request).
const keys = createKeyRing([
  { id: 'k1', secret: '7f3c1a9e5b2d8f4061c7e3a9b5d1f7082c4e6a8b0d2f4a6c8e0b2d4f6a8c0e2b' },
])

const hasNodeCrypto = createNodeCryptoBackend() !== undefined

/** Cookie stores by backend: node:crypto only where the runtime has it. */
const cookieStores = {
  auto: createCookieStore({ name: 'auto', keys }),
  web: createCookieStore({ name: 'web', keys, crypto: 'web' }),
  ...(hasNodeCrypto ? { node: createCookieStore({ name: 'node', keys, crypto: 'node' }) } : {}),
}
const server = createServerStore({ name: 'sid', keys, driver: createMemoryDriver() })
const prefs = createCookieStore({ name: 'prefs', keys, format: 'signed' })
const hono = createCookieStore({ name: 'hono', keys, crypto: 'web' })
const autoSecure = createCookieStore({ name: 'asec', keys, cookie: { secure: 'auto' } })

function json(value, init) {
  return Response.json(value, init)
}

/** What a visit reports: the count, whether the session is new, why a cookie was refused. */
function visit(session) {
  const visits = session.increment('visits')
  return { visits, isNew: session.isNew, loadError: session.loadError?.reason ?? null }
}

async function route(request, sessions, runtime) {
  const url = new URL(request.url)
  const [, area, what, action] = url.pathname.split('/')
  if (area === 'info') {
    return json({
      runtime,
      backends: Object.keys(cookieStores).filter((name) => name !== 'auto'),
      auto: hasNodeCrypto ? 'node' : 'web',
    })
  }
  if (area === 'cookie') {
    const store = cookieStores[what]
    if (store === undefined) return new Response('no such backend', { status: 404 })
    const session = await sessions.get(store)
    if (action === 'hostile') {
      // Keys that name Object.prototype members are data, on every runtime (Deno has no
      // __proto__ accessor, Node and Bun do).
      if (request.method === 'POST') {
        session.set('__proto__', { polluted: true })
        session.set('constructor', 'data')
      }
      return json({
        proto: session.get('__proto__') ?? null,
        ctor: session.get('constructor') ?? null,
        keys: [...session.keys()],
        clean: Object.getPrototypeOf(session.getAll()) === Object.prototype && !('polluted' in {}),
      })
    }
    return json(visit(session))
  }
  if (area === 'server') {
    const session = await sessions.get(server)
    if (what === 'regenerate') {
      session.regenerate({ newLifetime: true })
      return json(visit(session))
    }
    if (what === 'logout') {
      session.destroy()
      return json({ destroyed: true })
    }
    return json(visit(session))
  }
  if (area === 'flash') {
    const session = await sessions.get(server)
    if (what === 'set') {
      session.addFlash('notice', 'saved')
      session.addFlash('notice', 'twice')
      return Response.redirect(new URL('/flash/read', request.url), 303)
    }
    return json({ notices: session.flashes('notice') })
  }
  if (area === 'secure-auto') {
    return json(visit(await sessions.get(autoSecure)))
  }
  if (area === 'multi') {
    const a = await sessions.get(cookieStores.web)
    const b = await sessions.get(prefs)
    const c = await sessions.get(server)
    a.increment('visits')
    b.set('theme', 'dark')
    c.increment('visits')
    return json({ web: a.get('visits'), prefs: b.get('theme'), sid: c.get('visits') })
  }
  return new Response('not found', { status: 404 })
}

/** Hono with sessionkit/hono: the store's session as c.var.session, the registry as c.var.sessions. */
function honoApp() {
  const app = new Hono()
  app.use('/hono/*', honoSession(hono))
  app.get('/hono/visit', (c) => c.json(visit(c.var.session)))
  app.post('/hono/login', async (c) => {
    const session = await c.var.sessions.get(server)
    session.regenerate({ newLifetime: true })
    session.set('user', 'ada')
    session.addFlash('notice', 'welcome')
    return c.redirect('/hono/me', 303)
  })
  app.get('/hono/me', async (c) => {
    const session = await c.var.sessions.get(server)
    return c.json({ user: session.get('user') ?? null, notices: session.flashes('notice') })
  })
  return app
}

/** The app's fetch handler; `runtime` names the runtime in `/info`. */
export function createApp(runtime) {
  const plain = withSessions((request, sessions) => route(request, sessions, runtime))
  const app = honoApp()
  return {
    fetch(request, ...rest) {
      if (new URL(request.url).pathname.startsWith('/hono/')) return app.fetch(request, ...rest)
      return plain(request)
    },
  }
}
