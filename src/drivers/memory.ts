/**
 * The memory driver: sessions in a `Map` inside this process, for tests, development and
 * single-instance apps that accept losing sessions on restart. Bounded (`maxSessions`, with
 * least-recently-used eviction that never lets a session without a user push out a signed-in
 * one), expired records disappear on read and in a periodic, `unref`'d sweep (started by the first
 * record stored, so a driver can be created at module scope on Cloudflare Workers), and every record
 * is copied in and deep-frozen: `get` hands out the stored values themselves (no copy per read),
 * and nothing outside can change a stored session through them.
 *
 * Pass it to `createServerStore({ driver: createMemoryDriver(), keys })`.
 *
 * Available from `'sessionkit'`. Uses web-standard APIs only.
 *
 * @module
 */

// The driver methods are `async` so that a throw (a closed store) becomes a rejection, as the
// contract asks; their bodies are synchronous on purpose, which is what makes each one atomic.
/* eslint-disable @typescript-eslint/require-await */

import type {
  DriverCapabilities,
  SessionDriver,
  SessionPatch,
  SessionRecord,
  SessionSummary,
  UpdateResult,
} from '../core/driver.ts'
import { SessionConfigError } from '../errors.ts'
import { flatString, frozenCopy } from '../lib/compact-copy.ts'
import { patchRecord } from '../lib/patch.ts'
import { summaryOf } from '../lib/stored-record.ts'
import { unrefTimer } from '../lib/timeout.ts'

export interface MemoryDriverOptions {
  /**
   * Most sessions kept. Creating one more evicts the least recently used session without a
   * user (anonymous: `setUser` never called); a signed-in session is evicted only to make room
   * for another signed-in one, so a flood of anonymous visitors can never log users out. An
   * anonymous session is refused (the save fails with `SessionStoreError`) when every slot
   * holds a signed-in session. @default 10000
   */
  readonly maxSessions?: number
  /**
   * Most anonymous sessions kept (within `maxSessions`); one more evicts the least recently
   * used anonymous session. Lower it to keep room for sign-ins. @default maxSessions
   */
  readonly maxAnonymousSessions?: number
  /**
   * Milliseconds between sweeps of expired records; `0` disables the sweeper. The sweeper starts
   * with the first record stored, not when the driver is created. @default 60000
   */
  readonly sweepInterval?: number
  /** The sweeper's clock (requests pass their own `now`). @default Date.now */
  readonly now?: () => number
}

/** The memory driver, with a few extras for tests and monitoring. */
export interface MemoryDriver extends SessionDriver {
  readonly name: 'memory'
  /** Number of records held, including expired ones not yet swept. */
  readonly size: number
  /** Removes expired records now (with the sweeper's clock); returns their ids. */
  sweep(): string[]
  listByUser(userKey: string, now: number): Promise<SessionSummary[]>
  deleteByUser(userKey: string, exceptId?: string): Promise<string[]>
  deleteAll(): Promise<number>
  prune(now: number): Promise<string[]>
}

interface Stored {
  id: string
  /** Deep-frozen: handed out as is by `get`. */
  values: Readonly<Record<string, unknown>>
  /** Deep-frozen: handed out as is by `get`. */
  flash: Readonly<Record<string, readonly unknown[]>>
  version: number
  createdAt: number
  lastSeenAt: number
  expiresAt: number
  userKey: string | undefined
  meta: Readonly<Record<string, string>> | undefined
}

const CAPABILITIES: DriverCapabilities = Object.freeze({
  patches: true,
  versions: true,
  userIndex: true,
  listing: true,
})

/**
 * Creates a memory driver.
 *
 * @throws {SessionConfigError} for a bad `maxSessions` or `sweepInterval`.
 */
