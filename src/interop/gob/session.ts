// gorilla/sessions keeps Session.Values as map[interface{}]interface{} and gob-encodes it whole
// (securecookie GobEncoder); these helpers pin that top-level type.
import { decodeError } from './bytes.ts'
import { decodeStream } from './decode.ts'
import { encodeStream } from './encode.ts'
import { SESSION_VALUES_SPEC } from './infer.ts'
import type { GobLimits, GoSerializer } from './values.ts'

/** Decodes one gob value: see docs/go-interop.md for how Go types map to JavaScript. */
export function gobDecode(bytes: Uint8Array, limits?: GobLimits): unknown {
  return decodeStream(bytes, limits).value
}

export { encodeStream as gobEncode }

/**
 * Decodes gorilla's `session.Values` (map[interface{}]interface{}). Keys are kept whatever Go
 * type they have (a string, an int as a number or bigint, a bool, ...), in stream order.
 */
export function gobDecodeSessionValues(
  bytes: Uint8Array,
  limits?: GobLimits,
): Map<unknown, unknown> {
  const { value, hint } = decodeStream(bytes, limits)
  const spec = hint?.spec
  const isAnyMap =
    typeof spec === 'object' &&
    'map' in spec &&
    spec.map[0] === 'interface' &&
    spec.map[1] === 'interface'
  if (!isAnyMap || !(value instanceof Map)) decodeError('not a map[interface {}]interface {}')
  return value as Map<unknown, unknown>
}

/** Encodes values the way gorilla encodes `session.Values`; entries keep their given order. */
export function gobEncodeSessionValues(
  values: ReadonlyMap<unknown, unknown> | Readonly<Record<string, unknown>>,
): Uint8Array {
  return encodeStream(values, { topLevel: SESSION_VALUES_SPEC })
}

/** gorilla/securecookie's default GobEncoder: one gob stream per value. */
export const gobSerializer: GoSerializer = Object.freeze({
  serialize(value: unknown): Uint8Array {
    return encodeStream(value)
  },
  deserialize(bytes: Uint8Array): unknown {
    return decodeStream(bytes).value
  },
})
