// The public types of the server store: its options, the store itself, destroy listeners and
// conflict resolvers. Re-exported by src/stores/server.ts.

import type { StoreCookieOptions } from '../../core/cookie.ts'
import type { SessionDriver, SessionRecord } from '../../core/driver.ts'
import type { Session, SessionData } from '../../core/session.ts'
import type { ReclaimableStore, SessionStore } from '../../core/store.ts'
import type { InvalidCookieError } from '../../errors.ts'
import type { CryptoChoice } from '../../lib/crypto/select.ts'
import type { KeyRing } from '../../core/keyring.ts'
import type { SessionHandle } from './storage-key.ts'

/** Why a session was destroyed, as told to {@link ServerStore.onDestroy} listeners. */
export type DestroyReason = 'destroy' | 'regenerate' | 'expired' | 'user' | 'all'

/**
 * Told about every session the store removes (go-sessions `OnDestroy`): its handle (never its
 * id: the store only knows the ids of the sessions of the current request, see
 * {@link SessionHandle}) and why. `store.handleOf(session)` gives the handle of a session to
 * compare with. For `'all'` (`destroyAll`) the handle is `undefined`. With `'regenerate'` the
 * old session is retired (it may live on for the grace window); destroying one of two
 * sessions a regeneration linked reports both with `'destroy'`. Listeners run after the
 * driver confirmed the removal; an exception thrown by a listener is caught and ignored.
 */
export type DestroyListener = (
  ...args:
    | [handle: SessionHandle, reason: Exclude<DestroyReason, 'all'>]
    | [handle: undefined, reason: 'all']
) => void

/** A live session of a user, as `listByUser` shows it: a handle, never the id or the data. */
export interface SessionListing {
  /** Names the session for `destroyByHandle`; no credential (see {@link SessionHandle}). */
  readonly handle: SessionHandle
  readonly createdAt: number
  readonly lastSeenAt: number
  readonly expiresAt: number
  readonly meta: Readonly<Record<string, string>> | undefined
}

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
  readonly cookie?: StoreCookieOptions
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
   * Removes a session by its id, with the session a regeneration linked to it within a grace
   * window; false when there was none (or `id` is no session id).
   * @throws {SessionArgumentError} for a handle: use `destroyByHandle`.
   */
  destroyById(id: string): Promise<boolean>
  /**
   * Removes a session by the handle `listByUser`, `destroyByUser` or a destroy listener gave
   * (say from a "your devices" page), with the session a regeneration linked to it within a
   * grace window; false when there was none.
   * @throws {SessionArgumentError} for anything but a handle (a session id included: use
   * `destroyById`).
   */
  destroyByHandle(handle: SessionHandle): Promise<boolean>
  /**
   * The handle of a session (`undefined` until it is stored) or of a session id: what
   * `listByUser` and the destroy listeners show for it, to mark "this device" in a list.
   * @throws {SessionArgumentError} for a string that is not a session id.
   */
  handleOf(session: Session<Data, Flash> | string): Promise<SessionHandle | undefined>
  /** Removes every session; returns how many. Needs a driver with `listing`. */
  destroyAll(): Promise<number>
  /**
   * Logs a user out everywhere: removes every session tied to `userKey` (`session.setUser`),
   * except `except` (the current session, its id or its handle). Returns the handles of the
   * removed sessions. Needs a driver
   * with `userIndex`. Rejects with `SessionArgumentError` for a key that is not a string of
   * 1-512 characters.
   */
  destroyByUser(
    userKey: string,
    options?: { readonly except?: Session<Data, Flash> | string | undefined },
  ): Promise<SessionHandle[]>
  /**
   * The live sessions of a user, oldest first, each with its handle (never its id or data).
   * Needs `userIndex`. Rejects
   * with `SessionArgumentError` for a bad key, as `destroyByUser` does.
   */
  listByUser(userKey: string): Promise<SessionListing[]>
  /** Removes expired records now; returns how many. Needs `listing`. */
  prune(): Promise<number>
  /** Closes the driver. */
  close(): Promise<void>
  /**
   * The deletion cookie still owed after the latest save of `session` failed to remove it (a
   * logout whose delete failed): send it, so the browser is logged out while the failure is
   * reported. The registry does (`SessionSaveError.setCookies`).
   */
  deletionCookie(session: Session<Data, Flash>): string | undefined
  /** Adds a listener for removed sessions; returns a function that removes it. */
  onDestroy(listener: DestroyListener): () => void
}
