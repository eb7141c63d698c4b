// One place for "this map after setting and removing some keys", shared by the drivers and
// the server store, and for the shape of a patch that the drivers' encoders in lib take. Keys
// are defined rather than assigned, so `__proto__` stays plain data.

import { defineValue } from './json-value.ts'

export function patchRecord<T>(
  base: Readonly<Record<string, T>>,
  set: Readonly<Record<string, T>>,
  unset: readonly string[],
  copy: (value: T) => T = (value) => value,
): Record<string, T> {
  // Spread defines own properties (it never runs the `__proto__` setter).
  const out: Record<string, T> = { ...base }
  for (const key of unset) Reflect.deleteProperty(out, key)
  for (const [key, value] of Object.entries(set)) defineValue(out, key, copy(value))
  return out
}

/**
 * core's SessionPatch, spelled out for the drivers' encoders in lib (lib cannot import core);
 * the drivers pass core's patches in, which checks that they fit.
 */
export interface PatchParts {
  readonly set: Readonly<Record<string, unknown>>
  readonly unset: readonly string[]
  readonly flashSet: Readonly<Record<string, readonly unknown[]>>
  readonly flashUnset: readonly string[]
  readonly lastSeenAt: number
  readonly expiresAt: number
  readonly userKey?: string | null
  readonly meta?: Readonly<Record<string, string>> | null
  readonly expectVersion?: number
}
