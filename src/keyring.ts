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

import { SessionConfigError } from './errors.ts'
import { base64urlDecode, base64urlEncode } from './lib/encoding.ts'

/** One key of a ring. */
export interface KeyRingEntry {
  /** Short public label carried in every token: 1–32 of `A-Z a-z 0-9 . _ -`. */
  readonly id: string
  /**
   * At least 32 random bytes: a `Uint8Array`, a base64url string (what {@link generateKey}
   * returns) or a hex string. Passwords are refused: use {@link generateKey}.
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
const MIN_DISTINCT_CHARACTERS = 20
const KEY_ID_PATTERN = /^[A-Za-z0-9._-]{1,32}$/
const HEX_PATTERN = /^(?:[0-9a-fA-F]{2})+$/

// Secrets live here rather than on the ring so they never show up in logs or JSON.
const secrets = new WeakMap<KeyRing, ReadonlyMap<string, Uint8Array>>()

/**
 * Creates a key ring. Throws {@link SessionConfigError} for an empty ring, a duplicate or
 * malformed id, or a secret that is short or visibly not random.
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
  const given: unknown = entries
  if (!Array.isArray(given) || given.length === 0) {
    throw new SessionConfigError('A key ring needs at least one key')
  }
  const material = new Map<string, Uint8Array>()
  for (const entry of entries) {
    if (!KEY_ID_PATTERN.test(entry.id)) {
      throw new SessionConfigError(
        `Key id "${entry.id.slice(0, 40)}" must be 1-32 characters of A-Z a-z 0-9 . _ -`,
      )
    }
    if (material.has(entry.id)) throw new SessionConfigError(`Duplicate key id "${entry.id}"`)
    material.set(entry.id, decodeSecret(entry.id, entry.secret))
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

/** The raw secrets of a ring, for the codec; not part of the public API. */
export function keyRingSecret(ring: KeyRing, id: string): Uint8Array | undefined {
  return secrets.get(ring)?.get(id)
}

/**
 * Returns a new random 256-bit key as a base64url string (43 characters), suitable as a
 * {@link KeyRingEntry} secret (like gorilla's `securecookie.GenerateRandomKey(32)`).
 */
export function generateKey(): string {
  // About one random key in 50 million shows too few distinct characters for the ring's
  // pattern check; draw again rather than hand out a key the ring would refuse.
  for (;;) {
    const key = base64urlEncode(crypto.getRandomValues(new Uint8Array(MIN_SECRET_BYTES)))
    if (new Set(key).size >= MIN_DISTINCT_CHARACTERS) return key
  }
}

function decodeSecret(id: string, secret: Uint8Array | string): Uint8Array {
  let bytes: Uint8Array | undefined
  if (secret instanceof Uint8Array) {
    bytes = Uint8Array.from(secret)
  } else if (typeof secret === 'string') {
    bytes = decodeSecretString(id, secret)
  } else {
    throw new SessionConfigError(`Key "${id}": the secret must be a Uint8Array or a string`)
  }
  if (bytes.length < MIN_SECRET_BYTES) {
    throw new SessionConfigError(
      `Key "${id}": the secret has ${bytes.length} bytes; at least ${MIN_SECRET_BYTES} random bytes are required (use generateKey())`,
    )
  }
  // 32 random bytes show ~30 distinct values; fewer than 16 means a pattern, not randomness.
  if (new Set(bytes).size < 16) {
    throw new SessionConfigError(`Key "${id}": the secret is not random enough (use generateKey())`)
  }
  return bytes
}

function decodeSecretString(id: string, secret: string): Uint8Array {
  const hex = HEX_PATTERN.test(secret) && secret.length >= MIN_SECRET_BYTES * 2
  if (hex) {
    if (new Set(secret.toLowerCase()).size < 10) {
      throw new SessionConfigError(
        `Key "${id}": the secret is not random enough (use generateKey())`,
      )
    }
    const out = new Uint8Array(secret.length / 2)
    for (let i = 0; i < out.length; i++) out[i] = parseInt(secret.slice(i * 2, i * 2 + 2), 16)
    return out
  }
  const decoded = base64urlDecode(secret)
  if (decoded === undefined) {
    throw new SessionConfigError(
      `Key "${id}": a string secret must be base64url (as generateKey() returns) or hex; passwords are not accepted`,
    )
  }
  // A random 43-character base64url string has ~31 distinct characters; words have far fewer.
  if (new Set(secret).size < MIN_DISTINCT_CHARACTERS) {
    throw new SessionConfigError(`Key "${id}": the secret is not random enough (use generateKey())`)
  }
  return decoded
}
