/**
 * Key rings: named secrets for sealing and signing, with rotation.
 *
 * The first key seals and signs; every key opens and verifies. A token says which key made
 * it, so opening looks the key up by id instead of trying each one, and a session opened with
 * an older key is re-sealed with the current one on its next save. To rotate without logging
 * anyone out: add the new key at the END on every instance, deploy, then move it to the front,
 * deploy, and drop the old key once its tokens have expired.
 *
 * Available from `'sessionkit'`.
 *
 * @module
 */

import { SessionConfigError } from '../errors.ts'
import { base64urlEncode, utf8Decode } from '../lib/encoding.ts'
import { patternAdvantage, REFUSAL_BITS } from '../lib/key-strength/estimate.ts'
import { readSecret, type SecretEncoding, type SecretProblem } from '../lib/key-strength/secret.ts'

/** One key of a ring. */
export interface KeyRingEntry {
  /** Short public label carried in every token: 1–32 of `A-Z a-z 0-9 . _ -`. */
  readonly id: string
  /**
   * At least 32 random bytes: a `Uint8Array`, or a string in hex, standard base64 (padded or
   * not, as `openssl rand -base64 32` prints it) or base64url (what {@link generateKey}
   * returns). A string of hex digits is read as hex. Passwords, passphrases and patterned or
   * human-made secrets are refused: make a key with {@link generateKey}.
   */
  readonly secret: Uint8Array | string
}

/** An immutable set of keys; the first is the primary. Secrets cannot be read back. */
export interface KeyRing {
  /** Id of the key that seals and signs. */
  readonly primaryId: string
  /** Every key id, primary first. */
  readonly ids: readonly string[]
  has(id: string): boolean
}

const MIN_SECRET_BYTES = 32
const KEY_ID_PATTERN = /^[A-Za-z0-9._-]{1,32}$/
const HOW_TO_MAKE_ONE = 'Make a key with generateKey() or `openssl rand -base64 32`.'

// Secrets live here rather than on the ring so they never show up in logs or JSON.
const secrets = new WeakMap<KeyRing, ReadonlyMap<string, Uint8Array>>()

/**
 * Creates a key ring. Throws {@link SessionConfigError} for an empty ring, a duplicate or
 * malformed id, or a secret that is missing, short, not hex or base64, or not random: its
 * entropy is estimated with models of what people and patterns produce (English words and
 * letters, keyboard walks, runs, repeats, text given as bytes), and a secret those models
 * explain 40 bits better than chance is refused. A random key is refused with probability
 * below 2^-39.
 *
 * @example
 * ```ts
 * const keys = createKeyRing([
 *   { id: '2026-11', secret: process.env.SESSION_KEY_2026_11! },
 *   { id: '2026-05', secret: process.env.SESSION_KEY_2026_05! }, // still opens old cookies
 * ])
 * ```
 */
export function createKeyRing(entries: readonly [KeyRingEntry, ...KeyRingEntry[]]): KeyRing {
  return buildKeyRing(entries, checkedSecret)
}

/**
 * A ring whose secrets skip the strength estimate, for the golden token vectors, whose fixed
 * keys are deliberately patterned (0x00, 0x01, …). Not part of the public API.
 */
export function createKeyRingUnchecked(
  entries: readonly [KeyRingEntry, ...KeyRingEntry[]],
): KeyRing {
  return buildKeyRing(entries, (_id, secret) => {
    const reading = readSecret(secret)
    if (!reading.ok) throw new SessionConfigError(`Unreadable secret (${reading.problem})`)
    return reading.bytes
  })
}

function buildKeyRing(
  entries: readonly KeyRingEntry[],
  decode: (id: string, secret: unknown) => Uint8Array,
): KeyRing {
  const given: unknown = entries
  if (!Array.isArray(given) || given.length === 0) {
    throw new SessionConfigError('A key ring needs at least one key')
  }
  const material = new Map<string, Uint8Array>()
  for (const entry of given as unknown[]) {
    const { id, secret } = entryParts(entry)
    if (material.has(id)) throw new SessionConfigError(`Duplicate key id "${id}"`)
    material.set(id, decode(id, secret))
  }
  const ids = Object.freeze([...material.keys()])
  const primaryId = ids[0] ?? ''
  const ring: KeyRing = Object.freeze({
    primaryId,
    ids,
    has: (id: string) => material.has(id),
  })
  secrets.set(ring, material)
  return ring
}

