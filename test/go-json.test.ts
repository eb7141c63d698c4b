// goJsonSerializer: Go's json.Encoder output byte for byte, Go's json.Decoder semantics.
import assert from 'node:assert/strict'
import { Buffer } from 'node:buffer'
import { describe, it } from 'node:test'

import fc from 'fast-check'

import {
  goJsonDecode,
  goJsonEncode,
  goJsonSerializer,
  SecureCookieError,
} from '../src/securecookie.ts'

const text = (value: unknown): string => Buffer.from(goJsonEncode(value)).toString('utf8')
const parse = (input: string | Uint8Array): unknown =>
  goJsonDecode(typeof input === 'string' ? new Uint8Array(Buffer.from(input, 'utf8')) : input)

function fails(fn: () => unknown, kind: 'decode' | 'usage', message: string): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof SecureCookieError, String(error))
    assert.equal(error.kind, kind)
    assert.equal(error.goMessage, `securecookie: error - caused by: ${message}`)
    return true
  })
}

describe('goJsonEncode (json.Encoder.Encode)', () => {
  it('is compact with a trailing newline, keys sorted, HTML escaped (V1, V7)', () => {
    assert.equal(
      text({ foo: 'bar', n: 42, html: '<a&b>' }),
      '{"foo":"bar","html":"\\u003ca\\u0026b\\u003e","n":42}\n',
    )
    assert.equal(
      text({ é: 'ü\u2028', f: 1.5, big: 1e21, small: 1e-7, t: true, nil: null, arr: [1, 'x'] }),
      '{"arr":[1,"x"],"big":1e+21,"f":1.5,"nil":null,"small":1e-7,"t":true,"é":"ü\\u2028"}\n',
    )
  })

  it('escapes control characters the Go 1.19 way, keeps DEL and non-ASCII raw', () => {
    assert.equal(
      text('\b\f\n\r\t\u0000\u001f\u007f'),
      '"\\u0008\\u000c\\n\\r\\t\\u0000\\u001f\u007f"\n',
    )
    assert.equal(text('"\\/'), '"\\"\\\\/"\n')
    assert.equal(text('\u2028\u2029\u2027'), '"\\u2028\\u2029\u2027"\n')
    assert.equal(text('😀é'), '"😀é"\n')
  })

  it('writes lone surrogates as \\ufffd (invalid UTF-8 to Go)', () => {
    assert.equal(text('a\ud800b'), '"a\\ufffdb"\n')
    assert.equal(text('\udc00'), '"\\ufffd"\n')
    assert.equal(text('\ud83d\ude00\ud83d'), '"😀\\ufffd"\n')
  })

  it('sorts keys by UTF-8 bytes, not UTF-16 units', () => {
    // U+FF5E sorts before U+1F600 in UTF-8 but after its surrogates in UTF-16.
    assert.equal(
      text({ '😀': 1, '～': 2, a: 3, B: 4, '': 5 }),
      '{"":5,"B":4,"a":3,"～":2,"😀":1}\n',
    )
  })

  it('formats numbers like Go (ES6 with -0 kept)', () => {
    const cases: [number, string][] = [
      [0, '0'],
      [-0, '-0'],
      [1, '1'],
      [-1.5, '-1.5'],
      [1e20, '100000000000000000000'],
      [1e21, '1e+21'],
      [1.5e300, '1.5e+300'],
      [1e-6, '0.000001'],
      [1e-7, '1e-7'],
      [1.234e-10, '1.234e-10'],
      [5e-324, '5e-324'],
      [0.1 + 0.2, '0.30000000000000004'],
      [Number.MAX_SAFE_INTEGER, '9007199254740991'],
    ]
    for (const [n, expected] of cases) assert.equal(text(n), `${expected}\n`)
    assert.equal(text(2n ** 63n - 1n), '9223372036854775807\n')
  })

  it("rejects NaN and infinities with Go's message (usage kind)", () => {
    fails(() => goJsonEncode(Number.NaN), 'usage', 'json: unsupported value: NaN')
    fails(() => goJsonEncode({ a: [Infinity] }), 'usage', 'json: unsupported value: +Inf')
    fails(() => goJsonEncode(-Infinity), 'usage', 'json: unsupported value: -Inf')
  })

  it('encodes Uint8Array as standard padded base64 (Go []byte)', () => {
    assert.equal(text(new Uint8Array([0xfb, 0xff, 0xfe])), '"+//+"\n')
    assert.equal(text(new Uint8Array([1])), '"AQ=="\n')
    assert.equal(text(new Uint8Array(0)), '""\n')
  })

  it('encodes Maps with string and integer keys as sorted objects', () => {
    assert.equal(
      text(
        new Map<unknown, unknown>([
          ['b', 1],
          [10, 2],
          [9, 3],
        ]),
      ),
      '{"10":2,"9":3,"b":1}\n',
    )
  })

  it('keeps a __proto__ key as data and leaves undefined properties out', () => {
    const value = JSON.parse('{"__proto__":{"x":1},"a":1}') as Record<string, unknown>
    assert.equal(text(value), '{"__proto__":{"x":1},"a":1}\n')
    assert.equal(text({ a: undefined, b: 1 }), '{"b":1}\n')
  })

  it('uses toJSON (json.Marshaler) and rejects other class instances, cycles, functions', () => {
    assert.equal(text(new Date(0)), '"1970-01-01T00:00:00.000Z"\n')
    fails(() => goJsonEncode(new Set([1])), 'usage', 'json: unsupported type: Set')
    const cycle: Record<string, unknown> = {}
    cycle['self'] = cycle
    fails(
      () => goJsonEncode(cycle),
      'usage',
      'json: unsupported value: encountered a cycle via Object',
    )
    fails(() => goJsonEncode(() => 1), 'usage', 'json: unsupported type: function')
    fails(() => goJsonEncode(undefined), 'usage', 'json: unsupported type: undefined')
  })

  it('throws a usage error past 1000 levels instead of overflowing the stack', () => {
    let deep: unknown = 1
    for (let i = 0; i < 1001; i++) deep = [deep]
    assert.throws(() => goJsonEncode(deep), SecureCookieError)
  })
})

