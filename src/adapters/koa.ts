/**
 * The Koa 3 adapter: a middleware that loads the sessions, runs the rest of the app, and saves
 * them after `await next()`, before Koa writes the response (so a store failure is a Koa error
 * and the cookie goes out with the response).
 *
 * ```ts
 * app.use(sessions({ store })) // ctx.session, ctx.sessions
 * ```
 *
 * Mount it first: a session changed by a middleware that runs after it has committed (one
 * mounted before it, a streamed body, a response the app wrote itself with
 * `ctx.respond = false`) is reported to `onError`. A request whose
 * middleware throws saves nothing of its sessions, unless `commitOnError`.
 *
 * Available from `'sessionkit/koa'`.
 *
 * @module
 */

import type { Context, Middleware, Next } from 'koa'
import type { Session, SessionData } from '../core/session.ts'
import type { SessionStore } from '../core/store.ts'
import { isPromise } from '../lib/awaitable.ts'
import {
  AdapterSessionRegistry,
  RequestSessions,
  logError,
  owedCookies,
  writeOwedCookies,
} from './core.ts'
import { ResponseHeaders } from './node-response.ts'
import { hostWithoutPort } from './transport.ts'

/** The registry of a Koa request, `ctx.sessions`: named sessions of any store. */
export class KoaSessionRegistry extends AdapterSessionRegistry {}

declare module 'koa' {
  interface DefaultContext {
    /** The request's sessions (set by `sessions()` from `'sessionkit/koa'`). */
    sessions: KoaSessionRegistry
  }
}

export interface KoaSessionsOptions<
  Data extends object = SessionData,
  Flash extends object = SessionData,
> {
  /**
   * The store whose session is loaded before `next()` and set as `ctx.session` (type it with
   * `declare module 'koa'`, see docs/frameworks.md). Without one, use
   * `await ctx.sessions.get(store)`.
   */
  readonly store?: SessionStore<Data, Flash>
  /**
   * Told about a session changed after the sessions were committed (a `HeadersSentError`,
   * once per session and request). Save failures are thrown into Koa instead (a logout
   * whose server-side delete failed puts its deletion cookie on the error's `headers`, which
   * Koa's error response carries).
   * @default logs to `console.error`
   */
  readonly onError?: (error: unknown, ctx: Context) => void
  /**
   * `Cache-Control` added to responses that carry a session cookie and have none of their
   * own. `false` to leave it alone. @default 'no-store'
   */
  readonly cacheControl?: string | false
  /**
   * A request whose middleware throws: `false` saves nothing of its sessions (no store write,
   * no session cookie); `true` saves them and adds their cookies to the error's `headers`,
   * which Koa's error response carries. @default false
   */
  readonly commitOnError?: boolean
}

interface Carrier {
  session?: unknown
}

interface WithHeaders {
  headers?: Record<string, unknown>
}

/**
 * The sessions middleware: `ctx.sessions`, and `ctx.session` for `options.store`.
 *
 * @example
 * ```ts
 * app.use(sessions({ store }))
 * app.use((ctx) => {
 *   ctx.session.set('user', 'ada')
 *   ctx.body = 'welcome' // saved before Koa writes the response
 * })
 * ```
 */
export function sessions<Data extends object = SessionData, Flash extends object = SessionData>(
  options: KoaSessionsOptions<Data, Flash> = {},
): Middleware {
  const { store, onError = logError } = options
  return async (ctx: Context, next: Next): Promise<void> => {
    const res = ctx.res
    const requestSessions = new RequestSessions(
      {
        onError: (error) => {
          onError(error, ctx)
        },
        headers: new ResponseHeaders(res),
        cacheControl: options.cacheControl,
        commitOnError: options.commitOnError,
        headersSent: () => res.headersSent,
        sentAs: 'the response headers were written',
      },
      // Koa's own reading of the transport, which honours `app.proxy`.
      (hooks) =>
        new KoaSessionRegistry(ctx.req.headers.cookie, hooks, () => ({
          secure: ctx.secure,
          host: hostWithoutPort(ctx.hostname),
        })),
    )
    ctx.sessions = requestSessions.registry
    if (store !== undefined) {
      const session: Session<Data, Flash> = await requestSessions.registry.get(store)
      ;(ctx as Carrier).session = session
    }
    try {
      await next()
    } catch (error) {
      if (requestSessions.requestFailed()) {
        await commitInto(requestSessions, res, error, options.cacheControl ?? 'no-store')
      }
      throw error
    }
    // ctx.respond = false and the app wrote the response itself: too late for a cookie, a
    // change is reported to onError like any other late change (never thrown into Koa).
    if (res.headersSent) {
      requestSessions.afterCommit()
      return
    }
    try {
      // A commit that finished at once (the cookie store on node:crypto) costs no extra tick.
      const committed = requestSessions.commit()
      if (isPromise(committed)) await committed
    } catch (error) {
      carryOwedCookies(res, error, options.cacheControl ?? 'no-store')
      throw error
    }
    requestSessions.afterCommit()
  }
}

// Koa's error response drops every header set so far and sets those of the error.
async function commitInto(
  requestSessions: RequestSessions<KoaSessionRegistry>,
  res: Context['res'],
  error: unknown,
  cacheControl: string | false,
): Promise<void> {
  let values: readonly string[]
  try {
    values = await requestSessions.commit()
  } catch (failure) {
    // The save's failure replaces the handler's error, and carries what it still owes.
    carryOwedCookies(res, failure, cacheControl)
    throw failure
  }
  requestSessions.afterCommit()
  withHeaders(error, values, cacheControl)
}

/**
 * A logout whose server-side delete failed still owes the browser its deletion cookie: on the
 * error's `headers` for Koa's own error response (which clears every other header), and on
 * the response for an error middleware above the sessions that answers itself.
 */
function carryOwedCookies(res: Context['res'], error: unknown, cacheControl: string | false): void {
  withHeaders(error, owedCookies(error), cacheControl)
  if (!res.headersSent) writeOwedCookies(new ResponseHeaders(res), error, cacheControl)
}

// The cookies on the error's `headers`, the only headers Koa's error response keeps.
function withHeaders(
  error: unknown,
  values: readonly string[],
  cacheControl: string | false,
): void {
  if (values.length === 0 || typeof error !== 'object' || error === null) return
  const carrier = error as WithHeaders
  const headers: Record<string, unknown> = { ...carrier.headers, 'Set-Cookie': [...values] }
  const hasCacheControl = Object.keys(headers).some(
    (name) => name.toLowerCase() === 'cache-control',
  )
  if (cacheControl !== false && !hasCacheControl) headers['Cache-Control'] = cacheControl
  carrier.headers = headers
}
