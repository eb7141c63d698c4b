// One place for "this map after setting and removing some keys", shared by the drivers and
// the server store. Keys are defined rather than assigned, so `__proto__` stays plain data.

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
