// Go-typed values for property tests, with two independent descriptions of the Go types they
// carry: `expectedView` derives them from how a value was written (wrappers and the documented
// default mapping, re-stated here rather than taken from the encoder), `decodedView` reads them
// from what the decoder remembered about a decoded value. Equal views mean every value came
// back with its Go type, in every interface slot, nested or not.
import fc from 'fast-check'

import {
  GoFloat,
  GoInt,
  GoStruct,
  GoTyped,
  GoUint,
  type GoField,
  type GoTypeSpec,
} from '../../src/gob.ts'
// The decoder's record of each interface slot's concrete Go type.
import { slotHint } from '../../src/interop/gob/provenance.ts'

/** A value in an interface slot: its Go type name and its contents. */
export interface SlotView {
  readonly go: string
  readonly value: unknown
}

const INT_BITS = { int8: 8, int16: 16, int32: 32, int64: 64, int: 64 } as const
const UINT_BITS = { uint8: 8, uint16: 16, uint32: 32, uint64: 64, uint: 64 } as const

function numeric(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(v)
    : v
}

// ---------------------------------------------------------------------------------------
// Expected: from the written value.

/** Go's reflect String() of a spec, as gob.Register names unnamed types. */
export function goName(spec: GoTypeSpec): string {
  if (typeof spec === 'string') {
    return spec === 'bytes' ? '[]uint8' : spec === 'interface' ? 'interface {}' : spec
  }
  if ('slice' in spec) return `[]${goName(spec.slice)}`
  if ('array' in spec) return `[${spec.len}]${goName(spec.array)}`
  if ('map' in spec) return `map[${goName(spec.map[0])}]${goName(spec.map[1])}`
  return 'struct' in spec ? spec.struct : spec.name
}

/** The view of a value written into an interface slot. */
export function expectedView(value: unknown): SlotView {
  if (value === null || value === undefined) return { go: 'nil', value: null }
  if (value instanceof GoInt || value instanceof GoUint) {
    return { go: value.kind, value: numeric(BigInt(value.value)) }
  }
  if (value instanceof GoFloat) {
    return {
      go: value.kind,
      value: value.kind === 'float32' ? Math.fround(value.value) : value.value,
    }
  }
  if (value instanceof GoTyped)
    return { go: goName(value.spec), value: expectedTyped(value.spec, value.value) }
  if (value instanceof GoStruct) {
    return { go: value.typeName, value: expectedStruct(value.fields, value.values) }
  }
  switch (typeof value) {
    case 'string':
      return { go: 'string', value }
    case 'boolean':
      return { go: 'bool', value }
    case 'bigint':
      return { go: 'int', value: numeric(value) }
    case 'number':
      return Number.isSafeInteger(value) && !Object.is(value, -0)
        ? { go: 'int', value }
        : { go: 'float64', value }
    default:
      break
  }
  if (value instanceof Uint8Array) return { go: '[]uint8', value }
  if (Array.isArray(value)) return { go: '[]interface {}', value: value.map(expectedView) }
  if (value instanceof Map) {
    return {
      go: 'map[interface {}]interface {}',
      value: [...(value as Map<unknown, unknown>)].map(([k, v]) => [
        expectedView(k),
        expectedView(v),
      ]),
    }
  }
  const entries = Object.entries(value as Record<string, unknown>)
  return { go: 'map[string]interface {}', value: entries.map(([k, v]) => [k, expectedView(v)]) }
}

function unwrapped(value: unknown): unknown {
  if (value instanceof GoInt || value instanceof GoUint || value instanceof GoFloat)
    return value.value
  if (value instanceof GoTyped) return value.value
  if (value instanceof GoStruct) return value.values
  return value
}

/** The view of a value in a slot of concrete type `spec` (wrappers there only carry values). */
function expectedTyped(spec: GoTypeSpec, raw: unknown): unknown {
  const value = unwrapped(raw)
  if (spec === 'interface') return expectedView(raw)
  if (typeof spec === 'string') {
    if (spec === 'float32') return Math.fround(value as number)
    if (spec in INT_BITS || spec in UINT_BITS) return numeric(BigInt(value as number | bigint))
    return value
  }
  if ('slice' in spec) return (value as unknown[]).map((item) => expectedTyped(spec.slice, item))
  if ('array' in spec) return (value as unknown[]).map((item) => expectedTyped(spec.array, item))
  if ('map' in spec) {
    const entries =
      value instanceof Map ? [...(value as Map<unknown, unknown>)] : Object.entries(value as object)
    return entries.map(([k, v]) => [expectedTyped(spec.map[0], k), expectedTyped(spec.map[1], v)])
  }
  if ('struct' in spec) return expectedStruct(spec.fields, value as Record<string, unknown>)
  return value
}

function expectedStruct(
  fields: readonly GoField[],
  values: Readonly<Record<string, unknown>>,
): unknown {
  return fields.map((f) => {
    const item = Object.hasOwn(values, f.name) ? values[f.name] : undefined
    return [
      f.name,
      isZero(f.type, unwrapped(item)) ? zeroView(f.type) : expectedTyped(f.type, item),
    ]
  })
}

// Go does not send struct fields holding zero values (-0.0 included), so they come back as zero.
function isZero(spec: GoTypeSpec, value: unknown): boolean {
  if (value === undefined || value === null) return true
  if (spec === 'interface') return false
  if (value instanceof Uint8Array) return value.length === 0
  if (Array.isArray(value)) return value.length === 0 && typeof spec === 'object' && 'slice' in spec
  return value === false || value === '' || value === 0 || value === 0n
}

