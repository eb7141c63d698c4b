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
  type SessionPatch,
  type SessionRecord,
  type SessionSummary,
  type UpdateResult,
} from '../core/driver.ts'
import { SessionConfigError } from '../errors.ts'
import { base64urlEncode, utf8Decode } from '../lib/encoding.ts'
import { defineValue } from '../lib/json-value.ts'
import { isValidSessionId } from '../lib/session-id.ts'
import { parseStoredMeta, storedSummary } from '../lib/stored-record.ts'

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

/** The shape the driver detected. ioredis in Sentinel mode is an `'ioredis'` client. */
export type RedisClientKind =
  'ioredis' | 'ioredis-cluster' | 'node-redis' | 'node-redis-sentinel' | 'node-redis-cluster'

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

const MAX_PREFIX = 64
const MAX_BATCH = 10_000
const MAX_GRACE = 366 * 86_400_000
// Lua's unpack() has a stack limit of a few thousand values: long argument lists go in chunks.
const LUA_CHUNK = 1000

// ---------------------------------------------------------------------------------------
// The scripts. Each touches one session hash (KEYS[1]); values arrive and leave as opaque
// strings. ARGV[1] is the caller's `now` wherever expiry matters.

// Same chunked HSET/HDEL for every script that writes fields.
const WRITE_FIELDS = `
local function fields(cmd, key, from, to)
  local i = from
  while i <= to do
    local j = math.min(i + ${LUA_CHUNK - 1}, to)
    redis.call(cmd, key, unpack(ARGV, i, j))
    i = j + 1
  end
end`

/** ARGV: now, pexpireat, field/value pairs. 1 when created; 0 when a live record has the id. */
const CREATE = `${WRITE_FIELDS}
local e = tonumber(redis.call('HGET', KEYS[1], 'expires'))
if e ~= nil and e > tonumber(ARGV[1]) then return 0 end
redis.call('DEL', KEYS[1])
fields('HSET', KEYS[1], 3, #ARGV)
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
return 1`

/**
 * ARGV: now, expected version or '', lastSeenAt, expiresAt, pexpireat, user mode ('k'eep,
 * 'd'elete, 's'et), user, meta mode, meta JSON, count of fields to delete, those fields, then
 * field/value pairs to set. {0} missing, {1, version} updated, {2, version} conflict.
 */
const UPDATE = `${WRITE_FIELDS}
local h = redis.call('HMGET', KEYS[1], 'version', 'expires')
local version = tonumber(h[1])
local expires = tonumber(h[2])
if version == nil or expires == nil or expires <= tonumber(ARGV[1]) then return {0} end
if ARGV[2] ~= '' and tonumber(ARGV[2]) ~= version then return {2, version} end
local n = tonumber(ARGV[10])
fields('HDEL', KEYS[1], 11, 10 + n)
fields('HSET', KEYS[1], 11 + n, #ARGV)
version = version + 1
redis.call('HSET', KEYS[1], 'version', tostring(version), 'seen', ARGV[3], 'expires', ARGV[4])
if ARGV[6] == 's' then redis.call('HSET', KEYS[1], 'user', ARGV[7])
elseif ARGV[6] == 'd' then redis.call('HDEL', KEYS[1], 'user') end
if ARGV[8] == 's' then redis.call('HSET', KEYS[1], 'meta', ARGV[9])
elseif ARGV[8] == 'd' then redis.call('HDEL', KEYS[1], 'meta') end
redis.call('PEXPIREAT', KEYS[1], ARGV[5])
return {1, version}`

/** ARGV: now, lastSeenAt, expiresAt, pexpireat. 1 when touched, 0 when missing. */
const TOUCH = `
local e = tonumber(redis.call('HGET', KEYS[1], 'expires'))
if e == nil or e <= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'seen', ARGV[2], 'expires', ARGV[3])
redis.call('PEXPIREAT', KEYS[1], ARGV[4])
return 1`

/** No ARGV. {deleted (0 or 1), user or nothing}. */
const DELETE = `
local u = redis.call('HGET', KEYS[1], 'user')
return {redis.call('DEL', KEYS[1]), u}`

/** ARGV: user. 1 deleted (it was the user's), -1 no such key, 0 someone else's (kept). */
const DELETE_OWNED = `
local u = redis.call('HGET', KEYS[1], 'user')
if u == ARGV[1] then redis.call('DEL', KEYS[1]) return 1 end
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
return 0`

