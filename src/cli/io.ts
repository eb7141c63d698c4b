// What every command shares: the process's streams and environment (passed in, so a command
// never reaches for globals), argument parsing with node:util's parseArgs, the exit codes and
// the two kinds of failure.

/** Exit codes, the CLI's contract with scripts (docs/cli.md). */
export const EXIT_OK = 0
/** The operation failed: a cookie that does not open, a session that is not there, an I/O error. */
export const EXIT_FAILURE = 1
/** The command line or the configuration is wrong: nothing was done. */
export const EXIT_USAGE = 2

export type ExitCode = typeof EXIT_OK | typeof EXIT_FAILURE | typeof EXIT_USAGE

/** The outside world of one run. */
export interface Io {
  readonly env: Readonly<Record<string, string | undefined>>
  readonly cwd: string
  out(text: string): void
  err(text: string): void
  /** All of standard input, for `inspect -`. */
  readStdin(): Promise<string>
}

/** A command of the CLI: `sessionkit <name> ...`. */
export interface Command {
  /** The text of `--help`. */
  readonly help: string
  run(args: readonly string[], io: Io): ExitCode | Promise<ExitCode>
}

/**
 * A failure that ends the command with an exit code and a message for stderr. It never leaves
 * the process (the exit code and the message are the interface), so it is not a SessionError.
 */
export class CliError extends Error {
  readonly exitCode: typeof EXIT_FAILURE | typeof EXIT_USAGE

  constructor(exitCode: typeof EXIT_FAILURE | typeof EXIT_USAGE, message: string) {
    super(message)
    this.name = 'CliError'
    this.exitCode = exitCode
  }
}

export function usageError(message: string): CliError {
  return new CliError(EXIT_USAGE, message)
}

export function failure(message: string): CliError {
  return new CliError(EXIT_FAILURE, message)
}

/** Options every command takes. */
export const COMMON_OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  json: { type: 'boolean' },
} as const

/**
 * Runs a node:util parseArgs call (strict, so an unknown option or a missing value is refused)
 * and turns its errors into usage errors. The call stays at the command, for its inferred types.
 */
export function parse<T>(run: () => T): T {
  try {
    return run()
  } catch (error) {
    throw usageError(parseErrorMessage(error))
  }
}

function parseErrorMessage(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  // parseArgs explains itself at length ("To specify a positional argument starting with a
  // '-', place it at the end of the command after '--'"); the first sentence is the point.
  const first = (error.message.split(/\.\s/)[0] ?? error.message).replace(/\.$/, '')
  // Session ids and handles may start with '-' (base64url): say how to pass one.
  const dashed = /use '(--[a-z-]+)=-XYZ'/.exec(error.message)
  return dashed === null
    ? first
    : `${first}: write ${dashed[1] ?? ''}=<value> for a value that starts with '-'`
}

/** Writes a JSON document to stdout, one per run. */
export function writeJson(io: Io, value: unknown): void {
  io.out(`${JSON.stringify(value, null, 2)}\n`)
}

/** An ISO time for a millisecond timestamp, or null when there is none. */
export function isoTime(ms: number | undefined): string | null {
  if (ms === undefined || !Number.isFinite(ms)) return null
  const date = new Date(ms)
  return Number.isNaN(date.getTime()) ? null : date.toISOString()
}

/** `label: value` lines with the values aligned. */
export function formatFields(fields: readonly (readonly [string, string])[]): string {
  const width = Math.max(0, ...fields.map(([label]) => label.length)) + 1
  return fields.map(([label, value]) => `${`${label}:`.padEnd(width + 1)}${value}\n`).join('')
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
