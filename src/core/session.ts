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
import {
  deepFreeze,
  defineValue,
  freezeJsonCopy,
  holdsBytes,
  jsonTypeOf,
} from '../lib/json-value.ts'
import type { SessionCookieOverrides } from './cookie-overrides.ts'
import type { CopyValue } from './session-internals.ts'
import { changed, clearData, exposeState, NONE, type SessionState } from './session-state.ts'

export type { SessionCookieOverrides } from './cookie-overrides.ts'
export type {
  CopyValue,
  RegenerateRequest,
  SaveMark,
  SessionChanges,
  SessionInternals,
  SessionSnapshot,
} from './session-internals.ts'

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

export interface SessionInit {
  readonly name: string
  readonly id?: string | undefined
  readonly isNew: boolean
  readonly createdAt: number
  /** Key-value pairs, or a record of them (a parsed JSON object: no list of pairs to build). */
  readonly values?:
    Iterable<readonly [string, unknown]> | Readonly<Record<string, unknown>> | undefined
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

// The cookie overrides of a session that has none. Frozen: `setCookieOptions` replaces the
// object rather than writing to it.
const NO_COOKIE_OVERRIDES: Omit<SessionCookieOverrides, 'maxAge'> = Object.freeze({})

function valuesMap(
  values: Iterable<readonly [string, unknown]> | Readonly<Record<string, unknown>> | undefined,
): Map<string, unknown> {
  if (values === undefined) return new Map()
  if (Symbol.iterator in values) return new Map(values)
  const map = new Map<string, unknown>()
  for (const key of Object.keys(values)) map.set(key, values[key])
  return map
}

function nonEmptyMap<V>(entries: Iterable<readonly [string, V]>): Map<string, V> | undefined {
  const map = new Map(entries)
  return map.size === 0 ? undefined : map
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
    exposeState((session) => {
      if (!(#state in session)) throw new TypeError('Not a sessionkit Session')
      return session.#state
    })
  }

  constructor(init: SessionInit) {
    this.#state = {
      name: init.name,
      id: init.id,
      isNew: init.isNew,
      values: valuesMap(init.values),
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
    const copy = state.copyValue(key, value, 'value')
    state.values.set(key, copy)
    if (typeof copy === 'object' && copy !== null) (state.frozen ??= new Set()).add(key)
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
    // A primitive is immutable already: only objects are frozen, and remembered as such.
    if (typeof value === 'object' && value !== null && state.frozen?.has(key) !== true) {
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
