/**
 * The PostgreSQL driver for server-side sessions (`pg` and postgres.js).
 *
 * Available from `'sessionkit/drivers/postgres'`.
 *
 * @module
 */
export {
  createPostgresDriver,
  postgresSchema,
  type PgArrayQuery,
  type PgQueryable,
  type PostgresClient,
  type PostgresDriver,
  type PostgresDriverOptions,
  type PostgresJsSql,
  type PostgresValue,
} from './drivers/postgres.ts'
