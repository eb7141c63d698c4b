/**
 * Server-side sessions: the data lives in a {@link SessionDriver} (memory, filesystem, SQLite
 * or your own) and the cookie carries only a signed session id. `createServerStore` does
 * everything above the driver: ids, the signed cookie, idle and absolute expiry, sliding
 * renewal with a threshold, per-key patches, optimistic versioning, regeneration with an
 * optional grace window, per-user listing and log-out-everywhere, timeouts on every driver
 * call, and failing closed when the driver is down.
 *
 * Available from `'sessionkit'`. Uses web-standard APIs only.
 *
 * @module
 */

import { createTokenCodec, type OpenResult } from '../core/codec.ts'
import { serializeDeleteCookie, serializeSetCookie, type CookieOptions } from '../core/cookie.ts'
import type {
  SessionDriver,
  SessionPatch,
  SessionRecord,
  SessionSummary,
  UpdateResult,
} from '../core/driver.ts'
import {
  InvalidCookieError,
  SessionArgumentError,
  SessionConfigError,
  SessionConflictError,
  SessionStoreError,
  SessionTooLargeError,
  type StoreOperation,
} from '../errors.ts'
import { all } from '../lib/awaitable.ts'
import { distinct, firstDefined, mayDelete, newestFirst } from '../lib/candidates.ts'
import { createCookieOptionsCache } from './cookie-options.ts'
import { cookieCandidates } from '../lib/cookie-scan.ts'
import { resolveLifetime } from '../lib/lifetime.ts'
import type { KeyRing } from '../core/keyring.ts'
import type { CryptoChoice } from '../lib/crypto/select.ts'
import { utf8Decode } from '../lib/encoding.ts'
import { jsonBytes } from '../lib/json-size.ts'
import { defineValue } from '../lib/json-value.ts'
import { patchRecord } from '../lib/patch.ts'
import { generateSessionId, isValidSessionId } from '../lib/session-id.ts'
import { createDeadlineQueue } from '../lib/timeout.ts'
import {
  beginSave,
  markSaved,
  resetState,
  savingMark,
  Session,
  sessionState,
  type SessionData,
  type SessionState,
} from '../core/session.ts'
import type { CookieHeader, ReclaimableStore, SessionStore } from '../core/store.ts'

/** Why a session was destroyed, as told to {@link ServerStore.onDestroy} listeners. */
export type DestroyReason = 'destroy' | 'regenerate' | 'expired' | 'user' | 'all'

/**
 * Told about every session the store removes (go-sessions `OnDestroy`): its id and why. For
 * `'all'` (`destroyAll`) the id is `undefined`. With `'regenerate'` the old id is retired (it
 * may live on for the grace window); destroying one of two ids a regeneration linked reports
 * both with `'destroy'`. Listeners run after the driver confirmed the removal;
 * an exception thrown by a listener is caught and ignored. The id is not a credential on its
 * own (the cookie is signed) but it is still an identifier: do not log it in clear.
 */
export type DestroyListener = (
  ...args: [id: string, reason: Exclude<DestroyReason, 'all'>] | [id: undefined, reason: 'all']
) => void

/** What this request changed, given to a {@link ConflictResolver}. */
export interface LocalChanges {
  /** Values this request set (whole values). */
  readonly set: Readonly<Record<string, unknown>>
  /** Keys this request removed. */
  readonly unset: readonly string[]
  /** The values as this request loaded them, for three-way merges (counters, sets). */
  readonly base: Readonly<Record<string, unknown>>
}

/** The changes to write instead, on top of the stored record the resolver was given. */
export interface MergedChanges {
  readonly set: Readonly<Record<string, unknown>>
  readonly unset: readonly string[]
}

/**
 * Resolves a version conflict: `stored` is the record as it is now (another request wrote
 * it since this one loaded), `local` what this request changed. Return the changes to apply
 * to `stored` (they are written with compare-and-set again), or `undefined` to give up with a
 * `SessionConflictError`.
 */
export type ConflictResolver = (
  stored: SessionRecord,
  local: LocalChanges,
) => MergedChanges | undefined

/**
 * How concurrent writes to one session combine:
 * - `'merge'` (default): per-key patches; requests that change different keys all survive,
 *   the last write of one key wins.
 * - `'error'`: compare-and-set on the version loaded; a stale write fails with
 *   `SessionConflictError` and writes nothing. Needs a driver with `versions`.
 * - a {@link ConflictResolver}: compare-and-set, and on conflict the resolver decides (up to
 *   a few rounds). Needs a driver with `versions`.
 */
export type ConflictPolicy = 'merge' | 'error' | ConflictResolver

