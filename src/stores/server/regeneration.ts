// Regeneration: a new id for a session, atomic with respect to destroy. The new record is
// created first (with the user, so a log-out-everywhere meanwhile removes it too), then the
// old one is claimed (retired, pointing to the new id) and, without grace, deleted. If the old
// record is gone at either step, destroyed or expired while this request ran, the new one is
// removed again and this request ends up with no session: a regeneration can never bring back
// a logged-out session. Of two regenerations at once, one claims the record and the other
// joins its successor.

import type { SessionPatch, SessionRecord } from '../../core/driver.ts'
import type { RegenerateRequest, SessionInternals } from '../../core/session.ts'
import { SessionConflictError } from '../../errors.ts'
import { patchRecord } from '../../lib/patch.ts'
import {
  MAX_CHAIN,
  MAX_EMULATED_ROUNDS,
  pause,
  storedOf,
  type ServerContext,
  type Stored,
  type Tracked,
} from './context.ts'
import { remove } from './destruction.ts'
import { gone } from './lifecycle.ts'
import { checkSize, collectChanges, hasDataChanges, wholeRecord } from './patching.ts'
import { isDestroyed, linkPrevious, retiredMark, successorOf } from './reserved.ts'
import { committed, insert, update } from './saving.ts'
import { handleOf, openLink, sealLink, storageKey } from './storage-key.ts'

type Claim =
  | { readonly kind: 'claimed' }
  | { readonly kind: 'gone' }
  /** `successor` is the link to the session that replaced it (see `sealLink`). */
  | { readonly kind: 'adopt'; readonly successor: string }

const CLAIMED: Claim = { kind: 'claimed' }
const GONE: Claim = { kind: 'gone' }

/** Saves the session under a new id, retiring `old` (now, or after the grace window). */
export async function regenerate(
  context: ServerContext,
  state: SessionInternals,
  entry: Tracked,
  old: Stored,
  request: RegenerateRequest,
): Promise<string | undefined> {
  const { driver, call } = context
  const at = context.now()
  // Periodic rotation must never extend a session: the absolute deadline carries over,
  // unless this is a login that asked for a new lifetime.
  const createdAt = request.newLifetime ? at : old.createdAt
  const expiresAt = context.expiry(createdAt, at, state.idleTimeout)
  if (expiresAt <= at) return remove(context, state, entry, 'expired')
  const { values, flash } = wholeRecord(state)
  if (request.grace > 0) linkPrevious(values, old.key)
  const bytes = checkSize(context, state, entry, values, flash)
  const record = { createdAt, at, expiresAt, values, flash, bytes }
  const next = await insert(context, state, record, undefined)
  let outcome: Claim
  try {
    const until = request.grace > 0 ? at + request.grace * 1000 : Number.POSITIVE_INFINITY
    const link = await sealLink(old.id, next.id, next.key)
    outcome = await claim(context, state.name, old, link, { until, at })
    if (outcome.kind === 'claimed' && request.grace === 0) {
      // Claimed but destroyed before this delete: the claim must not outlive the record.
      if (!(await call('delete', () => driver.delete(old.key)))) outcome = GONE
    }
  } catch (error) {
    // The failure is what the request reports; the unused record is only tidied up.
    await call('delete', () => driver.delete(next.key)).catch(() => undefined)
    throw error
  }
  if (outcome.kind !== 'claimed') {
    await call('delete', () => driver.delete(next.key))
    if (outcome.kind === 'gone') return gone(context, state, entry)
    return adopt(context, state, entry, { link: outcome.successor, from: old.id }, at)
  }
  context.emit(handleOf(old.key), 'regenerate')
  state.setCreatedAt(createdAt)
  entry.stored = next
  state.assignId(next.id)
  return committed(context, state, entry, at)
}

