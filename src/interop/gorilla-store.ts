/**
 * A gorilla/sessions-compatible cookie store: with the same hash/block keys, a TypeScript
 * app reads and writes the same session cookie a Go `sessions.CookieStore` does. The cookie
 * value is gorilla/securecookie's `EncodeMulti(name, session.Values)` (gob by default, like
 * gorilla), flashes included with gorilla's `_flash` key semantics.
 *
 * Differences from gorilla (on purpose, see docs/go-interop.md): one `maxAge` drives both the
 * cookie Max-Age and the codecs' age check (gorilla #48); keys are checked at startup; a
 * deleted session gets an empty cookie value; cookie defaults are HttpOnly, Secure,
 * SameSite=Lax (gorilla v1.3+: Secure, SameSite=None, no HttpOnly); a bad cookie never
 * throws, it gives a fresh session with `loadError`.
 *
 * Available from `'sessionkit/securecookie'`.
 *
 * @module
 */

import { serializeSetCookie, type StoreCookieOptions } from '../core/cookie.ts'
import {
  SecureCookieError,
  SessionConfigError,
  type InvalidCookieError,
  type InvalidCookieReason,
} from '../errors.ts'
import {
  chooseNewest,
  clientCookie,
  createStoreKit,
  issued,
  rewriteDue,
  type Authentic,
  type ClientCookie,
} from '../stores/kit.ts'
import { gobDecodeSessionValues, gobEncodeSessionValues } from './gob/session.ts'
import { then, type Awaitable } from '../lib/awaitable.ts'
// Go type hints of decoded values (int64, uint, []string, main.User): carried over to the
// re-encoded map, so a round trip keeps the types Go code type-asserts.
import { checkGoValue, freezeGoValue } from './gob/freeze.ts'
import { appendWithHints, setSlotHint, slotHint, type TypeHint } from './gob/provenance.ts'
import { isIntKind, isUintKind } from './gob/spec.ts'
import { freezeJsonCopy } from '../lib/json-value.ts'
import {
  DEFAULT_SECURECOOKIE_MAX_LENGTH,
  type SecureCookie,
  type SecureCookieKey,
} from './securecookie/codec.ts'
import type { SecureCookieCryptoChoice, SecureCookieHash } from './securecookie/crypto.ts'
import { GO_MESSAGES, SecureCookieMultiError } from './securecookie/errors.ts'
import {
  codecsFromPairs,
  decodeMultiDetailed,
  encodeMulti,
  type DecodedMulti,
} from './securecookie/multi.ts'
import type { GoSerializer } from './securecookie/serializer.ts'
import { sessionInternals } from '../core/store-view.ts'
import {
  DEFAULT_FLASH_KEY,
  type CopyValue,
  type Session,
  type SessionData,
  type SessionSnapshot,
} from '../core/session.ts'
import type { CookieHeader, SessionStore } from '../core/store.ts'

