// SESSION_KEYS for the example: comma-separated id:secret pairs, primary first. Set but empty
// or malformed, it stops the server with a message naming the variable: a typo must not
// quietly fall back to a random key (and log everyone out at every restart).

import { createKeyRing, generateKey, type KeyRing, type KeyRingEntry } from '../src/index.ts'

export const VARIABLE = 'SESSION_KEYS'

/** A bad SESSION_KEYS; the message names the variable and never contains a secret. */
export class SessionKeysError extends Error {
  override readonly name = 'SessionKeysError'
}

/** A value to suggest: this month as the key id and a fresh key. */
export function exampleValue(): string {
  return `${VARIABLE}=${new Date().toISOString().slice(0, 7)}:${generateKey()}`
}

/** The key ring SESSION_KEYS describes. @throws {SessionKeysError} when it is empty or malformed. */
export function parseSessionKeys(value: string): KeyRing {
  if (value.trim() === '') {
    throw new SessionKeysError(
      `${VARIABLE} is set but empty: set it to comma-separated id:secret pairs, primary first (for example ${exampleValue()}), or unset it for a development key`,
    )
  }
  const pairs = value.split(',')
  const entries = pairs.map((pair, index): KeyRingEntry => {
    const colon = pair.indexOf(':')
    const id = pair.slice(0, colon).trim()
    const secret = pair.slice(colon + 1).trim()
    if (colon < 0 || id === '') {
      throw new SessionKeysError(
        `${VARIABLE}: entry ${index + 1} of ${pairs.length} is not an id:secret pair (expected comma-separated id:secret pairs, primary first)`,
      )
    }
    if (secret === '') {
      throw new SessionKeysError(
        `${VARIABLE}: key "${id}" has no secret (expected id:secret, with a secret from generateKey())`,
      )
    }
    return { id, secret }
  })
  const [primary, ...older] = entries
  if (primary === undefined) throw new SessionKeysError(`${VARIABLE} has no keys`)
  try {
    return createKeyRing([primary, ...older])
  } catch (error) {
    // Key ring messages name the key id and the problem, never the secret.
    const message = error instanceof Error ? error.message : String(error)
    throw new SessionKeysError(`${VARIABLE}: ${message}`)
  }
}
