/**
 * Server-side sessions: the data lives in a {@link SessionDriver} (memory, filesystem, SQLite
 * or your own) and the cookie carries only a signed session id. `createServerStore` does
 * everything above the driver: ids, the signed cookie, idle and absolute expiry, sliding
 * renewal with a threshold, per-key patches, optimistic versioning, regeneration with an
 * optional grace window, per-user listing and log-out-everywhere, timeouts on every driver
 * call, and failing closed when the driver is down.
 *
 * Available from `'sessionkit'`. Uses web-standard APIs only.
 *
 * @module
 */

import type { SessionRecord } from '../core/driver.ts'
import type { Session, SessionData } from '../core/session.ts'
import { sessionInternals } from '../core/store-view.ts'
import type { CookieHeader } from '../core/store.ts'
import { isValidSessionId } from '../lib/session-id.ts'
import { chooseNewest } from './kit.ts'
import { optional } from './server/capabilities.ts'
import { createServerContext, storedOf } from './server/context.ts'
import { destroyRecord, remove } from './server/destruction.ts'
import { verifyAll } from './server/id-cookie.ts'
import { gone, lookUp } from './server/lifecycle.ts'
import type { ServerStore, ServerStoreOptions } from './server/options.ts'
import { isDestroyed, readValues } from './server/reserved.ts'
import { regenerate } from './server/regeneration.ts'
import { createNew, update } from './server/saving.ts'
import {
  handleOf,
  isSessionHandle,
  keyOfHandle,
  sessionStorageKey,
  storageKey,
} from './server/storage-key.ts'
import { checkUser, destroyByUser, listByUser } from './server/users.ts'
import { SessionArgumentError } from '../errors.ts'

export type {
  ConflictPolicy,
  ConflictResolver,
  DestroyListener,
  DestroyReason,
  LocalChanges,
  MergedChanges,
  ServerStore,
  ServerStoreOptions,
  SessionListing,
} from './server/options.ts'
export { isSessionHandle, sessionStorageKey, type SessionHandle } from './server/storage-key.ts'

/** Driver lookups per request for the authentic ids its cookies carry, newest first. */
const MAX_LOOKUPS = 4

/**
 * Creates a server-side session store on top of a driver.
 *
 * @example
 * ```ts
 * const store = createServerStore<{ userId: string }>({
 *   name: 'sid',
 *   driver: createMemoryDriver(),
 *   keys: createKeyRing([{ id: 'k1', secret: process.env.SESSION_KEY! }]),
 * })
 * ```
 * @throws {SessionConfigError} for a missing name, a bad option, or a driver that can serve
 * neither per-key patches nor versions (or lacks versions for `conflicts: 'error'` or a
 * resolver).
 * @throws {CookieOptionError} for a bad name or cookie option, or a broken prefix rule.
 */
export function createServerStore<
  Data extends object = SessionData,
  Flash extends object = SessionData,
