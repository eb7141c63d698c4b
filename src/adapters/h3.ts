/**
 * The h3 (v2) adapter: `sessions()` middleware, and in handlers `useSession(event, store)` /
 * `useSessions(event)`, in the shape of h3's own `useSession`. After the handler, every
 * changed session is saved and its `Set-Cookie` staged on `event.res.headers` (or added to the
 * `Response` the handler returned, a copy when its headers are immutable), before h3 builds
 * the response; a change made once it left (while a stream is read, say) is reported to
 * `onError` as a `HeadersSentError`.
 *
 * A handler that throws commits nothing unless `commitOnError: true` (its cookies then go out
 * with h3's error response, through `event.res.errHeaders`). Web-standard only.
 *
 * Available from `'sessionkit/h3'`.
 *
 * @module
 */

import type { H3Event, Middleware } from 'h3'
import { SessionArgumentError } from '../errors.ts'
import type { Session } from '../core/session.ts'
import type { SessionStore } from '../core/store.ts'
import {
  AdapterSessionRegistry,
  RequestSessions,
  owedCookies,
  writeSessionCookies,
  type SessionHeaders,
} from './core.ts'
import { NETWORK_ERROR_DISCARDED, appendSetCookies, isNetworkError } from './fetch.ts'
import { fetchTransport, type TrustProxyOption } from './transport.ts'

export interface H3SessionsOptions extends TrustProxyOption {
  /**
   * `Cache-Control` added to responses that carry a session cookie and have none of their
   * own. `false` to leave it alone. @default 'no-store'
   */
  readonly cacheControl?: string | false
  /**
   * Told about a session whose change cannot reach the client any more, as a
   * `HeadersSentError`, once per session and request: changed after the response left, or in
   * a request answered with `Response.error()`. Save failures are not given here: they are
   * thrown into h3's error handling (`onError`, a 500); a logout whose server-side delete
   * failed stages its deletion cookie with `event.res.errHeaders` first, so the error
   * response carries it.
   * @default logs to `console.error`
   */
  readonly onError?: (error: unknown, event: H3Event) => void
  /**
   * Whether the changes of a handler that throws (or returns an `Error`, which h3 answers the
   * same way) are saved, their cookies sent with the error response. By default a failed
   * request commits nothing. @default false
   */
  readonly commitOnError?: boolean
}

/** The registry of an h3 request. */
export class H3SessionRegistry extends AdapterSessionRegistry {}

const requests = new WeakMap<H3Event, RequestSessions<H3SessionRegistry>>()

/**
 * The sessions of `event`'s request (the same registry every time). Throws
 * `SessionArgumentError` for an event that did not go through {@link sessions}: nothing would
 * save them.
 */
export function useSessions(event: H3Event): H3SessionRegistry {
  const request = requests.get(event)
  if (request === undefined) {
    throw new SessionArgumentError(
      'event',
      'an event of an app with the sessions() middleware (app.use(sessions()))',
    )
  }
  return request.registry
}

/**
 * The session of `store` for `event`'s request, loaded once per request.
 *
 * @example
 * ```ts
 * app.get('/', async (event) => {
 *   const session = await useSession(event, store)
 *   return `visit ${session.increment('visits')}`
 * })
 * ```
 */
export function useSession<Data extends object, Flash extends object>(
  event: H3Event,
  store: SessionStore<Data, Flash>,
): Promise<Session<Data, Flash>> {
  try {
    return useSessions(event).get(store)
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)))
  }
}

/**
 * Middleware that gives each request its sessions and saves them after the handler. Use it
 * once, app-wide (`app.use(sessions())`); a second one for the same request is a no-op.
 */
export function sessions(options: H3SessionsOptions = {}): Middleware {
  return async (event, next) => {
    if (requests.has(event)) return next()
    const onError = options.onError
    const request = new RequestSessions(
      {
        onError:
          onError === undefined
            ? undefined
            : (error) => {
                onError(error, event)
              },
        cacheControl: options.cacheControl,
        sentAs: 'its response was returned',
      },
      (hooks) =>
        new H3SessionRegistry(event.req.headers.get('cookie'), hooks, () =>
          fetchTransport(event.req, options.trustProxy === true),
        ),
    )
    requests.set(event, request)
    let value: unknown
    try {
      value = await next()
    } catch (error) {
      await failedRequest(event, request, options)
      throw error
    }
    // A returned Error is h3's error response as much as a thrown one (made with errHeaders).
    if (value instanceof Error) {
      await failedRequest(event, request, options)
      return value
    }
    if (value instanceof Response && isNetworkError(value)) {
      request.discard(NETWORK_ERROR_DISCARDED)
      return value
    }
    const values = await commitOrCarry(event, request, options)
    if (value instanceof Response) return appendSetCookies(value, values, optionsOf(options))
    // h3 merges the staged headers into the response it builds from the value; its own
    // headers (an HTTPResponse's) are overridden by them, so their Cache-Control counts too.
    const own = headersOf(value)
    writeSessionCookies(
      new StagedHeaders(event.res.headers, own),
      values,
      [],
      cacheControl(options),
    )
    return value
  }
}

// The handler threw or returned an Error: nothing is saved, unless commitOnError; then the
// cookies go with the error response, which h3 makes with errHeaders.
async function failedRequest(
  event: H3Event,
  request: RequestSessions<H3SessionRegistry>,
  options: H3SessionsOptions,
): Promise<void> {
  if (!request.requestFailed(options.commitOnError === true)) return
  const values = await commitOrCarry(event, request, options)
  writeSessionCookies(new StagedHeaders(event.res.errHeaders), values, [], cacheControl(options))
}

/**
 * Commits; a save that fails but owes the client cookies (a logout whose server-side delete
 * failed) stages them with errHeaders before the error goes on to h3, so its error response
 * carries them.
 */
async function commitOrCarry(
  event: H3Event,
  request: RequestSessions<H3SessionRegistry>,
  options: H3SessionsOptions,
): Promise<readonly string[]> {
  try {
    const values = await request.commit()
    request.afterCommit()
    return values
  } catch (error) {
    const owed = owedCookies(error)
    if (owed.length > 0) {
      writeSessionCookies(new StagedHeaders(event.res.errHeaders), owed, [], cacheControl(options))
    }
    throw error
  }
}

function cacheControl(options: H3SessionsOptions): string | false {
  return options.cacheControl ?? 'no-store'
}

function optionsOf(options: H3SessionsOptions): { cacheControl: string | false } {
  return { cacheControl: cacheControl(options) }
}

function headersOf(value: unknown): Headers | undefined {
  if (typeof value !== 'object' || value === null || !('headers' in value)) return undefined
  const headers = value.headers
  return headers instanceof Headers ? headers : undefined
}

/** The headers h3 stages for the response it builds. */
class StagedHeaders implements SessionHeaders {
  readonly #headers: Headers
  readonly #own: Headers | undefined

  constructor(headers: Headers, own?: Headers) {
    this.#headers = headers
    this.#own = own
  }

  getSetCookie(): readonly string[] {
    return this.#headers.getSetCookie()
  }

  setSetCookie(values: readonly string[]): void {
    this.#headers.delete('set-cookie')
    for (const value of values) this.#headers.append('Set-Cookie', value)
  }

  hasCacheControl(): boolean {
    return this.#headers.has('cache-control') || this.#own?.has('cache-control') === true
  }

  setCacheControl(value: string): void {
    this.#headers.set('Cache-Control', value)
  }
}
