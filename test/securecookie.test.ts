// The securecookie codec beyond the Go vectors: option and key checks, rotation
// (codecsFromPairs, encodeMulti, decodeMulti, MultiError), Go's base64 decoder, and property
// tests (random values round-trip; flipped bits, truncation and wrong names are decode errors).
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'

import fc from 'fast-check'

import {
  codecsFromPairs,
  createSecureCookie,
  decodeMulti,
  decodeMultiDetailed,
  encodeMulti,
  goBase64UrlDecode,
  goBase64UrlEncode,
  SecureCookieError,
  SecureCookieMultiError,
  type GoSerializer,
} from '../src/securecookie.ts'
import {
  AES256_KEY,
  HASH_KEY,
  SEED_VECTORS,
  TS,
  unb64,
  b64url,
} from './support/securecookie-vectors.ts'

const PATHS = ['node', 'web'] as const
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s)

function usageError(fn: () => unknown, message: string | RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof SecureCookieError, String(error))
    assert.equal(error.kind, 'usage')
    assert.ok(error.isUsage())
    if (typeof message === 'string') assert.equal(error.goMessage, message)
    else assert.match(error.goMessage, message)
    return true
  })
}

async function rejection(promise: () => unknown): Promise<SecureCookieError> {
  try {
    await promise()
  } catch (error) {
    assert.ok(error instanceof SecureCookieError, String(error))
    return error
  }
  assert.fail('expected a SecureCookieError')
}

describe('createSecureCookie: setup fails fast (Go defers these errors)', () => {
  it('requires a hash key', () => {
    usageError(() => createSecureCookie({ hashKey: '' }), 'securecookie: hash key is not set')
    usageError(
      () => createSecureCookie({ hashKey: new Uint8Array(0) }),
      'securecookie: hash key is not set',
    )
    usageError(
      () => createSecureCookie({} as unknown as { hashKey: string }),
      'securecookie: hash key is not set',
    )
    usageError(
      () => createSecureCookie({ hashKey: 42 as unknown as string }),
      /hashKey must be a Uint8Array or a string/,
    )
  })

  it('requires a 16, 24 or 32 byte block key (Go: crypto/aes KeySizeError)', () => {
    for (const size of [0, 5, 15, 17, 31, 33, 64]) {
      usageError(
        () => createSecureCookie({ hashKey: HASH_KEY, blockKey: new Uint8Array(size) }),
        `securecookie: error - caused by: crypto/aes: invalid key size ${size}`,
      )
    }
    for (const size of [16, 24, 32]) {
      assert.ok(createSecureCookie({ hashKey: HASH_KEY, blockKey: new Uint8Array(size) }).encrypted)
    }
    assert.equal(createSecureCookie({ hashKey: HASH_KEY, blockKey: null }).encrypted, false)
  })

  it('checks the options', () => {
    usageError(() => createSecureCookie({ hashKey: HASH_KEY, maxLength: -1 }), /maxLength/)
    usageError(() => createSecureCookie({ hashKey: HASH_KEY, maxAge: 1.5 }), /maxAge/)
    usageError(() => createSecureCookie({ hashKey: HASH_KEY, minAge: Number.NaN }), /minAge/)
    usageError(
      () => createSecureCookie({ hashKey: HASH_KEY, hash: 'md5' as unknown as 'sha1' }),
      /unsupported hash md5/,
    )
    usageError(
      () => createSecureCookie({ hashKey: HASH_KEY, serializer: {} as GoSerializer }),
      /serializer/,
    )
  })

  it('has gorilla defaults: sha256, 30 days, 4096, no minAge', () => {
    const codec = createSecureCookie({ hashKey: HASH_KEY })
    assert.equal(codec.hash, 'sha256')
    assert.equal(codec.maxAge, 2_592_000)
    assert.equal(codec.minAge, 0)
    assert.equal(codec.maxLength, 4096)
    assert.equal(codec.encrypted, false)
  })

  it("does not keep a reference to the caller's key bytes", async () => {
    const key = new Uint8Array(32).fill(1)
    const codec = createSecureCookie({ hashKey: key, now: () => TS * 1000 })
    const before = await codec.encode('n', 'v')
    key.fill(2)
    assert.equal(await codec.encode('n', 'v'), before)
  })
})

