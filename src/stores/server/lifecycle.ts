// Expiry: idle and absolute timeouts checked by the store itself (a driver's clock or rounding
// never extends a session), sliding renewal at most once per `renewAfter`, and what a request
// does when its session ended elsewhere while it ran.

import type { SessionRecord } from '../../core/driver.ts'
import type { SessionInternals } from '../../core/session.ts'
import { SessionStoreError } from '../../errors.ts'
import { cleared } from '../kit.ts'
import type { ServerContext, Stored, Tracked } from './context.ts'
import { storageKey } from './storage-key.ts'

/**
 * The live record of the session id `id` (stored under its key, so `record.id` is the key), or
 * `undefined` when it is unknown, expired or past its lifetime.
 */
export async function lookUp(
  context: ServerContext,
  id: string,
): Promise<SessionRecord | undefined> {
  const { driver, now, absoluteTimeout } = context
  const key = await storageKey(id)
  const at = now()
  const record = await context.call('get', () => driver.get(key, at))
  if (record !== undefined && record.id !== key) {
    throw new SessionStoreError('get', false, {
      cause: new Error(`The ${driver.name} driver returned another session than asked for`),
    })
  }
  // The server store checks expiry itself too: a driver's clock or rounding never extends it.
  if (
    record === undefined ||
    record.expiresAt <= at ||
    record.createdAt + absoluteTimeout * 1000 <= at
  ) {
    return undefined
  }
  return record
}

/** The expiry a save at `at` gives a stored session; a retired record's never moves later. */
export function expiryAt(
  context: ServerContext,
  state: SessionInternals,
  stored: Stored,
  at: number,
): number {
  const computed = context.expiry(stored.createdAt, at, state.idleTimeout)
  return stored.retired ? Math.min(computed, stored.expiresAt) : computed
}

/**
 * Whether an unchanged session is touched (its idle window moved): an expiry shift was asked
 * for, or `renewAfter` has passed since it was last seen and the expiry would move.
 */
export function renewalDue(
  context: ServerContext,
  state: SessionInternals,
  stored: Stored,
  at: number,
  expiresAt: number,
): boolean {
  return (
    state.touched ||
    (at - stored.lastSeenAt >= context.renewAfter * 1000 && expiresAt > stored.expiresAt)
  )
}

// The stored session ended (expired, or destroyed elsewhere): this request goes on with a
// fresh, empty session, so a second save (an explicit one, then the adapter's) cannot
// store the ended session's data again under a new id.
export function forget(context: ServerContext, state: SessionInternals): void {
  state.reset(context.now())
  if (context.eager) state.assignId(context.nextId())
}

/** Destroyed or expired by someone else while this request ran: it stays gone. */
export function gone(
  context: ServerContext,
  state: SessionInternals,
  entry: Tracked,
): string | undefined {
  const header = context.cookies.deletionHeader(state, entry)
  entry.stored = undefined
  cleared(entry)
  entry.ended = true
  forget(context, state)
  return header
}
