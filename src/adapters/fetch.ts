/**
 * The Fetch adapter, for every runtime with `Request`/`Response` (Bun, Deno, Cloudflare
 * Workers, Node, Next.js route handlers). `withSessions(handler)` gives the handler the
 * request's sessions and adds their `Set-Cookie` headers to whatever it returns, copying the
 * response first when its headers are immutable (`Response.redirect()`, a `fetch()` result).
 *
 * A session changed while the commit saves is saved again before the response is returned.
 * Once it is returned (its body may still be streaming), a change can no longer reach the
 * client: it is reported to `onError` as a `HeadersSentError`, and a later `save()` throws one.
 * A `Response.error()` carries no cookies: the sessions are not saved, and a changed one is
 * reported the same way.
 *
 * Available from `'sessionkit/fetch'`.
 *
 * @module
 */

import { HeadersSentError } from '../errors.ts'
import { then, type Awaitable } from '../lib/awaitable.ts'
import {
  AdapterSessionRegistry,
  RequestSessions,
  logError,
  owedCookies,
  writeSessionCookies,
  type RegistryHooks,
  type SessionHeaders,
} from './core.ts'
import { fetchTransport } from './transport.ts'

export interface FetchSessionsOptions {
  /**
   * `Cache-Control` added to responses that carry a session cookie and have none of their
   * own. `false` to leave it alone. @default 'no-store'
   */
  readonly cacheControl?: string | false
  /**
   * Told about a session whose change cannot reach the client any more, as a
   * `HeadersSentError`: changed after the response was committed (while its body streams, or
   * in background work), or changed in a request answered with `Response.error()`. Once per
   * session and request. Save failures are not given here: the commit rejects with them,
   * except, in `withSessions`, one that owes the client a cookie (a logout whose server-side
   * delete failed): it answers a plain 500 carrying the deletion cookie and gives the error
   * here, since it can no longer travel with the rejection. With `commitOnError`, also told
   * about the error of a handler that threw.
   * @default logs to `console.error`
   */
  readonly onError?: (error: unknown, request: Request) => void
  /**
   * Behind a proxy that terminates TLS (the runtime sees `http:` URLs): take the protocol and
   * host from `X-Forwarded-Proto` and `X-Forwarded-Host` (their first value) rather than from
   * the request URL. Only when every request comes through a proxy that sets them: a client
   * can send them too. Decides what `secure: 'auto'` cookies do and what the plain-HTTP
   * warning sees; give it where the sessions are first taken (`withSessions`, `getSessions`),
   * or at the latest to `commitSessions`. @default false
   */
  readonly trustProxy?: boolean
  /**
   * A handler that throws (in `withSessions`): `false` lets the error through and saves
   * nothing of the request; `true` saves its sessions and answers with a plain 500 carrying
   * their cookies (the error goes to `onError`).
   * @default false
   */
  readonly commitOnError?: boolean
}

// The trustProxy option reaches the registry after it was made (a commitSessions with it),
// without a public setter.
let trustProxies: (registry: FetchSessionRegistry, value: boolean) => void

/** The registry of a Fetch request; it refuses to save once its response was committed. */
export class FetchSessionRegistry extends AdapterSessionRegistry {
  readonly #request: Request
  /** Set by the options of getSessions or commitSessions. */
  #trustProxy = false

  static {
    trustProxies = (registry, value) => {
      registry.#trustProxy = value
    }
  }

