// Writing a stored session: the per-key patch of what this request changed, its size check,
// and the conflict policy. With per-key patches a write is one `update`; without, it is read,
// apply and compare-and-set rounds; with `conflicts: 'error'` or a resolver, a stale version
// fails or goes to the resolver (a few rounds).

import type { SessionPatch, UpdateResult } from '../../core/driver.ts'
import type { SessionInternals } from '../../core/session.ts'
import { SessionConflictError, SessionStoreError, SessionTooLargeError } from '../../errors.ts'
import { jsonBytes } from '../../lib/json-size.ts'
import { defineValue } from '../../lib/json-value.ts'
import { patchRecord } from '../../lib/patch.ts'
import {
  MAX_EMULATED_ROUNDS,
  pause,
  type ServerContext,
  type Stored,
  type Tracked,
} from './context.ts'
import {
  addChanges,
  appRecord,
  appValues,
  splitSettings,
  storedValues,
  withSettings,
} from './reserved.ts'

const MAX_MERGE_ROUNDS = 5

/** The user fields of a patch: `null` removes. */
export interface UserFields {
  readonly userKey: string | null
  readonly meta: Readonly<Record<string, string>> | null
}

/** What a save changes in a stored record, as a patch carries it. */
export interface Changes {
  readonly set: Record<string, unknown>
  readonly unset: string[]
  readonly flashSet: Record<string, readonly unknown[]>
  readonly flashUnset: string[]
  readonly user: UserFields | undefined
}

export function userOf(state: Pick<SessionInternals, 'userKey' | 'meta'>): UserFields {
  return { userKey: state.userKey ?? null, meta: state.meta ?? null }
}

/** What this request changed since the last save, with the settings that differ from `entry`'s. */
export function collectChanges(state: SessionInternals, entry: Tracked): Changes {
  const local = state.changes()
  const changes: Changes = {
    set: {},
    unset: [],
    flashSet: {},
    flashUnset: [],
    user: local.user === undefined ? undefined : userOf(local.user),
  }
  addChanges(changes, local, state, { idleTimeout: entry.idle, maxAge: entry.maxAge })
  for (const [key, list] of local.flashSet) defineValue(changes.flashSet, key, list)
  changes.flashUnset.push(...local.flashUnset)
  return changes
}

export function hasDataChanges(changes: Changes): boolean {
  return (
    Object.keys(changes.set).length > 0 ||
    changes.unset.length > 0 ||
    Object.keys(changes.flashSet).length > 0 ||
    changes.flashUnset.length > 0 ||
    changes.user !== undefined
  )
}

/** The session as its record stores it: the values with the settings, and the pending flash. */
export function wholeRecord(state: SessionInternals): {
  values: Record<string, unknown>
  flash: Record<string, readonly unknown[]>
} {
  const snapshot = state.snapshot()
  const flash: Record<string, readonly unknown[]> = {}
  for (const [key, list] of snapshot.flash) defineValue(flash, key, list)
  return { values: storedValues(snapshot), flash }
}

/**
 * The session as it would be stored, measured: over `maxSessionBytes` is refused before any
 * write, unless the session does not grow (one stored before a lower limit must still be
 * able to shrink). Returns the size.
 */
export function checkSize(
  context: ServerContext,
  state: SessionInternals,
  entry: Tracked,
  values: Readonly<Record<string, unknown>>,
  flash: Readonly<Record<string, readonly unknown[]>>,
): number {
  const { maxSessionBytes } = context
  const bytes = jsonBytes({ values, flash, userKey: state.userKey, meta: state.meta })
  if (bytes > maxSessionBytes && bytes > storedBytes(entry.stored)) {
    throw new SessionTooLargeError(state.name, bytes, maxSessionBytes)
  }
  return bytes
}

function storedBytes(stored: Stored | undefined): number {
  if (stored === undefined) return 0
  if (stored.bytes === undefined) {
    const record = stored.loaded
    stored.bytes =
      record === undefined
        ? 0
        : jsonBytes({
            values: record.values,
            flash: record.flash,
            userKey: record.userKey,
            meta: record.meta,
          })
  }
  return stored.bytes
}

