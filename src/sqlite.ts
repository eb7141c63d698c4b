/**
 * The SQLite driver for server-side sessions (better-sqlite3, `node:sqlite`, `bun:sqlite`).
 *
 * Available from `'sessionkit/drivers/sqlite'`.
 *
 * @module
 */
export {
  createSQLiteDriver,
  type SQLiteDatabase,
  type SQLiteDriver,
  type SQLiteStatement,
  type SQLiteDriverOptions,
  type SQLiteValue,
} from './drivers/sqlite.ts'
