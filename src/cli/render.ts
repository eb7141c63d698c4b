// Session values as JSON for the terminal and for --json: what gob decodes (Maps with Go keys,
// bigints, byte slices) has no JSON form of its own, so it is shown as Go's encoding/json
// would mostly show it, and nesting is cut off where no session should reach.

import { GoFloat, GoInt, GoStruct, GoTyped, GoUint } from '../gob.ts'

/** A JSON value. */
export type Plain = null | boolean | number | string | Plain[] | { [key: string]: Plain }

// gob decoding stops at depth 32 and JSON sessions are far shallower; an unverified payload
// could nest thousands deep, which this keeps from recursing without bound.
const MAX_DEPTH = 64

/**
 * A JSON-safe copy: a Map becomes an object (an int key 42 becomes "42", as gorilla sessions
 * show it), a bigint its decimal text, bytes standard base64 (Go's encoding/json), NaN and the
 * infinities their names, Go wrappers their value.
 */
export function toPlain(value: unknown, depth = 0): Plain {
  if (value === null || value === undefined) return null
  switch (typeof value) {
    case 'boolean':
    case 'string':
      return value
    case 'number':
      return Number.isFinite(value) ? value : String(value)
    case 'bigint':
      return value.toString()
    case 'object':
      return depth >= MAX_DEPTH ? '[nested too deep]' : objectToPlain(value, depth + 1)
    default:
      // Functions and symbols do not come out of gob or JSON.
      return typeof value
  }
}

function objectToPlain(value: object, depth: number): Plain {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64')
  if (Array.isArray(value)) return value.map((item: unknown) => toPlain(item, depth))
  if (value instanceof Map) {
    const out: Record<string, Plain> = {}
    for (const [key, item] of value as Map<unknown, unknown>) {
      define(out, keyText(key, depth), toPlain(item, depth))
    }
    return out
  }
  if (value instanceof GoInt || value instanceof GoUint || value instanceof GoFloat) {
    return toPlain(value.value, depth)
  }
  if (value instanceof GoTyped) return toPlain(value.value, depth)
  if (value instanceof GoStruct) return toPlain(value.values, depth)
  const out: Record<string, Plain> = {}
  for (const [key, item] of Object.entries(value)) define(out, key, toPlain(item, depth))
  return out
}

/** An int key 42 is "42"; a key of another Go type its JSON. */
function keyText(key: unknown, depth: number): string {
  if (typeof key === 'string') return key
  const plain = toPlain(key, depth)
  return typeof plain === 'string' ? plain : JSON.stringify(plain)
}

// Defined rather than assigned, so a `__proto__` key stays data.
function define(target: Record<string, Plain>, key: string, value: Plain): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  })
}
