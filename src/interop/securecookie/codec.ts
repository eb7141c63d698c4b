// gorilla/securecookie 1.1 Encode/Decode, byte-exact:
//   out = base64url_padded(ts "|" base64url_padded(payload) "|" HMAC(name "|" ts "|" inner))
// where payload = Serialize(value), optionally iv || AES-CTR(payload). Decode runs Go's checks
// in Go's order and fails with Go's messages (see docs/go-interop.md).

import type { SecureCookieError } from '../../errors.ts'
import { then, type Awaitable } from '../../lib/awaitable.ts'
import { concatBytes, utf8Encode } from '../../lib/encoding.ts'
import { goBase64UrlDecode, goBase64UrlEncode } from './base64-go.ts'
import {
  HASH_SIZES,
  resolveSecureCookieCrypto,
  type CtrCipher,
  type SecureCookieCryptoChoice,
  type SecureCookieHash,
} from './crypto.ts'
import { GO_MESSAGES, causeText, scError } from './errors.ts'
import { goJsonSerializer } from './go-json.ts'
import type { GoSerializer } from './serializer.ts'

/** A key as bytes, or a string used as its UTF-8 bytes (Go `[]byte("...")`). */
export type SecureCookieKey = Uint8Array | string

/** Options of one codec; everything but the keys can be shared by a rotation set. */
export interface SecureCookieSettings {
  /** HMAC hash (Go `HashFunc`). @default 'sha256' */
  readonly hash?: SecureCookieHash
  /**
   * Seconds a cookie stays valid after its timestamp (Go `MaxAge`); `0` = no check. A cookie
   * exactly `maxAge` old is accepted; a negative value rejects every cookie, as in Go.
   * @default 2592000 (30 days)
   */
  readonly maxAge?: number
  /** Seconds a cookie must be old before it is accepted (Go `MinAge`); `0` = no check. @default 0 */
  readonly minAge?: number
  /** Longest encoded value in bytes, on encode and decode (Go `MaxLength`); `0` = unlimited. @default 4096 */
  readonly maxLength?: number
  /**
   * How values become bytes. @default goJsonSerializer (Go `JSONEncoder`). gorilla's own
   * default is gob; pass `gobSerializer` (from `sessionkit/gob`) to read gob cookies.
   */
  readonly serializer?: GoSerializer
  /** Milliseconds since the epoch; the timestamp is `floor(now() / 1000)`. @default Date.now */
  readonly now?: () => number
  /**
   * TEST-ONLY hook for the 16-byte AES-CTR IV (reproducing Go vectors). Never set it in
   * production: a repeated IV under one block key leaks plaintext. @default secure random
   */
  readonly randomBytes?: (length: number) => Uint8Array
  /** `'auto'` uses node:crypto where the runtime has it, else Web Crypto. @default 'auto' */
  readonly crypto?: SecureCookieCryptoChoice
}

export interface SecureCookieOptions extends SecureCookieSettings {
  /** HMAC key (Go `hashKey`); required, any non-zero length (32 or 64 random bytes recommended). */
  readonly hashKey: SecureCookieKey
  /** AES key, 16, 24 or 32 bytes (AES-128/192/256-CTR); omit for signed-only cookies. */
  readonly blockKey?: SecureCookieKey | null | undefined
}

export interface DecodedSecureCookie {
  readonly value: unknown
  /** The cookie's authenticated timestamp, in seconds since the epoch. */
  readonly timestamp: number
}

/** A gorilla/securecookie-compatible codec (Go `*SecureCookie`). */
export interface SecureCookie {
  readonly hash: SecureCookieHash
  readonly maxAge: number
  readonly minAge: number
  readonly maxLength: number
  readonly encrypted: boolean
  /** The crypto implementation in use. */
  readonly backend: 'node' | 'web'
  /**
   * Encodes `value` for the cookie `name`. Synchronous (may throw) on node:crypto, a promise
   * on Web Crypto: always `await` it.
   * @throws {SecureCookieError} usage kind for a serializer failure or a too-long result.
   */
  encode(name: string, value: unknown): Awaitable<string>
  /**
   * Decodes a cookie value made for `name`.
   * @throws {SecureCookieError} decode kind, with Go's message, for anything a client sent.
   */
  decode(name: string, value: string): Awaitable<unknown>
  /** {@link decode}, also giving the authenticated timestamp. */
  decodeWithTimestamp(name: string, value: string): Awaitable<DecodedSecureCookie>
}

const DAY = 86_400
const IV_LENGTH = 16
const PIPE = 0x7c
const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n
const DECIMAL = /^[+-]?[0-9]+$/

export const DEFAULT_SECURECOOKIE_MAX_AGE: number = 30 * DAY
export const DEFAULT_SECURECOOKIE_MAX_LENGTH = 4096

function usage(message: string): SecureCookieError {
  return scError('usage', message)
}

export function keyBytes(key: unknown, what: string): Uint8Array {
  if (typeof key === 'string') return utf8Encode(key)
  if (key instanceof Uint8Array) return Uint8Array.from(key)
  throw usage(`securecookie: ${what} must be a Uint8Array or a string`)
}

