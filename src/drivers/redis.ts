/**
 * The Redis driver: sessions in Redis through the client you already have, reached through
 * small structural interfaces. node-redis 5 (`createClient`, `createSentinel`,
 * `createCluster`) and ioredis 5 (`new Redis()`, `new Redis({ sentinels, name })`,
 * `new Redis.Cluster([...])`) fit as they are; this module imports neither. Leave ioredis's
 * `keyPrefix` unset: the driver's `prefix` is the one `SCAN` knows about.
 *
 * Key layout, under a validated `prefix` (default `sessionkit:`):
 * ```text
 * <prefix>s{<id>}          a hash: one session (version, created, seen, expires, user, meta,
 *                          v:<key> = JSON value, f:<key> = JSON flash list)
 * <prefix>u{<sha256(user)>} a sorted set: the ids of a user's sessions, scored by creation time
 * ```
 * The braces are hash tags: everything about one session lives in one hash slot, so each
 * per-session operation is one atomic command or Lua script, in Cluster too. The user index
 * lives in its own slot; how it stays consistent is in docs/stores.md ("Redis").
 *
 * Costs: a read is one command (`HGETALL`), a save one script (`EVALSHA`, falling back to
 * `EVAL` once per server after a restart or failover), sent together with a `ZADD` of the
 * user index when the save sets the user, so either way one round trip. Expiry is native:
 * every write sets `PEXPIREAT` to the record's `expiresAt` plus {@link RedisDriverOptions.expiryGrace},
 * and every read still checks `expiresAt` against the caller's `now`, so the application's
 * clock decides and Redis's TTL only reclaims memory. Values and flash are JSON strings that
 * the scripts store and return without reading them.
 *
 * Give the driver a connected client; `close()` leaves it open (it belongs to you), and
 * reconnecting is the client's business. Every failure of the client rejects.
 *
 * @example
 * ```ts
 * import { createClient } from 'redis' // or: import { Redis } from 'ioredis'
 * const client = await createClient({ url: 'redis://127.0.0.1:6379' }).connect()
 * const driver = createRedisDriver({ client, prefix: 'myapp:sess:' })
 * const store = createServerStore({ name: 'sid', driver, keys })
 * ```
 *
 * Uses web-standard APIs only.
 *
 * @module
 */

import {
  FULL_CAPABILITIES,
  type ListingSessionDriver,
  type SessionSummary,
  type UpdateResult,
} from '../core/driver.ts'
import { SessionConfigError } from '../errors.ts'
import { evalScript } from '../lib/redis/eval.ts'
import { decode, decodeSummary, encode, SUMMARY_FIELDS, updateArgs } from '../lib/redis/hash.ts'
import { isValidPrefix, MAX_PREFIX, redisKeys } from '../lib/redis/keys.ts'
import { fieldsOf, scanReply, strings, text } from '../lib/redis/reply.ts'
import {
  CREATE,
  DELETE,
  DELETE_OWNED,
  DROP,
  DROP_OTHER_TYPE,
  PRUNE,
  TOUCH,
  UPDATE,
} from '../lib/redis/scripts.ts'
import { senderOf, type RedisClientKind } from '../lib/redis/sender.ts'
import { isValidSessionId } from '../lib/session-id.ts'
import { bySessionAge } from '../lib/stored-record.ts'

// ---------------------------------------------------------------------------------------
// The clients, structurally.

/** ioredis 5: `new Redis(...)`, also with `{ sentinels, name }`. */
export interface IORedisClient {
  call(command: string, ...args: string[]): Promise<unknown>
}

/** ioredis 5: `new Redis.Cluster([...])`. */
export interface IORedisCluster extends IORedisClient {
  nodes(role: 'master'): readonly IORedisClient[]
}

/** node-redis 5: `createClient(...)`, connected. */
export interface NodeRedisClient {
  sendCommand(args: string[]): Promise<unknown>
}

/** node-redis 5: `createSentinel(...)`, connected. */
export interface NodeRedisSentinel {
  sendCommand(isReadonly: boolean | undefined, args: string[]): Promise<unknown>
  getMasterNode(): unknown
}

