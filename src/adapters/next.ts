/**
 * The Next.js (App Router, 16) adapter. `createNextSessions({ cookies, headers })`, given the
 * two request functions of `next/headers`, gives the sessions of the request being handled:
 * read anywhere on the server (server components, route handlers, server actions), written
 * where Next.js lets a response carry cookies:
 *
 * - route handlers, wrapped with `route(handler)`: the cookies are added to the returned
 *   `Response` itself (with `Cache-Control: no-store`);
 * - server actions, wrapped with `action(fn)`: the cookies go through `cookies().set()`;
 * - the proxy (`proxy.ts`, or `middleware.ts` on the edge runtime), wrapped with
 *   {@link withProxySessions}: the cookies are added to its response and, for
 *   `NextResponse.next()`, forwarded to the request the page renders, so it sees them.
 *
 * Server components can only read: Next.js refuses cookie writes during rendering. A
 * redirect (`redirect()` throws) commits the sessions; any other throw commits nothing,
 * unless `commitOnError: true`. Web-standard only: node and edge runtimes.
 *
 * Available from `'sessionkit/next'`.
 *
 * @module
 */

import type { cookies as nextCookies, headers as nextHeaders } from 'next/headers.js'
import { CookieOptionError } from '../errors.ts'
import type { Awaitable } from '../lib/awaitable.ts'
import type { Session } from '../core/session.ts'
import type { SessionStore } from '../core/store.ts'
import { AdapterSessionRegistry, RequestSessions, logError, owedCookies } from './core.ts'
import {
  appendSetCookies,
  failedSaveResponse,
  getSessions,
  withSessions,
  type FetchSessionRegistry,
  type FetchSessionsOptions,
} from './fetch.ts'

/** The two functions of `next/headers` the sessions need: pass them as they are. */
export interface NextRequestFunctions {
  readonly cookies: typeof nextCookies
  readonly headers: typeof nextHeaders
}

export interface NextSessionsOptions {
  /**
   * `Cache-Control` added to route handler responses that carry a session cookie and have none
   * of their own. `false` to leave it alone. @default 'no-store'
   */
  readonly cacheControl?: string | false
  /**
   * Told about a session whose change cannot reach the client any more, as a
   * `HeadersSentError`, once per session and request: changed after the commit. Save failures
   * are thrown instead, except in `route()` one that owes the client a cookie (a logout whose
   * server-side delete failed): the route answers a plain 500 carrying the deletion cookie and
   * the error comes here. (In actions and `save()` it is thrown after the deletion cookie was
   * handed to `cookies()`.)
   * @default logs to `console.error`
   */
  readonly onError?: (error: unknown) => void
  /**
   * Whether the changes of a route handler or server action that throws (other than
   * `redirect()`) are saved and their cookies handed to Next.js. @default false
   */
  readonly commitOnError?: boolean
}

/** The registry of a Next.js request. */
export class NextSessionRegistry extends AdapterSessionRegistry {}

/** The sessions of the request being handled; see {@link createNextSessions}. */
export interface NextSessions {
  /** The registry of the request being handled (the same one for the whole request). */
  registry(): Promise<NextSessionRegistry>
  /** The session of `store` for the request being handled, loaded once per request. */
  get<Data extends object, Flash extends object>(
    store: SessionStore<Data, Flash>,
  ): Promise<Session<Data, Flash>>
  /**
   * Saves every changed session and sets its cookie with `cookies().set()`. Only where
   * Next.js allows cookie writes (server actions, route handlers); `action()` and `route()`
   * call it for you.
   */
  save(): Promise<void>
  /** Wraps a server action: its session changes are saved when it returns or redirects. */
  action<Args extends unknown[], Result>(
    fn: (...args: Args) => Promise<Result>,
  ): (...args: Args) => Promise<Result>
  /**
   * Wraps a route handler: its session changes are saved and their cookies added to the
   * `Response` it returns (or, when it redirects with `redirect()`, set through `cookies()`).
   */
  route<Rest extends unknown[]>(
    handler: (request: Request, ...rest: Rest) => Awaitable<Response>,
  ): (request: Request, ...rest: Rest) => Promise<Response>
}

type CookieJar = Awaited<ReturnType<typeof nextCookies>>
type HeaderList = Awaited<ReturnType<typeof nextHeaders>>
type NextCookie = Extract<Parameters<CookieJar['set']>, [unknown]>[0]