>(options: ServerStoreOptions): ServerStore<Data, Flash> {
  const { context, kit } = createServerContext<Data, Flash>(options)
  const storeName = kit.cookieOptions.name
  const { driver, call, emit, now, listeners } = context
  const allowReclaim = options.allowReclaim ?? false

  function loaded(
    name: string,
    id: string,
    record: SessionRecord,
    issuedAt: number,
    rotated: boolean,
  ): Session<Data, Flash> {
    const { values, idleTimeout, maxAge } = readValues(record.values)
    const init = {
      name,
      id,
      isNew: false,
      createdAt: record.createdAt,
      values,
      flash: Object.entries(record.flash).map(([key, list]): [string, unknown[]] => [
        key,
        [...list],
      ]),
      maxAge,
      idleTimeout,
      userKey: record.userKey,
      meta: record.meta,
    }
    const stored = storedOf(record, id)
    return kit.loaded(init, { present: true, stored, idle: idleTimeout, maxAge, issuedAt, rotated })
  }

  async function get(cookieHeader: CookieHeader): Promise<Session<Data, Flash>> {
    const name = storeName
    const request = kit.candidates(name, cookieHeader)
    if (request === undefined) return kit.fresh(name, false)
    // Several values of one name (other paths or domains, or planted): all are verified
    // before any driver call, so only tokens this application issued reach the driver.
    const { reasons, ids } = await verifyAll(context, name, request.values)
    return chooseNewest({
      found: request.found,
      failures: reasons,
      authentic: ids,
      // Newest first; the bound caps the driver work an attacker's own valid tokens can cause.
      limit: MAX_LOOKUPS,
      load: async ({ token: { id, opened } }) => {
        const record = await lookUp(context, id)
        if (record !== undefined && !isDestroyed(record)) {
          return { session: loaded(name, id, record, opened.issuedAt, opened.rotated) }
        }
        if (record !== undefined) {
          // Being destroyed (or a logout whose delete failed): finish the job, links included,
          // so that whoever removes the record has read it first.
          for (const ended of await destroyRecord(context, record.id, now())) {
            emit(handleOf(ended), 'destroy')
          }
        }
        return { reason: 'unknown-session' as const }
      },
      reject: (reason, deletable) => kit.reject(name, reason ?? 'malformed', deletable),
    })
  }

  async function destroyKey(key: string): Promise<boolean> {
    const removed = await destroyRecord(context, key, now())
    for (const ended of removed) emit(handleOf(ended), 'destroy')
    return removed.includes(key)
  }

  async function save(session: Session<Data, Flash>): Promise<string | undefined> {
    const state = sessionInternals(session)
    state.beginSave()
    const entry = kit.tracked(session)
    entry.owed = undefined
    const maxAge = state.maxAge ?? context.defaultMaxAge
    if (state.isDestroyed || maxAge < 0) return remove(context, state, entry, 'destroy', true)
    // Changed again after it was found gone (while its save ran, say): it stays gone.
    if (entry.ended === true) return gone(context, state, entry)
    checkUser(state)
    const hasData = !state.isEmpty || state.userKey !== undefined
    const stored = entry.stored
    if (stored === undefined) {
      if (!hasData && !context.eager) {
        const header = kit.deletionHeader(state, entry)
        entry.present = false
        state.markSaved()
        return header
      }
      return createNew(context, state, entry)
    }
    if (!hasData && !context.eager) return remove(context, state, entry, 'destroy')
    const regeneration = state.regenerate
    if (regeneration !== undefined) return regenerate(context, state, entry, stored, regeneration)
    return update(context, state, entry, stored)
  }

  const store: ServerStore<Data, Flash> = {
    name: storeName,
    driver,
    allowReclaim,
    get,
    create: () => kit.fresh(storeName, false),
    save,
    destroy(session: Session<Data, Flash>) {
      session.destroy()
      return save(session)
    },
    deletionCookie: (session) => kit.tracked(session).owed,

    async destroyById(id) {
      if (isSessionHandle(id)) {
        throw new SessionArgumentError('id', 'a session id, not a handle (see destroyByHandle)')
      }
      if (!isValidSessionId(id)) return false
      return destroyKey(await storageKey(id))
    },

    async destroyByHandle(handle) {
      const key = keyOfHandle(handle)
      if (key === undefined) {
        throw new SessionArgumentError('handle', 'a session handle (see destroyById for ids)')
      }
      return destroyKey(key)
    },

    async handleOf(session) {
      if (typeof session !== 'string') {
        const stored = kit.tracked(session).stored
        return stored === undefined ? undefined : handleOf(stored.key)
      }
      return handleOf(await sessionStorageKey(session))
    },

    async destroyAll() {
      const deleteAll = optional(driver, 'deleteAll', 'destroyAll')
      let count = await call('deleteAll', deleteAll)
      // A second pass for drivers that list, then delete: a regeneration that created its
      // new record before the first pass removed the old one is caught by the second.
      if (count > 0) count += await call('deleteAll', deleteAll)
      emit(undefined, 'all')
      return count
    },

    async destroyByUser(userKey, destroyOptions = {}) {
      const storedKeyOf = (session: Session<Data, Flash>) => kit.tracked(session).stored?.key
      return destroyByUser(context, userKey, destroyOptions.except, storedKeyOf)
    },

    async listByUser(userKey) {
      return listByUser(context, userKey)
    },

    async prune() {
      const prune = optional(driver, 'prune', 'prune')
      const at = now()
      const keys = await call('prune', () => prune(at))
      for (const key of keys) emit(handleOf(key), 'expired')
      return keys.length
    },

    async close() {
      await call('close', () => driver.close())
    },

    onDestroy(listener) {
      listeners.add(listener)
      return () => {
        listeners.delete(listener)
      }
    },
  }
  return Object.freeze(store)
}
