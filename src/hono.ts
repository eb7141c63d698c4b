/**
 * The Hono adapter: `session(store)` and `sessions()` middleware, with `c.var.session` and
 * `c.var.sessions` typed through Hono's `Variables`.
 *
 * Available from `'sessionkit/hono'`.
 *
 * @module
 */
export {
  HonoSessionRegistry,
  session,
  sessions,
  type HonoSessionOptions,
  type HonoSessionsOptions,
  type SessionEnv,
  type SessionsEnv,
  type SessionsVariables,
} from './adapters/hono.ts'
