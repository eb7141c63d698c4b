// Cookie attributes per session name, shared by the stores. Prefix rules depend on the name,
// so they are checked (once) when a name is first used: a `__Host-` name with a Domain fails
// its first load, not its first save.

import {
  resolveCookieOptions,
  type CookieOptions,
  type ResolvedCookieOptions,
} from '../core/cookie.ts'
import type { SessionInternals } from '../core/session.ts'

export interface CookieOptionsCache {
  /** The store's attributes for this name, validated for it. */
  forName(name: string): ResolvedCookieOptions
  /** The attributes for one response, with the session's own overrides applied. */
  forSession(session: Pick<SessionInternals, 'name' | 'cookie'>): ResolvedCookieOptions
}

export function createCookieOptionsCache(options: CookieOptions | undefined): CookieOptionsCache {
  // Checked now so a bad option fails at startup, not on the first request.
  resolveCookieOptions('session', options)
  const byName = new Map<string, ResolvedCookieOptions>()

  function forName(name: string): ResolvedCookieOptions {
    let base = byName.get(name)
    if (base === undefined) {
      base = resolveCookieOptions(name, options)
      byName.set(name, base)
    }
    return base
  }

  return {
    forName,
    forSession(session) {
      const base = forName(session.name)
      if (Object.keys(session.cookie).length === 0) return base
      return resolveCookieOptions(session.name, session.cookie, base)
    },
  }
}
