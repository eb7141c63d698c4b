// Wycheproof vectors (C2SP/wycheproof testvectors_v1) through our own wrappers (CRY-13):
// AES-256-GCM with a 96-bit IV and 128-bit tag, HMAC-SHA256 with full tags, HKDF-SHA256.
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { it } from 'node:test'

import {
  createNodeCryptoBackend,
  createWebCryptoBackend,
  type CryptoBackend,
} from '../src/index.ts'
import { describeEachBackend } from './support/backends.ts'
import { bytesToHex, concat, hexToBytes } from './support/bytes.ts'

interface WycheproofTest {
  readonly tcId: number
  readonly comment: string
  readonly result: 'valid' | 'invalid' | 'acceptable'
  readonly [field: string]: unknown
}

interface WycheproofFile {
  readonly algorithm: string
  readonly numberOfTests: number
  readonly testGroups: readonly {
    readonly keySize?: number
    readonly ivSize?: number
    readonly tagSize?: number
    readonly tests: readonly WycheproofTest[]
  }[]
}

// Vendored copies win; the shared checkout is the fallback for local runs.
const DIRECTORIES = ['test/vectors/wycheproof']

function load(name: string): WycheproofFile {
  for (const directory of DIRECTORIES) {
    const path = join(process.cwd(), directory, name)
    if (existsSync(path)) return JSON.parse(readFileSync(path, 'utf8')) as WycheproofFile
  }
  throw new Error(`Wycheproof file ${name} not found in ${DIRECTORIES.join(' or ')}`)
}

function hex(test: WycheproofTest, field: string): Uint8Array {
  const value = test[field]
  assert.equal(typeof value, 'string', `tcId ${test.tcId}: ${field}`)
  return hexToBytes(value as string)
}

function backendFor(name: 'node' | 'web'): CryptoBackend {
  const backend = name === 'node' ? createNodeCryptoBackend() : createWebCryptoBackend()
  assert.ok(backend !== undefined)
  return backend
}

describeEachBackend('Wycheproof (CRY-13)', (name) => {
  const backend = backendFor(name)

  it('AES-256-GCM, 96-bit IV, 128-bit tag: valid vectors seal and open, invalid ones never open', async () => {
    const file = load('aes_gcm_test.json')
    assert.equal(file.algorithm, 'AES-GCM')
    let valid = 0
    let invalid = 0
    for (const group of file.testGroups) {
      if (group.keySize !== 256 || group.ivSize !== 96 || group.tagSize !== 128) continue
      for (const test of group.tests) {
        const where = `tcId ${test.tcId} (${test.comment})`
        const key = await backend.aeadKey(hex(test, 'key'))
        const iv = hex(test, 'iv')
        const aad = hex(test, 'aad')
        const msg = hex(test, 'msg')
        const sealed = concat(hex(test, 'ct'), hex(test, 'tag'))
        const opened = await key.open(iv, sealed, aad)
        if (test.result === 'valid') {
          valid++
          assert.equal(bytesToHex(await key.seal(iv, msg, aad)), bytesToHex(sealed), where)
          assert.ok(opened !== undefined, where)
          assert.equal(bytesToHex(opened), bytesToHex(msg), where)
        } else {
          assert.equal(test.result, 'invalid', where)
          invalid++
          assert.equal(opened, undefined, where)
        }
      }
    }
    assert.ok(valid > 0 && invalid > 0, `valid ${valid}, invalid ${invalid}`)
    assert.equal(valid + invalid, 66)
  })

  it('HMAC-SHA256 with full 32-byte tags: sign matches, verify agrees; truncated tags never verify', async () => {
    const file = load('hmac_sha256_test.json')
    assert.equal(file.algorithm, 'HMACSHA256')
    let valid = 0
    let invalid = 0
    let truncated = 0
    for (const group of file.testGroups) {
      for (const test of group.tests) {
        const where = `tcId ${test.tcId} (${test.comment})`
        const key = await backend.macKey(hex(test, 'key'))
        const msg = hex(test, 'msg')
        const tag = hex(test, 'tag')
        if (group.tagSize !== 256) {
          // Our MACs are never truncated: even a correct prefix is refused.
          truncated++
          assert.equal(await key.verify(msg, tag), false, where)
          continue
        }
        if (test.result === 'valid') {
          valid++
          assert.equal(bytesToHex(await key.sign(msg)), bytesToHex(tag), where)
          assert.equal(await key.verify(msg, tag), true, where)
        } else {
          assert.equal(test.result, 'invalid', where)
          invalid++
          assert.notEqual(bytesToHex(await key.sign(msg)), bytesToHex(tag), where)
          assert.equal(await key.verify(msg, tag), false, where)
        }
      }
    }
    assert.ok(valid > 0 && invalid > 0 && truncated > 0, `${valid} ${invalid} ${truncated}`)
  })

  it('HKDF-SHA256: valid outputs match; sizes over 255 * 32 bytes are refused, not truncated', async () => {
    const file = load('hkdf_sha256_test.json')
    assert.equal(file.algorithm, 'HKDF-SHA-256')
    let valid = 0
    let refused = 0
    for (const group of file.testGroups) {
      for (const test of group.tests) {
        const where = `tcId ${test.tcId} (${test.comment})`
        const size = test['size']
        assert.equal(typeof size, 'number', where)
        const args = [
          hex(test, 'ikm'),
          hex(test, 'salt'),
          hex(test, 'info'),
          size as number,
        ] as const
        if (test.result === 'valid') {
          valid++
          const okm = await backend.hkdf(...args)
          assert.equal(bytesToHex(okm), bytesToHex(hex(test, 'okm')), where)
        } else {
          assert.equal(test.result, 'invalid', where)
          assert.ok((size as number) > 255 * 32, `${where}: an invalid vector we do not expect`)
          refused++
          await assert.rejects(async () => backend.hkdf(...args), where)
        }
      }
    }
    assert.ok(valid > 0 && refused > 0, `valid ${valid}, refused ${refused}`)
  })
})
