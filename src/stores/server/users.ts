// The user index: sessions tied to a user (`session.setUser`) can be listed and logged out
// everywhere. Needs a driver with `userIndex`.

import type { SessionSummary } from '../../core/driver.ts'
import type { SessionInternals } from '../../core/session.ts'
import { SessionArgumentError } from '../../errors.ts'
import { isValidSessionId } from '../../lib/session-id.ts'
import { optional } from './capabilities.ts'
import type { ServerContext } from './context.ts'

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

/**
 * Removes every session of `userKey` except `except` (a session, whose stored id
 * `storedIdOf` gives, or an id); returns the removed ids.
 */
export async function destroyByUser<S>(
  context: ServerContext,
  userKey: string,
  except: S | string | undefined,
  storedIdOf: (session: S) => string | undefined,
): Promise<string[]> {
  const { call } = context
  const deleteByUser = optional(context.driver, 'deleteByUser', 'destroyByUser')
  const key = checkUserKey(userKey)
  let exceptId: string | undefined
  if (typeof except === 'string') exceptId = isValidSessionId(except) ? except : undefined
  else if (except !== undefined) exceptId = storedIdOf(except)
  const ids = await call('deleteByUser', () => deleteByUser(key, exceptId))
  // A regeneration creates its new record (with the user) before it claims the old one:
  // if this pass removed the old one after that, a second pass finds the new one even on
  // a driver whose deleteByUser lists first and deletes after.
  if (ids.length > 0) ids.push(...(await call('deleteByUser', () => deleteByUser(key, exceptId))))
  for (const id of ids) context.emit(id, 'user')
  return ids
}

/** The live sessions of `userKey`, oldest first (never their data). */
export async function listByUser(
  context: ServerContext,
  userKey: string,
): Promise<SessionSummary[]> {
  const listByUserOf = optional(context.driver, 'listByUser', 'listByUser')
  const key = checkUserKey(userKey)
  const at = context.now()
  return context.call('listByUser', () => listByUserOf(key, at))
}
