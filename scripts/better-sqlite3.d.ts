// Stand-in for @types/better-sqlite3 (not a dev dependency) in scripts/check-docs.mjs: the part
// of better-sqlite3's API that the docs' SQLite sample touches, in the shapes of the real types,
// so the sample is checked against what an application with those types sees.
declare namespace Database {
  interface RunResult {
    changes: number
    lastInsertRowid: number | bigint
  }
  interface Statement<BindParameters extends unknown[] = unknown[], Result = unknown> {
    run(...params: BindParameters): RunResult
    get(...params: BindParameters): Result | undefined
    all(...params: BindParameters): Result[]
  }
  interface Options {
    readonly?: boolean
    fileMustExist?: boolean
    timeout?: number
  }
}

declare class Database {
  constructor(filename?: string, options?: Database.Options)
  readonly open: boolean
  exec(source: string): this
  prepare<BindParameters extends unknown[] = unknown[], Result = unknown>(
    source: string,
  ): Database.Statement<BindParameters, Result>
  close(): this
}

export = Database
