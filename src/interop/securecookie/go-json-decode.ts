// Go's encoding/json decoder as gorilla/securecookie's JSONEncoder uses it:
// `json.NewDecoder(r).Decode(&v)` into an `interface{}` (the first JSON value only, Go's
// syntax error texts, invalid UTF-8 and lone surrogates as U+FFFD).

import { SecureCookieError } from '../../errors.ts'
import { defineValue } from '../../lib/json-value.ts'

// Go's scanner limit (encoding/json maxNestingDepth).
const MAX_DECODE_DEPTH = 10_000
const HEX = '0123456789abcdef'

function decodeError(message: string): SecureCookieError {
  return new SecureCookieError('decode', `securecookie: error - caused by: ${message}`)
}

// Internal: always caught and rethrown as a SecureCookieError by goJsonDecode.
class JsonSyntax extends Error {}

function quoteChar(c: number): string {
  if (c === 0x27) return `'\\''`
  if (c === 0x22) return `'"'`
  if (c === 0x5c) return `'\\\\'`
  if (c === 0x07) return `'\\a'`
  if (c === 0x08) return `'\\b'`
  if (c === 0x0c) return `'\\f'`
  if (c === 0x0a) return `'\\n'`
  if (c === 0x0d) return `'\\r'`
  if (c === 0x09) return `'\\t'`
  if (c === 0x0b) return `'\\v'`
  if (c < 0x20 || c === 0x7f) return `'\\x${HEX.charAt(c >> 4)}${HEX.charAt(c & 15)}'`
  // Go quotes string(byte), i.e. the rune U+0000..U+00FF.
  if (c >= 0x80 && c < 0xa0) return `'\\u00${HEX.charAt(c >> 4)}${HEX.charAt(c & 15)}'`
  if (c === 0xa0 || c === 0xad) return `'\\u00${HEX.charAt(c >> 4)}${HEX.charAt(c & 15)}'`
  return `'${String.fromCharCode(c)}'`
}

function invalid(c: number, context: string): JsonSyntax {
  return new JsonSyntax(`invalid character ${quoteChar(c)} ${context}`)
}

const UNEXPECTED_EOF = new JsonSyntax('unexpected EOF')

function isSpace(c: number | undefined): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d
}

function hexValue(c: number | undefined): number {
  if (c === undefined) return -1
  if (c >= 0x30 && c <= 0x39) return c - 0x30
  if (c >= 0x61 && c <= 0x66) return c - 0x57
  if (c >= 0x41 && c <= 0x46) return c - 0x37
  return -1
}

// One rune of Go's utf8.DecodeRune: [codePoint, size]; invalid input is (U+FFFD, 1).
function decodeRune(bytes: Uint8Array, i: number, end: number): [number, number] {
  const b0 = bytes[i] ?? 0
  if (b0 < 0x80) return [b0, 1]
  const cont = (k: number, lo = 0x80, hi = 0xbf): number => {
    const b = i + k < end ? (bytes[i + k] ?? -1) : -1
    return b >= lo && b <= hi ? b & 0x3f : -1
  }
  if (b0 >= 0xc2 && b0 <= 0xdf) {
    const c1 = cont(1)
    return c1 < 0 ? [0xfffd, 1] : [((b0 & 0x1f) << 6) | c1, 2]
  }
  if (b0 >= 0xe0 && b0 <= 0xef) {
    const c1 = b0 === 0xe0 ? cont(1, 0xa0) : b0 === 0xed ? cont(1, 0x80, 0x9f) : cont(1)
    if (c1 < 0) return [0xfffd, 1]
    const c2 = cont(2)
    return c2 < 0 ? [0xfffd, 1] : [((b0 & 0x0f) << 12) | (c1 << 6) | c2, 3]
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    const c1 = b0 === 0xf0 ? cont(1, 0x90) : b0 === 0xf4 ? cont(1, 0x80, 0x8f) : cont(1)
    if (c1 < 0) return [0xfffd, 1]
    const c2 = cont(2)
    if (c2 < 0) return [0xfffd, 1]
    const c3 = cont(3)
    return c3 < 0 ? [0xfffd, 1] : [((b0 & 0x07) << 18) | (c1 << 12) | (c2 << 6) | c3, 4]
  }
  return [0xfffd, 1]
}

class Parser {
  readonly bytes: Uint8Array
  pos = 0
  depth = 0
  // Go reports an out-of-range number only after the whole value scanned without a syntax
  // error (the scanner runs first, then unmarshal saves the first type error).
  rangeError: string | undefined

  constructor(bytes: Uint8Array) {
    this.bytes = bytes
  }

  peek(): number | undefined {
    return this.bytes[this.pos]
  }

  skipSpace(): void {
    while (isSpace(this.bytes[this.pos])) this.pos++
  }

