// `sessionkit sessions list|destroy|prune`: administration of a server store's sessions,
// through createServerStore like the application itself, on the same driver.

import { parseArgs } from 'node:util'

import {
  createKeyRing,
  createServerStore,
  generateKey,
  isSessionHandle,
  isValidSessionId,
  SessionArgumentError,
  type ServerStore,
  type SessionListing,
} from '../index.ts'
import { DEFAULT_CONFIG_FILE, driverConfig, openDriver, URL_ENV } from './driver-config.ts'
import {
  CliError,
  COMMON_OPTIONS,
  EXIT_OK,
  failure,
  formatFields,
  messageOf,
  isoTime,
  parse,
  usageError,
  writeJson,
  type Command,
  type ExitCode,
  type Io,
} from './io.ts'

const DRIVER_HELP = `Driver (flags win over the config file):
  --config <file>        a JSON config file (default ./${DEFAULT_CONFIG_FILE} when it exists):
                         { "driver": "filesystem", "directory": "sessions" },
                         { "driver": "sqlite", "database": "sessions.db", "table": "..." },
                         { "driver": "redis", "url": "redis://host:6379", "prefix": "..." },
                         { "driver": "postgres", "url": "postgres://...", "table": "..." } or
                         { "driver": "mysql", "url": "mysql://...", "table": "..." };
                         paths in it are relative to the file
  --driver <name>        filesystem, sqlite, redis, postgres (or postgresql) or mysql (or mariadb)
  --directory <dir>      filesystem: the driver's directory (it must exist)
  --database <file>      sqlite: the database file (it must exist; opened with better-sqlite3,
                         else node:sqlite on Node >= 22.13)
  --table <name>         sqlite, postgres, mysql: the table (default sessionkit_sessions; it
                         must exist)
  --url <url>            redis, postgres, mysql: the server (default: $${URL_ENV}, which keeps
                         a password out of the process list); one Redis server, not Sentinel
                         or Cluster
  --prefix <prefix>      redis: the driver's key prefix (default sessionkit:)
  The network drivers use the application's client library: redis or ioredis, pg or postgres
  (postgres.js), mysql2.`

const HELP = `Usage: sessionkit sessions <list|destroy|prune> [options]

Lists and removes a server store's sessions (createServerStore over the filesystem, SQLite,
Redis, PostgreSQL or MySQL driver). Run it as the user the application runs as, on the same directory or database.

Commands:
  list --user <userKey>      the live sessions of a user (session.setUser): handle, created,
                             last seen, expiry, labels; never their ids or data
  destroy --user <userKey>   removes every session of a user (log out everywhere)
  destroy --handle <handle>  removes one session by the handle 'list' shows (and the session
                             a regeneration linked to it)
  destroy --id <id>          the same by session id (as 'sessionkit inspect' shows it)
  prune                      removes expired sessions and prints how many

${DRIVER_HELP}

Options:
  --json                     one JSON object (see each command's --help)
  -h, --help                 this help ('sessionkit sessions <command> --help' for a command)

No cookie keys are needed: these commands work by handle, session id and user key, never by
cookie, so the store is made with a throwaway key. The store keeps only a SHA-256 of each
session id, so 'list' shows handles (h.<that hash>), which name a session but are no
credential.

Exit codes: 0 ok; 1 failure (no such session, the driver failed, a missing directory,
database or table, a server that cannot be reached); 2 usage or configuration error.
`

const COMMAND_HELP: Readonly<Record<string, string>> = {
  list: `Usage: sessionkit sessions list --user <userKey> [driver options] [--json]

The live sessions of a user, oldest first: handle, created at, last seen at, expires at and
the labels given to session.setUser(userKey, labels). Never the session ids or data.
--json: { "user": "...", "sessions": [ { "handle", "createdAt", "lastSeenAt", "expiresAt",
"meta" } ] } with ISO times.

${DRIVER_HELP}

Exit codes: 0 ok (also for no sessions); 1 failure; 2 usage error.
`,
  destroy: `Usage: sessionkit sessions destroy (--user <userKey> | --handle <handle> | --id <id>) [driver options] [--json]

Removes every session of a user (--user), or one session by its handle (--handle, as 'list'
shows it) or by its session id (--id). --json: { "destroyed": <count> }.

${DRIVER_HELP}

Exit codes: 0 ok (--user: also when there were none); 1 no session with that handle or id,
or a failure; 2 usage error.
`,
  prune: `Usage: sessionkit sessions prune [driver options] [--json]

Removes the sessions that have expired (the drivers also do it on a timer and on sight) and
prints how many. --json: { "pruned": <count> }.

${DRIVER_HELP}

Exit codes: 0 ok; 1 failure; 2 usage error.
`,
}

export const sessionsCommand: Command = { help: HELP, run: sessions }

