/**
 * The Express adapter (Express 4 and 5): `app.use(sessions({ store }))`.
 *
 * Available from `'sessionkit/express'`.
 *
 * @module
 */
export {
  sessions,
  type ExpressSessionRegistry,
  type ExpressSessionsOptions,
} from './adapters/express.ts'
