// Padded base64 exactly as Go's encoding/base64 writes and reads it (URLEncoding for the
// cookie layers, StdEncoding for []byte in JSON). The decoder is a port of Go's
// decodeQuantum: padding is required, '\r' and '\n' are skipped anywhere, non-zero trailing
// bits are accepted (Go's encodings are not Strict), and a failure reports the same byte
// offset Go reports in `illegal base64 data at input byte N`.

const URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
const STD_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
const PAD = 0x3d
const CR = 0x0d
const LF = 0x0a

function decodeMap(alphabet: string): Uint8Array {
  const table = new Uint8Array(256).fill(255)
  for (let i = 0; i < alphabet.length; i++) table[alphabet.charCodeAt(i)] = i
  return table
}

const URL_DECODE = /* @__PURE__ */ decodeMap(URL_ALPHABET)
const STD_DECODE = /* @__PURE__ */ decodeMap(STD_ALPHABET)

function encodeWith(alphabet: string, bytes: Uint8Array): string {
  let out = ''
  const full = bytes.length - (bytes.length % 3)
  let i = 0
  for (; i < full; i += 3) {
    const n = ((bytes[i] ?? 0) << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0)
    out +=
      alphabet.charAt(n >>> 18) +
      alphabet.charAt((n >>> 12) & 63) +
      alphabet.charAt((n >>> 6) & 63) +
      alphabet.charAt(n & 63)
  }
  const rest = bytes.length - full
  if (rest === 1) {
    const n = (bytes[i] ?? 0) << 16
    out += alphabet.charAt(n >>> 18) + alphabet.charAt((n >>> 12) & 63) + '=='
  } else if (rest === 2) {
    const n = ((bytes[i] ?? 0) << 16) | ((bytes[i + 1] ?? 0) << 8)
    out +=
      alphabet.charAt(n >>> 18) +
      alphabet.charAt((n >>> 12) & 63) +
      alphabet.charAt((n >>> 6) & 63) +
      '='
  }
  return out
}

/** Go `base64.URLEncoding.EncodeToString`: URL alphabet, with `=` padding. */
export function goBase64UrlEncode(bytes: Uint8Array): string {
  return encodeWith(URL_ALPHABET, bytes)
}

/** Go `base64.StdEncoding.EncodeToString`: standard alphabet, with `=` padding. */
export function goBase64StdEncode(bytes: Uint8Array): string {
  return encodeWith(STD_ALPHABET, bytes)
}

/** Either the decoded bytes or the input byte offset Go's CorruptInputError reports. */
export type GoBase64Result =
  | { readonly ok: true; readonly bytes: Uint8Array }
  | { readonly ok: false; readonly offset: number }

function isNewline(byte: number | undefined): boolean {
  return byte === CR || byte === LF
}

function decodeWith(table: Uint8Array, src: Uint8Array): GoBase64Result {
  const out = new Uint8Array(Math.floor(src.length / 4) * 3)
  let n = 0
  let si = 0
  const quantum = [0, 0, 0, 0]
  while (si < src.length) {
    // One call of Go's decodeQuantum.
    let dlen = 4
    let trailing: number | undefined
    quantum.fill(0)
    for (let j = 0; j < 4; j++) {
      if (si === src.length) {
        if (j === 0) return { ok: true, bytes: out.subarray(0, n) }
        // Padding is required, so a short final quantum is always corrupt.
        return { ok: false, offset: si - j }
      }
      const byte = src[si] ?? 0
      si++
      const value = table[byte] ?? 255
      if (value !== 255) {
        quantum[j] = value
        continue
      }
      if (isNewline(byte)) {
        j--
        continue
      }
      if (byte !== PAD) return { ok: false, offset: si - 1 }
      // Padding: only legal as the third or fourth character of a quantum.
      if (j === 0 || j === 1) return { ok: false, offset: si - 1 }
      if (j === 2) {
        while (si < src.length && isNewline(src[si])) si++
        if (si === src.length) return { ok: false, offset: src.length }
        if (src[si] !== PAD) return { ok: false, offset: si - 1 }
        si++
      }
      while (si < src.length && isNewline(src[si])) si++
      if (si < src.length) trailing = si
      dlen = j
      break
    }
    const value =
      ((quantum[0] ?? 0) << 18) |
      ((quantum[1] ?? 0) << 12) |
      ((quantum[2] ?? 0) << 6) |
      (quantum[3] ?? 0)
    // Go writes the decoded bytes of the quantum before reporting trailing garbage; the
    // caller discards them with the error, so only the offset matters here.
    if (trailing !== undefined) return { ok: false, offset: trailing }
    out[n++] = value >>> 16
    if (dlen >= 3) out[n++] = (value >>> 8) & 255
    if (dlen === 4) out[n++] = value & 255
  }
  return { ok: true, bytes: out.subarray(0, n) }
}

/** Go `base64.URLEncoding.Decode` on raw bytes (a Go string is its UTF-8 bytes). */
export function goBase64UrlDecode(src: Uint8Array): GoBase64Result {
  return decodeWith(URL_DECODE, src)
}

/** Go `base64.StdEncoding.Decode`, as `encoding/json` uses it for `[]byte`. */
export function goBase64StdDecode(src: Uint8Array): GoBase64Result {
  return decodeWith(STD_DECODE, src)
}