/** node-redis 5: `createCluster(...)`, connected. */
export interface NodeRedisCluster {
  sendCommand(
    firstKey: string | undefined,
    isReadonly: boolean | undefined,
    args: string[],
  ): Promise<unknown>
  readonly masters: readonly object[]
  nodeClient(node: never): NodeRedisClient | Promise<NodeRedisClient>
}

/** Any of the six client shapes the driver accepts. */
export type RedisClient =
  IORedisClient | IORedisCluster | NodeRedisClient | NodeRedisSentinel | NodeRedisCluster

// The shape the driver detected; told apart where the sender is made.
export type { RedisClientKind }

export interface RedisDriverOptions {
  /** A connected client of yours (see {@link RedisClient}). `close()` does not close it. */
  readonly client: RedisClient
  /**
   * Starts every key of this store: 1 to 64 printable ASCII characters without spaces, glob
   * characters (`* ? [ ]`), braces or backslashes. `deleteAll` and `prune` touch only keys
   * under it. Give each application (and each test) its own.
   * @default 'sessionkit:'
   */
  readonly prefix?: string
  /**
   * Milliseconds Redis keeps a record after its `expiresAt` before its TTL removes it. The
   * record is gone for the driver at `expiresAt` whatever this says (the caller's clock
   * decides); the margin only keeps a Redis clock running ahead of the application's from
   * ending sessions early.
   * @default 60000
   */
  readonly expiryGrace?: number
  /** Keys per `SCAN` step and commands in flight per batch in listings. @default 200 */
  readonly batchSize?: number
}

/** The Redis driver, with its key layout for diagnostics. */
export interface RedisDriver extends ListingSessionDriver {
  readonly name: 'redis'
  readonly prefix: string
  /** The client shape in use. */
  readonly clientKind: RedisClientKind
  /** The key of a session's hash. */
  sessionKey(id: string): string
  /** The key of a user's index (the user key is hashed into it). */
  userIndexKey(userKey: string): Promise<string>
}

const MAX_BATCH = 10_000
const MAX_GRACE = 366 * 86_400_000

/**
 * Creates a Redis driver on a connected client.
 *
 * @throws {SessionConfigError} for a client of none of the accepted shapes or a bad option.
 */
