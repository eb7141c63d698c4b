// The strict base64url codec is internal (src/lib/encoding.ts), but every token passes through
// it, so it is tested directly, and against the node:crypto backend's decoder.
import assert from 'node:assert/strict'
import { Buffer } from 'node:buffer'
import { describe, it } from 'node:test'

import fc from 'fast-check'

import { createNodeCryptoBackend } from '../src/index.ts'
import {
  base64urlDecode,
  base64urlEncode,
  portableBase64urlEncode,
  utf8Decode,
  utf8Encode,
} from '../src/lib/encoding.ts'

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
const RUNS = { numRuns: 200 }

const nodeBackend = createNodeCryptoBackend()
assert.ok(nodeBackend !== undefined)
const node = nodeBackend

/** Strings made mostly of base64url characters, with the usual impostors mixed in. */
const nearlyBase64url = fc.string({
  unit: fc.constantFrom(
    ...Array.from(ALPHABET),
    ...Array.from(ALPHABET),
    '+',
    '/',
    '=',
    ' ',
    '.',
    '\n',
    '\t',
    'é',
    '\0',
    '\u{1F600}',
  ),
  maxLength: 40,
})

function asBytes(value: Uint8Array | undefined): number[] | undefined {
  return value === undefined ? undefined : [...value]
}

describe('strict base64url', () => {
  it('decode(encode(bytes)) round-trips and matches the RFC 4648 encoding', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const text = base64urlEncode(bytes)
        assert.equal(text, Buffer.from(bytes).toString('base64url'))
        assert.match(text, /^[A-Za-z0-9_-]*$/)
        assert.equal(text.length, Math.ceil((bytes.length * 4) / 3))
        assert.deepEqual(asBytes(base64urlDecode(text)), [...bytes])
      }),
      RUNS,
    )
    assert.deepEqual(asBytes(base64urlDecode('')), [])
    assert.equal(base64urlEncode(new Uint8Array(0)), '')
    assert.deepEqual(asBytes(base64urlDecode('-_-_')), [0xfb, 0xff, 0xbf])
  })

  it('texts longer than the reused scratch buffer, and calls in turn, stay exact', () => {
    for (const size of [0, 1, 6143, 6144, 6145, 12_000, 40_000]) {
      const bytes = Uint8Array.from({ length: size }, (_, i) => (i * 131 + size) & 255)
      const text = base64urlEncode(bytes)
      assert.equal(
        text,
        Buffer.from(bytes).toString('base64url'),
        `encode of ${String(size)} bytes`,
      )
      assert.deepEqual(base64urlDecode(text), bytes, `decode of ${String(size)} bytes`)
      // A short call after a long one sees none of the long one's characters.
      assert.equal(base64urlEncode(Uint8Array.of(0xfb, 0xff)), '-_8')
      assert.deepEqual(base64urlDecode('-_8'), Uint8Array.of(0xfb, 0xff))
    }
    const long = 'A'.repeat(9000) + '*' + 'A'.repeat(3)
    assert.equal(base64urlDecode(long), undefined, 'a bad character past the scratch length')
  })

  it('any character outside the alphabet makes the whole string invalid', () => {
    const outside = fc
      .string({ unit: 'binary', minLength: 1, maxLength: 1 })
      .filter((c) => !ALPHABET.includes(c))
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 60 }),
        outside,
        fc.nat(),
        (bytes, bad, n) => {
          const text = base64urlEncode(bytes)
          const index = n % text.length
          // Replaced (same length) and inserted.
          assert.equal(
            base64urlDecode(text.slice(0, index) + bad + text.slice(index + 1)),
            undefined,
          )
          assert.equal(base64urlDecode(text.slice(0, index) + bad + text.slice(index)), undefined)
        },
      ),
      RUNS,
    )
    for (const text of [
      'YQ==',
      'YWE=',
      'YW+h',
      'YW/h',
      'YW h',
      'YW.h',
      'YWFh\n',
      ' YWFh',
      'ＹＷＦｈ',
    ]) {
      assert.equal(base64urlDecode(text), undefined, JSON.stringify(text))
    }
  })

  it('non-canonical trailing bits are rejected', () => {
    assert.deepEqual(asBytes(base64urlDecode('YQ')), [0x61])
    assert.deepEqual(asBytes(base64urlDecode('YWE')), [0x61, 0x61])
    for (const text of ['YR', 'YS', 'YT', 'Yf', 'YWF', 'YWG', 'YWH']) {
      assert.equal(base64urlDecode(text), undefined, text)
    }
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 60 }).filter((b) => b.length % 3 !== 0),
        fc.integer({ min: 1, max: 15 }),
        (bytes, bits) => {
          const text = base64urlEncode(bytes)
          const mask = text.length % 4 === 2 ? 15 : 3
          fc.pre((bits & mask) !== 0)
          const last = ALPHABET.indexOf(text.slice(-1))
          const changed = text.slice(0, -1) + ALPHABET.charAt(last | (bits & mask))
          assert.equal(base64urlDecode(changed), undefined)
        },
      ),
      RUNS,
    )
  })

  it('a length of 1 mod 4 is rejected', () => {
    fc.assert(
      fc.property(
        fc
          .string({ unit: fc.constantFrom(...Array.from(ALPHABET)), maxLength: 41 })
          .filter((s) => s.length % 4 === 1),
        (text) => {
          assert.equal(base64urlDecode(text), undefined)
        },
      ),
      RUNS,
    )
  })

  it('the node:crypto backend agrees with the portable codec on every string', () => {
    fc.assert(
      fc.property(
        fc.oneof(nearlyBase64url, fc.string({ unit: 'binary', maxLength: 20 })),
        (text) => {
          assert.deepEqual(
            asBytes(node.base64urlDecode(text)),
            asBytes(base64urlDecode(text)),
            text,
          )
        },
      ),
      { numRuns: 1000 },
    )
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 100 }),
        fc.nat(),
        fc.constantFrom(...Array.from(ALPHABET)),
        (bytes, n, c) => {
          const text = base64urlEncode(bytes)
          assert.equal(node.base64urlEncode(bytes), text)
          const index = text.length === 0 ? 0 : n % text.length
          const changed = text.slice(0, index) + c + text.slice(index + 1)
          assert.deepEqual(
            asBytes(node.base64urlDecode(changed)),
            asBytes(base64urlDecode(changed)),
          )
        },
      ),
      RUNS,
    )
  })

  it('the node:crypto backend rejects every non-canonical last character, as the portable codec does', () => {
    // Every last character on every prefix shape (remainder 2 and 3), not a sample: each
    // value with any of the unused low bits set must be rejected by both decoders.
    for (const prefix of ['', 'AAAA', '-_-_']) {
      for (const body of ['Y', 'YW', '_', '__', '-', '--', '9', '99']) {
        for (const c of ALPHABET) {
          const text = prefix + body + c
          const mask = text.length % 4 === 2 ? 15 : 3
          const canonical = (ALPHABET.indexOf(c) & mask) === 0
          const portable = base64urlDecode(text)
          assert.equal(portable !== undefined, canonical, text)
          assert.deepEqual(asBytes(node.base64urlDecode(text)), asBytes(portable), text)
        }
      }
    }
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 60 }).filter((b) => b.length % 3 !== 0),
        fc.constantFrom(...Array.from(ALPHABET)),
        (bytes, c) => {
          const text = base64urlEncode(bytes).slice(0, -1) + c
          assert.deepEqual(
            asBytes(node.base64urlDecode(text)),
            asBytes(base64urlDecode(text)),
            text,
          )
        },
      ),
      RUNS,
    )
  })

  it('the node:crypto backend encodes views of a larger buffer correctly', () => {
    const whole = Uint8Array.from({ length: 32 }, (_, i) => i)
    const view = whole.subarray(5, 17)
    assert.equal(node.base64urlEncode(view), base64urlEncode(Uint8Array.from(view)))
  })
})

