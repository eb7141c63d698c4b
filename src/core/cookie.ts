/**
 * Cookie header parsing and Set-Cookie serialization (RFC 6265, rfc6265bis, CHIPS).
 *
 * The parser is built for hostile input: it never throws on a header string, runs in one
 * linear pass, stops at a pair and length budget, never decodes or normalizes names or values,
 * and returns a null-prototype object so names such as `__proto__` stay plain data.
 *
 * The serializer is built for safe output: it refuses (with {@link CookieOptionError}) anything
 * that could inject an attribute or another header, enforces the cookie prefix rules the way
 * browsers do, and clamps lifetimes to the 400-day cap browsers apply anyway.
 *
 * Available from `'sessionkit/cookie'`. Uses web-standard APIs only.
 *
 * @module
 */

import { CookieOptionError } from '../errors.ts'
import {
  DEFAULT_MAX_HEADER_LENGTH,
  DEFAULT_MAX_PAIRS,
  cookieCandidates,
  defaultBudget,
  scanCookieHeader,
  type ScanBudget,
} from '../lib/cookie-scan.ts'

/** The `SameSite` attribute value. */
export type SameSite = 'Strict' | 'Lax' | 'None'

/** The (non-standard, Chromium) `Priority` attribute value. */
export type CookiePriority = 'Low' | 'Medium' | 'High'

/**
 * Options for one Set-Cookie. Only own properties are read, so a polluted `Object.prototype`
 * cannot change a cookie. A property set to `undefined` counts as absent; `domain` and `priority`
 * admit `undefined` in the type so a {@link ResolvedCookieOptions} can be passed back in.
 */
export interface CookieOptions {
  /** Starts with `/`; printable ASCII without `;`, `,` or space; at most 1024 bytes. Default `/`. */
  path?: string
  /** A host name (letters, digits, hyphens, dots); one leading `.` is dropped. Default: none. */
  domain?: string | undefined
  /** Lifetime in seconds: a safe integer >= 0, clamped to {@link MAX_COOKIE_AGE}. */
  maxAge?: number
  /** Absolute expiry: a valid date in or after 1601, clamped to now + 400 days. */
  expires?: Date
  /** Default `true`. */
  secure?: boolean
  /** Default `true`. */
  httpOnly?: boolean
  /** Default `'Lax'`; `false` omits the attribute. `'None'` requires `secure`. */
  sameSite?: SameSite | false
  /** CHIPS partitioned cookie. Implies `Secure`, which is added automatically. */
  partitioned?: boolean
  /** Chromium's `Priority` attribute. Default: omitted. */
  priority?: CookiePriority | undefined
}

/**
 * A store's cookie attributes: {@link CookieOptions}, where `secure` may also be `'auto'`:
 * Secure when the request came over HTTPS, as its adapter judged it (with its `trustProxy`
 * option behind a proxy that terminates TLS), and Secure when nothing says how it came.
 * Names and attributes that require Secure (`__Host-`, `__Secure-`, `SameSite=None`,
 * `partitioned`) refuse `'auto'`.
 */
export interface StoreCookieOptions extends Omit<CookieOptions, 'secure'> {
  /** `true`, `false` or `'auto'`. Default `true`. */
  secure?: boolean | 'auto'
}

/** Validated, complete cookie scope and flags (everything except the per-write lifetime). */
export interface ResolvedCookieOptions {
  readonly path: string
  readonly domain: string | undefined
  readonly secure: boolean
  readonly httpOnly: boolean
  readonly sameSite: SameSite | false
  readonly partitioned: boolean
  readonly priority: CookiePriority | undefined
}

/** 400 days in seconds: the longest lifetime rfc6265bis lets a browser keep. */
export const MAX_COOKIE_AGE = 34_560_000

/** Secure by default: `Path=/`, no Domain, `HttpOnly`, `Secure`, `SameSite=Lax`. */
export const DEFAULT_COOKIE_OPTIONS: ResolvedCookieOptions = Object.freeze({
  path: '/',
  domain: undefined,
  secure: true,
  httpOnly: true,
  sameSite: 'Lax',
  partitioned: false,
  priority: undefined,
})

