// React Router 7 (and Remix) sessions on any sessionkit store: React Router's SessionStorage
// interface (getSession / commitSession / destroySession) over a store's get / save / destroy,
// and its Session shape over a sessionkit Session. React Router's types only: no runtime import.

import type {
  CookieSerializeOptions,
  FlashSessionData,
  Session as ReactRouterSession,
  SessionStorage,
} from 'react-router'

import type { Session, SessionCookieOverrides, SessionData } from '../core/session.ts'
import type { SessionStore } from '../core/store.ts'
import { SessionArgumentError, SessionSaveError } from '../errors.ts'
import type { Awaitable } from '../lib/awaitable.ts'

/**
 * React Router's `SessionStorage` backed by a sessionkit store, with a way back from React
 * Router's session to sessionkit's (for `regenerate`, `setUser`, `rememberMe`, …).
 */
export interface ReactRouterSessionStorage<
  Data extends object = SessionData,
  Flash extends object = Data,
> extends SessionStorage<Data, Flash> {
  /** The store behind it. */
  readonly store: SessionStore<Data, Flash>
  /**
   * The sessionkit session behind a session this storage gave, for what React Router's
   * session has no method for: `sessionOf(session).regenerate()` at login.
   * @throws {SessionArgumentError} for a session another storage made.
   */
  sessionOf(session: ReactRouterSession<Data, Flash>): Session<Data, Flash>
}

const ATTRIBUTES = new Set([
  'maxAge',
  'expires',
  'domain',
  'path',
  'secure',
  'httpOnly',
  'sameSite',
  'partitioned',
])

/**
 * React Router's `SessionStorage` over any sessionkit store (cookie store or server store), so
 * a React Router or Remix app switches with one import.
 *
 * - `getSession(cookieHeader)` is `store.get(cookieHeader)`: a missing, tampered or expired
 *   cookie gives a new, empty session (`sessionOf(session).loadError` says why).
 * - `commitSession(session, options?)` is `store.save`; `destroySession` is `store.destroy`.
 *   Both return the `Set-Cookie` value, or `''` when the browser's cookie is already right (an
 *   unchanged server-store session); browsers ignore an empty `Set-Cookie`, and
 *   `options` (React Router's cookie attributes: `maxAge`, `expires`, `domain`, `path`,
 *   `secure`, `httpOnly`, `sameSite`, `partitioned`) apply to that response.
 * - Values and flashes are sessionkit's: JSON values (a `Date` must be stored as a string),
 *   `flash(name, value)` is `setFlash`, and `get(name)` returns the value, or else the flash,
 *   which that read consumes.
 *
 * Nothing is saved unless the app calls `commitSession` (or `destroySession`) and sends its
 * result: a loader or action that throws before that commits nothing. A logout whose
 * server-side delete fails rejects with `SessionSaveError`, the deletion cookie in its
 * `setCookies`; after `destroySession` the session reads as empty and a write throws.
 *
 * @example
 * ```ts
 * const storage = createReactRouterSessionStorage(store)
 * export async function loader({ request }: { request: Request }) {
 *   const session = await storage.getSession(request.headers.get('Cookie'))
 *   return Response.json({ user: session.get('user') ?? null }, {
 *     headers: { 'Set-Cookie': await storage.commitSession(session) },
 *   })
 * }
 * ```
 */
export function createReactRouterSessionStorage<
  Data extends object = SessionData,
  Flash extends object = Data,
>(store: SessionStore<Data, Flash>): ReactRouterSessionStorage<Data, Flash> {
  const backing = new WeakMap<object, Session<Data, Flash>>()

  function sessionOf(session: ReactRouterSession<Data, Flash>): Session<Data, Flash> {
    const found = backing.get(session)
    if (found === undefined) {
      throw new SessionArgumentError('session', 'a session from this storage’s getSession')
    }
    return found
  }

  return Object.freeze({
    store,
    sessionOf,
    async getSession(cookieHeader?: string | null) {
      const session = await store.get(cookieHeader)
      const wrapped = wrap(session)
      backing.set(wrapped, session)
      return wrapped
    },
    async commitSession(
      session: ReactRouterSession<Data, Flash>,
      options?: CookieSerializeOptions,
    ) {
      const inner = sessionOf(session)
      if (options !== undefined) inner.setCookieOptions(overrides(options))
      return saved(store, inner, () => store.save(inner))
    },
    async destroySession(
      session: ReactRouterSession<Data, Flash>,
      options?: CookieSerializeOptions,
    ) {
      const inner = sessionOf(session)
      // The deletion cookie's lifetime is the store's: only the other attributes apply.
      if (options !== undefined) inner.setCookieOptions(overrides(options, false))
      return saved(store, inner, () => store.destroy(inner))
    },
  })
}

