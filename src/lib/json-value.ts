// Session values are JSON values. They are checked and copied when set, so a Date, a BigInt
// or a cycle fails at the call that introduced it rather than at save time, and they are
// frozen, so the stored copy cannot change behind the session's back. Freezing is also what
// makes dirty tracking exact: the only way to change a value is `set`.

import { SessionValueError } from '../errors.ts'

const MAX_DEPTH = 64

/** Returned by `FreezeRules.copySpecial` for a value that is none of its special kinds. */
export const NOT_SPECIAL: unique symbol = Symbol('not special')

/** Copies the parts of a value, for `FreezeRules.copySpecial`. */
export interface FreezeCopier {
  item(value: unknown, step: string): unknown
  record(value: Readonly<Record<string, unknown>>): Readonly<Record<string, unknown>>
}

/** What a session format can carry, beyond arrays and plain objects. */
export interface FreezeRules {
  /** `undefined` when a non-object value may be stored, else what is wrong with it. */
  readonly checkPrimitive: (value: unknown) => string | undefined
  /** Copies an object kind the format carries (a Map, a wrapper), or returns `NOT_SPECIAL`. */
  readonly copySpecial?: (value: object, copy: FreezeCopier) => unknown
  /** Why an object that is neither special nor plain is refused. */
  readonly refuse: (value: object) => string
}

const JSON_RULES: FreezeRules = {
  checkPrimitive(value) {
    switch (typeof value) {
      case 'string':
      case 'boolean':
        return undefined
      case 'number':
        return Number.isFinite(value) ? undefined : 'numbers must be finite'
      case 'undefined':
        return 'undefined is not a JSON value (use delete)'
      default:
        return `a ${typeof value} is not a JSON value`
    }
  },
  refuse(value) {
    const kind = (value as { constructor?: { name?: unknown } }).constructor?.name
    return `only plain objects are allowed, not ${typeof kind === 'string' ? kind : 'this object'}`
  },
}

/** Returns a deep-frozen copy of `value`, or throws {@link SessionValueError}. */
export function freezeJsonCopy(key: string, value: unknown): unknown {
  return freezeCopy(JSON_RULES, key, value)
}

/**
 * Returns a deep-frozen copy of `value` under `rules`, or throws {@link SessionValueError}:
 * bounded depth, no cycles, no symbol keys, `__proto__` kept as data.
 */
export function freezeCopy(rules: FreezeRules, key: string, value: unknown): unknown {
  // A primitive (say the number `increment` sets) needs neither the cycle set nor the walk.
  if (typeof value !== 'object' || value === null) {
    const problem = value === null ? undefined : rules.checkPrimitive(value)
    if (problem !== undefined) throw new SessionValueError(key, '', problem)
    return value
  }
  const seen = new Set<object>()

  // The JSON pointer of a part is built only for an error message: escaping and joining it
  // for every part of every value set was most of the walk's cost.
  function copy(item: unknown, parent: PathStep | undefined, step: string, depth: number): unknown {
    if (typeof item !== 'object' || item === null) {
      const problem = item === null ? undefined : rules.checkPrimitive(item)
      if (problem !== undefined) throw new SessionValueError(key, pointer(parent, step), problem)
      return item
    }
    const at: PathStep | undefined = depth === 0 ? undefined : { parent, step }
    if (depth >= MAX_DEPTH) {
      throw new SessionValueError(key, pointer(at), `nested deeper than ${MAX_DEPTH}`)
    }
    if (seen.has(item)) throw new SessionValueError(key, pointer(at), 'the value contains a cycle')
    seen.add(item)
    const special =
      rules.copySpecial === undefined
        ? NOT_SPECIAL
        : rules.copySpecial(item, {
            item: (part, partStep) => copy(part, at, partStep, depth + 1),
            record: (record) => copyRecord(record, at, depth),
          })
    const out = special !== NOT_SPECIAL ? special : copyPlain(item, at, depth)
    seen.delete(item)
    return out
  }

  function copyPlain(item: object, at: PathStep | undefined, depth: number): unknown {
    if (Array.isArray(item)) {
      const items: unknown[] = []
      for (let i = 0; i < item.length; i++) items.push(copy(item[i], at, String(i), depth + 1))
      return Object.freeze(items)
    }
    const proto: unknown = Object.getPrototypeOf(item)
    if (proto !== Object.prototype && proto !== null) {
      throw new SessionValueError(key, pointer(at), rules.refuse(item))
    }
    return copyRecord(item as Record<string, unknown>, at, depth)
  }

  function copyRecord(
    record: Readonly<Record<string, unknown>>,
    at: PathStep | undefined,
    depth: number,
  ): Readonly<Record<string, unknown>> {
    if (Object.getOwnPropertySymbols(record).length > 0) {
      throw new SessionValueError(key, pointer(at), 'symbol keys cannot be stored')
    }
    const out: Record<string, unknown> = {}
    for (const [name, item] of Object.entries(record)) {
      defineValue(out, name, copy(item, at, name, depth + 1))
    }
    return Object.freeze(out)
  }

  return copy(value, undefined, '', 0)
}

/** One step of a JSON pointer, linked to its parent; the root has none. */
interface PathStep {
  readonly parent: PathStep | undefined
  readonly step: string
}

function pointer(at: PathStep | undefined, last?: string): string {
  let out = last === undefined ? '' : `/${escapePointer(last)}`
  for (let node = at; node !== undefined; node = node.parent) {
    out = `/${escapePointer(node.step)}${out}`
  }
  return out
}

/**
 * Freezes a stored value in place (what `JSON.parse` or the gob decoder made: it belongs to
 * the session alone, so freezing it on first access is as safe as copying and much cheaper).
 * A Map is frozen with {@link freezeMap}. Byte arrays (Go `[]byte`) cannot be frozen and are
 * left as they are: {@link holdsBytes} tells a reader to hand out a copy instead.
 */
export function deepFreeze(value: unknown): unknown {
  if (
    typeof value === 'object' &&
    value !== null &&
    !ArrayBuffer.isView(value) &&
    !Object.isFrozen(value)
  ) {
    if (value instanceof Map) {
      freezeMap(value)
      for (const [key, item] of value as Map<unknown, unknown>) {
        deepFreeze(key)
        deepFreeze(item)
      }
    } else {
      Object.freeze(value)
    }
    for (const item of Object.values(value)) deepFreeze(item)
  }
  return value
}

function refuseChange(): never {
  throw new TypeError('Cannot change a session value: set a new one instead')
}

/**
 * Freezes a Map: `Object.freeze` alone leaves `set`, `delete` and `clear` working, so they
 * are shadowed by methods that throw, like an assignment to a frozen object does.
 */
export function freezeMap<M extends Map<unknown, unknown>>(map: M): M {
  for (const name of ['set', 'delete', 'clear']) {
    Object.defineProperty(map, name, { value: refuseChange, enumerable: false })
  }
  return Object.freeze(map)
}

// Whether a stored value holds a byte array, by object, so repeated reads walk it once.
const bytesInside = new WeakMap<object, boolean>()

/** True when `value` holds a typed array anywhere (only gob values do). */
export function holdsBytes(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false
  if (ArrayBuffer.isView(value)) return true
  let known = bytesInside.get(value)
  if (known === undefined) {
    const parts: unknown[] = Object.values(value)
    if (value instanceof Map) {
      for (const [key, item] of value as Map<unknown, unknown>) parts.push(key, item)
    }
    known = parts.some(holdsBytes)
    bytesInside.set(value, known)
  }
  return known
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
