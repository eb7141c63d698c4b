import assert from 'node:assert/strict'
import { describe, it } from 'node:test'

import fc from 'fast-check'

import {
  createKeyRing,
  createNodeCryptoBackend,
  createTokenCodec,
  createWebCryptoBackend,
  SessionConfigError,
  type InvalidCookieReason,
  type KeyRing,
  type OpenResult,
  type TokenCodec,
  type TokenCodecOptions,
  type TokenFormat,
} from '../src/index.ts'
import { describeEachBackend, type BackendName } from './support/backends.ts'
import {
  b64uDecode,
  b64uEncode,
  bytesToHex,
  concat,
  flipBit,
  headerLength,
  latin1,
  readU48,
  utf8,
  writeU48,
} from './support/bytes.ts'
import { manualClock, T0 } from './support/clock.ts'
import { KEY_A, KEY_B, KEY_C } from './support/keys.ts'

const FORMATS: readonly TokenFormat[] = ['sealed', 'signed']
const HOUR = 3_600_000
const EXPIRES = T0 + HOUR
const RUNS = { numRuns: 100 }
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

type Outcome = InvalidCookieReason | 'ok'

function outcome(result: OpenResult): Outcome {
  return result.ok ? 'ok' : result.reason
}

function payloadOf(result: OpenResult): Uint8Array {
  assert.ok(result.ok, `expected the token to open, got ${outcome(result)}`)
  return Uint8Array.from(result.payload)
}

function isConfigError(error: unknown): boolean {
  return (
    error instanceof SessionConfigError &&
    (error as { code: unknown }).code === 'ERR_SESSION_CONFIG'
  )
}

const RING_A: KeyRing = createKeyRing([{ id: 'k1', secret: KEY_A }])

