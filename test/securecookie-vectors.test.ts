// Every Go-made securecookie vector, both directions, on node:crypto and on Web Crypto; plus
// go-seeds.md §4.3 (seed vectors V1–V7, timestamp boundaries, other observed decode results).
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'

import {
  createSecureCookie,
  SecureCookieError,
  type SecureCookieOptions,
} from '../src/securecookie.ts'
import {
  AES128_KEY,
  AES256_KEY,
  craftCookie,
  ERROR_VECTORS,
  fixedIv,
  HASH_KEY,
  innerOf,
  SECURECOOKIE_VECTORS,
  SEED_VECTORS,
  TS,
  V1_VALUE,
  V7_VALUE,
} from './support/securecookie-vectors.ts'

const PATHS = ['node', 'web'] as const

async function decodeError(
  promise: () => unknown,
  kind: 'decode' | 'usage' | 'internal',
  message: string,
): Promise<SecureCookieError> {
  try {
    await promise()
  } catch (error) {
    assert.ok(
      error instanceof SecureCookieError,
      `expected SecureCookieError, got ${String(error)}`,
    )
    assert.equal(error.goMessage, message)
    assert.equal(error.message, message)
    assert.equal(error.kind, kind)
    assert.equal(error.code, `ERR_SECURECOOKIE_${kind.toUpperCase()}`)
    return error
  }
  assert.fail(`expected "${message}"`)
}

describe('gorilla/securecookie vectors', () => {
  it('has the 48 securecookie vectors and 1 error vector', () => {
    assert.equal(SECURECOOKIE_VECTORS.length, 48)
    assert.equal(ERROR_VECTORS.length, 1)
  })

  for (const crypto of PATHS) {
    describe(`[${crypto}]`, () => {
      for (const [index, v] of SECURECOOKIE_VECTORS.entries()) {
        const title = `#${index} ${v.note}, ${v.hash}, ${v.blockKey === undefined || v.blockKey === '' ? 'no block key' : `AES-${v.blockKey.length * 8}-CTR`}`
        const options: SecureCookieOptions = {
          hashKey: v.hashKey,
          ...(v.blockKey === undefined || v.blockKey === '' ? {} : { blockKey: v.blockKey }),
          hash: v.hash,
          now: () => v.timestamp * 1000,
          randomBytes: fixedIv(v.ivHex),
          crypto,
        }

        it(`${title}: encode → exact bytes`, async () => {
          const codec = createSecureCookie(options)
          assert.equal(codec.backend, crypto)
          assert.equal(await codec.encode(v.name, v.value), v.encoded)
        })

        it(`${title}: decode → exact value`, async () => {
          const codec = createSecureCookie(options)
          assert.deepStrictEqual(await codec.decode(v.name, v.encoded), v.value)
          const detailed = await codec.decodeWithTimestamp(v.name, v.encoded)
          assert.equal(detailed.timestamp, v.timestamp)
        })
      }

      for (const v of ERROR_VECTORS) {
        it(`error vector: ${v.note}`, async () => {
          const codec = createSecureCookie({
            hashKey: v.hashKey,
            now: () => v.timestamp * 1000,
            crypto,
          })
          // go-seeds.md §2.4: raw = ts | b64(json) | mac, out = b64(raw).
          const json = v.value.length + 3
          const raw = String(v.timestamp).length + 1 + 4 * Math.ceil(json / 3) + 1 + 32
          const length = 4 * Math.ceil(raw / 3)
          const error = await decodeError(
            () => codec.encode(v.name, v.value),
            'usage',
            // 1.1.2 appends the length to the 1.1.1 text the vector holds.
            `${v.error}: ${length}`,
          )
          assert.ok(error.goMessage.startsWith(v.error))
          // The same value is fine without a limit.
          const unlimited = createSecureCookie({
            hashKey: v.hashKey,
            now: () => v.timestamp * 1000,
            maxLength: 0,
            crypto,
          })
          const encoded = await unlimited.encode(v.name, v.value)
          assert.equal(encoded.length, length)
          await decodeError(
            () => codec.decode(v.name, encoded),
            'decode',
            `securecookie: the value is too long: ${length}`,
          )
          assert.equal(await unlimited.decode(v.name, encoded), v.value)
        })
      }
    })
  }
})

