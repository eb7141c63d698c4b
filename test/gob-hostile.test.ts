import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { GobError } from '../src/errors.ts'
import { gobDecode, gobDecodeSessionValues, gobEncode } from '../src/gob.ts'
import { i, mapDef, msg, sliceDef, str, stream, structDef, u } from './support/gob-build.ts'
import { loadGobVectors } from './support/gob-vectors.ts'

const INT = 2
const STRING = 6
const INTERFACE = 8

/** Must throw GobError('ERR_GOB_DECODE') and do so quickly (no work proportional to a claim). */
function rejects(bytes: Uint8Array, pattern?: RegExp, limits?: Parameters<typeof gobDecode>[1]) {
  const start = performance.now()
  assert.throws(
    () => gobDecode(bytes, limits),
    (error: unknown) => {
      assert.ok(error instanceof GobError, `not a GobError: ${String(error)}`)
      assert.equal(error.code, 'ERR_GOB_DECODE')
      if (pattern) assert.match(error.message, pattern)
      assert.ok(error.message.length < 200, 'message must not echo input')
      return true
    },
  )
  assert.ok(performance.now() - start < 250, 'took too long')
}

function isDecodeError(error: unknown): boolean {
  return error instanceof GobError && error.code === 'ERR_GOB_DECODE'
}

describe('gob hostile input: lengths and counts', () => {
  it('rejects a string claiming 2^40 bytes', () => {
    rejects(stream(msg(i(STRING), [0], u(2n ** 40n), [0x61])), /length exceeds message/)
  })

  it('rejects a []byte longer than its message', () => {
    rejects(stream(msg(i(5), [0], u(10), [1, 2, 3])), /length exceeds message/)
  })

  it('rejects a slice claiming 2^40 elements without allocating', () => {
    rejects(stream(msg(sliceDef(65, INT)), msg(i(65), [0], u(2n ** 40n), [2])), /exceeds input/)
  })

  it('rejects a map claiming 2^31 entries', () => {
    rejects(stream(msg(mapDef(65, STRING, INT)), msg(i(65), [0], u(2 ** 31), str('a'), [2])))
  })

  it('rejects a message longer than the input, and a 2^40 message length', () => {
    rejects(stream([50, ...i(STRING), 0, ...str('hi')]), /message length exceeds input/)
    rejects(stream(u(2n ** 40n), i(STRING), [0]), /message length exceeds input/)
  })

  it('rejects "negative" (2^64 - 1) counts and malformed uints', () => {
    const max = [0xf8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]
    rejects(stream(msg(sliceDef(65, INT)), msg(i(65), [0], max)), /count too large/)
    rejects(stream([0x80, 1, 2]), /invalid uint length/)
    rejects(stream(msg(i(INT), [0], [0xfe, 1])), /uint exceeds message/)
  })

  it('rejects a negative array length in a type definition', () => {
    const arrayDef = [...i(-65), 1, 1, 2, ...i(65), 0, 1, ...i(INT), 1, ...i(-1), 0, 0]
    rejects(stream(msg(arrayDef), msg(i(65), [0], [0])), /array length/)
  })

  it('rejects an array whose count differs from its declared length', () => {
    const arrayDef = [...i(-65), 1, 1, 2, ...i(65), 0, 1, ...i(INT), 1, ...i(2), 0, 0]
    rejects(stream(msg(arrayDef), msg(i(65), [0], [1], [2])), /array length mismatch/)
    assert.deepStrictEqual(gobDecode(stream(msg(arrayDef), msg(i(65), [0], [2], [2, 4]))), [1, 2])
  })

  it('rejects too many elements in total', () => {
    const n = 200_000
    const bytes = stream(
      msg(sliceDef(65, INT)),
      msg(i(65), [0], u(n), new Array<number>(n).fill(2)),
    )
    rejects(bytes, /too many elements/)
    assert.equal((gobDecode(bytes, { maxElements: n }) as number[]).length, n)
  })

  it('rejects input beyond maxBytes before reading it', () => {
    rejects(new Uint8Array(2 * 1024 * 1024), /maxBytes/)
    rejects(stream(msg(i(STRING), [0], str('hello'))), /maxBytes/, { maxBytes: 4 })
  })

  it('rejects empty input, a zero-length message and a missing value', () => {
    rejects(new Uint8Array(0), /end of stream/)
    rejects(stream([0]), /end of message/)
    rejects(stream(msg(sliceDef(65, INT))), /end of stream/)
  })
})