/** Bounds for parsing an untrusted Cookie header. */
export interface CookieParseLimits {
  /** Stop after this many `name=value` pairs, over all header lines. Default 1000. */
  maxPairs?: number
  /** Consider only this many characters, over all header lines. Default 65536. */
  maxHeaderLength?: number
}

const MAX_PATH_LENGTH = 1024
const MAX_DOMAIN_LENGTH = 253
const EPOCH_EXPIRES = 'Thu, 01 Jan 1970 00:00:00 GMT'

// RFC 9110 §5.6.2 (was RFC 7230 §3.2.6): token = 1*tchar.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
// RFC 6265 §4.1.1: cookie-octet = %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E.
const COOKIE_OCTETS = /^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]*$/
// RFC 6265 §4.1.1: path-value = <any CHAR except CTLs or ";">. Space and comma are refused as
// well: they are legal there but only ever appear through injection or header folding.
const PATH_VALUE = /^\/[\x21-\x2B\x2D-\x3A\x3C-\x7E]*$/
// RFC 1034 §3.5 (with RFC 1123 §2.1 allowing a leading digit): letters, digits and inner hyphens.
const DOMAIN_LABEL = /^[A-Za-z0-9-]{1,63}$/

/**
 * Parses Cookie request header(s) into a null-prototype object; the first occurrence of a name
 * wins. Names and values are returned raw: no case folding, no percent-decoding, only OWS
 * trimmed and one pair of surrounding DQUOTEs removed. Pairs without `=` or without a name are
 * skipped. Only `;` separates pairs, as in browsers: a comma is part of a value, so one
 * cookie can never smuggle in a pair of another name. Never throws on a header string.
 *
 * @param header A Cookie header value, or several header lines in order (read as if joined
 *   with `; `, as node:http and HTTP/2 join them).
 * @throws {CookieOptionError} Only for invalid `limits`.
 */
export function parseCookieHeader(
  header: string | readonly string[] | null | undefined,
  limits?: CookieParseLimits,
): Record<string, string> {
  // A null prototype makes `__proto__`, `constructor` and friends ordinary keys.
  const cookies = Object.create(null) as Record<string, string>
  scanCookieHeader(header, readLimits(limits), (line, nameStart, nameEnd, start, end) => {
    const name = line.slice(nameStart, nameEnd)
    if (!Object.hasOwn(cookies, name)) cookies[name] = line.slice(start, end)
  })
  return cookies
}

/**
 * Every value sent for exactly `name`, in order of appearance, with the same rules and bounds
 * as {@link parseCookieHeader}. Browsers send duplicates when cookies with the same name exist
 * for several paths or domains, and rfc6265bis says not to rely on their order, so a caller
 * should try every candidate rather than trust the first.
 *
 * @throws {CookieOptionError} Only for invalid `limits`.
 */
export function getCookieValues(
  header: string | readonly string[] | null | undefined,
  name: string,
  limits?: CookieParseLimits,
): string[] {
  return cookieCandidates(header, name, readLimits(limits)).values
}

/** Whether `name` is a valid cookie name: a non-empty RFC 9110 (RFC 7230) token. */
export function isValidCookieName(name: string): boolean {
  return TOKEN.test(name)
}

/**
 * Throws unless `name` is a valid cookie name.
 *
 * @throws {CookieOptionError} With `option` `'name'`.
 */
export function assertCookieName(name: string): void {
  if (!isValidCookieName(name)) {
    throw new CookieOptionError(
      'name',
      `Invalid cookie name ${describe(name)}: it must be a non-empty token (letters, digits and !#$%&'*+-.^_\`|~)`,
    )
  }
}

/**
 * Validates and completes cookie options for `name`: starts from `base`, applies the own,
 * defined properties of `options`, forces `secure` for partitioned cookies, and checks the
 * path and domain grammar, `SameSite=None` and the `__Secure-`, `__Host-`, `__Http-` and
 * `__Host-Http-` prefix rules. `maxAge` and `expires` are ignored here (they are per write).
 *
 * @returns A frozen object.
 * @throws {CookieOptionError} For an invalid name or option, or a broken prefix rule.
 */
