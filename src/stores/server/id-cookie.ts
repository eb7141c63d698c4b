// The id cookie: a signed token holding only the session id, bound to the cookie name, valid
// for the session's absolute lifetime. Verified before any driver call, so only ids this
// application issued reach the driver; written only when it must change.

import type { OpenResult } from '../../core/codec.ts'
import { serializeSetCookie } from '../../core/cookie.ts'
import type { SessionInternals } from '../../core/session.ts'
import type { InvalidCookieReason } from '../../errors.ts'
import { all } from '../../lib/awaitable.ts'
import { utf8Decode } from '../../lib/encoding.ts'
import { isValidSessionId } from '../../lib/session-id.ts'
import { issued, type Authentic } from '../kit.ts'
import type { ServerContext, Stored, Tracked } from './context.ts'

type OpenedToken = Extract<OpenResult, { ok: true }>

/** An authentic id, with its newest token (whose issue time and key the cookie logic needs). */
export type AuthenticId = Authentic<{ readonly id: string; readonly opened: OpenedToken }>

/** Opens every value: the reason of each that fails, and the distinct valid ids. */
export async function verifyAll(
  context: ServerContext,
  name: string,
  values: readonly string[],
): Promise<{ reasons: (InvalidCookieReason | undefined)[]; ids: AuthenticId[] }> {
  const results = await all(values.map((value) => context.codec.open(name, value)))
  const reasons = results.map((result) => (result.ok ? undefined : result.reason))
  const byId = new Map<string, AuthenticId>()
  results.forEach((result, index) => {
    if (!result.ok) return
    const id = utf8Decode(result.payload)
    if (!isValidSessionId(id)) reasons[index] = 'malformed'
    else if ((byId.get(id)?.issuedAt ?? -1) < result.issuedAt) {
      byId.set(id, { index, issuedAt: result.issuedAt, token: { id, opened: result } })
    }
  })
  return { reasons, ids: [...byId.values()] }
}

/** The Set-Cookie for the stored session's id, issued at `at`. */
export async function issueCookie(
  context: ServerContext,
  state: SessionInternals,
  entry: Tracked,
  at: number,
): Promise<string> {
  const stored = entry.stored
  if (stored === undefined) throw new Error('unreachable: no stored session')
  const absoluteEnd = stored.createdAt + context.absoluteTimeout * 1000
  const token = await context.codec.seal(state.name, stored.id, {
    expiresAt: absoluteEnd,
    issuedAt: at,
  })
  const maxAge = state.maxAge ?? context.defaultMaxAge
  let lifetime: { maxAge: number; expires: Date } | undefined
  if (maxAge > 0) {
    const secs = Math.max(1, Math.min(maxAge, Math.ceil((absoluteEnd - at) / 1000)))
    lifetime = { maxAge: secs, expires: new Date(at + secs * 1000) }
  }
  const header = serializeSetCookie(
    state.name,
    token,
    { ...context.cookies.cookieOptions.forSession(state), ...lifetime },
    at,
  )
  issued(entry, at)
  return header
}

/**
 * Whether a save of a stored session writes the cookie: only when it must change (a key
 * rotation, another persistence such as remember-me, explicit attributes for this response,
 * or a persistent cookie that would run out before the session does, once `renewed`).
 */
export function cookieDue(
  context: ServerContext,
  state: SessionInternals,
  entry: Tracked,
  stored: Stored,
  changes: { readonly persistence: boolean; readonly renewed: boolean },
): boolean {
  const maxAge = state.maxAge ?? context.defaultMaxAge
  const absoluteEnd = stored.createdAt + context.absoluteTimeout * 1000
  return (
    entry.rotated ||
    entry.issuedAt === undefined ||
    changes.persistence ||
    Object.keys(state.cookie).length > 0 ||
    (changes.renewed && maxAge > 0 && entry.issuedAt + maxAge * 1000 < absoluteEnd)
  )
}
