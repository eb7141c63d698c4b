/**
 * The cookie store: the whole session lives in a sealed (AES-256-GCM, the default) or signed
 * (HMAC-SHA256, readable by the client) cookie. Idle and absolute timeouts are enforced from
 * the authenticated times inside the token, so an edited or replayed cookie cannot outlive
 * them; sliding renewal re-seals only once `renewAfter` has passed.
 *
 * Available from `'sessionkit'`.
 *
 * @module
 */

import { createTokenCodec, type OpenResult, type TokenFormat } from '../core/codec.ts'
import {
  serializeDeleteCookie,
  serializeResolvedSetCookie,
  type CookieOptions,
} from '../core/cookie.ts'
import { CookieTooLargeError, InvalidCookieError, SessionConfigError } from '../errors.ts'
import type { KeyRing } from '../core/keyring.ts'
import { createCookieOptionsCache } from './cookie-options.ts'
import { resolveLifetime } from '../lib/lifetime.ts'
import { all, isPromise, then, type Awaitable } from '../lib/awaitable.ts'
import { distinct, firstDefined, mayDelete, newestFirst } from '../lib/candidates.ts'
import { cookieCandidates, type CookieCandidates } from '../lib/cookie-scan.ts'
import type { CryptoChoice } from '../lib/crypto/select.ts'
import { utf8Decode } from '../lib/encoding.ts'
import { defineValue } from '../lib/json-value.ts'
import {
  beginSave,
  markSaved,
  Session,
  sessionState,
  type SessionData,
  type SessionState,
} from '../core/session.ts'
import type { CookieHeader, SessionStore } from '../core/store.ts'

export interface CookieStoreOptions {
  /**
   * The cookie name (also the sessions' `name`), given once here. Checked now, with the
   * prefix rules of `cookie`: a `__Host-` name with a Domain fails at startup.
   */
  readonly name: string
  readonly keys: KeyRing
  /** `'sealed'` encrypts the session; `'signed'` only authenticates it. @default 'sealed' */
  readonly format?: TokenFormat
  /**
   * Cookie attributes. Defaults: `HttpOnly`, `Secure`, `SameSite=Lax`, `Path=/`. Prefix
   * rules (`__Host-`, `__Secure-`) are checked against `name` when the store is created.
   */
  readonly cookie?: CookieOptions
  /**
   * Default cookie persistence in seconds (gorilla `MaxAge`): `0` = browser-session cookie,
   * `> 0` = persistent (capped by the session's expiry). Sessions override it per session
   * (`session.rememberMe`, `session.setCookieOptions`). @default 0
   */
  readonly maxAge?: number
  /** Seconds from creation after which the session ends, however active. @default 2592000 (30 days) */
  readonly absoluteTimeout?: number
  /** Seconds without a request after which the session ends. @default 604800 (7 days) */
  readonly idleTimeout?: number
  /**
   * Seconds after which a request re-seals an unchanged session to slide its idle window.
   * Smaller is more precise, larger writes fewer cookies. @default idleTimeout / 10
   */
  readonly renewAfter?: number
  /** Byte limit of the whole `name=value`, checked on save and (as length) before opening. @default 4096 */
  readonly maxLength?: number
  /** Purpose the tokens are bound to (see `createTokenCodec`). @default 'session' */
  readonly purpose?: string
  /** @default 'auto' */
  readonly crypto?: CryptoChoice
  /** Seconds of accepted clock skew. @default 60 */
  readonly clockTolerance?: number
  /** Milliseconds since the epoch. @default Date.now */
  readonly now?: () => number
  /** Told about every rejected cookie, with the reason; the request goes on with a fresh session. */
  readonly onInvalidCookie?: (error: InvalidCookieError) => void
}

export interface CookieStore<
  Data extends object = SessionData,
  Flash extends object = SessionData,
> extends SessionStore<Data, Flash> {
  readonly format: TokenFormat
}

// What the store knows about a session beyond the session's own state.
interface CookieMeta {
  /**
   * The client may hold our cookie, so an ended session sends a deletion: it was loaded from
   * one, one was sent since, or every value the request showed under this name failed.
   */
  present: boolean
  issuedAt: number | undefined
  rotated: boolean
}

interface Payload {
  readonly v: Record<string, unknown>
  readonly f?: Record<string, unknown[]>
  readonly c: number
  readonly m?: number
  readonly i?: number
}