function integer(name: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw usage(
      `securecookie: ${name} must be ${min === 0 ? 'a non-negative' : 'an'} integer, got ${typeof value === 'number' ? value : typeof value}`,
    )
  }
  return value
}

function latin1(bytes: Uint8Array): string {
  let out = ''
  for (const byte of bytes) out += String.fromCharCode(byte)
  return out
}

// Go's strconv.ParseInt(s, 10, 64): an optional sign, then one or more ASCII digits (any number
// of leading zeros), in int64 range. No length cap: Go has none, and the digits are MACed.
function parseTimestamp(bytes: Uint8Array): bigint | undefined {
  const text = latin1(bytes)
  if (!DECIMAL.test(text)) return undefined
  const negative = text.startsWith('-')
  let start = negative || text.startsWith('+') ? 1 : 0
  while (start < text.length - 1 && text[start] === '0') start++
  // More than 19 significant digits is beyond int64 whatever they are.
  if (text.length - start > 19) return undefined
  const magnitude = BigInt(text.slice(start))
  const value = negative ? -magnitude : magnitude
  return value < INT64_MIN || value > INT64_MAX ? undefined : value
}

function base64Error(offset: number): SecureCookieError {
  return scError(
    'decode',
    `securecookie: base64 decode failed - caused by: illegal base64 data at input byte ${offset}`,
  )
}

/**
 * Creates a gorilla/securecookie codec. Unlike Go's `New`, bad keys or options fail here
 * (a usage-kind {@link SecureCookieError}) rather than on every later call.
 *
 * @example
 * ```ts
 * const codec = createSecureCookie({ hashKey: HASH_KEY, blockKey: BLOCK_KEY })
 * const value = await codec.encode('session-name', { userId: 42 })
 * const back = await codec.decode('session-name', value)
 * ```
 * @throws {SecureCookieError} usage kind: no hash key (`securecookie: hash key is not set`),
 *   a block key that is not 16/24/32 bytes (`... crypto/aes: invalid key size N`), a bad
 *   option.
 */