/** ARGV: now. Deletes an expired (or corrupt) record: {1, user or nothing}; live: nil. */
const PRUNE = `
local h = redis.call('HMGET', KEYS[1], 'expires', 'user')
local e = tonumber(h[1])
if e ~= nil and e > tonumber(ARGV[1]) then return false end
if redis.call('DEL', KEYS[1]) == 0 then return false end
return {1, h[2]}`

/** ARGV: the version seen ('' for none). Deletes a corrupt record unless it was rewritten. */
const DROP = `
local v = redis.call('HGET', KEYS[1], 'version')
if (v or '') ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1])`

/** Deletes a key of another type than a hash (it cannot be a session). */
const DROP_OTHER_TYPE = `
if redis.call('TYPE', KEYS[1]).ok == 'hash' then return 0 end
return redis.call('DEL', KEYS[1])`

const SUMMARY_FIELDS = ['created', 'seen', 'expires', 'user', 'meta'] as const

// ---------------------------------------------------------------------------------------

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

  const sessionHead = `${prefix}s{`
  const sessionKey = (id: string) => `${sessionHead}${id}}`
  const userIndexKey = async (userKey: string) =>
    `${prefix}u{${base64urlEncode(await digest('SHA-256', userKey))}}`
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
        const reply = await node(['SCAN', cursor, 'MATCH', match, 'COUNT', String(batch)])
        if (!Array.isArray(reply) || reply.length !== 2 || !Array.isArray(reply[1])) {
          throw new Error('Redis answered SCAN with something else than a cursor and keys')
        }
        cursor = text(reply[0]) ?? '0'
        const keys = (reply[1] as unknown[]).map(text).filter((k) => k !== undefined)
        if (keys.length > 0) await each(keys)
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
      return out.sort(
        (a, b) =>
          a.createdAt - b.createdAt ||
          a.lastSeenAt - b.lastSeenAt ||
          (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
      )
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
      await scan(`${prefix}[su]{*`, async (keys) => {
        const results = await Promise.all(keys.map((key) => sender.send(key, ['UNLINK', key])))
        keys.forEach((key, i) => {
          if (results[i] === 1 && key.startsWith(sessionHead)) count++
        })
      })
      return count
    },

    async prune(now) {
      live()
      const pruned: string[] = []
      const byIndex = new Map<string, string[]>()
      await scan(`${sessionHead}*`, async (keys) => {
        const ids = keys
          .map((key) => (key.endsWith('}') ? key.slice(sessionHead.length, -1) : ''))
          .filter((id) => isValidSessionId(id))
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
      await scan(`${prefix}u{*`, async (indexes) => {
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

// ---------------------------------------------------------------------------------------
// The command sender: one way to send a command, whatever the client's shape.

type NodeSend = (args: string[]) => Promise<unknown>

interface Sender {
  /** Sends one command; `key` routes it in Cluster. */
  send(key: string, args: string[]): Promise<unknown>
  /** One sender per primary, for SCAN (the whole keyspace of a single server is one). */
  primaries(): Promise<NodeSend[]>
}

function has<K extends string>(value: object, name: K): value is Record<K, unknown> {
  return name in value
}

function isFunction(value: object, name: string): boolean {
  return has(value, name) && typeof value[name] === 'function'
}

function senderOf(client: unknown): { kind: RedisClientKind; sender: Sender } {
  if (typeof client !== 'object' || client === null) throw badClient()
  if (isFunction(client, 'call')) {
    const io = client as IORedisClient
    const viaCall: NodeSend = (node) => {
      const [command = '', ...args] = node
      return io.call(command, ...args)
    }
    if (isFunction(client, 'nodes')) {
      const cluster = client as IORedisCluster
      return {
        kind: 'ioredis-cluster',
        sender: {
          send: (_key, args) => viaCall(args),
          primaries: () =>
            Promise.resolve(
              cluster.nodes('master').map((node): NodeSend => (args) => {
                const [command = '', ...rest] = args
                return node.call(command, ...rest)
              }),
            ),
        },
      }
    }
    return {
      kind: 'ioredis',
      sender: { send: (_key, args) => viaCall(args), primaries: () => Promise.resolve([viaCall]) },
    }
  }
  if (!isFunction(client, 'sendCommand')) throw badClient()
  if (isFunction(client, 'nodeClient') && has(client, 'masters')) {
    const cluster = client as NodeRedisCluster
    return {
      kind: 'node-redis-cluster',
      sender: {
        // Never a replica: a session just written must be read back as written.
        send: (key, args) => cluster.sendCommand(key, false, args),
        primaries: async () => {
          const clients = await Promise.all(
            cluster.masters.map(async (node) => cluster.nodeClient(node as never)),
          )
          return clients.map(
            (node): NodeSend =>
              (args) =>
                node.sendCommand(args),
          )
        },
      },
    }
  }
  if (isFunction(client, 'getMasterNode')) {
    const sentinel = client as NodeRedisSentinel
    const viaMaster: NodeSend = (args) => sentinel.sendCommand(false, args)
    return {
      kind: 'node-redis-sentinel',
      sender: {
        send: (_key, args) => viaMaster(args),
        primaries: () => Promise.resolve([viaMaster]),
      },
    }
  }
  const single = client as NodeRedisClient
  const viaClient: NodeSend = (args) => single.sendCommand(args)
  return {
    kind: 'node-redis',
    sender: {
      send: (_key, args) => viaClient(args),
      primaries: () => Promise.resolve([viaClient]),
    },
  }
}

function badClient(): SessionConfigError {
  return new SessionConfigError(
    'client must be a connected Redis client: node-redis 5 (createClient, createSentinel, createCluster) or ioredis 5 (Redis, Redis.Cluster)',
  )
}

// EVALSHA sends 40 bytes instead of the script; a server that does not have it yet (after a
// restart, a failover, SCRIPT FLUSH, or a new Cluster node) says NOSCRIPT once, and EVAL both
// runs and caches it there.
const shas = new Map<string, Promise<string>>()

async function evalScript(
  sender: Sender,
  script: string,
  key: string,
  args: readonly string[],
): Promise<unknown> {
  let sha = shas.get(script)
  if (sha === undefined) {
    sha = digest('SHA-1', script).then(hex)
    shas.set(script, sha)
  }
  try {
    return await sender.send(key, ['EVALSHA', await sha, '1', key, ...args])
  } catch (error) {
    if (!isNoScript(error)) throw error
    return sender.send(key, ['EVAL', script, '1', key, ...args])
  }
}

function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT')
}

async function digest(algorithm: 'SHA-1' | 'SHA-256', text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest(algorithm, new TextEncoder().encode(text)))
}

function hex(bytes: Uint8Array): string {
  let out = ''
  for (const byte of bytes) out += byte.toString(16).padStart(2, '0')
  return out
}

function isValidPrefix(prefix: unknown): prefix is string {
  if (typeof prefix !== 'string' || prefix.length < 1 || prefix.length > MAX_PREFIX) return false
  for (let i = 0; i < prefix.length; i++) {
    const c = prefix.charCodeAt(i)
    if (c < 0x21 || c > 0x7e) return false
  }
  return !/[*?[\]{}\\]/.test(prefix)
}

// ---------------------------------------------------------------------------------------
// Records in and out.

const MISSING: UpdateResult = Object.freeze({ status: 'missing' })

function encode(record: SessionRecord): string[] {
  const out = [
    'version',
    '1',
    'created',
    String(record.createdAt),
    'seen',
    String(record.lastSeenAt),
    'expires',
    String(record.expiresAt),
  ]
  if (record.userKey !== undefined) out.push('user', record.userKey)
  if (record.meta !== undefined) out.push('meta', JSON.stringify(record.meta))
  pushFields(out, 'v:', record.values)
  pushFields(out, 'f:', record.flash)
  return out
}

function pushFields(out: string[], head: string, map: Readonly<Record<string, unknown>>): void {
  for (const [key, value] of Object.entries(map)) {
    const json = JSON.stringify(value) as string | undefined
    // As in a JSON object: a key whose value has no JSON form is left out.
    if (json !== undefined) out.push(head + key, json)
  }
}

function updateArgs(patch: SessionPatch, now: number, expireAt: string): string[] {
  const unset = [...patch.unset.map((key) => `v:${key}`), ...patch.flashUnset.map((k) => `f:${k}`)]
  const set: string[] = []
  pushFields(set, 'v:', patch.set)
  pushFields(set, 'f:', patch.flashSet)
  const user = patch.userKey
  const meta = patch.meta
  return [
    String(now),
    patch.expectVersion === undefined ? '' : String(patch.expectVersion),
    String(patch.lastSeenAt),
    String(patch.expiresAt),
    expireAt,
    user === undefined ? 'k' : user === null ? 'd' : 's',
    user ?? '',
    meta === undefined ? 'k' : meta === null ? 'd' : 's',
    meta === undefined || meta === null ? '' : JSON.stringify(meta),
    String(unset.length),
    ...unset,
    ...set,
  ]
}

function updateResult(reply: unknown): UpdateResult {
  if (!Array.isArray(reply)) throw new Error('Redis answered an update with something else')
  const [status, version] = reply as unknown[]
  if (status === 0) return MISSING
  if (typeof version !== 'number') throw new Error('Redis answered an update without a version')
  if (status === 1) return { status: 'updated', version }
  if (status === 2) return { status: 'conflict', version }
  throw new Error('Redis answered an update with an unknown status')
}

/** A reply's string, from a string, bytes or a number; `undefined` for nil and the rest. */
function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value
  if (value instanceof Uint8Array) return utf8Decode(value)
  if (typeof value === 'number') return String(value)
  return undefined
}

function strings(reply: unknown): string[] {
  if (!Array.isArray(reply)) throw new Error('Redis answered with something else than a list')
  return (reply as unknown[]).map(text).filter((item) => item !== undefined)
}

/**
 * A hash as field → value, from a flat array (RESP2, and every client's raw replies), a Map
 * (RESP3 with a Map type mapping) or an object (ioredis's HGETALL, RESP3 defaults).
 */
function fieldsOf(reply: unknown): Map<string, string> {
  const out = new Map<string, string>()
  const add = (field: unknown, value: unknown) => {
    const f = text(field)
    const v = text(value)
    if (f !== undefined && v !== undefined) out.set(f, v)
  }
  if (reply === null || reply === undefined) return out
  if (Array.isArray(reply)) {
    const list = reply as unknown[]
    for (let i = 0; i + 1 < list.length; i += 2) add(list[i], list[i + 1])
  } else if (reply instanceof Map) {
    for (const [field, value] of reply as Map<unknown, unknown>) add(field, value)
  } else if (typeof reply === 'object') {
    for (const [field, value] of Object.entries(reply)) add(field, value)
  } else {
    throw new Error('Redis answered HGETALL with something else than a hash')
  }
  return out
}

function integer(value: string | undefined): number | undefined {
  if (value === undefined || !/^-?[0-9]{1,16}$/.test(value)) return undefined
  const n = Number(value)
  return Number.isSafeInteger(n) ? n : undefined
}

function parseJson(value: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(value) as unknown }
  } catch {
    return { ok: false }
  }
}

