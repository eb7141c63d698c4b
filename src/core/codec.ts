/**
 * Sealed (AES-256-GCM) and signed (HMAC-SHA256) tokens bound to a cookie name and a purpose,
 * with the key id, the issue time and the expiry inside the authenticated data. The layout is
 * specified in `docs/format.md`.
 *
 * Opening never throws for client input: it returns `{ ok: false, reason }`.
 *
 * Available from `'sessionkit'`.
 *
 * @module
 */

import { SessionConfigError, type InvalidCookieReason } from '../errors.ts'
import { keyRingSecret, type KeyRing } from './keyring.ts'
import { isPromise, then, type Awaitable } from '../lib/awaitable.ts'
import {
  GCM_IV_LENGTH,
  GCM_TAG_LENGTH,
  HMAC_LENGTH,
  type AeadKey,
  type CryptoBackend,
  type MacKey,
} from '../lib/crypto/backend.ts'
import { resolveCryptoBackend, type CryptoChoice } from '../lib/crypto/select.ts'
import { joinBytes, utf8Encode } from '../lib/encoding.ts'
import {
  FORMAT_SEALED,
  FORMAT_SIGNED,
  decodeHeader,
  encodeContext,
  encodeHeader,
  headerLength,
  isU48,
} from '../lib/token.ts'

/** `sealed`: encrypted and authenticated. `signed`: authenticated only, readable by the client. */
export type TokenFormat = 'sealed' | 'signed'

export interface TokenCodecOptions {
  readonly keys: KeyRing
  /** @default 'sealed' */
  readonly format?: TokenFormat
  /**
   * What the tokens are for: required, 1-64 characters of `A-Z a-z 0-9 . _ : -`. Subkeys are
   * derived per purpose, so a token made for one purpose (say `'csrf'`) never opens as
   * another. The stores use `'session'` (cookie store) and `'session-id'` (server store): a
   * codec of your own should name its own purpose, or its tokens open as session cookies.
   */
  readonly purpose: string
  /** @default 'auto' (node:crypto where available, Web Crypto elsewhere) */
  readonly crypto?: CryptoChoice
  /**
   * Seconds of clock skew accepted between instances, for the issue time and the expiry.
   * 0-300. @default 60
   */
  readonly clockTolerance?: number
  /** Longest token accepted, checked before any decoding. @default 4096 */
  readonly maxTokenLength?: number
  /** Milliseconds since the epoch. @default Date.now */
  readonly now?: () => number
}

export interface SealOptions {
  /** Absolute expiry, milliseconds since the epoch; must be later than the issue time. */
  readonly expiresAt: number
  /** @default now() */
  readonly issuedAt?: number
}

export type OpenResult =
  | {
      readonly ok: true
      readonly payload: Uint8Array
      readonly keyId: string
      readonly issuedAt: number
      readonly expiresAt: number
      /** True when a key other than the primary made the token: re-seal it. */
      readonly rotated: boolean
    }
  | { readonly ok: false; readonly reason: InvalidCookieReason }

export interface TokenCodec {
  readonly format: TokenFormat
  readonly purpose: string
  /** The crypto backend in use. On `'node'` every call returns synchronously. */
  readonly backend: 'node' | 'web'
  /** Seals or signs `payload` for the cookie `name`. */
  seal(name: string, payload: Uint8Array | string, options: SealOptions): Awaitable<string>
  /** Opens a token made for the cookie `name`; never throws for bad input. */
  open(name: string, token: string): Awaitable<OpenResult>
}

type FormatKey = AeadKey | MacKey

const TOKEN_FORMATS = ['sealed', 'signed'] as const
const PURPOSE_PATTERN = /^[A-Za-z0-9._:-]{1,64}$/
const HKDF_SALT = utf8Encode('sessionkit')
const CONTEXT_CACHE_LIMIT = 64

/**
 * Creates a token codec. Keys are derived (HKDF-SHA256, one subkey per key, format and
 * purpose) and imported once, on first use.
 *
 * @throws {SessionConfigError} for an unknown format, a missing or bad purpose, a bad
 * tolerance, or a `'node'` backend requested on a runtime without node:crypto.
 */
