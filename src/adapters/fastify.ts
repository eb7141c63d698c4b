/**
 * The Fastify 5 adapter: a plugin (registered like a `fastify-plugin` one, so its hooks and
 * decorators reach the whole app) that loads the sessions in `onRequest` and saves them in
 * `onSend`, where the reply's headers are still open: the cookie goes out with the reply,
 * `fastify.inject` included.
 *
 * ```ts
 * await app.register(sessions, { store }) // request.session, request.sessions
 * ```
 *
 * A store that fails to load or save is a reply error (Fastify's error handler answers). A
 * request that failed (a handler threw, or a hook did: Fastify's `onError`) saves nothing of
 * its sessions, unless `commitOnError`.
 *
 * Available from `'sessionkit/fastify'`.
 *
 * @module
 */

import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import type { CookieHeader, SessionStore } from '../core/store.ts'
import { isPromise } from '../lib/awaitable.ts'
import {
  AdapterSessionRegistry,
  RequestSessions,
  logError,
  writeOwedCookies,
  type SessionHeaders,
} from './core.ts'
import { hostWithoutPort } from './transport.ts'

/** The registry of a Fastify request, `request.sessions`: named sessions of any store. */
export class FastifySessionRegistry extends AdapterSessionRegistry {}

declare module 'fastify' {
  interface FastifyRequest {
    /** The request's sessions (set by the `sessions` plugin from `'sessionkit/fastify'`). */
    sessions: FastifySessionRegistry
  }
}

/**
 * A session store of any data type: a plugin's options cannot carry the store's type to
 * `request.session`, whose type the app declares (see {@link FastifySessionsOptions.store}).
 */
export interface AnySessionStore {
  readonly name: string
  get(cookieHeader: CookieHeader): Promise<unknown>
}

export interface FastifySessionsOptions {
  /**
   * The store whose session is loaded in `onRequest` and set as `request.session` (type it
   * with `declare module 'fastify'`, see docs/frameworks.md). Without one, use
   * `await request.sessions.get(store)`.
   */
  readonly store?: AnySessionStore
  /**
   * Told about a session changed after its reply was sent (a `HeadersSentError`, once per
   * session and request): while a streamed body is still going out, in background work, or
   * before a reply that skipped `onSend` (`reply.hijack()`), whose change is not saved.
   * @default logs to `console.error`
   */
  readonly onError?: (error: unknown, request: FastifyRequest) => void
  /**
   * `Cache-Control` added to replies that carry a session cookie and have none of their own.
   * `false` to leave it alone. @default 'no-store'
   */
  readonly cacheControl?: string | false
  /**
   * A request that failed (Fastify's `onError` ran): `false` saves nothing of its sessions (no
   * store write, no session cookie); `true` commits them with the error reply.
   * @default false
   */
  readonly commitOnError?: boolean
}

const sessionsKey = Symbol('sessionkit.sessions')

interface Carrier {
  [sessionsKey]?: RequestSessions<FastifySessionRegistry>
  session?: unknown
  sessions?: unknown
}

/** A reply's headers as the sessions see them. */
class ReplyHeaders implements SessionHeaders {
  readonly #reply: FastifyReply

  constructor(reply: FastifyReply) {
    this.#reply = reply
  }

  getSetCookie(): readonly string[] {
    const value = this.#reply.getHeader('set-cookie')
    if (value === undefined) return []
    return Array.isArray(value) ? value : [String(value)]
  }

  setSetCookie(values: readonly string[]): void {
    // reply.header() appends to an existing Set-Cookie; remove first to replace.
    this.#reply.removeHeader('set-cookie')
    if (values.length > 0) this.#reply.header('set-cookie', [...values])
  }

  hasCacheControl(): boolean {
    return this.#reply.hasHeader('cache-control')
  }

  setCacheControl(value: string): void {
    this.#reply.header('cache-control', value)
  }
}

function plugin(fastify: FastifyInstance, options: FastifySessionsOptions): Promise<void> {
  const { store, onError = logError } = options
  fastify.decorateRequest('sessions', null, [])
  fastify.decorateRequest('session', null, [])

  fastify.addHook('onRequest', async (request, reply) => {
    const carrier = request as Carrier
    const requestSessions = new RequestSessions(
      {
        onError: (error) => {
          onError(error, request)
        },
        headers: new ReplyHeaders(reply),
        cacheControl: options.cacheControl,
        commitOnError: options.commitOnError,
        headersSent: () => reply.raw.headersSent,
        sentAs: 'the reply was sent',
      },
      // Fastify's own reading of the transport, which honours its `trustProxy` option.
      (hooks) =>
        new FastifySessionRegistry(request.headers.cookie, hooks, () => ({
          secure: request.protocol === 'https',
          host: hostWithoutPort(request.hostname),
        })),
    )
    carrier[sessionsKey] = requestSessions
    carrier.sessions = requestSessions.registry
    if (store !== undefined) {
      // Every store is a SessionStore; only its data type was erased.
      carrier.session = await requestSessions.registry.get(store as SessionStore)
    }
  })

  fastify.addHook('onError', async (request) => {
    ;(request as Carrier)[sessionsKey]?.requestFailed()
    return Promise.resolve()
  })

  fastify.addHook('onSend', async (request, reply, payload) => {
    const requestSessions = (request as Carrier)[sessionsKey]
    // Not loaded (the request failed before onRequest), discarded, or the save failed.
    if (requestSessions?.phase !== 'open') return payload
    try {
      // A commit that finished at once (the cookie store on node:crypto) costs no extra tick.
      const committed = requestSessions.commit()
      if (isPromise(committed)) await committed
    } catch (error) {
      // A logout whose server-side delete failed still owes the browser its deletion cookie:
      // Fastify's error reply keeps the reply's headers.
      if (!reply.raw.headersSent) {
        writeOwedCookies(new ReplyHeaders(reply), error, options.cacheControl ?? 'no-store')
      }
      throw error
    }
    requestSessions.afterCommit()
    return payload
  })

  // A reply that skipped onSend (reply.hijack(), reply.raw.end()) left without its sessions:
  // a change waiting to be saved is reported rather than lost without a word.
  fastify.addHook('onResponse', async (request) => {
    const requestSessions = (request as Carrier)[sessionsKey]
    if (requestSessions !== undefined && requestSessions.phase !== 'failed') {
      requestSessions.afterCommit()
    }
    return Promise.resolve()
  })
  return Promise.resolve()
}

/**
 * The sessions plugin. Register it before the routes that use `request.session`.
 *
 * @example
 * ```ts
 * await app.register(sessions, { store })
 * app.post('/login', async (request) => {
 *   request.session.set('user', 'ada')
 *   return { ok: true } // saved in onSend, the cookie goes out with the reply
 * })
 * ```
 */
export const sessions: FastifyPluginAsync<FastifySessionsOptions> = Object.assign(plugin, {
  // What fastify-plugin sets: the hooks and decorators belong to the parent context (the
  // whole app), and the name and Fastify version show in errors and `hasPlugin`.
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: 'sessionkit',
  [Symbol.for('plugin-meta')]: { fastify: '5.x', name: 'sessionkit' },
})