  /** Made by {@link getSessions}, one per request. @internal */
  constructor(request: Request, hooks: RegistryHooks) {
    super(request.headers.get('cookie'), hooks, () => fetchTransport(request, this.#trustProxy))
    this.#request = request
  }

  /** Saves every session and adds the cookies to `response`; see {@link commitSessions}. */
  commit(response: Response, options: FetchSessionsOptions = {}): Promise<Response> {
    return commitSessions(this.#request, response, options)
  }
}

// The sessions live on the request itself rather than in a WeakMap: they reference the
// request, and V8 promotes WeakMap entries whose value references their key to the old
// generation.
const sessionsKey = Symbol('sessionkit.sessions')

interface RequestWithSessions extends Request {
  [sessionsKey]?: FetchRequestSessions
}

/** The sessions of a Fetch request, and whether a `withSessions` commits them. */
class FetchRequestSessions extends RequestSessions<FetchSessionRegistry> {
  /** True while a `withSessions` of the request runs its handler: an inner one defers to it. */
  wrapped = false
}

function sessionsOf(request: Request): FetchRequestSessions {
  const carrier = request as RequestWithSessions
  const existing = carrier[sessionsKey]
  if (existing !== undefined) return existing
  const sessions = new FetchRequestSessions({}, (hooks) => new FetchSessionRegistry(request, hooks))
  carrier[sessionsKey] = sessions
  return sessions
}

/** The sessions of `request` (one registry per request object). */
export function getSessions(
  request: Request,
  options: Pick<FetchSessionsOptions, 'trustProxy'> = {},
): FetchSessionRegistry {
  const registry = sessionsOf(request).registry
  if (options.trustProxy !== undefined) trustProxies(registry, options.trustProxy)
  return registry
}

/**
 * Saves the sessions of `request` and returns `response` with their `Set-Cookie` headers.
 * Throws `SessionSaveError` when a session cannot be saved (fail closed: no partial response);
 * its `setCookies` are the cookies it still owes the client (the deletion cookie of a logout
 * whose server-side delete failed), for an app that answers the error itself.
 * A `Response.error()` is returned as it is, without saving (see
 * {@link FetchSessionsOptions.onError}).
 */
export function commitSessions(
  request: Request,
  response: Response,
  options: FetchSessionsOptions = {},
): Promise<Response> {
  try {
    return Promise.resolve(committed(request, response, options))
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)))
  }
}

// commitSessions without a microtask when every store saves synchronously.
function committed(
  request: Request,
  response: Response,
  options: FetchSessionsOptions,
): Awaitable<Response> {
  const sessions = sessionsOf(request)
  if (options.trustProxy !== undefined) trustProxies(sessions.registry, options.trustProxy)
  const onError = options.onError
  if (onError !== undefined) {
    sessions.onError = (error) => {
      onError(error, request)
    }
  }
  if (isNetworkError(response)) {
    // Nothing could tell the client about a save (a new id, a deletion): none is made, as
    // when the handler throws.
    sessions.discard(NETWORK_ERROR_DISCARDED)
    return response
  }
  return then(sessions.commit(), (values) => {
    sessions.afterCommit()
    return appendSetCookies(response, values, options)
  })
}

/** What a change waiting to be saved is reported with when the response is `Response.error()`. */
export const NETWORK_ERROR_DISCARDED =
  'a network error (Response.error()) carries no cookies; sessions not saved'

/**
 * Whether `response` is a `Response.error()`. Its status is 0, which no other response can
 * have; the status is read first because on @hono/node-server's Response `type` builds the
 * full Response and takes the reply off its fast path.
 */
export function isNetworkError(response: Response): boolean {
  return response.status === 0 && response.type === 'error'
}

/** A plain 500, what the adapters answer with when they answer an error themselves. */
export function internalServerError(): Response {
  return new Response('Internal Server Error', {
    status: 500,
    headers: { 'content-type': 'text/plain; charset=utf-8' },
  })
}

/**
 * The answer to a save that failed but owes the client cookies ({@link owedCookies}: a logout
 * whose server-side delete failed), or `undefined` when it owes none and the error is to be
 * thrown. The cookies cannot travel with a rejection, so a plain 500 carries them and the
 * error goes to `report` instead.
 */
export function failedSaveResponse(
  error: unknown,
  report: (error: unknown) => void,
  options: Pick<FetchSessionsOptions, 'cacheControl'>,
): Response | undefined {
  const owed = owedCookies(error)
  if (owed.length === 0) return undefined
  try {
    report(error)
  } catch (thrown) {
    logError(thrown)
  }
  return appendSetCookies(internalServerError(), owed, options)
}

/**
 * Adds `Set-Cookie` values with `headers.append` (never `set`, which would join them), on a
 * copy of the response when its headers are immutable; a value the response already carries
 * is not added again. Throws `HeadersSentError` for a response that cannot carry them: a
 * `Response.error()`, or immutable headers on a status a copy cannot have (outside 200-599).
 */
export function appendSetCookies(
  response: Response,
  values: readonly string[],
  options: FetchSessionsOptions = {},
): Response {
  if (values.length === 0) return response
  // A response committed twice (commitSessions inside withSessions) gets each cookie once.
  const present = response.headers.getSetCookie()
  if (values.every((value) => present.includes(value))) return response
  try {
    writeSessionCookies(
      new FetchHeaders(response.headers, present),
      values,
      [],
      options.cacheControl,
    )
    return response
  } catch {
    // Read only here: on @hono/node-server's Response, `type` builds the full Response and
    // takes the reply off its fast path. Response.error()'s headers are immutable.
    if (response.type === 'error') {
      throw new HeadersSentError('a network error (Response.error()) carries no cookies')
    }
    if (response.status < 200 || response.status > 599) {
      throw new HeadersSentError(
        `a response with status ${response.status} and immutable headers cannot carry cookies`,
      )
    }
    const copy = new Response(response.body, response)
    writeSessionCookies(new FetchHeaders(copy.headers), values, [], options.cacheControl)
    return copy
  }
}

