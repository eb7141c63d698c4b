// `sessionkit keygen`: fresh random keys, in the encodings createKeyRing reads. Every key
// printed has been through createKeyRing, so none of them is refused at startup.

import { randomBytes } from 'node:crypto'
import { parseArgs } from 'node:util'

import { createKeyRing, generateKey } from '../index.ts'
import {
  COMMON_OPTIONS,
  EXIT_OK,
  parse,
  usageError,
  writeJson,
  type Command,
  type ExitCode,
  type Io,
} from './io.ts'

const HELP = `Usage: sessionkit keygen [--hex | --base64 | --base64url] [--id <id>] [--json]
       sessionkit keygen --gorilla [--hex | --base64] [--json]

Prints a new random key: 32 bytes from the operating system's CSPRNG, as base64url by
default (what generateKey() returns). createKeyRing accepts every key printed.

Options:
  --hex          hex (64 digits)
  --base64       standard base64, padded (as openssl rand -base64 32 prints it)
  --base64url    base64url without padding (the default)
  --id <id>      a key ring entry for that id (1-32 of A-Z a-z 0-9 . _ -): the entry as
                 JSON, the environment line SESSION_KEY_<ID>=..., and SESSION_KEYS=<id>:...
                 (the format 'sessionkit inspect' and the example app read)
  --gorilla      a gorilla/securecookie key pair, as Go's securecookie.GenerateRandomKey
                 makes them: a 64-byte hash key and a 32-byte block key (AES-256), as the
                 lines SESSIONKIT_GORILLA_HASH_KEY=... and SESSIONKIT_GORILLA_BLOCK_KEY=...
                 (hex by default; decode them in Go with hex.DecodeString)
  --json         one JSON object: { secret, encoding } (with --id also id and env;
                 with --gorilla { hashKey, blockKey, encoding })
  -h, --help     this help

Exit codes: 0 ok, 2 usage error.
`

type Encoding = 'base64url' | 'hex' | 'base64'

const GORILLA_HASH_BYTES = 64
const GORILLA_BLOCK_BYTES = 32
// generateKey() already redraws the one key in 2^39 the ring refuses in base64url; another
// encoding of the same bytes is checked again, and this bounds the (never taken) retries.
const MAX_DRAWS = 16

export const keygenCommand: Command = { help: HELP, run: keygen }

function keygen(args: readonly string[], io: Io): ExitCode {
  const { values, positionals } = parse(() =>
    parseArgs({
      args: [...args],
      allowPositionals: true,
      strict: true,
      options: {
        ...COMMON_OPTIONS,
        hex: { type: 'boolean' },
        base64: { type: 'boolean' },
        base64url: { type: 'boolean' },
        id: { type: 'string' },
        gorilla: { type: 'boolean' },
      },
    }),
  )
  if (values.help === true) {
    io.out(HELP)
    return EXIT_OK
  }
  if (positionals.length > 0) throw usageError(`unexpected argument "${positionals[0] ?? ''}"`)
  const chosen = (['hex', 'base64', 'base64url'] as const).filter((name) => values[name] === true)
  if (chosen.length > 1) throw usageError(`choose one encoding, not ${chosen.join(' and ')}`)
  const json = values.json === true
  if (values.gorilla === true) {
    if (values.id !== undefined) throw usageError('--id is for key ring entries, not --gorilla')
    if (chosen[0] === 'base64url') throw usageError('gorilla keys are printed as hex or base64')
    printGorilla(io, chosen[0] ?? 'hex', json)
    return EXIT_OK
  }
  const encoding = chosen[0] ?? 'base64url'
  if (values.id === undefined) {
    const secret = newSecret('key', encoding)
    if (json) writeJson(io, { secret, encoding })
    else io.out(`${secret}\n`)
    return EXIT_OK
  }
  printEntry(io, values.id, encoding, json)
  return EXIT_OK
}

function printEntry(io: Io, id: string, encoding: Encoding, json: boolean): void {
  checkId(id)
  const secret = newSecret(id, encoding)
  const env = envName(id)
  if (json) {
    writeJson(io, { id, secret, encoding, env })
    return
  }
  io.out(`${JSON.stringify({ id, secret })}\n${env}=${secret}\nSESSION_KEYS=${id}:${secret}\n`)
}

function printGorilla(io: Io, encoding: Encoding, json: boolean): void {
  const hashKey = accepted(() => encode(randomBytes(GORILLA_HASH_BYTES), encoding))
  const blockKey = accepted(() => encode(randomBytes(GORILLA_BLOCK_BYTES), encoding))
  if (json) {
    writeJson(io, { hashKey, blockKey, encoding })
    return
  }
  io.out(`SESSIONKIT_GORILLA_HASH_KEY=${hashKey}\nSESSIONKIT_GORILLA_BLOCK_KEY=${blockKey}\n`)
}

/** The key ring's own check of the id, with its message. */
function checkId(id: string): void {
  try {
    createKeyRing([{ id, secret: generateKey() }])
  } catch (error) {
    throw usageError(error instanceof Error ? error.message : String(error))
  }
}

function newSecret(id: string, encoding: Encoding): string {
  return accepted(() => encode(Buffer.from(generateKey(), 'base64url'), encoding), id)
}

/** A key from `draw` that createKeyRing accepts as it is printed. */
function accepted(draw: () => string, id = 'key'): string {
  for (let i = 0; i < MAX_DRAWS; i++) {
    const secret = draw()
    try {
      createKeyRing([{ id, secret }])
      return secret
    } catch {
      // Refused (probability below 2^-39): draw again.
    }
  }
  throw new Error('the key ring refused every key drawn: is the random source broken?')
}

function encode(bytes: Uint8Array, encoding: Encoding): string {
  return Buffer.from(bytes).toString(encoding)
}

/** `2026-11` → `SESSION_KEY_2026_11`, the name the README's samples use. */
export function envName(id: string): string {
  return `SESSION_KEY_${id.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`
}
