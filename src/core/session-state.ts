// A session's own state and its change tracking. Only the session modules write it: `Session`
// for the application, and the store view (store-view.ts) for stores.

import type { InvalidCookieError } from '../errors.ts'
import type { SessionCookieOverrides } from './cookie-overrides.ts'
import type {
  CopyValue,
  RegenerateRequest,
  SaveMark,
  SessionInternals,
} from './session-internals.ts'
import type { RequestTransport } from './transport.ts'

export interface SessionState {
  readonly name: string
  id: string | undefined
  isNew: boolean
  readonly values: Map<string, unknown>
  // The collections below are made at their first write and are `undefined` until then: most
  // sessions never hold a flash, and most requests change a value or two at most. Each
  // session has its own; none is ever shared, so no write can reach another session.
  /** Flash values still to be delivered, by key. */
  flash: Map<string, unknown[]> | undefined
  /** Flash values delivered in this request (removed from what is saved). */
  flashRead: Map<string, unknown[]> | undefined
  /** Keys whose value is deep-frozen already. */
  frozen: Set<string> | undefined
  /** Value keys set or deleted since the last save (for per-key patches). */
  changedValues: Set<string> | undefined
  /** Flash keys added, replaced or consumed since the last save. */
  changedFlash: Set<string> | undefined
  dirty: boolean
  destroyed: boolean
  /** An expiry shift was asked for (`shiftExpiration`, `updateExpiration`). */
  touched: boolean
  createdAt: number
  /** Remembered per-session cookie Max-Age (`undefined` = the store's default). */
  maxAge: number | undefined
  /** Remembered per-session idle timeout in seconds (`updateExpiration`). */
  idleTimeout: number | undefined
  /** Cookie attributes for this response only. */
  cookie: Omit<SessionCookieOverrides, 'maxAge'>
  loadError: InvalidCookieError | undefined
  /** A new id was asked for; the old one is retired after `grace` seconds (0 = now). */
  regenerate: RegenerateRequest | undefined
  /** The user this session belongs to, for per-user listing and log-out-everywhere. */
  userKey: string | undefined
  /** Short labels shown in session lists (say a user-agent description). */
  meta: Readonly<Record<string, string>> | undefined
  /** `userKey` or `meta` changed since the last save. */
  userChanged: boolean
  readonly copyValue: CopyValue
  /** Counts every change; a save compares it with its mark. */
  generation: number
  /** What the latest save started with (see `beginSave`). */
  saving: Mark | undefined
  /** Told about every change (the registry, so adapters can report late changes). */
  onChange: (() => void) | undefined
  /** How the request this session answers arrived, asked when a cookie is written. */
  transport: (() => RequestTransport | undefined) | undefined
  /** The store-facing view, made when a store first asks for it. */
  internals: SessionInternals | undefined
  /** Which store's bookkeeping `storeMeta` is (see `storeMetaOf`). */
  storeOwner: object | undefined
  storeMeta: unknown
}

interface Mark extends SaveMark {
  readonly generation: number
  /**
   * The changed values as written, flat: key, value, key, value... (`ABSENT` for a removed
   * key); `undefined`: none changed. An array, not a Map: one is made on every save.
   */
  readonly values: readonly unknown[] | undefined
  /** The changed flash lists as written (`undefined` for a removed key, or when none changed). */
  readonly flash: ReadonlyMap<string, readonly unknown[] | undefined> | undefined
  readonly touched: boolean
  readonly regenerate: RegenerateRequest | undefined
  readonly userKey: string | undefined
  readonly meta: SessionState['meta']
}

const ABSENT = Symbol('absent')

// What a collection not made yet iterates as: frozen, and only ever read.
export const NONE: readonly string[] = Object.freeze([])

// Set by `Session`'s static block: only code inside the class can read its private `#state`.
let readState: ((session: object) => SessionState) | undefined

/**
 * Gives the session modules `Session`'s own accessor of its state. Called once, by `Session`;
 * a second call is refused, so no other module can put its own reader in place.
 */
export function exposeState(read: (session: object) => SessionState): void {
  if (readState !== undefined) throw new Error('The session state reader is already set')
  readState = read
}