const DAY = 86_400

/**
 * Creates a cookie store.
 *
 * @example
 * ```ts
 * const store = createCookieStore<{ userId: string }>({
 *   name: 'sid',
 *   keys: createKeyRing([{ id: 'k1', secret: process.env.SESSION_KEY! }]),
 *   idleTimeout: 3600,
 * })
 * ```
 * @throws {SessionConfigError} for a missing name, a bad timeout, limit or key ring.
 * @throws {CookieOptionError} for a bad name or cookie option, or a broken prefix rule.
 */
export function createCookieStore<
  Data extends object = SessionData,
  Flash extends object = SessionData,
>(options: CookieStoreOptions): CookieStore<Data, Flash> {
  const {
    absoluteTimeout,
    idleTimeout,
    renewAfter,
    maxAge: defaultMaxAge,
  } = resolveLifetime(options, {
    absoluteTimeout: 30 * DAY,
    idleTimeout: 7 * DAY,
    renewAfter: (idle) => Math.floor(idle / 10),
  })
  const maxLength = options.maxLength ?? 4096
  if (!Number.isSafeInteger(maxLength) || maxLength < 128) {
    throw new SessionConfigError('maxLength must be an integer of at least 128')
  }
  const now = options.now ?? Date.now
  const codec = createTokenCodec({
    keys: options.keys,
    format: options.format ?? 'sealed',
    purpose: options.purpose ?? 'session',
    ...(options.crypto === undefined ? {} : { crypto: options.crypto }),
    ...(options.clockTolerance === undefined ? {} : { clockTolerance: options.clockTolerance }),
    maxTokenLength: maxLength,
    now,
  })
  const metas = new WeakMap<object, CookieMeta>()
  const cookieOptions = createCookieOptionsCache(options.name, options.cookie)
  const storeName = cookieOptions.name

  function metaOf(session: Session<Data, Flash>): CookieMeta {
    let meta = metas.get(session)
    if (meta === undefined) {
      meta = { present: false, issuedAt: undefined, rotated: false }
      metas.set(session, meta)
    }
    return meta
  }

  function fresh(name: string, present: boolean, loadError?: InvalidCookieError) {
    const session = new Session<Data, Flash>({
      name,
      isNew: true,
      createdAt: now(),
      loadError,
    })
    metas.set(session, { present, issuedAt: undefined, rotated: false })
    return session
  }

  // `deletable`: the request showed every value it has for this name and all of them failed,
  // so clearing the cookie cannot remove a valid one the request did not show.
  function reject(name: string, reason: InvalidCookieError['reason'], deletable: boolean) {
    const error = new InvalidCookieError(reason, name)
    options.onInvalidCookie?.(error)
    return fresh(name, deletable, error)
  }

  function get(cookieHeader: CookieHeader): Promise<Session<Data, Flash>> {
    const name = storeName
    try {
      const found = cookieCandidates(cookieHeader, name)
      if (found.values.length === 0) return Promise.resolve(fresh(name, false))
      const values = distinct(found.values)
      // On the node backend this stays synchronous; one resolved promise, no await chain.
      const loaded = then(all(values.map((value) => codec.open(name, value))), (results) =>
        choose(name, results, found),
      )
      return isPromise(loaded) ? loaded : Promise.resolve(loaded)
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)))
    }
  }

  // Several values of one name (other paths or domains, or planted): every one is tried and
  // the newest authentic live session wins (src/lib/candidates.ts has the whole policy).
  function choose(
    name: string,
    results: readonly OpenResult[],
    found: CookieCandidates,
  ): Session<Data, Flash> {
    const reasons = results.map((result) => (result.ok ? undefined : result.reason))
    const authentic = newestFirst(
      results.flatMap((result, index) => (result.ok ? [{ result, index }] : [])),
      (entry) => entry.result.issuedAt,
    )
    for (const { result, index } of authentic) {
      const payload = parsePayload(result.payload)
      if (payload === undefined) reasons[index] = 'malformed'
      else if (payload.c + absoluteTimeout * 1000 <= now()) reasons[index] = 'expired'
      else return loadedSession(name, payload, result.issuedAt, result.rotated)
    }
    return reject(name, firstDefined(reasons) ?? 'malformed', mayDelete(found, true))
  }

  function loadedSession(
    name: string,
    payload: Payload,
    issuedAt: number,
    rotated: boolean,
  ): Session<Data, Flash> {
    const session = new Session<Data, Flash>({
      name,
      isNew: false,
      createdAt: payload.c,
      values: Object.entries(payload.v),
      flash: payload.f === undefined ? undefined : Object.entries(payload.f),
      maxAge: payload.m,
      idleTimeout: payload.i,
    })
    metas.set(session, { present: true, issuedAt, rotated })
    return session
  }

  function deletion(state: SessionState, meta: CookieMeta): string | undefined {
    markSaved(state)
    if (!meta.present) return undefined
    meta.present = false
    meta.issuedAt = undefined
    return serializeDeleteCookie(state.name, cookieOptions.forSession(state))
  }

  function save(session: Session<Data, Flash>): Awaitable<string | undefined> {
    const state = sessionState(session)
    beginSave(state)
    const meta = metaOf(session)
    const maxAge = state.maxAge ?? defaultMaxAge
    if (state.destroyed || maxAge < 0) return deletion(state, meta)
    if (state.values.size === 0 && state.flash.size === 0) return deletion(state, meta)
    const current = now()
    // A cookie session has no id to replace. Only a regeneration that asks for it (a login)
    // starts a new absolute lifetime: a periodic one must never extend the session.
    if (state.regenerate?.newLifetime === true) state.createdAt = current
    const renewDue = meta.issuedAt !== undefined && current - meta.issuedAt >= renewAfter * 1000
    if (!state.dirty && !state.touched && !meta.rotated && !renewDue) return undefined
    const expiresAt = Math.min(
      state.createdAt + absoluteTimeout * 1000,
      current + (state.idleTimeout ?? idleTimeout) * 1000,
    )
    if (expiresAt <= current) return deletion(state, meta)
    const cookie = cookieOptions.forSession(state)
    return then(
      codec.seal(state.name, serializePayload(state), { expiresAt, issuedAt: current }),
      (token) => {
        // Names are RFC tokens and tokens base64url: both ASCII, so length is byte length.
        const size = state.name.length + 1 + token.length
        if (size > maxLength) throw new CookieTooLargeError(state.name, size, maxLength)
        const lifetime =
          maxAge > 0 ? Math.min(maxAge, Math.ceil((expiresAt - current) / 1000)) : undefined
        const header = serializeResolvedSetCookie(state.name, token, cookie, lifetime, current)
        markSaved(state)
        meta.present = true
        meta.issuedAt = current
        meta.rotated = false
        return header
      },
    )
  }

  return Object.freeze({
    name: storeName,
    format: codec.format,
    get,
    create: () => fresh(storeName, false),
    save,
    destroy(session: Session<Data, Flash>) {
      session.destroy()
      return save(session)
    },
  })
}

