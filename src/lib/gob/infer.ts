// Which Go type a JavaScript value gets when it sits in an interface{} slot: an explicit wrapper,
// else the type it was decoded with (if the value still fits it), else the default mapping.
import { encodeError } from './bytes.ts'
import { containerType, type TypeHint } from './provenance.ts'
import { inIntRange, isIntKind, isUintKind, registeredName } from './spec.ts'
import { GoFloat, GoInt, GoStruct, GoTyped, GoUint, type GoTypeSpec } from './values.ts'

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

/** A shallow check: does `value` have the shape of Go type `spec`? */
export function fits(spec: GoTypeSpec, value: unknown): boolean {
  if (typeof spec === 'string') {
    if (spec === 'bool') return typeof value === 'boolean'
    if (spec === 'string') return typeof value === 'string'
    if (spec === 'bytes') return value instanceof Uint8Array
    if (spec === 'float64' || spec === 'float32') return typeof value === 'number'
    if (isIntKind(spec) || isUintKind(spec)) {
      if (typeof value === 'number' && Number.isSafeInteger(value)) {
        return inIntRange(spec, BigInt(value))
      }
      return typeof value === 'bigint' && inIntRange(spec, value)
    }
    return false
  }
  if ('slice' in spec) return Array.isArray(value)
  if ('array' in spec) return Array.isArray(value) && value.length === spec.len
  if ('map' in spec)
    return (
      value instanceof Map ||
      ((spec.map[0] === 'string' || spec.map[0] === 'interface') && isPlainObject(value))
    )
  if ('struct' in spec) return isPlainObject(value)
  return value instanceof Uint8Array
}
