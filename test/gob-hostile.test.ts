import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { GobError } from '../src/errors.ts'
import { gobDecode, gobDecodeSessionValues, gobEncode, type GobLimits } from '../src/gob.ts'
// The decoder's work meter: tests count its steps instead of timing it.
import { decodeStream, type DecodeMeter } from '../src/interop/gob/decode.ts'
import { i, mapDef, msg, sliceDef, str, stream, structDef, u } from './support/gob-build.ts'
import { loadGobVectors } from './support/gob-vectors.ts'

const INT = 2
const STRING = 6
const INTERFACE = 8
const DEFAULT_MAX_ELEMENTS = 100_000

/** Decodes with the work meter; the error, if any, is returned rather than thrown. */
function metered(bytes: Uint8Array, limits?: GobLimits): { meter: DecodeMeter; error?: unknown } {
  const meter = { steps: 0, elements: 0 }
  try {
    decodeStream(bytes, limits, meter)
    return { meter }
  } catch (error) {
    return { meter, error }
  }
}

/**
 * The work bound: a few steps per input byte plus a few per element the budget allowed. Every
 * step of the decoder either reads input or is charged against maxElements, so no claim in
 * the input can buy work beyond that.
 */
function assertBoundedWork(bytes: Uint8Array, limits?: GobLimits): DecodeMeter {
  const { meter } = metered(bytes, limits)
  const budget = Math.min(meter.elements, limits?.maxElements ?? DEFAULT_MAX_ELEMENTS)
  const bound = 4 * bytes.length + 3 * budget + 8
  assert.ok(meter.steps <= bound, `${meter.steps} steps for ${bytes.length} bytes`)
  return meter
}

/** Must throw GobError('ERR_GOB_DECODE'), with work bounded by the input (not by a claim). */
function rejects(bytes: Uint8Array, pattern?: RegExp, limits?: GobLimits) {
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
  assertBoundedWork(bytes, limits)
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
    // Session value keys of any Go type are Go's to choose: a bool key is kept, not refused.
    const keyed = stream(
      msg(mapDef(65, INTERFACE, INTERFACE)),
      msg(i(65), [0], [1], str('bool'), i(1), [2, 0, 1], [0]),
    )
    assert.deepStrictEqual(gobDecodeSessionValues(keyed), new Map([[true, null]]))
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

  it('random bytes either decode or throw GobError, with bounded work', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), (bytes) => {
        try {
          gobDecode(bytes)
        } catch (error) {
          assert.ok(isDecodeError(error), String(error))
        }
        assertBoundedWork(bytes)
      }),
      { numRuns: 300 },
    )
  })

  it('random message sequences with valid framing either decode or throw GobError, with bounded work', () => {
    // Framed messages get past the length checks, so the type and value code sees the noise.
    const framed = fc
      .array(fc.uint8Array({ minLength: 1, maxLength: 48 }), { minLength: 1, maxLength: 6 })
      .map((messages) => stream(...messages.map((m) => msg([...m]))))
    const limits = fc.option(
      fc.record({ maxDepth: fc.nat({ max: 40 }), maxElements: fc.nat({ max: 5000 }) }),
      { nil: undefined },
    )
    fc.assert(
      fc.property(framed, limits, (bytes, lim) => {
        const { error } = metered(bytes, lim)
        if (error !== undefined) assert.ok(isDecodeError(error), (error as Error).message)
        assertBoundedWork(bytes, lim)
      }),
      { numRuns: 500 },
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
        try {
          gobDecode(bytes)
        } catch (error) {
          assert.ok(isDecodeError(error), String(error))
        }
        assertBoundedWork(bytes)
      }),
      { numRuns: 300 },
    )
  })
})

