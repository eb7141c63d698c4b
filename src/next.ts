/**
 * The Next.js (App Router) adapter: `createNextSessions({ cookies, headers })` for server
 * components, route handlers and server actions, and `withProxySessions` for the proxy.
 *
 * Available from `'sessionkit/next'`.
 *
 * @module
 */
export {
  NextSessionRegistry,
  createNextSessions,
  withProxySessions,
  type NextRequestFunctions,
  type NextSessions,
  type NextSessionsOptions,
} from './adapters/next.ts'
