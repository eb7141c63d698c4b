/**
 * The node:http adapter: `getSessions(req, res)` and `withSessions(handler)`.
 *
 * Available from `'sessionkit/node'`.
 *
 * @module
 */
export {
  NodeSessionRegistry,
  getSessions,
  withSessions,
  type NodeSessionsOptions,
} from './adapters/node.ts'
