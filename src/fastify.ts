/**
 * The Fastify 5 adapter: `await app.register(sessions, { store })`.
 *
 * Available from `'sessionkit/fastify'`.
 *
 * @module
 */
export {
  FastifySessionRegistry,
  sessions,
  type AnySessionStore,
  type FastifySessionsOptions,
} from './adapters/fastify.ts'
