#!/usr/bin/env node
// `npx sessionkit`: the package's command line (docs/cli.md). It uses only the package's
// public entry points, as any application would.

import process from 'node:process'

import {
  CliError,
  EXIT_FAILURE,
  EXIT_OK,
  EXIT_USAGE,
  writeJson,
  type Command,
  type ExitCode,
  type Io,
} from './io.ts'
import { inspectCommand } from './inspect.ts'
import { keygenCommand } from './keygen.ts'
import { sessionsCommand } from './sessions.ts'

const HELP = `Usage: sessionkit <command> [options]

Commands:
  keygen             print a new random key (or a key ring entry, or a gorilla key pair)
  inspect <cookie>   verify and open a session cookie, or show what is readable without keys
  sessions <list|destroy|prune>
                     list and remove a server store's sessions (filesystem or SQLite driver)
  help [command]     help on a command (as does 'sessionkit <command> --help')

Every command takes --json (one JSON object on stdout, for scripts) and --help.

Exit codes: 0 ok; 1 the operation failed (a cookie that does not open, no such session, a
driver error); 2 usage or configuration error.

Documentation: https://github.com/sessionkit/sessionkit/blob/main/docs/cli.md
`

const COMMANDS: Readonly<Record<string, Command>> = {
  keygen: keygenCommand,
  inspect: inspectCommand,
  sessions: sessionsCommand,
}

/** Runs one command line; never throws. */
async function run(args: readonly string[], io: Io): Promise<ExitCode> {
  const [name, ...rest] = args
  try {
    if (name === undefined) {
      io.err(HELP)
      return EXIT_USAGE
    }
    if (name === '--help' || name === '-h') {
      io.out(HELP)
      return EXIT_OK
    }
    if (name === 'help') return help(rest, io)
    const command = COMMANDS[name]
    if (command === undefined) throw new CliError(EXIT_USAGE, `unknown command "${name}"`)
    return await command.run(rest, io)
  } catch (error) {
    return reportError(error, name, args.includes('--json'), io)
  }
}

function help(args: readonly string[], io: Io): ExitCode {
  const [name] = args
  if (name === undefined) {
    io.out(HELP)
    return EXIT_OK
  }
  const command = COMMANDS[name]
  if (command === undefined) throw new CliError(EXIT_USAGE, `unknown command "${name}"`)
  io.out(command.help)
  return EXIT_OK
}

function reportError(error: unknown, name: string | undefined, json: boolean, io: Io): ExitCode {
  const known = error instanceof CliError
  const exitCode = known ? error.exitCode : EXIT_FAILURE
  // An unexpected error is a bug: its stack says where.
  const message =
    error instanceof Error
      ? known
        ? error.message
        : (error.stack ?? error.message)
      : String(error)
  const prefix = name !== undefined && name in COMMANDS ? `sessionkit ${name}` : 'sessionkit'
  io.err(`${prefix}: ${message}\n`)
  if (exitCode === EXIT_USAGE) {
    const topic = name !== undefined && name in COMMANDS ? `${name} --help` : '--help'
    io.err(`Run 'sessionkit ${topic}' for usage.\n`)
  }
  if (json) writeJson(io, { error: { message: known ? message : String(error), exitCode } })
  return exitCode
}

function processIo(): Io {
  // `sessionkit ... | head`: once the reader has gone, the rest of the output has nowhere to go.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error
  })
  return {
    env: process.env,
    cwd: process.cwd(),
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    async readStdin() {
      const chunks: Buffer[] = []
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
      return Buffer.concat(chunks).toString('utf8')
    },
  }
}

process.exitCode = await run(process.argv.slice(2), processIo())