export interface GorillaCookieStoreOptions {
  /**
   * The cookie name, as given to Go's `store.Get(r, name)` (also the sessions' `name`), given
   * once here. Checked now, with the prefix rules of `cookie`.
   */
  readonly name: string
  /**
   * `[hashKey1, blockKey1, hashKey2, blockKey2, ...]` exactly as given to Go's
   * `sessions.NewCookieStore(keyPairs...)`: the first pair writes, every pair reads (key
   * rotation). `null`/`undefined` or an odd count = no block key for that pair. Give either
   * `keyPairs` or `codecs`.
   */
  readonly keyPairs?: readonly (SecureCookieKey | null | undefined)[]
  /**
   * Ready-made codecs instead of `keyPairs` (their own serializer and settings are used).
   * Their `maxAge` must equal the store's `maxAge` when both are given.
   */
  readonly codecs?: readonly SecureCookie[]
  /**
   * @default gorillaSessionSerializer (gob, gorilla's default). Only with `keyPairs`. With
   * `goJsonSerializer`, the Go side needs a JSON serializer for `map[string]interface{}`
   * (encoding/json cannot encode gorilla's `map[interface{}]interface{}`).
   */
  readonly serializer?: GoSerializer
  /**
   * gorilla `Options.MaxAge` AND the codecs' `MaxAge` (one value, unlike gorilla where they
   * drift apart, #48): `> 0` = cookie Max-Age and cookies older than this are rejected;
   * `0` = browser-session cookie and no age check; `< 0` = every save deletes the cookie.
   * @default 2592000 (30 days)
   */
  readonly maxAge?: number
  /** Longest encoded cookie value (gorilla codecs' `MaxLength`); `0` = unlimited. @default 4096 */
  readonly maxLength?: number
  /** HMAC hash of the codecs made from `keyPairs`. @default 'sha256' */
  readonly hash?: SecureCookieHash
  /**
   * Cookie attributes. Defaults: `Path=/` (as gorilla), `HttpOnly`, `Secure`, `SameSite=Lax`
   * (gorilla v1.3+ uses `Secure; SameSite=None` without HttpOnly). Set `secure: false` for
   * plain-HTTP development.
   */
  readonly cookie?: StoreCookieOptions
  /**
   * Values keys that hold gorilla flashes (`session.AddFlash(v, key)`): a `[]interface{}`
   * under one of these keys is read into the session's flash API, and flashes added in
   * TypeScript under any key are written back as `[]interface{}` values under that key.
   * @default ['_flash']
   */
  readonly flashKeys?: readonly string[]
  /**
   * Seconds after which an unchanged session is re-encoded on save, so its timestamp (and
   * the age check) slides like gorilla's save-every-request. @default maxAge / 10
   */
  readonly renewAfter?: number
  /** Milliseconds since the epoch. @default Date.now */
  readonly now?: () => number
  /** @default 'auto' */
  readonly crypto?: SecureCookieCryptoChoice
  /** TEST-ONLY: the AES-CTR IV source (see `createSecureCookie`). */
  readonly randomBytes?: (length: number) => Uint8Array
  /** Told about every rejected cookie, with gorilla's error (`goMessage`) as second argument. */
  readonly onInvalidCookie?: (error: InvalidCookieError, goError: SecureCookieError) => void
}

export interface GorillaCookieStore<
  Data extends object = SessionData,
  Flash extends object = SessionData,
> extends SessionStore<Data, Flash> {
  readonly maxAge: number
  readonly codecs: readonly SecureCookie[]
}

// What the store knows about a session beyond the session's own state. `issuedAt` is the
// authenticated timestamp of the loaded or last written cookie (whole seconds, as gorilla's);
// `rotated`: loaded with a codec other than the first, so it is re-encoded with the current key.
interface GorillaMeta extends ClientCookie {
  /** The Go map's keys in decoded order, so a re-encode keeps Go's order where it can. */
  order: unknown[]
  /** Session key → the original non-string Go key (an int key 42 shows as "42"). */
  goKeys: Map<string, unknown>
  /**
   * Entries with no session key of their own, written back unchanged: keys of other Go types
   * (bool, float, nil, structs) and an int key colliding with a string key.
   */
  hidden: Map<unknown, unknown>
  /** The decoded Values map (holder of the gob type hints). */
  source: Map<unknown, unknown> | undefined
}

const DAY = 86_400

/**
 * gorilla's default serialization of `session.Values`: a gob-encoded
 * `map[interface{}]interface{}` (string and int keys), entries in the given order.
 */
export const gorillaSessionSerializer: GoSerializer = Object.freeze({
  serialize(value: unknown): Uint8Array {
    return gobEncodeSessionValues(value as ReadonlyMap<unknown, unknown>)
  },
  deserialize(bytes: Uint8Array): unknown {
    return gobDecodeSessionValues(bytes)
  },
})

/**
 * Creates a gorilla/sessions `CookieStore`-compatible store.
 *
 * @example
 * ```ts
 * // Go: store := sessions.NewCookieStore([]byte(hashKey), []byte(blockKey))
 * // and session, _ := store.Get(r, "session-name")
 * const store = createGorillaCookieStore({ name: 'session-name', keyPairs: [hashKey, blockKey] })
 * ```
 * @throws {SessionConfigError} for a missing name, conflicting or invalid options.
 * @throws {CookieOptionError} for a bad name or cookie option, or a broken prefix rule.
 * @throws {SecureCookieError} usage kind for bad keys.
 */
