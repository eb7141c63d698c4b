import assert from 'node:assert/strict'
import { Buffer } from 'node:buffer'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { inspect } from 'node:util'

import fc from 'fast-check'

import {
  createKeyRing,
  createTokenCodec,
  generateKey,
  SessionConfigError,
  type KeyRingEntry,
} from '../src/index.ts'
import { b64uDecode, bytesToHex, latin1 } from './support/bytes.ts'
import {
  ENCODED_TEXT,
  PASSPHRASES,
  PATTERNED_BYTES,
  PATTERNED_STRINGS,
} from './support/human-secrets.ts'
import { KEY_A, KEY_B, randomKey } from './support/keys.ts'

const ENCODING_NAMES = [
  'bytes',
  'hex',
  'HEX',
  'base64',
  'base64-unpadded',
  'base64url',
  'base64url-padded',
]

/** `bytes` in every encoding the ring accepts, named. */
function encodings(bytes: Uint8Array): [string, string | Uint8Array][] {
  const buffer = Buffer.from(bytes)
  const base64 = buffer.toString('base64')
  const forms = [
    bytes,
    buffer.toString('hex'),
    buffer.toString('hex').toUpperCase(),
    base64, // what `openssl rand -base64 32` prints
    base64.replace(/=+$/, ''),
    buffer.toString('base64url'), // what generateKey() returns
    base64.replaceAll('+', '-').replaceAll('/', '_'), // Python's urlsafe_b64encode
  ]
  return forms.map((form, i) => [ENCODING_NAMES[i] ?? '', form])
}

function configError(entries: readonly KeyRingEntry[]): SessionConfigError {
  try {
    createKeyRing(entries as [KeyRingEntry, ...KeyRingEntry[]])
  } catch (error) {
    assert.ok(
      error instanceof SessionConfigError,
      `expected SessionConfigError, got ${String(error)}`,
    )
    assert.equal(error.code, 'ERR_SESSION_CONFIG')
    return error
  }
  assert.fail(`createKeyRing accepted ${JSON.stringify(entries.map((e) => e.id))}`)
}