export function resolveCookieOptions(
  name: string,
  options?: CookieOptions,
  base: ResolvedCookieOptions = DEFAULT_COOKIE_OPTIONS,
): ResolvedCookieOptions {
  assertCookieName(name)
  const given: CookieOptions = options ?? {}

  const path = checkPath(pick(given, base, 'path'))
  const domain = checkDomain(pick(given, base, 'domain'))
  const httpOnly = checkBoolean('httpOnly', pick(given, base, 'httpOnly'))
  const partitioned = checkBoolean('partitioned', pick(given, base, 'partitioned'))
  const sameSite = checkSameSite(pick(given, base, 'sameSite'))
  const priority = checkPriority(pick(given, base, 'priority'))
  const ownSecure: unknown = own(given, 'secure')
  let secure = checkBoolean(
    'secure',
    ownSecure ?? own(base, 'secure') ?? DEFAULT_COOKIE_OPTIONS.secure,
  )

  if (partitioned && !secure) {
    // CHIPS: browsers drop a Partitioned cookie without Secure. Forcing it is harmless unless
    // the caller asked for an insecure cookie in the same breath, which is a contradiction.
    if (ownSecure === false) {
      throw new CookieOptionError(
        'partitioned',
        `Cookie ${describe(name)} is partitioned, which requires secure: true`,
      )
    }
    secure = true
  }

  // rfc6265bis, storage model: browsers ignore a `SameSite=None` cookie that lacks Secure.
  if (sameSite === 'None' && !secure) {
    throw new CookieOptionError(
      'sameSite',
      `Cookie ${describe(name)} with SameSite=None requires secure: true`,
    )
  }

  checkPrefix(name, path, domain, secure, httpOnly)

  return Object.freeze({ path, domain, secure, httpOnly, sameSite, partitioned, priority })
}

/**
 * Serializes one Set-Cookie header value in canonical attribute order:
 * `name=value; Path; Domain; Max-Age; Expires; HttpOnly; Secure; SameSite; Partitioned; Priority`.
 * Max-Age and Expires are written only when given (no Expires is derived from Max-Age), and
 * both are clamped to 400 days.
 *
 * @param value Cookie-octets only (RFC 6265 §4.1.1); encode arbitrary data first.
 * @param nowMs The clock used to clamp `expires`; defaults to `Date.now()`.
 * @throws {CookieOptionError} For an invalid name, value or option. The message never contains
 *   the value.
 */
export function serializeSetCookie(
  name: string,
  value: string,
  options?: CookieOptions & Partial<ResolvedCookieOptions>,
  nowMs: number = Date.now(),
): string {
  const resolved = resolveCookieOptions(name, options)
  if (!COOKIE_OCTETS.test(value)) {
    throw new CookieOptionError(
      'value',
      `Cookie ${describe(name)} has a value with characters outside RFC 6265 cookie-octets; encode it (for example base64url)`,
    )
  }
  const given: CookieOptions = options ?? {}
  const maxAge = checkMaxAge(own(given, 'maxAge'))
  const expires = checkExpires(own(given, 'expires'), nowMs)
  return formatSetCookie(name, value, resolved, maxAge, expires, resolved.priority)
}

/**
 * Serializes a Set-Cookie that deletes `name`: an empty value, `Max-Age=0` and the epoch as
 * Expires, with the same Path, Domain, flags and prefix checks as `options`. Any `maxAge` or
 * `expires` in `options` is ignored, so shared options can never keep a cookie alive.
 *
 * @throws {CookieOptionError} For an invalid name or option.
 */
export function serializeDeleteCookie(
  name: string,
  options?: CookieOptions & Partial<ResolvedCookieOptions>,
): string {
  const resolved = resolveCookieOptions(name, options)
  return formatSetCookie(name, '', resolved, 0, EPOCH_EXPIRES, undefined)
}

/**
 * The size in UTF-8 bytes of `name=value`, the quantity browsers cap at 4096 (rfc6265bis).
 * A lone surrogate counts as the 3 bytes of U+FFFD, as `TextEncoder` would write it.
 */
export function cookieByteLength(name: string, value: string): number {
  return utf8Length(name) + 1 + utf8Length(value)
}

/**
 * Serializes a Set-Cookie from options already checked by {@link resolveCookieOptions}, for
 * stores writing their own tokens on every response: the options are not validated again and
 * the value is trusted to be cookie-octets (base64url tokens are). Max-Age is clamped to 400
 * days; Expires is derived from it. Use {@link serializeSetCookie} for anything else.
 */