export function createRedisDriver(options: RedisDriverOptions): RedisDriver {
  const { kind, sender } = senderOf(options.client)
  const prefix = options.prefix ?? 'sessionkit:'
  if (!isValidPrefix(prefix)) {
    throw new SessionConfigError(
      `prefix must be 1 to ${MAX_PREFIX} printable ASCII characters without spaces, * ? [ ] { } or \\`,
    )
  }
  const grace = options.expiryGrace ?? 60_000
  if (!Number.isSafeInteger(grace) || grace < 0 || grace > MAX_GRACE) {
    throw new SessionConfigError('expiryGrace must be a non-negative integer of milliseconds')
  }
  const batch = options.batchSize ?? 200
  if (!Number.isSafeInteger(batch) || batch < 1 || batch > MAX_BATCH) {
    throw new SessionConfigError(`batchSize must be an integer from 1 to ${MAX_BATCH}`)
  }

  const keys = redisKeys(prefix)
  const { sessionKey, userIndexKey } = keys
  const pexpireAt = (expiresAt: number) => String(expiresAt + grace)

  let closed = false
  function live(): void {
    if (closed) throw new Error('The Redis session store is closed')
  }

  const run = (script: string, key: string, args: readonly string[]) =>
    evalScript(sender, script, key, args)

  /** Every session key, or index key, of this prefix on every primary, batch by batch. */
  async function scan(match: string, each: (keys: string[]) => Promise<void>): Promise<void> {
    for (const node of await sender.primaries()) {
      let cursor = '0'
      do {
        const reply = scanReply(
          await node(['SCAN', cursor, 'MATCH', match, 'COUNT', String(batch)]),
        )
        cursor = reply.cursor
        if (reply.keys.length > 0) await each(reply.keys)
      } while (cursor !== '0')
    }
  }

  /** The ids of a user's index, after dropping entries that are no session id at all. */
  async function indexIds(index: string): Promise<string[]> {
    const members = strings(await sender.send(index, ['ZRANGE', index, '0', '-1']))
    const bad = members.filter((id) => !isValidSessionId(id))
    if (bad.length > 0) await sender.send(index, ['ZREM', index, ...bad])
    return members.filter((id) => isValidSessionId(id))
  }

  /** Removes index entries whose sessions no longer exist (the one safe cleanup, see docs). */
  async function unlinkGone(index: string, ids: readonly string[]): Promise<void> {
    for (let i = 0; i < ids.length; i += batch) {
      await sender.send(index, ['ZREM', index, ...ids.slice(i, i + batch)])
    }
  }

  async function inBatches<T, R>(items: readonly T[], work: (item: T) => Promise<R>) {
    const out: R[] = []
    for (let i = 0; i < items.length; i += batch) {
      out.push(...(await Promise.all(items.slice(i, i + batch).map(work))))
    }
    return out
  }

  /** Compacts one user index: entries of sessions that no longer exist go. */
  async function compactIndex(index: string): Promise<void> {
    const ids = await indexIds(index)
    const exists = await inBatches(ids, (id) => {
      const key = sessionKey(id)
      return sender.send(key, ['EXISTS', key])
    })
    await unlinkGone(
      index,
      ids.filter((_, i) => exists[i] === 0),
    )
  }

  const driver: RedisDriver = {
    name: 'redis',
    capabilities: FULL_CAPABILITIES,
    prefix,
    clientKind: kind,
    sessionKey,
    userIndexKey,

    async get(id, now) {
      live()
      if (!isValidSessionId(id)) return undefined
      const key = sessionKey(id)
      let reply: unknown
      try {
        reply = await sender.send(key, ['HGETALL', key])
      } catch (error) {
        if (!(error instanceof Error && error.message.startsWith('WRONGTYPE'))) throw error
        // A string or list where a session should be: corrupt too, and removed likewise.
        await run(DROP_OTHER_TYPE, key, [])
        return undefined
      }
      const fields = fieldsOf(reply)
      if (fields.size === 0) return undefined
      const record = decode(id, fields)
      if (record === undefined) {
        // STO-10: a corrupt record is no session, and it goes, so it cannot fail every
        // request; unless a writer replaced it since it was read.
        await run(DROP, key, [fields.get('version') ?? ''])
        return undefined
      }
      return record.expiresAt > now ? record : undefined
    },

    async create(record, now) {
      live()
      if (!isValidSessionId(record.id)) {
        throw new TypeError('The Redis session store refuses an invalid session id')
      }
      const key = sessionKey(record.id)
      const args = [String(now), pexpireAt(record.expiresAt), ...encode(record)]
      const userKey = record.userKey
      if (userKey === undefined) return (await run(CREATE, key, args)) === 1
      // The index entry goes first (on one server, the same connection keeps the order), so a
      // stored session of a user always has its entry; a refused create leaves an entry that
      // listings ignore (the session holds another user or none) and drop once it is gone.
      const index = await userIndexKey(userKey)
      const [, created] = await Promise.all([
        sender.send(index, ['ZADD', index, String(record.createdAt), record.id]),
        run(CREATE, key, args),
      ])
      return created === 1
    },

    async update(id, patch, now): Promise<UpdateResult> {
      live()
      if (!isValidSessionId(id)) return MISSING
      const key = sessionKey(id)
      const args = updateArgs(patch, now, pexpireAt(patch.expiresAt))
      const userKey = patch.userKey
      let reply: unknown
      if (typeof userKey === 'string') {
        const index = await userIndexKey(userKey)
        // The creation time is not known here; the score only orders listings, which sort
        // by the session's own times anyway. NX keeps an older entry's score.
        const results = await Promise.all([
          sender.send(index, ['ZADD', index, 'NX', String(patch.lastSeenAt), id]),
          run(UPDATE, key, args),
        ])
        reply = results[1]
      } else {
        reply = await run(UPDATE, key, args)
      }
      return updateResult(reply)
    },

    async touch(id, lastSeenAt, expiresAt, now) {
      live()
      if (!isValidSessionId(id)) return false
      const key = sessionKey(id)
      const args = [String(now), String(lastSeenAt), String(expiresAt), pexpireAt(expiresAt)]
      return (await run(TOUCH, key, args)) === 1
    },

    async delete(id) {
      live()
      if (!isValidSessionId(id)) return false
      const key = sessionKey(id)
      const reply = await run(DELETE, key, [])
      if (!Array.isArray(reply)) throw new Error('Redis answered a delete with something else')
      const user = text(reply[1])
      if (user !== undefined) {
        const index = await userIndexKey(user)
        await sender.send(index, ['ZREM', index, id])
      }
      return reply[0] === 1
    },

    async listByUser(userKey, now) {
      live()
      const index = await userIndexKey(userKey)
      const ids = await indexIds(index)
      const rows = await inBatches(ids, (id) => {
        const key = sessionKey(id)
        return sender.send(key, ['HMGET', key, ...SUMMARY_FIELDS])
      })
      const out: SessionSummary[] = []
      const gone: string[] = []
      ids.forEach((id, i) => {
        const row = Array.isArray(rows[i]) ? (rows[i] as unknown[]).map(text) : []
        if (row.every((field) => field === undefined)) {
          gone.push(id)
          return
        }
        // Another user's (or nobody's) now, or expired: not listed, but the entry stays while
        // the session exists (see the docs for why only vanished sessions lose their entry).
        if (row[3] !== userKey) return
        const summary = decodeSummary(id, row)
        if (summary !== undefined && summary.expiresAt > now) out.push(summary)
      })
      await unlinkGone(index, gone)
      return out.sort(bySessionAge)
    },

    async deleteByUser(userKey, exceptId) {
      live()
      const index = await userIndexKey(userKey)
      const ids = (await indexIds(index)).filter((id) => id !== exceptId)
      const results = await inBatches(ids, (id) => run(DELETE_OWNED, sessionKey(id), [userKey]))
      const removed = ids.filter((_, i) => results[i] === 1)
      await unlinkGone(
        index,
        ids.filter((_, i) => results[i] !== 0),
      )
      return removed
    },

    async deleteAll() {
      live()
      let count = 0
      await scan(keys.allPattern, async (found) => {
        const results = await Promise.all(found.map((key) => sender.send(key, ['UNLINK', key])))
        found.forEach((key, i) => {
          if (results[i] === 1 && keys.isSessionKey(key)) count++
        })
      })
      return count
    },

    async prune(now) {
      live()
      const pruned: string[] = []
      const byIndex = new Map<string, string[]>()
      await scan(keys.sessionPattern, async (found) => {
        const ids = found.map(keys.sessionIdOf).filter((id) => isValidSessionId(id))
        const results = await Promise.all(
          ids.map((id) => run(PRUNE, sessionKey(id), [String(now)])),
        )
        for (const [i, id] of ids.entries()) {
          const result = results[i]
          if (!Array.isArray(result)) continue
          pruned.push(id)
          const user = text(result[1])
          if (user === undefined) continue
          const index = await userIndexKey(user)
          byIndex.set(index, [...(byIndex.get(index) ?? []), id])
        }
      })
      for (const [index, ids] of byIndex) await unlinkGone(index, ids)
      // Sessions Redis expired on its own left entries behind in their users' indexes.
      await scan(keys.userIndexPattern, async (indexes) => {
        for (const index of indexes) await compactIndex(index)
      })
      return pruned
    },

    close() {
      closed = true
      return Promise.resolve()
    },
  }
  return driver
}

const MISSING: UpdateResult = Object.freeze({ status: 'missing' })

/** The UPDATE script's reply as the contract's answer (its type is core's, so it stays here). */
function updateResult(reply: unknown): UpdateResult {
  if (!Array.isArray(reply)) throw new Error('Redis answered an update with something else')
  const [status, version] = reply as unknown[]
  if (status === 0) return MISSING
  if (typeof version !== 'number') throw new Error('Redis answered an update without a version')
  if (status === 1) return { status: 'updated', version }
  if (status === 2) return { status: 'conflict', version }
  throw new Error('Redis answered an update with an unknown status')
}