/** `undefined` → absent; anything but a JSON map of strings → corrupt (`false`). */
function parseMeta(
  value: string | undefined,
): Readonly<Record<string, string>> | undefined | false {
  return value === undefined ? undefined : parseStoredMeta(value)
}

/** The record a hash holds, or `undefined` when any part of it is corrupt (STO-10). */
function decode(id: string, fields: ReadonlyMap<string, string>): SessionRecord | undefined {
  const version = integer(fields.get('version'))
  const createdAt = integer(fields.get('created'))
  const lastSeenAt = integer(fields.get('seen'))
  const expiresAt = integer(fields.get('expires'))
  const meta = parseMeta(fields.get('meta'))
  if (
    version === undefined ||
    version < 1 ||
    createdAt === undefined ||
    lastSeenAt === undefined ||
    expiresAt === undefined ||
    meta === false
  ) {
    return undefined
  }
  const values: Record<string, unknown> = {}
  const flash: Record<string, readonly unknown[]> = {}
  for (const [field, json] of fields) {
    const isValue = field.startsWith('v:')
    if (!isValue && !field.startsWith('f:')) continue
    const parsed = parseJson(json)
    if (!parsed.ok) return undefined
    if (isValue) defineValue(values, field.slice(2), parsed.value)
    else if (Array.isArray(parsed.value)) defineValue(flash, field.slice(2), parsed.value)
    else return undefined
  }
  return {
    id,
    values,
    flash,
    version,
    createdAt,
    lastSeenAt,
    expiresAt,
    userKey: fields.get('user'),
    meta,
  }
}

/** HMGET created seen expires user meta, as a summary; `undefined` when corrupt. */
function decodeSummary(
  id: string,
  row: readonly (string | undefined)[],
): SessionSummary | undefined {
  const createdAt = integer(row[0])
  const lastSeenAt = integer(row[1])
  const expiresAt = integer(row[2])
  const meta = parseMeta(row[4])
  return storedSummary({ id, createdAt, lastSeenAt, expiresAt, meta })
}