describe('goJsonDecode (json.Decoder.Decode into interface{})', () => {
  it('reads the first value and ignores the rest', () => {
    assert.deepStrictEqual(parse('{"a":1} garbage'), { a: 1 })
    assert.deepStrictEqual(parse('{"a":2}'), { a: 2 })
    assert.deepStrictEqual(parse('  [1,2]xyz'), [1, 2])
    assert.equal(parse('"s"{'), 's')
    assert.equal(parse('12abc'), 12)
    assert.equal(parse('01'), 0)
    assert.equal(parse('true false'), true)
    assert.equal(parse('null'), null)
  })

  it("gives Go's messages for empty, truncated and malformed input", () => {
    const cases: [string, string][] = [
      ['', 'EOF'],
      [' \n\t', 'EOF'],
      ['{', 'unexpected EOF'],
      ['{"a":1', 'unexpected EOF'],
      ['"abc', 'unexpected EOF'],
      ['tr', 'unexpected EOF'],
      ['-', 'unexpected EOF'],
      ['1.', 'unexpected EOF'],
      ['nope', "invalid character 'o' in literal null (expecting 'u')"],
      ['x', "invalid character 'x' looking for beginning of value"],
      ['{a:1}', "invalid character 'a' looking for beginning of object key string"],
      ['{"a" 1}', "invalid character '1' after object key"],
      ['{"a":1 "b"}', "invalid character '\"' after object key:value pair"],
      ['[1 2]', "invalid character '2' after array element"],
      ['[01]', "invalid character '1' after array element"],
      ['[1,]', "invalid character ']' looking for beginning of value"],
      ['{"a":1,}', "invalid character '}' looking for beginning of object key string"],
      ['"a\u0001"', "invalid character '\\x01' in string literal"],
      ['"\\x"', "invalid character 'x' in string escape code"],
      ['"\\u12g4"', "invalid character 'g' in \\u hexadecimal character escape"],
      ['-a', "invalid character 'a' in numeric literal"],
      ['1.e', "invalid character 'e' after decimal point in numeric literal"],
      ['1e+x', "invalid character 'x' in exponent of numeric literal"],
      ["'", "invalid character '\\'' looking for beginning of value"],
      ['\ufeff1', "invalid character 'ï' looking for beginning of value"],
      ['[1e400]', 'json: cannot unmarshal number 1e400 into Go value of type float64'],
    ]
    for (const [input, message] of cases) fails(() => parse(input), 'decode', message)
  })

  it("reports a syntax error before an out-of-range number, like Go's scan-then-unmarshal", () => {
    fails(
      () => parse('[1e400, x]'),
      'decode',
      "invalid character 'x' looking for beginning of value",
    )
    assert.equal(parse('1e-400'), 0)
  })

  it('turns invalid UTF-8 and lone surrogate escapes into U+FFFD like Go', () => {
    assert.equal(parse(new Uint8Array([0x22, 0x61, 0xff, 0x62, 0x22])), 'a\ufffdb')
    // Go replaces byte by byte (WHATWG would give one U+FFFD for E2 82).
    assert.equal(parse(new Uint8Array([0x22, 0xe2, 0x82, 0x61, 0x22])), '\ufffd\ufffda')
    assert.equal(parse(new Uint8Array([0x22, 0xed, 0xa0, 0x80, 0x22])), '\ufffd\ufffd\ufffd')
    assert.equal(parse('"\\ud800"'), '\ufffd')
    assert.equal(parse('"\\udc00\\ud800x"'), '\ufffd\ufffdx')
    assert.equal(parse('"\\ud800\\u0041"'), '\ufffdA')
    assert.equal(parse('"\\ud83d\\ude00"'), '😀')
    assert.equal(parse('"\\b\\f\\/\\u00e9"'), '\b\f/é')
  })

  it('keeps __proto__ as data and never pollutes prototypes', () => {
    const value = parse('{"__proto__":{"polluted":true},"constructor":{"prototype":1}}') as Record<
      string,
      unknown
    >
    assert.equal(Object.getPrototypeOf(value), Object.prototype)
    assert.ok(Object.hasOwn(value, '__proto__'))
    assert.deepStrictEqual(value['__proto__'], { polluted: true })
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined)
  })

  it('lets the last duplicate key win', () => {
    assert.deepStrictEqual(parse('{"a":1,"a":2}'), { a: 2 })
  })

  it('handles 10000 levels of nesting without recursion and rejects 10001 like Go', () => {
    const ok = '['.repeat(10_000) + ']'.repeat(10_000)
    let value = parse(ok)
    let depth = 0
    while (Array.isArray(value) && value.length > 0) {
      value = value[0]
      depth++
    }
    assert.equal(depth, 9_999)
    fails(() => parse('['.repeat(10_001)), 'decode', "invalid character '[' exceeded max depth")
  })
})

