/**
 * The Express adapter (Express 4 and 5), on the node:http adapter's machinery: the sessions
 * are saved and their `Set-Cookie` written before the response headers go out, whatever
 * sends them (`res.send`, `res.redirect`, a stream piped to `res`, Express's error handler).
 *
 * ```ts
 * app.use(sessions({ store })) // req.session: the session of `store`; req.sessions: the registry
 * ```
 *
 * Errors go to Express: a store that fails to load or save is given to `next(err)` (while the
 * response can still be an error response). A request Express answers with a 5xx (its answer
 * to a handler that threw) saves nothing of its sessions, unless `commitOnError`.
 *
 * Available from `'sessionkit/express'`.
 *
 * @module
 */

import { ServerResponse } from 'node:http'
import type { NextFunction, Request, RequestHandler, Response } from 'express'
import { HeadersSentError } from '../errors.ts'
import type { Session, SessionData } from '../core/session.ts'
import type { SessionStore } from '../core/store.ts'
import { logError } from './core.ts'
import { gatedSessions, type GateHooks, type NodeSessionRegistry } from './node.ts'
import { hostWithoutPort } from './transport.ts'

/** The registry of an Express request, `req.sessions`: named sessions of any store. */
export type ExpressSessionRegistry = NodeSessionRegistry

declare global {
  // Express's own extension point (what @types/express-serve-static-core's Request extends).
  // eslint-disable-next-line @typescript-eslint/no-namespace -- the only way to reach it
  namespace Express {
    interface Request {
      /** The request's sessions (set by `sessions()` from `'sessionkit/express'`; read-only). */
      readonly sessions: ExpressSessionRegistry
    }
  }
}

export interface ExpressSessionsOptions<
  Data extends object = SessionData,
  Flash extends object = SessionData,
> {
  /**
   * The store whose session is loaded before the handlers run and set as `req.session`
   * (type it with `declare module 'express-serve-static-core'`, see docs/frameworks.md).
   * Without one, use `await req.sessions.get(store)`.
   */
  readonly store?: SessionStore<Data, Flash>
  /**
   * Told about what can no longer go to `next(err)`: a session changed after the response
   * headers were written (a `HeadersSentError`, once per session and request).
   * @default logs to `console.error`
   */
  readonly onError?: (error: unknown, req: Request, res: Response) => void
  /**
   * `Cache-Control` added to responses that carry a session cookie and have none of their
   * own. `false` to leave it alone. @default 'no-store'
   */
  readonly cacheControl?: string | false
  /**
   * A request Express answers with a 5xx status (a handler threw, or called `next(err)`):
   * `false` saves nothing of its sessions (no store write, no session cookie); `true`
   * commits them with the error response. @default false
   */
  readonly commitOnError?: boolean
}

interface WithSession {
  session?: unknown
}

const EXPRESS_HOOKS: GateHooks = {
  isErrorResponse: (response) => response.statusCode >= 500,
  answersErrors: true,
  // Express replaces each response's prototype: a property added to one costs a hidden class.
  // Node's own is the one every app of every Express copy leads to.
  sharedPrototype: ServerResponse.prototype,
  // Express's own reading, which honours its 'trust proxy' setting.
  transport: (req) => {
    const request = req as Request
    return { secure: request.secure, host: hostWithoutPort(request.hostname) }
  },
}

/**
 * The sessions middleware: `req.sessions`, and `req.session` for `options.store`.
 *
 * @example
 * ```ts
 * app.use(sessions({ store }))
 * app.post('/login', (req, res) => {
 *   req.session.set('user', 'ada')
 *   res.redirect('/') // saved, and the cookie written, before the redirect goes out
 * })
 * ```
 */
export function sessions<Data extends object = SessionData, Flash extends object = SessionData>(
  options: ExpressSessionsOptions<Data, Flash> = {},
): RequestHandler {
  const { store, onError = logError } = options
  const cacheControl =
    options.cacheControl === undefined ? {} : { cacheControl: options.cacheControl }
  const commitOnError =
    options.commitOnError === undefined ? {} : { commitOnError: options.commitOnError }
  return (req: Request, res: Response, next: NextFunction): void => {
    const requestSessions = gatedSessions(
      req,
      res,
      {
        onError: (error) => {
          // Before the headers the response can still be an error response: Express's.
          if (error instanceof HeadersSentError || res.headersSent) onError(error, req, res)
          else next(error)
        },
        ...cacheControl,
        ...commitOnError,
      },
      EXPRESS_HOOKS,
    )
    const registry = requestSessions.registry
    if (store === undefined) {
      next()
      return
    }
    registry.get(store).then(
      (session: Session<Data, Flash>) => {
        ;(req as WithSession).session = session
        next()
      },
      (error: unknown) => {
        next(error)
      },
    )
  }
}
