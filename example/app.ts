// The example application, on plain node:http, with three sessions in three cookies: a
// server-side login session, a sealed cookie session for visitors (notes and the messages shown
// after a failed login or a logout) and a signed preferences session. In your own code, import
// from 'sessionkit', 'sessionkit/cookie', 'sessionkit/node' and 'sessionkit/drivers/filesystem'.

import { createHash } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import {
  createCookieStore,
  createServerStore,
  type KeyRing,
  type ServerStore,
  type Session,
  type SessionDriver,
} from '../src/index.ts'
import { getCookieValues } from '../src/core/cookie.ts'
import { withSessions, type NodeSessionRegistry } from '../src/node.ts'
import { deviceLabel } from './device.ts'
import {
  errorPage,
  homePage,
  notesPage,
  sessionsPage,
  type HomeView,
  type LoginError,
  type SessionItem,
  type Theme,
} from './pages.ts'

export interface AppOptions {
  readonly keys: KeyRing
  /** Mark cookies `Secure`; required whenever the app is reached over HTTPS. */
  readonly secure: boolean
  /**
   * Where the login sessions live (server.ts passes a filesystem driver). The caller owns it:
   * close it after the server has stopped.
   */
  readonly driver: SessionDriver
  /** Clock for the session stores, in milliseconds since the epoch. @default Date.now */
  readonly now?: () => number
}

interface Account {
  userId: string
  name: string
  visits: number
  remember: boolean
}
interface Notices {
  notice: string
}
interface Preferences {
  theme: Theme
}
interface Guest {
  notes: readonly string[]
}
interface GuestFlash {
  notice: string
  loginError: LoginError
}

const MINUTE = 60
const DAY = 86_400
const IDLE_TIMEOUT = 30 * MINUTE
const REMEMBER_FOR = 7 * DAY
const PREFS_FOR = 365 * DAY
const MAX_BODY_BYTES = 4096
const MAX_NAME_LENGTH = 32
const MAX_NOTES = 5
const MAX_NOTE_LENGTH = 80
const GUEST_COOKIE = 'guest'

interface Context {
  readonly req: IncomingMessage
  readonly res: ServerResponse
  readonly accounts: ServerStore<Account, Notices>
  readonly app: Session<Account, Notices>
  readonly guest: Session<Guest, GuestFlash>
  readonly prefs: Session<Preferences>
  readonly form: URLSearchParams
}

type Handler = (context: Context) => void | Promise<void>

export function createApp(options: AppOptions): Server {
  const clock = options.now === undefined ? {} : { now: options.now }

  // The login session is server-side: its data stays in the driver and the cookie carries only
  // a signed, random session id (HttpOnly). The server can therefore list a user's sessions and
  // end them from elsewhere ("log out other sessions"), which a cookie-only session cannot.
  // It ends after 30 idle minutes, or lasts up to 7 days with remember-me (see login).
  const accounts = createServerStore<Account, Notices>({
    name: 'app',
    driver: options.driver,
    keys: options.keys,
    cookie: { secure: options.secure },
    idleTimeout: IDLE_TIMEOUT,
    absoluteTimeout: REMEMBER_FOR,
    ...clock,
  })

  // The visitor's session is the quick start's store with its defaults: the whole session lives
  // in the cookie, sealed (AES-256-GCM), so the server keeps nothing for visitors who are not
  // logged in. It holds the notes page and the one-time messages after a failed login or a
  // logout, which the login session cannot carry (a visitor has none, a logout just ended it).
  const guests = createCookieStore<Guest, GuestFlash>({
    name: GUEST_COOKIE,
    keys: options.keys,
    cookie: { secure: options.secure },
    ...clock,
  })

  // Preferences stay in a signed cookie: a theme is not secret and needs no server state, so
  // signing is enough (the client can read it but not forge it) and the server stores nothing
  // for visitors who never log in. Its own store and cookie let it outlive any login.
  const preferences = createCookieStore<Preferences>({
    name: 'prefs',
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
    ['/notes', { GET: notes, POST: addNote }],
    ['/notes/clear', { POST: clearNotes }],
    ['/sessions', { GET: sessions }],
    ['/sessions/logout-others', { POST: logoutOthers }],
    ['/logout', { POST: logout }],
  ])

  async function handle(req: IncomingMessage, res: ServerResponse, registry: NodeSessionRegistry) {
    const { pathname } = new URL(req.url ?? '/', 'http://localhost')
    const route = routes.get(pathname)
    if (route === undefined) {
      sendError(res, 404, 'Not Found', `There is no page at ${pathname}.`)
      return
    }
    // HEAD is answered like GET; node:http leaves the body out.
    const method = req.method === 'HEAD' ? 'GET' : req.method
    const handler = method === 'GET' || method === 'POST' ? route[method] : undefined
    if (handler === undefined) {
      const allow = Object.keys(route).join(', ').replace('GET', 'GET, HEAD')
      res.setHeader('Allow', allow)
      sendError(res, 405, 'Method Not Allowed', `${pathname} answers ${allow} requests only.`)
      return
    }

    let form = new URLSearchParams()
    if (method === 'POST') {
      // Only the HTML forms post here. Their cookies are SameSite=Lax (the default), so a
      // browser does not send them with a POST from another site: no CSRF token is needed.
      const type = req.headers['content-type']?.split(';')[0]?.trim().toLowerCase()
      if (type !== 'application/x-www-form-urlencoded') {
        sendError(res, 415, 'Unsupported Media Type', 'The forms post URL-encoded bodies only.')
        return
      }
      const body = await readBody(req, MAX_BODY_BYTES)
      if (body === undefined) {
        // The rest of the body is not read: closing the connection is cheaper.
        res.setHeader('Connection', 'close')
        sendError(res, 413, 'Content Too Large', `The forms post ${MAX_BODY_BYTES} bytes at most.`)
        return
      }
      form = new URLSearchParams(body)
    }

    const app = await registry.get(accounts)
    const guest = await registry.get(guests)
    const prefs = await registry.get(preferences)
    await handler({ req, res, accounts, app, guest, prefs, form })
  }

  // withSessions hands each request its sessions (their cookies are written, and server-side
  // records saved, before the headers go out) and turns a thrown error into a 500.
  return createServer(withSessions(handle))
}

