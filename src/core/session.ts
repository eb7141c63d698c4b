/**
 * `Session<Data, Flash>`: typed values, flash messages, per-session cookie options and
 * lifecycle state. Sessions come from a store (`store.get`, `store.create`) or a registry;
 * stores decide how they are persisted.
 *
 * Values are JSON values, copied and frozen when set: what you set or get can never change
 * the stored copy, and an unchanged session writes nothing.
 *
 * Available from `'sessionkit'`.
 *
 * @module
 */

import {
  SessionArgumentError,
  SessionDestroyedError,
  SessionKeyMissingError,
  SessionValueTypeError,
  type InvalidCookieError,
} from '../errors.ts'
import type { RequestTransport } from './transport.ts'
import {
  deepFreeze,
  defineValue,
  freezeJsonCopy,
  holdsBytes,
  jsonTypeOf,
} from '../lib/json-value.ts'

/** The shape constraint for session data and flash types. */
export type SessionData = Record<string, unknown>

/** Keys of `Data` usable as session keys. */
export type SessionKey<Data> = keyof Data & string

/** Keys whose value type admits a number (for `increment`/`decrement`). */
export type NumericKey<Data> = {
  [K in keyof Data]: number extends Data[K] ? K : never
}[keyof Data] &
  string

/** `getOk` result: the value plus whether it was present (dghubble `GetOk`). */
export type Presence<Value> =
  { readonly ok: true; readonly value: Value } | { readonly ok: false; readonly value: undefined }

/**
 * gorilla/sessions' default flash key (what Go's `AddFlash(value)` and `Flashes()` use): pass
 * it to the flash methods to share flashes with Go code.
 */
export const DEFAULT_FLASH_KEY = '_flash'

/** Per-session overrides of how the cookie is written (gorilla `session.Options`). */
export interface SessionCookieOverrides {
  /**
   * Cookie persistence in seconds, with gorilla's meaning: `0` = a browser-session cookie
   * (no Max-Age), `> 0` = persistent for that long (capped by the session's expiry),
   * `< 0` = delete the cookie now. Remembered in the session (remember-me).
   */
  maxAge?: number
  path?: string
  domain?: string
  secure?: boolean
  httpOnly?: boolean
  sameSite?: 'Strict' | 'Lax' | 'None' | false
  partitioned?: boolean
}

/** A regeneration asked for with `session.regenerate()`, until a save carries it out. */
export interface RegenerateRequest {
  /** Seconds the old id keeps working after the new one is issued (0 = it stops at once). */
  readonly grace: number
  /** The absolute lifetime restarts (a login), instead of carrying over. */
  readonly newLifetime: boolean
}