describe('go-seeds.md §4.3', () => {
  for (const crypto of PATHS) {
    describe(`[${crypto}]`, () => {
      const base = { hashKey: HASH_KEY, now: () => TS * 1000, crypto } as const
      const iv11 = fixedIv('11'.repeat(16))
      const cases: [string, SecureCookieOptions, string, unknown][] = [
        ['V1 HMAC-SHA256, map with HTML', base, 'session-name', V1_VALUE],
        ['V2 HMAC-SHA256, "hello"', base, 'session-name', 'hello'],
        [
          'V3 AES-256-CTR',
          { ...base, blockKey: AES256_KEY, randomBytes: iv11 },
          'session-name',
          'hello',
        ],
        [
          'V4 AES-128-CTR',
          { ...base, blockKey: AES128_KEY, randomBytes: iv11 },
          'session-name',
          V1_VALUE,
        ],
        ['V5 HMAC-SHA512', { ...base, hash: 'sha512' }, 'session-name', 'hello'],
        ['V6 empty cookie name', base, '', 'hello'],
        ['V7 unicode, floats, null, nested', base, 'session-name', V7_VALUE],
      ]
      for (const [index, [title, options, name, value]] of cases.entries()) {
        const expected = Object.values(SEED_VECTORS)[index] ?? ''
        it(`${title}: both directions`, async () => {
          const codec = createSecureCookie(options)
          assert.equal(await codec.encode(name, value), expected)
          assert.deepStrictEqual(await codec.decode(name, expected), value)
        })
      }

      describe('timestamp boundaries (decoding V2)', () => {
        const at = (offset: number, extra: Partial<SecureCookieOptions> = {}) =>
          createSecureCookie({
            hashKey: HASH_KEY,
            now: () => (TS + offset) * 1000,
            crypto,
            ...extra,
          })
        it('age == maxAge (100) is accepted', async () => {
          assert.equal(
            await at(100, { maxAge: 100 }).decode('session-name', SEED_VECTORS.V2),
            'hello',
          )
        })
        it('age 101 > maxAge 100 is expired', async () => {
          await decodeError(
            () => at(101, { maxAge: 100 }).decode('session-name', SEED_VECTORS.V2),
            'decode',
            'securecookie: expired timestamp',
          )
        })
        it('100000 s in the future with minAge 0 is accepted', async () => {
          assert.equal(await at(-100_000).decode('session-name', SEED_VECTORS.V2), 'hello')
        })
        it('1 s in the future with minAge 1 is too new', async () => {
          await decodeError(
            () => at(-1, { minAge: 1 }).decode('session-name', SEED_VECTORS.V2),
            'decode',
            'securecookie: timestamp is too new',
          )
        })
        it('age == minAge (10) is accepted, age 9 < minAge 10 is too new', async () => {
          assert.equal(
            await at(10, { minAge: 10 }).decode('session-name', SEED_VECTORS.V2),
            'hello',
          )
          await decodeError(
            () => at(9, { minAge: 10 }).decode('session-name', SEED_VECTORS.V2),
            'decode',
            'securecookie: timestamp is too new',
          )
        })
        it('maxAge 0 disables the check (age 1e9)', async () => {
          assert.equal(
            await at(1e9, { maxAge: 0 }).decode('session-name', SEED_VECTORS.V2),
            'hello',
          )
        })
        it('the default maxAge is 30 days, inclusive', async () => {
          assert.equal(await at(2_592_000).decode('session-name', SEED_VECTORS.V2), 'hello')
          await decodeError(
            () => at(2_592_001).decode('session-name', SEED_VECTORS.V2),
            'decode',
            'securecookie: expired timestamp',
          )
        })
        it('a negative maxAge rejects everything, as in Go', async () => {
          await decodeError(
            () => at(0, { maxAge: -1 }).decode('session-name', SEED_VECTORS.V2),
            'decode',
            'securecookie: expired timestamp',
          )
        })
      })

      describe('other observed decode results', () => {
        const codec = createSecureCookie(base)
        it('V2 without its "=" → base64 error at byte 72', async () => {
          await decodeError(
            () => codec.decode('session-name', SEED_VECTORS.V2.slice(0, -1)),
            'decode',
            'securecookie: base64 decode failed - caused by: illegal base64 data at input byte 72',
          )
        })
        it('V2 with \\r\\n inserted decodes', async () => {
          const v = SEED_VECTORS.V2
          for (const at of [0, 1, 10, 40, v.length - 1, v.length]) {
            const broken = `${v.slice(0, at)}\r\n${v.slice(at)}`
            assert.equal(await codec.decode('session-name', broken), 'hello')
          }
        })
        it('V2 with -_ replaced by +/ → base64 error at the first replaced byte', async () => {
          const v = SEED_VECTORS.V2
          const std = v.replaceAll('-', '+').replaceAll('_', '/')
          const first = std.search(/[+/]/)
          await decodeError(
            () => codec.decode('session-name', std),
            'decode',
            `securecookie: base64 decode failed - caused by: illegal base64 data at input byte ${first}`,
          )
        })
        it('MAC-valid payload with trailing garbage decodes the first value', async () => {
          const cookie = craftCookie({
            name: 'n',
            ts: String(TS),
            inner: innerOf('{"a":1} garbage'),
          })
          assert.deepStrictEqual(await codec.decode('n', cookie), { a: 1 })
        })
        it('payload without a trailing newline decodes', async () => {
          const cookie = craftCookie({ name: 'n', ts: String(TS), inner: innerOf('{"a":2}') })
          assert.deepStrictEqual(await codec.decode('n', cookie), { a: 2 })
        })
        it('ts "+1700000000" and "0001700000000" are accepted (strconv.ParseInt)', async () => {
          for (const ts of ['+1700000000', '0001700000000']) {
            const cookie = craftCookie({ name: 'n', ts, inner: innerOf('"x"\n') })
            assert.equal(await codec.decode('n', cookie), 'x')
          }
        })
        it('zero-padded timestamps of any length parse like strconv.ParseInt', async () => {
          const detailed = createSecureCookie({ ...base, maxAge: 0, maxLength: 0 })
          const zeros = '0'.repeat(40)
          const accepted: [string, number][] = [
            [`${zeros}${TS}`, TS],
            [`+${zeros}${TS}`, TS],
            [`-${zeros}1`, -1],
            [`${zeros}0`, 0],
            ['-0', 0],
            ['0'.repeat(5000) + String(TS), TS],
          ]
          for (const [ts, expected] of accepted) {
            const cookie = craftCookie({ name: 'n', ts, inner: innerOf('"x"\n') })
            const out = await detailed.decodeWithTimestamp('n', cookie)
            assert.equal(out.value, 'x', ts.slice(0, 60))
            assert.equal(out.timestamp, expected, ts.slice(0, 60))
          }
          // int64 bounds still apply after the zeros; a sign needs digits after it.
          const int64Min = await detailed.decodeWithTimestamp(
            'n',
            craftCookie({ name: 'n', ts: `-${zeros}9223372036854775808`, inner: innerOf('"x"\n') }),
          )
          assert.equal(int64Min.value, 'x')
          for (const ts of [
            `${zeros}9223372036854775808`,
            `-${zeros}9223372036854775809`,
            `${zeros}10000000000000000000`,
            '+',
            '-',
            '+-1',
            `${zeros}x`,
          ]) {
            const cookie = craftCookie({ name: 'n', ts, inner: innerOf('"x"\n') })
            await decodeError(
              () => detailed.decode('n', cookie),
              'decode',
              'securecookie: invalid timestamp',
            )
          }
        })
        it('ts "abc", "", " 1", "1_700", "1e9" and out-of-int64 → invalid timestamp', async () => {
          for (const ts of [
            'abc',
            '',
            ' 1700000000',
            '1_700000000',
            '1e9',
            '9223372036854775808',
          ]) {
            const cookie = craftCookie({ name: 'n', ts, inner: innerOf('"x"\n') })
            await decodeError(
              () => codec.decode('n', cookie),
              'decode',
              'securecookie: invalid timestamp',
            )
          }
        })
        it('int64 extremes parse; the far future passes, the far past expires', async () => {
          const future = craftCookie({
            name: 'n',
            ts: '9223372036854775807',
            inner: innerOf('"x"\n'),
          })
          assert.equal(await codec.decode('n', future), 'x')
          const past = craftCookie({
            name: 'n',
            ts: '-9223372036854775808',
            inner: innerOf('"x"\n'),
          })
          await decodeError(
            () => codec.decode('n', past),
            'decode',
            'securecookie: expired timestamp',
          )
        })
        it('unpadded inner → base64 error', async () => {
          const cookie = craftCookie({ name: 'n', ts: String(TS), inner: 'ImhlbGxvIgo' })
          await decodeError(
            () => codec.decode('n', cookie),
            'decode',
            'securecookie: base64 decode failed - caused by: illegal base64 data at input byte 8',
          )
        })
        it('encrypted empty plaintext: encode OK, decode "could not be decrypted"', async () => {
          const raw = {
            serialize: (v: unknown) => v as Uint8Array,
            deserialize: (b: Uint8Array) => b,
          }
          const aes = createSecureCookie({ ...base, blockKey: AES256_KEY, serializer: raw })
          const encoded = await aes.encode('n', new Uint8Array(0))
          await decodeError(
            () => aes.decode('n', encoded),
            'decode',
            'securecookie: the value could not be decrypted',
          )
          const one = await aes.encode('n', new Uint8Array([7]))
          assert.deepStrictEqual(await aes.decode('n', one), new Uint8Array([7]))
        })
        it('a hash-key-only codec verifies an encrypted cookie, then fails deserializing', async () => {
          await decodeError(
            () => codec.decode('session-name', SEED_VECTORS.V3),
            'decode',
            "securecookie: error - caused by: securecookie: error - caused by: invalid character '\\x11' looking for beginning of value",
          )
        })
        it('JSON deserialize error text is double-wrapped like Go', async () => {
          const cookie = craftCookie({ name: 'n', ts: String(TS), inner: innerOf('nope') })
          await decodeError(
            () => codec.decode('n', cookie),
            'decode',
            "securecookie: error - caused by: securecookie: error - caused by: invalid character 'o' in literal null (expecting 'u')",
          )
        })
        it('wrong name and tampering → the value is not valid', async () => {
          await decodeError(
            () => codec.decode('other', SEED_VECTORS.V2),
            'decode',
            'securecookie: the value is not valid',
          )
          await decodeError(
            () => codec.decode('', SEED_VECTORS.V2),
            'decode',
            'securecookie: the value is not valid',
          )
        })
        it('bad base64 at byte 0', async () => {
          await decodeError(
            () => codec.decode('n', '!!!!'),
            'decode',
            'securecookie: base64 decode failed - caused by: illegal base64 data at input byte 0',
          )
        })
      })
    })
  }
})
