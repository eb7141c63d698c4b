import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { GobError } from '../src/errors.ts'
import {
  GobTypeIds,
  GoFloat,
  GoInt,
  GoStruct,
  GoTyped,
  GoUint,
  gobDecode,
  gobDecodeSessionValues,
  gobEncode,
  gobEncodeSessionValues,
  gobSerializer,
  type GoField,
} from '../src/gob.ts'
import { i, mapDef, msg, str, stream } from './support/gob-build.ts'
import { decodedSlot } from './support/gob-typed.ts'
import { fromHex, hex, loadGobVectors } from './support/gob-vectors.ts'

const vectors = loadGobVectors()
const USER_FIELDS: readonly GoField[] = [
  { name: 'ID', type: 'int' },
  { name: 'Name', type: 'string' },
  { name: 'Admin', type: 'bool' },
  { name: 'Tags', type: { slice: 'string' } },
]
// Checked by hand against Go's encoder (encode.go encodeInterface): the []interface {} definition
// ends the partial top-level message; the []string definition sits inside the []interface {}
// value, between two byte counts.
const NESTED = [
  '0eff81040102ff8200011001100000',
  '2bff82000106737472696e670c030001610e5b5d696e74657266616365207b7dff83020102ff8400011000' + '00',
  '31ff84' + '17' + '0003085b5d737472696e67ff85020102ff8600010c0000',
  '16' + 'ff86040001017807666c6f61743634080400fe044000',
].join('')
const ID = 'KVKVKVKVKVKVKVKVKVKVKVKVKVKVKVKVKVKVKVKVKVKVKVKVKVKQ'

const expected: Readonly<Record<string, unknown>> = {
  'README example: foo=bar, 42=43': new Map<unknown, unknown>([
    ['foo', 'bar'],
    [42, 43],
  ]),
  'basic types': new Map<unknown, unknown>([
    ['s', 'str'],
    ['b', true],
    ['i', -7],
    ['i64', 1099511627776],
    ['u', 9],
    ['f', 3.25],
    ['bytes', new Uint8Array([1, 2, 3])],
  ]),
  'slices and maps': new Map<unknown, unknown>([
    ['roles', ['admin', 'user']],
    ['prefs', { theme: 'dark', size: 12 }],
    ['ids', [1, 2, 3]],
  ]),
  'registered struct': new Map([['user', { ID: 7, Name: 'Ada', Admin: true, Tags: ['a', 'b'] }]]),
  flashes: new Map([
    ['_flash', ['Hello, flash!', 'second']],
    ['_notice', ['custom']],
  ]),
  'empty session': new Map(),
}

function expectedFor(label: string, note: string): unknown {
  if (label === 'filesystem store ID cookie') return ID
  if (label === 'filesystem store file') return expected['README example: foo=bar, 42=43']
  return expected[note]
}

describe('gob: the Go vectors', () => {
  it('has all 13 vectors (14 gob payloads)', () => {
    assert.equal(vectors.length, 14)
  })

  for (const v of vectors) {
    it(`decodes ${v.label}`, () => {
      assert.deepStrictEqual(gobDecode(v.payload), expectedFor(v.label, v.note))
    })
  }

  it('re-encodes every decoded vector byte for byte (one type table, like the Go process)', () => {
    // Go numbers types per process: the vector program encoded these in file order.
    const typeIds = new GobTypeIds()
    for (const v of vectors) {
      const decoded = gobDecode(v.payload)
      assert.equal(hex(gobEncode(decoded, { typeIds })), hex(v.payload), v.label)
    }
  })

  it('decodes session values as a Map and rejects other top-level types', () => {
    const file = vectors.find((v) => v.label === 'filesystem store file')!
    const values = gobDecodeSessionValues(file.payload)
    assert.deepStrictEqual(
      [...values],
      [
        ['foo', 'bar'],
        [42, 43],
      ],
    )
    const cookie = vectors.find((v) => v.label === 'filesystem store ID cookie')!
    assert.throws(() => gobDecodeSessionValues(cookie.payload), isDecodeError)
  })

  it('decodes struct fields into an ordinary object in declaration order', () => {
    const struct = vectors.find((v) => v.note === 'registered struct')!
    const user = gobDecodeSessionValues(struct.payload).get('user') as object
    assert.equal(Object.getPrototypeOf(user), Object.prototype)
    assert.deepStrictEqual(Object.keys(user), ['ID', 'Name', 'Admin', 'Tags'])
  })
})

