// Byte and text encodings used by every layer above. Web-standard only.

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

// 255 marks a character outside the base64url alphabet.
const DECODE_TABLE = /* @__PURE__ */ (() => {
  const table = new Uint8Array(128).fill(255)
  for (let i = 0; i < ALPHABET.length; i++) table[ALPHABET.charCodeAt(i)] = i
  return table
})()

const encoder = new TextEncoder()
const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

export function utf8Encode(text: string): Uint8Array {
  return encoder.encode(text)
}

/** Returns `undefined` for invalid UTF-8 instead of inserting U+FFFD. */
export function utf8Decode(bytes: Uint8Array): string | undefined {
  try {
    return strictDecoder.decode(bytes)
  } catch {
    return undefined
  }
}

// Two output characters per 12 input bits: half the lookups and concatenations of a
// character-at-a-time loop.
const PAIRS = /* @__PURE__ */ (() => {
  const pairs: string[] = []
  for (let i = 0; i < 4096; i++) pairs.push(ALPHABET.charAt(i >>> 6) + ALPHABET.charAt(i & 63))
  return pairs
})()

/** Unpadded base64url (RFC 4648 §5). */
export function base64urlEncode(bytes: Uint8Array): string {
  let out = ''
  const full = bytes.length - (bytes.length % 3)
  let i = 0
  for (; i < full; i += 3) {
    const n = ((bytes[i] ?? 0) << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0)
    out += (PAIRS[n >>> 12] ?? '') + (PAIRS[n & 4095] ?? '')
  }
  const rest = bytes.length - full
  if (rest === 1) {
    const n = (bytes[i] ?? 0) << 16
    out += ALPHABET.charAt(n >>> 18) + ALPHABET.charAt((n >>> 12) & 63)
  } else if (rest === 2) {
    const n = ((bytes[i] ?? 0) << 16) | ((bytes[i + 1] ?? 0) << 8)
    out +=
      ALPHABET.charAt(n >>> 18) + ALPHABET.charAt((n >>> 12) & 63) + ALPHABET.charAt((n >>> 6) & 63)
  }
  return out
}

/**
 * Strict unpadded base64url decoding: any character outside the alphabet, padding, a
 * length of 1 mod 4, or non-zero trailing bits (a non-canonical encoding) gives `undefined`.
 * Lenient decoders (such as `Buffer.from(s, 'base64url')`) skip bad characters, which would
 * let many strings map to one token.
 */
export function base64urlDecode(text: string): Uint8Array | undefined {
  const length = text.length
  const rest = length % 4
  if (rest === 1) return undefined
  const out = new Uint8Array(Math.floor(length / 4) * 3 + (rest === 0 ? 0 : rest - 1))
  let o = 0
  let i = 0
  const full = length - rest
  for (; i < full; i += 4) {
    const a = sextet(text, i)
    const b = sextet(text, i + 1)
    const c = sextet(text, i + 2)
    const d = sextet(text, i + 3)
    if ((a | b | c | d) > 63) return undefined
    const n = (a << 18) | (b << 12) | (c << 6) | d
    out[o++] = n >>> 16
    out[o++] = (n >>> 8) & 255
    out[o++] = n & 255
  }
  if (rest === 2) {
    const a = sextet(text, i)
    const b = sextet(text, i + 1)
    if ((a | b) > 63 || (b & 15) !== 0) return undefined
    out[o] = (a << 2) | (b >>> 4)
  } else if (rest === 3) {
    const a = sextet(text, i)
    const b = sextet(text, i + 1)
    const c = sextet(text, i + 2)
    if ((a | b | c) > 63 || (c & 3) !== 0) return undefined
    out[o++] = (a << 2) | (b >>> 4)
    out[o] = ((b & 15) << 4) | (c >>> 2)
  }
  return out
}

/** The 6-bit value of the base64url character at `index`, or 255 outside the alphabet. */
export function sextet(text: string, index: number): number {
  const code = text.charCodeAt(index)
  return code < 128 ? (DECODE_TABLE[code] ?? 255) : 255
}

export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  let size = 0
  for (const part of parts) size += part.length
  const out = new Uint8Array(size)
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.length
  }
  return out
}

/** Compares without an early exit; the lengths are public, the contents are not. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0)
  return diff === 0
}
