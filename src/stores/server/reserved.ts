// Per-session settings and bookkeeping marks, kept inside a record's values under keys no
// application uses (a NUL first character), so drivers need no extra fields. This module is
// the only one that knows these keys: what the application stores never contains them, and
// what it sets under them is never written.

import type { SessionRecord } from '../../core/driver.ts'
import type { SessionSnapshot } from '../../core/session.ts'
import { defineValue } from '../../lib/json-value.ts'
import { isValidSessionId } from '../../lib/session-id.ts'
import { linkKey } from './storage-key.ts'

const IDLE_KEY = '\u0000sk:idle'
const MAX_AGE_KEY = '\u0000sk:maxAge'
/**
 * Marks a record retired by a regeneration; the value is the link to the successor (its
 * storage key and its masked id, see storage-key.ts). A retired record is never extended again.
 */
const RETIRED_KEY = '\u0000sk:retired'
/**
 * In a successor made with a grace window: the storage key of the record it replaced, removed
 * with it on destroy.
 */
const PREVIOUS_KEY = '\u0000sk:previous'
/** A record being destroyed: it loads as no session and can no longer be retired. */
const DESTROYED_KEY = '\u0000sk:destroyed'
const RESERVED = new Set([IDLE_KEY, MAX_AGE_KEY, RETIRED_KEY, PREVIOUS_KEY, DESTROYED_KEY])
const SETTINGS = [IDLE_KEY, MAX_AGE_KEY] as const

/** The per-session settings, as a session holds them (`undefined` = the store's default). */
export interface Settings {
  readonly idleTimeout: number | undefined
  readonly maxAge: number | undefined
}

/** Value changes: values to set and keys to remove. */
export interface ValueChanges {
  readonly set: Record<string, unknown>
  readonly unset: string[]
}

// The one filter: a key the application may not write, nor read back.
function isReserved(key: string): boolean {
  return RESERVED.has(key)
}

function isSetting(key: string): boolean {
  return key === IDLE_KEY || key === MAX_AGE_KEY
}

/** A stored record's values, split into the application's values and the settings. */
export function readValues(values: Readonly<Record<string, unknown>>): Settings & {
  readonly values: [string, unknown][]
} {
  const app: [string, unknown][] = []
  let idleTimeout: number | undefined
  let maxAge: number | undefined
  for (const [key, value] of Object.entries(values)) {
    if (key === IDLE_KEY) {
      if (Number.isSafeInteger(value) && (value as number) > 0) idleTimeout = value as number
    } else if (key === MAX_AGE_KEY) {
      if (Number.isSafeInteger(value)) maxAge = value as number
    } else if (!isReserved(key)) {
      app.push([key, value])
    }
  }
  return { values: app, idleTimeout, maxAge }
}

/** The values a record stores for the session: the application's values and the settings. */
export function storedValues(snapshot: SessionSnapshot): Record<string, unknown> {
  const values: Record<string, unknown> = {}
  for (const [key, value] of snapshot.values) {
    if (!isReserved(key)) defineValue(values, key, value)
  }
  if (snapshot.idleTimeout !== undefined) defineValue(values, IDLE_KEY, snapshot.idleTimeout)
  if (snapshot.maxAge !== undefined) defineValue(values, MAX_AGE_KEY, snapshot.maxAge)
  return values
}

/** Values without the reserved keys: what a conflict resolver sees. */
export function appValues(values: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(values)) {
    if (!isReserved(key)) defineValue(out, key, value)
  }
  return out
}

/** A record as a conflict resolver sees it: without the reserved keys. */
export function appRecord(record: SessionRecord): SessionRecord {
  return { ...record, values: appValues(record.values) }
}

/**
 * Adds the application's changed values to `changes`, and the settings that differ from
 * those stored (`stored`).
 */
export function addChanges(
  changes: ValueChanges,
  local: { readonly set: ReadonlyMap<string, unknown>; readonly unset: readonly string[] },
  current: Settings,
  stored: Settings,
): void {
  for (const [key, value] of local.set) {
    if (!isReserved(key)) defineValue(changes.set, key, value)
  }
  for (const key of local.unset) if (!isReserved(key)) changes.unset.push(key)
  if (current.idleTimeout !== stored.idleTimeout) {
    if (current.idleTimeout === undefined) changes.unset.push(IDLE_KEY)
    else defineValue(changes.set, IDLE_KEY, current.idleTimeout)
  }
  if (current.maxAge !== stored.maxAge) {
    if (current.maxAge === undefined) changes.unset.push(MAX_AGE_KEY)
    else defineValue(changes.set, MAX_AGE_KEY, current.maxAge)
  }
}

/** Changes apart: the application's, and the settings' (which no resolver decides on). */
export function splitSettings(changes: ValueChanges): {
  readonly app: ValueChanges
  readonly settings: ValueChanges
} {
  const settings: ValueChanges = { set: {}, unset: [] }
  for (const key of SETTINGS) {
    if (Object.hasOwn(changes.set, key)) defineValue(settings.set, key, changes.set[key])
  }
  settings.unset.push(...changes.unset.filter(isSetting))
  const app = {
    set: appValues(changes.set),
    unset: changes.unset.filter((key) => !isSetting(key)),
  }
  return { app, settings }
}

/** A resolver's changes with this request's settings changes added back. */
export function withSettings(
  merged: { readonly set: Readonly<Record<string, unknown>>; readonly unset: readonly string[] },
  settings: ValueChanges,
): ValueChanges {
  const set: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(merged.set)) defineValue(set, key, value)
  for (const [key, value] of Object.entries(settings.set)) defineValue(set, key, value)
  return { set, unset: [...merged.unset, ...settings.unset] }
}

// Bookkeeping marks.

export function isDestroyed(record: SessionRecord): boolean {
  return record.values[DESTROYED_KEY] === true
}

/** The mark a destroy sets first (see destruction.ts). */
export function destroyedMark(): Record<string, unknown> {
  return { [DESTROYED_KEY]: true }
}

export function isRetired(record: SessionRecord): boolean {
  const mark = record.values[RETIRED_KEY]
  return mark === true || typeof mark === 'string'
}

/** The mark a regeneration sets on the record it replaced: the link to its successor. */
export function retiredMark(link: string): Record<string, unknown> {
  return { [RETIRED_KEY]: link }
}

/** The link to the session that replaced this record (a retired one), see `sealLink`. */
export function successorOf(record: SessionRecord): string | undefined {
  const link = record.values[RETIRED_KEY]
  return linkKey(link) === undefined ? undefined : (link as string)
}

/** The storage key of the session this record replaced within a grace window. */
export function previousOf(values: Readonly<Record<string, unknown>>): string | undefined {
  const key = values[PREVIOUS_KEY]
  return typeof key === 'string' && isValidSessionId(key) ? key : undefined
}

/** Links a successor made with a grace window to the storage key of the record it replaces. */
export function linkPrevious(values: Record<string, unknown>, previousKey: string): void {
  defineValue(values, PREVIOUS_KEY, previousKey)
}