// The session's own state. Only this module writes it: `Session` for the application, and
// `SessionInternals` (below) for stores.
interface SessionState {
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

interface Mark extends SaveMark {
  readonly generation: number
  /** The changed values as written (`ABSENT` for a removed key); `undefined`: none changed. */
  readonly values: ReadonlyMap<string, unknown> | undefined
  /** The changed flash lists as written (`undefined` for a removed key, or when none changed). */
  readonly flash: ReadonlyMap<string, readonly unknown[] | undefined> | undefined
  readonly touched: boolean
  readonly regenerate: RegenerateRequest | undefined
  readonly userKey: string | undefined
  readonly meta: SessionState['meta']
}

const ABSENT = Symbol('absent')

// What a collection not made yet iterates as: frozen, and only ever read.
const NONE: readonly string[] = Object.freeze([])

function markOf(state: SessionState): Mark {
  let values: Map<string, unknown> | undefined
  if (state.changedValues !== undefined && state.changedValues.size > 0) {
    values = new Map()
    for (const key of state.changedValues) {
      values.set(key, state.values.has(key) ? state.values.get(key) : ABSENT)
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
function beginSave(state: SessionState): Mark {
  state.saving = markOf(state)
  return state.saving
}

// The mark of the save under way (the session as it is now when none was begun).
function savingMark(state: SessionState): Mark {
  return state.saving ?? markOf(state)
}

// Clears the change tracking for what the save begun with `beginSave` persisted. Changes made
// while it ran stay pending: the session stays dirty, and the keys changed since keep their
// place in the patch of the next save.
function markSaved(state: SessionState): void {
  const mark = savingMark(state)
  state.isNew = false
  if (state.regenerate === mark.regenerate) state.regenerate = undefined
  if (state.generation === mark.generation) {
    state.dirty = false
    state.touched = false
    state.changedValues = undefined
    state.changedFlash = undefined
    state.userChanged = false
    return
  }
  // Values are frozen copies, so the same reference means the value written is still current.
  if (mark.values !== undefined) {
    for (const [key, written] of mark.values) {
      const current = state.values.has(key) ? state.values.get(key) : ABSENT
      if (current === written) state.changedValues?.delete(key)
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
function changed(state: SessionState, dirty = true): void {
  if (dirty) state.dirty = true
  state.generation++
  state.onChange?.()
}

function sameList(a: readonly unknown[] | undefined, b: readonly unknown[] | undefined): boolean {
  if (a === undefined || b === undefined) return a === b
  return a.length === b.length && a.every((value, index) => value === b[index])
}

/** Drops the values and flash messages and what was noted about them. */
function clearData(state: SessionState): void {
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
function resetState(state: SessionState, createdAt: number): void {
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

class StoreView implements SessionInternals {
  readonly #state: SessionState

  constructor(state: SessionState) {
    this.#state = state
  }

  get name(): string {
    return this.#state.name
  }
  get id(): string | undefined {
    return this.#state.id
  }
  get isNew(): boolean {
    return this.#state.isNew
  }
  get isDestroyed(): boolean {
    return this.#state.destroyed
  }
  get isDirty(): boolean {
    return this.#state.dirty
  }
  get isEmpty(): boolean {
    return this.#state.values.size === 0 && (this.#state.flash?.size ?? 0) === 0
  }
  get touched(): boolean {
    return this.#state.touched
  }
  get createdAt(): number {
    return this.#state.createdAt
  }
  get maxAge(): number | undefined {
    return this.#state.maxAge
  }
  get idleTimeout(): number | undefined {
    return this.#state.idleTimeout
  }
  get cookie(): Readonly<Omit<SessionCookieOverrides, 'maxAge'>> {
    return this.#state.cookie
  }
  get regenerate(): RegenerateRequest | undefined {
    return this.#state.regenerate
  }
  get userKey(): string | undefined {
    return this.#state.userKey
  }
  get meta(): Readonly<Record<string, string>> | undefined {
    return this.#state.meta
  }
  get transport(): RequestTransport | undefined {
    return this.#state.transport?.()
  }

  snapshot(): SessionSnapshot {
    const state = this.#state
    const flash = new Map<string, readonly unknown[]>()
    if (state.flash !== undefined) for (const [key, list] of state.flash) flash.set(key, [...list])
    return {
      values: new Map(state.values),
      flash,
      createdAt: state.createdAt,
      maxAge: state.maxAge,
      idleTimeout: state.idleTimeout,
      userKey: state.userKey,
      meta: state.meta,
    }
  }

  changes(): SessionChanges {
    const state = this.#state
    const set = new Map<string, unknown>()
    const unset: string[] = []
    for (const key of state.changedValues ?? NONE) {
      if (state.values.has(key)) set.set(key, state.values.get(key))
      else unset.push(key)
    }
    const flashSet = new Map<string, readonly unknown[]>()
    const flashUnset: string[] = []
    for (const key of state.changedFlash ?? NONE) {
      const list = state.flash?.get(key)
      if (list === undefined) flashUnset.push(key)
      else flashSet.set(key, [...list])
    }
    const user = state.userChanged ? { userKey: state.userKey, meta: state.meta } : undefined
    return { set, unset, flashSet, flashUnset, user }
  }

  beginSave(): SaveMark {
    return beginSave(this.#state)
  }
  savingMark(): SaveMark {
    return savingMark(this.#state)
  }
  markSaved(): void {
    markSaved(this.#state)
  }
  assignId(id: string): void {
    this.#state.id = id
  }
  setCreatedAt(createdAt: number): void {
    this.#state.createdAt = createdAt
  }
  reset(createdAt: number): void {
    resetState(this.#state, createdAt)
  }
}

export interface SessionInit {
  readonly name: string
  readonly id?: string | undefined
  readonly isNew: boolean
  readonly createdAt: number
  readonly values?: Iterable<readonly [string, unknown]> | undefined
  readonly flash?: Iterable<readonly [string, unknown[]]> | undefined
  readonly maxAge?: number | undefined
  readonly idleTimeout?: number | undefined
  readonly loadError?: InvalidCookieError | undefined
  readonly userKey?: string | undefined
  readonly meta?: Readonly<Record<string, string>> | undefined
  /**
   * How `set` and the flash setters check and copy values. Defaults to JSON values; a store
   * whose format carries more types (gob) passes its own.
   */
  readonly copyValue?: CopyValue | undefined
}

let stateOf: (session: object) => SessionState

// The cookie overrides of a session that has none. Frozen: `setCookieOptions` replaces the
// object rather than writing to it.
const NO_COOKIE_OVERRIDES: Omit<SessionCookieOverrides, 'maxAge'> = Object.freeze({})

function nonEmptyMap<V>(entries: Iterable<readonly [string, V]>): Map<string, V> | undefined {
  const map = new Map(entries)
  return map.size === 0 ? undefined : map
}

/**
 * The store's view of a session: what to persist and the save protocol (see
 * {@link SessionInternals}). For store authors; applications use the session itself.
 *
 * @throws {TypeError} for an object that is not a sessionkit `Session`.
 */
export function sessionInternals<Data extends object, Flash extends object>(
  session: Session<Data, Flash>,
): SessionInternals {
  const state = stateOf(session)
  state.internals ??= new StoreView(state)
  return state.internals
}

/**
 * A store's own bookkeeping for a session (`owner` is the store's token), kept in the session
 * rather than in a WeakMap per store: an entry per request costs a hash insert and lookup, and
 * V8's young-generation GC keeps WeakMap values alive, so each request's entry was promoted.
 * `undefined` when `owner` has not set any (a session of another store).
 *
 * @throws {TypeError} for an object that is not a sessionkit `Session`.
 */
export function storeMetaOf(session: object, owner: object): unknown {
  const state = stateOf(session)
  return state.storeOwner === owner ? state.storeMeta : undefined
}

/** Sets `owner`'s bookkeeping for `session` (see {@link storeMetaOf}). */
export function setStoreMeta(session: object, owner: object, meta: unknown): void {
  const state = stateOf(session)
  state.storeOwner = owner
  state.storeMeta = meta
}

/** Calls `listener` on every change to the session (the registry, for the adapters). */
export function observeChanges(session: Session, listener: () => void): void {
  stateOf(session).onChange = listener
}

/** Binds a session to its request's transport (the registry does, for every session it gives). */
export function bindTransport(
  session: Session,
  transport: () => RequestTransport | undefined,
): void {
  stateOf(session).transport = transport
}

/**
 * A session. `Data` maps keys to value types; `Flash` maps flash keys to flash value types.
 *
 * @example
 * ```ts
 * const session = await sessions.get(store)
 * session.set('userId', 'u_42')
 * session.addFlash('notice', 'Welcome back!')
 * const id = session.getString('userId')
 * ```
 */
export class Session<Data extends object = SessionData, Flash extends object = SessionData> {
  readonly #state: SessionState

  static {
    stateOf = (session) => {
      if (!(#state in session)) throw new TypeError('Not a sessionkit Session')
      return session.#state
    }
  }

  constructor(init: SessionInit) {
    this.#state = {
      name: init.name,
      id: init.id,
      isNew: init.isNew,
      values: new Map(init.values),
      flash: init.flash === undefined ? undefined : nonEmptyMap(init.flash),
      flashRead: undefined,
      frozen: undefined,
      changedValues: undefined,
      changedFlash: undefined,
      dirty: false,
      destroyed: false,
      touched: false,
      createdAt: init.createdAt,
      maxAge: init.maxAge,
      idleTimeout: init.idleTimeout,
      cookie: NO_COOKIE_OVERRIDES,
      loadError: init.loadError,
      regenerate: undefined,
      userKey: init.userKey,
      meta: init.meta,
      userChanged: false,
      copyValue: init.copyValue ?? freezeJsonCopy,
      generation: 0,
      saving: undefined,
      onChange: undefined,
      transport: undefined,
      internals: undefined,
      storeOwner: undefined,
      storeMeta: undefined,
    }
  }

  /** The session (and cookie) name: its store's `name`. */
  get name(): string {
    return this.#state.name
  }

  /** The server-side id, for stores that have one; `undefined` for cookie sessions. */
  get id(): string | undefined {
    return this.#state.id
  }

  /** True until the session has been loaded from or saved to the client. */
  get isNew(): boolean {
    return this.#state.isNew
  }

  /** True when a change is waiting to be saved. */
  get isDirty(): boolean {
    return this.#state.dirty
  }

  get isDestroyed(): boolean {
    return this.#state.destroyed
  }

  /** When the session was first created, in milliseconds since the epoch. */
  get createdAt(): number {
    return this.#state.createdAt
  }

  /**
   * Why the client's cookie was rejected, when it was (tampered, expired, unknown key,
   * malformed, too large); the session is then fresh. `undefined` otherwise.
   */
  get loadError(): InvalidCookieError | undefined {
    return this.#state.loadError
  }

  get<K extends SessionKey<Data>>(key: K): Data[K] | undefined {
    return this.#read(key) as Data[K] | undefined
  }

  getOk<K extends SessionKey<Data>>(key: K): Presence<Data[K]> {
    const state = this.#live()
    if (!state.values.has(key)) return { ok: false, value: undefined }
    return { ok: true, value: this.#read(key) as Data[K] }
  }

  has(key: SessionKey<Data>): boolean {
    return this.#live().values.has(key)
  }

  /** Stores a frozen copy of `value`. Throws `SessionValueError` for non-JSON values. */
  set<K extends SessionKey<Data>>(key: K, value: Data[K]): void {
    const state = this.#live()
    state.values.set(key, state.copyValue(key, value, 'value'))
    ;(state.frozen ??= new Set()).add(key)
    ;(state.changedValues ??= new Set()).add(key)
    changed(state)
  }

  /**
   * Same as {@link set}, named after go-sessions' `SetImmutable`: every value is immutable
   * here, so the stored copy can never change through the object that was passed or read.
   */
  setImmutable<K extends SessionKey<Data>>(key: K, value: Data[K]): void {
    this.set(key, value)
  }

  /** Removes a key; returns whether it was present. */
  delete(key: SessionKey<Data>): boolean {
    const state = this.#live()
    const existed = state.values.delete(key)
    state.frozen?.delete(key)
    if (existed) {
      ;(state.changedValues ??= new Set()).add(key)
      changed(state)
    }
    return existed
  }

  /** Removes every value (flash messages stay). */
  clear(): void {
    const state = this.#live()
    const had = state.values.size > 0
    if (had) {
      const changedValues = (state.changedValues ??= new Set())
      for (const key of state.values.keys()) changedValues.add(key)
    }
    state.values.clear()
    state.frozen = undefined
    if (had) changed(state)
  }

  keys(): SessionKey<Data>[] {
    return [...this.#live().values.keys()] as SessionKey<Data>[]
  }

  entries(): [SessionKey<Data>, Data[SessionKey<Data>]][] {
    return this.keys().map((key) => [key, this.#read(key) as Data[SessionKey<Data>]])
  }

  /** A frozen snapshot of every value (go-sessions `GetAll`). */
  getAll(): Readonly<Partial<Data>> {
    const out: Record<string, unknown> = {}
    for (const key of this.keys()) defineValue(out, key, this.#read(key))
    return Object.freeze(out) as Readonly<Partial<Data>>
  }

  /** Adds `by` (default 1) to a numeric value (absent counts as 0) and returns the result. */
  increment(key: NumericKey<Data>, by = 1): number {
    const current = this.#read(key)
    if (current !== undefined && typeof current !== 'number') {
      throw new SessionValueTypeError(key, 'a number', jsonTypeOf(current))
    }
    const next = (current ?? 0) + by
    this.set(key, next as Data[typeof key])
    return next
  }

  decrement(key: NumericKey<Data>, by = 1): number {
    return this.increment(key, -by)
  }

  /** The string at `key`; the fallback when absent; a typed error for any other type. */
  getString(key: SessionKey<Data>, fallback?: string): string {
    return this.#typed(key, fallback, 'a string', (v): v is string => typeof v === 'string')
  }

  /** A finite number. */
  getNumber(key: SessionKey<Data>, fallback?: number): number {
    return this.#typed(key, fallback, 'a number', (v): v is number => typeof v === 'number')
  }

  /** A safe integer; `1.5` is a type error, not a silent truncation. */
  getInt(key: SessionKey<Data>, fallback?: number): number {
    return this.#typed(key, fallback, 'an integer', (v): v is number => Number.isSafeInteger(v))
  }

  getBoolean(key: SessionKey<Data>, fallback?: boolean): boolean {
    return this.#typed(key, fallback, 'a boolean', (v): v is boolean => typeof v === 'boolean')
  }

  // Flash messages, key first everywhere. A flash lives until it is read: set in one
  // request, it is readable in that request and every later one until a read; the save after
  // the read removes it. Repeated reads in the same request return the same values.

  /** Appends a flash value under `key` (gorilla `AddFlash(value, key)`). */
  addFlash<K extends SessionKey<Flash>>(key: K, value: Flash[K]): void {
    const state = this.#live()
    const flash = (state.flash ??= new Map<string, unknown[]>())
    const list = flash.get(key) ?? []
    list.push(state.copyValue(key, value, 'flash'))
    flash.set(key, list)
    ;(state.changedFlash ??= new Set()).add(key)
    changed(state)
  }

  /** Replaces the flash under `key` with one value (go-sessions `SetFlash`). */
  setFlash<K extends SessionKey<Flash>>(key: K, value: Flash[K]): void {
    const state = this.#live()
    const copy = state.copyValue(key, value, 'flash')
    ;(state.flash ??= new Map()).set(key, [copy])
    ;(state.changedFlash ??= new Set()).add(key)
    changed(state)
  }

  /**
   * Reads and consumes every flash value under `key`, oldest first (gorilla `Flashes`); `[]`
   * when there is none.
   */
  flashes<K extends SessionKey<Flash>>(key: K): Flash[K][] {
    return this.#consumeFlash(key) as Flash[K][]
  }

  /** What {@link flashes} would return, without consuming it. */
  peekFlashes<K extends SessionKey<Flash>>(key: K): Flash[K][] {
    const state = this.#live()
    const list = [...(state.flashRead?.get(key) ?? []), ...(state.flash?.get(key) ?? [])]
    return this.#exposedFlash(key, list) as Flash[K][]
  }

  /** Whether a flash exists under `key`, or under any key when none is given. */
  hasFlash(key?: SessionKey<Flash>): boolean {
    const state = this.#live()
    if (key === undefined) return (state.flash?.size ?? 0) > 0 || (state.flashRead?.size ?? 0) > 0
    return state.flash?.has(key) === true || state.flashRead?.has(key) === true
  }

  /** The keys that hold a flash, read in this request or not. */
  flashKeys(): SessionKey<Flash>[] {
    const state = this.#live()
    const keys = [...(state.flashRead?.keys() ?? NONE), ...(state.flash?.keys() ?? NONE)]
    return [...new Set(keys)] as SessionKey<Flash>[]
  }

  /** Removes the flashes under `key`, or every flash when none is given, without reading them. */
  clearFlashes(key?: SessionKey<Flash>): void {
    const state = this.#live()
    if (key !== undefined) {
      const had = state.flash?.delete(key) === true
      state.flashRead?.delete(key)
      if (had) {
        ;(state.changedFlash ??= new Set()).add(key)
        changed(state)
      }
      return
    }
    const flash = state.flash
    const had = flash !== undefined && flash.size > 0
    if (had) {
      const changedFlash = (state.changedFlash ??= new Set())
      for (const pending of flash.keys()) changedFlash.add(pending)
    }
    state.flash = undefined
    state.flashRead = undefined
    if (had) changed(state)
  }

  // Lifecycle

  /**
   * Sets cookie attributes for this session. `maxAge` is remembered by the session
   * (remember-me); the other attributes apply to this response.
   *
   * @throws {SessionArgumentError} for a `maxAge` that is not an integer of seconds.
   */
  setCookieOptions(options: SessionCookieOverrides): void {
    const state = this.#live()
    const { maxAge, ...rest } = options
    if (maxAge !== undefined) {
      if (!Number.isSafeInteger(maxAge)) {
        throw new SessionArgumentError('maxAge', 'an integer number of seconds')
      }
      state.maxAge = maxAge
    }
    state.cookie = { ...state.cookie, ...rest }
    changed(state)
  }

  /**
   * Remember-me: `true` makes the cookie persistent for `seconds` (default: the store's
   * absolute lifetime); `false` makes it a browser-session cookie.
   *
   * @throws {SessionArgumentError} (`maxAge`) for `seconds` that are not an integer.
   */
  rememberMe(remember: boolean, seconds?: number): void {
    this.setCookieOptions({ maxAge: remember ? (seconds ?? Number.MAX_SAFE_INTEGER) : 0 })
  }

  /** Restarts the idle window now (go-sessions `ShiftExpiration`). */
  shiftExpiration(): void {
    const state = this.#live()
    state.touched = true
    changed(state, false)
  }

  /**
   * Sets this session's idle window to `seconds` from now, remembered for later requests
   * (go-sessions `UpdateExpiration`). The absolute lifetime still applies.
   *
   * @throws {SessionArgumentError} (`seconds`) unless `seconds` is a positive integer.
   */
  updateExpiration(seconds: number): void {
    const state = this.#live()
    if (!Number.isSafeInteger(seconds) || seconds <= 0) {
      throw new SessionArgumentError('seconds', 'a positive integer of seconds')
    }
    state.idleTimeout = seconds
    state.touched = true
    changed(state)
  }

  /**
   * Issues a new session id at the next save, keeping the data (call it after every login or
   * privilege change: session fixation). The old id stops working immediately, or after
   * `grace` seconds so requests already in flight with it still find their session.
   *
   * The absolute deadline carries over, so rotating the id periodically never extends a
   * session. `newLifetime: true` starts a new absolute lifetime: use it at a login, where the
   * user has just proved who they are. Cookie sessions have no id: for them only
   * `newLifetime` has an effect.
   *
   * @throws {SessionArgumentError} for a `grace` outside 0-300 seconds or a non-boolean
   * `newLifetime`.
   */
  regenerate(options: { readonly grace?: number; readonly newLifetime?: boolean } = {}): void {
    const state = this.#live()
    const grace = options.grace ?? 0
    if (!Number.isSafeInteger(grace) || grace < 0 || grace > 300) {
      throw new SessionArgumentError('grace', 'an integer of seconds between 0 and 300')
    }
    const newLifetime = options.newLifetime ?? false
    if (typeof newLifetime !== 'boolean') {
      throw new SessionArgumentError('newLifetime', 'a boolean')
    }
    // A login's new lifetime survives a later regenerate() in the same request (a periodic
    // rotation in a middleware, say).
    state.regenerate = { grace, newLifetime: newLifetime || state.regenerate?.newLifetime === true }
    changed(state)
  }

  /** The user this session belongs to (see `setUser`). */
  get userKey(): string | undefined {
    return this.#state.userKey
  }

  /**
   * Ties the session to a user, so the store can list the user's sessions and log them out
   * everywhere; `meta` holds short labels for such lists (a device or browser name).
   * Server-side stores only; their save refuses (with a `SessionArgumentError`) a key that is
   * not a string of 1-512 characters, and labels that are not strings.
   */
  setUser(userKey: string | undefined, meta?: Readonly<Record<string, string>>): void {
    const state = this.#live()
    state.userKey = userKey
    if (meta !== undefined) state.meta = Object.freeze({ ...meta })
    state.userChanged = true
    changed(state)
  }

  /**
   * Destroys the session: its data is dropped and the save deletes the cookie (and the
   * server record). Terminal: every later read or write throws `SessionDestroyedError`.
   */
  destroy(): void {
    const state = this.#state
    state.destroyed = true
    clearData(state)
    state.regenerate = undefined
    changed(state)
  }

  /** Sessions never serialize their data by accident (logs, JSON responses). */
  toJSON(): { name: string; isNew: boolean } {
    return { name: this.#state.name, isNew: this.#state.isNew }
  }

  #live(): SessionState {
    if (this.#state.destroyed) throw new SessionDestroyedError(this.#state.name)
    return this.#state
  }

  #read(key: string): unknown {
    const state = this.#live()
    const value = state.values.get(key)
    if (state.frozen?.has(key) !== true && state.values.has(key)) {
      deepFreeze(value)
      ;(state.frozen ??= new Set()).add(key)
    }
    return this.#exposed(key, value)
  }

  // What a read hands out: the stored value, frozen. Byte arrays (gob []byte) cannot be
  // frozen, so a value holding one is handed out as a copy, which the caller may change
  // without changing what the next save writes.
  #exposed(key: string, value: unknown, role: 'value' | 'flash' = 'value'): unknown {
    const copy = this.#state.copyValue
    // JSON values never hold bytes: no walk on the common path.
    return copy !== freezeJsonCopy && holdsBytes(value) ? copy(key, value, role) : value
  }

  // Flash values come from the store as they were parsed; they are frozen when first read,
  // like values.
  #exposedFlash(key: string, list: readonly unknown[]): unknown[] {
    return list.map((value) => this.#exposed(key, deepFreeze(value), 'flash'))
  }

  #typed<T>(key: string, fallback: T | undefined, expected: string, is: (v: unknown) => v is T): T {
    const state = this.#live()
    if (!state.values.has(key)) {
      if (fallback !== undefined) return fallback
      throw new SessionKeyMissingError(key)
    }
    const value = this.#read(key)
    if (!is(value)) throw new SessionValueTypeError(key, expected, jsonTypeOf(value))
    return value
  }

  #consumeFlash(key: string): unknown[] {
    const state = this.#live()
    const pending = state.flash?.get(key)
    const read = state.flashRead?.get(key) ?? []
    if (pending !== undefined) {
      state.flash?.delete(key)
      read.push(...pending)
      ;(state.flashRead ??= new Map()).set(key, read)
      ;(state.changedFlash ??= new Set()).add(key)
      changed(state)
    }
    return this.#exposedFlash(key, read)
  }
}
