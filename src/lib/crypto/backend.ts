import type { Awaitable } from '../awaitable.ts'

/**
 * An AES-256-GCM key, imported once. `seal` returns `prefix`, then the ciphertext, then the
 * 16-byte tag: the caller's header goes in front without another copy of the ciphertext.
 */
export interface AeadKey {
  seal(
    iv: Uint8Array,
    plaintext: Uint8Array,
    aad: Uint8Array,
    prefix?: Uint8Array,
  ): Awaitable<Uint8Array>
  /** `undefined` when authentication fails; never throws for bad input. */
  open(iv: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Awaitable<Uint8Array | undefined>
}

/**
 * An HMAC-SHA256 key, imported once. `data` may be given in parts (MACed as their
 * concatenation), which saves a copy where the backend can stream them.
 */
export interface MacKey {
  sign(data: Uint8Array | readonly Uint8Array[]): Awaitable<Uint8Array>
  /** Constant-time; a MAC of the wrong length is a clean `false`. */
  verify(data: Uint8Array | readonly Uint8Array[], mac: Uint8Array): Awaitable<boolean>
}

/**
 * The primitives the token codec needs. Both implementations must produce identical bytes
 * for identical inputs; the golden vectors in the tests hold them to it.
 */
export interface CryptoBackend {
  readonly name: 'node' | 'web'
  /** True when every operation returns a plain value rather than a promise. */
  readonly synchronous: boolean
  randomBytes(length: number): Uint8Array
  /** HKDF-SHA256 (RFC 5869). */
  hkdf(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Awaitable<Uint8Array>
  aeadKey(raw: Uint8Array): Awaitable<AeadKey>
  macKey(raw: Uint8Array): Awaitable<MacKey>
  base64urlEncode(bytes: Uint8Array): string
  base64urlDecode(text: string): Uint8Array | undefined
  /** UTF-8 bytes of `text` (node:crypto: a Buffer from Node's pool, not a fresh allocation). */
  utf8Encode(text: string): Uint8Array
  /**
   * `length` bytes to fill completely (they may hold old data): the AAD and headers handed to
   * the backend. node:crypto gives a slice of Node's Buffer pool, which its native calls read
   * in place; a small `new Uint8Array` lives inside the JS heap, and each native call that
   * reads one first moves it out with a malloc of its own.
   */
  allocate(length: number): Uint8Array
}

export const GCM_IV_LENGTH = 12
export const GCM_TAG_LENGTH = 16
export const HMAC_LENGTH = 32
