/**
 * Copies for records kept in memory (the memory driver's), for as long as the record lives:
 * built for size.
 *
 * @module
 */

import { deepFreeze, defineValue } from './json-value.ts'

const NOT_JSON = Symbol('not a plain JSON value')

/**
 * A deep-frozen copy of `value`. Plain JSON (what a session holds) is copied by hand: arrays
 * at their exact length (`structuredClone` rebuilds a frozen array through its sparse path,
 * with room for 16 elements, ~110 bytes more per array), strings shared (they are immutable),
 * each part frozen as it is built. Anything else (a Map, bytes) goes through `structuredClone`.
 */
export function frozenCopy<T>(value: T): T {
  const copied = copyJson(value)
  return (copied === NOT_JSON ? deepFreeze(structuredClone(value)) : copied) as T
}

function copyJson(value: unknown): unknown {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    return value
  }
  if (value === null) return null
  if (typeof value !== 'object') return NOT_JSON
  if (Array.isArray(value)) {
    const items: unknown[] = value.map(copyJson)
    return items.includes(NOT_JSON) ? NOT_JSON : Object.freeze(items)
  }
  const proto: unknown = Object.getPrototypeOf(value)
  if (proto !== Object.prototype && proto !== null) return NOT_JSON
  const out: Record<string, unknown> = {}
  for (const [name, item] of Object.entries(value)) {
    const copied = copyJson(item)
    if (copied === NOT_JSON) return NOT_JSON
    defineValue(out, name, copied)
  }
  return Object.freeze(out)
}

/**
 * `text` in one flat string. A key built by concatenation (base64url, template literals) is a
 * tree of string pieces in V8, ~400 bytes for a 43-character id against ~60 flat; a Map keeps
 * its key as it was given. Ids and user keys are JSON-safe text, so this round trip is exact.
 */
export function flatString(text: string): string {
  return JSON.parse(JSON.stringify(text)) as string
}
