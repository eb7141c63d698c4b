// Byte layout of sessionkit tokens, version 1 (docs/format.md is the specification):
//
//   header  = format(1) | kidLength(1) | kid(1..32, ASCII) | issuedAt(6) | expiresAt(6)
//   sealed  = header | iv(12) | ciphertext | tag(16)        format 0x01, AES-256-GCM
//   signed  = header | payload | mac(32)                    format 0x02, HMAC-SHA256
//
// Times are unsigned 48-bit big-endian milliseconds since the Unix epoch. The context block
// `u16 len | purpose | u16 len | cookie name` (UTF-8) is authenticated but not transmitted:
// it is the AES-GCM additional data after the header, and is MACed between header and
// payload, so a token only opens under the name and purpose it was made for.

import { newBytes, utf8Encode } from './encoding.ts'

export const FORMAT_SEALED = 0x01
export const FORMAT_SIGNED = 0x02
export type TokenFormatByte = typeof FORMAT_SEALED | typeof FORMAT_SIGNED

const MAX_U48 = 2 ** 48 - 1
const MAX_KID_LENGTH = 32

export interface TokenHeader {
  readonly format: number
  readonly keyId: string
  readonly issuedAt: number
  readonly expiresAt: number
  /** Number of header bytes, where the body starts. */
  readonly length: number
}

/**
 * Writes the header into a new buffer with `extra` free bytes after it, so callers can append
 * the IV (or the context) without another copy. `allocate` gives the buffer (a backend's, see
 * `CryptoBackend.allocate`); the caller fills the extra bytes.
 */
export function encodeHeader(
  format: TokenFormatByte,
  keyId: Uint8Array,
  issuedAt: number,
  expiresAt: number,
  extra = 0,
  allocate: (length: number) => Uint8Array = newBytes,
): Uint8Array {
  const out = allocate(2 + keyId.length + 12 + extra)
  out[0] = format
  out[1] = keyId.length
  out.set(keyId, 2)
  writeU48(out, 2 + keyId.length, issuedAt)
  writeU48(out, 8 + keyId.length, expiresAt)
  return out
}

/** Header bytes plus room, as `encodeHeader` lays them out. */
export function headerLength(keyId: Uint8Array): number {
  return 2 + keyId.length + 12
}

/** Returns `undefined` when the bytes cannot be a header of a known layout. */
export function decodeHeader(bytes: Uint8Array): TokenHeader | undefined {
  if (bytes.length < 2) return undefined
  const format = bytes[0] ?? 0
  const kidLength = bytes[1] ?? 0
  if (kidLength === 0 || kidLength > MAX_KID_LENGTH) return undefined
  const length = 2 + kidLength + 12
  if (bytes.length < length) return undefined
  let keyId = ''
  for (let i = 2; i < 2 + kidLength; i++) {
    const code = bytes[i] ?? 0
    if (!isKeyIdByte(code)) return undefined
    keyId += String.fromCharCode(code)
  }
  return {
    format,
    keyId,
    issuedAt: readU48(bytes, 2 + kidLength),
    expiresAt: readU48(bytes, 8 + kidLength),
    length,
  }
}

/** Returns `undefined` when a field would not fit its 16-bit length. */
export function encodeContext(purpose: string, name: string): Uint8Array | undefined {
  const p = utf8Encode(purpose)
  const n = utf8Encode(name)
  if (p.length > 0xffff || n.length > 0xffff) return undefined
  const out = new Uint8Array(4 + p.length + n.length)
  out[0] = p.length >>> 8
  out[1] = p.length & 255
  out.set(p, 2)
  out[2 + p.length] = n.length >>> 8
  out[3 + p.length] = n.length & 255
  out.set(n, 4 + p.length)
  return out
}

export function isU48(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0 && value <= MAX_U48
}

function isKeyIdByte(code: number): boolean {
  return (
    (code >= 48 && code <= 57) ||
    (code >= 65 && code <= 90) ||
    (code >= 97 && code <= 122) ||
    code === 45 ||
    code === 46 ||
    code === 95
  )
}

function writeU48(out: Uint8Array, offset: number, value: number): void {
  const high = Math.floor(value / 2 ** 32)
  const low = value >>> 0
  out[offset] = high >>> 8
  out[offset + 1] = high & 255
  out[offset + 2] = low >>> 24
  out[offset + 3] = (low >>> 16) & 255
  out[offset + 4] = (low >>> 8) & 255
  out[offset + 5] = low & 255
}

function readU48(bytes: Uint8Array, offset: number): number {
  const high = ((bytes[offset] ?? 0) << 8) | (bytes[offset + 1] ?? 0)
  const low =
    (((bytes[offset + 2] ?? 0) << 24) |
      ((bytes[offset + 3] ?? 0) << 16) |
      ((bytes[offset + 4] ?? 0) << 8) |
      (bytes[offset + 5] ?? 0)) >>>
    0
  return high * 2 ** 32 + low
}
