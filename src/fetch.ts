/**
 * The Fetch adapter, for every runtime with `Request`/`Response` (Bun, Deno, Cloudflare
 * Workers, Node, Next.js route handlers). `withSessions(handler)` gives the handler the
 * request's sessions and adds their `Set-Cookie` headers to whatever it returns, copying the
 * response first when its headers are immutable (`Response.redirect()`, a `fetch()` result).
 *
 * Available from `'sessionkit/fetch'`.
 *
 * @module
 */

import { HeadersSentError } from './errors.ts'
import type { Awaitable } from './lib/awaitable.ts'
import { SessionRegistry } from './registry.ts'

export interface FetchSessionsOptions {
  /**
   * `Cache-Control` added to responses that carry a session cookie and have none of their
   * own. `false` to leave it alone. @default 'no-store'
   */
  readonly cacheControl?: string | false
}

/** The registry of a Fetch request; it refuses to save once its response was committed. */
export class FetchSessionRegistry extends SessionRegistry {
  #committed = false

  constructor(request: Request) {
    super(request.headers.get('cookie'))
  }

  override save(): Awaitable<readonly string[]> {
    if (this.#committed && this.hasChanges) {
      throw new HeadersSentError('a session changed after its response was committed')
    }
    return super.save()
  }

  /** Saves every session and adds the cookies to `response`; see {@link commitSessions}. */
  async commit(response: Response, options: FetchSessionsOptions = {}): Promise<Response> {
    const values = await this.save()
    this.#committed = true
    return appendSetCookies(response, values, options)
  }
}

const registries = new WeakMap<Request, FetchSessionRegistry>()

/** The sessions of `request` (one registry per request object). */
export function sessionsFor(request: Request): FetchSessionRegistry {
  let registry = registries.get(request)
  if (registry === undefined) {
    registry = new FetchSessionRegistry(request)
    registries.set(request, registry)
  }
  return registry
}

/**
 * Saves the sessions of `request` and returns `response` with their `Set-Cookie` headers.
 * Throws `SessionSaveError` when a session cannot be saved (fail closed: no partial response).
 */
export function commitSessions(
  request: Request,
  response: Response,
  options: FetchSessionsOptions = {},
): Promise<Response> {
  return sessionsFor(request).commit(response, options)
}

/**
 * Adds `Set-Cookie` values with `headers.append` (never `set`, which would join them), on a
 * copy of the response when its headers are immutable.
 */
export function appendSetCookies(
  response: Response,
  values: readonly string[],
  options: FetchSessionsOptions = {},
): Response {
  if (values.length === 0) return response
  let target = response
  try {
    appendTo(target.headers, values, options)
  } catch {
    target = new Response(response.body, response)
    appendTo(target.headers, values, options)
  }
  return target
}

function appendTo(headers: Headers, values: readonly string[], options: FetchSessionsOptions) {
  for (const value of values) headers.append('Set-Cookie', value)
  const cacheControl = options.cacheControl ?? 'no-store'
  if (cacheControl !== false && !headers.has('cache-control')) {
    headers.set('Cache-Control', cacheControl)
  }
}

/**
 * Wraps a Fetch handler with sessions. Extra arguments (a Workers `env` and `ctx`, say) are
 * passed through.
 *
 * @example
 * ```ts
 * export default {
 *   fetch: withSessions(async (request, sessions) => {
 *     const session = await sessions.get(store, 'app')
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
    const registry = sessionsFor(request)
    const response = await handler(request, registry, ...rest)
    return registry.commit(response, options)
  }
}