/**
 * The state of a session.
 *
 * @throws {TypeError} for an object that is not a sessionkit `Session`.
 */
export function stateOf(session: object): SessionState {
  if (readState === undefined) throw new Error('Session is not loaded yet')
  return readState(session)
}

function markOf(state: SessionState): Mark {
  let values: unknown[] | undefined
  if (state.changedValues !== undefined && state.changedValues.size > 0) {
    values = []
    for (const key of state.changedValues) {
      values.push(key, state.values.has(key) ? state.values.get(key) : ABSENT)
    }
  }
  let flash: Map<string, readonly unknown[] | undefined> | undefined
  if (state.changedFlash !== undefined && state.changedFlash.size > 0) {
    flash = new Map()
    for (const key of state.changedFlash) {
      const list = state.flash?.get(key)
      flash.set(key, list === undefined ? undefined : [...list])
    }
  }
  return {
    generation: state.generation,
    values,
    flash,
    touched: state.touched,
    regenerate: state.regenerate,
    userKey: state.userKey,
    meta: state.meta,
    idleTimeout: state.idleTimeout,
    maxAge: state.maxAge,
  }
}

// A save starts: its mark is taken before the store reads the session; `markSaved` then
// clears only what this save persisted. A later save replaces the mark.
export function beginSave(state: SessionState): Mark {
  state.saving = markOf(state)
  return state.saving
}

// The mark of the save under way (the session as it is now when none was begun).
export function savingMark(state: SessionState): Mark {
  return state.saving ?? markOf(state)
}

// Clears the change tracking for what the save begun with `beginSave` persisted. Changes made
// while it ran stay pending: the session stays dirty, and the keys changed since keep their
// place in the patch of the next save.
export function markSaved(state: SessionState): void {
  // Without a mark (no beginSave) the save read the session as it is now.
  const mark = state.saving
  state.isNew = false
  if (mark === undefined || state.regenerate === mark.regenerate) state.regenerate = undefined
  if (mark === undefined || state.generation === mark.generation) {
    state.dirty = false
    state.touched = false
    state.changedValues = undefined
    state.changedFlash = undefined
    state.userChanged = false
    return
  }
  // Values are frozen copies, so the same reference means the value written is still current.
  const values = mark.values
  if (values !== undefined) {
    for (let i = 0; i < values.length; i += 2) {
      const key = values[i] as string
      const current = state.values.has(key) ? state.values.get(key) : ABSENT
      if (current === values[i + 1]) state.changedValues?.delete(key)
    }
  }
  if (mark.flash !== undefined) {
    for (const [key, written] of mark.flash) {
      if (sameList(state.flash?.get(key), written)) state.changedFlash?.delete(key)
    }
  }
  if (mark.touched) state.touched = false
  if (state.userKey === mark.userKey && state.meta === mark.meta) state.userChanged = false
  state.dirty = true
}

// Every change goes through here: it marks the session dirty (not for an expiry shift alone,
// which only touches), counts the change for a save under way, and tells the registry.
export function changed(state: SessionState, dirty = true): void {
  if (dirty) state.dirty = true
  state.generation++
  state.onChange?.()
}

function sameList(a: readonly unknown[] | undefined, b: readonly unknown[] | undefined): boolean {
  if (a === undefined || b === undefined) return a === b
  return a.length === b.length && a.every((value, index) => value === b[index])
}

/** Drops the values and flash messages and what was noted about them. */
export function clearData(state: SessionState): void {
  state.values.clear()
  state.flash = undefined
  state.flashRead = undefined
  state.frozen = undefined
  state.changedValues = undefined
  state.changedFlash = undefined
}

// Empties the state into a fresh, unsaved session: what a request holds once its session was
// ended elsewhere (destroyed, expired), so that saving it again cannot bring the data back.
// The cookie attributes for this response stay (the deletion cookie needs them).
export function resetState(state: SessionState, createdAt: number): void {
  clearData(state)
  state.id = undefined
  state.isNew = true
  state.createdAt = createdAt
  state.maxAge = undefined
  state.idleTimeout = undefined
  state.userKey = undefined
  state.meta = undefined
  markSaved(state)
}