function serializePayload(state: SessionState): string {
  const values: Record<string, unknown> = {}
  for (const [key, value] of state.values) defineValue(values, key, value)
  const payload: Record<string, unknown> = { v: values, c: state.createdAt }
  if (state.flash.size > 0) {
    const flash: Record<string, unknown> = {}
    for (const [key, list] of state.flash) defineValue(flash, key, list)
    payload['f'] = flash
  }
  if (state.maxAge !== undefined) payload['m'] = state.maxAge
  if (state.idleTimeout !== undefined) payload['i'] = state.idleTimeout
  return JSON.stringify(payload)
}

// The payload was authenticated, but its shape is still checked: a token made by another
// version or another program under the same key must not crash the request.
function parsePayload(bytes: Uint8Array): Payload | undefined {
  const text = utf8Decode(bytes)
  if (text === undefined) return undefined
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return undefined
  }
  if (!isRecord(parsed) || !isRecord(parsed['v'])) return undefined
  const created = parsed['c']
  if (typeof created !== 'number' || !Number.isSafeInteger(created) || created < 0) return undefined
  const flash = parsed['f']
  if (flash !== undefined && (!isRecord(flash) || !Object.values(flash).every(Array.isArray))) {
    return undefined
  }
  const maxAge = parsed['m']
  if (maxAge !== undefined && !Number.isSafeInteger(maxAge)) return undefined
  const idle = parsed['i']
  if (idle !== undefined && (!Number.isSafeInteger(idle) || (idle as number) <= 0)) return undefined
  return parsed as unknown as Payload
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