describeEachBackend('token codec', (backend: BackendName) => {
  function setup(options: Partial<TokenCodecOptions> = {}) {
    const clock = manualClock()
    const codec = createTokenCodec({
      keys: RING_A,
      purpose: 'session',
      crypto: backend,
      now: clock.now,
      ...options,
    })
    return { clock, codec }
  }

  async function sealed(codec: TokenCodec, payload: string | Uint8Array, name = 'sid') {
    return codec.seal(name, payload, { expiresAt: EXPIRES })
  }

  async function open(codec: TokenCodec, token: string, name = 'sid'): Promise<Outcome> {
    return outcome(await codec.open(name, token))
  }

  it('reports its backend; node returns plain values, web returns promises', async () => {
    const { codec } = setup()
    assert.equal(codec.backend, backend)
    assert.equal(codec.format, 'sealed')
    assert.equal(codec.purpose, 'session')
    const token = codec.seal('sid', 'x', { expiresAt: EXPIRES })
    const opened = codec.open('sid', await token)
    if (backend === 'node') {
      assert.equal(typeof token, 'string')
      assert.ok(!(opened instanceof Promise))
    } else {
      assert.ok(token instanceof Promise)
      assert.ok(opened instanceof Promise)
    }
    assert.equal(outcome(await opened), 'ok')
  })

  it('CRY-01: round-trips any string and any bytes, for any cookie name', async () => {
    for (const format of FORMATS) {
      const { codec } = setup({ format })
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            fc.string({ unit: 'binary', maxLength: 300 }),
            fc.uint8Array({ maxLength: 300 }),
          ),
          fc.string({ minLength: 1, maxLength: 40 }),
          async (payload, name) => {
            const token = await codec.seal(name, payload, { expiresAt: EXPIRES })
            assert.match(token, /^[A-Za-z0-9_-]+$/)
            const result = await codec.open(name, token)
            const expected =
              typeof payload === 'string' ? new TextEncoder().encode(payload) : payload
            assert.deepEqual(payloadOf(result), Uint8Array.from(expected))
            assert.ok(result.ok)
            assert.equal(result.keyId, 'k1')
            assert.equal(result.issuedAt, T0)
            assert.equal(result.expiresAt, EXPIRES)
            assert.equal(result.rotated, false)
          },
        ),
        RUNS,
      )
    }
  })

  it('opening never throws, whatever the input string', async () => {
    const { codec } = setup()
    const signed = setup({ format: 'signed' }).codec
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 200 }),
          fc.base64String({ maxLength: 200 }),
          fc.uint8Array({ maxLength: 150 }).map(b64uEncode),
          // Looks like our header: format byte, kid length 2, "k1".
          fc
            .uint8Array({ maxLength: 120 })
            .map((tail) => b64uEncode(concat(Uint8Array.of(1, 2, 0x6b, 0x31), tail))),
          fc
            .uint8Array({ maxLength: 120 })
            .map((tail) => b64uEncode(concat(Uint8Array.of(2, 2, 0x6b, 0x31), tail))),
        ),
        async (token) => {
          for (const c of [codec, signed]) {
            const result = await c.open('sid', token)
            assert.equal(result.ok, false)
          }
        },
      ),
      { numRuns: 200 },
    )
  })

  it('CRY-02: flipping any bit of a token is rejected (property)', async () => {
    for (const format of FORMATS) {
      const { codec } = setup({ format })
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), fc.nat(), async (payload, n) => {
          const bytes = b64uDecode(await sealed(codec, payload))
          const bit = n % (bytes.length * 8)
          assert.notEqual(await open(codec, b64uEncode(flipBit(bytes, bit))), 'ok')
        }),
        RUNS,
      )
      await fc.assert(
        fc.asyncProperty(
          fc.uint8Array({ maxLength: 100 }),
          fc.nat(),
          fc.constantFrom(...Array.from(ALPHABET)),
          async (payload, n, char) => {
            const token = await sealed(codec, payload)
            const index = n % token.length
            fc.pre(token[index] !== char)
            const changed = token.slice(0, index) + char + token.slice(index + 1)
            assert.notEqual(await open(codec, changed), 'ok')
          },
        ),
        RUNS,
      )
    }
  })

  it('CRY-02, EXP-06: every single bit flip of a short token is rejected, by region', async () => {
    for (const format of FORMATS) {
      const { codec } = setup({ format })
      const bytes = b64uDecode(await sealed(codec, 'x'))
      const header = headerLength(bytes)
      assert.equal(header, 16)
      const seen = new Set<Outcome>()
      for (let bit = 0; bit < bytes.length * 8; bit++) {
        const result = await open(codec, b64uEncode(flipBit(bytes, bit)))
        seen.add(result)
        const byte = Math.floor(bit / 8)
        const where = `${format} byte ${byte} bit ${bit % 8}`
        if (byte === 0 || byte === 1) {
          assert.equal(result, 'malformed', where) // format and kid length
        } else if (byte < 4) {
          assert.ok(result === 'malformed' || result === 'unknown-key', `${where}: ${result}`)
        } else {
          // Times, IV, ciphertext, tag, payload and MAC are all authenticated.
          assert.equal(result, 'tampered', where)
        }
      }
      assert.ok(!seen.has('ok'))
    }
  })

  it('CRY-03: every truncation, and anything prepended or appended, is rejected', async () => {
    for (const format of FORMATS) {
      const { codec } = setup({ format })
      const token = await sealed(codec, '{"userId":"u_42"}')
      for (let length = 0; length < token.length; length++) {
        const result = await open(codec, token.slice(0, length))
        assert.ok(result === 'malformed' || result === 'tampered', `${format} cut at ${length}`)
      }
      for (let start = 1; start < token.length; start++) {
        assert.notEqual(await open(codec, token.slice(start)), 'ok', `${format} from ${start}`)
      }
      const extras = [
        'x',
        '.x',
        'A',
        'AA',
        'AAA',
        'AAAA',
        'AAAAAAAA',
        '=',
        '==',
        '.',
        ' ',
        '\n',
        '\0',
      ]
      for (const extra of extras) {
        assert.notEqual(
          await open(codec, token + extra),
          'ok',
          `${format} + ${JSON.stringify(extra)}`,
        )
        assert.notEqual(
          await open(codec, extra + token),
          'ok',
          `${JSON.stringify(extra)} + ${format}`,
        )
      }
      assert.notEqual(await open(codec, `x.${token}`), 'ok')
      assert.notEqual(await open(codec, token + token), 'ok')
      assert.notEqual(await open(codec, `${token}.${token}`), 'ok')
      assert.equal(await open(codec, ''), 'malformed')
    }
  })

  it('CRY-04: a token opens only under the cookie name and purpose it was made for', async () => {
    for (const format of FORMATS) {
      const { codec } = setup({ format })
      const token = await sealed(codec, 'payload', 'sid')
      assert.equal(await open(codec, token, 'sid'), 'ok')
      for (const name of ['other', 'SID', 'sid ', 'si', 'sidx', '']) {
        assert.equal(await open(codec, token, name), 'tampered', `${format} as ${name}`)
      }
      for (const purpose of ['csrf', 'flash', 'oauth-state', 'Session', 'session2']) {
        const other = setup({ format, purpose }).codec
        assert.equal(await open(other, token), 'tampered', `${format} as ${purpose}`)
        const reverse = await sealed(other, 'payload')
        assert.equal(await open(codec, reverse), 'tampered', `${format} from ${purpose}`)
      }
      // The context is length-prefixed: moving a character between purpose and name fails.
      const left = setup({ format, purpose: 'sessiona' }).codec
      const right = setup({ format, purpose: 'session' }).codec
      assert.equal(await open(right, await sealed(left, 'p', 'b'), 'ab'), 'tampered')
    }
  })

  it('CRY-05: a sealed token whose tag is cut to 4, 8, 12 or 15 bytes is rejected', async () => {
    const { codec } = setup({ format: 'sealed' })
    for (const payload of ['', 'x'.repeat(32)]) {
      const bytes = b64uDecode(await sealed(codec, payload))
      for (const tagLength of [0, 4, 8, 12, 15]) {
        const cut = bytes.subarray(0, bytes.length - 16 + tagLength)
        const result = await open(codec, b64uEncode(cut))
        assert.ok(result === 'malformed' || result === 'tampered', `tag ${tagLength}: ${result}`)
      }
    }
    // A signed token with a shortened MAC, likewise.
    const signed = setup({ format: 'signed' }).codec
    for (const payload of ['', 'x'.repeat(32)]) {
      const bytes = b64uDecode(await sealed(signed, payload))
      for (const macLength of [0, 4, 16, 20, 31]) {
        const cut = bytes.subarray(0, bytes.length - 32 + macLength)
        const result = await open(signed, b64uEncode(cut))
        assert.ok(result === 'malformed' || result === 'tampered', `mac ${macLength}: ${result}`)
      }
    }
  })

  it('CRY-05: the AEAD wrapper itself refuses a short tag, and a wrong IV length', async () => {
    const crypto = backend === 'node' ? createNodeCryptoBackend() : createWebCryptoBackend()
    assert.ok(crypto !== undefined)
    const key = await crypto.aeadKey(KEY_A)
    const iv = new Uint8Array(12).fill(7)
    const aad = utf8('aad')
    for (const length of [0, 1, 16, 32]) {
      const message = new Uint8Array(length).fill(0x42)
      const sealedBytes = await key.seal(iv, message, aad)
      assert.equal(sealedBytes.length, length + 16)
      assert.deepEqual(Uint8Array.from((await key.open(iv, sealedBytes, aad)) ?? []), message)
      for (const tagLength of [0, 1, 4, 8, 12, 15]) {
        const cut = sealedBytes.subarray(0, length + tagLength)
        assert.equal(await key.open(iv, cut, aad), undefined, `msg ${length} tag ${tagLength}`)
      }
      assert.equal(await key.open(iv.subarray(0, 8), sealedBytes, aad), undefined)
      assert.equal(await key.open(concat(iv, iv).subarray(0, 16), sealedBytes, aad), undefined)
      assert.equal(await key.open(iv, sealedBytes, utf8('other')), undefined)
    }
  })

  it('CRY-07: with a wrong key, any payload is "tampered" or "unknown-key", never a parse error', async () => {
    for (const format of FORMATS) {
      const { codec } = setup({ format })
      const sameId = setup({ format, keys: createKeyRing([{ id: 'k1', secret: KEY_B }]) }).codec
      const otherId = setup({ format, keys: createKeyRing([{ id: 'k2', secret: KEY_B }]) }).codec
      for (const garbage of ['{not json', '', '\u0000\uffff', 'null']) {
        assert.equal(await open(codec, await sealed(sameId, garbage)), 'tampered')
        assert.equal(await open(codec, await sealed(otherId, garbage)), 'unknown-key')
      }
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ maxLength: 100 }), async (payload) => {
          assert.equal(await open(codec, await sealed(sameId, payload)), 'tampered')
          assert.equal(await open(codec, await sealed(otherId, payload)), 'unknown-key')
        }),
        { numRuns: 50 },
      )
    }
  })

  it('CRY-08: 2000 seals of the same plaintext use 2000 distinct IVs', async () => {
    const { codec } = setup({ format: 'sealed' })
    const ivs = new Set<string>()
    const tokens = new Set<string>()
    for (let i = 0; i < 2000; i++) {
      const token = await sealed(codec, 'same plaintext')
      const bytes = b64uDecode(token)
      const start = headerLength(bytes)
      ivs.add(bytesToHex(bytes.subarray(start, start + 12)))
      tokens.add(token)
    }
    assert.equal(ivs.size, 2000)
    assert.equal(tokens.size, 2000)
  })

  it('CRY-09: only strict, canonical, unpadded base64url is accepted', async () => {
    for (const format of FORMATS) {
      const { codec } = setup({ format })
      // Tokens that contain '-' and '_', whose standard-base64 twins decode leniently to the
      // same bytes.
      let dash: string | undefined
      let underscore: string | undefined
      for (let i = 0; i < 1000 && (dash === undefined || underscore === undefined); i++) {
        const token = await sealed(codec, `payload ${i}`)
        if (token.includes('-')) dash ??= token
        if (token.includes('_')) underscore ??= token
      }
      assert.ok(dash !== undefined && underscore !== undefined)
      const variants: string[] = [dash.replaceAll('-', '+'), underscore.replaceAll('_', '/')]
      const token = dash
      const middle = Math.floor(token.length / 2)
      for (const insert of [' ', '\n', '\t', '\r\n', '.', '!', '=', '%', '\u00a0', 'Ａ']) {
        variants.push(token.slice(0, middle) + insert + token.slice(middle))
        variants.push(token + insert)
        variants.push(insert + token)
      }
      // Padding to a multiple of four.
      for (const t of [dash, underscore]) {
        if (t.length % 4 !== 0) variants.push(t + '='.repeat(4 - (t.length % 4)))
      }
      // A length of 1 mod 4 can never be base64url.
      variants.push(token + 'A'.repeat((5 - (token.length % 4)) % 4 || 4))
      // Non-canonical trailing bits: payload lengths 0-2 give both partial-group lengths.
      const partial = new Set<number>()
      for (const payload of ['', 'a', 'ab']) {
        const t = await sealed(codec, payload)
        const rest = t.length % 4
        if (rest === 0) continue
        partial.add(rest)
        const last = ALPHABET.indexOf(t.slice(-1))
        const mask = rest === 2 ? 15 : 3
        assert.equal(last & mask, 0)
        for (let bits = 1; bits <= mask; bits++) {
          variants.push(t.slice(0, -1) + ALPHABET.charAt(last | bits))
        }
      }
      assert.deepEqual([...partial].sort(), [2, 3])
      for (const variant of variants) {
        assert.equal(await open(codec, variant), 'malformed', JSON.stringify(variant))
      }
    }
  })

  it('CRY-11: a token of the other format or an unknown format byte is "malformed"', async () => {
    const sealedCodec = setup({ format: 'sealed' }).codec
    const signedCodec = setup({ format: 'signed' }).codec
    const sealedToken = await sealed(sealedCodec, 'x'.repeat(40))
    const signedToken = await sealed(signedCodec, 'x'.repeat(40))
    assert.equal(await open(sealedCodec, signedToken), 'malformed')
    assert.equal(await open(signedCodec, sealedToken), 'malformed')
    for (const token of [sealedToken, signedToken]) {
      const bytes = b64uDecode(token)
      for (const format of [0x00, 0x03, 0x10, 0x7f, 0x80, 0x81, 0xff]) {
        const changed = Uint8Array.from(bytes)
        changed[0] = format
        const forged = b64uEncode(changed)
        assert.equal(await open(sealedCodec, forged), 'malformed', `format ${format}`)
        assert.equal(await open(signedCodec, forged), 'malformed', `format ${format}`)
      }
    }
    // Relabelling a sealed token as signed (or back) gets it past the format check only to
    // fail authentication.
    const relabelled = b64uDecode(sealedToken)
    relabelled[0] = 0x02
    assert.equal(await open(signedCodec, b64uEncode(relabelled)), 'tampered')
    const relabelledBack = b64uDecode(signedToken)
    relabelledBack[0] = 0x01
    assert.equal(await open(sealedCodec, b64uEncode(relabelledBack)), 'tampered')
  })

  it('CRY-12: a sealed token does not contain the plaintext in any encoding', async () => {
    const secret = '{"card":"4111-1111-1111-1111","role":"admin"}'
    const plain = utf8(secret)
    const searches = (token: string): boolean[] => {
      const bytes = b64uDecode(token)
      // The plaintext's base64url at each of the three byte alignments, minus the edges.
      const b64 = [0, 1, 2].map((shift) => b64uEncode(plain.subarray(shift)).slice(2, -2))
      return [
        token.includes(secret),
        latin1(bytes).includes(secret),
        bytesToHex(bytes).includes(bytesToHex(plain)),
        b64.some((fragment) => token.includes(fragment)),
        token.includes('4111'),
        latin1(bytes).includes('admin'),
      ]
    }
    const sealedToken = await sealed(setup({ format: 'sealed' }).codec, secret)
    assert.deepEqual(searches(sealedToken), [false, false, false, false, false, false])
    // Control: the same searches do find a signed (readable) payload.
    const signedToken = await sealed(setup({ format: 'signed' }).codec, secret)
    const found = searches(signedToken)
    assert.equal(found[1], true)
    assert.equal(found[2], true)
    assert.equal(found[3], true)
  })

  it('EXP-05: expired exactly at expiresAt with clockTolerance 0', async () => {
    for (const format of FORMATS) {
      const { clock, codec } = setup({ format, clockTolerance: 0 })
      const token = await codec.seal('sid', 'x', { issuedAt: T0, expiresAt: T0 + 1000 })
      clock.ms = T0 + 999
      assert.equal(await open(codec, token), 'ok')
      clock.ms = T0 + 1000
      assert.equal(await open(codec, token), 'expired')
      clock.ms = T0 + 10 * HOUR
      assert.equal(await open(codec, token), 'expired')
    }
  })

  it('EXP-07: the clock tolerance extends expiry and admits issue times slightly ahead', async () => {
    for (const format of FORMATS) {
      const { clock, codec } = setup({ format, clockTolerance: 60 })
      const token = await codec.seal('sid', 'x', { issuedAt: T0, expiresAt: T0 + 1000 })
      clock.ms = T0 + 1000 + 60_000 - 1
      assert.equal(await open(codec, token), 'ok')
      clock.ms = T0 + 1000 + 60_000
      assert.equal(await open(codec, token), 'expired')

      // Issued in the future: accepted up to the tolerance, rejected beyond it.
      clock.ms = T0
      const ahead = await codec.seal('sid', 'x', { issuedAt: T0 + 60_000, expiresAt: T0 + HOUR })
      assert.equal(await open(codec, ahead), 'ok')
      const beyond = await codec.seal('sid', 'x', { issuedAt: T0 + 60_001, expiresAt: T0 + HOUR })
      assert.equal(await open(codec, beyond), 'not-yet-valid')

      const strict = setup({ format, clockTolerance: 0 }).codec
      const early = await strict.seal('sid', 'x', { issuedAt: T0 + 1, expiresAt: T0 + HOUR })
      assert.equal(await open(strict, early), 'not-yet-valid')
      const now = await strict.seal('sid', 'x', { issuedAt: T0, expiresAt: T0 + HOUR })
      assert.equal(await open(strict, now), 'ok')
    }
  })

  it('EXP-06: editing the issue or expiry time in the header is "tampered"', async () => {
    for (const format of FORMATS) {
      const { clock, codec } = setup({ format, clockTolerance: 0 })
      const token = await codec.seal('sid', 'x', { issuedAt: T0, expiresAt: T0 + 1000 })
      const bytes = b64uDecode(token)
      const issuedAtOffset = 4 // format, kid length, "k1"
      const expiresAtOffset = issuedAtOffset + 6
      assert.equal(readU48(bytes, issuedAtOffset), T0)
      assert.equal(readU48(bytes, expiresAtOffset), T0 + 1000)
      clock.ms = T0 + 500
      const edits = [
        writeU48(bytes, expiresAtOffset, T0 + 10 * HOUR),
        writeU48(bytes, expiresAtOffset, 2 ** 48 - 1),
        writeU48(bytes, expiresAtOffset, T0 + 1001),
        writeU48(bytes, issuedAtOffset, T0 - 1),
        writeU48(bytes, issuedAtOffset, 0),
      ]
      for (const edit of edits) assert.equal(await open(codec, b64uEncode(edit)), 'tampered')
      // Even once the real token has expired, an extended copy is still only "tampered".
      clock.ms = T0 + 2000
      assert.equal(await open(codec, token), 'expired')
      assert.equal(await open(codec, b64uEncode(edits[0]!)), 'tampered')
    }
  })

  it('DOS-02: an oversized token is "too-large" before any decoding', async () => {
    const { codec } = setup()
    assert.equal(await open(codec, 'A'.repeat(1_000_000)), 'too-large')
    assert.equal(await open(codec, '!'.repeat(1_000_000)), 'too-large')
    assert.equal(await open(codec, 'A'.repeat(4097)), 'too-large')
    const token = await sealed(codec, 'x'.repeat(100))
    const exact = setup({ maxTokenLength: token.length }).codec
    assert.equal(await open(exact, token), 'ok')
    const under = setup({ maxTokenLength: token.length - 1 }).codec
    assert.equal(await open(under, token), 'too-large')
  })

  it('KEY-01/02: an old key opens with rotated: true while in the ring, unknown-key after', async () => {
    for (const format of FORMATS) {
      const old = createKeyRing([{ id: 'old', secret: KEY_A }])
      const rotatedRing = createKeyRing([
        { id: 'new', secret: KEY_B },
        { id: 'old', secret: KEY_A },
      ])
      const removed = createKeyRing([{ id: 'new', secret: KEY_B }])
      const token = await sealed(setup({ format, keys: old }).codec, 'payload')
      const result = await setup({ format, keys: rotatedRing }).codec.open('sid', token)
      assert.ok(result.ok)
      assert.equal(result.keyId, 'old')
      assert.equal(result.rotated, true)
      assert.deepEqual(Uint8Array.from(result.payload), utf8('payload'))
      assert.equal(await open(setup({ format, keys: removed }).codec, token), 'unknown-key')
      // The primary of the rotated ring seals with the new key, which the old ring lacks.
      const fresh = await sealed(setup({ format, keys: rotatedRing }).codec, 'payload')
      const freshResult = await setup({ format, keys: rotatedRing }).codec.open('sid', fresh)
      assert.ok(freshResult.ok)
      assert.equal(freshResult.keyId, 'new')
      assert.equal(freshResult.rotated, false)
      assert.equal(await open(setup({ format, keys: old }).codec, fresh), 'unknown-key')
    }
  })

  it('KEY-03: an unknown key id is rejected without trying the other keys', async () => {
    for (const format of FORMATS) {
      // Same secret, different id: a codec that tried every key would open this.
      const claimsK9 = setup({ format, keys: createKeyRing([{ id: 'k9', secret: KEY_A }]) }).codec
      const token = await sealed(claimsK9, 'payload')
      const ring = createKeyRing([
        { id: 'k1', secret: KEY_A },
        { id: 'k2', secret: KEY_C },
      ])
      assert.equal(await open(setup({ format, keys: ring }).codec, token), 'unknown-key')
      // Rewriting the id to one in the ring is caught by authentication.
      const bytes = b64uDecode(token)
      bytes[3] = 0x31 // "k9" -> "k1"
      assert.equal(await open(setup({ format, keys: ring }).codec, b64uEncode(bytes)), 'tampered')
    }
  })

  it('DOS-08: the token chooses no algorithm and no cost, only an allow-listed key id', async () => {
    // The format is fixed by the codec; a token cannot switch a sealed codec to MAC-only,
    // and the header has no field for a hash, KDF cost or length.
    const sealedCodec = setup({ format: 'sealed' }).codec
    const signedCodec = setup({ format: 'signed' }).codec
    const signedToken = await sealed(signedCodec, 'x')
    assert.equal(await open(sealedCodec, signedToken), 'malformed')
    const bytes = b64uDecode(await sealed(sealedCodec, 'x'))
    // Header = format | kid length | kid | two times; nothing else precedes the IV.
    assert.equal(headerLength(bytes), 2 + 2 + 12)
    // A kid length the ring cannot contain is refused before any key is derived.
    for (const kidLength of [0, 33, 255]) {
      const forged = Uint8Array.from(bytes)
      forged[1] = kidLength
      assert.equal(await open(sealedCodec, b64uEncode(forged)), 'malformed')
    }
  })

  it('refuses to seal with an expiry that is not after the issue time', async () => {
    const { codec } = setup()
    const bad = [
      { issuedAt: T0, expiresAt: T0 },
      { issuedAt: T0, expiresAt: T0 - 1 },
      { issuedAt: T0, expiresAt: T0 + 0.5 },
      { issuedAt: -1, expiresAt: T0 },
      { issuedAt: T0, expiresAt: 2 ** 48 },
      { issuedAt: T0, expiresAt: Number.NaN },
      { issuedAt: T0, expiresAt: Number.POSITIVE_INFINITY },
    ]
    for (const options of bad) {
      await assert.rejects(async () => codec.seal('sid', 'x', options), isConfigError)
    }
  })
})

