// Keys for `inspect`, from flags or the environment. Flags win: when any --key is given,
// SESSION_KEYS is not read (and likewise for the gorilla keys), so what is checked is exactly
// what the command line says.

import { createKeyRing, type KeyRing, type KeyRingEntry } from '../index.ts'
import { usageError } from './io.ts'

/** The variable the example app reads: comma-separated id:secret pairs, primary first. */
export const SESSION_KEYS = 'SESSION_KEYS'
export const GORILLA_HASH_ENV = 'SESSIONKIT_GORILLA_HASH_KEY'
export const GORILLA_BLOCK_ENV = 'SESSIONKIT_GORILLA_BLOCK_KEY'

export interface GorillaPair {
  readonly hashKey: Uint8Array
  readonly blockKey: Uint8Array | undefined
}

/** The key ring from `--key` flags, else from SESSION_KEYS, else none. */
export function keyRingFrom(
  flags: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): KeyRing | undefined {
  if (flags.length > 0) return ringOf(flags.map(entryOf('--key')), '--key')
  const value = env[SESSION_KEYS]
  if (value === undefined) return undefined
  if (value.trim() === '') {
    throw usageError(
      `${SESSION_KEYS} is set but empty: set it to comma-separated id:secret pairs, primary first, or unset it`,
    )
  }
  const entries = value.split(',').map(entryOf(SESSION_KEYS))
  return ringOf(entries, SESSION_KEYS)
}

function entryOf(source: string): (pair: string, index: number) => KeyRingEntry {
  return (pair, index) => {
    // A key id has neither ':' nor '=', so the first of them ends it ('=' may end base64).
    const separator = pair.search(/[:=]/)
    const id = separator < 0 ? '' : pair.slice(0, separator).trim()
    const secret = separator < 0 ? '' : pair.slice(separator + 1).trim()
    if (id === '' || secret === '') {
      throw usageError(
        `${source}: key ${index + 1} is not an id:secret (or id=secret) pair with a secret`,
      )
    }
    return { id, secret }
  }
}

function ringOf(entries: readonly KeyRingEntry[], source: string): KeyRing {
  const [primary, ...older] = entries
  if (primary === undefined) throw usageError(`${source}: no keys`)
  try {
    return createKeyRing([primary, ...older])
  } catch (error) {
    // The key ring's messages name the key id and the problem, never the secret.
    throw usageError(`${source}: ${error instanceof Error ? error.message : String(error)}`)
  }
}

/**
 * gorilla key pairs from `--gorilla-hash`/`--gorilla-block`, else from the environment, else
 * none; in rotation order (the first writes).
 */
export function gorillaKeysFrom(
  hashFlags: readonly string[],
  blockFlags: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): GorillaPair[] | undefined {
  if (hashFlags.length > 0 || blockFlags.length > 0) {
    return pairsOf(hashFlags, blockFlags, '--gorilla-hash', '--gorilla-block')
  }
  const hash = env[GORILLA_HASH_ENV]
  const block = env[GORILLA_BLOCK_ENV]
  if (hash === undefined && block === undefined) return undefined
  return pairsOf(
    hash === undefined ? [] : [hash],
    block === undefined ? [] : [block],
    GORILLA_HASH_ENV,
    GORILLA_BLOCK_ENV,
  )
}

function pairsOf(
  hashes: readonly string[],
  blocks: readonly string[],
  hashName: string,
  blockName: string,
): GorillaPair[] {
  if (hashes.length === 0) throw usageError(`${blockName} needs a hash key (${hashName})`)
  if (blocks.length !== 0 && blocks.length !== hashes.length) {
    throw usageError(
      `give one ${blockName} per ${hashName} (pairs in order), or none for signed-only cookies`,
    )
  }
  return hashes.map((hash, index) => {
    const block = blocks[index]
    return {
      hashKey: gorillaKeyBytes(hash, hashName),
      blockKey: block === undefined ? undefined : gorillaKeyBytes(block, blockName),
    }
  })
}

const HEX = /^(?:[0-9A-Fa-f]{2})+$/
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/

/**
 * A gorilla key: `hex:`, `base64:` or `text:` (the string's UTF-8 bytes, as Go's
 * `[]byte(os.Getenv(...))`) say how to read it; without a prefix, hex digits are hex, valid
 * base64 or base64url is base64, and anything else is text.
 */
export function gorillaKeyBytes(given: string, what: string): Uint8Array {
  const value = given.trim()
  const colon = value.indexOf(':')
  const prefix = colon < 0 ? '' : value.slice(0, colon)
  const rest = value.slice(colon + 1)
  let bytes: Uint8Array | undefined
  if (prefix === 'text') bytes = new TextEncoder().encode(rest)
  else if (prefix === 'hex') bytes = HEX.test(rest) ? Buffer.from(rest, 'hex') : undefined
  else if (prefix === 'base64') bytes = base64Bytes(rest)
  else if (HEX.test(value)) bytes = Buffer.from(value, 'hex')
  else bytes = base64Bytes(value) ?? new TextEncoder().encode(value)
  if (bytes === undefined || bytes.length === 0) {
    throw usageError(`${what}: not a key (hex:..., base64:... or text:...)`)
  }
  return new Uint8Array(bytes)
}

/** Standard or URL base64, padded or not, read strictly (it must re-encode to itself). */
function base64Bytes(text: string): Uint8Array | undefined {
  if (!BASE64.test(text)) return undefined
  const unpadded = text.replace(/=+$/, '').replaceAll('+', '-').replaceAll('/', '_')
  if (unpadded.length % 4 === 1) return undefined
  const bytes = Buffer.from(unpadded, 'base64url')
  return bytes.toString('base64url') === unpadded ? bytes : undefined
}