describe('gob: encoding from explicit Go types', () => {
  const payload = (note: string): string => hex(vectors.find((v) => v.label === note)!.payload)

  it('encodes the README example like gorilla', () => {
    const values = new Map<string | number, unknown>([
      ['foo', 'bar'],
      [42, 43],
    ])
    assert.equal(hex(gobEncodeSessionValues(values)), payload('README example: foo=bar, 42=43'))
  })

  it('encodes the basic types with wrappers', () => {
    const values = new Map<string, unknown>([
      ['s', 'str'],
      ['b', true],
      ['i', -7],
      ['i64', new GoInt(2 ** 40, 'int64')],
      ['u', new GoUint(9)],
      ['f', 3.25],
      ['bytes', new Uint8Array([1, 2, 3])],
    ])
    assert.equal(hex(gobEncodeSessionValues(values)), payload('basic types'))
  })

  it('encodes []string, map[string]interface{} and []int with GoTyped', () => {
    const values = new Map<string, unknown>([
      ['roles', new GoTyped({ slice: 'string' }, ['admin', 'user'])],
      ['prefs', { theme: 'dark', size: 12 }],
      ['ids', new GoTyped({ slice: 'int' }, [1, 2, 3])],
    ])
    assert.equal(hex(gobEncodeSessionValues(values)), payload('slices and maps'))
  })

  it('numbers new types after the ones a shared table has seen (struct = 69, []interface {} = 70)', () => {
    const typeIds = new GobTypeIds()
    gobEncode(new Map([['foo', 'bar']]), { typeIds })
    gobEncode(
      new Map<string, unknown>([
        ['roles', new GoTyped({ slice: 'string' }, [])],
        ['prefs', {}],
        ['ids', new GoTyped({ slice: 'int' }, [])],
      ]),
      { typeIds },
    )
    const user = new GoStruct('main.User', USER_FIELDS, {
      ID: 7,
      Name: 'Ada',
      Admin: true,
      Tags: ['a', 'b'],
    })
    assert.equal(
      hex(gobEncode(new Map([['user', user]]), { typeIds })),
      payload('registered struct'),
    )
    const flashes = new Map([
      ['_flash', ['Hello, flash!', 'second']],
      ['_notice', ['custom']],
    ])
    assert.equal(hex(gobEncode(flashes, { typeIds })), payload('flashes'))
  })

  it('encodes an empty session and a top-level string', () => {
    assert.equal(hex(gobEncodeSessionValues({})), payload('empty session'))
    assert.equal(hex(gobEncode(ID)), payload('filesystem store ID cookie'))
  })

  it('gives a fresh table per call: a struct first seen alone takes id 65 before its fields', () => {
    const bytes = gobEncode(new GoStruct('main.User', USER_FIELDS, { ID: 1, Tags: ['x'] }))
    // -65 struct "User", then -66 slice named "[]string" (Go names unnamed field types by String()).
    assert.match(hex(bytes), /^..ff81030101045573657201ff82/)
    assert.ok(hex(bytes).includes(hex(new TextEncoder().encode('[]string'))))
    assert.deepStrictEqual(gobDecode(bytes), { ID: 1, Name: '', Admin: false, Tags: ['x'] })
  })

  it('keeps the Go types of decoded values when they are changed and re-encoded', () => {
    const basic = vectors.find((v) => v.note === 'basic types')!
    const values = gobDecodeSessionValues(basic.payload)
    values.set('i64', 5)
    values.set('u', 10)
    const again = gobDecodeSessionValues(gobEncodeSessionValues(values))
    assert.equal(again.get('i64'), 5)
    const bytes = hex(gobEncodeSessionValues(values))
    assert.ok(bytes.includes(hex(new TextEncoder().encode('int64'))))
    assert.ok(bytes.includes(hex(new TextEncoder().encode('uint'))))
  })

  it('encodes nested new types inside interface values the way Go frames them', () => {
    const value = new Map([['a', [new GoTyped({ slice: 'string' }, ['x']), 2.5, null]]])
    const bytes = gobEncode(value)
    assert.equal(hex(bytes), NESTED)
    assert.deepStrictEqual(gobDecode(bytes), new Map([['a', [['x'], 2.5, null]]]))
  })

  it('gives floats, wrappers and big integers their Go types', () => {
    assert.equal(hex(gobEncode(3.25)), '050800fe0a40')
    assert.deepStrictEqual(gobDecode(gobEncode(new GoFloat(2))), 2)
    assert.deepStrictEqual(gobDecode(gobEncode(2n ** 62n)), 2n ** 62n)
    assert.deepStrictEqual(
      gobDecode(gobEncode(new GoUint(2n ** 64n - 1n, 'uint64'))),
      2n ** 64n - 1n,
    )
    assert.deepStrictEqual(gobDecode(gobEncode(-(2 ** 60))), -(2 ** 60))
    assert.ok(Object.is(gobDecode(gobEncode(-0)), -0))
    assert.throws(() => gobEncode(new GoInt(128, 'int8')), isEncodeError)
    assert.throws(() => gobEncode(new GoUint(-1)), isEncodeError)
  })

  it('reads the documented Go bytes for small values', () => {
    // From encoding/gob's doc.go: a top-level string "hello" and the probe cookie in go-seeds.md.
    assert.equal(gobDecode(fromHex('08 0c 00 05 68 65 6c 6c 6f')), 'hello')
    assert.equal(hex(gobEncode('hello')), '080c000568656c6c6f')
  })

  it('refuses values Go cannot hold', () => {
    assert.throws(() => gobEncode(null), isEncodeError)
    assert.throws(() => gobEncode(new Date()), isEncodeError)
    assert.throws(() => gobEncode(new Map([['d', new Date()]])), isEncodeError)
    assert.throws(() => gobEncode(Symbol('x')), isEncodeError)
    const cyclic: unknown[] = []
    cyclic.push(cyclic)
    assert.throws(() => gobEncode(cyclic), isEncodeError)
  })

  it('keeps "__proto__" a data key in both directions', () => {
    const object = {}
    Object.defineProperty(object, '__proto__', { value: 1, enumerable: true, writable: true })
    const decoded = gobDecode(gobEncode(object)) as Record<string, unknown>
    assert.equal(Object.getPrototypeOf(decoded), Object.prototype)
    assert.deepStrictEqual(Object.keys(decoded), ['__proto__'])
    assert.equal(Object.getOwnPropertyDescriptor(decoded, '__proto__')?.value, 1)
  })

  it('carries GobEncoder types such as time.Time as bytes with their Go type', () => {
    const time = new GoTyped(
      { marshaler: 'gob', name: 'time.Time' },
      new Uint8Array([1, 0, 0, 0, 14]),
    )
    const bytes = gobEncodeSessionValues(new Map([['at', time]]))
    // wireType field 4 (GobEncoderT) with the bare name "Time"
    assert.ok(hex(bytes).includes('ff830501010454696d6501ff840000'))
    const decoded = gobDecodeSessionValues(bytes)
    assert.deepStrictEqual(decoded.get('at'), new Uint8Array([1, 0, 0, 0, 14]))
    assert.equal(hex(gobEncodeSessionValues(decoded)), hex(bytes))
  })

  it('serializes through gobSerializer', () => {
    const values = new Map<unknown, unknown>([['n', 1]])
    assert.deepStrictEqual(gobSerializer.deserialize(gobSerializer.serialize(values)), values)
  })
})