export function createMemoryDriver(options: MemoryDriverOptions = {}): MemoryDriver {
  const maxSessions = options.maxSessions ?? 10_000
  if (!Number.isSafeInteger(maxSessions) || maxSessions < 1) {
    throw new SessionConfigError('maxSessions must be a positive integer')
  }
  const maxAnonymous = options.maxAnonymousSessions ?? maxSessions
  if (!Number.isSafeInteger(maxAnonymous) || maxAnonymous < 1) {
    throw new SessionConfigError('maxAnonymousSessions must be a positive integer')
  }
  const sweepInterval = options.sweepInterval ?? 60_000
  if (!Number.isSafeInteger(sweepInterval) || sweepInterval < 0) {
    throw new SessionConfigError('sweepInterval must be a non-negative integer of milliseconds')
  }
  const clock = options.now ?? Date.now
  // Map iteration order is insertion order: re-inserting on use keeps the least recently
  // used record first. Two maps, so each class evicts its own oldest in O(1). Ids and user
  // keys are Map keys, never object properties.
  const anonymous = new Map<string, Stored>()
  const signedIn = new Map<string, Stored>()
  const byUser = new Map<string, Set<string>>()
  let closed = false
  let timer: ReturnType<typeof setInterval> | undefined

  // Started by the first record stored, never at creation: Cloudflare Workers refuse a timer
  // in global scope, where a store is usually created. Until then there is nothing to sweep.
  function startSweeper(): void {
    if (timer !== undefined || sweepInterval === 0) return
    timer = setInterval(() => {
      sweep()
    }, sweepInterval)
    unrefTimer(timer)
  }

  function live(): void {
    if (closed) throw new Error('The memory session store is closed')
  }

  function index(id: string, userKey: string | undefined): void {
    if (userKey === undefined) return
    let ids = byUser.get(userKey)
    if (ids === undefined) {
      ids = new Set()
      byUser.set(userKey, ids)
    }
    ids.add(id)
  }

  function unindex(id: string, userKey: string | undefined): void {
    if (userKey === undefined) return
    const ids = byUser.get(userKey)
    if (ids === undefined) return
    ids.delete(id)
    if (ids.size === 0) byUser.delete(userKey)
  }

  function classOf(stored: Stored): Map<string, Stored> {
    return stored.userKey === undefined ? anonymous : signedIn
  }

  function lookup(id: string): Stored | undefined {
    return anonymous.get(id) ?? signedIn.get(id)
  }

  function remove(stored: Stored): void {
    classOf(stored).delete(stored.id)
    unindex(stored.id, stored.userKey)
  }

  // The live record for `id`, marked as recently used; expired ones are dropped on sight.
  function find(id: string, now: number): Stored | undefined {
    const stored = lookup(id)
    if (stored === undefined) return undefined
    if (stored.expiresAt <= now) {
      remove(stored)
      return undefined
    }
    const records = classOf(stored)
    records.delete(id)
    // Under the record's own (flat) key, not the caller's string, which may be a long tree.
    records.set(stored.id, stored)
    return stored
  }

  function evictOldest(records: Map<string, Stored>): void {
    const oldest = records.values().next()
    if (oldest.done !== true) remove(oldest.value)
  }

  // Room for one more record of the given class. Anonymous records only ever evict
  // anonymous ones: a flood of visitors without a user must not log anyone out. A sign-in
  // spares the last anonymous record, the most recently used: usually the very session being
  // signed in, whose regeneration needs it until the new record exists.
  function makeRoom(signedInRecord: boolean): void {
    if (!signedInRecord) {
      while (anonymous.size >= maxAnonymous) evictOldest(anonymous)
    }
    while (anonymous.size + signedIn.size >= maxSessions) {
      if (!signedInRecord) {
        if (anonymous.size === 0) {
          throw new Error('The memory session store is full of signed-in sessions')
        }
        evictOldest(anonymous)
      } else if (anonymous.size > 1 || signedIn.size === 0) {
        evictOldest(anonymous)
      } else {
        evictOldest(signedIn)
      }
    }
  }

  function sweep(): string[] {
    return pruneAt(clock())
  }

  function pruneAt(now: number): string[] {
    const removed: string[] = []
    // Deleting the entry being visited is safe while iterating a Map.
    for (const records of [anonymous, signedIn]) {
      for (const stored of records.values()) {
        if (stored.expiresAt <= now) {
          remove(stored)
          removed.push(stored.id)
        }
      }
    }
    return removed
  }

  const driver: MemoryDriver = {
    name: 'memory',
    capabilities: CAPABILITIES,
    get size() {
      return anonymous.size + signedIn.size
    },
    sweep() {
      live()
      return sweep()
    },

    async get(id, now) {
      live()
      const stored = find(id, now)
      return stored === undefined ? undefined : snapshot(stored)
    },

    async create(record, now) {
      live()
      const existing = find(record.id, now)
      // An expired record under the same id is gone (find removed it); a live one wins.
      if (existing !== undefined) return false
      makeRoom(record.userKey !== undefined)
      const stored: Stored = {
        id: flatString(record.id),
        values: frozenCopy(record.values),
        flash: frozenCopy(record.flash),
        version: 1,
        createdAt: record.createdAt,
        lastSeenAt: record.lastSeenAt,
        expiresAt: record.expiresAt,
        userKey: record.userKey === undefined ? undefined : flatString(record.userKey),
        meta: record.meta === undefined ? undefined : Object.freeze(copy(record.meta)),
      }
      classOf(stored).set(stored.id, stored)
      index(stored.id, stored.userKey)
      startSweeper()
      return true
    },

    async update(id, patch, now): Promise<UpdateResult> {
      live()
      const stored = find(id, now)
      if (stored === undefined) return { status: 'missing' }
      if (patch.expectVersion !== undefined && patch.expectVersion !== stored.version) {
        return { status: 'conflict', version: stored.version }
      }
      applyPatch(stored, patch)
      return { status: 'updated', version: stored.version }
    },

    async touch(id, lastSeenAt, expiresAt, now) {
      live()
      const stored = find(id, now)
      if (stored === undefined) return false
      stored.lastSeenAt = lastSeenAt
      stored.expiresAt = expiresAt
      return true
    },

    async delete(id) {
      live()
      const stored = lookup(id)
      if (stored === undefined) return false
      remove(stored)
      return true
    },

    async listByUser(userKey, now): Promise<SessionSummary[]> {
      live()
      const ids = byUser.get(userKey)
      if (ids === undefined) return []
      const out: SessionSummary[] = []
      for (const id of ids) {
        const stored = lookup(id)
        if (stored === undefined || stored.expiresAt <= now) continue
        out.push(summaryOf(stored))
      }
      return out.sort((a, b) => a.createdAt - b.createdAt || a.lastSeenAt - b.lastSeenAt)
    },

    async deleteByUser(userKey, exceptId) {
      live()
      const ids = byUser.get(userKey)
      if (ids === undefined) return []
      const removed: string[] = []
      for (const id of [...ids]) {
        if (id === exceptId) continue
        const stored = lookup(id)
        if (stored !== undefined) remove(stored)
        removed.push(id)
      }
      return removed
    },

    async deleteAll() {
      live()
      const count = anonymous.size + signedIn.size
      anonymous.clear()
      signedIn.clear()
      byUser.clear()
      return count
    },

    async prune(now) {
      live()
      return pruneAt(now)
    },

    async close() {
      if (closed) return
      closed = true
      if (timer !== undefined) clearInterval(timer)
      timer = undefined
      anonymous.clear()
      signedIn.clear()
      byUser.clear()
    },
  }
  return driver

  function applyPatch(stored: Stored, patch: SessionPatch): void {
    // Unchanged values are shared with the previous (frozen) record; new ones are copied and frozen.
    stored.values = Object.freeze(patchRecord(stored.values, patch.set, patch.unset, frozenCopy))
    stored.flash = Object.freeze(
      patchRecord(stored.flash, patch.flashSet, patch.flashUnset, frozenCopy),
    )
    stored.lastSeenAt = patch.lastSeenAt
    stored.expiresAt = patch.expiresAt
    if (patch.userKey !== undefined) {
      // Signing in or out moves the record to the other class (as the most recently used).
      remove(stored)
      stored.userKey = patch.userKey === null ? undefined : flatString(patch.userKey)
      classOf(stored).set(stored.id, stored)
      index(stored.id, stored.userKey)
    }
    if (patch.meta !== undefined) {
      stored.meta = patch.meta === null ? undefined : Object.freeze(copy(patch.meta))
    }
    stored.version += 1
  }
}

// The record's values and flash are deep-frozen, so they are shared rather than copied: a read
// costs no clone and no garbage proportional to the session's size.
function snapshot(stored: Stored): SessionRecord {
  return {
    id: stored.id,
    values: stored.values,
    flash: stored.flash,
    version: stored.version,
    createdAt: stored.createdAt,
    lastSeenAt: stored.lastSeenAt,
    expiresAt: stored.expiresAt,
    userKey: stored.userKey,
    meta: stored.meta,
  }
}

// Session values are JSON values (checked by `Session.set`), so structuredClone copies them
// exactly, `__proto__` keys included (it defines own properties, never assigns).
function copy<T>(value: T): T {
  return structuredClone(value)
}