function home(context: Context): void {
  sendHtml(context.res, 200, homePage(view(context)))
}

function view(context: Context): HomeView {
  const { app, guest, prefs } = context
  const loggedIn = app.has('userId')
  // Reading a flash consumes it: the save at the end of this response drops it, so a reload
  // shows the page without it.
  const loginError = guest.flashes('loginError').at(-1)
  const guestNotice = guest.flashes('notice').at(-1)
  return {
    theme: prefs.get('theme') ?? 'light',
    user: loggedIn
      ? {
          name: app.getString('name'),
          visits: app.getInt('visits', 0),
          remember: app.getBoolean('remember', false),
        }
      : undefined,
    notices: [...app.flashes('notice'), ...(guestNotice === undefined ? [] : [guestNotice])],
    store: context.accounts.driver.name,
    hasPrefsCookie: !prefs.isNew,
    guestNotes: guest.isNew ? undefined : (guest.get('notes') ?? []).length,
    rejected: app.loadError?.reason,
    ...(loginError === undefined || loggedIn ? {} : { loginError }),
  }
}

function login(context: Context): void {
  const { app, guest, form } = context
  const username = (form.get('username') ?? '').trim()
  const password = form.get('password') ?? ''
  // A demo: any non-empty password is accepted. Check real credentials here.
  if (username.length === 0 || username.length > MAX_NAME_LENGTH || password === '') {
    // Back to the form with a redirect, not a page in answer to the POST: reloading it then
    // does not post the form again. The message and the name travel in the visitor's sealed
    // cookie, so a failed login leaves nothing on the server.
    const message = `Enter a username of 1 to ${MAX_NAME_LENGTH} characters and a password.`
    guest.setFlash('loginError', { message, username: username.slice(0, MAX_NAME_LENGTH) })
    redirect(context.res, '/')
    return
  }
  const remember = form.get('remember') === 'on'
  // A real app uses the id of the account it looked up; here the name is the account.
  const userId = username

  // Start from a clean slate (a previous user's data and flashes go), and give the session a
  // new id: an id planted or seen before the login must not become a logged-in session
  // (session fixation). The old record is deleted when this response is saved. A login also
  // starts a new absolute lifetime (a plain regenerate() keeps the old deadline).
  app.clear()
  app.clearFlashes()
  app.regenerate({ newLifetime: true })
  app.set('userId', userId)
  app.set('name', username)
  app.set('remember', remember)
  // Ties the session to the user, for the list on /sessions and "log out other sessions".
  // The label is one of a few fixed names derived from the User-Agent, never its raw text.
  app.setUser(userId, { device: deviceLabel(context.req.headers['user-agent']) })
  // Remember-me: a persistent cookie and a session that stays valid through 7 idle days.
  // Otherwise the cookie ends with the browser session and the session after 30 idle minutes.
  app.rememberMe(remember, REMEMBER_FOR)
  app.updateExpiration(remember ? REMEMBER_FOR : IDLE_TIMEOUT)
  app.addFlash('notice', `Welcome, ${username}!`)
  redirect(context.res, '/')
}