describe('gob: Go types per value', () => {
  const goType = (values: Map<unknown, unknown>, key: unknown) =>
    decodedSlot(values, key, values.get(key)).go

  it('gives each Go number type its own range check and rounding, whatever came first', () => {
    // One wire id per family (int, uint, float) but one Go type per kind: an int8 seen first
    // must not range-check a later int, nor a float32 round a later float64.
    const values = new Map<string, unknown>([
      ['level', new GoInt(3, 'int8')],
      ['visits', 1000],
      ['small', new GoUint(7, 'uint8')],
      ['count', new GoUint(70_000)],
      ['ratio', new GoFloat(0.5, 'float32')],
      ['share', 0.1],
      ['huge', 1e300],
    ])
    const decoded = gobDecodeSessionValues(gobEncodeSessionValues(values))
    assert.deepStrictEqual(
      [...decoded.keys()].map((key) => [key, goType(decoded, key), decoded.get(key)]),
      [
        ['level', 'int8', 3],
        ['visits', 'int', 1000],
        ['small', 'uint8', 7],
        ['count', 'uint', 70_000],
        ['ratio', 'float32', 0.5],
        ['share', 'float64', 0.1],
        ['huge', 'float64', 1e300],
      ],
    )
    // The other order: a float64 first, then a float32 that fits, then one that cannot.
    const floats = (last: number) =>
      new Map<string, unknown>([
        ['a', 1e300],
        ['b', new GoFloat(0.1, 'float32')],
        ['c', new GoFloat(last, 'float32')],
      ])
    const back = gobDecodeSessionValues(gobEncodeSessionValues(floats(3.4e38)))
    assert.deepStrictEqual([...back.values()], [1e300, Math.fround(0.1), Math.fround(3.4e38)])
    assert.throws(() => gobEncodeSessionValues(floats(1e39)), /value out of range for float32/)
    assert.deepStrictEqual(
      gobDecode(gobEncode(new GoFloat(Number.POSITIVE_INFINITY, 'float32'))),
      Number.POSITIVE_INFINITY,
    )
  })

  it('keeps a leading U+FEFF in every decoded string (keys, values, type names)', () => {
    // Hand-built: map[interface {}]interface {}{"\ufeffkey": "\ufeff"}, as Go writes it.
    const iface = (text: string) => {
      const value = [0, ...str(text)]
      return [...str('string'), ...i(6), value.length, ...value]
    }
    const bytes = stream(
      msg(mapDef(65, 8, 8)),
      msg(i(65), [0], [1], iface('\ufeffkey'), iface('\ufeff')),
    )
    const decoded = gobDecodeSessionValues(bytes)
    assert.deepStrictEqual([...decoded], [['\ufeffkey', '\ufeff']])
    assert.equal(hex(gobEncodeSessionValues(decoded)), hex(bytes))
    const struct = new GoStruct('\ufeffmain.T', [{ name: '\ufeffF', type: 'string' }], {
      '\ufeffF': '\ufeff\ufeffx',
    })
    const values = gobDecodeSessionValues(gobEncodeSessionValues(new Map([['s', struct]])))
    assert.deepStrictEqual(values.get('s'), { '\ufeffF': '\ufeff\ufeffx' })
    assert.equal(goType(values, 's'), '\ufeffmain.T')
  })

  it('keeps session value keys of any Go type: bool, ints beyond 2^53, sized ints', () => {
    const values = new Map<unknown, unknown>([
      [true, 'bool key'],
      [2n ** 60n, 'int key beyond 2^53'],
      [new GoUint(2n ** 64n - 1n, 'uint64'), 'uint64 key'],
      [new GoInt(-3, 'int16'), 'int16 key'],
      ['s', 1],
    ])
    const bytes = gobEncodeSessionValues(values)
    const decoded = gobDecodeSessionValues(bytes)
    assert.deepStrictEqual([...decoded.keys()], [true, 2n ** 60n, 2n ** 64n - 1n, -3, 's'])
    const keyType = (key: unknown) => decodedSlot(decoded, key, key, true).go
    assert.deepStrictEqual([...decoded.keys()].map(keyType), [
      'bool',
      'int',
      'uint64',
      'int16',
      'string',
    ])
    assert.equal(hex(gobEncodeSessionValues(decoded)), hex(bytes))
  })

  it('a remembered type is reused only while the value fits it all the way down', () => {
    const w = vectors.find((v) => v.note === 'slices and maps' && !v.encrypted)!
    const values = gobDecodeSessionValues(w.payload)
    // []string in Go; numbers do not fit, so the default mapping applies instead of a failure.
    values.set('roles', [1, 2])
    ;(values.get('ids') as unknown[]).push('three')
    const back = gobDecodeSessionValues(gobEncodeSessionValues(values))
    assert.deepStrictEqual(back.get('roles'), [1, 2])
    assert.equal(goType(back, 'roles'), '[]interface {}')
    assert.deepStrictEqual(back.get('ids'), [1, 2, 3, 'three'])
    assert.equal(goType(back, 'ids'), '[]interface {}')
    values.set('roles', ['root'])
    assert.equal(
      goType(gobDecodeSessionValues(gobEncodeSessionValues(values)), 'roles'),
      '[]string',
    )
  })

  it('refuses struct values with keys that are not fields (they would be dropped)', () => {
    const user = new GoStruct('main.User', USER_FIELDS, { ID: 1, Email: 'ada@example.com' })
    assert.throws(() => gobEncode(user), /main\.User has no field "Email"/)
    assert.throws(() => gobEncode(user), isEncodeError)
  })
})

