// What the cookie store, the server store and the gorilla store share: the per-session facts
// about the client's cookie, fresh and rejected sessions, and the loop over the values a
// request sends under one cookie name (src/lib/candidates.ts has the policy).

import { serializeDeleteCookie, type StoreCookieOptions } from '../core/cookie.ts'
import { Session, type SessionInit, type SessionInternals } from '../core/session.ts'
import { setStoreMeta, storeMetaOf } from '../core/store-view.ts'
import type { CookieHeader } from '../core/store.ts'
import { InvalidCookieError } from '../errors.ts'
import { isPromise, type Awaitable } from '../lib/awaitable.ts'
import { distinct, firstDefined, mayDelete, newestFirst } from '../lib/candidates.ts'
import { cookieCandidates, type CookieCandidates } from '../lib/cookie-scan.ts'
import { createCookieOptionsCache, type CookieOptionsCache } from './cookie-options.ts'

/** What a store knows about the client's cookie of one session. */
export interface ClientCookie {
  /**
   * The client may hold our cookie, so an ended session sends a deletion: it was loaded from
   * one, one was sent since, or every value the request showed under this name failed.
   */
  present: boolean
  /** Issue time (milliseconds) of the client's cookie, when known. */
  issuedAt: number | undefined
  /** The client's cookie was made with a key other than the current one: write it again. */
  rotated: boolean
}

export function clientCookie(present: boolean): ClientCookie {
  return { present, issuedAt: undefined, rotated: false }
}

/** The response carries a cookie issued at `at`, made with the current key. */
export function issued(cookie: ClientCookie, at: number): void {
  cookie.present = true
  cookie.issuedAt = at
  cookie.rotated = false
}

/** The response deletes the client's cookie (or the client never had one). */
export function cleared(cookie: ClientCookie): void {
  cookie.present = false
  cookie.issuedAt = undefined
}

/**
 * Whether a cookie store writes its cookie again: the session changed, an expiry shift was
 * asked for, the cookie was made with an old key, or `renewAfter` seconds have passed since
 * it was issued (sliding expiry).
 */
export function rewriteDue(
  state: SessionInternals,
  cookie: ClientCookie,
  at: number,
  renewAfter: number,
): boolean {
  const renewDue = cookie.issuedAt !== undefined && at - cookie.issuedAt >= renewAfter * 1000
  return state.isDirty || state.touched || cookie.rotated || renewDue
}

/** A value of the request's cookie that authenticated. */
export interface Authentic<Token> {
  /** Its place among the request's distinct values, where a failure is recorded. */
  readonly index: number
  readonly issuedAt: number
  readonly token: Token
}

/** What loading an authentic value gave: its session, or why it does not count. */
export type Loaded<Result, Reason> = { readonly session: Result } | { readonly reason: Reason }

export interface Candidates<Token, Reason, Result> {
  /** What the request showed for the name (whether a rejection may delete the cookie). */
  readonly found: CookieCandidates
  /** One entry per distinct value, in header order: why it failed, if it did. */
  readonly failures: (Reason | undefined)[]
  /** The values that authenticated, in any order. */
  readonly authentic: readonly Authentic<Token>[]
  /** The most authentic values to load (each load may cost a store round trip). */
  readonly limit?: number
  load(candidate: Authentic<Token>): Awaitable<Loaded<Result, Reason>>
  /**
   * None loaded: `reason` is the first failure in header order; `deletable` whether the
   * request showed everything, so that clearing the cookie removes no valid one.
   */
  reject(reason: Reason | undefined, deletable: boolean): Result
}

/**
 * The newest authentic value that loads wins; synchronous when every load is, so a store on
 * a synchronous crypto backend answers without a microtask hop.
 */
export function chooseNewest<Token, Reason, Result>(
  candidates: Candidates<Token, Reason, Result>,
): Awaitable<Result> {
  const { found, failures, limit = Number.POSITIVE_INFINITY } = candidates
  const order = newestFirst(candidates.authentic, (candidate) => candidate.issuedAt)
  const tried = order.slice(0, limit)
  // The session, or undefined after recording why this candidate failed.
  const settle = (outcome: Loaded<Result, Reason>, index: number): Result | undefined => {
    if ('session' in outcome) return outcome.session
    failures[index] = outcome.reason
    return undefined
  }
  const fromIndex = (start: number): Awaitable<Result> => {
    for (let at = start; at < tried.length; at++) {
      const candidate = tried[at]
      if (candidate === undefined) break
      const outcome = candidates.load(candidate)
      if (isPromise(outcome)) {
        return outcome.then((resolved) => settle(resolved, candidate.index) ?? fromIndex(at + 1))
      }
      const session = settle(outcome, candidate.index)
      if (session !== undefined) return session
    }
    const everyValueTried = order.length <= tried.length
    return candidates.reject(firstDefined(failures), mayDelete(found, everyValueTried))
  }
  return fromIndex(0)
}

