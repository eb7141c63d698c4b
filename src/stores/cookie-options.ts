// The cookie name and attributes of a store, shared by the stores. A store serves one name,
// given when it is created, so the prefix rules (`__Host-`, `__Secure-`) are checked then: a
// `__Host-` name with a Domain fails at startup, not on the first request.

import {
  resolveCookieOptions,
  type CookieOptions,
  type ResolvedCookieOptions,
} from '../core/cookie.ts'
import { SessionConfigError } from '../errors.ts'
import type { SessionInternals } from '../core/session.ts'

export interface CookieOptionsCache {
  /** The store's cookie name, checked. */
  readonly name: string
  /** The store's attributes, validated for its name. */
  readonly base: ResolvedCookieOptions
  /** The attributes for one response, with the session's own overrides applied. */
  forSession(session: Pick<SessionInternals, 'name' | 'cookie'>): ResolvedCookieOptions
}

/**
 * @throws {SessionConfigError} when `name` is missing.
 * @throws {CookieOptionError} for an invalid name or option, or a broken prefix rule.
 */
export function createCookieOptionsCache(
  name: unknown,
  options: CookieOptions | undefined,
): CookieOptionsCache {
  if (typeof name !== 'string') {
    throw new SessionConfigError('name is required: the cookie name of the sessions, say "sid"')
  }
  const base = resolveCookieOptions(name, options)
  return {
    name,
    base,
    forSession(session) {
      if (Object.keys(session.cookie).length === 0) return base
      return resolveCookieOptions(session.name, session.cookie, base)
    },
  }
}
