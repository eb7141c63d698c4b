// The SQLite implementations the SQLite driver is tested against, opened the way a user opens
// them: better-sqlite3 (a dev dependency, a native addon built from source) and node:sqlite's
// DatabaseSync when this Node has it (≥ 22.13). Neither needs an adapter; the types below are
// just the slices the tests use (better-sqlite3 ships no types and @types/node 20 has no
// node:sqlite).
import { mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import type { SQLiteDatabase, SQLiteStatement } from '../../src/sqlite.ts'

export interface TestDatabase extends SQLiteDatabase {
  close(): unknown
}

export type DatabaseKind = 'better-sqlite3' | 'node:sqlite'

type DatabaseConstructor = new (file: string) => TestDatabase

interface NodeSqliteModule {
  readonly DatabaseSync: DatabaseConstructor
}

let betterSqlite3: DatabaseConstructor | undefined

export function loadBetterSqlite3(): DatabaseConstructor {
  betterSqlite3 ??= createRequire(import.meta.url)('better-sqlite3') as DatabaseConstructor
  return betterSqlite3
}

/** node:sqlite when this Node has it without a flag (≥ 22.13), else `undefined`. */
export function loadNodeSqlite(): NodeSqliteModule | undefined {
  return process.getBuiltinModule('node:sqlite') as NodeSqliteModule | undefined
}

/** Whether this Node version is one that ships node:sqlite unflagged (22.13+ / 23.4+). */
export function nodeHasSqlite(version: string = process.versions.node): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number)
  return major > 23 || (major === 23 && minor >= 4) || (major === 22 && minor >= 13)
}

/** The implementations available here: better-sqlite3 always, node:sqlite when present. */
export function availableKinds(): DatabaseKind[] {
  return loadNodeSqlite() === undefined ? ['better-sqlite3'] : ['better-sqlite3', 'node:sqlite']
}

export function openDatabase(kind: DatabaseKind, file: string): TestDatabase {
  if (kind === 'better-sqlite3') return new (loadBetterSqlite3())(file)
  const sqlite = loadNodeSqlite()
  if (sqlite === undefined) throw new Error('node:sqlite is not available on this Node')
  return new sqlite.DatabaseSync(file)
}

/** A temporary directory for database files, removed by `remove()`. */
export function tempDirectory(): {
  readonly path: string
  file(name: string): string
  remove(): void
} {
  const path = mkdtempSync(join(tmpdir(), 'sessionkit-sqlite-'))
  let n = 0
  return {
    path,
    file: (name) => join(path, `${name}-${String((n += 1))}.db`),
    remove: () => {
      rmSync(path, { recursive: true, force: true })
    },
  }
}

export interface Executed {
  readonly sql: string
  readonly params: readonly unknown[]
}

/**
 * The database behind a recorder: every statement the driver runs is logged with its SQL and
 * parameters (for EXPLAIN QUERY PLAN), and `rewriteRow` can change the rows it returns.
 */
export function recording(
  db: SQLiteDatabase,
  rewriteRow: (row: unknown, sql: string) => unknown = (row) => row,
): { readonly database: SQLiteDatabase; readonly executed: Executed[] } {
  const executed: Executed[] = []
  const database: SQLiteDatabase = {
    exec(sql) {
      executed.push({ sql, params: [] })
      return db.exec(sql)
    },
    prepare(sql) {
      const statement = db.prepare(sql)
      const wrapped: SQLiteStatement = {
        run(...params) {
          executed.push({ sql, params })
          return statement.run(...params)
        },
        get(...params) {
          executed.push({ sql, params })
          return rewriteRow(statement.get(...params), sql)
        },
        all(...params) {
          executed.push({ sql, params })
          return statement.all(...params).map((row) => rewriteRow(row, sql))
        },
      }
      return wrapped
    },
  }
  return { database, executed }
}
