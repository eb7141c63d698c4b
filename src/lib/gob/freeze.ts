// Session values in a gorilla-compatible store may carry Go types: the wrappers below, byte
// slices, bigints for 64-bit integers and Maps for map[interface{}]interface{}. They are
// copied and frozen like JSON values in native stores, so the stored copy cannot change.

import { SessionValueError } from '../../errors.ts'
import { defineValue } from '../json-value.ts'
import { GoFloat, GoInt, GoStruct, GoTyped, GoUint } from './values.ts'

const MAX_DEPTH = 64

/** Returns a frozen copy of a value gob can encode, or throws `SessionValueError`. */
export function freezeGoValue(key: string, value: unknown): unknown {
  return copy(key, value, '', 0, new Set())
}

function copy(
  key: string,
  value: unknown,
  path: string,
  depth: number,
  seen: Set<object>,
): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'number':
    case 'bigint':
      return value
    case 'object':
      break
    default:
      throw new SessionValueError(key, path, `a ${typeof value} cannot be sent to Go`)
  }
  if (value === null) return null
  if (depth >= MAX_DEPTH) throw new SessionValueError(key, path, `nested deeper than ${MAX_DEPTH}`)
  if (seen.has(value)) throw new SessionValueError(key, path, 'the value contains a cycle')
  seen.add(value)
  const next = (item: unknown, step: string): unknown =>
    copy(key, item, `${path}/${step}`, depth + 1, seen)
  let out: unknown
  if (value instanceof Uint8Array) {
    // Typed arrays cannot be frozen; a private copy is the closest to immutable.
    out = Uint8Array.from(value)
  } else if (value instanceof GoInt || value instanceof GoUint || value instanceof GoFloat) {
    out = Object.freeze(value)
  } else if (value instanceof GoStruct) {
    out = Object.freeze(
      new GoStruct(value.typeName, value.fields, freezeRecord(value.values, next)),
    )
  } else if (value instanceof GoTyped) {
    out = Object.freeze(new GoTyped(value.spec, next(value.value, 'value')))
  } else if (value instanceof Map) {
    const map = new Map<unknown, unknown>()
    for (const [k, item] of value) map.set(k, next(item, String(k)))
    out = map
  } else if (Array.isArray(value)) {
    out = Object.freeze(value.map((item, i) => next(item, String(i))))
  } else {
    const proto: unknown = Object.getPrototypeOf(value)
    if (proto !== Object.prototype && proto !== null) {
      throw new SessionValueError(
        key,
        path,
        'only plain objects, arrays and Go wrappers are allowed',
      )
    }
    out = freezeRecord(value as Record<string, unknown>, next)
  }
  seen.delete(value)
  return out
}

function freezeRecord(
  record: Readonly<Record<string, unknown>>,
  next: (item: unknown, step: string) => unknown,
): Readonly<Record<string, unknown>> {
  const out: Record<string, unknown> = {}
  for (const [name, item] of Object.entries(record)) defineValue(out, name, next(item, name))
  return Object.freeze(out)
}
