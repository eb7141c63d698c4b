// The cookie name and attributes of a store, shared by the stores. A store serves one name,
// given when it is created, so the prefix rules (`__Host-`, `__Secure-`) are checked then: a
// `__Host-` name with a Domain fails at startup, not on the first request. With
// `secure: 'auto'` the attributes depend on the request: both variants are resolved up front,
// and each response picks one from its session's transport.

import {
  resolveCookieOptions,
  type CookieOptions,
  type ResolvedCookieOptions,
  type StoreCookieOptions,
} from '../core/cookie.ts'
import { CookieOptionError, SessionConfigError } from '../errors.ts'
import type { SessionInternals } from '../core/session.ts'

export interface CookieOptionsCache {
  /** The store's cookie name, checked. */
  readonly name: string
  /** The store's attributes, validated for its name (Secure, for `secure: 'auto'`). */
  readonly base: ResolvedCookieOptions
  /** The attributes for one response, with the session's own overrides applied. */
  forSession(
    session: Pick<SessionInternals, 'name' | 'cookie' | 'transport'>,
  ): ResolvedCookieOptions
}

// What makes a browser refuse a cookie without Secure: 'auto' would break it over HTTP.
function requiresSecure(name: string, options: StoreCookieOptions): string | undefined {
  const lower = name.toLowerCase()
  if (lower.startsWith('__host-') || lower.startsWith('__secure-')) return `the ${name} prefix`
  if (options.sameSite === 'None') return 'SameSite=None'
  if (options.partitioned === true) return 'partitioned'
  return undefined
}

/**
 * @throws {SessionConfigError} when `name` is missing.
 * @throws {CookieOptionError} for an invalid name or option, or a broken prefix rule.
 */
export function createCookieOptionsCache(
  name: unknown,
  options: StoreCookieOptions | undefined,
): CookieOptionsCache {
  if (typeof name !== 'string') {
    throw new SessionConfigError('name is required: the cookie name of the sessions, say "sid"')
  }
  const given = options ?? {}
  const auto = Object.hasOwn(given, 'secure') && given.secure === 'auto'
  if (auto) {
    const reason = requiresSecure(name, given)
    if (reason !== undefined) {
      throw new CookieOptionError(
        'secure',
        `Cookie "${name}" cannot use secure: 'auto': ${reason} requires Secure on every response (browsers keep Secure cookies on http://localhost)`,
      )
    }
  }
  // Not 'auto': `secure` is a boolean or absent (anything else is refused as before).
  const base = resolveCookieOptions(
    name,
    auto ? { ...given, secure: true } : (given as CookieOptions),
  )
  const insecure = auto ? resolveCookieOptions(name, { ...given, secure: false }) : base
  return {
    name,
    base,
    forSession(session) {
      const start = auto && session.transport?.secure === false ? insecure : base
      if (!hasOwnKeys(session.cookie)) return start
      return resolveCookieOptions(session.name, session.cookie, start)
    },
  }
}

// Object.keys(...).length without the array: asked on every save, almost always of `{}`.
function hasOwnKeys(object: object): boolean {
  for (const key in object) if (Object.hasOwn(object, key)) return true
  return false
}
