// Session values in a gorilla-compatible store may carry Go types: the wrappers below, byte
// slices, bigints for 64-bit integers and Maps for map[interface{}]interface{}. They are
// copied and frozen like JSON values in native stores, so the stored copy cannot change, and
// checked against what the next save will encode, so a bad value fails at set(), by its key.

import { GobError, SessionValueError } from '../../errors.ts'
import { freezeCopy, freezeMap, NOT_SPECIAL, type FreezeRules } from '../../lib/json-value.ts'
import { encodeStream } from './encode.ts'
import { fits, SESSION_VALUES_SPEC } from './infer.ts'
import { setSlotHint, type TypeHint } from './provenance.ts'
import { registeredName } from './spec.ts'
import { GoFloat, GoInt, GoStruct, GoTyped, GoUint } from './values.ts'

const GO_RULES: FreezeRules = {
  checkPrimitive(value) {
    switch (typeof value) {
      case 'string':
      case 'boolean':
      case 'number':
      case 'bigint':
        return undefined
      default:
        return `a ${typeof value} cannot be sent to Go`
    }
  },
  copySpecial(value, copy) {
    // Typed arrays cannot be frozen; a private copy is the closest to immutable.
    if (value instanceof Uint8Array) return Uint8Array.from(value)
    if (value instanceof GoInt || value instanceof GoUint || value instanceof GoFloat) {
      return Object.freeze(value)
    }
    if (value instanceof GoStruct) {
      return Object.freeze(new GoStruct(value.typeName, value.fields, copy.record(value.values)))
    }
    if (value instanceof GoTyped) {
      return Object.freeze(new GoTyped(value.spec, copy.item(value.value, 'value')))
    }
    if (value instanceof Map) {
      const map = new Map<unknown, unknown>()
      for (const [k, item] of value) map.set(k, copy.item(item, String(k)))
      return freezeMap(map)
    }
    return NOT_SPECIAL
  },
  refuse: () => 'only plain objects, arrays and Go wrappers are allowed',
}

/** Returns a frozen copy of a value gob can encode, or throws `SessionValueError`. */
export function freezeGoValue(key: string, value: unknown): unknown {
  return freezeCopy(GO_RULES, key, value)
}

function isWrapper(value: unknown): boolean {
  return (
    value instanceof GoInt ||
    value instanceof GoUint ||
    value instanceof GoFloat ||
    value instanceof GoStruct ||
    value instanceof GoTyped
  )
}

/**
 * Throws `SessionValueError` naming `key` unless the next save can write `value` there: a key
 * Go wrote keeps Go's type (`held`), so a plain value must fit it (a wrapper states another
 * type on purpose), and whatever Go type the value gets must be able to carry it (integers in
 * range, a `GoTyped` value of its type's shape). Checked by encoding the entry as a save would.
 */
export function checkGoValue(key: string, value: unknown, held: TypeHint | undefined): void {
  if (held !== undefined && value !== null && !isWrapper(value) && !fits(held.spec, value)) {
    const name = held.name === '' ? registeredName(held.spec) : held.name
    throw new SessionValueError(
      key,
      '',
      `Go wrote this key as ${name} and the value does not fit it; wrap the value ` +
        '(GoTyped, GoInt, GoUint, GoFloat, GoStruct) to give the key another Go type',
    )
  }
  const entry = new Map([[key, value]])
  if (held !== undefined) setSlotHint(entry, key, { value: held })
  try {
    encodeStream(entry, { topLevel: SESSION_VALUES_SPEC })
  } catch (error) {
    if (!(error instanceof GobError)) throw error
    throw new SessionValueError(key, '', error.message)
  }
}
