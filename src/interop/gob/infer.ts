// Which Go type a JavaScript value gets when it sits in an interface{} slot: an explicit wrapper,
// else the type it was decoded with (if the value still fits it), else the default mapping.
import { encodeError } from './bytes.ts'
import { containerType, type TypeHint } from './provenance.ts'
import { inIntRange, registeredName } from './spec.ts'
import {
  GoFloat,
  GoInt,
  GoStruct,
  GoTyped,
  GoUint,
  type GoField,
  type GoTypeSpec,
} from './values.ts'

export interface Concrete {
  readonly spec: GoTypeSpec
  readonly name: string
  readonly value: unknown
}

// Shared spec objects so a type table sees one identity per default type.
const SLICE_OF_ANY: GoTypeSpec = { slice: 'interface' }
const MAP_ANY_ANY: GoTypeSpec = { map: ['interface', 'interface'] }
const MAP_STRING_ANY: GoTypeSpec = { map: ['string', 'interface'] }
export const SESSION_VALUES_SPEC: GoTypeSpec = MAP_ANY_ANY

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false
  const proto: unknown = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/** Removes an explicit wrapper when the surrounding Go type is already known. */
export function unwrap(value: unknown): unknown {
  if (value instanceof GoInt || value instanceof GoUint || value instanceof GoFloat) {
    return value.value
  }
  if (value instanceof GoTyped) return value.value
  if (value instanceof GoStruct) return value.values
  return value
}

export function concrete(value: unknown, hint: TypeHint | undefined): Concrete {
  const named = (spec: GoTypeSpec, inner: unknown): Concrete => ({
    spec,
    name: hint?.spec === spec && hint.name !== '' ? hint.name : registeredName(spec),
    value: inner,
  })
  if (value instanceof GoTyped) return named(value.spec, value.value)
  if (value instanceof GoStruct) {
    return named({ struct: value.typeName, fields: value.fields }, value.values)
  }
  if (value instanceof GoInt || value instanceof GoUint || value instanceof GoFloat) {
    return named(value.kind, value.value)
  }
  const remembered = containerType(value)
  if (remembered && fits(remembered, value)) return named(remembered, value)
  if (hint && fits(hint.spec, value)) return named(hint.spec, value)
  return named(infer(value), value)
}

export function infer(value: unknown): GoTypeSpec {
  switch (typeof value) {
    case 'string':
      return 'string'
    case 'boolean':
      return 'bool'
    case 'bigint':
      return 'int'
    case 'number':
      // Integers beyond 2^53 and -0 are not exact Go ints; float64 keeps them as they are.
      return Number.isSafeInteger(value) && !Object.is(value, -0) ? 'int' : 'float64'
    default:
      break
  }
  if (value instanceof Uint8Array) return 'bytes'
  if (Array.isArray(value)) return SLICE_OF_ANY
  if (value instanceof Map) return MAP_ANY_ANY
  if (isPlainObject(value)) return MAP_STRING_ANY
  if (value === null || value === undefined) return encodeError('nil has no concrete Go type')
  return encodeError(`no Go type for a ${describe(value)}`)
}

export function describe(value: unknown): string {
  if (value === null) return 'null'
  if (typeof value !== 'object') return typeof value
  const ctor: unknown = (value as { constructor?: unknown }).constructor
  return typeof ctor === 'function' && ctor.name !== '' ? ctor.name : 'object'
}

/**
 * Does `value` have the shape of Go type `spec` all the way down (every element of a `[]string`
 * a string, every integer in range, no struct keys that are not fields)? Only then may a
 * remembered type be reused: a shallow check would pick `[]string` for `[1, 2]` and fail later.
 */
export function fits(spec: GoTypeSpec, value: unknown, depth = 0): boolean {
  if (depth > MAX_FIT_DEPTH) return false
  if (typeof spec === 'string') return fitsBasic(spec, value)
  if ('slice' in spec) return Array.isArray(value) && everyFits(spec.slice, value, depth)
  if ('array' in spec) {
    return Array.isArray(value) && value.length === spec.len && everyFits(spec.array, value, depth)
  }
  if ('map' in spec) return fitsMap(spec.map[0], spec.map[1], value, depth)
  if ('struct' in spec) return fitsStruct(spec.fields, value, depth)
  return value instanceof Uint8Array
}

const MAX_FIT_DEPTH = 1000

function fitsBasic(spec: GoTypeSpec & string, value: unknown): boolean {
  switch (spec) {
    case 'interface':
      return true
    case 'bool':
      return typeof value === 'boolean'
    case 'string':
      return typeof value === 'string'
    case 'bytes':
      return value instanceof Uint8Array
    case 'float64':
      return typeof value === 'number'
    case 'float32':
      return typeof value === 'number' && inFloat32Range(value)
    default:
      if (typeof value === 'number' && Number.isSafeInteger(value)) {
        return inIntRange(spec, BigInt(value))
      }
      return typeof value === 'bigint' && inIntRange(spec, value)
  }
}

/** float32 holds every float64 but the finite ones that round to ±Infinity. */
export function inFloat32Range(value: number): boolean {
  return !Number.isFinite(value) || Number.isFinite(Math.fround(value))
}

/** A slot of concrete type `spec` inside a container: wrappers there only carry the value. */
function fitsSlot(spec: GoTypeSpec, item: unknown, depth: number): boolean {
  return spec === 'interface' || fits(spec, unwrap(item), depth + 1)
}

function everyFits(spec: GoTypeSpec, items: readonly unknown[], depth: number): boolean {
  return items.every((item) => fitsSlot(spec, item, depth))
}

function fitsMap(key: GoTypeSpec, elem: GoTypeSpec, value: unknown, depth: number): boolean {
  if (value instanceof Map) {
    for (const [k, item] of value as Map<unknown, unknown>) {
      if (!fitsSlot(key, k, depth) || !fitsSlot(elem, item, depth)) return false
    }
    return true
  }
  if (!isPlainObject(value) || (key !== 'string' && key !== 'interface')) return false
  return everyFits(elem, Object.values(value), depth)
}

function fitsStruct(fields: readonly GoField[], value: unknown, depth: number): boolean {
  if (!isPlainObject(value)) return false
  const names = new Set(fields.map((f) => f.name))
  if (Object.keys(value).some((name) => !names.has(name))) return false
  // A missing or nil field is Go's zero value, which is never sent.
  return fields.every((f) => {
    const item = Object.hasOwn(value, f.name) ? value[f.name] : undefined
    return item === undefined || item === null || fitsSlot(f.type, item, depth)
  })
}