export function createGorillaCookieStore<
  Data extends object = SessionData,
  Flash extends object = SessionData,
>(options: GorillaCookieStoreOptions): GorillaCookieStore<Data, Flash> {
  // With gob, values may carry Go types (wrappers, []byte, bigint); JSON takes JSON values.
  const isGob = options.serializer === undefined || options.serializer === gorillaSessionSerializer
  const hasPairs = options.keyPairs !== undefined
  const hasCodecs = options.codecs !== undefined
  if (hasPairs === hasCodecs) {
    throw new SessionConfigError('Give exactly one of keyPairs and codecs')
  }
  let maxAge: number
  let codecs: readonly SecureCookie[]
  if (options.codecs !== undefined) {
    if (options.serializer !== undefined || options.hash !== undefined) {
      throw new SessionConfigError('serializer and hash apply to keyPairs, not to codecs')
    }
    codecs = Object.freeze([...options.codecs])
    const first = codecs[0]
    if (first === undefined) throw new SessionConfigError('codecs must not be empty')
    maxAge = options.maxAge ?? first.maxAge
    if (codecs.some((codec) => codec.maxAge !== maxAge)) {
      throw new SessionConfigError(
        'Every codec must have the store maxAge (one source of truth for cookie and codec age)',
      )
    }
  } else {
    maxAge = options.maxAge ?? 30 * DAY
    if (!Number.isSafeInteger(maxAge)) {
      throw new SessionConfigError('maxAge must be an integer number of seconds')
    }
    codecs = Object.freeze(
      codecsFromPairs(options.keyPairs ?? [], {
        maxAge,
        maxLength: options.maxLength ?? DEFAULT_SECURECOOKIE_MAX_LENGTH,
        serializer: options.serializer ?? gorillaSessionSerializer,
        ...(options.hash === undefined ? {} : { hash: options.hash }),
        ...(options.now === undefined ? {} : { now: options.now }),
        ...(options.crypto === undefined ? {} : { crypto: options.crypto }),
        ...(options.randomBytes === undefined ? {} : { randomBytes: options.randomBytes }),
      }),
    )
  }
  const renewAfter = options.renewAfter ?? Math.floor(Math.max(maxAge, 0) / 10)
  if (!Number.isSafeInteger(renewAfter) || renewAfter < 0) {
    throw new SessionConfigError('renewAfter must be a non-negative integer number of seconds')
  }
  const flashKeys = new Set(options.flashKeys ?? [DEFAULT_FLASH_KEY])
  for (const key of flashKeys) {
    if (typeof key !== 'string') throw new SessionConfigError('flashKeys must be strings')
  }
  const now = options.now ?? Date.now
  const kit = createStoreKit<Data, Flash, GorillaMeta, [goError: SecureCookieError]>({
    name: options.name,
    cookie: options.cookie,
    now,
    track: newMeta,
    init: (meta) => ({ copyValue: copierFor(meta) }),
    onInvalidCookie: options.onInvalidCookie,
  })
  const storeName = kit.cookieOptions.name

  function newMeta(present: boolean): GorillaMeta {
    return {
      ...clientCookie(present),
      order: [],
      goKeys: new Map(),
      hidden: new Map(),
      source: undefined,
    }
  }

  // A value is refused at set() when the next save could not write it; with gob, a key Go
  // wrote also keeps Go's type (see checkGoValue).
  function copierFor(meta: GorillaMeta): CopyValue {
    if (!isGob) return freezeJsonCopy
    return (key, value, role) => {
      const copy = freezeGoValue(key, value)
      checkGoValue(key, copy, role === 'value' ? heldTypeOf(meta, key) : undefined)
      return copy
    }
  }

  function load(name: string, values: unknown, timestamp: number, codecIndex: number) {
    const entries = goEntries(values)
    if (entries === undefined) return undefined
    const meta = newMeta(true)
    meta.issuedAt = timestamp * 1000
    meta.rotated = codecIndex > 0
    if (values instanceof Map) meta.source = values as Map<unknown, unknown>
    const stringKeys = new Set<string>()
    for (const [key] of entries) if (typeof key === 'string') stringKeys.add(key)
    const sessionValues: [string, unknown][] = []
    const flash: [string, unknown[]][] = []
    for (const [key, value] of entries) {
      meta.order.push(key)
      if (typeof key === 'string') {
        if (flashKeys.has(key) && Array.isArray(value)) flash.push([key, [...(value as unknown[])]])
        else sessionValues.push([key, value])
        continue
      }
      const text = intKeyText(key, meta.source && slotHint(meta.source, key)?.key)
      if (text === undefined || stringKeys.has(text) || meta.goKeys.has(text)) {
        meta.hidden.set(key, value)
      } else {
        meta.goKeys.set(text, key)
        sessionValues.push([text, value])
      }
    }
    const init = {
      name,
      copyValue: copierFor(meta),
      isNew: false,
      createdAt: now(),
      values: sessionValues,
      flash,
    }
    return kit.loaded(init, meta)
  }

  async function get(cookieHeader: CookieHeader): Promise<Session<Data, Flash>> {
    const name = storeName
    const request = kit.candidates(name, cookieHeader)
    if (request === undefined) return kit.fresh(name, false)
    // Several values of one name (other paths or domains, or planted): every one is tried and
    // the newest that decodes to a session wins (src/lib/candidates.ts has the whole policy).
    const failures: (SecureCookieError | undefined)[] = []
    const authentic: Authentic<DecodedMulti>[] = []
    for (const candidate of request.values) {
      try {
        const cookie = await decodeMultiDetailed(name, candidate, codecs)
        authentic.push({ index: failures.length, issuedAt: cookie.timestamp, token: cookie })
        failures.push(undefined)
      } catch (error) {
        if (!(error instanceof SecureCookieError)) throw error
        failures.push(error)
      }
    }
    return chooseNewest({
      found: request.found,
      failures,
      authentic,
      load: ({ token }) => {
        const session = load(name, token.value, token.timestamp, token.codecIndex)
        if (session !== undefined) return { session }
        const reason = 'securecookie: error - caused by: session values are not a map'
        return { reason: new SecureCookieError('decode', reason) }
      },
      reject: (failure, deletable) => {
        const goError = failure ?? new SecureCookieError('decode', GO_MESSAGES.macInvalid)
        return kit.reject(name, reasonOf(goError), deletable, goError)
      },
    })
  }

  function goValues(state: SessionSnapshot, meta: GorillaMeta): Map<unknown, unknown> {
    const out = new Map<unknown, unknown>()
    const source = meta.source
    const put = (key: unknown, value: unknown): void => {
      out.set(key, value)
      // The gob encoder uses a remembered type only while the value still fits it, so a
      // changed int64 stays int64 and a value of another kind gets the default mapping.
      if (source?.has(key)) {
        const hint = slotHint(source, key)
        if (hint !== undefined) setSlotHint(out, key, hint)
      }
    }
    const done = new Set<string>()
    // A string key: its value, its pending flashes, or both (Go's AddFlash appends to the
    // []interface{} already stored under the key).
    const emit = (key: string): void => {
      if (done.has(key)) return
      const list = state.flash.get(key)
      const flashes = list !== undefined && list.length > 0 ? list : undefined
      const hasValue = state.values.has(key)
      if (flashes === undefined && !hasValue) return
      done.add(key)
      const value = state.values.get(key)
      if (flashes === undefined) {
        put(meta.goKeys.get(key) ?? key, value)
        return
      }
      // Go's AddFlash appends to the []interface{} under the key. Elements keep their Go types:
      // the value's own, and those of the Go list that unread flashes were loaded from.
      const joined: unknown[] = []
      if (hasValue && Array.isArray(value)) appendWithHints(joined, value as unknown[], value)
      appendWithHints(
        joined,
        flashes,
        !hasValue && flashKeys.has(key) ? source?.get(key) : undefined,
      )
      put(key, joined)
    }
    for (const key of meta.order) {
      if (meta.hidden.has(key)) {
        put(key, meta.hidden.get(key))
      } else {
        emit(typeof key === 'string' ? key : String(key))
      }
    }
    for (const key of state.values.keys()) emit(key)
    for (const key of state.flash.keys()) emit(key)
    return out
  }

  function save(session: Session<Data, Flash>): Awaitable<string | undefined> {
    const state = sessionInternals(session)
    state.beginSave()
    const meta = kit.tracked(session)
    const cookieMaxAge = state.maxAge ?? maxAge
    if (state.isDestroyed || cookieMaxAge < 0) return kit.deleteCookie(state, meta)
    if (state.isEmpty && meta.hidden.size === 0) return kit.deleteCookie(state, meta)
    const current = now()
    if (!rewriteDue(state, meta, current, renewAfter)) return undefined
    const cookie = kit.cookieOptions.forSession(state)
    return then(encodeMulti(state.name, goValues(state.snapshot(), meta), codecs), (value) => {
      let lifetime: { maxAge: number; expires: Date } | undefined
      if (cookieMaxAge > 0) {
        // The cookie never outlives what the codecs accept.
        const seconds = maxAge > 0 ? Math.min(cookieMaxAge, maxAge) : cookieMaxAge
        lifetime = { maxAge: seconds, expires: new Date(current + seconds * 1000) }
      }
      const header = serializeSetCookie(state.name, value, { ...cookie, ...lifetime }, current)
      state.markSaved()
      // gorilla's timestamps are whole seconds.
      issued(meta, Math.floor(current / 1000) * 1000)
      return header
    })
  }

  return Object.freeze({
    name: storeName,
    maxAge,
    codecs,
    get,
    create: () => kit.fresh(storeName, false),
    save,
    destroy(session: Session<Data, Flash>) {
      session.destroy()
      return save(session)
    },
  })
}