// Runtimes with Uint8Array's own base64 (Deno, Bun, workerd) encode with it; Node 20 and 24
// have none, so the encoder in use here is the portable one. test/runtimes.test.ts runs the
// native one, through the cookie stores, on those runtimes.
describe('base64url encoders', () => {
  it('the portable encoder agrees with Buffer and with the encoder in use', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        assert.equal(portableBase64urlEncode(bytes), Buffer.from(bytes).toString('base64url'))
        assert.equal(base64urlEncode(bytes), portableBase64urlEncode(bytes))
      }),
      RUNS,
    )
  })
})

describe('UTF-8', () => {
  it('round-trips text and refuses invalid bytes instead of inserting U+FFFD', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 50 }), (text) => {
        assert.equal(utf8Decode(utf8Encode(text)), text)
      }),
      RUNS,
    )
    for (const bytes of [[0xff], [0xc3], [0xed, 0xa0, 0x80], [0xc0, 0x80], [0x61, 0x80]]) {
      assert.equal(utf8Decode(Uint8Array.from(bytes)), undefined, JSON.stringify(bytes))
    }
    // A BOM is content, not something to strip.
    assert.equal(utf8Decode(Uint8Array.of(0xef, 0xbb, 0xbf, 0x61)), '\uFEFFa')
  })
})
