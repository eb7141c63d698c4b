// The example application: a login session and a preferences session, each in its own cookie,
// on plain node:http. In your own code, import from 'sessionkit' and 'sessionkit/node'.

import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createCookieStore, type KeyRing, type Session } from '../src/index.ts'
import { withSessions, type NodeSessionRegistry } from '../src/node.ts'
import { errorPage, homePage, type HomeView, type Theme } from './pages.ts'

export interface AppOptions {
  readonly keys: KeyRing
  /** Mark cookies `Secure`; required whenever the app is reached over HTTPS. */
  readonly secure: boolean
  /** Clock for the session stores, in milliseconds since the epoch. @default Date.now */
  readonly now?: () => number
}

// Session data types are type aliases, not interfaces: they must be assignable to
// Record<string, unknown>, and interfaces have no implicit index signature.
/* eslint-disable @typescript-eslint/consistent-type-definitions */
type Account = { userId: string; name: string; visits: number; remember: boolean }
type Notices = { notice: string }
type Preferences = { theme: Theme }
/* eslint-enable @typescript-eslint/consistent-type-definitions */

const MINUTE = 60
const DAY = 86_400
const IDLE_TIMEOUT = 30 * MINUTE
const REMEMBER_FOR = 7 * DAY
const PREFS_FOR = 365 * DAY
const MAX_BODY_BYTES = 4096
const MAX_NAME_LENGTH = 32

interface Context {
  readonly res: ServerResponse
  readonly app: Session<Account, Notices>
  readonly prefs: Session<Preferences>
  readonly form: URLSearchParams
}

type Handler = (context: Context) => void

export function createApp(options: AppOptions): Server {
  const clock = options.now === undefined ? {} : { now: options.now }

  // The login session is sealed (encrypted and authenticated): the client cannot read or
  // change it. It ends after 30 idle minutes, or lasts up to 7 days with remember-me.
  const accounts = createCookieStore<Account, Notices>({
    keys: options.keys,
    cookie: { secure: options.secure },
    idleTimeout: IDLE_TIMEOUT,
    absoluteTimeout: REMEMBER_FOR,
    ...clock,
  })

  // A theme is not secret, so signing is enough: the client can read it but not forge it,
  // and the cookie stays smaller. Its own store and cookie let it outlive any login.
  const preferences = createCookieStore<Preferences>({
    keys: options.keys,
    format: 'signed',
    cookie: { secure: options.secure },
    maxAge: PREFS_FOR,
    idleTimeout: PREFS_FOR,
    absoluteTimeout: PREFS_FOR,
    ...clock,
  })

  // A Map, not an object literal, so a path like /constructor finds nothing.
  const routes = new Map<string, Partial<Record<'GET' | 'POST', Handler>>>([
    ['/', { GET: home }],
    ['/login', { POST: login }],
    ['/count', { POST: count }],
    ['/theme', { POST: theme }],
    ['/logout', { POST: logout }],
  ])

  async function handle(req: IncomingMessage, res: ServerResponse, sessions: NodeSessionRegistry) {
    const { pathname } = new URL(req.url ?? '/', 'http://localhost')
    const route = routes.get(pathname)
    if (route === undefined) {
      sendError(res, 404, 'Not Found')
      return
    }
    // HEAD is answered like GET; node:http leaves the body out.
    const method = req.method === 'HEAD' ? 'GET' : req.method
    const handler = method === 'GET' || method === 'POST' ? route[method] : undefined
    if (handler === undefined) {
      res.setHeader('Allow', route.GET === undefined ? 'POST' : 'GET, HEAD')
      sendError(res, 405, 'Method Not Allowed')
      return
    }

    let form = new URLSearchParams()
    if (method === 'POST') {
      // Only the HTML forms post here. Their cookies are SameSite=Lax (the default), so a
      // browser does not send them with a POST from another site: no CSRF token is needed.
      const type = req.headers['content-type']?.split(';')[0]?.trim().toLowerCase()
      if (type !== 'application/x-www-form-urlencoded') {
        sendError(res, 415, 'Unsupported Media Type')
        return
      }
      const body = await readBody(req, MAX_BODY_BYTES)
      if (body === undefined) {
        // The rest of the body is not read: closing the connection is cheaper.
        res.setHeader('Connection', 'close')
        sendError(res, 413, 'Content Too Large')
        return
      }
      form = new URLSearchParams(body)
    }

    const app = await sessions.get(accounts, 'app')
    const prefs = await sessions.get(preferences, 'prefs')
    handler({ res, app, prefs, form })
  }

  // withSessions hands each request its sessions (their cookies are written before the
  // headers go out) and turns a thrown error into a 500.
  return createServer(withSessions(handle))
}

