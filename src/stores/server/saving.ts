// Saving a session that lives on: storing a new one (lazily, once it holds data) and updating
// a stored one (its changes, or a touch that slides its idle window, and its cookie when that
// must change).

import type { SessionInternals } from '../../core/session.ts'
import { SessionStoreError } from '../../errors.ts'
import type { ServerContext, Stored, Tracked } from './context.ts'
import { remove } from './destruction.ts'
import { cookieDue, issueCookie } from './id-cookie.ts'
import { expiryAt, gone, renewalDue } from './lifecycle.ts'
import {
  checkSize,
  collectChanges,
  hasDataChanges,
  userOf,
  wholeRecord,
  write,
} from './patching.ts'
import { previousOf } from './reserved.ts'
import { storageKey } from './storage-key.ts'

const MAX_CREATE_ATTEMPTS = 4

/** A record to insert: the session's values (with settings), flash and times. */
export interface NewRecord {
  readonly createdAt: number
  readonly at: number
  readonly expiresAt: number
  readonly values: Record<string, unknown>
  readonly flash: Record<string, readonly unknown[]>
  readonly bytes: number
}

/**
 * A create that timed out may still land later (a stalled server answers, a client replays its
 * offline queue): a record nobody holds a cookie for, listed among the user's sessions until
 * it expires. Once the driver's own call says it did land, its (freshly generated) id is
 * deleted: not before, as on a pool of connections a delete sent at once can overtake the
 * stalled insert. The request's failure is reported without waiting for any of it. A create
 * the driver rejected is not followed: nothing is left to land.
 */
function deleteOnceLanded(context: ServerContext, key: string, create: Promise<boolean>): void {
  create
    .then((landed) =>
      landed ? context.call('delete', () => context.driver.delete(key)) : undefined,
    )
    .catch(() => undefined)
}

/** Inserts a new record, retrying with a fresh id on the (astronomically rare) collision. */
export async function insert(
  context: ServerContext,
  state: SessionInternals,
  record: NewRecord,
  firstId: string | undefined,
): Promise<Stored> {
  const { driver, call, nextId } = context
  const { createdAt, at, expiresAt, values, flash, bytes } = record
  const user = userOf(state)
  let id = firstId ?? nextId()
  for (let attempt = 1; ; attempt++) {
    const key = await storageKey(id)
    let creating: Promise<boolean> | undefined
    const created = await call(
      'create',
      () =>
        (creating = driver.create(
          {
            id: key,
            values,
            flash,
            version: 1,
            createdAt,
            lastSeenAt: at,
            expiresAt,
            userKey: user.userKey ?? undefined,
            meta: user.meta ?? undefined,
          },
          at,
        )),
    ).catch((error: unknown) => {
      if (error instanceof SessionStoreError && error.timedOut && creating !== undefined) {
        deleteOnceLanded(context, key, creating)
      }
      throw error
    })
    if (created) {
      return {
        id,
        key,
        version: 1,
        createdAt,
        lastSeenAt: at,
        expiresAt,
        base: values,
        bytes,
        loaded: undefined,
        retired: false,
        successor: undefined,
        previous: previousOf(values),
      }
    }
    if (attempt >= MAX_CREATE_ATTEMPTS) {
      throw new SessionStoreError('create', false, {
        cause: new Error('Every generated session id was already taken'),
      })
    }
    id = nextId()
  }
}

/**
 * The save succeeded under the stored record `entry.stored`: the settings it wrote are now
 * stored (one changed while it ran is still to be written), and the cookie goes out.
 */
export async function committed(
  context: ServerContext,
  state: SessionInternals,
  entry: Tracked,
  at: number,
): Promise<string> {
  entry.idle = state.savingMark().idleTimeout
  entry.maxAge = state.savingMark().maxAge
  const header = await issueCookie(context, state, entry, at)
  state.markSaved()
  return header
}

/** Stores a session for the first time. */
export async function createNew(
  context: ServerContext,
  state: SessionInternals,
  entry: Tracked,
): Promise<string | undefined> {
  const at = context.now()
  const expiresAt = context.expiry(state.createdAt, at, state.idleTimeout)
  if (expiresAt <= at) return gone(context, state, entry)
  const { values, flash } = wholeRecord(state)
  const bytes = checkSize(context, state, entry, values, flash)
  const record = { createdAt: state.createdAt, at, expiresAt, values, flash, bytes }
  entry.stored = await insert(context, state, record, state.id)
  state.assignId(entry.stored.id)
  return committed(context, state, entry, at)
}

/** Saves a stored session: its changes, or a touch when renewal is due; then its cookie. */
export async function update(
  context: ServerContext,
  state: SessionInternals,
  entry: Tracked,
  stored: Stored,
): Promise<string | undefined> {
  const { driver, call } = context
  const at = context.now()
  const expiresAt = expiryAt(context, state, stored, at)
  if (expiresAt <= at) return remove(context, state, entry, 'expired')
  const persistence = state.maxAge !== entry.maxAge
  const changes = collectChanges(state, entry)
  let renewed = false
  if (hasDataChanges(changes)) {
    const { values, flash } = wholeRecord(state)
    const bytes = checkSize(context, state, entry, values, flash)
    const result = await write(context, state.name, stored, changes, { at, expiresAt })
    if (result.status !== 'updated') return gone(context, state, entry)
    stored.version = result.version
    stored.lastSeenAt = at
    stored.expiresAt = expiresAt
    stored.base = values
    stored.bytes = bytes
    // The settings this save wrote: one changed while it ran is still to be written.
    entry.idle = state.savingMark().idleTimeout
    entry.maxAge = state.savingMark().maxAge
    renewed = true
  } else if (renewalDue(context, state, stored, at, expiresAt)) {
    // Touch never rewrites data, so it cannot undo a concurrent write.
    const touched = await call('touch', () => driver.touch(stored.key, at, expiresAt, at))
    if (!touched) return gone(context, state, entry)
    stored.lastSeenAt = at
    stored.expiresAt = expiresAt
    renewed = true
  }
  const due = cookieDue(context, state, entry, stored, { persistence, renewed })
  const header = due ? await issueCookie(context, state, entry, at) : undefined
  state.markSaved()
  return header
}
