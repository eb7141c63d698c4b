/**
 * The node:http adapter: `sessions(req, res)` and `withSessions(handler)`.
 *
 * Available from `'sessionkit/node'`.
 *
 * @module
 */
export {
  NodeSessionRegistry,
  sessions,
  withSessions,
  type NodeSessionsOptions,
} from './adapters/node.ts'
