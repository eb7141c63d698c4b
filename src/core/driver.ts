/**
 * The storage contract for server-side sessions. A driver keeps session records by id and
 * knows nothing about cookies, keys or HTTP: `createServerStore` does all of that on top of
 * any driver. Implement this interface to add a backend, then run the conformance suite from
 * `'sessionkit/testing'` against it.
 *
 * Rules every driver follows (the conformance suite checks each):
 * - Ids arrive already validated; a driver still never builds a path, key or query from one
 *   without its own escaping or parameters. From `createServerStore` an id is a storage key
 *   (a SHA-256 of the session id, 43 characters like an id), never the session id itself: the
 *   driver stores it as given and needs no hashing of its own.
 * - Times are milliseconds since the epoch and always come from the caller (`now`), never from
 *   the driver's own clock, so one clock rules expiry and tests can move it.
 * - A record whose `expiresAt <= now` does not exist for `get`, `update`, `touch` and listings.
 * - `create` is exclusive (an existing id is never overwritten) and `update`/`touch` never
 *   create: a session destroyed while a request was in flight stays destroyed.
 * - `update` applies a per-key patch atomically and bumps `version` by one; with
 *   `expectVersion` it applies only when the stored version matches.
 * - Every method rejects (never resolves with a guess) when the backend fails.
 *
 * Available from `'sessionkit'`.
 *
 * @module
 */

import { patchRecord, type SessionPatch } from '../lib/patch.ts'

/** One stored session. */
export interface SessionRecord {
  readonly id: string
  readonly values: Readonly<Record<string, unknown>>
  /** Pending flash messages by key. */
  readonly flash: Readonly<Record<string, readonly unknown[]>>
  /** Starts at 1 and grows by one with every `update`. */
  readonly version: number
  readonly createdAt: number
  readonly lastSeenAt: number
  /** The record is gone from this instant on. */
  readonly expiresAt: number
  /** The user the session belongs to, for per-user listing and deletion. */
  readonly userKey: string | undefined
  /** Short labels (a device name, say) for session lists. */
  readonly meta: Readonly<Record<string, string>> | undefined
}

// Defined in lib, where the drivers' encoders (SQL, Redis) read it too.
export type { SessionPatch } from '../lib/patch.ts'

export type UpdateResult =
  | { readonly status: 'updated'; readonly version: number }
  /** No such (unexpired) record: it expired or was destroyed. Nothing was written. */
  | { readonly status: 'missing' }
  /** `expectVersion` did not match. Nothing was written. */
  | { readonly status: 'conflict'; readonly version: number }

/** What a session list shows (never the data). */
export interface SessionSummary {
  readonly id: string
  readonly createdAt: number
  readonly lastSeenAt: number
  readonly expiresAt: number
  readonly meta: Readonly<Record<string, string>> | undefined
}

/** Optional abilities; `createServerStore` refuses calls a driver cannot serve. */
export interface DriverCapabilities {
  /**
   * `update` applies `set`/`unset`/`flashSet`/`flashUnset` per key, atomically. Without it,
   * `update` replaces all values with `set` and all flash with `flashSet` (the lists to remove
   * are then empty), and `createServerStore` emulates per-key patches with read, apply and a
   * compare-and-set write, which needs `versions`.
   */
  readonly patches: boolean
  /** `expectVersion` is honoured (compare-and-set). */
  readonly versions: boolean
  /** `listByUser` and `deleteByUser` work. */
  readonly userIndex: boolean
  /** `deleteAll` and `prune` work. */
  readonly listing: boolean
}

export interface SessionDriver {
  /** A short name for errors and logs (`memory`, `filesystem`, `sqlite`, …). */
  readonly name: string
  readonly capabilities: DriverCapabilities
  get(id: string, now: number): Promise<SessionRecord | undefined>
  /** Inserts a new record with `version: 1`; false (and no write) when the id exists. */
  create(record: SessionRecord, now: number): Promise<boolean>
  update(id: string, patch: SessionPatch, now: number): Promise<UpdateResult>
  /** Moves `lastSeenAt`/`expiresAt` without touching data or version; false when missing. */
  touch(id: string, lastSeenAt: number, expiresAt: number, now: number): Promise<boolean>
  /** Removes a record; false when there was none. */
  delete(id: string): Promise<boolean>
  /** Sessions of a user that have not expired, oldest first. Needs `userIndex`. */
  listByUser?(userKey: string, now: number): Promise<SessionSummary[]>
  /** Removes every session of a user except `exceptId`; returns their ids. Needs `userIndex`. */
  deleteByUser?(userKey: string, exceptId?: string): Promise<string[]>
  /** Removes every session; returns how many. Needs `listing`. */
  deleteAll?(): Promise<number>
  /** Removes expired records; returns their ids. Needs `listing`. */
  prune?(now: number): Promise<string[]>
  /** Releases connections, timers and handles. Idempotent. */
  close(): Promise<void>
}

/**
 * A driver that serves every optional method: what the built-in SQL and Redis drivers are.
 * Declare your driver's own interface as extending it when it supports them all.
 */
export interface ListingSessionDriver extends SessionDriver {
  listByUser(userKey: string, now: number): Promise<SessionSummary[]>
  deleteByUser(userKey: string, exceptId?: string): Promise<string[]>
  deleteAll(): Promise<number>
  prune(now: number): Promise<string[]>
}

/** Every capability on, frozen: for a driver that implements {@link ListingSessionDriver}. */
export const FULL_CAPABILITIES: DriverCapabilities = Object.freeze({
  patches: true,
  versions: true,
  userIndex: true,
  listing: true,
})

/**
 * The record after `patch`, with its version bumped: what `update` must store. New objects
 * throughout; keys are defined rather than assigned, so a `__proto__` key stays data. For
 * driver authors (the built-in drivers use it too).
 */
export function applyPatch(record: SessionRecord, patch: SessionPatch): SessionRecord {
  return {
    id: record.id,
    values: patchRecord(record.values, patch.set, patch.unset),
    flash: patchRecord(record.flash, patch.flashSet, patch.flashUnset),
    version: record.version + 1,
    createdAt: record.createdAt,
    lastSeenAt: patch.lastSeenAt,
    expiresAt: patch.expiresAt,
    userKey: patch.userKey === undefined ? record.userKey : (patch.userKey ?? undefined),
    meta: patch.meta === undefined ? record.meta : (patch.meta ?? undefined),
  }
}

// Driver authors validate ids with the same check the server store applies.
export { generateSessionId, isValidSessionId } from '../lib/session-id.ts'
