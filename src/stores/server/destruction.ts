// Ending sessions: a save that removes its record (destroyed, emptied, expired, or a
// negative Max-Age), and the destroy protocol that also ends the ids a regeneration linked
// to a session, safe against a regeneration running at the same time.

import type { SessionInternals } from '../../core/session.ts'
import { cleared } from '../kit.ts'
import { MAX_CHAIN, type ServerContext, type Stored, type Tracked } from './context.ts'
import { forget } from './lifecycle.ts'
import { writeBookkeeping } from './patching.ts'
import { destroyedMark, previousOf, successorOf } from './reserved.ts'
import { handleOf, linkKey } from './storage-key.ts'

/** How long a destroyed mark keeps a record whose delete did not happen (a failed logout). */
const MARK_TTL_MS = 60_000

/**
 * The session ends: delete its record (if stored) and clear the cookie (if the client has
 * one). A failed delete still owes the deletion cookie (`entry.owed`, see
 * `ServerStore.deletionCookie`). `final` (a destroy, not an emptied or expired session) also
 * ends the ids a regeneration linked to it.
 */
export async function remove(
  context: ServerContext,
  state: SessionInternals,
  entry: Tracked,
  reason: 'destroy' | 'expired',
  final = false,
): Promise<string | undefined> {
  const { driver, call, now } = context
  const header = context.cookies.deletionHeader(state, entry)
  const stored = entry.stored
  if (stored !== undefined) {
    let removed: readonly string[]
    try {
      if (final) removed = await destroyRecord(context, stored.key, now(), stored)
      else removed = (await call('delete', () => driver.delete(stored.key))) ? [stored.key] : []
    } catch (error) {
      entry.owed = header
      throw error
    }
    entry.stored = undefined
    for (const key of removed) context.emit(handleOf(key), reason)
  }
  if (reason === 'expired') forget(context, state)
  state.markSaved()
  cleared(entry)
  return header
}

/**
 * Ends a session for good (by storage key), with the sessions a regeneration linked to it;
 * returns the storage keys removed. Links carry storage keys, so no id is needed.
 * The mark comes first: a regeneration running at the same time then either fails to claim
 * the record, or had claimed it already and left its successor's id in it, which the read
 * after the mark finds. A marked record loads as no session, so even a delete that fails logs
 * out; the mark keeps it for a minute, long enough to be read back, then it expires.
 */
export async function destroyRecord(
  context: ServerContext,
  key: string,
  at: number,
  known?: Stored,
): Promise<string[]> {
  const { driver, call } = context
  const removed: string[] = []
  let previous: string | undefined
  let next: string | undefined = key
  for (let hop = 0; next !== undefined && hop <= MAX_CHAIN; hop++) {
    const current: string = next
    next = undefined
    if (!(await mark(context, current, at))) break
    const record = await call('get', () => driver.get(current, at))
    if (await call('delete', () => driver.delete(current))) removed.push(current)
    if (record !== undefined) next = linkKey(successorOf(record))
    else if (hop === 0) next = linkKey(known?.successor)
    if (hop === 0) previous = record === undefined ? known?.previous : previousOf(record.values)
  }
  // The record this session replaced within a grace window: retired, so it can only point here.
  const before = previous
  if (before !== undefined && (await call('delete', () => driver.delete(before)))) {
    removed.push(before)
  }
  return removed
}

// Sets the destroyed mark; false when the record was already gone.
async function mark(context: ServerContext, key: string, at: number): Promise<boolean> {
  const until = at + MARK_TTL_MS
  const times = { lastSeenAt: at, expiresAt: until, at }
  const result = await writeBookkeeping(context, key, destroyedMark(), times)
  return result.status === 'updated'
}