  // The next non-space byte, or a syntax error for end of input.
  next(): number {
    this.skipSpace()
    const c = this.bytes[this.pos]
    if (c === undefined) throw UNEXPECTED_EOF
    return c
  }

  value(): unknown {
    const c = this.next()
    return this.valueAt(c)
  }

  valueAt(c: number): unknown {
    switch (c) {
      case 0x7b:
      case 0x5b:
        return this.container()
      case 0x22:
        return this.string()
      case 0x74:
        return this.literal('true', true)
      case 0x66:
        return this.literal('false', false)
      case 0x6e:
        return this.literal('null', null)
      default:
        if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.number()
        throw invalid(c, 'looking for beginning of value')
    }
  }

  push(c: number): void {
    this.depth++
    if (this.depth > MAX_DECODE_DEPTH) throw invalid(c, 'exceeded max depth')
  }

  // Nesting is handled with an explicit stack so hostile depth cannot overflow the JS stack.
  container(): unknown {
    type Frame =
      | { readonly kind: 'array'; readonly items: unknown[] }
      | { readonly kind: 'object'; readonly record: Record<string, unknown>; key: string }
    const stack: Frame[] = []
    let result: unknown
    let pending: unknown
    let havePending = false
    // Open the first container (the current byte is '{' or '[').
    const open = (c: number): void => {
      this.push(c)
      this.pos++
      if (c === 0x7b) {
        const record: Record<string, unknown> = {}
        const next = this.next()
        if (next === 0x7d) {
          this.pos++
          this.depth--
          pending = record
          havePending = true
          return
        }
        if (next !== 0x22) throw invalid(next, 'looking for beginning of object key string')
        const key = this.string()
        const colon = this.next()
        if (colon !== 0x3a) throw invalid(colon, 'after object key')
        this.pos++
        stack.push({ kind: 'object', record, key })
      } else {
        const items: unknown[] = []
        const next = this.next()
        if (next === 0x5d) {
          this.pos++
          this.depth--
          pending = items
          havePending = true
          return
        }
        stack.push({ kind: 'array', items })
      }
    }
    open(this.bytes[this.pos] ?? 0)
    for (;;) {
      if (!havePending) {
        const c = this.next()
        if (c === 0x7b || c === 0x5b) {
          open(c)
          continue
        }
        pending = this.valueAt(c)
      }
      const frame = stack.at(-1)
      if (frame === undefined) {
        result = pending
        break
      }
      havePending = false
      const c = this.next()
      if (frame.kind === 'array') {
        frame.items.push(pending)
        if (c === 0x2c) {
          this.pos++
          continue
        }
        if (c !== 0x5d) throw invalid(c, 'after array element')
        this.pos++
        stack.pop()
        this.depth--
        pending = frame.items
        havePending = true
      } else {
        defineValue(frame.record, frame.key, pending)
        if (c === 0x2c) {
          this.pos++
          const quote = this.next()
          if (quote !== 0x22) throw invalid(quote, 'looking for beginning of object key string')
          frame.key = this.string()
          const colon = this.next()
          if (colon !== 0x3a) throw invalid(colon, 'after object key')
          this.pos++
          continue
        }
        if (c !== 0x7d) throw invalid(c, 'after object key:value pair')
        this.pos++
        stack.pop()
        this.depth--
        pending = frame.record
        havePending = true
      }
    }
    return result
  }

  literal(word: string, value: unknown): unknown {
    this.pos++
    for (let k = 1; k < word.length; k++) {
      const c = this.bytes[this.pos]
      if (c === undefined) throw UNEXPECTED_EOF
      if (c !== word.charCodeAt(k)) {
        throw invalid(c, `in literal ${word} (expecting '${word.charAt(k)}')`)
      }
      this.pos++
    }
    return value
  }

  number(): number {
    const bytes = this.bytes
    const start = this.pos
    const isDigit = (c: number | undefined): boolean => c !== undefined && c >= 0x30 && c <= 0x39
    if (bytes[this.pos] === 0x2d) {
      this.pos++
      const c = bytes[this.pos]
      if (c === undefined) throw UNEXPECTED_EOF
      if (!isDigit(c)) throw invalid(c, 'in numeric literal')
    }
    if (bytes[this.pos] === 0x30) this.pos++
    else while (isDigit(bytes[this.pos])) this.pos++
    if (bytes[this.pos] === 0x2e) {
      this.pos++
      const c = bytes[this.pos]
      if (c === undefined) throw UNEXPECTED_EOF
      if (!isDigit(c)) throw invalid(c, 'after decimal point in numeric literal')
      while (isDigit(bytes[this.pos])) this.pos++
    }
    const e = bytes[this.pos]
    if (e === 0x65 || e === 0x45) {
      this.pos++
      let c = bytes[this.pos]
      if (c === 0x2b || c === 0x2d) {
        this.pos++
        c = bytes[this.pos]
      }
      if (c === undefined) throw UNEXPECTED_EOF
      if (!isDigit(c)) throw invalid(c, 'in exponent of numeric literal')
      while (isDigit(bytes[this.pos])) this.pos++
    }
    let text = ''
    for (let i = start; i < this.pos; i++) text += String.fromCharCode(bytes[i] ?? 0)
    const value = Number(text)
    if (!Number.isFinite(value)) {
      // strconv.ParseFloat's ErrRange surfaces as an UnmarshalTypeError.
      this.rangeError ??= `json: cannot unmarshal number ${text} into Go value of type float64`
      return 0
    }
    return value
  }