export interface StoreKitOptions<Meta extends ClientCookie, Detail extends unknown[]> {
  /** The store's cookie name (from its options, so not yet checked). */
  readonly name: unknown
  readonly cookie: StoreCookieOptions | undefined
  readonly now: () => number
  /** The store's facts about a session it has not seen yet. */
  readonly track: (present: boolean) => Meta
  /** What every fresh session gets besides its name and times (an eager id, a value copier). */
  readonly init?: (meta: Meta) => Pick<SessionInit, 'id' | 'copyValue'>
  readonly onInvalidCookie?: ((error: InvalidCookieError, ...detail: Detail) => void) | undefined
}

/** The parts of a cookie-backed store that do not depend on what it keeps. */
export interface StoreKit<
  Data extends object,
  Flash extends object,
  Meta extends ClientCookie,
  Detail extends unknown[],
> {
  readonly cookieOptions: CookieOptionsCache
  /** The store's facts about `session`, made (with no cookie present) for one it did not make. */
  tracked(session: Session<Data, Flash>): Meta
  /** The request's distinct values for `name`; `undefined` when it sent none. */
  candidates(
    name: string,
    header: CookieHeader,
  ): { readonly found: CookieCandidates; readonly values: readonly string[] } | undefined
  /** A new session; `present`: the client may hold a cookie of this name (see ClientCookie). */
  fresh(name: string, present: boolean, loadError?: InvalidCookieError): Session<Data, Flash>
  /** A session loaded from the client's cookie, with the store's facts about it. */
  loaded(init: SessionInit, meta: Meta): Session<Data, Flash>
  /**
   * The client's cookie was rejected: `onInvalidCookie` is told, and the request goes on with
   * a fresh session carrying the reason. `deletable`: see {@link Candidates.reject}.
   */
  reject(
    name: string,
    reason: InvalidCookieError['reason'],
    deletable: boolean,
    ...detail: Detail
  ): Session<Data, Flash>
  /** The Set-Cookie that deletes the client's cookie; `undefined` when it holds none. */
  deletionHeader(state: SessionInternals, cookie: ClientCookie): string | undefined
  /** Saves an ended session: marks it saved and deletes the client's cookie, if any. */
  deleteCookie(state: SessionInternals, cookie: ClientCookie): string | undefined
}

export function createStoreKit<
  Data extends object,
  Flash extends object,
  Meta extends ClientCookie,
  Detail extends unknown[] = [],
>(options: StoreKitOptions<Meta, Detail>): StoreKit<Data, Flash, Meta, Detail> {
  const { now, track, init } = options
  // This kit's token for its bookkeeping on each session (see storeMetaOf).
  const owner = {}
  const metas = {
    get: (session: object) => storeMetaOf(session, owner) as Meta | undefined,
    set: (session: object, meta: Meta) => {
      setStoreMeta(session, owner, meta)
    },
  }
  // The name and its prefix rules are checked now, so a misconfigured store fails at startup.
  const cookieOptions = createCookieOptionsCache(options.name, options.cookie)

  function deletionHeader(state: SessionInternals, cookie: ClientCookie): string | undefined {
    if (!cookie.present) return undefined
    return serializeDeleteCookie(state.name, cookieOptions.forSession(state))
  }

  function fresh(name: string, present: boolean, loadError?: InvalidCookieError) {
    const meta = track(present)
    const extra = init?.(meta)
    const session = new Session<Data, Flash>({
      name,
      ...extra,
      isNew: true,
      createdAt: now(),
      loadError,
    })
    metas.set(session, meta)
    return session
  }

  return {
    cookieOptions,
    tracked(session) {
      let meta = metas.get(session)
      if (meta === undefined) {
        meta = track(false)
        metas.set(session, meta)
      }
      return meta
    },
    candidates(name, header) {
      const found = cookieCandidates(header, name)
      if (found.values.length === 0) return undefined
      return { found, values: distinct(found.values) }
    },
    fresh,
    loaded(sessionInit, meta) {
      const session = new Session<Data, Flash>(sessionInit)
      metas.set(session, meta)
      return session
    },
    reject(name, reason, deletable, ...detail) {
      const error = new InvalidCookieError(reason, name)
      options.onInvalidCookie?.(error, ...detail)
      return fresh(name, deletable, error)
    },
    deletionHeader,
    deleteCookie(state, cookie) {
      state.markSaved()
      const header = deletionHeader(state, cookie)
      cleared(cookie)
      return header
    },
  }
}
