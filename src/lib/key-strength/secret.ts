// Reads a key ring secret in the encodings people use: raw bytes, hex (as `openssl rand -hex`
// prints it), standard base64 with or without padding (`openssl rand -base64`, Go's
// StdEncoding) and base64url (generateKey(), Python's token_urlsafe).
//
// A string of hex digits is read as hex, even though it is valid base64 too: hex is what such
// a string nearly always is, and a random base64 key consists only of hex digits with
// negligible probability (22 of 64 characters, for 43 or more characters).

import { base64urlDecode } from '../encoding.ts'
import { BASE64URL_ALPHABET, BASE64_ALPHABET, HEX_ALPHABET, type SymbolAlphabet } from './model.ts'
import { byteView, characterView, type SecretView } from './estimate.ts'

export type SecretEncoding = 'bytes' | 'hex' | 'base64' | 'base64url'

export type SecretProblem =
  'missing' | 'empty' | 'not-bytes-or-string' | 'whitespace' | 'odd-hex' | 'not-encoded'

export type SecretReading =
  | {
      readonly ok: true
      readonly bytes: Uint8Array
      readonly encoding: SecretEncoding
      /** The byte view, and for a string the character view. */
      readonly views: readonly SecretView[]
    }
  | { readonly ok: false; readonly problem: SecretProblem }

const HEX_DIGITS = /^[0-9a-fA-F]+$/
const BASE64_BODY = /^[A-Za-z0-9+/]*$/
const BASE64URL_BODY = /^[A-Za-z0-9_-]*$/

export function readSecret(secret: unknown): SecretReading {
  if (secret === undefined || secret === null) return { ok: false, problem: 'missing' }
  if (secret instanceof Uint8Array) {
    if (secret.length === 0) return { ok: false, problem: 'empty' }
    const bytes = Uint8Array.from(secret)
    return { ok: true, bytes, encoding: 'bytes', views: [byteView(bytes)] }
  }
  if (typeof secret !== 'string') return { ok: false, problem: 'not-bytes-or-string' }
  if (secret === '') return { ok: false, problem: 'empty' }
  // A trailing newline from a file is refused rather than trimmed: the key must be exactly
  // what was generated, the same on every instance.
  if (/\s/.test(secret)) return { ok: false, problem: 'whitespace' }
  if (HEX_DIGITS.test(secret)) {
    return secret.length % 2 === 0 ? readHex(secret) : { ok: false, problem: 'odd-hex' }
  }
  return readBase64(secret) ?? { ok: false, problem: 'not-encoded' }
}

function readHex(secret: string): SecretReading {
  const text = secret.toLowerCase()
  const symbols = Array.from(text, (char) => HEX_ALPHABET.codes.indexOf(char.charCodeAt(0)))
  const bytes = new Uint8Array(text.length / 2)
  for (let i = 0; i < bytes.length; i++) {
    bytes[i] = ((symbols[2 * i] ?? 0) << 4) | (symbols[2 * i + 1] ?? 0)
  }
  return {
    ok: true,
    bytes,
    encoding: 'hex',
    views: [byteView(bytes), characterView(symbols, HEX_ALPHABET, bytes.length)],
  }
}

/** Standard or URL-safe base64, canonical, padded correctly or not at all; else undefined. */
function readBase64(secret: string): SecretReading | undefined {
  const body = secret.replace(/={1,2}$/, '')
  const padding = secret.length - body.length
  if (padding > 0 && (secret.length % 4 !== 0 || body.length % 4 === 0)) return undefined
  const url = BASE64URL_BODY.test(body)
  if (!url && !BASE64_BODY.test(body)) return undefined
  const bytes = base64urlDecode(url ? body : body.replaceAll('+', '-').replaceAll('/', '_'))
  if (bytes === undefined) return undefined
  const alphabet: SymbolAlphabet = url ? BASE64URL_ALPHABET : BASE64_ALPHABET
  const symbols = Array.from(body, (char) => alphabet.codes.indexOf(char.charCodeAt(0)))
  return {
    ok: true,
    bytes,
    encoding: url ? 'base64url' : 'base64',
    views: [byteView(bytes), characterView(symbols, alphabet, bytes.length)],
  }
}