function entryParts(entry: unknown): { id: string; secret: unknown } {
  if (typeof entry !== 'object' || entry === null) {
    throw new SessionConfigError('Each key ring entry is an object { id, secret }')
  }
  const { id, secret } = entry as { id?: unknown; secret?: unknown }
  if (typeof id !== 'string' || !KEY_ID_PATTERN.test(id)) {
    const shown = typeof id === 'string' ? `"${id.slice(0, 40)}"` : `of type ${typeof id}`
    throw new SessionConfigError(`Key id ${shown} must be 1-32 characters of A-Z a-z 0-9 . _ -`)
  }
  return { id, secret }
}

/** The raw secrets of a ring, for the codec; not part of the public API. */
export function keyRingSecret(ring: KeyRing, id: string): Uint8Array | undefined {
  return secrets.get(ring)?.get(id)
}

/**
 * Returns a new random 256-bit key as a base64url string (43 characters), suitable as a
 * {@link KeyRingEntry} secret (like gorilla's `securecookie.GenerateRandomKey(32)`).
 */
export function generateKey(): string {
  // The ring refuses a random key with probability below 2^-39; should this one be it, draw
  // again rather than hand out a key the ring would refuse.
  for (;;) {
    const key = base64urlEncode(crypto.getRandomValues(new Uint8Array(MIN_SECRET_BYTES)))
    const reading = readSecret(key)
    if (reading.ok && patternAdvantage(reading.views) < REFUSAL_BITS) return key
  }
}

function checkedSecret(id: string, secret: unknown): Uint8Array {
  const reading = readSecret(secret)
  if (!reading.ok) throw new SessionConfigError(problemMessage(id, reading.problem, secret))
  const { bytes } = reading
  if (bytes.length < MIN_SECRET_BYTES) {
    throw new SessionConfigError(
      `The \`secret\` of key "${id}" has ${bytes.length} bytes; at least ${MIN_SECRET_BYTES} random bytes are required. ${HOW_TO_MAKE_ONE}`,
    )
  }
  if (patternAdvantage(reading.views) >= REFUSAL_BITS) {
    throw new SessionConfigError(patternMessage(id, bytes, reading.encoding))
  }
  return bytes
}

function problemMessage(id: string, problem: SecretProblem, secret: unknown): string {
  return `The \`secret\` of key "${id}" ${PROBLEMS[problem](secret)}. ${HOW_TO_MAKE_ONE}`
}

const PROBLEMS: Readonly<Record<SecretProblem, (secret: unknown) => string>> = {
  missing: (secret) => `is missing (${String(secret)}): is its environment variable set?`,
  empty: () => 'is empty: is its environment variable set?',
  'not-bytes-or-string': (secret) => `must be a Uint8Array or a string, not ${typeof secret}`,
  whitespace: () =>
    'contains whitespace (a newline from a file?): give the key exactly as it was generated',
  'odd-hex': () => 'has an odd number of hex digits: part of the key is missing',
  'not-encoded': () =>
    'is neither hex nor base64, so it looks like a password; passwords are not accepted (there is no password hashing)',
}

function patternMessage(id: string, bytes: Uint8Array, encoding: SecretEncoding): string {
  const text =
    encoding === 'bytes' && readsAsText(bytes)
      ? ' (these bytes are text: for a key written as hex or base64, pass the string itself)'
      : ''
  return `The \`secret\` of key "${id}" is not random: it looks made by a person or a pattern${text}. ${HOW_TO_MAKE_ONE}`
}

/** Valid UTF-8 without control characters other than tabs and line breaks. */
function readsAsText(bytes: Uint8Array): boolean {
  if (utf8Decode(bytes) === undefined) return false
  return bytes.every((byte) =>
    byte >= 32 ? byte !== 127 : byte === 9 || byte === 10 || byte === 13,
  )
}