export function serializeResolvedSetCookie(
  name: string,
  value: string,
  resolved: ResolvedCookieOptions,
  maxAge: number | undefined,
  nowMs: number,
): string {
  let expires: string | undefined
  if (maxAge !== undefined) {
    maxAge = checkMaxAge(maxAge)
    expires = new Date(nowMs + (maxAge ?? 0) * 1000).toUTCString()
  }
  return formatSetCookie(name, value, resolved, maxAge, expires, resolved.priority)
}

function formatSetCookie(
  name: string,
  value: string,
  resolved: ResolvedCookieOptions,
  maxAge: number | undefined,
  expires: string | undefined,
  priority: CookiePriority | undefined,
): string {
  let out = `${name}=${value}; Path=${resolved.path}`
  if (resolved.domain !== undefined) out += `; Domain=${resolved.domain}`
  if (maxAge !== undefined) out += `; Max-Age=${maxAge}`
  if (expires !== undefined) out += `; Expires=${expires}`
  if (resolved.httpOnly) out += '; HttpOnly'
  if (resolved.secure) out += '; Secure'
  if (resolved.sameSite !== false) out += `; SameSite=${resolved.sameSite}`
  if (resolved.partitioned) out += '; Partitioned'
  if (priority !== undefined) out += `; Priority=${priority}`
  return out
}

function readLimits(limits: CookieParseLimits | undefined): ScanBudget {
  if (limits === undefined) return defaultBudget()
  return {
    pairs: checkLimit('maxPairs', own(limits, 'maxPairs'), DEFAULT_MAX_PAIRS),
    chars: checkLimit('maxHeaderLength', own(limits, 'maxHeaderLength'), DEFAULT_MAX_HEADER_LENGTH),
  }
}

function checkLimit(option: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback
  if (
    typeof value !== 'number' ||
    !(value >= 0) ||
    !(Number.isSafeInteger(value) || value === Number.POSITIVE_INFINITY)
  ) {
    throw new CookieOptionError(option, `${option} must be an integer >= 0 or Infinity`)
  }
  return value
}

/** Reads an own property only: inherited ones may come from a polluted prototype. */
function own<T extends object, K extends keyof T>(object: T, key: K): T[K] | undefined {
  return Object.hasOwn(object, key) ? object[key] : undefined
}

/** The own, defined option, else the base's own value, else the library default. */
function pick(
  options: CookieOptions,
  base: ResolvedCookieOptions,
  key: keyof ResolvedCookieOptions & keyof CookieOptions,
): unknown {
  return own(options, key) ?? own(base, key) ?? DEFAULT_COOKIE_OPTIONS[key]
}

function checkBoolean(option: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new CookieOptionError(option, `${option} must be a boolean`)
  return value
}

function checkPath(value: unknown): string {
  // RFC 6265 §5.2.4: a Path not starting with "/" is replaced by the default path, so refuse it
  // instead of letting the browser pick a scope we did not mean.
  if (typeof value !== 'string' || !PATH_VALUE.test(value)) {
    throw new CookieOptionError(
      'path',
      `Invalid cookie path ${describe(value)}: it must start with "/" and contain only printable ASCII without ";", "," or space`,
    )
  }
  // rfc6265bis, Set-Cookie parsing: browsers ignore attribute values longer than 1024 bytes.
  if (value.length > MAX_PATH_LENGTH) {
    throw new CookieOptionError('path', `Cookie path is longer than ${MAX_PATH_LENGTH} bytes`)
  }
  return value
}

function checkDomain(value: unknown): string | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string') throw new CookieOptionError('domain', 'domain must be a string')
  // RFC 6265 §5.2.3: a leading "." is ignored by browsers; emit the canonical form.
  const domain = value.startsWith('.') ? value.slice(1) : value
  const invalid = (): CookieOptionError =>
    new CookieOptionError(
      'domain',
      `Invalid cookie domain ${describe(value)}: it must be a host name of letters, digits, hyphens and dots, at most ${MAX_DOMAIN_LENGTH} characters`,
    )
  // RFC 1034 §3.1: at most 255 octets on the wire, which is 253 characters as text.
  if (domain === '' || domain.length > MAX_DOMAIN_LENGTH) throw invalid()
  for (const label of domain.split('.')) {
    // RFC 1034 §3.5: labels do not start or end with a hyphen.
    if (!DOMAIN_LABEL.test(label) || label.startsWith('-') || label.endsWith('-')) throw invalid()
  }
  return domain
}