/**
 * The `Set-Cookie` value of a save, or `''`. A save that fails but still owes the browser a
 * cookie (the deletion cookie of a logout whose server-side delete failed) rejects with a
 * `SessionSaveError` carrying it in `setCookies`, as the other adapters' commits do, for the
 * loader or action to send with its error response; any other failure rejects as it is.
 */
async function saved<Data extends object, Flash extends object>(
  store: SessionStore<Data, Flash>,
  session: Session<Data, Flash>,
  save: () => Awaitable<string | undefined>,
): Promise<string> {
  try {
    return (await save()) ?? ''
  } catch (error) {
    let owed: string | undefined
    try {
      owed = store.deletionCookie?.(session)
    } catch {
      owed = undefined
    }
    if (owed === undefined) throw error
    throw new SessionSaveError([{ sessionName: session.name, error }], [owed])
  }
}

// React Router's Session over a sessionkit Session. Flash: React Router reads a flash once
// (`get` removes it); sessionkit keeps what a request read readable for that request, so the
// names this wrapper consumed are remembered until the app flashes them again.
function wrap<Data extends object, Flash extends object>(
  session: Session<Data, Flash>,
): ReactRouterSession<Data, Flash> {
  type Key = Extract<keyof Data, string>
  type FlashKey = Extract<keyof Flash, string>
  const consumed = new Set<string>()
  const hasFlash = (name: string) =>
    !consumed.has(name) && session.hasFlash(name as FlashKey) && pending(name) !== undefined
  const pending = (name: string): unknown => session.peekFlashes(name as FlashKey).at(-1)

  // After destroySession React Router's own sessions stay readable; this one reads as empty
  // (the data is gone), while a write still throws: a logout cannot be undone by it.
  const wrapped: ReactRouterSession<Data, Flash> = {
    get id() {
      return session.id ?? ''
    },
    get data() {
      const data: Record<string, unknown> = {}
      if (session.isDestroyed) return data as FlashSessionData<Data, Flash>
      for (const [key, value] of session.entries()) define(data, key, value)
      for (const key of session.flashKeys()) {
        if (hasFlash(key)) define(data, `__flash_${key}__`, pending(key))
      }
      return data as FlashSessionData<Data, Flash>
    },
    has(name) {
      return !session.isDestroyed && (session.has(name as Key) || hasFlash(name))
    },
    get(name) {
      const key: string = name
      if (session.isDestroyed) return undefined
      if (session.has(key as Key)) return session.get(key as Key) as never
      if (!hasFlash(key)) return undefined
      consumed.add(key)
      return session.flashes(key as FlashKey).at(-1) as never
    },
    set(name, value) {
      session.set(name, value)
    },
    flash(name, value) {
      session.setFlash(name, value)
      consumed.delete(name)
    },
    unset(name) {
      session.delete(name)
    },
  }
  return wrapped
}

function define(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  })
}

/** React Router's cookie attributes as sessionkit's per-response overrides. */
function overrides(options: CookieSerializeOptions, lifetime = true): SessionCookieOverrides {
  for (const key of Object.keys(options)) {
    if (!ATTRIBUTES.has(key) && (options as Record<string, unknown>)[key] !== undefined) {
      throw new SessionArgumentError(
        `options.${key}`,
        'one of maxAge, expires, domain, path, secure, httpOnly, sameSite, partitioned',
      )
    }
  }
  const out: SessionCookieOverrides = {}
  const { maxAge, expires, domain, path, secure, httpOnly, sameSite, partitioned } = options
  if (lifetime && maxAge !== undefined) out.maxAge = maxAge > 0 ? Math.floor(maxAge) : -1
  else if (lifetime && expires !== undefined) {
    const seconds = Math.ceil((expires.getTime() - Date.now()) / 1000)
    out.maxAge = seconds > 0 ? seconds : -1
  }
  if (domain !== undefined) out.domain = domain
  if (path !== undefined) out.path = path
  if (secure !== undefined) out.secure = secure
  if (httpOnly !== undefined) out.httpOnly = httpOnly
  if (partitioned !== undefined) out.partitioned = partitioned
  if (sameSite !== undefined) out.sameSite = sameSiteOf(sameSite)
  return out
}

function sameSiteOf(
  value: NonNullable<CookieSerializeOptions['sameSite']>,
): NonNullable<SessionCookieOverrides['sameSite']> {
  if (value === true || value === 'strict') return 'Strict'
  if (value === 'lax') return 'Lax'
  if (value === 'none') return 'None'
  return false
}