function count({ app, res }: Context): void {
  if (app.has('userId')) app.increment('visits')
  redirect(res, '/')
}

function theme({ prefs, form, res }: Context): void {
  const value = form.get('theme')
  if (value !== 'light' && value !== 'dark') {
    sendError(res, 400, 'Bad Request', 'The theme is light or dark.')
    return
  }
  prefs.set('theme', value)
  redirect(res, '/')
}

async function sessions(context: Context): Promise<void> {
  const { accounts, app, prefs, res } = context
  const userKey = app.userKey
  if (!app.has('userId') || userKey === undefined) {
    redirect(res, '/')
    return
  }
  // Summaries only (handles, times, labels): listing never loads another session's data.
  const summaries = await accounts.listByUser(userKey)
  const current = await accounts.handleOf(app)
  const items = summaries.map((summary): SessionItem => ({
    // A short tag of the handle: enough to tell the devices apart on the page.
    tag: sessionTag(summary.handle),
    device: summary.meta?.['device'] ?? 'Unknown browser',
    createdAt: summary.createdAt,
    lastSeenAt: summary.lastSeenAt,
    expiresAt: summary.expiresAt,
    current: summary.handle === current,
  }))
  const page = sessionsPage({
    theme: prefs.get('theme') ?? 'light',
    name: app.getString('name'),
    notices: app.flashes('notice'),
    sessions: items,
  })
  sendHtml(res, 200, page)
}

async function logoutOthers({ accounts, app, res }: Context): Promise<void> {
  const userKey = app.userKey
  if (!app.has('userId') || userKey === undefined) {
    redirect(res, '/')
    return
  }
  // Every session of this user except the one making the request: their records are
  // deleted, so their cookies no longer open anything (the next request there is logged out).
  const removed = await accounts.destroyByUser(userKey, { except: app })
  const n = removed.length
  app.addFlash('notice', `Logged out ${n} other session${n === 1 ? '' : 's'}.`)
  redirect(res, '/sessions')
}

function logout({ app, guest, res }: Context): void {
  // Deletes the server-side record and the app cookie; the prefs session is separate and stays.
  // The confirmation goes in the visitor's session: a destroyed session takes no more writes.
  app.destroy()
  guest.setFlash('notice', 'You have been logged out.')
  redirect(res, '/')
}

function notes(context: Context): void {
  const { guest, prefs, req, res } = context
  const notice = guest.flashes('notice').at(-1)
  // What this request's cookie weighs: the whole session travels in it, and a browser keeps at
  // most 4096 bytes per cookie (the store refuses to write more).
  const [cookie] = getCookieValues(req.headers.cookie, GUEST_COOKIE)
  const page = notesPage({
    theme: prefs.get('theme') ?? 'light',
    notes: guest.get('notes') ?? [],
    notices: notice === undefined ? [] : [notice],
    cookieBytes: cookie === undefined ? undefined : `${GUEST_COOKIE}=${cookie}`.length,
    maxNoteLength: MAX_NOTE_LENGTH,
    maxNotes: MAX_NOTES,
  })
  sendHtml(res, 200, page)
}

function addNote({ guest, form, res }: Context): void {
  const note = (form.get('note') ?? '').trim()
  if (note.length === 0 || note.length > MAX_NOTE_LENGTH) {
    sendError(res, 400, 'Bad Request', `A note has 1 to ${MAX_NOTE_LENGTH} characters.`)
    return
  }
  // The newest few only: the cookie has to stay well under 4096 bytes.
  guest.set('notes', [...(guest.get('notes') ?? []), note].slice(-MAX_NOTES))
  redirect(res, '/notes')
}

function clearNotes({ guest, res }: Context): void {
  guest.delete('notes')
  guest.setFlash('notice', 'Notes cleared.')
  redirect(res, '/notes')
}

/** A short label that tells sessions apart without revealing (or leading to) their ids. */
function sessionTag(handle: string): string {
  return createHash('sha256')
    .update('sessionkit-example:tag:')
    .update(handle)
    .digest('hex')
    .slice(0, 6)
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

function sendError(res: ServerResponse, status: number, message: string, detail?: string): void {
  sendHtml(res, status, errorPage(status, message, detail))
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
