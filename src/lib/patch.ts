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

/** A per-key change to a stored session. Keys not mentioned stay as they are. */
export interface SessionPatch {
  /** Values to set (replacing whole values; values are never merged deeply). */
  readonly set: Readonly<Record<string, unknown>>
  /** Value keys to remove. */
  readonly unset: readonly string[]
  /** Flash lists to set, by key (replacing the list). */
  readonly flashSet: Readonly<Record<string, readonly unknown[]>>
  /** Flash keys to remove. */
  readonly flashUnset: readonly string[]
  readonly lastSeenAt: number
  readonly expiresAt: number
  /** `undefined` leaves the user as it is; `null` removes it. */
  readonly userKey?: string | null
  /** `undefined` leaves the labels as they are; `null` removes them. */
  readonly meta?: Readonly<Record<string, string>> | null
  /** Apply only when the stored version equals this (optimistic versioning). */
  readonly expectVersion?: number
}
