/**
 * The h3 (v2) adapter: `sessions()` middleware, `useSession(event, store)` and
 * `useSessions(event)`.
 *
 * Available from `'sessionkit/h3'`.
 *
 * @module
 */
export {
  H3SessionRegistry,
  sessions,
  useSession,
  useSessions,
  type H3SessionsOptions,
} from './adapters/h3.ts'