// JSON values the encoder and decoder agree on (no -0: Go keeps it, JSON.parse does too).
const jsonValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string({ unit: 'binary' }),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(fc.string({ unit: 'binary' }), tie('value'), { maxKeys: 5 }),
  ),
})).value

function wellFormedString(text: string): string {
  let out = ''
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    const next = text.charCodeAt(i + 1)
    if (c >= 0xd800 && c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      out += text.slice(i, i + 2)
      i++
    } else if (c >= 0xd800 && c <= 0xdfff) {
      out += '\ufffd'
    } else {
      out += text.charAt(i)
    }
  }
  return out
}

// Lone surrogates legitimately become U+FFFD; compare against that normalization.
function wellFormed(value: unknown): unknown {
  if (typeof value === 'string') return wellFormedString(value)
  if (Array.isArray(value)) return value.map(wellFormed)
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) {
      Object.defineProperty(out, wellFormedString(k), {
        value: wellFormed(v),
        enumerable: true,
        writable: true,
        configurable: true,
      })
    }
    return out
  }
  return value
}

function codePoints(text: string): number[] {
  const out: number[] = []
  for (let i = 0; i < text.length; i++) {
    const c = text.codePointAt(i) ?? 0
    out.push(c)
    if (c > 0xffff) i++
  }
  return out
}

// An independent reference: JSON.stringify with sorted keys (code point order) and Go's
// escapes applied afterwards.
function reference(value: unknown): string {
  const sortKeys = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sortKeys)
    if (typeof v === 'object' && v !== null) {
      const keys = Object.keys(v).sort((a, b) => {
        const x = codePoints(a)
        const y = codePoints(b)
        for (let i = 0; i < Math.min(x.length, y.length); i++) {
          if (x[i] !== y[i]) return (x[i] ?? 0) - (y[i] ?? 0)
        }
        return x.length - y.length
      })
      const out: Record<string, unknown> = {}
      for (const k of keys) {
        Object.defineProperty(out, k, {
          value: sortKeys((v as Record<string, unknown>)[k]),
          enumerable: true,
          writable: true,
          configurable: true,
        })
      }
      return out
    }
    return v
  }
  return (
    JSON.stringify(sortKeys(wellFormed(value)), (_k, v: unknown) =>
      typeof v === 'number' && Object.is(v, -0) ? '__NEG_ZERO__' : v,
    )
      .replaceAll('"__NEG_ZERO__"', '-0')
      .replaceAll('<', '\\u003c')
      .replaceAll('>', '\\u003e')
      .replaceAll('&', '\\u0026')
      .replaceAll('\u2028', '\\u2028')
      .replaceAll('\u2029', '\\u2029')
      .replace(/\\(.)/g, (pair, c: string) =>
        c === 'b' ? '\\u0008' : c === 'f' ? '\\u000c' : pair,
      ) + '\n'
  )
}

describe('goJsonSerializer properties', () => {
  it('decode(encode(v)) deep-equals v (lone surrogates as U+FFFD)', () => {
    fc.assert(
      fc.property(jsonValue, (value) => {
        assert.deepStrictEqual(
          goJsonSerializer.deserialize(goJsonSerializer.serialize(value)),
          wellFormed(value),
        )
      }),
      { numRuns: 200 },
    )
  })

  it("encode(v) equals a sorted-key JSON.stringify reference with Go's escapes", () => {
    fc.assert(
      fc.property(jsonValue, (value) => {
        assert.equal(text(value), reference(value))
      }),
      { numRuns: 200 },
    )
  })
})
