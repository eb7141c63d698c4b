/**
 * The MySQL / MariaDB driver for server-side sessions (a mysql2 promise pool).
 *
 * Available from `'sessionkit/drivers/mysql'`.
 *
 * @module
 */
export {
  createMySQLDriver,
  mysqlSchema,
  type MySQLDriver,
  type MySQLDriverOptions,
  type MySQLPool,
  type MySQLValue,
} from './drivers/mysql.ts'
