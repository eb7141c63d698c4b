// The Redis driver's key names, under its prefix: which keys a session and a user index have,
// and the SCAN patterns that find them. One place, so the keys written, the keys scanned and
// the keys deleted cannot drift apart (the layout is documented in src/drivers/redis.ts).

import { base64urlEncode } from '../encoding.ts'

export const MAX_PREFIX = 64

/**
 * 1 to {@link MAX_PREFIX} printable ASCII characters without spaces, glob characters or braces
 * (a brace would move the hash tag) or backslashes: what SCAN can match as it is.
 */
export function isValidPrefix(prefix: unknown): prefix is string {
  if (typeof prefix !== 'string' || prefix.length < 1 || prefix.length > MAX_PREFIX) return false
  for (let i = 0; i < prefix.length; i++) {
    const c = prefix.charCodeAt(i)
    if (c < 0x21 || c > 0x7e) return false
  }
  return !/[*?[\]{}\\]/.test(prefix)
}

export interface RedisKeys {
  /** The key of a session's hash: `<prefix>s{<id>}`. */
  readonly sessionKey: (id: string) => string
  /** The key of a user's index: `<prefix>u{<base64url(sha256(user))>}`. */
  readonly userIndexKey: (userKey: string) => Promise<string>
  /** Whether a key of this prefix is a session's (rather than a user index). */
  readonly isSessionKey: (key: string) => boolean
  /** The id in a session key that SCAN found; `''` when it does not end as one. */
  readonly sessionIdOf: (key: string) => string
  /** SCAN patterns: the session keys, the user indexes, and both. */
  readonly sessionPattern: string
  readonly userIndexPattern: string
  readonly allPattern: string
}

/** The keys under a prefix that {@link isValidPrefix} accepted. */
export function redisKeys(prefix: string): RedisKeys {
  const sessionHead = `${prefix}s{`
  return {
    sessionKey: (id) => `${sessionHead}${id}}`,
    userIndexKey: async (userKey) => `${prefix}u{${base64urlEncode(await sha256(userKey))}}`,
    isSessionKey: (key) => key.startsWith(sessionHead),
    sessionIdOf: (key) => (key.endsWith('}') ? key.slice(sessionHead.length, -1) : ''),
    sessionPattern: `${sessionHead}*`,
    userIndexPattern: `${prefix}u{*`,
    allPattern: `${prefix}[su]{*`,
  }
}

async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)))
}