// What a struct field Go did not send decodes to.
function zeroView(spec: GoTypeSpec): unknown {
  if (spec === 'interface') return { go: 'nil', value: null }
  if (spec === 'bool') return false
  if (spec === 'string') return ''
  if (spec === 'bytes') return new Uint8Array(0)
  if (typeof spec === 'string') return 0
  return 'slice' in spec || 'array' in spec ? [] : null
}

// ---------------------------------------------------------------------------------------
// Decoded: from what the decoder remembered.

/** The view of the value found in interface slot `slot` of `container`. */
export function decodedSlot(
  container: object,
  slot: unknown,
  value: unknown,
  key = false,
): SlotView {
  if (value === null) return { go: 'nil', value: null }
  const hint = slotHint(container, slot)
  const typed = key ? hint?.key : hint?.value
  if (typed === undefined) return { go: '(no Go type)', value }
  return {
    go: typed.name === '' ? goName(typed.spec) : typed.name,
    value: decodedTyped(typed.spec, value),
  }
}

function decodedTyped(spec: GoTypeSpec, value: unknown): unknown {
  if (typeof spec === 'string') return value
  if ('slice' in spec || 'array' in spec) {
    const elem = 'slice' in spec ? spec.slice : spec.array
    const list = value as unknown[]
    return list.map((item, i) =>
      elem === 'interface' ? decodedSlot(list, i, item) : decodedTyped(elem, item),
    )
  }
  if ('map' in spec) {
    const [keySpec, elemSpec] = spec.map
    const container = value as object
    const entries =
      value instanceof Map ? [...(value as Map<unknown, unknown>)] : Object.entries(container)
    return entries.map(([k, v]) => [
      keySpec === 'interface' ? decodedSlot(container, k, k, true) : decodedTyped(keySpec, k),
      elemSpec === 'interface' ? decodedSlot(container, k, v) : decodedTyped(elemSpec, v),
    ])
  }
  if ('struct' in spec) {
    const object = value as Record<string, unknown>
    return spec.fields.map((f) => [
      f.name,
      f.type === 'interface'
        ? decodedSlot(object, f.name, object[f.name])
        : decodedTyped(f.type, object[f.name]),
    ])
  }
  return value
}

// ---------------------------------------------------------------------------------------
// Generators.

/** Strings with byte order marks where Go code is likely to have them: leading, and alone. */
export const goString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 8 }),
  fc.string({ unit: fc.constantFrom('\ufeff', 'a', 'é', '\u{1f600}'), maxLength: 4 }),
  fc.string({ unit: 'binary', maxLength: 6 }).map((s) => `\ufeff${s}`),
)

function sized(kind: keyof typeof INT_BITS): fc.Arbitrary<GoInt> {
  const bits = BigInt(INT_BITS[kind])
  return fc
    .bigInt({ min: -(1n << (bits - 1n)), max: (1n << (bits - 1n)) - 1n })
    .map((v) => new GoInt(numeric(v), kind))
}

function sizedU(kind: keyof typeof UINT_BITS): fc.Arbitrary<GoUint> {
  const bits = BigInt(UINT_BITS[kind])
  return fc.bigInt({ min: 0n, max: (1n << bits) - 1n }).map((v) => new GoUint(numeric(v), kind))
}

const goNumber = fc.oneof(
  ...(['int', 'int8', 'int16', 'int32', 'int64'] as const).map(sized),
  ...(['uint', 'uint8', 'uint16', 'uint32', 'uint64'] as const).map(sizedU),
  fc.float().map((v) => new GoFloat(v, 'float32')),
  fc.double().map((v) => new GoFloat(v, 'float64')),
  fc.maxSafeInteger(),
  fc.double(),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
)

/** Registered structs of fixed shapes (one shape per name, as in a Go program). */
export const USER: readonly GoField[] = [
  { name: 'ID', type: 'int64' },
  { name: 'Name', type: 'string' },
  { name: 'Admin', type: 'bool' },
  { name: 'Tags', type: { slice: 'string' } },
  { name: 'Score', type: 'float32' },
  { name: 'Raw', type: 'bytes' },
  { name: 'Extra', type: 'interface' },
]

const goLeaf = fc.oneof(
  goNumber,
  goString,
  fc.boolean(),
  fc.uint8Array({ maxLength: 6 }),
  fc.constant(null),
)

const typedContainers = fc.oneof(
  fc.array(goString, { maxLength: 3 }).map((v) => new GoTyped({ slice: 'string' }, v)),
  fc.array(sized('int64'), { maxLength: 3 }).map(
    (v) =>
      new GoTyped(
        { slice: 'int64' },
        v.map((x) => x.value),
      ),
  ),
  fc
    .dictionary(goString, sized('int16'), { maxKeys: 3, noNullPrototype: true })
    .map(
      (d) =>
        new GoTyped(
          { map: ['string', 'int16'] },
          Object.fromEntries(Object.entries(d).map(([k, v]) => [k, v.value])),
        ),
    ),
)

/** A Go-typed value for an interface slot, nested up to a few levels. */
export const goValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    goLeaf,
    typedContainers,
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(goString, tie('value'), { maxKeys: 3, noNullPrototype: true }),
    fc
      .array(fc.tuple(fc.oneof(goString, fc.integer()), tie('value')), { maxLength: 3 })
      .map((entries) => new Map<unknown, unknown>(entries)),
    fc
      .record(
        {
          ID: sized('int64').map((v) => v.value),
          Name: goString,
          Admin: fc.boolean(),
          Tags: fc.array(goString, { maxLength: 2 }),
          Score: fc.float().map(Math.fround),
          Raw: fc.uint8Array({ maxLength: 3 }),
          Extra: tie('value'),
        },
        { requiredKeys: [] },
      )
      .map((values) => new GoStruct('main.User', USER, values)),
  ),
})).value
