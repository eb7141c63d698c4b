// Session values are JSON values. They are checked and copied when set, so a Date, a BigInt
// or a cycle fails at the call that introduced it rather than at save time, and they are
// frozen, so the stored copy cannot change behind the session's back. Freezing is also what
// makes dirty tracking exact: the only way to change a value is `set`.

import { SessionValueError } from '../errors.ts'

const MAX_DEPTH = 64

/** Returns a deep-frozen copy of `value`, or throws {@link SessionValueError}. */
export function freezeJsonCopy(key: string, value: unknown): unknown {
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
      return value
    case 'number':
      if (!Number.isFinite(value)) throw new SessionValueError(key, path, 'numbers must be finite')
      return value
    case 'object':
      break
    case 'undefined':
      throw new SessionValueError(key, path, 'undefined is not a JSON value (use delete)')
    case 'bigint':
    case 'symbol':
    case 'function':
      throw new SessionValueError(key, path, `a ${typeof value} is not a JSON value`)
  }
  if (value === null) return null
  if (depth >= MAX_DEPTH) throw new SessionValueError(key, path, `nested deeper than ${MAX_DEPTH}`)
  if (seen.has(value)) throw new SessionValueError(key, path, 'the value contains a cycle')
  seen.add(value)
  let out: unknown
  if (Array.isArray(value)) {
    const items: unknown[] = []
    for (let i = 0; i < value.length; i++) {
      items.push(copy(key, value[i], `${path}/${i}`, depth + 1, seen))
    }
    out = Object.freeze(items)
  } else {
    const proto: unknown = Object.getPrototypeOf(value)
    if (proto !== Object.prototype && proto !== null) {
      const kind = (value as { constructor?: { name?: unknown } }).constructor?.name
      throw new SessionValueError(
        key,
        path,
        `only plain objects are allowed, not ${typeof kind === 'string' ? kind : 'this object'}`,
      )
    }
    if (Object.getOwnPropertySymbols(value).length > 0) {
      throw new SessionValueError(key, path, 'symbol keys cannot be stored')
    }
    const record: Record<string, unknown> = {}
    for (const [name, item] of Object.entries(value)) {
      defineValue(record, name, copy(key, item, `${path}/${escapePointer(name)}`, depth + 1, seen))
    }
    out = Object.freeze(record)
  }
  seen.delete(value)
  return out
}

/**
 * Freezes a value that came out of `JSON.parse` in place. Such values belong to the session
 * alone, so freezing them on first access is as safe as copying and much cheaper.
 */
export function deepFreeze(value: unknown): unknown {
  // Byte arrays (Go []byte from gob) cannot be frozen; they are left as they are.
  if (
    typeof value === 'object' &&
    value !== null &&
    !ArrayBuffer.isView(value) &&
    !Object.isFrozen(value)
  ) {
    Object.freeze(value)
    for (const item of Object.values(value)) deepFreeze(item)
  }
  return value
}

// `record[name] = x` with name "__proto__" would replace the prototype instead of adding a key.
export function defineValue(record: Record<string, unknown>, name: string, item: unknown): void {
  if (name === '__proto__') {
    Object.defineProperty(record, name, {
      value: item,
      enumerable: true,
      writable: true,
      configurable: true,
    })
  } else {
    record[name] = item
  }
}

function escapePointer(name: string): string {
  return name.replaceAll('~', '~0').replaceAll('/', '~1')
}

/** Describes the JSON type of a value for error messages. */
export function jsonTypeOf(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  switch (typeof value) {
    case 'object':
      return 'an object'
    case 'number':
      return Number.isInteger(value) ? 'an integer' : 'a number'
    default:
      return `a ${typeof value}`
  }
}