for (const crypto of PATHS) {
  describe(`codec behaviour [${crypto}]`, () => {
    const now = () => TS * 1000
    it('supports sha1 and sha384 HMACs (MAC length checked)', async () => {
      for (const hash of ['sha1', 'sha384'] as const) {
        const codec = createSecureCookie({ hashKey: HASH_KEY, hash, now, crypto })
        const encoded = await codec.encode('n', { a: 1 })
        const raw = unb64(encoded)
        assert.equal(raw.length - raw.lastIndexOf(0x7c) - 1 >= 0, true)
        assert.deepStrictEqual(await codec.decode('n', encoded), { a: 1 })
        const other = createSecureCookie({ hashKey: HASH_KEY, now, crypto })
        const error = await rejection(() => other.decode('n', encoded))
        assert.equal(error.goMessage, 'securecookie: the value is not valid')
      }
    })

    it('uses fresh random IVs by default (two encodings differ, both decode)', async () => {
      const codec = createSecureCookie({ hashKey: HASH_KEY, blockKey: AES256_KEY, crypto })
      const a = await codec.encode('n', 'same')
      const b = await codec.encode('n', 'same')
      assert.notEqual(a, b)
      assert.equal(await codec.decode('n', a), 'same')
      assert.equal(await codec.decode('n', b), 'same')
    })

    it('a failing IV source is an internal error', async () => {
      const bad = createSecureCookie({
        hashKey: HASH_KEY,
        blockKey: AES256_KEY,
        crypto,
        randomBytes: () => new Uint8Array(3),
      })
      const error = await rejection(() => bad.encode('n', 'v'))
      assert.equal(error.kind, 'internal')
      assert.equal(
        error.goMessage,
        'securecookie: error - caused by: securecookie: failed to generate random iv',
      )
    })

    it('serializer errors are usage on encode, decode on decode, double-wrapped', async () => {
      const broken: GoSerializer = {
        serialize() {
          throw new Error('gob: type not registered for interface: main.X')
        },
        deserialize() {
          throw new Error('gob: bad data')
        },
      }
      const codec = createSecureCookie({ hashKey: HASH_KEY, now, crypto, serializer: broken })
      const enc = await rejection(() => codec.encode('n', 1))
      assert.equal(enc.kind, 'usage')
      assert.equal(
        enc.goMessage,
        'securecookie: error - caused by: securecookie: error - caused by: gob: type not registered for interface: main.X',
      )
      const json = createSecureCookie({ hashKey: HASH_KEY, now, crypto })
      const dec = await rejection(async () => codec.decode('n', await json.encode('n', 1)))
      assert.equal(dec.kind, 'decode')
      assert.equal(
        dec.goMessage,
        'securecookie: error - caused by: securecookie: error - caused by: gob: bad data',
      )
      const nan = await rejection(() => json.encode('n', Number.NaN))
      assert.equal(
        nan.goMessage,
        'securecookie: error - caused by: securecookie: error - caused by: json: unsupported value: NaN',
      )
    })

    it('maxLength counts UTF-8 bytes like Go len(string)', async () => {
      const codec = createSecureCookie({ hashKey: HASH_KEY, now, crypto, maxLength: 10 })
      const error = await rejection(() => codec.decode('n', 'é'.repeat(6)))
      assert.equal(error.goMessage, 'securecookie: the value is too long: 12')
      assert.equal(error.kind, 'decode')
      const base64 = await rejection(() => codec.decode('n', 'éé'))
      assert.equal(
        base64.goMessage,
        'securecookie: base64 decode failed - caused by: illegal base64 data at input byte 0',
      )
    })

    it('names may contain "|" and non-ASCII; the MAC binds them', async () => {
      const codec = createSecureCookie({ hashKey: HASH_KEY, now, crypto })
      for (const name of ['a|b', 'ü', '|']) {
        const encoded = await codec.encode(name, 'v')
        assert.equal(await codec.decode(name, encoded), 'v')
        const error = await rejection(() => codec.decode(`${name}x`, encoded))
        assert.equal(error.goMessage, 'securecookie: the value is not valid')
      }
    })

    it('raw values with fewer than two pipes are "not valid"', async () => {
      const codec = createSecureCookie({ hashKey: HASH_KEY, now, crypto })
      for (const raw of ['', 'abc', '1700000000|abc']) {
        const error = await rejection(() => codec.decode('n', b64url(utf8(raw))))
        assert.equal(error.goMessage, 'securecookie: the value is not valid')
      }
    })

    it('non-string input is a decode error, never a crash', async () => {
      const codec = createSecureCookie({ hashKey: HASH_KEY, now, crypto })
      const error = await rejection(() => codec.decode('n', undefined as unknown as string))
      assert.equal(error.kind, 'decode')
    })
  })

  describe(`key rotation [${crypto}]`, () => {
    const now = () => TS * 1000
    const OLD = 'old-hash-key-old-hash-key-000000'
    const NEW = 'new-hash-key-new-hash-key-000000'

    it('codecsFromPairs: pairs, odd count, null block keys, shared settings for every codec', () => {
      const codecs = codecsFromPairs([NEW, AES256_KEY, OLD, null, 'third'], {
        maxAge: 60,
        maxLength: 8000,
        crypto,
      })
      assert.equal(codecs.length, 3)
      assert.deepStrictEqual(
        codecs.map((c) => [c.encrypted, c.maxAge, c.maxLength]),
        [
          [true, 60, 8000],
          [false, 60, 8000],
          [false, 60, 8000],
        ],
      )
      usageError(() => codecsFromPairs([]), 'securecookie: no codecs provided')
      usageError(() => codecsFromPairs(['', null]), 'securecookie: hash key is not set')
    })

    it("a JSON cookie from the old key still decodes after rotation (Go's trap fixed)", async () => {
      const [oldCodec] = codecsFromPairs([OLD], { now, crypto })
      const cookie = await encodeMulti('n', { user: 1 }, [oldCodec!])
      const rotated = codecsFromPairs([NEW, null, OLD], { now, crypto })
      assert.deepStrictEqual(await decodeMulti('n', cookie, rotated), { user: 1 })
      const detailed = await decodeMultiDetailed('n', cookie, rotated)
      assert.equal(detailed.codecIndex, 1)
      assert.equal(detailed.timestamp, TS)
      // encodeMulti writes with the first codec.
      const fresh = await encodeMulti('n', { user: 1 }, rotated)
      assert.equal((await decodeMultiDetailed('n', fresh, rotated)).codecIndex, 0)
    })

    it('encodeMulti falls back to the next codec when one fails, like Go', async () => {
      const tiny = createSecureCookie({ hashKey: NEW, maxLength: 10, now, crypto })
      const big = createSecureCookie({ hashKey: OLD, now, crypto })
      const cookie = await encodeMulti('n', 'v', [tiny, big])
      assert.equal(await big.decode('n', cookie), 'v')
    })

    it('MultiError messages and kinds follow Go', async () => {
      const codecs = codecsFromPairs([NEW, null, OLD, null, HASH_KEY], { now, crypto })
      const two = await rejection(() => decodeMulti('n', SEED_VECTORS.V2, codecs.slice(0, 2)))
      assert.ok(two instanceof SecureCookieMultiError)
      assert.equal(two.goMessage, 'securecookie: the value is not valid (and 1 other error)')
      assert.ok(two.isDecode())
      assert.equal(two.errors.length, 2)
      assert.deepStrictEqual(two.cause, two.errors)
      const one = await rejection(() => decodeMulti('n', SEED_VECTORS.V2, codecs.slice(0, 1)))
      assert.equal(one.goMessage, 'securecookie: the value is not valid')
      const three = await rejection(() => decodeMulti('other', SEED_VECTORS.V2, codecs))
      assert.equal(three.goMessage, 'securecookie: the value is not valid (and 2 other errors)')
      // With the right key among them, the last codec succeeds.
      assert.equal(await decodeMulti('session-name', SEED_VECTORS.V2, codecs), 'hello')
      usageError(() => decodeMulti('n', 'x', []), 'securecookie: no codecs provided')
      usageError(() => encodeMulti('n', 'x', []), 'securecookie: no codecs provided')
      const enc = await rejection(() => encodeMulti('n', Number.NaN, codecs.slice(0, 2)))
      assert.ok(enc.isUsage())
      assert.ok(!enc.isDecode())
      assert.match(enc.goMessage, /json: unsupported value: NaN \(and 1 other error\)$/)
    })
  })
}

