import assert from 'node:assert/strict'
import { Buffer } from 'node:buffer'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'

import { createKeyRingUnchecked } from '../src/core/keyring.ts'
import {
  createNodeCryptoBackend,
  createTokenCodec,
  createWebCryptoBackend,
  type CryptoBackend,
  type KeyRing,
  type KeyRingEntry,
  type TokenFormat,
} from '../src/index.ts'
import { b64uDecode, hexToBytes, readU48, utf8 } from './support/bytes.ts'
import { referenceToken } from './support/reference-token.ts'

interface Vector {
  readonly id: string
  readonly format: TokenFormat
  readonly purpose: string
  readonly cookieName: string
  readonly sealKeys: readonly [string, ...string[]]
  readonly openKeys: readonly [string, ...string[]]
  readonly issuedAt: number
  readonly expiresAt: number
  readonly payload?: string
  readonly payloadHex?: string
  readonly rotated: boolean
  readonly token: string
}

interface VectorFile {
  readonly description: string
  readonly formatVersion: number
  readonly ivHex: string
  readonly keys: readonly { readonly id: string; readonly secretHex: string }[]
  readonly vectors: readonly Vector[]
}

const file = JSON.parse(
  readFileSync(join(process.cwd(), 'test/vectors/tokens.v1.json'), 'utf8'),
) as VectorFile
const IV = hexToBytes(file.ivHex)
const SECRETS = new Map(file.keys.map((key) => [key.id, hexToBytes(key.secretHex)]))

function secretOf(id: string): Uint8Array {
  const secret = SECRETS.get(id)
  assert.ok(secret !== undefined, `unknown key ${id} in the vectors file`)
  return secret
}

// The vectors' keys are deliberately patterned (0x00, 0x01, …), which createKeyRing refuses;
// the vectors pin the format, not key checking.
function ring(ids: readonly [string, ...string[]]): KeyRing {
  const entries = ids.map((id): KeyRingEntry => ({ id, secret: secretOf(id) }))
  return createKeyRingUnchecked(entries as [KeyRingEntry, ...KeyRingEntry[]])
}

function payloadOf(vector: Vector): Uint8Array {
  if (vector.payload !== undefined) return utf8(vector.payload)
  assert.ok(vector.payloadHex !== undefined, `${vector.id} has no payload`)
  return hexToBytes(vector.payloadHex)
}

function fixedIv(backend: CryptoBackend | undefined): CryptoBackend {
  assert.ok(backend !== undefined)
  return { ...backend, randomBytes: (n: number) => new Uint8Array(n).fill(0x11) }
}

const BACKENDS: readonly (readonly [string, CryptoBackend])[] = [
  ['node', fixedIv(createNodeCryptoBackend())],
  ['web', fixedIv(createWebCryptoBackend())],
]

describe('golden token vectors v1 (CRY-14, CRY-15)', () => {
  it('cover both formats, two key ids, two purposes, a rotated key and every payload kind', () => {
    assert.equal(file.formatVersion, 1)
    assert.match(file.description, /must never change silently/)
    assert.deepEqual(IV, new Uint8Array(12).fill(0x11))
    const formats = new Set(file.vectors.map((v) => v.format))
    assert.deepEqual([...formats].sort(), ['sealed', 'signed'])
    assert.ok(new Set(file.vectors.map((v) => v.sealKeys[0])).size >= 2)
    assert.ok(new Set(file.vectors.map((v) => v.purpose)).size >= 2)
    for (const format of formats) {
      const ofFormat = file.vectors.filter((v) => v.format === format)
      assert.ok(ofFormat.some((v) => v.rotated))
      assert.ok(ofFormat.some((v) => v.payload === ''))
      assert.ok(
        ofFormat.some(
          (v) => v.payload !== undefined && Buffer.byteLength(v.payload) > v.payload.length,
        ),
      )
      assert.ok(ofFormat.some((v) => v.payloadHex !== undefined))
    }
    assert.equal(new Set(file.vectors.map((v) => v.token)).size, file.vectors.length)
  })

  it('both backends seal exactly the golden tokens', async () => {
    for (const [name, backend] of BACKENDS) {
      for (const vector of file.vectors) {
        const codec = createTokenCodec({
          keys: ring(vector.sealKeys),
          format: vector.format,
          purpose: vector.purpose,
          crypto: backend,
        })
        const token = await codec.seal(vector.cookieName, payloadOf(vector), {
          issuedAt: vector.issuedAt,
          expiresAt: vector.expiresAt,
        })
        assert.equal(token, vector.token, `${name}: ${vector.id}`)
      }
    }
  })

  it('both backends open the golden tokens to exactly the payload', async () => {
    for (const [name, backend] of BACKENDS) {
      for (const vector of file.vectors) {
        const codec = createTokenCodec({
          keys: ring(vector.openKeys),
          format: vector.format,
          purpose: vector.purpose,
          crypto: backend,
          now: () => vector.issuedAt + 1000,
        })
        const result = await codec.open(vector.cookieName, vector.token)
        assert.ok(result.ok, `${name}: ${vector.id} did not open`)
        assert.deepEqual(
          Uint8Array.from(result.payload),
          payloadOf(vector),
          `${name}: ${vector.id}`,
        )
        assert.equal(result.keyId, vector.sealKeys[0])
        assert.equal(result.rotated, vector.rotated)
        assert.equal(result.issuedAt, vector.issuedAt)
        assert.equal(result.expiresAt, vector.expiresAt)
        // And the time checks still apply to golden tokens.
        const late = createTokenCodec({
          keys: ring(vector.openKeys),
          format: vector.format,
          purpose: vector.purpose,
          crypto: backend,
          now: () => vector.expiresAt + 3_600_000,
        })
        assert.deepEqual(await late.open(vector.cookieName, vector.token), {
          ok: false,
          reason: 'expired',
        })
      }
    }
  })

  it('match an independent node:crypto implementation of the documented layout', () => {
    for (const vector of file.vectors) {
      const keyId = vector.sealKeys[0]
      const expected = referenceToken({
        format: vector.format,
        secret: secretOf(keyId),
        keyId,
        purpose: vector.purpose,
        cookieName: vector.cookieName,
        issuedAt: vector.issuedAt,
        expiresAt: vector.expiresAt,
        payload: payloadOf(vector),
        iv: IV,
      })
      assert.equal(vector.token, expected, vector.id)
      // The header fields sit where the layout (src/lib/token.ts, docs/format.md) puts them.
      const bytes = b64uDecode(vector.token)
      assert.equal(bytes[0], vector.format === 'sealed' ? 0x01 : 0x02)
      assert.equal(bytes[1], keyId.length)
      assert.equal(Buffer.from(bytes.subarray(2, 2 + keyId.length)).toString('ascii'), keyId)
      assert.equal(readU48(bytes, 2 + keyId.length), vector.issuedAt)
      assert.equal(readU48(bytes, 8 + keyId.length), vector.expiresAt)
      const body = 14 + keyId.length
      const payload = payloadOf(vector)
      if (vector.format === 'sealed') {
        assert.deepEqual(bytes.subarray(body, body + 12), IV)
        assert.equal(bytes.length, body + 12 + payload.length + 16)
      } else {
        assert.deepEqual(bytes.subarray(body, body + payload.length), payload)
        assert.equal(bytes.length, body + payload.length + 32)
      }
    }
  })
})
