// Session ids: 256 bits from the CSPRNG, base64url without padding (43 characters). Every id
// that reaches a driver, whoever generated it, passes `isValidSessionId` first, so a driver
// never sees a path, a glob, a quote or an over-long string (TRV-01).

import { base64urlEncode } from './encoding.ts'

/** Length of a session id: 32 bytes in unpadded base64url. */
export const SESSION_ID_LENGTH = 43

/** A new random session id: 32 bytes from `crypto.getRandomValues`, base64url (43 characters). */
export function generateSessionId(): string {
  return base64urlEncode(crypto.getRandomValues(new Uint8Array(32)))
}

/**
 * Whether `id` has the shape of a session id: exactly 43 characters of `A-Z a-z 0-9 _ -`.
 * A linear scan of at most 43 characters; anything that is not a string is refused.
 */
export function isValidSessionId(id: unknown): id is string {
  if (typeof id !== 'string' || id.length !== SESSION_ID_LENGTH) return false
  for (let i = 0; i < SESSION_ID_LENGTH; i++) {
    const c = id.charCodeAt(i)
    const ok =
      (c >= 0x41 && c <= 0x5a) || // A-Z
      (c >= 0x61 && c <= 0x7a) || // a-z
      (c >= 0x30 && c <= 0x39) || // 0-9
      c === 0x2d || // -
      c === 0x5f // _
    if (!ok) return false
  }
  return true
}