  string(): string {
    const bytes = this.bytes
    this.pos++
    let out = ''
    let runStart = this.pos
    const flush = (end: number): void => {
      if (end > runStart) out += decodeUtf8Go(bytes, runStart, end)
    }
    for (;;) {
      const c = bytes[this.pos]
      if (c === undefined) throw UNEXPECTED_EOF
      if (c === 0x22) {
        flush(this.pos)
        this.pos++
        return out
      }
      if (c < 0x20) throw invalid(c, 'in string literal')
      if (c !== 0x5c) {
        this.pos++
        continue
      }
      flush(this.pos)
      this.pos++
      const esc = bytes[this.pos]
      if (esc === undefined) throw UNEXPECTED_EOF
      this.pos++
      switch (esc) {
        case 0x22:
          out += '"'
          break
        case 0x5c:
          out += '\\'
          break
        case 0x2f:
          out += '/'
          break
        case 0x62:
          out += '\b'
          break
        case 0x66:
          out += '\f'
          break
        case 0x6e:
          out += '\n'
          break
        case 0x72:
          out += '\r'
          break
        case 0x74:
          out += '\t'
          break
        case 0x75: {
          let unit = this.hex4()
          if (unit >= 0xd800 && unit < 0xe000) {
            // Go pairs a high surrogate with an immediately following \u low surrogate and
            // turns anything else into U+FFFD (without consuming the next escape).
            const pair = this.peekLowSurrogate()
            if (unit < 0xdc00 && pair !== undefined) {
              out += String.fromCharCode(unit, pair)
              this.pos += 6
              break
            }
            unit = 0xfffd
          }
          out += String.fromCharCode(unit)
          break
        }
        default:
          throw invalid(esc, 'in string escape code')
      }
      runStart = this.pos
    }
  }

  hex4(): number {
    let unit = 0
    for (let k = 0; k < 4; k++) {
      const c = this.bytes[this.pos]
      if (c === undefined) throw UNEXPECTED_EOF
      const digit = hexValue(c)
      if (digit < 0) throw invalid(c, 'in \\u hexadecimal character escape')
      unit = (unit << 4) | digit
      this.pos++
    }
    return unit
  }

  // The low surrogate of a following `\uXXXX`, without consuming it (syntax is checked
  // when it is read as an escape of its own).
  peekLowSurrogate(): number | undefined {
    const bytes = this.bytes
    const p = this.pos
    if (bytes[p] !== 0x5c || bytes[p + 1] !== 0x75) return undefined
    let unit = 0
    for (let k = 2; k < 6; k++) {
      const digit = hexValue(bytes[p + k])
      if (digit < 0) return undefined
      unit = (unit << 4) | digit
    }
    return unit >= 0xdc00 && unit < 0xe000 ? unit : undefined
  }
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

// Raw string bytes as Go reads them: every invalid byte becomes one U+FFFD. (WHATWG's
// decoder replaces maximal subparts instead, which can give fewer U+FFFD.)
function decodeUtf8Go(bytes: Uint8Array, start: number, end: number): string {
  const slice = bytes.subarray(start, end)
  try {
    return strictUtf8.decode(slice)
  } catch {
    let out = ''
    for (let i = start; i < end;) {
      const [rune, size] = decodeRune(bytes, i, end)
      out += String.fromCodePoint(rune)
      i += size
    }
    return out
  }
}

/**
 * Decodes the first JSON value of `bytes` the way Go's `json.NewDecoder(r).Decode(&v)` does
 * into an `interface{}`: objects become plain objects (a `__proto__` key is plain data),
 * numbers become float64 (JS numbers), anything after the first value is ignored.
 *
 * @throws {SecureCookieError} decode kind, with Go's message: `EOF` for empty input,
 *   `unexpected EOF` for a truncated value, `invalid character ...` for syntax errors.
 */
export function goJsonDecode(bytes: Uint8Array): unknown {
  const parser = new Parser(bytes)
  parser.skipSpace()
  if (parser.peek() === undefined) throw decodeError('EOF')
  let value: unknown
  try {
    value = parser.value()
  } catch (error) {
    if (error instanceof JsonSyntax) throw decodeError(error.message)
    throw error
  }
  if (parser.rangeError !== undefined) throw decodeError(parser.rangeError)
  return value
}
