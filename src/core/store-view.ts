// The store's view of a session (`sessionInternals`) and the hooks the registry and stores set
// on a session: its change listener, its request's transport, a store's own bookkeeping.

import type { Session } from './session.ts'
import type {
  RegenerateRequest,
  SaveMark,
  SessionChanges,
  SessionInternals,
  SessionSnapshot,
} from './session-internals.ts'
import type { SessionCookieOverrides } from './cookie-overrides.ts'
import {
  NONE,
  beginSave,
  markSaved,
  resetState,
  savingMark,
  stateOf,
  type SessionState,
} from './session-state.ts'
import type { RequestTransport } from './transport.ts'
import { freezeMap } from '../lib/json-value.ts'

// What a session without flash values shows; frozen, so no store can add to it.
const NO_FLASH: ReadonlyMap<string, readonly unknown[]> = freezeMap(new Map())

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

  get values(): ReadonlyMap<string, unknown> {
    return this.#state.values
  }
  get flash(): ReadonlyMap<string, readonly unknown[]> {
    return this.#state.flash ?? NO_FLASH
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