/**
 * The sessions of Next.js requests. Create it once, in a module of your app, with the
 * functions of `next/headers` (sessionkit does not import Next.js itself).
 *
 * @example
 * ```ts
 * import { cookies, headers } from 'next/headers.js'
 * export const sessions = createNextSessions({ cookies, headers })
 * // a server component:
 * const session = await sessions.get(store)
 * ```
 */
export function createNextSessions(
  next: NextRequestFunctions,
  options: NextSessionsOptions = {},
): NextSessions {
  // One registry per request: Next.js gives every call of headers() in a request the same
  // object, on the node and the edge runtime alike.
  const requests = new WeakMap<HeaderList, RequestSessions<NextSessionRegistry>>()

  async function current(): Promise<RequestSessions<NextSessionRegistry>> {
    const headers = await next.headers()
    const existing = requests.get(headers)
    if (existing !== undefined) return existing
    const onError = options.onError
    const created = new RequestSessions(
      {
        onError,
        cacheControl: options.cacheControl,
        sentAs: 'its response was committed',
      },
      (hooks) => new NextSessionRegistry(headers.get('cookie'), hooks),
    )
    requests.set(headers, created)
    return created
  }

  async function commitToCookies(request: RequestSessions<NextSessionRegistry>): Promise<void> {
    let values: readonly string[]
    try {
      values = await request.commit()
    } catch (error) {
      // A logout whose server-side delete failed still owes the browser its deletion cookie.
      const jar = await next.cookies()
      for (const value of owedCookies(error)) jar.set(toNextCookie(value))
      throw error
    }
    const jar = await next.cookies()
    for (const value of values) jar.set(toNextCookie(value))
    request.afterCommit()
  }

  async function settleThrow(error: unknown): Promise<never> {
    const request = await current()
    if (isRedirect(error) || request.requestFailed(options.commitOnError === true)) {
      await commitToCookies(request)
    }
    throw error
  }

  /** Commits the sessions of the request into `response`'s headers. */
  async function withSessionCookies(response: Response): Promise<Response> {
    const sessions = await current()
    const cacheControl = options.cacheControl
    const cookieOptions = cacheControl === undefined ? {} : { cacheControl }
    let values: readonly string[]
    try {
      values = await sessions.commit()
    } catch (error) {
      // Next.js would answer with a 500 of its own, without the deletion cookie a logout whose
      // server-side delete failed still owes: that 500 is answered here, with it.
      const answer = failedSaveResponse(error, options.onError ?? logError, cookieOptions)
      if (answer === undefined) throw error
      return answer
    }
    sessions.afterCommit()
    return appendSetCookies(response, values, cookieOptions)
  }

  /**
   * A route handler that threw, with `commitOnError`: Next.js would answer with a 500 of its
   * own and drop the cookies, so the adapter answers the 500 itself, with the cookies. The
   * error is logged first, as Next.js logs it, so that a save failing next cannot hide it.
   */
  async function answerFailure(error: unknown): Promise<Response> {
    console.error(error)
    return withSessionCookies(new Response('Internal Server Error', { status: 500 }))
  }

  return {
    registry: async () => (await current()).registry,
    get: async (store) => (await current()).registry.get(store),
    save: async () => {
      await commitToCookies(await current())
    },
    action:
      (fn) =>
      async (...args) => {
        let result
        try {
          result = await fn(...args)
        } catch (error) {
          return settleThrow(error)
        }
        await commitToCookies(await current())
        return result
      },
    route:
      (handler) =>
      async (request, ...rest) => {
        let response: Response
        try {
          response = await handler(request, ...rest)
        } catch (error) {
          if (isRedirect(error) || options.commitOnError !== true) return settleThrow(error)
          return answerFailure(error)
        }
        return withSessionCookies(response)
      },
  }
}

/**
 * `redirect()` and `permanentRedirect()` of `next/navigation` throw an error whose `digest`
 * starts with `NEXT_REDIRECT`: a way out of a successful action, not a failure.
 */
function isRedirect(error: unknown): boolean {
  if (typeof error !== 'object' || error === null || !('digest' in error)) return false
  return typeof error.digest === 'string' && error.digest.startsWith('NEXT_REDIRECT')
}

/**
 * One of our `Set-Cookie` values as the cookie object of `cookies().set()`. Next.js
 * percent-encodes the value it is given, which leaves our base64url tokens as they are;
 * a value it would change could not be read back, so it is refused.
 */
