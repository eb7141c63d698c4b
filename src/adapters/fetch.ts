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
import type { Awaitable } from '../lib/awaitable.ts'
import { SessionRegistry } from '../core/registry.ts'

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
   * session and request. Save failures are not given here: the commit rejects with them.
   * @default logs to `console.error`
   */
  readonly onError?: (error: unknown, request: Request) => void
}

// A session changed while the commit saved is saved again; a change left over after these
// rounds is reported like one made after the commit.
const MAX_SAVE_ROUNDS = 4

/** The registry of a Fetch request; it refuses to save once its response was committed. */
export class FetchSessionRegistry extends SessionRegistry {
  readonly #request: Request
  #committed = false
  #onError: (error: unknown, request: Request) => void = defaultOnError
  /** Sessions changed since the last save began. */
  readonly #pending = new Set<string>()
  readonly #reported = new Set<string>()

  constructor(request: Request) {
    super(request.headers.get('cookie'))
    this.#request = request
  }

  protected override sessionChanged(name: string): void {
    this.#pending.add(name)
    if (this.#committed) {
      this.#report(name, `session "${name}" changed after its response was committed`)
    }
  }

  // Reported apart from the change itself, so a throwing onError never makes set() throw.
  #report(key: string, detail: string): void {
    if (this.#reported.has(key)) return
    this.#reported.add(key)
    const error = new HeadersSentError(detail)
    const onError = this.#onError
    queueMicrotask(() => {
      try {
        onError(error, this.#request)
      } catch (thrown) {
        defaultOnError(thrown)
      }
    })
  }

  override save(): Awaitable<readonly string[]> {
    if (this.#committed && this.hasChanges) {
      throw new HeadersSentError('a session changed after its response was committed')
    }
    return super.save()
  }

  /** Saves every session and adds the cookies to `response`; see {@link commitSessions}. */
  async commit(response: Response, options: FetchSessionsOptions = {}): Promise<Response> {
    if (options.onError !== undefined) this.#onError = options.onError
    if (response.type === 'error') {
      // Nothing could tell the client about a save (a new id, a deletion): none is made, as
      // when the handler throws.
      this.#committed = true
      if (this.hasChanges) {
        this.#report(
          '',
          'a network error (Response.error()) carries no cookies; sessions not saved',
        )
      }
      return response
    }
    const values = await this.#saveRounds()
    this.#committed = true
    for (const name of this.#pending) {
      this.#report(name, `session "${name}" changed after its response was committed`)
    }
    return appendSetCookies(response, values, options)
  }

  async #saveRounds(): Promise<readonly string[]> {
    for (let round = 1; ; round++) {
      this.#pending.clear()
      const values = await this.save()
      if (this.#pending.size === 0 || round >= MAX_SAVE_ROUNDS) return values
    }
  }
}

function defaultOnError(error: unknown): void {
  console.error('[sessionkit]', error)
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
 * A `Response.error()` is returned as it is, without saving (see
 * {@link FetchSessionsOptions.onError}).
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
  const present = new Set(response.headers.getSetCookie())
  const missing = values.filter((value) => !present.has(value))
  if (missing.length === 0) return response
  if (response.type === 'error') {
    throw new HeadersSentError('a network error (Response.error()) carries no cookies')
  }
  let target = response
  try {
    appendTo(target.headers, missing, options)
  } catch {
    if (response.status < 200 || response.status > 599) {
      throw new HeadersSentError(
        `a response with status ${response.status} and immutable headers cannot carry cookies`,
      )
    }
    target = new Response(response.body, response)
    appendTo(target.headers, missing, options)
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
    const registry = sessionsFor(request)
    const response = await handler(request, registry, ...rest)
    return registry.commit(response, options)
  }
}