describe("Go's base64 (URLEncoding, padded, non-strict)", () => {
  const decode = (text: string) => goBase64UrlDecode(utf8(text))
  it('encodes with padding', () => {
    assert.equal(goBase64UrlEncode(utf8('')), '')
    assert.equal(goBase64UrlEncode(utf8('f')), 'Zg==')
    assert.equal(goBase64UrlEncode(utf8('fo')), 'Zm8=')
    assert.equal(goBase64UrlEncode(new Uint8Array([0xfb, 0xff])), '-_8=')
  })
  it("decodes like Go, with Go's error offsets", () => {
    const ok = (text: string, expected: number[]) => {
      const result = decode(text)
      assert.ok(result.ok, text)
      assert.deepStrictEqual([...result.bytes], expected)
    }
    const bad = (text: string, offset: number) => {
      assert.deepStrictEqual(decode(text), { ok: false, offset })
    }
    ok('', [])
    ok('Zg==', [0x66])
    ok('Zm8=', [0x66, 0x6f])
    ok('Zh==', [0x66]) // non-zero trailing bits accepted (not Strict)
    ok('Zm9=', [0x66, 0x6f])
    ok('Z\r\ng=\n=\r', [0x66])
    ok('\n\n', [])
    bad('Zg', 0)
    bad('Zg=', 3)
    bad('Zm9v\nZg', 5)
    bad('Z', 0)
    bad('Zg==Zg==', 4)
    bad('Zg==\nx', 5)
    bad('=Zg=', 0)
    bad('Z===', 1)
    bad('Zm8=x', 4)
    bad('Zg=x', 2)
    bad('Zm+v', 2)
    bad('Zm/v', 2)
    bad('Zm v', 2)
  })
})