function home(context: Context): void {
  sendHtml(context.res, 200, homePage(view(context)))
}

function view(context: Context, loginError?: HomeView['loginError']): HomeView {
  const { app, prefs } = context
  const loggedIn = app.has('userId')
  return {
    theme: prefs.get('theme') ?? 'light',
    user: loggedIn
      ? {
          name: app.getString('name'),
          visits: app.getInt('visits', 0),
          remember: app.getBoolean('remember', false),
        }
      : undefined,
    // Reading the flash consumes it: the save at the end of this response drops it.
    notices: app.flashes('notice'),
    hasPrefsCookie: !prefs.isNew,
    rejected: app.loadError?.reason,
    ...(loginError === undefined ? {} : { loginError }),
  }
}

function login(context: Context): void {
  const { app, form } = context
  const username = (form.get('username') ?? '').trim()
  const password = form.get('password') ?? ''
  // A demo: any non-empty password is accepted. Check real credentials here.
  if (username.length === 0 || username.length > MAX_NAME_LENGTH || password === '') {
    const message = `Enter a username of 1 to ${MAX_NAME_LENGTH} characters and a password.`
    sendHtml(context.res, 400, homePage(view(context, { message, username })))
    return
  }
  const remember = form.get('remember') === 'on'

  // A cookie session has no server-side id to regenerate; logging in starts from a clean
  // slate instead. clear() keeps the per-session cookie settings, so both are set below.
  app.clear()
  app.clearFlashes()
  app.set('userId', randomUUID()) // a real app stores the id of the account it looked up
  app.set('name', username)
  app.set('remember', remember)
  // Remember-me: a persistent cookie that stays valid through 7 idle days. Otherwise the
  // cookie ends with the browser session and the session after 30 idle minutes.
  app.rememberMe(remember, REMEMBER_FOR)
  app.updateExpiration(remember ? REMEMBER_FOR : IDLE_TIMEOUT)
  app.addFlash(`Welcome, ${username}!`, 'notice')
  redirect(context.res, '/')
}

function count({ app, res }: Context): void {
  if (app.has('userId')) app.increment('visits')
  redirect(res, '/')
}

function theme({ prefs, form, res }: Context): void {
  const value = form.get('theme')
  if (value !== 'light' && value !== 'dark') {
    sendError(res, 400, 'Bad Request')
    return
  }
  prefs.set('theme', value)
  redirect(res, '/')
}

function logout({ app, res }: Context): void {
  // Deletes the app cookie; the prefs session is separate and stays.
  app.destroy()
  redirect(res, '/')
}

// 303: the browser follows with a GET, so reloading the page does not repost the form.
function redirect(res: ServerResponse, location: string): void {
  res.writeHead(303, { Location: location, 'Cache-Control': 'no-store' }).end()
}

function sendHtml(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    // Pages show session data: never cache them.
    'Cache-Control': 'no-store',
    'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
    'X-Content-Type-Options': 'nosniff',
  })
  res.end(body)
}

function sendError(res: ServerResponse, status: number, message: string): void {
  sendHtml(res, status, errorPage(status, message))
}

/** The body as text, or `undefined` when it is larger than `limit` bytes. */
function readBody(req: IncomingMessage, limit: number): Promise<string | undefined> {
  if (Number(req.headers['content-length'] ?? 0) > limit) return Promise.resolve(undefined)
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size > limit) {
        req.off('data', onData)
        resolve(undefined)
        return
      }
      chunks.push(chunk)
    }
    req.on('data', onData)
    req.on('end', () => {
      resolve(Buffer.concat(chunks).toString('utf8'))
    })
    req.on('error', reject)
  })
}