// Retires the old record in favour of the successor `link` names, unless it was destroyed or retired by
// another request meanwhile. With versions this is a compare-and-set, so of two
// regenerations of one session exactly one claims it and the other joins its successor.
async function claim(
  context: ServerContext,
  name: string,
  old: Stored,
  link: string,
  times: { readonly until: number; readonly at: number },
): Promise<Claim> {
  const { driver, call, caps, conflicts } = context
  const { until, at } = times
  // Loaded after another regeneration retired it (an old cookie within the grace window).
  if (old.successor !== undefined) return { kind: 'adopt', successor: old.successor }
  let current: SessionRecord | undefined
  let expect = caps.versions ? old.version : undefined
  for (let round = 0; round < MAX_EMULATED_ROUNDS; round++) {
    // Per-key patches can try the version loaded first; otherwise read what is stored.
    if (round > 0 || !caps.patches) {
      current = await call('get', () => driver.get(old.key, at))
      const seen = inspect(current)
      if (seen !== undefined) return seen
      if (conflicts === 'error' && current?.version !== old.version) {
        throw new SessionConflictError(name)
      }
      expect = caps.versions ? current?.version : undefined
    }
    const retire = retiredMark(link)
    const patch: SessionPatch = {
      set: current === undefined || caps.patches ? retire : patchRecord(current.values, retire, []),
      unset: [],
      flashSet: current === undefined || caps.patches ? {} : current.flash,
      flashUnset: [],
      lastSeenAt: current?.lastSeenAt ?? old.lastSeenAt,
      expiresAt: Math.min(current?.expiresAt ?? old.expiresAt, until),
      ...(expect === undefined ? {} : { expectVersion: expect }),
    }
    const result = await call('update', () => driver.update(old.key, patch, at))
    if (result.status === 'missing') return GONE
    if (result.status === 'updated') {
      if (caps.versions) return CLAIMED
      // Without compare-and-set, read back: a destroy or another claim may have come first.
      const after = await call('get', () => driver.get(old.key, at))
      const successor = after === undefined || isDestroyed(after) ? undefined : successorOf(after)
      if (successor === undefined) return GONE
      return successor === link ? CLAIMED : { kind: 'adopt', successor }
    }
    await pause(round)
  }
  throw new SessionConflictError(name)
}

// What a fresh read of the old record says about claiming it: `undefined` = go ahead.
function inspect(current: SessionRecord | undefined): Claim | undefined {
  if (current === undefined || isDestroyed(current)) return GONE
  const successor = successorOf(current)
  return successor === undefined ? undefined : { kind: 'adopt', successor }
}

// Another request regenerated this session first: this one joins its successor (its
// changes are written there and it answers with the successor's cookie) rather than making
// a second new id, or logging the user out. The link gives the successor's storage key and,
// unmasked with the id this request holds (`from`), the successor's id for the cookie.
async function adopt(
  context: ServerContext,
  state: SessionInternals,
  entry: Tracked,
  start: { readonly link: string; readonly from: string },
  at: number,
): Promise<string | undefined> {
  const { driver, call } = context
  let link = start.link
  let from = start.from
  for (let hop = 0; hop < MAX_CHAIN; hop++) {
    const id = await openLink(link, from)
    if (id === undefined) return gone(context, state, entry)
    const key = await storageKey(id)
    const record = await call('get', () => driver.get(key, at))
    if (
      record === undefined ||
      isDestroyed(record) ||
      record.createdAt + context.absoluteTimeout * 1000 <= at
    ) {
      return gone(context, state, entry)
    }
    const further = successorOf(record)
    if (further === undefined) {
      const changes = collectChanges(state, entry)
      if (context.conflicts !== 'merge' && hasDataChanges(changes)) {
        throw new SessionConflictError(state.name)
      }
      const stored = storedOf(record, id)
      entry.stored = stored
      entry.rotated = true // the client needs the successor's cookie
      state.assignId(id)
      state.setCreatedAt(record.createdAt)
      return update(context, state, entry, stored)
    }
    link = further
    from = id
  }
  return gone(context, state, entry)
}
