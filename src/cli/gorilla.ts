// gorilla/securecookie values (docs/go-interop.md): base64url(ts "|" base64url(payload) "|"
// mac), the payload optionally AES-CTR encrypted. The timestamp and the payload are readable
// without keys (the MAC covers them but hides nothing); only a block key hides the payload.

import { gobDecodeSessionValues } from '../gob.ts'
import {
  codecsFromPairs,
  decodeMultiDetailed,
  GO_MESSAGES,
  goBase64UrlDecode,
  goJsonDecode,
  SecureCookieError,
  SecureCookieMultiError,
  type GoSerializer,
  type SecureCookieHash,
} from '../securecookie.ts'
import type { InvalidCookieReason } from '../index.ts'
import type { GorillaPair } from './keys.ts'
import { usageError } from './io.ts'
import { toPlain, type Plain } from './render.ts'

export type GorillaSerializer = 'auto' | 'gob' | 'json'

export interface GorillaLayout {
  /** Seconds since the epoch, as written (not authenticated until the MAC is checked). */
  readonly timestamp: number
  /** The payload: serialized values, or iv and ciphertext with a block key. */
  readonly payload: Uint8Array
  /** The HMAC hash a MAC of this length comes from, when it is one gorilla supports. */
  readonly hash: SecureCookieHash | undefined
}

const PIPE = 0x7c
const HASH_BY_MAC_LENGTH: Readonly<Record<number, SecureCookieHash>> = {
  20: 'sha1',
  32: 'sha256',
  48: 'sha384',
  64: 'sha512',
}

/** The layout of a gorilla value, or `undefined` when it is not one. */
export function readGorilla(value: string): GorillaLayout | undefined {
  const outer = goBase64UrlDecode(new TextEncoder().encode(value))
  if (!outer.ok) return undefined
  const raw = outer.bytes
  const first = raw.indexOf(PIPE)
  const second = first < 0 ? -1 : raw.indexOf(PIPE, first + 1)
  if (second < 0 || first > 15) return undefined
  const digits = String.fromCharCode(...raw.subarray(0, first))
  if (!/^[0-9]{1,15}$/.test(digits)) return undefined
  const inner = goBase64UrlDecode(raw.subarray(first + 1, second))
  if (!inner.ok) return undefined
  return {
    timestamp: Number(digits),
    payload: inner.bytes,
    hash: HASH_BY_MAC_LENGTH[raw.length - second - 1],
  }
}

/** gorilla's session values and flashes, decoded. */
export interface GorillaContent {
  readonly type: 'gorilla-values'
  readonly serializer: 'gob' | 'json'
  readonly values: Plain
  /** gorilla keeps flashes in Values under `_flash` (session.AddFlash). */
  readonly flashes: Plain
}

/** The values in `bytes`, or `undefined` when they are neither gob nor Go's JSON. */
export function gorillaContent(
  bytes: Uint8Array,
  serializer: GorillaSerializer,
): GorillaContent | undefined {
  const json = serializer === 'json' || (serializer === 'auto' && firstNonSpace(bytes) === 0x7b)
  let decoded: unknown
  try {
    decoded = json ? goJsonDecode(bytes) : gobDecodeSessionValues(bytes)
  } catch {
    return undefined
  }
  const values = toPlain(decoded)
  if (typeof values !== 'object' || values === null || Array.isArray(values)) return undefined
  const { _flash: flash, ...rest } = values
  return {
    type: 'gorilla-values',
    serializer: json ? 'json' : 'gob',
    values: rest,
    flashes: flash === undefined ? {} : { _flash: flash },
  }
}

function firstNonSpace(bytes: Uint8Array): number | undefined {
  return bytes.find((byte) => byte !== 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d)
}

// The payload comes back as bytes, so one decode serves any serializer (and tells a cookie
// whose values do not decode from one whose MAC fails).
const RAW: GoSerializer = Object.freeze({
  serialize: (value: unknown) => value as Uint8Array,
  deserialize: (bytes: Uint8Array) => bytes,
})

export type GorillaOutcome =
  | {
      readonly ok: true
      readonly payload: Uint8Array
      readonly timestamp: number
      readonly pair: number
    }
  | { readonly ok: false; readonly reason: InvalidCookieReason; readonly goMessage: string }

/** Decodes as gorilla's DecodeMulti does, with every pair in order. */
export async function openGorilla(
  name: string,
  value: string,
  pairs: readonly GorillaPair[],
  options: { readonly hash: SecureCookieHash; readonly maxAge: number },
): Promise<GorillaOutcome> {
  let codecs
  try {
    codecs = codecsFromPairs(
      pairs.flatMap((pair) => [pair.hashKey, pair.blockKey ?? null]),
      { hash: options.hash, maxAge: options.maxAge, maxLength: 0, serializer: RAW },
    )
  } catch (error) {
    // A block key that is not 16, 24 or 32 bytes.
    throw usageError(error instanceof SecureCookieError ? error.goMessage : String(error))
  }
  try {
    const decoded = await decodeMultiDetailed(name, value, codecs)
    return {
      ok: true,
      payload: decoded.value as Uint8Array,
      timestamp: decoded.timestamp,
      pair: decoded.codecIndex,
    }
  } catch (error) {
    if (!(error instanceof SecureCookieError)) throw error
    const goMessage = informativeMessage(error)
    return { ok: false, reason: reasonOf(goMessage), goMessage }
  }
}

// As the gorilla store reports it: a failed MAC under every pair is 'tampered'; a pair whose
// MAC held says more (expired, not yet valid, not decryptable).
function informativeMessage(error: SecureCookieError): string {
  const children = error instanceof SecureCookieMultiError ? error.errors : [error]
  const informative = children.find((child) => child.goMessage !== GO_MESSAGES.macInvalid)
  return (informative ?? children[0] ?? error).goMessage
}

function reasonOf(message: string): InvalidCookieReason {
  if (message.startsWith(GO_MESSAGES.tooLong)) return 'too-large'
  if (message === GO_MESSAGES.macInvalid) return 'tampered'
  if (message === GO_MESSAGES.timestampExpired) return 'expired'
  if (message === GO_MESSAGES.timestampTooNew) return 'not-yet-valid'
  return 'malformed'
}