function checkSameSite(value: unknown): SameSite | false {
  if (value === 'Strict' || value === 'Lax' || value === 'None' || value === false) return value
  throw new CookieOptionError(
    'sameSite',
    `Invalid sameSite ${describe(value)}: use 'Strict', 'Lax', 'None' or false`,
  )
}

function checkPriority(value: unknown): CookiePriority | undefined {
  if (value === undefined || value === 'Low' || value === 'Medium' || value === 'High') return value
  throw new CookieOptionError(
    'priority',
    `Invalid priority ${describe(value)}: use 'Low', 'Medium' or 'High'`,
  )
}

/**
 * rfc6265bis §4.1.3: the `__Secure-` and `__Host-` prefixes (and the later `__Http-` and
 * `__Host-Http-`) constrain the attributes. Browsers match them case-insensitively, so a
 * `__SECURE-` name must obey the same rules or it would be dropped.
 */
function checkPrefix(
  name: string,
  path: string,
  domain: string | undefined,
  secure: boolean,
  httpOnly: boolean,
): void {
  const lower = name.toLowerCase()
  let prefix: string
  let needsHttpOnly = false
  let hostOnly = false
  if (lower.startsWith('__host-http-')) {
    prefix = '__Host-Http-'
    needsHttpOnly = true
    hostOnly = true
  } else if (lower.startsWith('__host-')) {
    prefix = '__Host-'
    hostOnly = true
  } else if (lower.startsWith('__http-')) {
    prefix = '__Http-'
    needsHttpOnly = true
  } else if (lower.startsWith('__secure-')) {
    prefix = '__Secure-'
  } else {
    return
  }
  const rule = `Cookie ${describe(name)} uses the ${prefix} prefix (matched case-insensitively), which requires`
  if (!secure) throw new CookieOptionError('secure', `${rule} secure: true`)
  if (needsHttpOnly && !httpOnly) throw new CookieOptionError('httpOnly', `${rule} httpOnly: true`)
  if (hostOnly && domain !== undefined) throw new CookieOptionError('domain', `${rule} no domain`)
  if (hostOnly && path !== '/') throw new CookieOptionError('path', `${rule} path "/"`)
}

function checkMaxAge(value: unknown): number | undefined {
  if (value === undefined) return undefined
  // RFC 6265 §4.1.1 / §5.2.2: Max-Age is a run of digits; a fraction, sign or exponent would be
  // read differently by different browsers.
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new CookieOptionError('maxAge', 'maxAge must be a safe integer >= 0 (seconds)')
  }
  // rfc6265bis, the Max-Age attribute: browsers cap it at 400 days.
  return Math.min(value, MAX_COOKIE_AGE)
}

function checkExpires(value: unknown, nowMs: number): string | undefined {
  if (value === undefined) return undefined
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw new CookieOptionError('expires', 'expires must be a valid Date')
  }
  // RFC 6265 §5.1.1: the cookie-date algorithm fails for years before 1601.
  if (value.getUTCFullYear() < 1601) {
    throw new CookieOptionError('expires', 'expires must not be before the year 1601')
  }
  if (!Number.isFinite(nowMs)) {
    throw new CookieOptionError('nowMs', 'nowMs must be a finite number of milliseconds')
  }
  // rfc6265bis, the Expires attribute: browsers cap it at 400 days from now.
  const latest = nowMs + MAX_COOKIE_AGE * 1000
  return value.getTime() > latest ? new Date(latest).toUTCString() : value.toUTCString()
}

function utf8Length(text: string): number {
  let bytes = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c < 0x80) bytes += 1
    else if (c < 0x800) bytes += 2
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1)
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4
        i++
      } else {
        bytes += 3
      }
    } else bytes += 3
  }
  return bytes
}

/** Quotes untrusted option text for a message: escaped (no raw CR/LF in logs) and short. */
function describe(value: unknown): string {
  if (typeof value !== 'string') return typeof value
  return JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}…` : value)
}
