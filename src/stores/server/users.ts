// The user index: sessions tied to a user (`session.setUser`) can be listed and logged out
// everywhere. Needs a driver with `userIndex`.

import type { SessionInternals } from '../../core/session.ts'
import { SessionArgumentError } from '../../errors.ts'
import { isValidSessionId } from '../../lib/session-id.ts'
import { optional } from './capabilities.ts'
import type { ServerContext } from './context.ts'
import type { SessionListing } from './options.ts'
import { handleOf, keyOfHandle, storageKey, type SessionHandle } from './storage-key.ts'

const MAX_USER_KEY_LENGTH = 512

function checkUserKey(userKey: unknown): string {
  if (typeof userKey !== 'string' || userKey.length === 0 || userKey.length > MAX_USER_KEY_LENGTH) {
    throw new SessionArgumentError('userKey', `a string of 1-${MAX_USER_KEY_LENGTH} characters`)
  }
  return userKey
}

/** Refuses a save that would tie the session to an invalid user key or labels. */
export function checkUser(state: SessionInternals): void {
  if (state.changes().user === undefined || state.userKey === undefined) return
  checkUserKey(state.userKey)
  for (const value of Object.values(state.meta ?? {})) {
    if (typeof value !== 'string') {
      throw new SessionArgumentError('meta', 'string labels')
    }
  }
}

/** The storage key `except` names: a session (whose key `storedKeyOf` gives), an id or a handle. */
async function exceptKey<S>(
  except: S | string | undefined,
  storedKeyOf: (session: S) => string | undefined,
): Promise<string | undefined> {
  if (except === undefined) return undefined
  if (typeof except !== 'string') return storedKeyOf(except)
  if (isValidSessionId(except)) return storageKey(except)
  return keyOfHandle(except)
}

/**
 * Removes every session of `userKey` except `except` (a session, an id or a handle); returns
 * the handles of the removed sessions.
 */
export async function destroyByUser<S>(
  context: ServerContext,
  userKey: string,
  except: S | string | undefined,
  storedKeyOf: (session: S) => string | undefined,
): Promise<SessionHandle[]> {
  const { call } = context
  const deleteByUser = optional(context.driver, 'deleteByUser', 'destroyByUser')
  const key = checkUserKey(userKey)
  const exceptId = await exceptKey(except, storedKeyOf)
  const keys = await call('deleteByUser', () => deleteByUser(key, exceptId))
  // A regeneration creates its new record (with the user) before it claims the old one:
  // if this pass removed the old one after that, a second pass finds the new one even on
  // a driver whose deleteByUser lists first and deletes after.
  if (keys.length > 0) {
    keys.push(...(await call('deleteByUser', () => deleteByUser(key, exceptId))))
  }
  const handles = keys.map(handleOf)
  for (const handle of handles) context.emit(handle, 'user')
  return handles
}

/** The live sessions of `userKey`, oldest first (never their ids or data). */
export async function listByUser(
  context: ServerContext,
  userKey: string,
): Promise<SessionListing[]> {
  const listByUserOf = optional(context.driver, 'listByUser', 'listByUser')
  const key = checkUserKey(userKey)
  const at = context.now()
  const summaries = await context.call('listByUser', () => listByUserOf(key, at))
  return summaries.map((summary) => ({
    handle: handleOf(summary.id),
    createdAt: summary.createdAt,
    lastSeenAt: summary.lastSeenAt,
    expiresAt: summary.expiresAt,
    meta: summary.meta,
  }))
}
