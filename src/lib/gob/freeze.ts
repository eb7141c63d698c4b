// Session values in a gorilla-compatible store may carry Go types: the wrappers below, byte
// slices, bigints for 64-bit integers and Maps for map[interface{}]interface{}. They are
// copied and frozen like JSON values in native stores, so the stored copy cannot change.

import { freezeCopy, freezeMap, NOT_SPECIAL, type FreezeRules } from '../json-value.ts'
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