export interface ServerStoreOptions {
  /**
   * The name of the id cookie (also the sessions' `name`), given once here. Checked now, with
   * the prefix rules of `cookie`: a `__Host-` name with a Domain fails at startup.
   */
  readonly name: string
  /** Where sessions are kept (`createMemoryDriver()`, a filesystem or SQLite driver, …). */
  readonly driver: SessionDriver
  /** Signs the id cookie; the token is bound to the cookie name and the `purpose`. */
  readonly keys: KeyRing
  /**
   * Cookie attributes. Defaults: `HttpOnly`, `Secure`, `SameSite=Lax`, `Path=/`. Prefix
   * rules (`__Host-`, `__Secure-`) are checked against `name` when the store is created.
   */
  readonly cookie?: CookieOptions
  /**
   * Default cookie persistence in seconds (gorilla `MaxAge`): `0` = browser-session cookie,
   * `> 0` = persistent, capped at the session's remaining absolute lifetime, `< 0` = the
   * session is deleted. Per session: `session.rememberMe()`, `session.setCookieOptions()`.
   * @default 0
   */
  readonly maxAge?: number
  /**
   * Seconds without a request after which the server forgets the session. Per session:
   * `session.updateExpiration(seconds)`. @default 86400 (one day)
   */
  readonly idleTimeout?: number
  /** Seconds from creation after which the session ends, however active. @default 604800 (7 days) */
  readonly absoluteTimeout?: number
  /**
   * Seconds after which a request that changed nothing still moves `lastSeenAt` and the idle
   * expiry (one `touch`, never a data write). Requests within it write nothing. @default 60
   */
  readonly renewAfter?: number
  /**
   * Makes session ids (go-sessions `SessionIDGenerator`). Every id is checked with
   * `isValidSessionId` (43 characters of base64url) before it reaches the driver; a generator
   * that returns anything else fails with `SessionConfigError`. @default 32 random bytes
   */
  readonly generateId?: () => string
  /** Milliseconds each driver call may take before it fails with `SessionStoreError` (`timedOut`). @default 5000 */
  readonly timeout?: number
  /** @default 'merge' */
  readonly conflicts?: ConflictPolicy
  /** Store (and send a cookie for) every session, even empty ones. @default false */
  readonly eager?: boolean
  /**
   * After `session.destroy()`, `registry.get(store)` in the same request gives a fresh
   * session whose cookie replaces the deletion cookie (go-sessions `AllowReclaim`). The
   * destroyed session is still deleted from the driver. @default false
   */
  readonly allowReclaim?: boolean
  /**
   * Told about every rejected cookie (tampered, expired, unknown key, malformed, or an unknown
   * session id); the request goes on with a fresh session. The error holds no token or id.
   */
  readonly onInvalidCookie?: (error: InvalidCookieError) => void
  /** Seconds of accepted clock skew for the cookie's signed times. @default 60 */
  readonly clockTolerance?: number
  /** Milliseconds since the epoch; also passed to every driver call. @default Date.now */
  readonly now?: () => number
  /** @default 'auto' */
  readonly crypto?: CryptoChoice
  /** Purpose the id tokens are bound to. @default 'session-id' */
  readonly purpose?: string
  /**
   * Largest session, in bytes of its record's JSON (values, flashes, user key and labels). A
   * save that would store a larger session fails with `SessionTooLargeError` and writes
   * nothing; a session already larger (say after lowering the limit) can still shrink.
   * @default 65536 (64 KiB)
   */
  readonly maxSessionBytes?: number
}

export interface ServerStore<Data extends object = SessionData, Flash extends object = SessionData>
  extends SessionStore<Data, Flash>, ReclaimableStore {
  /** The driver the store wraps. */
  readonly driver: SessionDriver
  readonly allowReclaim: boolean
  /**
   * Removes a session by id (say from an admin page), with the id a regeneration linked to it
   * within a grace window; false when there was none.
   */
  destroyById(id: string): Promise<boolean>
  /** Removes every session; returns how many. Needs a driver with `listing`. */
  destroyAll(): Promise<number>
  /**
   * Logs a user out everywhere: removes every session tied to `userKey` (`session.setUser`),
   * except `except` (the current session, or an id). Returns the removed ids. Needs a driver
   * with `userIndex`. Rejects with `SessionArgumentError` for a key that is not a string of
   * 1-512 characters.
   */
  destroyByUser(
    userKey: string,
    options?: { readonly except?: Session<Data, Flash> | string | undefined },
  ): Promise<string[]>
  /**
   * The live sessions of a user, oldest first (never their data). Needs `userIndex`. Rejects
   * with `SessionArgumentError` for a bad key, as `destroyByUser` does.
   */
  listByUser(userKey: string): Promise<SessionSummary[]>
  /** Removes expired records now; returns how many. Needs `listing`. */
  prune(): Promise<number>
  /** Closes the driver. */
  close(): Promise<void>
  /** Adds a listener for removed sessions; returns a function that removes it. */
  onDestroy(listener: DestroyListener): () => void
}

// Per-session settings kept inside the record's values under keys no application uses (a
// NUL first character), so drivers need no extra fields. Stripped on load.
const IDLE_KEY = '\u0000sk:idle'
const MAX_AGE_KEY = '\u0000sk:maxAge'
/**
 * Marks a record retired by a regeneration; the value is the successor's id (`true` in records
 * written by earlier versions). A retired record is never extended again.
 */
const RETIRED_KEY = '\u0000sk:retired'
/** In a successor made with a grace window: the id it replaced, removed with it on destroy. */
const PREVIOUS_KEY = '\u0000sk:previous'
/** A record being destroyed: it loads as no session and can no longer be retired. */
const DESTROYED_KEY = '\u0000sk:destroyed'
const RESERVED = new Set([IDLE_KEY, MAX_AGE_KEY, RETIRED_KEY, PREVIOUS_KEY, DESTROYED_KEY])

/** Driver lookups per request for the authentic ids its cookies carry, newest first. */
const MAX_LOOKUPS = 4
const MAX_CREATE_ATTEMPTS = 4
const MAX_MERGE_ROUNDS = 5
const MAX_EMULATED_ROUNDS = 32
const MAX_USER_KEY_LENGTH = 512
/** Successors followed when destroying or joining a regenerated session. */
const MAX_CHAIN = 4
/** How long a destroyed mark keeps a record whose delete did not happen (a failed logout). */
const MARK_TTL_MS = 60_000
const DEFAULT_MAX_SESSION_BYTES = 65_536
const DAY = 86_400

type OpenedToken = Extract<OpenResult, { ok: true }>

interface Stored {
  readonly id: string
  version: number
  readonly createdAt: number
  lastSeenAt: number
  expiresAt: number
  /** The values as loaded or last written, for merge hooks. */
  base: Readonly<Record<string, unknown>>
  /** Bytes of the stored record's JSON, once measured (see `storedBytes`). */
  bytes: number | undefined
  /** The record as loaded, to measure lazily: most requests never need its size. */
  readonly loaded: SessionRecord | undefined
  /** Retired by a regeneration: its expiry never moves again. */
  readonly retired: boolean
  /** The id that replaced this one (a retired record). */
  readonly successor: string | undefined
  /** The id this one replaced with a grace window (still alive for a while). */
  readonly previous: string | undefined
}

type Claim =
  | { readonly kind: 'claimed' }
  | { readonly kind: 'gone' }
  | { readonly kind: 'adopt'; readonly successor: string }

const CLAIMED: Claim = { kind: 'claimed' }
const GONE: Claim = { kind: 'gone' }

// What the store knows about a session beyond the session's own state.
interface Tracked {
  /** A cookie of this name came with the request (valid or not) or was sent since. */
  present: boolean
  /** The record in the driver; `undefined` until the session is stored. */
  stored: Stored | undefined
  /** Per-session settings as stored. */
  idle: number | undefined
  maxAge: number | undefined
  /** Issue time of the client's cookie, when known. */
  issuedAt: number | undefined
  /** The client's cookie was signed with a key other than the primary. */
  rotated: boolean
  /** Removed by someone else while this request ran; a later save must not store it again. */
  ended?: true
}

