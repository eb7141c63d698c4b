/**
 * Cookie header parsing and Set-Cookie serialization (RFC 6265, rfc6265bis, CHIPS).
 *
 * Available from `'sessionkit/cookie'`. Uses web-standard APIs only.
 *
 * @module
 */
export {
  assertCookieName,
  cookieByteLength,
  DEFAULT_COOKIE_OPTIONS,
  getCookieValues,
  isValidCookieName,
  MAX_COOKIE_AGE,
  parseCookieHeader,
  resolveCookieOptions,
  serializeDeleteCookie,
  serializeSetCookie,
  type CookieOptions,
  type CookieParseLimits,
  type CookiePriority,
  type ResolvedCookieOptions,
  type SameSite,
  type StoreCookieOptions,
} from './core/cookie.ts'