describe('property tests', () => {
  const value = fc.jsonValue({ maxDepth: 3 }).filter((v) => !Object.is(v, -0))
  const name = fc.string({ minLength: 0, maxLength: 20 })

  for (const crypto of PATHS) {
    for (const blockKey of [undefined, AES256_KEY]) {
      const label = `${crypto}, ${blockKey === undefined ? 'signed' : 'AES-256-CTR'}`
      const codec = createSecureCookie({
        hashKey: HASH_KEY,
        ...(blockKey === undefined ? {} : { blockKey }),
        crypto,
        maxLength: 0,
      })

      it(`random values round-trip (${label})`, async () => {
        await fc.assert(
          fc.asyncProperty(name, value, async (n, v) => {
            assert.deepStrictEqual(await codec.decode(n, await codec.encode(n, v)), v)
          }),
          { numRuns: 100 },
        )
      })

      it(`flipped bits, truncation and wrong names are decode errors (${label})`, async () => {
        await fc.assert(
          fc.asyncProperty(
            name,
            value,
            fc.nat(),
            fc.nat(),
            name,
            async (n, v, bitSeed, cut, other) => {
              const encoded = await codec.encode(n, v)
              const raw = unb64(encoded)
              // Flip one bit of the raw value anywhere (timestamp, inner, pipes or MAC).
              const bit = bitSeed % (raw.length * 8)
              const flipped = Uint8Array.from(raw)
              flipped[bit >> 3] = (flipped[bit >> 3] ?? 0) ^ (0x80 >> (bit & 7))
              const e1 = await rejection(() => codec.decode(n, b64url(flipped)))
              assert.ok(e1.isDecode(), e1.goMessage)
              // Truncate the encoded string.
              const at = cut % encoded.length
              const e2 = await rejection(() => codec.decode(n, encoded.slice(0, at)))
              assert.ok(e2.isDecode(), e2.goMessage)
              // Another name.
              if (other !== n) {
                const e3 = await rejection(() => codec.decode(other, encoded))
                assert.equal(e3.goMessage, 'securecookie: the value is not valid')
              }
            },
          ),
          { numRuns: 100 },
        )
      })
    }
  }
})