function patchOf(
  changes: Changes,
  at: number,
  expiresAt: number,
  expectVersion: number | undefined,
): SessionPatch {
  return {
    set: changes.set,
    unset: changes.unset,
    flashSet: changes.flashSet,
    flashUnset: changes.flashUnset,
    lastSeenAt: at,
    expiresAt,
    ...(changes.user === undefined ? {} : changes.user),
    ...(expectVersion === undefined ? {} : { expectVersion }),
  }
}

// Drivers without per-key patches: read, apply, write the whole record with the version
// read (compare-and-set). `expectVersion` set = fail on any other version.
async function writeWhole(
  context: ServerContext,
  key: string,
  changes: Changes,
  times: { readonly lastSeenAt: number; readonly expiresAt: number; readonly at: number },
  expectVersion: number | undefined,
): Promise<UpdateResult> {
  const { driver, call } = context
  const { lastSeenAt, expiresAt, at } = times
  const current = await call('get', () => driver.get(key, at))
  if (current === undefined) return { status: 'missing' }
  if (expectVersion !== undefined && current.version !== expectVersion) {
    return { status: 'conflict', version: current.version }
  }
  const values = patchRecord(current.values, changes.set, changes.unset)
  const flash = patchRecord(current.flash, changes.flashSet, changes.flashUnset)
  const whole = { set: values, unset: [], flashSet: flash, flashUnset: [], user: changes.user }
  return call('update', () =>
    driver.update(key, patchOf(whole, lastSeenAt, expiresAt, current.version), at),
  )
}

// Per key whatever the version: one update with patches, compare-and-set rounds without.
async function writeAnyVersion(
  context: ServerContext,
  key: string,
  changes: Changes,
  times: { readonly lastSeenAt: number; readonly expiresAt: number; readonly at: number },
): Promise<UpdateResult | undefined> {
  const { driver, call, caps } = context
  const { lastSeenAt, expiresAt, at } = times
  if (caps.patches) {
    return call('update', () =>
      driver.update(key, patchOf(changes, lastSeenAt, expiresAt, undefined), at),
    )
  }
  for (let round = 0; round < MAX_EMULATED_ROUNDS; round++) {
    const result = await writeWhole(context, key, changes, times, undefined)
    if (result.status !== 'conflict') return result
    await pause(round)
  }
  return undefined
}

/**
 * Writes this request's changes to the stored record under the conflict policy. A result
 * other than `updated` means the record is gone; a conflict the policy does not resolve
 * throws `SessionConflictError`.
 */
export async function write(
  context: ServerContext,
  name: string,
  stored: Stored,
  changes: Changes,
  times: { readonly at: number; readonly expiresAt: number },
): Promise<UpdateResult> {
  const { driver, call, caps, conflicts } = context
  const key = stored.key
  const { at, expiresAt } = times
  const span = { lastSeenAt: at, expiresAt, at }
  if (conflicts === 'merge') {
    const result = await writeAnyVersion(context, key, changes, span)
    if (result === undefined) throw new SessionConflictError(name)
    return result
  }
  let local = changes
  let expect = stored.version
  let base = stored.base
  for (let round = 0; ; round++) {
    const result = caps.patches
      ? await call('update', () => driver.update(key, patchOf(local, at, expiresAt, expect), at))
      : await writeWhole(context, key, local, span, expect)
    if (result.status !== 'conflict') return result
    if (conflicts === 'error' || round >= MAX_MERGE_ROUNDS) throw new SessionConflictError(name)
    const current = await call('get', () => driver.get(key, at))
    if (current === undefined) return { status: 'missing' }
    const { app, settings } = splitSettings(local)
    const merged = conflicts(appRecord(current), { ...app, base: appValues(base) })
    if (merged === undefined) throw new SessionConflictError(name)
    local = { ...local, ...withSettings(merged, settings) }
    expect = current.version
    base = current.values
  }
}

/**
 * Writes reserved keys only (the marks of destroy and regeneration), whatever the conflict
 * policy: per key, or by compare-and-set rounds on a driver without patches.
 */
export async function writeBookkeeping(
  context: ServerContext,
  key: string,
  set: Record<string, unknown>,
  times: { readonly lastSeenAt: number; readonly expiresAt: number; readonly at: number },
): Promise<UpdateResult> {
  const changes: Changes = { set, unset: [], flashSet: {}, flashUnset: [], user: undefined }
  const result = await writeAnyVersion(context, key, changes, times)
  if (result !== undefined) return result
  throw new SessionStoreError('update', false, {
    cause: new Error('The record kept changing under compare-and-set'),
  })
}