describe('createKeyRing (KEY-04, CRY-17)', () => {
  it('rejects an empty ring and a non-array', () => {
    configError([])
    assert.throws(
      () => createKeyRing(undefined as unknown as [KeyRingEntry]),
      (error: unknown) =>
        error instanceof SessionConfigError &&
        (error as { code: unknown }).code === 'ERR_SESSION_CONFIG',
    )
  })

  it('rejects duplicate key ids', () => {
    const error = configError([
      { id: 'k1', secret: KEY_A },
      { id: 'k2', secret: KEY_B },
      { id: 'k1', secret: randomKey() },
    ])
    assert.match(error.message, /Duplicate key id "k1"/)
  })

  it('rejects malformed key ids', () => {
    const bad = ['', ' ', 'a b', 'x'.repeat(33), 'é', 'a/b', 'a:b', 'a;b', 'a\nb', 'k1=', '\u0000']
    for (const id of bad) configError([{ id, secret: randomKey() }])
    // The accepted alphabet, at the length limit.
    const ring = createKeyRing([
      { id: 'Az09._-', secret: randomKey() },
      { id: 'x'.repeat(32), secret: randomKey() },
    ])
    assert.deepEqual(ring.ids, ['Az09._-', 'x'.repeat(32)])
  })

  it('rejects secrets shorter than 32 bytes in every encoding', () => {
    const short = new Uint8Array(randomBytes(31))
    configError([{ id: 'k', secret: short }])
    configError([{ id: 'k', secret: new Uint8Array(0) }])
    configError([{ id: 'k', secret: '' }])
    configError([{ id: 'k', secret: Buffer.from(short).toString('base64url') }])
    configError([{ id: 'k', secret: Buffer.from(short).toString('hex') }])
  })

  it('rejects low-entropy secrets, passwords and strings that are neither hex nor base64', () => {
    const pattern = Uint8Array.from({ length: 64 }, (_, i) => i % 2)
    const weak: (string | Uint8Array)[] = [
      new Uint8Array(32),
      new Uint8Array(64).fill(7),
      pattern,
      'a'.repeat(64),
      '0'.repeat(64),
      'ab'.repeat(32),
      'password'.repeat(8),
      'A'.repeat(43),
      'hunter2',
      'correct horse battery staple',
      'P@ssw0rd…P@ssw0rd…P@ssw0rd…P@ssw0rd…P@ssw0rd…',
      'ZXhhbXBsZS1zZWNyZXQta2V5LWZvci10ZXN0cw==', // base64 of 28 bytes of text
      'sSxN9c1+3zQ/0K7l4mFh2YqT8uWbVdE6gJpRoXi5aL-', // both base64 alphabets at once
      'sSxN9c1+3zQ/0K7l4mFh2YqT8uWbVdE6gJpRoXi5aLk==', // one padding character too many
      `${generateKey()}\n`, // a trailing newline from an env file is refused, not trimmed
      ` ${generateKey()}`,
    ]
    for (const secret of weak) configError([{ id: 'k', secret }])
    configError([{ id: 'k', secret: 42 as unknown as string }])
    configError([{ id: 'k', secret: null as unknown as string }])
    configError([{ id: 'k', secret: [1, 2, 3] as unknown as Uint8Array }])
  })

  it('says a secret is missing or empty and names the option, not its type', () => {
    const env: Record<string, string | undefined> = { EMPTY: '' }
    const cases: [unknown, RegExp][] = [
      [env['SESSION_KEY'], /^The `secret` of key "k1" is missing \(undefined\)/],
      [null, /^The `secret` of key "k1" is missing \(null\)/],
      [env['EMPTY'], /^The `secret` of key "k1" is empty/],
      [new Uint8Array(0), /^The `secret` of key "k1" is empty/],
    ]
    for (const [secret, message] of cases) {
      const error = configError([{ id: 'k1', secret: secret as string }])
      assert.match(error.message, message)
      assert.doesNotMatch(error.message, /must be a Uint8Array/)
      assert.match(error.message, /generateKey\(\) or `openssl rand -base64 32`/)
    }
    // Only a secret of another type is told about its type.
    const wrongType = configError([{ id: 'k1', secret: 42 as unknown as string }])
    assert.match(wrongType.message, /must be a Uint8Array or a string, not number/)
  })

  it('accepts random keys of 32 to 64 bytes in every encoding (property)', () => {
    fc.assert(
      fc.property(fc.noBias(fc.uint8Array({ minLength: 32, maxLength: 64 })), (bytes) => {
        const ring = createKeyRing(
          encodings(bytes).map(([id, secret]) => ({ id, secret })) as [KeyRingEntry],
        )
        assert.equal(ring.ids.length, ENCODING_NAMES.length)
      }),
      { numRuns: 200 },
    )
  })

  it('accepts a large sample of keys from the CSPRNG, in every encoding', () => {
    for (let i = 0; i < 300; i++) {
      const bytes = new Uint8Array(randomBytes(32 + (i % 33)))
      for (const [id, secret] of encodings(bytes)) createKeyRing([{ id, secret }])
    }
  })

  it('refuses what people and patterns make, with a message saying how to make a key', () => {
    const made: (string | Uint8Array)[] = [
      ...PASSPHRASES,
      ...PATTERNED_STRINGS,
      ...ENCODED_TEXT,
      ...PATTERNED_BYTES,
    ]
    for (const secret of made) {
      const error = configError([{ id: 'k1', secret }])
      // Each is a valid encoding of 32 bytes or more: the entropy estimate refuses it.
      assert.match(error.message, /^The `secret` of key "k1" is not random/, String(secret))
      assert.match(error.message, /generateKey\(\) or `openssl rand -base64 32`/)
    }
    const asBytes = configError([{ id: 'k1', secret: new TextEncoder().encode(generateKey()) }])
    assert.match(asBytes.message, /these bytes are text: .* pass the string itself/)
  })

  it('refuses an English passphrase whatever its length', () => {
    const phrase = 'thisismyverysecretsessionkeyfortheproductionserverpleasedonotshareit'
    for (let length = 43; length <= phrase.length; length++) {
      const error = configError([{ id: 'k1', secret: phrase.slice(0, length) }])
      // Some lengths are not base64 at all; the others decode, and the estimate refuses them.
      assert.match(error.message, /is not random|is neither hex nor base64/, `length ${length}`)
    }
  })

  it('never repeats a rejected secret in the error message', () => {
    const secrets = ['P@ssw0rd-P@ssw0rd-P@ssw0rd-P@ssw0rd', 'password'.repeat(8), 'ab'.repeat(32)]
    for (const secret of secrets) {
      const error = configError([{ id: 'k', secret }])
      assert.ok(!error.message.includes(secret), error.message)
      assert.ok(!inspect(error).includes(secret))
    }
  })

  it('accepts generateKey() output, random bytes, and what openssl rand prints', () => {
    const hex = randomBytes(32).toString('hex')
    const ring = createKeyRing([
      { id: 'generated', secret: generateKey() },
      { id: 'bytes', secret: randomKey() },
      { id: 'hex', secret: hex },
      { id: 'HEX', secret: hex.toUpperCase() },
      { id: 'long', secret: new Uint8Array(randomBytes(64)) },
      { id: 'fixed', secret: KEY_A },
      // Printed by `openssl rand -base64 32` and `openssl rand -hex 32` (standard base64 with
      // + / = was refused before, although random).
      { id: 'openssl-base64', secret: 'y2yZ6MIGcR3xbKTWz6CRyde0vhtpQyGWnMjwqsEdGbU=' },
      {
        id: 'openssl-hex',
        secret: '5335c1e967f2016ed081c26d9fab96dc3ec783db9b50339618e2dd56f0439986',
      },
      { id: 'std-base64', secret: 'sSxN9c1+3zQ/0K7l4mFh2YqT8uWbVdE6gJpRoXi5aLk' },
    ])
    assert.equal(ring.ids.length, 9)
  })

  it('reads the same key from bytes, hex, base64 and base64url; hex digits as hex', async () => {
    // The same bytes in every encoding make the same key: a token sealed under one opens
    // under the others. 48 bytes as hex are 96 hex digits, which are valid base64 too (72
    // bytes): hex wins, or the hex form would not open the others' tokens.
    const bytes = new Uint8Array(randomBytes(48))
    const forms = encodings(bytes).map(([, secret]) => secret)
    const codecs = forms.map((secret) =>
      createTokenCodec({
        keys: createKeyRing([{ id: 'k', secret }]),
        purpose: 'test',
        crypto: 'node',
      }),
    )
    const token = await codecs[0]!.seal('sid', 'payload', { expiresAt: Date.now() + 60_000 })
    for (const codec of codecs) {
      const opened = await codec.open('sid', token)
      assert.equal(opened.ok, true)
    }
  })

  it('copies a Uint8Array secret: changing the caller buffer later changes nothing', async () => {
    const secret = randomKey()
    const original = Uint8Array.from(secret)
    const ring = createKeyRing([{ id: 'k', secret }])
    secret.fill(0)
    const sealer = createTokenCodec({ keys: ring, purpose: 'test', crypto: 'node' })
    const opener = createTokenCodec({
      keys: createKeyRing([{ id: 'k', secret: original }]),
      purpose: 'test',
      crypto: 'node',
    })
    const token = await sealer.seal('sid', 'x', { expiresAt: Date.now() + 60_000 })
    assert.equal((await opener.open('sid', token)).ok, true)
  })

  it('exposes primaryId, ids (primary first, frozen) and has()', () => {
    const ring = createKeyRing([
      { id: 'new', secret: randomKey() },
      { id: 'old', secret: randomKey() },
    ])
    assert.equal(ring.primaryId, 'new')
    assert.deepEqual(ring.ids, ['new', 'old'])
    assert.equal(ring.has('old'), true)
    assert.equal(ring.has('missing'), false)
    assert.ok(Object.isFrozen(ring))
    assert.ok(Object.isFrozen(ring.ids))
    assert.throws(() => {
      ;(ring.ids as string[]).push('x')
    }, TypeError)
  })

  it('never shows a secret through JSON, keys, inspect or property enumeration', () => {
    const bytes = randomKey()
    const b64 = generateKey()
    const hex = randomBytes(32).toString('hex')
    const ring = createKeyRing([
      { id: 'bytes', secret: bytes },
      { id: 'b64', secret: b64 },
      { id: 'hex', secret: hex },
    ])
    const views = [
      JSON.stringify(ring),
      inspect(ring, { showHidden: true, depth: Infinity, getters: true }),
      JSON.stringify(Object.getOwnPropertyDescriptors(ring), (_key, value: unknown) =>
        typeof value === 'function' ? String(value) : value,
      ),
    ]
    assert.deepEqual(Object.keys(ring).sort(), ['has', 'ids', 'primaryId'])
    assert.deepEqual(Object.getOwnPropertySymbols(ring), [])
    const needles = [
      b64,
      hex,
      bytesToHex(bytes),
      Buffer.from(bytes).toString('base64url'),
      bytesToHex(b64uDecode(b64)),
      latin1(bytes),
      [...bytes.subarray(0, 8)].join(', '),
    ]
    for (const view of views) {
      for (const needle of needles) assert.ok(!view.includes(needle), `secret visible in ${view}`)
    }
  })
})

describe('generateKey', () => {
  it('returns 43 base64url characters encoding 32 bytes', () => {
    const key = generateKey()
    assert.match(key, /^[A-Za-z0-9_-]{43}$/)
    assert.equal(b64uDecode(key).length, 32)
  })

  it('returns a different key every time, each accepted by createKeyRing', () => {
    const keys = Array.from({ length: 1000 }, () => generateKey())
    assert.equal(new Set(keys).size, keys.length)
    for (const secret of keys.slice(0, 100)) createKeyRing([{ id: 'k', secret }])
  })
})
