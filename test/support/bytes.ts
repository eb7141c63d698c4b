// Byte helpers built on node:buffer, independent of the code under test. Buffer's base64url
// decoder is lenient, which is fine here: it only decodes tokens the library produced.
import { Buffer } from 'node:buffer'

export function hexToBytes(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw new Error(`bad hex: ${hex}`)
  return new Uint8Array(Buffer.from(hex, 'hex'))
}

export function bytesToHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
}

export function b64uEncode(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url')
}

/** Decodes a token the library made; throws on anything that is not canonical base64url. */
export function b64uDecode(text: string): Uint8Array {
  const bytes = new Uint8Array(Buffer.from(text, 'base64url'))
  if (b64uEncode(bytes) !== text) throw new Error('not a canonical base64url string')
  return bytes
}

export function utf8(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'utf8'))
}

export function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1')
}

export function concat(...parts: readonly Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts))
}

/** A copy of `bytes` with bit `bit` (0 = most significant bit of byte 0) inverted. */
export function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const out = Uint8Array.from(bytes)
  const index = Math.floor(bit / 8)
  out[index] = (out[index] ?? 0) ^ (0x80 >>> (bit % 8))
  return out
}

/** Token layout v1: format(1) | kidLength(1) | kid | issuedAt(6) | expiresAt(6). */
export function headerLength(token: Uint8Array): number {
  return 2 + (token[1] ?? 0) + 12
}

export function readU48(bytes: Uint8Array, offset: number): number {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).readUIntBE(offset, 6)
}

export function writeU48(bytes: Uint8Array, offset: number, value: number): Uint8Array {
  const out = Buffer.from(bytes)
  out.writeUIntBE(value, offset, 6)
  return new Uint8Array(out)
}