// The Go type a key was decoded with (what a TypeScript value set there must fit).
function heldTypeOf(meta: GorillaMeta, key: string): TypeHint | undefined {
  const goKey = meta.goKeys.get(key) ?? key
  return meta.source?.has(goKey) === true ? slotHint(meta.source, goKey)?.value : undefined
}

// An int key (any Go int or uint kind, beyond 2^53 as a bigint) shows as its decimal text;
// other keys (a float, a bool, nil) have no session key.
function intKeyText(key: unknown, hint: TypeHint | undefined): string | undefined {
  const isInt = typeof key === 'bigint' || (typeof key === 'number' && Number.isSafeInteger(key))
  if (!isInt || (hint !== undefined && !isIntKind(hint.spec) && !isUintKind(hint.spec))) {
    return undefined
  }
  return String(key)
}

// The entries of a decoded gorilla Values map (gob: a Map; JSON: a plain object).
function goEntries(values: unknown): [unknown, unknown][] | undefined {
  if (values instanceof Map) return [...(values as Map<unknown, unknown>)]
  if (values === null) return []
  if (typeof values !== 'object' || Array.isArray(values)) return undefined
  const proto: unknown = Object.getPrototypeOf(values)
  if (proto !== Object.prototype && proto !== null) return undefined
  return Object.entries(values)
}

// gorilla gives every failure as an error; the reason tells what kind of failure it was.
// With several codecs, a codec that got past the MAC knows more than one that did not.
function reasonOf(error: SecureCookieError): InvalidCookieReason {
  const children = error instanceof SecureCookieMultiError ? error.errors : [error]
  const informative = children.find((child) => child.goMessage !== GO_MESSAGES.macInvalid)
  const message = (informative ?? children[0] ?? error).goMessage
  if (message.startsWith(GO_MESSAGES.tooLong)) return 'too-large'
  if (message === GO_MESSAGES.macInvalid) return 'tampered'
  if (message === GO_MESSAGES.timestampExpired) return 'expired'
  if (message === GO_MESSAGES.timestampTooNew) return 'not-yet-valid'
  return 'malformed'
}