export function createSecureCookie(options: SecureCookieOptions): SecureCookie {
  if (typeof options !== 'object' || (options as unknown) === null) {
    throw usage('securecookie: options must be an object')
  }
  if ((options.hashKey as unknown) === undefined || (options.hashKey as unknown) === null) {
    throw usage(GO_MESSAGES.hashKeyNotSet)
  }
  const hashKey = keyBytes(options.hashKey, 'hashKey')
  if (hashKey.length === 0) throw usage(GO_MESSAGES.hashKeyNotSet)
  let blockKey: Uint8Array | undefined
  if (options.blockKey !== undefined && options.blockKey !== null) {
    blockKey = keyBytes(options.blockKey, 'blockKey')
    if (blockKey.length !== 16 && blockKey.length !== 24 && blockKey.length !== 32) {
      throw usage(
        `securecookie: error - caused by: crypto/aes: invalid key size ${blockKey.length}`,
      )
    }
  }
  const hash = options.hash ?? 'sha256'
  if (!Object.hasOwn(HASH_SIZES, hash)) {
    throw usage(`securecookie: unsupported hash ${hash}`)
  }
  const maxAge = integer('maxAge', options.maxAge, DEFAULT_SECURECOOKIE_MAX_AGE, -Infinity)
  const minAge = integer('minAge', options.minAge, 0, -Infinity)
  const maxLength = integer('maxLength', options.maxLength, DEFAULT_SECURECOOKIE_MAX_LENGTH, 0)
  const serializer = options.serializer ?? goJsonSerializer
  if (
    typeof (serializer as Partial<GoSerializer> | null)?.serialize !== 'function' ||
    typeof (serializer as Partial<GoSerializer> | null)?.deserialize !== 'function'
  ) {
    throw usage('securecookie: serializer must have serialize and deserialize methods')
  }
  const now = options.now ?? Date.now
  const resolved = resolveSecureCookieCrypto(options.crypto ?? 'auto')
  if (resolved === undefined) {
    throw usage(
      `securecookie: the ${options.crypto ?? 'auto'} crypto implementation is unavailable`,
    )
  }
  const primitives = resolved
  const randomBytes = options.randomBytes ?? ((n: number) => primitives.randomBytes(n))
  const signer = primitives.hmac(hash, hashKey)
  const cipher = blockKey === undefined ? undefined : primitives.aesCtr(blockKey)
  const synchronous = primitives.name === 'node'

  // The node path is synchronous end to end (errors throw); on Web Crypto every call returns
  // a promise (errors reject), including the checks that run before any crypto.
  function run<T>(body: () => Awaitable<T>): Awaitable<T> {
    if (synchronous) return body()
    try {
      return Promise.resolve(body())
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)))
    }
  }

  function timestamp(): number {
    return Math.floor(now() / 1000)
  }

  function encode(name: string, value: unknown): Awaitable<string> {
    return run(() => {
      if (typeof name !== 'string') throw usage('securecookie: name must be a string')
      let payload: Uint8Array
      try {
        payload = serializer.serialize(value)
      } catch (error) {
        throw scError('usage', `securecookie: error - caused by: ${causeText(error)}`, error)
      }
      const encrypted = cipher === undefined ? payload : encrypt(cipher, payload)
      return then(encrypted, (bytes) => {
        // Go formats "name|ts|inner|", MACs all but the last pipe, then drops "name|".
        const tail = utf8Encode(`${timestamp()}|${goBase64UrlEncode(bytes)}`)
        const signed = concatBytes(utf8Encode(`${name}|`), tail)
        return then(signer.sign(signed), (mac) => {
          const out = goBase64UrlEncode(concatBytes(tail, new Uint8Array([PIPE]), mac))
          if (maxLength !== 0 && out.length > maxLength) {
            throw usage(`${GO_MESSAGES.tooLong}: ${out.length}`)
          }
          return out
        })
      })
    })
  }

  function encrypt(block: CtrCipher, payload: Uint8Array): Awaitable<Uint8Array> {
    let iv: Uint8Array
    try {
      iv = randomBytes(IV_LENGTH)
    } catch (error) {
      throw ivError(error)
    }
    if (!(iv instanceof Uint8Array) || iv.length !== IV_LENGTH) throw ivError(undefined)
    const ivCopy = Uint8Array.from(iv)
    return then(block.xor(ivCopy, payload), (ciphertext) => concatBytes(ivCopy, ciphertext))
  }

  function decodeWithTimestamp(name: string, value: string): Awaitable<DecodedSecureCookie> {
    return run(() => {
      if (typeof name !== 'string') throw usage('securecookie: name must be a string')
      if (typeof value !== 'string') throw scError('decode', GO_MESSAGES.macInvalid)
      // 1. Length, in bytes like Go's len(string).
      const valueBytes = utf8Encode(value)
      if (maxLength !== 0 && valueBytes.length > maxLength) {
        // A plain fmt.Errorf in Go 1.1.2 (type lost); kept typed here, as a decode error.
        throw scError('decode', `${GO_MESSAGES.tooLong}: ${valueBytes.length}`)
      }
      // 2. Outer base64.
      const decoded = goBase64UrlDecode(valueBytes)
      if (!decoded.ok) throw base64Error(decoded.offset)
      const raw = decoded.bytes
      // 3. "ts|inner|mac", split on the first two pipes (the MAC may contain 0x7c).
      const first = raw.indexOf(PIPE)
      const second = first === -1 ? -1 : raw.indexOf(PIPE, first + 1)
      if (second === -1) throw scError('decode', GO_MESSAGES.macInvalid)
      const mac = raw.subarray(second + 1)
      // 4. MAC over name|ts|inner; length check and constant-time compare.
      const signed = concatBytes(utf8Encode(`${name}|`), raw.subarray(0, second))
      return then(signer.sign(signed), (expected) => {
        if (!primitives.equal(expected, mac)) throw scError('decode', GO_MESSAGES.macInvalid)
        // 5. Timestamp.
        const ts = parseTimestamp(raw.subarray(0, first))
        if (ts === undefined) throw scError('decode', GO_MESSAGES.timestampInvalid)
        // 6. Age bounds, with Go's int64 arithmetic.
        const current = BigInt(timestamp())
        if (minAge !== 0 && ts > current - BigInt(minAge)) {
          throw scError('decode', GO_MESSAGES.timestampTooNew)
        }
        if (maxAge !== 0 && ts < current - BigInt(maxAge)) {
          throw scError('decode', GO_MESSAGES.timestampExpired)
        }
        // 7. Inner base64.
        const inner = goBase64UrlDecode(raw.subarray(first + 1, second))
        if (!inner.ok) throw base64Error(inner.offset)
        const payload = inner.bytes
        // 8. Decrypt: Go needs more than one block (so an empty plaintext never decodes).
        let plaintext: Awaitable<Uint8Array> = payload
        if (cipher !== undefined) {
          if (payload.length <= IV_LENGTH) throw scError('decode', GO_MESSAGES.decryptionFailed)
          plaintext = cipher.xor(payload.subarray(0, IV_LENGTH), payload.subarray(IV_LENGTH))
        }
        // 9. Deserialize.
        return then(plaintext, (bytes) => {
          let result: unknown
          try {
            result = serializer.deserialize(bytes)
          } catch (error) {
            throw scError('decode', `securecookie: error - caused by: ${causeText(error)}`, error)
          }
          return { value: result, timestamp: Number(ts) }
        })
      })
    })
  }

  return Object.freeze({
    hash,
    maxAge,
    minAge,
    maxLength,
    encrypted: cipher !== undefined,
    backend: primitives.name,
    encode,
    decode: (name: string, value: string) =>
      then(decodeWithTimestamp(name, value), (result) => result.value),
    decodeWithTimestamp,
  })
}

function ivError(cause: unknown): SecureCookieError {
  // Go wraps errGeneratingIV in a usage cookieError; the kind here says what it is.
  return scError('internal', `securecookie: error - caused by: ${GO_MESSAGES.generatingIv}`, cause)
}