async function sessions(args: readonly string[], io: Io): Promise<ExitCode> {
  const { values, positionals } = parse(() =>
    parseArgs({
      args: [...args],
      allowPositionals: true,
      strict: true,
      options: {
        ...COMMON_OPTIONS,
        config: { type: 'string' },
        driver: { type: 'string' },
        directory: { type: 'string' },
        database: { type: 'string' },
        table: { type: 'string' },
        url: { type: 'string' },
        prefix: { type: 'string' },
        user: { type: 'string' },
        id: { type: 'string' },
        handle: { type: 'string' },
      },
    }),
  )
  const [command, ...extra] = positionals
  if (values.help === true) {
    io.out(command === undefined ? HELP : (COMMAND_HELP[command] ?? HELP))
    return EXIT_OK
  }
  if (command === undefined) throw usageError('give a command: list, destroy or prune')
  const run = SUBCOMMANDS[command]
  if (run === undefined) throw usageError(`unknown command "${command}": list, destroy or prune`)
  if (extra.length > 0) throw usageError(`unexpected argument "${extra[0] ?? ''}"`)
  const request = {
    user: values.user,
    id: values.id,
    handle: values.handle,
    json: values.json === true,
  }
  run.check(request)
  const config = driverConfig(
    {
      config: values.config,
      driver: values.driver,
      directory: values.directory,
      database: values.database,
      table: values.table,
      url: values.url,
      prefix: values.prefix,
    },
    io,
  )
  const opened = await openDriver(config, io)
  // Listing and removing by id or user never reads a cookie, so no real key (nor the
  // application's cookie name) is needed.
  const store = createServerStore({
    name: 'sid',
    driver: opened.driver,
    keys: createKeyRing([{ id: 'cli', secret: generateKey() }]),
  })
  try {
    return await run.execute(store, request, io)
  } catch (error) {
    if (error instanceof SessionArgumentError) throw usageError(error.message)
    if (error instanceof CliError) throw error
    throw failure(messageOf(error))
  } finally {
    await store.close()
    await opened.release()
  }
}

interface Request {
  readonly user: string | undefined
  readonly id: string | undefined
  readonly handle: string | undefined
  readonly json: boolean
}

interface Subcommand {
  /** Usage checks, before the driver is opened. */
  check(request: Request): void
  execute(store: ServerStore, request: Request, io: Io): Promise<ExitCode>
}

const SUBCOMMANDS: Readonly<Record<string, Subcommand>> = {
  list: {
    check(request) {
      if (request.user === undefined) throw usageError('list needs --user <userKey>')
      if (request.id !== undefined || request.handle !== undefined) {
        throw usageError('list takes --user, not --id or --handle')
      }
    },
    async execute(store, request, io) {
      const user = request.user ?? ''
      const list = await store.listByUser(user)
      if (request.json) writeJson(io, { user, sessions: list.map(summaryJson) })
      else io.out(listText(user, list))
      return EXIT_OK
    },
  },
  destroy: {
    check(request) {
      const given = [request.user, request.id, request.handle].filter((v) => v !== undefined)
      if (given.length !== 1) {
        throw usageError(
          'destroy needs --user <userKey>, --handle <handle> or --id <id> (one of them)',
        )
      }
      if (request.id !== undefined && !isValidSessionId(request.id)) {
        throw usageError(
          isSessionHandle(request.id)
            ? '--id is a session id; for a handle as list shows it, use --handle'
            : '--id is a session id: 43 characters of A-Z a-z 0-9 _ -',
        )
      }
      if (request.handle !== undefined && !isSessionHandle(request.handle)) {
        throw usageError("--handle is a handle as 'sessionkit sessions list' shows it (h.…)")
      }
    },
    async execute(store, request, io) {
      let destroyed: number
      if (request.id !== undefined) {
        if (!(await store.destroyById(request.id))) throw failure('no session with that id')
        destroyed = 1
      } else if (request.handle !== undefined && isSessionHandle(request.handle)) {
        if (!(await store.destroyByHandle(request.handle))) {
          throw failure('no session with that handle')
        }
        destroyed = 1
      } else {
        destroyed = (await store.destroyByUser(request.user ?? '')).length
      }
      if (request.json) writeJson(io, { destroyed })
      else io.out(`destroyed ${plural(destroyed, 'session')}\n`)
      return EXIT_OK
    },
  },
  prune: {
    check(request) {
      if (request.user !== undefined || request.id !== undefined || request.handle !== undefined) {
        throw usageError('prune takes none of --user, --id and --handle')
      }
    },
    async execute(store, request, io) {
      const pruned = await store.prune()
      if (request.json) writeJson(io, { pruned })
      else io.out(`pruned ${plural(pruned, 'expired session')}\n`)
      return EXIT_OK
    },
  },
}

function summaryJson(summary: SessionListing): Record<string, unknown> {
  return {
    handle: summary.handle,
    createdAt: isoTime(summary.createdAt),
    lastSeenAt: isoTime(summary.lastSeenAt),
    expiresAt: isoTime(summary.expiresAt),
    meta: summary.meta ?? null,
  }
}

function listText(user: string, list: readonly SessionListing[]): string {
  if (list.length === 0) return `no sessions of user ${JSON.stringify(user)}\n`
  const blocks = list.map((summary) => {
    const fields: [string, string][] = [
      ['  created at', isoTime(summary.createdAt) ?? '?'],
      ['  last seen at', isoTime(summary.lastSeenAt) ?? '?'],
      ['  expires at', isoTime(summary.expiresAt) ?? '?'],
    ]
    if (summary.meta !== undefined) fields.push(['  labels', JSON.stringify(summary.meta)])
    return `${summary.handle}\n${formatFields(fields)}`
  })
  return `${plural(list.length, 'session')} of user ${JSON.stringify(user)}:\n${blocks.join('')}`
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`
}