/** Fetch `Headers` as the sessions see them. */
class FetchHeaders implements SessionHeaders {
  readonly #headers: Headers
  /** The `Set-Cookie` values last read (each Headers call costs: read once, append only). */
  #current: readonly string[] | undefined

  constructor(headers: Headers, current?: readonly string[]) {
    this.#headers = headers
    this.#current = current
  }

  getSetCookie(): readonly string[] {
    this.#current ??= this.#headers.getSetCookie()
    return this.#current
  }

  setSetCookie(values: readonly string[]): void {
    const current = this.getSetCookie()
    let kept = 0
    while (kept < current.length && current[kept] === values[kept]) kept++
    if (kept < current.length) {
      this.#headers.delete('set-cookie')
      kept = 0
    }
    for (let i = kept; i < values.length; i++) {
      const value = values[i]
      if (value !== undefined) this.#headers.append('Set-Cookie', value)
    }
    this.#current = values
  }

  hasCacheControl(): boolean {
    return this.#headers.has('cache-control')
  }

  setCacheControl(value: string): void {
    this.#headers.set('Cache-Control', value)
  }
}

/**
 * The handler's response; one that throws fails the request: its error goes on, nothing of the
 * request is saved, or, with `commitOnError`, the error goes to `onError` and a plain 500
 * carries the sessions.
 */
async function answered<Rest extends unknown[]>(
  request: Request,
  registry: FetchSessionRegistry,
  sessions: FetchRequestSessions,
  handler: (request: Request, sessions: FetchSessionRegistry, ...rest: Rest) => Awaitable<Response>,
  rest: Rest,
  options: FetchSessionsOptions,
): Promise<Response> {
  try {
    return await handler(request, registry, ...rest)
  } catch (error) {
    if (!sessions.requestFailed(options.commitOnError === true)) throw error
    ;(options.onError ?? logError)(error, request)
    return internalServerError()
  }
}

/**
 * Wraps a Fetch handler with sessions. Extra arguments (a Workers `env` and `ctx`, say) are
 * passed through. A failed save rejects, except one that owes the client a cookie (a logout
 * whose server-side delete failed): that is answered with a plain 500 carrying the deletion
 * cookie, and the error goes to `onError`. Nested in another `withSessions` of the same
 * request, it passes its handler's response through: the outermost one commits (a handler
 * that throws inside fails the request all the same).
 *
 * @example
 * ```ts
 * export default {
 *   fetch: withSessions(async (request, sessions) => {
 *     const session = await sessions.get(store)
 *     session.increment('visits')
 *     return new Response(`visit ${session.getInt('visits')}`)
 *   }),
 * }
 * ```
 */
export function withSessions<Rest extends unknown[]>(
  handler: (request: Request, sessions: FetchSessionRegistry, ...rest: Rest) => Awaitable<Response>,
  options: FetchSessionsOptions = {},
): (request: Request, ...rest: Rest) => Promise<Response> {
  return async (request, ...rest) => {
    const registry = getSessions(request, options)
    const sessions = sessionsOf(request)
    // Nested in another withSessions of the same request: that one commits, once, after every
    // handler inside it ran (a commit here would turn the outer handler's changes into late ones).
    // A handler that throws fails the request all the same.
    if (sessions.wrapped) return answered(request, registry, sessions, handler, rest, options)
    sessions.wrapped = true
    let response: Response
    try {
      response = await answered(request, registry, sessions, handler, rest, options)
    } finally {
      // Only while the handler runs: a later withSessions of the same request is not inside it.
      sessions.wrapped = false
    }
    try {
      // Awaited rather than returned: an async function that returns a promise takes two more
      // microtasks to settle with it.
      return await registry.commit(response, options)
    } catch (error) {
      const answer = failedSaveResponse(
        error,
        (reported) => {
          ;(options.onError ?? logError)(reported, request)
        },
        options,
      )
      if (answer === undefined) throw error
      return answer
    }
  }
}
