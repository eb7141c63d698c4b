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
import { serializeResolvedSetCookie, type StoreCookieOptions } from '../core/cookie.ts'
import {
  CookieTooLargeError,
  SessionConfigError,
  type InvalidCookieError,
  type InvalidCookieReason,
} from '../errors.ts'
import type { KeyRing } from '../core/keyring.ts'
import { resolveLifetime } from '../lib/lifetime.ts'
import { all, isPromise, then, type Awaitable } from '../lib/awaitable.ts'
import { mayDelete } from '../lib/candidates.ts'
import type { CookieCandidates } from '../lib/cookie-scan.ts'
import type { CryptoChoice } from '../lib/crypto/select.ts'
import { utf8Decode } from '../lib/encoding.ts'
import { defineValue } from '../lib/json-value.ts'
import type { Session, SessionData, SessionSnapshot } from '../core/session.ts'
import { sessionInternals } from '../core/store-view.ts'
import {
  chooseNewest,
  clientCookie,
  createStoreKit,
  issued,
  rewriteDue,
  type ClientCookie,
} from './kit.ts'
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
  readonly cookie?: StoreCookieOptions
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
  const kit = createStoreKit<Data, Flash, ClientCookie>({
    name: options.name,
    cookie: options.cookie,
    now,
    track: clientCookie,
    onInvalidCookie: options.onInvalidCookie,
  })
  const storeName = kit.cookieOptions.name

  function get(cookieHeader: CookieHeader): Promise<Session<Data, Flash>> {
    const name = storeName
    try {
      const request = kit.candidates(name, cookieHeader)
      if (request === undefined) return Promise.resolve(kit.fresh(name, false))
      const values = request.values
      // On the node backend this stays synchronous; one resolved promise, no await chain.
      const loaded =
        values.length === 1
          ? then(codec.open(name, values[0] ?? ''), (result) => chooseOnly(name, result, request))
          : then(all(values.map((value) => codec.open(name, value))), (results) =>
              choose(name, results, request.found),
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
  ): Awaitable<Session<Data, Flash>> {
    return chooseNewest({
      found,
      failures: results.map((result) => (result.ok ? undefined : result.reason)),
      authentic: results.flatMap((result, index) =>
        result.ok ? [{ index, issuedAt: result.issuedAt, token: result }] : [],
      ),
      load: ({ token }) => load(name, token),
      reject: (reason, deletable) => kit.reject(name, reason ?? 'malformed', deletable),
    })
  }

  // The one value of the name (nearly every request): what `choose` decides for a single
  // value, without its candidate lists.
  function chooseOnly(
    name: string,
    result: OpenResult,
    request: { readonly found: CookieCandidates },
  ): Session<Data, Flash> {
    const outcome = result.ok ? load(name, result) : result
    if ('session' in outcome) return outcome.session
    return kit.reject(name, outcome.reason, mayDelete(request.found, true))
  }

  function load(name: string, token: OpenResult & { ok: true }): Loaded {
    const payload = parsePayload(token.payload)
    if (payload === undefined) return { reason: 'malformed' }
    if (payload.c + absoluteTimeout * 1000 <= now()) return { reason: 'expired' }
    return { session: loadedSession(name, payload, token.issuedAt, token.rotated) }
  }

  type Loaded =
    { readonly session: Session<Data, Flash> } | { readonly reason: InvalidCookieReason }

  function loadedSession(
    name: string,
    payload: Payload,
    issuedAt: number,
    rotated: boolean,
  ): Session<Data, Flash> {
    const init = {
      name,
      isNew: false,
      createdAt: payload.c,
      values: payload.v,
      flash: payload.f === undefined ? undefined : Object.entries(payload.f),
      maxAge: payload.m,
      idleTimeout: payload.i,
    }
    return kit.loaded(init, { present: true, issuedAt, rotated })
  }

  function save(session: Session<Data, Flash>): Awaitable<string | undefined> {
    const state = sessionInternals(session)
    state.beginSave()
    const client = kit.tracked(session)
    const maxAge = state.maxAge ?? defaultMaxAge
    if (state.isDestroyed || maxAge < 0) return kit.deleteCookie(state, client)
    if (state.isEmpty) return kit.deleteCookie(state, client)
    const current = now()
    // A cookie session has no id to replace. Only a regeneration that asks for it (a login)
    // starts a new absolute lifetime: a periodic one must never extend the session.
    if (state.regenerate?.newLifetime === true) state.setCreatedAt(current)
    if (!rewriteDue(state, client, current, renewAfter)) return undefined
    const expiresAt = Math.min(
      state.createdAt + absoluteTimeout * 1000,
      current + (state.idleTimeout ?? idleTimeout) * 1000,
    )
    if (expiresAt <= current) return kit.deleteCookie(state, client)
    const cookie = kit.cookieOptions.forSession(state)
    return then(
      // The payload is serialized within this call, so the session's live values are read
      // rather than a copy (SessionInternals.values).
      codec.seal(state.name, serializePayload(state), { expiresAt, issuedAt: current }),
      (token) => {
        // Names are RFC tokens and tokens base64url: both ASCII, so length is byte length.
        const size = state.name.length + 1 + token.length
        if (size > maxLength) throw new CookieTooLargeError(state.name, size, maxLength)
        const lifetime =
          maxAge > 0 ? Math.min(maxAge, Math.ceil((expiresAt - current) / 1000)) : undefined
        const header = serializeResolvedSetCookie(state.name, token, cookie, lifetime, current)
        state.markSaved()
        issued(client, current)
        return header
      },
    )
  }

  return Object.freeze({
    name: storeName,
    format: codec.format,
    get,
    create: () => kit.fresh(storeName, false),
    save,
    destroy(session: Session<Data, Flash>) {
      session.destroy()
      return save(session)
    },
  })
}

function serializePayload(state: SessionSnapshot): string {
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
