// Byte and text encodings used by every layer above. Web-standard only.

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

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

// The alphabet's character codes: encoding writes ASCII bytes and makes the string with one
// native decode, instead of building it from many small string concatenations.
const CODES = /* @__PURE__ */ (() => {
  const codes = new Uint8Array(64)
  for (let i = 0; i < 64; i++) codes[i] = ALPHABET.charCodeAt(i)
  return codes
})()

// Four tables, one per position in a quartet, holding the sextet already shifted into place;
// -1 (all bits set) outside the alphabet, so one OR of the four lookups both assembles the 24
// bits and flags a bad character through the sign bit.
const QUARTET = /* @__PURE__ */ (() => {
  const table = new Int32Array(512).fill(-1)
  for (let i = 0; i < 64; i++) {
    const code = ALPHABET.charCodeAt(i)
    table[code] = i << 18
    table[128 + code] = i << 12
    table[256 + code] = i << 6
    table[384 + code] = i
  }
  return table
})()

const asciiDecoder = new TextDecoder()

// Scratch space for the characters of a text being encoded or decoded, reused because both
// run synchronously: a fresh buffer of this size is an allocation outside the JS heap. Texts
// longer than it (rare: cookies are below 4 KB) get a buffer of their own, so a hostile
// header cannot make it grow; it is wiped after each use, as it held an id or a key's text.
const scratch = new Uint8Array(8192)

function scratchOf(length: number): Uint8Array {
  return length <= scratch.length ? scratch.subarray(0, length) : new Uint8Array(length)
}

// Where the runtime has Uint8Array's own base64 (Deno, Bun, workerd and current browsers; not
// Node 20 or 24), encoding is one native call. Decoding stays ours: that decoder skips ASCII
// whitespace and ignores unused trailing bits, and with the checks that make it strict it was
// slower than the decoder below (measured on Deno 2.9 and Bun 1.4).
type NativeEncode = (
  this: Uint8Array,
  options: { readonly alphabet: 'base64url'; readonly omitPadding: true },
) => string
const nativeEncode = (Uint8Array.prototype as { toBase64?: NativeEncode }).toBase64
const ENCODE_OPTIONS = Object.freeze({ alphabet: 'base64url', omitPadding: true } as const)

/** Unpadded base64url (RFC 4648 §5). */
export function base64urlEncode(bytes: Uint8Array): string {
  return nativeEncode === undefined
    ? portableBase64urlEncode(bytes)
    : nativeEncode.call(bytes, ENCODE_OPTIONS)
}

/** {@link base64urlEncode} in JavaScript, for runtimes without a native one. @internal */
export function portableBase64urlEncode(bytes: Uint8Array): string {
  const length = bytes.length
  const out = scratchOf(Math.ceil((length * 4) / 3))
  const full = length - (length % 3)
  let o = 0
  let i = 0
  for (; i < full; i += 3) {
    const n = ((bytes[i] ?? 0) << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0)
    out[o] = CODES[n >>> 18] ?? 0
    out[o + 1] = CODES[(n >>> 12) & 63] ?? 0
    out[o + 2] = CODES[(n >>> 6) & 63] ?? 0
    out[o + 3] = CODES[n & 63] ?? 0
    o += 4
  }
  if (i < length) {
    const n = ((bytes[i] ?? 0) << 16) | ((bytes[i + 1] ?? 0) << 8)
    out[o] = CODES[n >>> 18] ?? 0
    out[o + 1] = CODES[(n >>> 12) & 63] ?? 0
    if (length - i === 2) out[o + 2] = CODES[(n >>> 6) & 63] ?? 0
  }
  const text = asciiDecoder.decode(out)
  out.fill(0)
  return text
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
  const src = scratchOf(length)
  // Every character is one byte only when all are ASCII: any other one takes two or more,
  // so the text does not fit and is not read to its end.
  const { read, written } = encoder.encodeInto(text, src)
  if (read !== length || written !== length) {
    src.fill(0)
    return undefined
  }
  const out = new Uint8Array(((length - rest) / 4) * 3 + (rest === 0 ? 0 : rest - 1))
  const full = length - rest
  let bad = 0
  let o = 0
  let i = 0
  for (; i < full; i += 4) {
    const n =
      (QUARTET[src[i] ?? 0] ?? -1) |
      (QUARTET[128 + (src[i + 1] ?? 0)] ?? -1) |
      (QUARTET[256 + (src[i + 2] ?? 0)] ?? -1) |
      (QUARTET[384 + (src[i + 3] ?? 0)] ?? -1)
    bad |= n
    out[o] = n >>> 16
    out[o + 1] = (n >>> 8) & 255
    out[o + 2] = n & 255
    o += 3
  }
  if (rest === 2) {
    const n = (QUARTET[src[i] ?? 0] ?? -1) | (QUARTET[128 + (src[i + 1] ?? 0)] ?? -1)
    // The second character's low 4 bits are unused and must be zero.
    bad |= n | -(n & 0xf000)
    out[o] = n >>> 16
  } else if (rest === 3) {
    const n =
      (QUARTET[src[i] ?? 0] ?? -1) |
      (QUARTET[128 + (src[i + 1] ?? 0)] ?? -1) |
      (QUARTET[256 + (src[i + 2] ?? 0)] ?? -1)
    // The third character's low 2 bits are unused and must be zero.
    bad |= n | -(n & 0x00c0)
    out[o] = n >>> 16
    out[o + 1] = (n >>> 8) & 255
  }
  src.fill(0)
  return bad < 0 ? undefined : out
}

/** The 6-bit value of the base64url character at `index`, or 255 outside the alphabet. */
export function sextet(text: string, index: number): number {
  const code = text.charCodeAt(index)
  // The last quarter of QUARTET holds each character's sextet unshifted.
  const value = code < 128 ? (QUARTET[384 + code] ?? -1) : -1
  return value < 0 ? 255 : value
}

/** A fresh, zeroed byte array: the default of the functions below that take an allocator. */
export function newBytes(length: number): Uint8Array {
  return new Uint8Array(length)
}

export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  return joinBytes(parts)
}

/** {@link concatBytes} into a buffer from `allocate` (a crypto backend's, say). */
export function joinBytes(
  parts: readonly Uint8Array[],
  allocate: (length: number) => Uint8Array = newBytes,
): Uint8Array {
  let size = 0
  for (const part of parts) size += part.length
  const out = allocate(size)
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