// A struct type with `fields` unnamed int fields, defined once (3 bytes a field).
function wideStruct(id: number, fields: number): number[] {
  const body: number[] = []
  for (let n = 0; n < fields; n++) body.push(2, ...i(INT), 0)
  return [...i(-id), 3, 1, 1, ...str('T'), 1, ...i(id), 0, 1, ...u(fields), ...body, 0, 0]
}

// ~size bytes: a third of them define a wide struct, the rest are one-byte (all-zero) values.
function wideStructs(size: number): Uint8Array {
  const fields = Math.floor(size / 3)
  return stream(
    msg(wideStruct(65, fields)),
    msg(sliceDef(66, 65)),
    msg(i(66), [0], u(size), new Array<number>(size).fill(0)),
  )
}

describe('gob hostile input: work is linear in the input', () => {
  it('a struct defined once with many fields cannot make every one-byte value fill them for free', () => {
    // 16 KB: 5 000 fields times 16 000 values would be 80 million zero fields to build.
    const bytes = wideStructs(16_000)
    rejects(bytes, /too many elements/)
    const { meter } = metered(bytes)
    assert.ok(meter.steps < 2 * DEFAULT_MAX_ELEMENTS, `${meter.steps} steps`)
    // Within the budget the fields are still filled with Go zero values.
    const small = gobDecode(wideStructs(300)) as Record<string, unknown>[]
    assert.equal(small.length, 300)
    assert.deepStrictEqual(small[0], { '': 0 })
  })

  it('struct values pay their fields into maxElements, sent or not', () => {
    const def = msg(
      structDef(65, 'T', [
        ['A', INT],
        ['B', STRING],
        ['C', INT],
      ]),
    )
    const slice = msg(sliceDef(66, 65))
    const values = (n: number) =>
      stream(def, slice, msg(i(66), [0], u(n), new Array<number>(n).fill(0)))
    // 10 elements + 10 values of 3 fields + 3 field definitions = 43.
    assert.equal((gobDecode(values(10), { maxElements: 43 }) as unknown[]).length, 10)
    rejects(values(10), /too many elements/, { maxElements: 42 })
  })

  // DOS-03: worst cases of each shape at about 1 KB, 10 KB and 100 KB; the steps per input
  // byte must not grow with the input (the wide structs are capped by the budget instead).
  const families: [string, (size: number) => Uint8Array][] = [
    [
      'a slice of ints',
      (n) => stream(msg(sliceDef(65, INT)), msg(i(65), [0], u(n), new Array<number>(n).fill(2))),
    ],
    [
      'a map of one-letter strings',
      (n) => {
        const count = Math.floor(n / 4)
        const entries = Array.from({ length: count }, () => [...str('k'), 2]).flat()
        return stream(msg(mapDef(65, STRING, INT)), msg(i(65), [0], u(count), entries))
      },
    ],
    [
      'interface values named by a long type name',
      (n) => {
        // type M map[int]M, each (empty) value named "map[int]map[int]…" in 500 bytes.
        const name = 'map[int]'.repeat(61) + 'map[int]int'
        const count = Math.floor(n / (name.length + 8))
        const one = [...str(name), ...i(65), 2, 0, 0]
        const recursive = [...i(-65), 4, 1, 2, ...i(65), 0, 1, ...i(INT), 1, ...i(65), 0, 0]
        return stream(
          msg(sliceDef(66, INTERFACE)),
          msg(recursive),
          msg(i(66), [0], u(count), new Array<number[]>(count).fill(one).flat()),
        )
      },
    ],
    ['wide structs', wideStructs],
  ]
  for (const [what, build] of families) {
    it(`${what}: steps grow linearly with the input`, () => {
      const perByte = [1_000, 10_000, 100_000].map((size) => {
        const bytes = build(size)
        return assertBoundedWork(bytes).steps / bytes.length
      })
      const [small = 0, medium = 0, large = 0] = perByte
      assert.ok(medium <= 1.25 * small && large <= 1.25 * medium, `per byte ${perByte.join(', ')}`)
    })
  }
})