describe('gob: round trips (property)', () => {
  const leaf = fc.oneof(
    fc.string(),
    fc.boolean(),
    fc.maxSafeInteger(),
    fc.double(),
    fc
      .bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })
      .filter((n) => n < -(2n ** 53n) || n > 2n ** 53n),
    fc.uint8Array({ maxLength: 8 }),
    fc.constant(null),
  )
  const { value } = fc.letrec<{ value: unknown }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      fc.array(tie('value'), { maxLength: 4 }),
      fc.dictionary(fc.string(), tie('value'), { maxKeys: 4, noNullPrototype: true }),
      fc
        .array(fc.tuple(fc.oneof(fc.string(), fc.integer()), tie('value')), { maxLength: 4 })
        .map((entries) => new Map<unknown, unknown>(entries)),
    ),
  }))
  const topLevel = value.filter((v) => v !== null)

  it('gobDecode(gobEncode(v)) equals v', () => {
    fc.assert(
      fc.property(topLevel, (v) => {
        assert.deepStrictEqual(gobDecode(gobEncode(v), { maxDepth: 64 }), v)
      }),
      { numRuns: 200 },
    )
  })

  it('session values with string and int keys round-trip', () => {
    const entries = fc.array(fc.tuple(fc.oneof(fc.string(), fc.integer()), value), { maxLength: 6 })
    fc.assert(
      fc.property(entries, (list) => {
        const values = new Map<string | number, unknown>(list)
        const decoded = gobDecodeSessionValues(gobEncodeSessionValues(values), { maxDepth: 64 })
        assert.deepStrictEqual(decoded, values)
        // decoded values keep their stream order and Go types: re-encoding is stable
        assert.equal(hex(gobEncodeSessionValues(decoded)), hex(gobEncodeSessionValues(values)))
      }),
      { numRuns: 150 },
    )
  })
})

function isDecodeError(error: unknown): boolean {
  return error instanceof GobError && error.code === 'ERR_GOB_DECODE'
}

function isEncodeError(error: unknown): boolean {
  return error instanceof GobError && error.code === 'ERR_GOB_ENCODE'
}
