/**
 * The Hono adapter: middleware that gives every request its sessions as context variables,
 * `c.var.sessions` (the registry) and, for each store given, `c.var.session` (or the name
 * chosen with `as`), loaded before the handler runs. After the handler, every changed session
 * is saved and its `Set-Cookie` added to `c.res` (a copy when its headers are immutable);
 * the response then leaves, and a change made later (in a streaming callback, say) is
 * reported to `onError` as a `HeadersSentError`.
 *
 * A handler that throws (Hono then answers through `app.onError`) commits nothing unless
 * `commitOnError: true`. Web-standard only: runs wherever Hono runs, and with `app.request()`.
 *
 * Available from `'sessionkit/hono'`.
 *
 * @module
 */

import type { Context, MiddlewareHandler } from 'hono'
import type { Session } from '../core/session.ts'
import type { SessionStore } from '../core/store.ts'
import { AdapterSessionRegistry, RequestSessions, owedCookies } from './core.ts'
import {
  NETWORK_ERROR_DISCARDED,
  appendSetCookies,
  internalServerError,
  isNetworkError,
} from './fetch.ts'
import { fetchTransport, type TrustProxyOption } from './transport.ts'

export interface HonoSessionsOptions extends TrustProxyOption {
  /**
   * `Cache-Control` added to responses that carry a session cookie and have none of their
   * own. `false` to leave it alone. @default 'no-store'
   */
  readonly cacheControl?: string | false
  /**
   * Told about a session whose change cannot reach the client any more, as a
   * `HeadersSentError`, once per session and request: changed after the response left (while
   * its body streams), or a session changed in a request answered with `Response.error()`.
   * Save failures are not given here: they go to `app.onError` like any error of the request
   * (a logout whose server-side delete failed puts its deletion cookie on `c.res` first, so an
   * error response made with `c.text()` or `c.json()`, as Hono's default one is, carries it).
   * @default logs to `console.error`
   */
  readonly onError?: (error: unknown, c: Context) => void
  /**
   * Whether the changes of a handler that throws are saved (and their cookies added to the
   * error response `app.onError` makes). By default a failed request commits nothing, so it
   * never leaves half its changes behind. @default false
   */
  readonly commitOnError?: boolean
}

export interface HonoSessionOptions<Name extends string = 'session'> extends HonoSessionsOptions {
  /** The context variable the session is set as. @default 'session' */
  readonly as?: Name
}

/** The registry of a Hono request, as `c.var.sessions`. */
export class HonoSessionRegistry extends AdapterSessionRegistry {}

/** The variables of {@link sessions}: the request's registry. */
export interface SessionsVariables {
  sessions: HonoSessionRegistry
}

/** The `Env` of an app (or route) behind {@link sessions}. */
export interface SessionsEnv {
  Variables: SessionsVariables
}

/**
 * The `Env` of an app (or route) behind {@link session}: the session of the store as `Name`,
 * and the registry. For `new Hono<SessionEnv<MyData>>()`.
 */
export interface SessionEnv<
  Data extends object = Record<string, unknown>,
  Flash extends object = Record<string, unknown>,
  Name extends string = 'session',
> {
  Variables: Record<Name, Session<Data, Flash>> & SessionsVariables
}

/**
 * Middleware giving each request its registry as `c.var.sessions`, saved after the handler.
 * Several of these middlewares (and {@link session}) share one registry per request; the
 * first one saves it, with its own options.
 *
 * @example
 * ```ts
 * const app = new Hono().use(sessions())
 * app.get('/', async (c) => {
 *   const prefs = await c.var.sessions.get(prefsStore)
 *   return c.text(prefs.get('theme') ?? 'light')
 * })
 * ```
 */
export function sessions(options: HonoSessionsOptions = {}): MiddlewareHandler<SessionsEnv> {
  return async (c, next) => {
    await withRegistry(c, options, next)
  }
}

/**
 * Middleware loading the session of `store` before the handler, as `c.var.session` (or `as`),
 * besides the registry as `c.var.sessions`; saved after the handler.
 *
 * @example
 * ```ts
 * const app = new Hono().use(session(store))
 * app.get('/', (c) => {
 *   c.var.session.increment('visits')
 *   return c.text(`visit ${c.var.session.getInt('visits')}`)
 * })
 * ```
 */
export function session<Data extends object, Flash extends object, Name extends string = 'session'>(
  store: SessionStore<Data, Flash>,
  options: HonoSessionOptions<Name> = {},
): MiddlewareHandler<SessionEnv<Data, Flash, Name>> {
  const as = options.as ?? 'session'
  return async (c, next) => {
    // The variable's name is the caller's (`as`), which Hono's typed `set` cannot follow.
    const context = c as unknown as Context<SessionsEnv>
    const set = c.set as unknown as (key: string, value: unknown) => void
    await withRegistry(context, options, async () => {
      set(as, await context.var.sessions.get(store))
      await next()
    })
  }
}

/** Runs `next` with the request's registry; the middleware that made it commits it. */
async function withRegistry(
  c: Context<SessionsEnv>,
  options: HonoSessionsOptions,
  next: () => Promise<void>,
): Promise<void> {
  // A request that has one already (an outer middleware made it) is saved by that one.
  if ((c.get('sessions') as HonoSessionRegistry | undefined) !== undefined) {
    await next()
    return
  }
  const onError = options.onError
  const request = new RequestSessions(
    {
      onError:
        onError === undefined
          ? undefined
          : (error) => {
              onError(error, c)
            },
      cacheControl: options.cacheControl,
      sentAs: 'its response was returned',
    },
    (hooks) =>
      new HonoSessionRegistry(c.req.raw.headers.get('cookie'), hooks, () =>
        fetchTransport(c.req.raw, options.trustProxy === true),
      ),
  )
  c.set('sessions', request.registry)
  try {
    await next()
  } catch (error) {
    // Only what Hono does not catch itself (a thrown non-Error) gets here: no response.
    request.requestFailed(false)
    throw error
  }
  // Hono catches a handler's error itself and answers through app.onError; `c.error` says so.
  if (c.error !== undefined && !request.requestFailed(options.commitOnError === true)) return
  if (isNetworkError(c.res)) {
    request.discard(NETWORK_ERROR_DISCARDED)
    return
  }
  let values: readonly string[]
  try {
    values = await request.commit()
  } catch (error) {
    carryOwedCookies(c, error, options)
    throw error
  }
  request.afterCommit()
  const cacheControl = options.cacheControl
  const response = appendSetCookies(
    c.res,
    values,
    cacheControl === undefined ? {} : { cacheControl },
  )
  if (response !== c.res) replaceResponse(c, response)
}

// Hono's setter merges the old response's headers into a new one, its Set-Cookie last and
// replacing ours; the new one has them all already.
function replaceResponse(c: Context, response: Response): void {
  c.res = undefined
  c.res = response
}

/**
 * A save that failed but owes the client cookies (a logout whose server-side delete failed):
 * the error still goes to `app.onError`, whose response, made with `c.text()` or `c.json()`
 * as Hono's default one is, copies the headers of `c.res`: a plain 500 carrying them.
 */
function carryOwedCookies(c: Context, error: unknown, options: HonoSessionsOptions): void {
  const owed = owedCookies(error)
  if (owed.length === 0) return
  const cacheControl = options.cacheControl
  replaceResponse(
    c,
    appendSetCookies(
      internalServerError(),
      owed,
      cacheControl === undefined ? {} : { cacheControl },
    ),
  )
}