describe('gob hostile input: nesting and types', () => {
  it('rejects nested interfaces and slices beyond maxDepth', () => {
    let deep: unknown = 'x'
    for (let n = 0; n < 40; n++) deep = [deep]
    const bytes = gobEncode(deep)
    rejects(bytes, /maxDepth/)
    assert.deepStrictEqual(gobDecode(bytes, { maxDepth: 100 }), deep)
  })

  it('rejects a deep recursive slice type (type T []T) without overflowing the stack', () => {
    const body = [...new Array<number>(100_000).fill(1), 0]
    const bytes = stream(msg(sliceDef(65, 65)), msg(i(65), [0], body))
    rejects(bytes, /maxDepth/)
    // With the depth limit lifted the JS stack gives out first: still a GobError.
    assert.throws(() => gobDecode(bytes, { maxDepth: 1_000_000 }), isDecodeError)
    assert.deepStrictEqual(gobDecode(stream(msg(sliceDef(65, 65)), msg(i(65), [0], [1, 0]))), [[]])
  })

  it('decodes a small recursive struct and rejects a deep one', () => {
    const def = msg(structDef(65, 'Node', [['Next', 65]]))
    assert.deepStrictEqual(gobDecode(stream(def, msg(i(65), [1, 0, 0]))), {
      Next: { Next: null },
    })
    rejects(stream(def, msg(i(65), new Array<number>(5000).fill(1))), /maxDepth/)
  })

  it('rejects unknown and undefined type ids', () => {
    rejects(stream(msg(i(99), [0], [1])), /unknown type id/)
    rejects(stream(msg(sliceDef(65, 99)), msg(i(65), [0], [1], [0])), /unknown type id/)
    rejects(stream(msg(i(7), [0], [0], [0])), /complex/)
  })

  it('rejects duplicate, reserved and malformed type definitions', () => {
    rejects(
      stream(msg(sliceDef(65, INT)), msg(sliceDef(65, INT)), msg(i(65), [0], [0])),
      /duplicate/,
    )
    rejects(stream(msg(sliceDef(16, INT)), msg(i(16), [0], [0])), /reserved/)
    rejects(stream(msg(i(-65), [0]), msg(i(65), [0])), /empty type definition/)
    const twoKinds = [...i(-65), 2, 1, 2, ...i(65), 0, 1, ...i(INT), 0, 1, 1, 0, 0, 0]
    rejects(stream(msg(twoKinds), msg(i(65), [0], [0])), /two kinds/)
    rejects(stream(msg(i(-65), [9]), msg(i(65), [0])), /field number out of range/)
    rejects(stream(msg(sliceDef(65, INT), [7]), msg(i(65), [0], [0])), /extra data/)
    rejects(stream(msg(i(-(2n ** 40n)))), /type id out of range/)
  })

  it('rejects more type definitions than maxTypes', () => {
    const defs = Array.from({ length: 300 }, (_, n) => msg(sliceDef(65 + n, INT)))
    const bytes = stream(...defs, msg(i(65), [0], [1], [2]))
    rejects(bytes, /too many type definitions/)
    assert.deepStrictEqual(gobDecode(bytes, { maxTypes: 300 }), [1])
  })

  it('rejects bad struct deltas and non-zero singleton deltas', () => {
    const def = msg(structDef(65, 'T', [['A', INT]]))
    rejects(stream(def, msg(i(65), [2, 2])), /field number out of range/)
    rejects(stream(msg(i(STRING), [1], str('x'))), /non-zero delta/)
  })

  it('rejects oversized and truncated interface type names', () => {
    const iface = (name: number[]) =>
      stream(msg(sliceDef(65, INTERFACE)), msg(i(65), [0], [1], name))
    rejects(iface([...u(2000), ...new Array<number>(2000).fill(0x61)]), /type name too long/)
    rejects(iface([...u(50), 0x61]), /type name exceeds message/)
  })

  it('keeps "__proto__" keys and fields as data', () => {
    const map = stream(
      msg(mapDef(65, STRING, STRING)),
      msg(i(65), [0], [1], str('__proto__'), str('x')),
    )
    const decoded = gobDecode(map) as Record<string, unknown>
    assert.equal(Object.getPrototypeOf(decoded), Object.prototype)
    assert.equal(Object.getOwnPropertyDescriptor(decoded, '__proto__')?.value, 'x')
    const struct = stream(
      msg(structDef(65, 'T', [['__proto__', STRING]])),
      msg(i(65), [1], str('y'), [0]),
    )
    const object = gobDecode(struct) as Record<string, unknown>
    assert.equal(Object.getPrototypeOf(object), Object.prototype)
    assert.equal(Object.getOwnPropertyDescriptor(object, '__proto__')?.value, 'y')
    assert.equal(({} as Record<string, unknown>)['y'], undefined)
  })

  it('rejects wrong input types and wrong top-level types for session values', () => {
    assert.throws(() => gobDecode('abc' as unknown as Uint8Array), isDecodeError)
    assert.throws(() => gobDecode(new Uint8Array(1), { maxDepth: -1 }), isDecodeError)
    const keyed = stream(
      msg(mapDef(65, INTERFACE, INTERFACE)),
      msg(i(65), [0], [1], str('bool'), i(1), [2, 0, 1], [0]),
    )
    assert.throws(() => gobDecodeSessionValues(keyed), /neither a string nor an int/)
    assert.throws(
      () => gobDecodeSessionValues(stream(msg(i(STRING), [0], str('x')))),
      isDecodeError,
    )
  })
})

describe('gob hostile input: truncation and noise', () => {
  const vectors = loadGobVectors()

  it('rejects every truncation of every vector', () => {
    for (const v of vectors) {
      for (let end = 0; end < v.payload.length; end++) {
        rejects(v.payload.subarray(0, end))
      }
    }
  })

  it('random bytes either decode or throw GobError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), (bytes) => {
        try {
          gobDecode(bytes)
        } catch (error) {
          assert.ok(isDecodeError(error), String(error))
        }
      }),
      { numRuns: 300 },
    )
  })

  it('mutated vectors either decode or throw GobError', () => {
    const payloads = vectors.map((v) => v.payload)
    const mutation = fc.record({
      which: fc.nat({ max: payloads.length - 1 }),
      edits: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), {
        minLength: 1,
        maxLength: 4,
      }),
    })
    fc.assert(
      fc.property(mutation, ({ which, edits }) => {
        const bytes = Uint8Array.from(payloads[which]!)
        for (const [at, value] of edits) bytes[at % bytes.length] = value
        const start = performance.now()
        try {
          gobDecode(bytes)
        } catch (error) {
          assert.ok(isDecodeError(error), String(error))
        }
        assert.ok(performance.now() - start < 250)
      }),
      { numRuns: 300 },
    )
  })
})
