/**
 * The Koa 3 adapter: `app.use(sessions({ store }))`.
 *
 * Available from `'sessionkit/koa'`.
 *
 * @module
 */
export { KoaSessionRegistry, sessions, type KoaSessionsOptions } from './adapters/koa.ts'