describe('token codec configuration', () => {
  it('rejects bad formats, purposes, tolerances and length limits', () => {
    const bad: Partial<TokenCodecOptions>[] = [
      { format: 'none' as TokenFormat },
      { purpose: '' },
      { purpose: 'has space' },
      { purpose: 'x'.repeat(65) },
      { purpose: 'é' },
      { clockTolerance: -1 },
      { clockTolerance: 301 },
      { clockTolerance: Number.NaN },
      { clockTolerance: Number.POSITIVE_INFINITY },
      { maxTokenLength: 63 },
      { maxTokenLength: 100.5 },
    ]
    for (const options of bad) {
      assert.throws(
        () => createTokenCodec({ keys: RING_A, purpose: 'test', ...options }),
        isConfigError,
        JSON.stringify(options),
      )
    }
    createTokenCodec({ keys: RING_A, clockTolerance: 0, purpose: 'a:b.c_d-e', maxTokenLength: 64 })
    createTokenCodec({ keys: RING_A, clockTolerance: 300, purpose: 'x'.repeat(64) })
  })

  it("requires a purpose: there is no default that could be a store's", () => {
    for (const purpose of [undefined, null, 42]) {
      const options = { keys: RING_A, purpose } as unknown as TokenCodecOptions
      assert.throws(
        () => createTokenCodec(options),
        (error: unknown) => isConfigError(error) && (error as Error).message.includes('purpose'),
        String(purpose),
      )
    }
  })

  it("'auto' picks node:crypto on Node", () => {
    assert.equal(createTokenCodec({ keys: RING_A, purpose: 'test' }).backend, 'node')
    assert.equal(
      createTokenCodec({ keys: RING_A, purpose: 'test', crypto: 'auto' }).backend,
      'node',
    )
    assert.equal(createTokenCodec({ keys: RING_A, purpose: 'test', crypto: 'web' }).backend, 'web')
  })
})

describe('token codec across backends (CRY-16)', () => {
  it('a token sealed by node:crypto opens with Web Crypto and vice versa', async () => {
    for (const format of FORMATS) {
      const node = createTokenCodec({
        keys: RING_A,
        purpose: 'test',
        format,
        crypto: 'node',
        now: () => T0,
      })
      const web = createTokenCodec({
        keys: RING_A,
        purpose: 'test',
        format,
        crypto: 'web',
        now: () => T0,
      })
      await fc.assert(
        fc.asyncProperty(
          fc.uint8Array({ maxLength: 300 }),
          fc.string({ minLength: 1, maxLength: 20 }),
          async (payload, name) => {
            const fromNode = await node.seal(name, payload, { expiresAt: EXPIRES })
            const fromWeb = await web.seal(name, payload, { expiresAt: EXPIRES })
            assert.deepEqual(payloadOf(await web.open(name, fromNode)), payload)
            assert.deepEqual(payloadOf(await node.open(name, fromWeb)), payload)
            if (format === 'signed') assert.equal(fromNode, fromWeb) // deterministic
          },
        ),
        { numRuns: 50 },
      )
    }
  })
})