export function createTokenCodec(options: TokenCodecOptions): TokenCodec {
  const format = options.format ?? 'sealed'
  if (!(TOKEN_FORMATS as readonly string[]).includes(format)) {
    throw new SessionConfigError(`Unknown token format "${format}"`)
  }
  // No default: the only sensible one would be a store's, which would let a general-purpose
  // token open as a session cookie of the same name.
  const givenPurpose: unknown = options.purpose
  if (givenPurpose === undefined) {
    throw new SessionConfigError(
      "createTokenCodec needs a purpose (say 'csrf' or 'magic-link'): tokens of one purpose never open as another",
    )
  }
  if (typeof givenPurpose !== 'string' || !PURPOSE_PATTERN.test(givenPurpose)) {
    throw new SessionConfigError('A purpose is 1-64 characters of A-Z a-z 0-9 . _ : -')
  }
  const purpose = givenPurpose
  const tolerance = options.clockTolerance ?? 60
  if (!Number.isFinite(tolerance) || tolerance < 0 || tolerance > 300) {
    throw new SessionConfigError('clockTolerance must be between 0 and 300 seconds')
  }
  const toleranceMs = tolerance * 1000
  const maxTokenLength = options.maxTokenLength ?? 4096
  if (!Number.isSafeInteger(maxTokenLength) || maxTokenLength < 64) {
    throw new SessionConfigError('maxTokenLength must be an integer of at least 64')
  }
  const backend = resolveBackend(options.crypto)
  const allocate = (length: number): Uint8Array => backend.allocate(length)
  const keys = options.keys
  const now = options.now ?? Date.now
  const formatByte = format === 'sealed' ? FORMAT_SEALED : FORMAT_SIGNED
  const info = utf8Encode(
    `sessionkit/v1 ${format === 'sealed' ? 'aes-256-gcm' : 'hmac-sha256'} ${purpose}`,
  )
  const derived = new Map<string, Awaitable<FormatKey>>()
  const primaryKid = utf8Encode(keys.primaryId)
  const contexts = new Map<string, Uint8Array>()

  function keyFor(id: string): Awaitable<FormatKey> | undefined {
    const cached = derived.get(id)
    if (cached !== undefined) return cached
    const secret = keyRingSecret(keys, id)
    if (secret === undefined) return undefined
    const key = then(backend.hkdf(secret, HKDF_SALT, info, 32), (raw) =>
      format === 'sealed' ? backend.aeadKey(raw) : backend.macKey(raw),
    )
    derived.set(id, key)
    // Once imported, later calls use the key itself rather than awaiting the settled promise.
    if (isPromise(key)) {
      key.then(
        (resolved) => derived.set(id, resolved),
        () => derived.delete(id),
      )
    }
    return key
  }

  function contextFor(name: string): Uint8Array {
    let context = contexts.get(name)
    if (context === undefined) {
      context = encodeContext(purpose, name)
      if (context === undefined) throw new SessionConfigError('A token name must be under 64 KiB')
      if (contexts.size >= CONTEXT_CACHE_LIMIT) contexts.clear()
      contexts.set(name, context)
    }
    return context
  }

  function seal(name: string, payload: Uint8Array | string, sealOptions: SealOptions) {
    const bytes = typeof payload === 'string' ? backend.utf8Encode(payload) : payload
    const issuedAt = sealOptions.issuedAt ?? now()
    const expiresAt = sealOptions.expiresAt
    if (!isU48(issuedAt) || !isU48(expiresAt) || expiresAt <= issuedAt) {
      throw new SessionConfigError('expiresAt must be an integer time later than issuedAt')
    }
    const keyId = keys.primaryId
    const context = contextFor(name)
    return then(keyFor(keyId) ?? missingPrimary(), (key) => {
      if (isAeadKey(key)) {
        // [header | iv] is the token's start; [header | context] the additional data.
        // The AAD is what the backend reads natively: its bytes come from the backend.
        const aad = encodeHeader(
          formatByte,
          primaryKid,
          issuedAt,
          expiresAt,
          context.length,
          allocate,
        )
        const length = headerLength(primaryKid)
        aad.set(context, length)
        const iv = backend.randomBytes(GCM_IV_LENGTH)
        const prefix = joinBytes([aad.subarray(0, length), iv])
        return then(key.seal(iv, bytes, aad, prefix), (token) => backend.base64urlEncode(token))
      }
      const header = encodeHeader(formatByte, primaryKid, issuedAt, expiresAt, 0, allocate)
      return then(key.sign([header, context, bytes]), (mac) =>
        backend.base64urlEncode(joinBytes([header, bytes, mac], allocate)),
      )
    })
  }

  function open(name: string, token: string): Awaitable<OpenResult> {
    if (token.length > maxTokenLength) return fail('too-large')
    const bytes = backend.base64urlDecode(token)
    if (bytes === undefined) return fail('malformed')
    const header = decodeHeader(bytes)
    if (header?.format !== formatByte) return fail('malformed')
    const minimum =
      header.length + (format === 'sealed' ? GCM_IV_LENGTH + GCM_TAG_LENGTH : HMAC_LENGTH)
    if (bytes.length < minimum) return fail('malformed')
    const key = keyFor(header.keyId)
    if (key === undefined) return fail('unknown-key')
    const headerBytes = bytes.subarray(0, header.length)
    const context = contextFor(name)
    const authenticated = then(key, (resolved): Awaitable<Uint8Array | undefined> => {
      if (isAeadKey(resolved)) {
        const iv = bytes.subarray(header.length, header.length + GCM_IV_LENGTH)
        const sealed = bytes.subarray(header.length + GCM_IV_LENGTH)
        return resolved.open(iv, sealed, joinBytes([headerBytes, context], allocate))
      }
      const payload = bytes.subarray(header.length, bytes.length - HMAC_LENGTH)
      const mac = bytes.subarray(bytes.length - HMAC_LENGTH)
      return then(resolved.verify([headerBytes, context, payload], mac), (valid) =>
        valid ? payload : undefined,
      )
    })
    // Times are checked only after authentication, so a forged header reports 'tampered'.
    return then(authenticated, (payload): OpenResult => {
      if (payload === undefined) return { ok: false, reason: 'tampered' }
      const current = now()
      if (header.issuedAt > current + toleranceMs) return { ok: false, reason: 'not-yet-valid' }
      if (current - toleranceMs >= header.expiresAt) return { ok: false, reason: 'expired' }
      return {
        ok: true,
        payload,
        keyId: header.keyId,
        issuedAt: header.issuedAt,
        expiresAt: header.expiresAt,
        rotated: header.keyId !== keys.primaryId,
      }
    })
  }

  return Object.freeze({ format, purpose, backend: backend.name, seal, open })
}

function resolveBackend(choice: CryptoChoice | undefined): CryptoBackend {
  const backend = resolveCryptoBackend(choice)
  if (backend === undefined) {
    throw new SessionConfigError('The node:crypto backend is not available on this runtime')
  }
  return backend
}

function isAeadKey(key: FormatKey): key is AeadKey {
  return 'seal' in key
}

function fail(reason: InvalidCookieReason): OpenResult {
  return { ok: false, reason }
}

function missingPrimary(): never {
  throw new SessionConfigError('The primary key is missing from the key ring')
}
