// Go's encoding/json encoder as gorilla/securecookie's JSONEncoder uses it:
// `json.NewEncoder(w).Encode` (compact, trailing "\n", map keys sorted by UTF-8 bytes,
// HTML-safe escaping, Go 1.19 control escapes, ES6 number format), so a Go program reading the
// cookie sees the bytes its own encoder would have written.

import { SecureCookieError } from '../../errors.ts'
import { goBase64StdEncode } from './base64-go.ts'

const MAX_ENCODE_DEPTH = 1000
const HEX = '0123456789abcdef'

const textEncoder = new TextEncoder()

function encodeError(message: string): SecureCookieError {
  // JSONEncoder.Serialize wraps the json error in a usage cookieError.
  return new SecureCookieError('usage', `securecookie: error - caused by: ${message}`)
}

/** A JSON string literal exactly as Go's encodeState.string writes it with escapeHTML on. */
export function goJsonQuote(text: string): string {
  let out = '"'
  let start = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    let escaped: string | undefined
    if (c < 0x20) {
      if (c === 0x0a) escaped = '\\n'
      else if (c === 0x0d) escaped = '\\r'
      else if (c === 0x09) escaped = '\\t'
      // Go <= 1.21 (the vectors use Go 1.19) writes \u0008 and \u000c, not \b and \f.
      else escaped = `\\u00${HEX.charAt(c >> 4)}${HEX.charAt(c & 15)}`
    } else if (c === 0x22) {
      escaped = '\\"'
    } else if (c === 0x5c) {
      escaped = '\\\\'
    } else if (c === 0x3c) {
      escaped = '\\u003c'
    } else if (c === 0x3e) {
      escaped = '\\u003e'
    } else if (c === 0x26) {
      escaped = '\\u0026'
    } else if (c === 0x2028) {
      escaped = '\\u2028'
    } else if (c === 0x2029) {
      escaped = '\\u2029'
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const next = text.charCodeAt(i + 1)
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        i++
        continue
      }
      // A lone surrogate is invalid UTF-8 to Go, which writes the escape \ufffd.
      escaped = '\\ufffd'
    }
    if (escaped !== undefined) {
      out += text.slice(start, i) + escaped
      start = i + 1
    }
  }
  return out + text.slice(start) + '"'
}

/** A float64 as Go's floatEncoder writes it (ES6 Number#toString, but `-0` stays `-0`). */
function formatNumber(value: number): string {
  if (!Number.isFinite(value)) {
    const text = Number.isNaN(value) ? 'NaN' : value > 0 ? '+Inf' : '-Inf'
    throw encodeError(`json: unsupported value: ${text}`)
  }
  if (Object.is(value, -0)) return '-0'
  return String(value)
}

// Go sorts map keys with sort.Strings, i.e. by UTF-8 bytes, which is code point order
// (UTF-16 code unit order differs for astral characters against U+E000..U+FFFF).
export function compareUtf8(a: string, b: string): number {
  const length = Math.min(a.length, b.length)
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i)
    const y = b.charCodeAt(i)
    if (x === y) continue
    const xSurrogate = x >= 0xd800 && x <= 0xdfff
    const ySurrogate = y >= 0xd800 && y <= 0xdfff
    if (xSurrogate !== ySurrogate) return xSurrogate ? 1 : -1
    return x - y
  }
  return a.length - b.length
}

function typeName(value: object): string {
  const ctor = (value as { constructor?: { name?: unknown } }).constructor
  return typeof ctor?.name === 'string' && ctor.name !== '' ? ctor.name : 'object'
}

function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

function encodeValue(value: unknown, depth: number, seen: Set<object>): string {
  switch (typeof value) {
    case 'string':
      return goJsonQuote(value)
    case 'number':
      return formatNumber(value)
    case 'bigint':
      return value.toString()
    case 'boolean':
      return value ? 'true' : 'false'
    case 'undefined':
    case 'function':
    case 'symbol':
      throw encodeError(`json: unsupported type: ${typeof value}`)
    case 'object':
      break
  }
  if (value === null) return 'null'
  if (value instanceof Uint8Array) return `"${goBase64StdEncode(value)}"`
  if (depth >= MAX_ENCODE_DEPTH) {
    throw encodeError(`json: unsupported value: nested deeper than ${MAX_ENCODE_DEPTH}`)
  }
  if (seen.has(value)) {
    throw encodeError(`json: unsupported value: encountered a cycle via ${typeName(value)}`)
  }
  seen.add(value)
  let out: string
  if (Array.isArray(value)) {
    const items: string[] = []
    for (const item of value as readonly unknown[]) items.push(encodeValue(item, depth + 1, seen))
    out = `[${items.join(',')}]`
  } else if (value instanceof Map) {
    const entries: [string, unknown][] = []
    for (const [key, item] of value as Map<unknown, unknown>) {
      if (typeof key === 'string') entries.push([key, item])
      else if (typeof key === 'number' && Number.isSafeInteger(key))
        entries.push([String(key), item])
      else if (typeof key === 'bigint') entries.push([key.toString(), item])
      else throw encodeError(`json: unsupported type: map key of type ${typeof key}`)
    }
    out = encodeEntries(entries, depth, seen)
  } else if (isPlainObject(value)) {
    const entries: [string, unknown][] = []
    for (const key of Object.keys(value)) {
      const item = (value as Record<string, unknown>)[key]
      // Like JSON.stringify, an undefined property is left out.
      if (item !== undefined) entries.push([key, item])
    }
    out = encodeEntries(entries, depth, seen)
  } else {
    const toJSON = (value as { toJSON?: unknown }).toJSON
    if (typeof toJSON !== 'function') {
      throw encodeError(`json: unsupported type: ${typeName(value)}`)
    }
    // A json.Marshaler; Go compacts and HTML-escapes its output, so re-encode the result.
    out = encodeValue((toJSON as () => unknown).call(value), depth + 1, seen)
  }
  seen.delete(value)
  return out
}

function encodeEntries(entries: [string, unknown][], depth: number, seen: Set<object>): string {
  entries.sort((a, b) => compareUtf8(a[0], b[0]))
  const parts: string[] = []
  let previous: string | undefined
  for (const [key, item] of entries) {
    // Two Map keys 1 and "1" would be one Go key; keep the first like a map would keep one.
    if (key === previous) continue
    previous = key
    parts.push(`${goJsonQuote(key)}:${encodeValue(item, depth + 1, seen)}`)
  }
  return `{${parts.join(',')}}`
}

/**
 * The bytes Go's `json.NewEncoder(w).Encode(value)` writes, trailing newline included.
 *
 * Mapping: string, finite number (float64; `-0` stays `-0`), bigint (int64/uint64), boolean,
 * null, arrays, plain objects and `Map`s (string or integer keys; Go map, keys sorted by UTF-8
 * bytes), `Uint8Array` (Go `[]byte`: standard padded base64), objects with `toJSON`
 * (json.Marshaler). Undefined object properties are left out.
 *
 * @throws {SecureCookieError} usage kind, with Go's message, for NaN, ±Infinity, cycles and
 *   unsupported types.
 */
export function goJsonEncode(value: unknown): Uint8Array {
  return textEncoder.encode(`${encodeValue(value, 0, new Set())}\n`)
}