interface Changes {
  readonly set: Record<string, unknown>
  readonly unset: string[]
  readonly flashSet: Record<string, readonly unknown[]>
  readonly flashUnset: string[]
  readonly user:
    { userKey: string | null; meta: Readonly<Record<string, string>> | null } | undefined
}

/**
 * Creates a server-side session store on top of a driver.
 *
 * @example
 * ```ts
 * const store = createServerStore<{ userId: string }>({
 *   name: 'sid',
 *   driver: createMemoryDriver(),
 *   keys: createKeyRing([{ id: 'k1', secret: process.env.SESSION_KEY! }]),
 * })
 * ```
 * @throws {SessionConfigError} for a missing name, a bad option, or a driver that can serve neither per-key
 * patches nor versions (or lacks versions for `conflicts: 'error'` or a resolver).
 */
export function createServerStore<
  Data extends object = SessionData,
  Flash extends object = SessionData,
>(options: ServerStoreOptions): ServerStore<Data, Flash> {
  const driver = options.driver
  const caps = driver.capabilities
  if (!caps.patches && !caps.versions) {
    throw new SessionConfigError(
      `The ${driver.name} driver supports neither patches nor versions: concurrent requests would lose updates`,
    )
  }
  const conflicts = options.conflicts ?? 'merge'
  if (conflicts !== 'merge' && conflicts !== 'error' && typeof conflicts !== 'function') {
    throw new SessionConfigError("conflicts must be 'merge', 'error' or a function")
  }
  if (conflicts !== 'merge' && !caps.versions) {
    throw new SessionConfigError(
      `The ${driver.name} driver has no versions, which conflict detection needs`,
    )
  }
  const {
    absoluteTimeout,
    idleTimeout,
    renewAfter,
    maxAge: defaultMaxAge,
  } = resolveLifetime(options, {
    absoluteTimeout: 7 * DAY,
    idleTimeout: DAY,
    renewAfter: (idle) => Math.min(60, idle),
  })
  const timeout = options.timeout ?? 5000
  if (!Number.isSafeInteger(timeout) || timeout < 1 || timeout > 600_000) {
    throw new SessionConfigError('timeout must be an integer of milliseconds between 1 and 600000')
  }
  const maxSessionBytes = options.maxSessionBytes ?? DEFAULT_MAX_SESSION_BYTES
  if (!Number.isSafeInteger(maxSessionBytes) || maxSessionBytes < 1024) {
    throw new SessionConfigError('maxSessionBytes must be an integer of at least 1024 bytes')
  }
  if (options.generateId !== undefined && typeof options.generateId !== 'function') {
    throw new SessionConfigError('generateId must be a function')
  }
  const generate = options.generateId ?? generateSessionId
  const eager = options.eager ?? false
  const allowReclaim = options.allowReclaim ?? false
  const now = options.now ?? Date.now
  const codec = createTokenCodec({
    keys: options.keys,
    format: 'signed',
    purpose: options.purpose ?? 'session-id',
    ...(options.crypto === undefined ? {} : { crypto: options.crypto }),
    ...(options.clockTolerance === undefined ? {} : { clockTolerance: options.clockTolerance }),
    maxTokenLength: 512,
    now,
  })
  const tracked = new WeakMap<object, Tracked>()
  const cookieOptions = createCookieOptionsCache(options.name, options.cookie)
  const storeName = cookieOptions.name
  const listeners = new Set<DestroyListener>()

  function nextId(): string {
    const id = generate()
    if (!isValidSessionId(id)) {
      throw new SessionConfigError(
        'generateId returned an invalid session id: ids are 43 characters of A-Z a-z 0-9 _ -',
      )
    }
    return id
  }

  // One timer for the oldest pending driver call rather than one per call: every call gets the
  // same limit, so deadlines expire in order.
  const deadlines = createDeadlineQueue(timeout)

  function call<T>(operation: StoreOperation, run: () => Promise<T>): Promise<T> {
    return deadlines
      .run(run, () => new SessionStoreError(operation, true))
      .catch((error: unknown) => {
        if (error instanceof SessionStoreError) throw error
        throw new SessionStoreError(operation, false, { cause: error })
      })
  }

  function emit(...args: Parameters<DestroyListener>): void {
    for (const listener of [...listeners]) {
      try {
        listener(...args)
      } catch {
        // Listeners must not turn a completed removal into a failure.
      }
    }
  }

  function trackedOf(session: Session<Data, Flash>): Tracked {
    let entry = tracked.get(session)
    if (entry === undefined) {
      entry = {
        present: false,
        stored: undefined,
        idle: undefined,
        maxAge: undefined,
        issuedAt: undefined,
        rotated: false,
      }
      tracked.set(session, entry)
    }
    return entry
  }

  function expiry(createdAt: number, at: number, idle: number | undefined): number {
    return Math.min(createdAt + absoluteTimeout * 1000, at + (idle ?? idleTimeout) * 1000)
  }

  function fresh(name: string, present: boolean, loadError?: InvalidCookieError) {
    const session = new Session<Data, Flash>({
      name,
      id: eager ? nextId() : undefined,
      isNew: true,
      createdAt: now(),
      loadError,
    })
    const entry = trackedOf(session)
    entry.present = present
    return session
  }

  // `deletable`: the request showed every value it has for this name and all of them failed,
  // so clearing the cookie cannot remove a valid one the request did not show.
  function reject(name: string, reason: InvalidCookieError['reason'], deletable: boolean) {
    const error = new InvalidCookieError(reason, name)
    options.onInvalidCookie?.(error)
    return fresh(name, deletable, error)
  }

  function loaded(
    name: string,
    record: SessionRecord,
    issuedAt: number,
    rotated: boolean,
  ): Session<Data, Flash> {
    const values: [string, unknown][] = []
    let idle: number | undefined
    let maxAge: number | undefined
    for (const [key, value] of Object.entries(record.values)) {
      if (key === IDLE_KEY) {
        if (Number.isSafeInteger(value) && (value as number) > 0) idle = value as number
      } else if (key === MAX_AGE_KEY) {
        if (Number.isSafeInteger(value)) maxAge = value as number
      } else if (!RESERVED.has(key)) {
        values.push([key, value])
      }
    }
    const session = new Session<Data, Flash>({
      name,
      id: record.id,
      isNew: false,
      createdAt: record.createdAt,
      values,
      flash: Object.entries(record.flash).map(([key, list]) => [key, [...list]]),
      maxAge,
      idleTimeout: idle,
      userKey: record.userKey,
      meta: record.meta,
    })
    tracked.set(session, {
      present: true,
      stored: storedOf(record),
      idle,
      maxAge,
      issuedAt,
      rotated,
    })
    return session
  }

  function storedOf(record: SessionRecord): Stored {
    return {
      id: record.id,
      version: record.version,
      createdAt: record.createdAt,
      lastSeenAt: record.lastSeenAt,
      expiresAt: record.expiresAt,
      base: record.values,
      bytes: undefined,
      loaded: record,
      retired: isRetired(record),
      successor: successorOf(record),
      previous: idAt(record.values, PREVIOUS_KEY),
    }
  }

  async function get(cookieHeader: CookieHeader): Promise<Session<Data, Flash>> {
    const name = storeName
    const found = cookieCandidates(cookieHeader, name)
    if (found.values.length === 0) return fresh(name, false)
    // Several values of one name (other paths or domains, or planted): all are verified
    // before any driver call, so only tokens this application issued reach the driver.
    const { reasons, ids } = await verifyAll(name, distinct(found.values))
    // Newest first; the bound caps the driver work an attacker's own valid tokens can cause.
    for (const { id, index, opened } of ids.slice(0, MAX_LOOKUPS)) {
      const record = await lookUp(id)
      if (record !== undefined && !isDestroyed(record)) {
        return loaded(name, record, opened.issuedAt, opened.rotated)
      }
      if (record !== undefined) {
        // Being destroyed (or a logout whose delete failed): finish the job, links included,
        // so that whoever removes the record has read it first.
        for (const gone of await destroyRecord(id, now())) emit(gone, 'destroy')
      }
      reasons[index] = 'unknown-session'
    }
    const everyValueTried = ids.length <= MAX_LOOKUPS
    return reject(name, firstDefined(reasons) ?? 'malformed', mayDelete(found, everyValueTried))
  }

  /**
   * Opens every value: the reason of each that fails, and the distinct valid ids newest
   * first, each with its newest token (whose issue time and key the cookie logic needs).
   */
  async function verifyAll(name: string, values: readonly string[]) {
    const results = await all(values.map((value) => codec.open(name, value)))
    const reasons = results.map((result) => (result.ok ? undefined : result.reason))
    const byId = new Map<string, { id: string; index: number; opened: OpenedToken }>()
    results.forEach((result, index) => {
      if (!result.ok) return
      const id = utf8Decode(result.payload)
      if (!isValidSessionId(id)) reasons[index] = 'malformed'
      else if ((byId.get(id)?.opened.issuedAt ?? -1) < result.issuedAt) {
        byId.set(id, { id, index, opened: result })
      }
    })
    return { reasons, ids: newestFirst([...byId.values()], (entry) => entry.opened.issuedAt) }
  }

  /** The live record of `id`, or `undefined` when it is unknown, expired or past its lifetime. */
  async function lookUp(id: string): Promise<SessionRecord | undefined> {
    const at = now()
    const record = await call('get', () => driver.get(id, at))
    if (record !== undefined && record.id !== id) {
      throw new SessionStoreError('get', false, {
        cause: new Error(`The ${driver.name} driver returned another session than asked for`),
      })
    }
    // The server store checks expiry itself too: a driver's clock or rounding never extends it.
    if (
      record === undefined ||
      record.expiresAt <= at ||
      record.createdAt + absoluteTimeout * 1000 <= at
    ) {
      return undefined
    }
    return record
  }

  function deletionHeader(state: SessionState, entry: Tracked): string | undefined {
    if (!entry.present) return undefined
    return serializeDeleteCookie(state.name, cookieOptions.forSession(state))
  }

  async function idCookie(state: SessionState, entry: Tracked, at: number): Promise<string> {
    const stored = entry.stored
    if (stored === undefined) throw new Error('unreachable: no stored session')
    const absoluteEnd = stored.createdAt + absoluteTimeout * 1000
    const token = await codec.seal(state.name, stored.id, { expiresAt: absoluteEnd, issuedAt: at })
    const maxAge = state.maxAge ?? defaultMaxAge
    let lifetime: { maxAge: number; expires: Date } | undefined
    if (maxAge > 0) {
      const secs = Math.max(1, Math.min(maxAge, Math.ceil((absoluteEnd - at) / 1000)))
      lifetime = { maxAge: secs, expires: new Date(at + secs * 1000) }
    }
    const header = serializeSetCookie(
      state.name,
      token,
      { ...cookieOptions.forSession(state), ...lifetime },
      at,
    )
    entry.present = true
    entry.issuedAt = at
    entry.rotated = false
    return header
  }

  // The session ends: delete its record (if stored) and clear the cookie (if the client has
  // one). A failed delete still hands over the deletion cookie, inside the error. `final` (a
  // destroy, not an emptied or expired session) also ends the ids a regeneration linked to it.
  async function remove(
    state: SessionState,
    entry: Tracked,
    reason: 'destroy' | 'expired',
    final = false,
  ): Promise<string | undefined> {
    const header = deletionHeader(state, entry)
    const stored = entry.stored
    if (stored !== undefined) {
      let removed: readonly string[]
      try {
        if (final) removed = await destroyRecord(stored.id, now(), stored)
        else removed = (await call('delete', () => driver.delete(stored.id))) ? [stored.id] : []
      } catch (error) {
        const failure = error as SessionStoreError
        throw new SessionStoreError(failure.operation, failure.timedOut, {
          cause: failure.cause,
          setCookie: header,
        })
      }
      entry.stored = undefined
      for (const id of removed) emit(id, reason)
    }
    if (reason === 'expired') forget(state)
    markSaved(state)
    entry.present = false
    entry.issuedAt = undefined
    return header
  }

  // The stored session ended (expired, or destroyed elsewhere): this request goes on with a
  // fresh, empty session, so a second save (an explicit one, then the adapter's) cannot
  // store the ended session's data again under a new id.
  function forget(state: SessionState): void {
    resetState(state, now())
    if (eager) state.id = nextId()
  }

  // Ends a session for good, with the ids a regeneration linked to it. The mark comes first:
  // a regeneration running at the same time then either fails to claim the record, or had
  // claimed it already and left its successor's id in it, which the read after the mark
  // finds. A marked record loads as no session, so even a delete that fails logs out; the
  // mark keeps it for a minute, long enough to be read back, then it expires.
  async function destroyRecord(id: string, at: number, known?: Stored): Promise<string[]> {
    const removed: string[] = []
    let previous: string | undefined
    let next: string | undefined = id
    for (let hop = 0; next !== undefined && hop <= MAX_CHAIN; hop++) {
      const current: string = next
      next = undefined
      if (!(await mark(current, at))) break
      const record = await call('get', () => driver.get(current, at))
      if (await call('delete', () => driver.delete(current))) removed.push(current)
      if (record !== undefined) next = successorOf(record)
      else if (hop === 0) next = known?.successor
      if (hop === 0) {
        previous = record === undefined ? known?.previous : idAt(record.values, PREVIOUS_KEY)
      }
    }
    // The id this session replaced within a grace window: retired, so it can only point here.
    const before = previous
    if (before !== undefined && (await call('delete', () => driver.delete(before)))) {
      removed.push(before)
    }
    return removed
  }

  // Sets the destroyed mark; false when the record was already gone.
  async function mark(id: string, at: number): Promise<boolean> {
    const until = at + MARK_TTL_MS
    const result = await writeBookkeeping(id, { [DESTROYED_KEY]: true }, at, until, at)
    return result.status === 'updated'
  }

  // Writes reserved keys only, whatever the conflict policy: per key, or by compare-and-set
  // rounds on a driver without patches.
  async function writeBookkeeping(
    id: string,
    set: Record<string, unknown>,
    lastSeenAt: number,
    expiresAt: number,
    at: number,
  ): Promise<UpdateResult> {
    const changes: Changes = { set, unset: [], flashSet: {}, flashUnset: [], user: undefined }
    if (caps.patches) {
      return call('update', () =>
        driver.update(id, patchOf(changes, lastSeenAt, expiresAt, undefined), at),
      )
    }
    for (let round = 0; round < MAX_EMULATED_ROUNDS; round++) {
      const result = await writeWhole(id, changes, lastSeenAt, expiresAt, undefined, at)
      if (result.status !== 'conflict') return result
      await pause(round)
    }
    throw new SessionStoreError('update', false, {
      cause: new Error('The record kept changing under compare-and-set'),
    })
  }

  // Destroyed or expired by someone else while this request ran: it stays gone.
  function gone(state: SessionState, entry: Tracked): string | undefined {
    const header = deletionHeader(state, entry)
    entry.stored = undefined
    entry.present = false
    entry.issuedAt = undefined
    entry.ended = true
    forget(state)
    return header
  }

  function settingsChanges(state: SessionState, entry: Tracked, changes: Changes): void {
    if (state.idleTimeout !== entry.idle) {
      if (state.idleTimeout === undefined) changes.unset.push(IDLE_KEY)
      else defineValue(changes.set, IDLE_KEY, state.idleTimeout)
    }
    if (state.maxAge !== entry.maxAge) {
      if (state.maxAge === undefined) changes.unset.push(MAX_AGE_KEY)
      else defineValue(changes.set, MAX_AGE_KEY, state.maxAge)
    }
  }

  function collectChanges(state: SessionState, entry: Tracked): Changes {
    const changes: Changes = {
      set: {},
      unset: [],
      flashSet: {},
      flashUnset: [],
      user: state.userChanged ? userOf(state) : undefined,
    }
    for (const key of state.changedValues) {
      if (RESERVED.has(key)) continue
      if (state.values.has(key)) defineValue(changes.set, key, state.values.get(key))
      else changes.unset.push(key)
    }
    for (const key of state.changedFlash) {
      const list = state.flash.get(key)
      if (list === undefined) changes.flashUnset.push(key)
      else defineValue(changes.flashSet, key, [...list])
    }
    settingsChanges(state, entry, changes)
    return changes
  }

  function fullValues(state: SessionState): Record<string, unknown> {
    const values: Record<string, unknown> = {}
    for (const [key, value] of state.values) {
      if (!RESERVED.has(key)) defineValue(values, key, value)
    }
    if (state.idleTimeout !== undefined) defineValue(values, IDLE_KEY, state.idleTimeout)
    if (state.maxAge !== undefined) defineValue(values, MAX_AGE_KEY, state.maxAge)
    return values
  }

  function fullFlash(state: SessionState): Record<string, readonly unknown[]> {
    const flash: Record<string, readonly unknown[]> = {}
    for (const [key, list] of state.flash) defineValue(flash, key, [...list])
    return flash
  }

  // The session as it would be stored, measured: over `maxSessionBytes` is refused before
  // any write, unless the session does not grow (one stored before a lower limit must still
  // be able to shrink). Returns the size.
  function checkSize(
    state: SessionState,
    entry: Tracked,
    values: Readonly<Record<string, unknown>>,
    flash: Readonly<Record<string, readonly unknown[]>>,
  ): number {
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

  // Inserts a new record, retrying with a fresh id on the (astronomically rare) collision.
  async function insert(
    state: SessionState,
    record: {
      readonly createdAt: number
      readonly at: number
      readonly expiresAt: number
      readonly values: Record<string, unknown>
      readonly flash: Record<string, readonly unknown[]>
      readonly bytes: number
    },
    firstId: string | undefined,
  ): Promise<Stored> {
    const { createdAt, at, expiresAt, values, flash, bytes } = record
    const user = userOf(state)
    let id = firstId ?? nextId()
    for (let attempt = 1; ; attempt++) {
      const created = await call('create', () =>
        driver.create(
          {
            id,
            values,
            flash,
            version: 1,
            createdAt,
            lastSeenAt: at,
            expiresAt,
            userKey: user.userKey ?? undefined,
            meta: user.meta ?? undefined,
          },
          at,
        ),
      )
      if (created) {
        return {
          id,
          version: 1,
          createdAt,
          lastSeenAt: at,
          expiresAt,
          base: values,
          bytes,
          loaded: undefined,
          retired: false,
          successor: undefined,
          previous: idAt(values, PREVIOUS_KEY),
        }
      }
      if (attempt >= MAX_CREATE_ATTEMPTS) {
        throw new SessionStoreError('create', false, {
          cause: new Error('Every generated session id was already taken'),
        })
      }
      id = nextId()
    }
  }

  async function createNew(state: SessionState, entry: Tracked): Promise<string | undefined> {
    const at = now()
    const expiresAt = expiry(state.createdAt, at, state.idleTimeout)
    if (expiresAt <= at) return gone(state, entry)
    const values = fullValues(state)
    const flash = fullFlash(state)
    const bytes = checkSize(state, entry, values, flash)
    const record = { createdAt: state.createdAt, at, expiresAt, values, flash, bytes }
    entry.stored = await insert(state, record, state.id)
    state.id = entry.stored.id
    // The settings this save wrote: one changed while it ran is still to be written.
    entry.idle = savingMark(state).idleTimeout
    entry.maxAge = savingMark(state).maxAge
    const header = await idCookie(state, entry, at)
    markSaved(state)
    return header
  }

  // A new id for the session, atomic with respect to destroy: the new record is created
  // first (with the user, so a log-out-everywhere meanwhile removes it too), then the old one
  // is claimed (retired, pointing to the new id) and, without grace, deleted. If the old
  // record is gone at either step, destroyed or expired while this request ran, the new one
  // is removed again and this request ends up with no session: a regeneration can never
  // bring back a logged-out session.
  async function regenerate(
    state: SessionState,
    entry: Tracked,
    old: Stored,
    request: { readonly grace: number; readonly newLifetime: boolean },
  ): Promise<string | undefined> {
    const at = now()
    // Periodic rotation must never extend a session: the absolute deadline carries over,
    // unless this is a login that asked for a new lifetime.
    const createdAt = request.newLifetime ? at : old.createdAt
    const expiresAt = expiry(createdAt, at, state.idleTimeout)
    if (expiresAt <= at) return remove(state, entry, 'expired')
    const values = fullValues(state)
    if (request.grace > 0) defineValue(values, PREVIOUS_KEY, old.id)
    const flash = fullFlash(state)
    const bytes = checkSize(state, entry, values, flash)
    const next = await insert(state, { createdAt, at, expiresAt, values, flash, bytes }, undefined)
    let outcome: Claim
    try {
      const until = request.grace > 0 ? at + request.grace * 1000 : Number.POSITIVE_INFINITY
      outcome = await claim(state.name, old, next.id, until, at)
      if (outcome.kind === 'claimed' && request.grace === 0) {
        // Claimed but destroyed before this delete: the claim must not outlive the record.
        if (!(await call('delete', () => driver.delete(old.id)))) outcome = GONE
      }
    } catch (error) {
      // The failure is what the request reports; the unused record is only tidied up.
      await call('delete', () => driver.delete(next.id)).catch(() => undefined)
      throw error
    }
    if (outcome.kind !== 'claimed') {
      await call('delete', () => driver.delete(next.id))
      if (outcome.kind === 'gone') return gone(state, entry)
      return adopt(state, entry, outcome.successor, at)
    }
    emit(old.id, 'regenerate')
    state.createdAt = createdAt
    entry.stored = next
    state.id = next.id
    // The settings this save wrote: one changed while it ran is still to be written.
    entry.idle = savingMark(state).idleTimeout
    entry.maxAge = savingMark(state).maxAge
    const header = await idCookie(state, entry, at)
    markSaved(state)
    return header
  }

  // Retires the old record in favour of `nextId`, unless it was destroyed or retired by
  // another request meanwhile. With versions this is a compare-and-set, so of two
  // regenerations of one session exactly one claims it and the other joins its successor.
  async function claim(
    name: string,
    old: Stored,
    nextId: string,
    until: number,
    at: number,
  ): Promise<Claim> {
    // Loaded after another regeneration retired it (an old cookie within the grace window).
    if (old.successor !== undefined) return { kind: 'adopt', successor: old.successor }
    let current: SessionRecord | undefined
    let expect = caps.versions ? old.version : undefined
    for (let round = 0; round < MAX_EMULATED_ROUNDS; round++) {
      // Per-key patches can try the version loaded first; otherwise read what is stored.
      if (round > 0 || !caps.patches) {
        current = await call('get', () => driver.get(old.id, at))
        const seen = inspect(current)
        if (seen !== undefined) return seen
        if (conflicts === 'error' && current?.version !== old.version) {
          throw new SessionConflictError(name)
        }
        expect = caps.versions ? current?.version : undefined
      }
      const retire = { [RETIRED_KEY]: nextId }
      const patch: SessionPatch = {
        set:
          current === undefined || caps.patches ? retire : patchRecord(current.values, retire, []),
        unset: [],
        flashSet: current === undefined || caps.patches ? {} : current.flash,
        flashUnset: [],
        lastSeenAt: current?.lastSeenAt ?? old.lastSeenAt,
        expiresAt: Math.min(current?.expiresAt ?? old.expiresAt, until),
        ...(expect === undefined ? {} : { expectVersion: expect }),
      }
      const result = await call('update', () => driver.update(old.id, patch, at))
      if (result.status === 'missing') return GONE
      if (result.status === 'updated') {
        if (caps.versions) return CLAIMED
        // Without compare-and-set, read back: a destroy or another claim may have come first.
        const after = await call('get', () => driver.get(old.id, at))
        const successor = after === undefined || isDestroyed(after) ? undefined : successorOf(after)
        if (successor === undefined) return GONE
        return successor === nextId ? CLAIMED : { kind: 'adopt', successor }
      }
      await pause(round)
    }
    throw new SessionConflictError(name)
  }

  // What a fresh read of the old record says about claiming it: `undefined` = go ahead.
  function inspect(current: SessionRecord | undefined): Claim | undefined {
    if (current === undefined || isDestroyed(current)) return GONE
    const successor = successorOf(current)
    return successor === undefined ? undefined : { kind: 'adopt', successor }
  }

  // Another request regenerated this session first: this one joins its successor (its
  // changes are written there and it answers with the successor's cookie) rather than making
  // a second new id, or logging the user out.
  async function adopt(
    state: SessionState,
    entry: Tracked,
    successor: string,
    at: number,
  ): Promise<string | undefined> {
    let id = successor
    for (let hop = 0; hop < MAX_CHAIN; hop++) {
      const record = await call('get', () => driver.get(id, at))
      if (
        record === undefined ||
        isDestroyed(record) ||
        record.createdAt + absoluteTimeout * 1000 <= at
      ) {
        return gone(state, entry)
      }
      const further = successorOf(record)
      if (further === undefined) {
        const changes = collectChanges(state, entry)
        if (conflicts !== 'merge' && hasDataChanges(changes))
          throw new SessionConflictError(state.name)
        const stored = storedOf(record)
        entry.stored = stored
        entry.rotated = true // the client needs the successor's cookie
        state.id = record.id
        state.createdAt = record.createdAt
        return update(state, entry, stored)
      }
      id = further
    }
    return gone(state, entry)
  }

  function patchOf(
    changes: Pick<Changes, 'set' | 'unset' | 'flashSet' | 'flashUnset' | 'user'>,
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
    id: string,
    changes: Changes,
    lastSeenAt: number,
    expiresAt: number,
    expectVersion: number | undefined,
    at: number,
  ): Promise<UpdateResult> {
    const current = await call('get', () => driver.get(id, at))
    if (current === undefined) return { status: 'missing' }
    if (expectVersion !== undefined && current.version !== expectVersion) {
      return { status: 'conflict', version: current.version }
    }
    const values = patchRecord(current.values, changes.set, changes.unset)
    const flash = patchRecord(current.flash, changes.flashSet, changes.flashUnset)
    const whole = { set: values, unset: [], flashSet: flash, flashUnset: [], user: changes.user }
    return call('update', () =>
      driver.update(id, patchOf(whole, lastSeenAt, expiresAt, current.version), at),
    )
  }

  async function write(
    name: string,
    stored: Stored,
    changes: Changes,
    at: number,
    expiresAt: number,
  ): Promise<UpdateResult> {
    const id = stored.id
    if (conflicts === 'merge') {
      if (caps.patches) {
        return call('update', () =>
          driver.update(id, patchOf(changes, at, expiresAt, undefined), at),
        )
      }
      for (let round = 0; round < MAX_EMULATED_ROUNDS; round++) {
        const result = await writeWhole(id, changes, at, expiresAt, undefined, at)
        if (result.status !== 'conflict') return result
        await pause(round)
      }
      throw new SessionConflictError(name)
    }
    let local = changes
    let expect = stored.version
    let base = stored.base
    for (let round = 0; ; round++) {
      const result = caps.patches
        ? await call('update', () => driver.update(id, patchOf(local, at, expiresAt, expect), at))
        : await writeWhole(id, local, at, expiresAt, expect, at)
      if (result.status !== 'conflict') return result
      if (conflicts === 'error' || round >= MAX_MERGE_ROUNDS) throw new SessionConflictError(name)
      const current = await call('get', () => driver.get(id, at))
      if (current === undefined) return { status: 'missing' }
      const merged = conflicts(withoutSettings(current), {
        set: withoutSettingsValues(local.set),
        unset: local.unset.filter((key) => key !== IDLE_KEY && key !== MAX_AGE_KEY),
        base: withoutSettingsValues(base),
      })
      if (merged === undefined) throw new SessionConflictError(name)
      const set: Record<string, unknown> = {}
      for (const [key, value] of Object.entries(merged.set)) defineValue(set, key, value)
      for (const key of [IDLE_KEY, MAX_AGE_KEY]) {
        if (Object.hasOwn(local.set, key)) defineValue(set, key, local.set[key])
      }
      const unset = [
        ...merged.unset,
        ...local.unset.filter((key) => key === IDLE_KEY || key === MAX_AGE_KEY),
      ]
      local = { ...local, set, unset }
      expect = current.version
      base = current.values
    }
  }

  async function update(
    state: SessionState,
    entry: Tracked,
    stored: Stored,
  ): Promise<string | undefined> {
    const at = now()
    const computed = expiry(stored.createdAt, at, state.idleTimeout)
    const expiresAt = stored.retired ? Math.min(computed, stored.expiresAt) : computed
    if (expiresAt <= at) return remove(state, entry, 'expired')
    const persistenceChanged = state.maxAge !== entry.maxAge
    const changes = collectChanges(state, entry)
    let renewed = false
    if (hasDataChanges(changes)) {
      const values = fullValues(state)
      const bytes = checkSize(state, entry, values, fullFlash(state))
      const result = await write(state.name, stored, changes, at, expiresAt)
      if (result.status !== 'updated') return gone(state, entry)
      stored.version = result.version
      stored.lastSeenAt = at
      stored.expiresAt = expiresAt
      stored.base = values
      stored.bytes = bytes
      // The settings this save wrote: one changed while it ran is still to be written.
      entry.idle = savingMark(state).idleTimeout
      entry.maxAge = savingMark(state).maxAge
      renewed = true
    } else if (
      state.touched ||
      (at - stored.lastSeenAt >= renewAfter * 1000 && expiresAt > stored.expiresAt)
    ) {
      // Touch never rewrites data, so it cannot undo a concurrent write.
      const touched = await call('touch', () => driver.touch(stored.id, at, expiresAt, at))
      if (!touched) return gone(state, entry)
      stored.lastSeenAt = at
      stored.expiresAt = expiresAt
      renewed = true
    }
    // The cookie is written only when it must change: a key rotation, another persistence
    // (remember-me), explicit attributes for this response, or a persistent cookie that
    // would run out before the session does.
    const maxAge = state.maxAge ?? defaultMaxAge
    const absoluteEnd = stored.createdAt + absoluteTimeout * 1000
    const cookieDue =
      entry.rotated ||
      entry.issuedAt === undefined ||
      persistenceChanged ||
      Object.keys(state.cookie).length > 0 ||
      (renewed && maxAge > 0 && entry.issuedAt + maxAge * 1000 < absoluteEnd)
    const header = cookieDue ? await idCookie(state, entry, at) : undefined
    markSaved(state)
    return header
  }

  async function save(session: Session<Data, Flash>): Promise<string | undefined> {
    const state = sessionState(session)
    beginSave(state)
    const entry = trackedOf(session)
    const maxAge = state.maxAge ?? defaultMaxAge
    if (state.destroyed || maxAge < 0) return remove(state, entry, 'destroy', true)
    // Changed again after it was found gone (while its save ran, say): it stays gone.
    if (entry.ended === true) return gone(state, entry)
    checkUser(state)
    const hasData = state.values.size > 0 || state.flash.size > 0 || state.userKey !== undefined
    const stored = entry.stored
    if (stored === undefined) {
      if (!hasData && !eager) {
        const header = deletionHeader(state, entry)
        entry.present = false
        markSaved(state)
        return header
      }
      return createNew(state, entry)
    }
    if (!hasData && !eager) return remove(state, entry, 'destroy')
    if (state.regenerate !== undefined) return regenerate(state, entry, stored, state.regenerate)
    return update(state, entry, stored)
  }

  function requireCapability(capability: 'userIndex' | 'listing', operation: string): void {
    if (!caps[capability]) {
      throw new SessionConfigError(
        `The ${driver.name} driver has no ${capability === 'userIndex' ? 'user index' : 'listing'}, which ${operation} needs`,
      )
    }
  }

  function checkUserKey(userKey: unknown): string {
    if (
      typeof userKey !== 'string' ||
      userKey.length === 0 ||
      userKey.length > MAX_USER_KEY_LENGTH
    ) {
      throw new SessionArgumentError('userKey', `a string of 1-${MAX_USER_KEY_LENGTH} characters`)
    }
    return userKey
  }

  function checkUser(state: SessionState): void {
    if (!state.userChanged || state.userKey === undefined) return
    checkUserKey(state.userKey)
    for (const value of Object.values(state.meta ?? {})) {
      if (typeof value !== 'string') {
        throw new SessionArgumentError('meta', 'string labels')
      }
    }
  }

  const store: ServerStore<Data, Flash> = {
    name: storeName,
    driver,
    allowReclaim,
    get,
    create: () => fresh(storeName, false),
    save,
    destroy(session: Session<Data, Flash>) {
      session.destroy()
      return save(session)
    },

    async destroyById(id) {
      if (!isValidSessionId(id)) return false
      const removed = await destroyRecord(id, now())
      for (const gone of removed) emit(gone, 'destroy')
      return removed.includes(id)
    },

    async destroyAll() {
      requireCapability('listing', 'destroyAll')
      const deleteAll = driver.deleteAll?.bind(driver)
      if (deleteAll === undefined)
        throw new SessionConfigError(`The ${driver.name} driver lacks deleteAll`)
      let count = await call('deleteAll', deleteAll)
      // A second pass for drivers that list, then delete: a regeneration that created its
      // new record before the first pass removed the old one is caught by the second.
      if (count > 0) count += await call('deleteAll', deleteAll)
      emit(undefined, 'all')
      return count
    },

    async destroyByUser(userKey, destroyOptions = {}) {
      requireCapability('userIndex', 'destroyByUser')
      const deleteByUser = driver.deleteByUser?.bind(driver)
      if (deleteByUser === undefined) {
        throw new SessionConfigError(`The ${driver.name} driver lacks deleteByUser`)
      }
      const key = checkUserKey(userKey)
      const except = destroyOptions.except
      let exceptId: string | undefined
      if (typeof except === 'string') exceptId = isValidSessionId(except) ? except : undefined
      else if (except !== undefined) exceptId = trackedOf(except).stored?.id
      const ids = await call('deleteByUser', () => deleteByUser(key, exceptId))
      // A regeneration creates its new record (with the user) before it claims the old one:
      // if this pass removed the old one after that, a second pass finds the new one even on
      // a driver whose deleteByUser lists first and deletes after.
      if (ids.length > 0)
        ids.push(...(await call('deleteByUser', () => deleteByUser(key, exceptId))))
      for (const id of ids) emit(id, 'user')
      return ids
    },

    async listByUser(userKey) {
      requireCapability('userIndex', 'listByUser')
      const listByUser = driver.listByUser?.bind(driver)
      if (listByUser === undefined) {
        throw new SessionConfigError(`The ${driver.name} driver lacks listByUser`)
      }
      const key = checkUserKey(userKey)
      const at = now()
      return call('listByUser', () => listByUser(key, at))
    },

    async prune() {
      requireCapability('listing', 'prune')
      const prune = driver.prune?.bind(driver)
      if (prune === undefined) throw new SessionConfigError(`The ${driver.name} driver lacks prune`)
      const at = now()
      const ids = await call('prune', () => prune(at))
      for (const id of ids) emit(id, 'expired')
      return ids.length
    },

    async close() {
      await call('close', () => driver.close())
    },

    onDestroy(listener) {
      listeners.add(listener)
      return () => {
        listeners.delete(listener)
      }
    },
  }
  return Object.freeze(store)
}

function userOf(state: SessionState): {
  userKey: string | null
  meta: Readonly<Record<string, string>> | null
} {
  return { userKey: state.userKey ?? null, meta: state.meta ?? null }
}

function withoutSettingsValues(values: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(values)) {
    if (!RESERVED.has(key)) defineValue(out, key, value)
  }
  return out
}

function withoutSettings(record: SessionRecord): SessionRecord {
  return { ...record, values: withoutSettingsValues(record.values) }
}

// A short, growing, jittered wait between compare-and-set rounds.
function pause(round: number): Promise<void> {
  const ms = Math.floor(Math.random() * Math.min(20, 1 + round * 2))
  return new Promise((resolve) => setTimeout(resolve, ms))
}

function isDestroyed(record: SessionRecord): boolean {
  return record.values[DESTROYED_KEY] === true
}

function isRetired(record: SessionRecord): boolean {
  const mark = record.values[RETIRED_KEY]
  return mark === true || typeof mark === 'string'
}

function successorOf(record: SessionRecord): string | undefined {
  return idAt(record.values, RETIRED_KEY)
}

function idAt(values: Readonly<Record<string, unknown>>, key: string): string | undefined {
  const value = values[key]
  return typeof value === 'string' && isValidSessionId(value) ? value : undefined
}

function hasDataChanges(changes: Changes): boolean {
  return (
    Object.keys(changes.set).length > 0 ||
    changes.unset.length > 0 ||
    Object.keys(changes.flashSet).length > 0 ||
    changes.flashUnset.length > 0 ||
    changes.user !== undefined
  )
}
