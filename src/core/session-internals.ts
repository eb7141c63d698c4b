// What a store reads and writes of a session: the types of its view (`sessionInternals`) and
// of the save protocol. Types only, so that the state, the view and `Session` can all name them.

import type { SessionCookieOverrides } from './cookie-overrides.ts'
import type { RequestTransport } from './transport.ts'

/** A regeneration asked for with `session.regenerate()`, until a save carries it out. */
export interface RegenerateRequest {
  /** Seconds the old id keeps working after the new one is issued (0 = it stops at once). */
  readonly grace: number
  /** The absolute lifetime restarts (a login), instead of carrying over. */
  readonly newLifetime: boolean
}

/**
 * Checks and copies a value for `set` (role `value`) or for a flash setter (role `flash`);
 * throws `SessionValueError` for a value the session's store cannot carry.
 */
export type CopyValue = (key: string, value: unknown, role: 'value' | 'flash') => unknown

/**
 * What a save persists, taken when it starts ({@link SessionInternals.beginSave}). A save is
 * asynchronous with most stores, and the application may change the session meanwhile (right
 * after `res.end()`, say): only what the save wrote is marked saved, later changes stay
 * pending for the next save.
 */
export interface SaveMark {
  /** The remembered cookie Max-Age as this save writes it. */
  readonly maxAge: number | undefined
  /** The remembered idle timeout as this save writes it. */
  readonly idleTimeout: number | undefined
}

/** Everything a session persists, for a store that writes it whole. */
export interface SessionSnapshot {
  /** Every value, by key. */
  readonly values: ReadonlyMap<string, unknown>
  /** The flash values still to be delivered, by key (those read in this request are gone). */
  readonly flash: ReadonlyMap<string, readonly unknown[]>
  readonly createdAt: number
  readonly maxAge: number | undefined
  readonly idleTimeout: number | undefined
  readonly userKey: string | undefined
  readonly meta: Readonly<Record<string, string>> | undefined
}

/** What changed since the last save, for a store that writes per-key patches. */
export interface SessionChanges {
  /** Values set, in the order of their latest change. */
  readonly set: ReadonlyMap<string, unknown>
  /** Value keys removed. */
  readonly unset: readonly string[]
  /** Flash keys added to, replaced or partly read, with the whole list still pending. */
  readonly flashSet: ReadonlyMap<string, readonly unknown[]>
  /** Flash keys with nothing left to deliver (read or cleared). */
  readonly flashUnset: readonly string[]
  /** The user and labels, when `setUser` changed them. */
  readonly user:
    | {
        readonly userKey: string | undefined
        readonly meta: Readonly<Record<string, string>> | undefined
      }
    | undefined
}

/**
 * A session as its store sees it: the facts it persists, what changed since the last save,
 * and the save protocol. Get it with {@link sessionInternals}; for store authors (see
 * docs/stores.md, "Writing a store"), applications use {@link Session}.
 *
 * The protocol: a save calls {@link SessionInternals.beginSave} before it reads anything,
 * writes, then calls {@link SessionInternals.markSaved}. Changes the application makes while the save runs stay pending, so the
 * session stays dirty and the next save writes them.
 */
export interface SessionInternals {
  readonly name: string
  /** The server-side id; `undefined` until a store assigns one (cookie stores never do). */
  readonly id: string | undefined
  /** True until the session was loaded from or saved to the client. */
  readonly isNew: boolean
  readonly isDestroyed: boolean
  /** A change is waiting to be saved. */
  readonly isDirty: boolean
  /** No values and no flash still to be delivered. */
  readonly isEmpty: boolean
  /** An expiry shift was asked for (`shiftExpiration`, `updateExpiration`): renew it. */
  readonly touched: boolean
  /** Milliseconds since the epoch. */
  readonly createdAt: number
  /** Remembered cookie persistence in seconds (remember-me); `undefined` = the store's default. */
  readonly maxAge: number | undefined
  /** Remembered idle timeout in seconds (`updateExpiration`); `undefined` = the store's. */
  readonly idleTimeout: number | undefined
  /** Cookie attributes for this response only (`setCookieOptions` without `maxAge`). */
  readonly cookie: Readonly<Omit<SessionCookieOverrides, 'maxAge'>>
  /** A new id was asked for (`regenerate()`); cleared by the save that issues it. */
  readonly regenerate: RegenerateRequest | undefined
  readonly userKey: string | undefined
  readonly meta: Readonly<Record<string, string>> | undefined
  /**
   * How the request this session answers arrived (HTTPS or not, its host), when the registry
   * that loaded it was told: what a cookie with `secure: 'auto'` follows.
   */
  readonly transport: RequestTransport | undefined
  /**
   * The values as they are now: read-only and not copied, so they change with the session. For
   * a store that serializes them at once, within the call (the cookie store); one that reads
   * them later, after an `await`, takes a {@link snapshot}.
   */
  readonly values: ReadonlyMap<string, unknown>
  /** The flash values still to be delivered, as they are now (see {@link values}). */
  readonly flash: ReadonlyMap<string, readonly unknown[]>
  /** Everything the session holds now, copied. */
  snapshot(): SessionSnapshot
  /** What changed since the last save, read now. */
  changes(): SessionChanges
  /** A save starts: call it first, before reading the session. */
  beginSave(): SaveMark
  /** The mark of the save under way (the session as it is now when none was begun). */
  savingMark(): SaveMark
  /** The save begun last succeeded: what it wrote is no longer a change. */
  markSaved(): void
  /** The session is stored under `id` now (a new session, or a regenerated one). */
  assignId(id: string): void
  /** The absolute lifetime is counted from `createdAt` (a login's regeneration restarts it). */
  setCreatedAt(createdAt: number): void
  /**
   * The stored session ended elsewhere (destroyed or expired while this request ran): the
   * session becomes fresh, empty and unsaved, so saving it again cannot bring the data back.
   * Its cookie attributes for this response stay (a deletion cookie needs them).
   */
  reset(createdAt: number): void
}