function toNextCookie(setCookie: string): NextCookie {
  const [pair = '', ...attributes] = setCookie.split(';')
  const eq = pair.indexOf('=')
  const name = pair.slice(0, eq).trim()
  const value = pair.slice(eq + 1).trim()
  if (encodeURIComponent(value) !== value) {
    throw new CookieOptionError(
      'value',
      `Cookie "${name}" has a value Next.js's cookies().set() would percent-encode; use a route handler (route()) for this store`,
    )
  }
  const cookie: NextCookie = { name, value }
  for (const attribute of attributes) {
    const at = attribute.indexOf('=')
    const key = (at === -1 ? attribute : attribute.slice(0, at)).trim().toLowerCase()
    const given = at === -1 ? '' : attribute.slice(at + 1).trim()
    switch (key) {
      case 'path':
        cookie.path = given
        break
      case 'domain':
        cookie.domain = given
        break
      case 'max-age':
        cookie.maxAge = Number(given)
        break
      case 'expires':
        cookie.expires = new Date(given)
        break
      case 'httponly':
        cookie.httpOnly = true
        break
      case 'secure':
        cookie.secure = true
        break
      case 'samesite':
        cookie.sameSite = given.toLowerCase() as 'lax' | 'strict' | 'none'
        break
      case 'partitioned':
        cookie.partitioned = true
        break
      case 'priority':
        cookie.priority = given.toLowerCase() as 'low' | 'medium' | 'high'
        break
      default:
        break
    }
  }
  return cookie
}

/**
 * Wraps a Next.js proxy (`proxy.ts`; `middleware.ts` on the edge runtime) with the sessions of
 * its request, as `withSessions` of `sessionkit/fetch` does, and more: when it lets the
 * request through (`NextResponse.next()`, a rewrite), the new session cookies are also
 * forwarded to the request Next.js then renders, so its server components and route handlers
 * read the sessions as the proxy left them.
 *
 * @example
 * ```ts
 * export const proxy = withProxySessions(async (request, sessions) => {
 *   const session = await sessions.get(store)
 *   if (session.get('userId') === undefined) return NextResponse.redirect(new URL('/login', request.url))
 *   session.set('lastSeen', Date.now())
 *   return NextResponse.next()
 * })
 * ```
 */
export function withProxySessions<Req extends Request, Rest extends unknown[]>(
  handler: (request: Req, sessions: FetchSessionRegistry, ...rest: Rest) => Awaitable<Response>,
  options: FetchSessionsOptions = {},
): (request: Req, ...rest: Rest) => Promise<Response> {
  const wrapped = withSessions(
    (request: Request, registry: FetchSessionRegistry, ...rest: Rest) =>
      handler(request as Req, registry, ...rest),
    options,
  )
  return async (request, ...rest) => {
    const response = await wrapped(request, ...rest)
    forwardCookies(request, response, getSessions(request).setCookies)
    return response
  }
}

/**
 * Makes the request Next.js renders after the proxy carry the cookies as the proxy set them,
 * through the request-header override `NextResponse.next({ request: { headers } })` uses.
 */
function forwardCookies(request: Request, response: Response, values: readonly string[]): void {
  if (values.length === 0) return
  if (!response.headers.has('x-middleware-next') && !response.headers.has('x-middleware-rewrite')) {
    return
  }
  const overridden = response.headers.get('x-middleware-request-cookie')
  const base = overridden ?? request.headers.get('cookie') ?? ''
  const ours = new Map<string, string>()
  for (const value of values) {
    const pair = value.split(';', 1)[0] ?? ''
    const eq = pair.indexOf('=')
    ours.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim())
  }
  const kept = base
    .split(';')
    .map((pair) => pair.trim())
    .filter((pair) => pair !== '' && !ours.has(pair.slice(0, pair.indexOf('=')).trim()))
  // A deleted session (an empty value) is left out, as the browser will have dropped it.
  for (const [name, value] of ours) if (value !== '') kept.push(`${name}=${value}`)
  response.headers.set('x-middleware-request-cookie', kept.join('; '))
  const names = (response.headers.get('x-middleware-override-headers') ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '' && name !== 'cookie')
  // Without an override list yet, Next.js would otherwise drop every other request header.
  if (overridden === null && names.length === 0) {
    for (const [name, value] of request.headers) {
      if (name === 'cookie') continue
      response.headers.set(`x-middleware-request-${name}`, value)
      names.push(name)
    }
  }
  response.headers.set('x-middleware-override-headers', [...names, 'cookie'].join(','))
}
