/**
 * The filesystem driver: one JSON file per session in a private directory, for single-host
 * apps that want sessions to survive a restart without running a database.
 *
 * Layout under `directory` (created with `dirMode`, 0700, or set to it when it exists with
 * another mode; files get `fileMode`, 0600, whatever the umask):
 *
 * ```text
 * <directory>/
 *   sessions/<sha256(id)>.json     one record per session
 *   sessions/<sha256(id)>.lock     held while a write to that session is in progress
 *   sessions/.tmp-<random>         a write in progress (reaped by prune when stale)
 *   users/<sha256(userKey)>/<sha256(id)>   empty markers: the per-user index
 * ```
 *
 * - File names never come from input: they are SHA-256 hashes (lower-case hex, so
 *   case-insensitive filesystems are safe) of the validated id or user key. Each resolved
 *   path is also checked to stay inside the real directory. The directory listing holds no
 *   session id; the files' contents do (listings must return ids), hence mode 0600.
 * - Writes are atomic: a unique temp file in the same directory is written, fsync'd and
 *   renamed over the record (then the directory is fsync'd), so a reader or a crash sees the
 *   old record or the new one, never a torn file. `create` publishes with `link()`, which
 *   never replaces an existing file.
 * - Every write to one session (create, update, touch, delete) runs under a lock: an
 *   in-process mutex plus a lock file created with `O_EXCL`, which also serializes writers
 *   in other processes sharing the directory (a lock older than `staleLockTimeout` is taken
 *   to belong to a crashed process and is broken). `update` and `touch` never create, so a
 *   session deleted while a request was in flight stays deleted.
 * - A corrupt, empty, truncated, oversized or mismatched file (its id is not the one its name
 *   was derived from) and anything that is not a regular file (a planted symlink, a FIFO) is
 *   no session: it is removed and never read through (`O_NOFOLLOW`).
 * - Expired records disappear on sight and in `prune()`, which also reaps stale temp and lock
 *   files and orphaned index markers; `sweepInterval` runs it on an `unref`'d timer.
 *
 * Available from `'sessionkit/drivers/filesystem'`. Node only (`node:fs`, `node:path`,
 * `node:crypto`); Bun and Deno's Node compatibility layers should work but are not tested.
 *
 * @module
 */

import { rmdir } from 'node:fs/promises'
import { resolve } from 'node:path'

import {
  applyPatch,
  type DriverCapabilities,
  type SessionDriver,
  type SessionRecord,
  type SessionSummary,
  type UpdateResult,
} from '../core/driver.ts'
import { SessionConfigError } from '../errors.ts'
import { pathInside } from '../lib/node/contained-path.ts'
import {
  publishFile,
  replaceFile,
  isTempName,
  type AtomicWriteOptions,
} from '../lib/node/atomic-write.ts'
import { breakStaleLock, FileLocks } from '../lib/node/file-lock.ts'
import { forEachLimit } from '../lib/node/for-each-limit.ts'
import { errorCode, listNames, lstatOrUndefined, unlinkIfPresent } from '../lib/node/fs-calls.ts'
import { KeyedMutex } from '../lib/node/keyed-mutex.ts'
import { LazyResource } from '../lib/node/lazy-resource.ts'
import {
  discardIfSame as discardFileIfSame,
  readRecordFile,
  type RecordRead,
} from '../lib/node/record-file.ts'
import { encodeRecord } from '../lib/node/record-format.ts'
import {
  hashSessionId,
  hashUserKey,
  isHash,
  isLockName,
  lockPath,
  markerPath,
  openSessionDirectory,
  recordHashOf,
  recordPath,
  userDir,
  type SessionPaths,
} from '../lib/node/session-layout.ts'
import { Sweeper } from '../lib/node/sweeper.ts'
import { addMarker as addMarkerFile } from '../lib/node/user-index.ts'
import { isValidSessionId } from '../lib/session-id.ts'
import { bySessionAge, summaryOf } from '../lib/stored-record.ts'

export interface FilesystemDriverOptions {
  /**
   * The directory that holds the sessions; created (with parents) when missing. Give each
   * store its own directory: the driver owns everything inside it.
   */
  readonly directory: string
  /**
   * Milliseconds between background `prune()` runs (jittered by ±10% so several processes do
   * not scan together); `0` disables the sweeper. The timer is `unref`'d. Each run reads
   * every session file, so keep it long for large stores. @default 300000 (five minutes)
   */
  readonly sweepInterval?: number
  /** The sweeper's clock (requests pass their own `now`). @default Date.now */
  readonly now?: () => number
  /** Told about a failed background sweep (the next one runs anyway). @default ignore */
  readonly onSweepError?: (error: unknown) => void
  /** Mode of every file; must include owner read and write. @default 0o600 */
  readonly fileMode?: number
  /** Mode of the directory and its subdirectories; must include owner rwx. @default 0o700 */
  readonly dirMode?: number
  /**
   * Largest record file, in bytes. A write above it rejects; a file above it is treated as
   * corrupt. @default 1048576 (1 MiB)
   */
  readonly maxRecordBytes?: number
  /**
   * Milliseconds to wait for another process's lock on a session before the call rejects.
   * @default 2000
   */
  readonly lockTimeout?: number
  /**
   * Age in milliseconds after which a lock file is taken to be left by a crashed process and
   * removed. Must exceed the longest write (locks are not refreshed while held). Breaking a
   * stale lock is a check-then-unlink: two processes breaking the same stale lock at the same
   * instant could both proceed once, which only matters right after a crash. @default 10000
   */
  readonly staleLockTimeout?: number
  /**
   * fsync each record and the directory after each write, so an acknowledged write survives
   * a power loss. Turning it off keeps writes atomic (rename) but not durable. @default true
   */
  readonly fsync?: boolean
}

/** The filesystem driver, with every optional method of the contract. */
export interface FilesystemDriver extends SessionDriver {
  readonly name: 'filesystem'
  /** The real path of the directory (resolved once it has been opened). */
  readonly directory: string
  listByUser(userKey: string, now: number): Promise<SessionSummary[]>
  deleteByUser(userKey: string, exceptId?: string): Promise<string[]>
  deleteAll(): Promise<number>
  /**
   * Removes expired records (as of `now`, default the store's clock) and returns their ids;
   * also reaps temp files and lock files older than a minute and orphaned index markers.
   */
  prune(now?: number): Promise<string[]>
}

const CAPABILITIES: DriverCapabilities = Object.freeze({
  patches: true,
  versions: true,
  userIndex: true,
  listing: true,
})

/** Temp files older than this (real time) belong to a crashed write. */
const STALE_TEMP_MS = 60_000
const PRUNE_PARALLELISM = 8

/**
 * Creates a filesystem driver. The directory is opened (created, checked and its mode set) on
 * the first call, so this function does no I/O; a directory that cannot be used makes every
 * call reject until it can.
 *
 * @throws {SessionConfigError} for a bad option.
 */
export function createFilesystemDriver(options: FilesystemDriverOptions): FilesystemDriver {
  if (typeof options.directory !== 'string' || options.directory === '') {
    throw new SessionConfigError('directory must be a non-empty path')
  }
  if (options.directory.includes('\u0000')) {
    throw new SessionConfigError('directory must not contain NUL')
  }
  const sweepInterval = integer('sweepInterval', options.sweepInterval ?? 300_000, 0)
  const fileMode = integer('fileMode', options.fileMode ?? 0o600, 0, 0o777)
  if ((fileMode & 0o600) !== 0o600) {
    throw new SessionConfigError('fileMode must let the owner read and write (0o600)')
  }
  const dirMode = integer('dirMode', options.dirMode ?? 0o700, 0, 0o777)
  if ((dirMode & 0o700) !== 0o700) {
    throw new SessionConfigError('dirMode must give the owner rwx (0o700)')
  }
  const maxRecordBytes = integer('maxRecordBytes', options.maxRecordBytes ?? 1_048_576, 64)
  const lockTimeout = integer('lockTimeout', options.lockTimeout ?? 2000, 0)
  const staleLockTimeout = integer('staleLockTimeout', options.staleLockTimeout ?? 10_000, 1)
  const durable = options.fsync ?? true
  const clock = options.now ?? Date.now
  const requested = resolve(options.directory)

  const mutex = new KeyedMutex()
  const locks = new FileLocks({ fileMode, lockTimeout, staleLockTimeout })
  const writing: AtomicWriteOptions = {
    fileMode,
    durable,
    // The lock file this write holds was created just before with the same mode, and its
    // fstat told whether the umask removed bits from it.
    openKeepsFileMode: () => locks.openKeepsFileMode,
  }
  const markerModes = { dirMode, fileMode }
  const sessionDir = new LazyResource(
    () => openSessionDirectory(requested, dirMode),
    'The filesystem session store is closed',
  )
  /** Runs a driver call: refused after close, awaited by close. */
  const operation = <T>(body: (p: SessionPaths) => Promise<T>): Promise<T> => sessionDir.run(body)

  // ---------------------------------------------------------------------------------------
  // The files of one session (src/lib/node does the work; this binds the options)

  const readRecord = (p: SessionPaths, hash: string): Promise<RecordRead> =>
    readRecordFile(recordPath(p, hash), hash, maxRecordBytes)
  /** Removes the record file if it is still the one that was read (same inode). */
  const discardIfSame = (p: SessionPaths, hash: string, ino: bigint | undefined) =>
    discardFileIfSame(recordPath(p, hash), ino)
  const encode = (record: SessionRecord): string => encodeRecord(record, maxRecordBytes)
  /** Atomically replaces (or creates) the record file. */
  const replace = (p: SessionPaths, hash: string, data: string): Promise<void> =>
    replaceFile(p.sessions, recordPath(p, hash), data, writing)
  /** Atomically creates the record file; false when one exists already. */
  const publishNew = (p: SessionPaths, hash: string, data: string): Promise<boolean> =>
    publishFile(p.sessions, recordPath(p, hash), data, writing)
  const addMarker = (p: SessionPaths, userHash: string, hash: string): Promise<void> =>
    addMarkerFile(userDir(p, userHash), markerPath(p, userHash, hash), markerModes)

  async function removeMarker(p: SessionPaths, userHash: string, hash: string): Promise<void> {
    await unlinkIfPresent(markerPath(p, userHash, hash))
  }

  /** Serializes writes to one session, in this process and across processes. */
  function withLock<T>(p: SessionPaths, hash: string, body: () => Promise<T>): Promise<T> {
    return mutex.run(hash, async () => {
      const ino = await locks.acquire(lockPath(p, hash))
      try {
        return await body()
      } finally {
        await locks.release(lockPath(p, hash), ino)
      }
    })
  }

  // ---------------------------------------------------------------------------------------
  // Operations on one session (all under its lock)

  /** The live record, dropping an expired or corrupt file on sight. */
  async function readLive(p: SessionPaths, hash: string, now: number): Promise<RecordRead> {
    const read = await readRecord(p, hash)
    if (read.kind === 'corrupt') {
      await discardIfSame(p, hash, read.ino)
      return { kind: 'missing' }
    }
    if (read.kind === 'ok' && read.record.expiresAt <= now) {
      await removeLocked(p, hash, read)
      return { kind: 'missing' }
    }
    return read
  }

  async function removeLocked(
    p: SessionPaths,
    hash: string,
    read: Extract<RecordRead, { kind: 'ok' }>,
  ): Promise<boolean> {
    const removed = await discardIfSame(p, hash, read.ino)
    const userKey = read.record.userKey
    if (userKey !== undefined) await removeMarker(p, hashUserKey(userKey), hash)
    return removed
  }

  /** Drops an expired or corrupt file found without the lock, checking again under it. */
  async function dropIfDead(
    p: SessionPaths,
    hash: string,
    now: number,
  ): Promise<SessionRecord | false> {
    return withLock(p, hash, async () => {
      const read = await readRecord(p, hash)
      if (read.kind === 'corrupt') {
        await discardIfSame(p, hash, read.ino)
        return false
      }
      if (read.kind === 'ok' && read.record.expiresAt <= now) {
        await removeLocked(p, hash, read)
        return read.record
      }
      return false
    })
  }

  /** Removes an index marker whose session is gone or belongs to another user now. */
  async function dropMarkerIfStale(p: SessionPaths, userHash: string, hash: string): Promise<void> {
    await withLock(p, hash, async () => {
      const read = await readRecord(p, hash)
      const owner = read.kind === 'ok' ? read.record.userKey : undefined
      if (owner === undefined || hashUserKey(owner) !== userHash) {
        await removeMarker(p, userHash, hash)
      }
    })
  }

  // ---------------------------------------------------------------------------------------
  // Listing

  async function pruneAt(p: SessionPaths, now: number): Promise<string[]> {
    const removed: string[] = []
    const owners = new Map<string, string>() // record hash → user hash, for live records
    await forEachLimit(await listNames(p.sessions), PRUNE_PARALLELISM, async (name) => {
      const hash = recordHashOf(name)
      if (hash !== undefined) {
        const read = await readRecord(p, hash)
        if (read.kind === 'ok' && read.record.expiresAt > now) {
          if (read.record.userKey !== undefined) owners.set(hash, hashUserKey(read.record.userKey))
          return
        }
        if (read.kind === 'missing') return
        const dropped = await dropIfDead(p, hash, now)
        if (dropped !== false) removed.push(dropped.id)
        return
      }
      if (isTempName(name)) {
        const path = pathInside(p.sessions, name)
        const stats = await lstatOrUndefined(path)
        if (stats !== undefined && Date.now() - Number(stats.mtimeMs) > STALE_TEMP_MS) {
          await unlinkIfPresent(path)
        }
        return
      }
      if (isLockName(name)) {
        await breakStaleLock(
          pathInside(p.sessions, name),
          Math.max(staleLockTimeout, STALE_TEMP_MS),
        )
      }
    })
    await sweepIndex(p, owners)
    return removed
  }

  /** Removes markers of sessions that are gone, and empty user directories. */
  async function sweepIndex(p: SessionPaths, owners: ReadonlyMap<string, string> | undefined) {
    for (const userHash of await listNames(p.users)) {
      if (!isHash(userHash)) continue
      const dir = userDir(p, userHash)
      await forEachLimit(await listNames(dir), PRUNE_PARALLELISM, async (hash) => {
        if (!isHash(hash)) return
        if (owners?.get(hash) === userHash) return
        await dropMarkerIfStale(p, userHash, hash)
      })
      try {
        await rmdir(dir)
      } catch (error) {
        const failure = errorCode(error)
        if (failure !== 'ENOTEMPTY' && failure !== 'EEXIST' && failure !== 'ENOENT') throw error
      }
    }
  }

  // ---------------------------------------------------------------------------------------
  // The sweeper: prune on a timer, so expired sessions nobody asks for again go too

  const sweeper = new Sweeper({
    interval: sweepInterval,
    run: () => operation((p) => pruneAt(p, clock())),
    onError: options.onSweepError,
  })

  const driver: FilesystemDriver = {
    name: 'filesystem',
    capabilities: CAPABILITIES,
    get directory() {
      return sessionDir.current?.root ?? requested
    },

    get(id, now) {
      return operation(async (p) => {
        if (!isValidSessionId(id)) return undefined
        const hash = hashSessionId(id)
        const read = await readRecord(p, hash)
        if (read.kind === 'missing') return undefined
        if (read.kind === 'ok' && read.record.expiresAt > now) return read.record
        await dropIfDead(p, hash, now)
        return undefined
      })
    },

    create(record, now) {
      return operation(async (p) => {
        if (!isValidSessionId(record.id)) {
          throw new TypeError('The filesystem session store refuses an invalid session id')
        }
        const hash = hashSessionId(record.id)
        const data = encode({ ...record, version: 1 })
        return withLock(p, hash, async () => {
          const existing = await readRecord(p, hash)
          if (existing.kind === 'ok' && existing.record.expiresAt > now) return false
          const userKey = record.userKey
          if (userKey !== undefined) await addMarker(p, hashUserKey(userKey), hash)
          if (existing.kind === 'missing') {
            if (!(await publishNew(p, hash, data))) return false
          } else {
            await replace(p, hash, data) // over an expired or corrupt file
          }
          const previousUser = existing.kind === 'ok' ? existing.record.userKey : undefined
          if (previousUser !== undefined && previousUser !== userKey) {
            await removeMarker(p, hashUserKey(previousUser), hash)
          }
          return true
        })
      })
    },

    update(id, patch, now): Promise<UpdateResult> {
      return operation(async (p) => {
        if (!isValidSessionId(id)) return { status: 'missing' }
        const hash = hashSessionId(id)
        return withLock(p, hash, async (): Promise<UpdateResult> => {
          const read = await readLive(p, hash, now)
          if (read.kind !== 'ok') return { status: 'missing' }
          const stored = read.record
          if (patch.expectVersion !== undefined && patch.expectVersion !== stored.version) {
            return { status: 'conflict', version: stored.version }
          }
          const next = applyPatch(stored, patch)
          const data = encode(next)
          if (next.userKey !== undefined && next.userKey !== stored.userKey) {
            await addMarker(p, hashUserKey(next.userKey), hash)
          }
          await replace(p, hash, data)
          if (stored.userKey !== undefined && stored.userKey !== next.userKey) {
            await removeMarker(p, hashUserKey(stored.userKey), hash)
          }
          return { status: 'updated', version: next.version }
        })
      })
    },

    touch(id, lastSeenAt, expiresAt, now) {
      return operation(async (p) => {
        if (!isValidSessionId(id)) return false
        const hash = hashSessionId(id)
        return withLock(p, hash, async () => {
          const read = await readLive(p, hash, now)
          if (read.kind !== 'ok') return false
          await replace(p, hash, encode({ ...read.record, lastSeenAt, expiresAt }))
          return true
        })
      })
    },

    delete(id) {
      return operation(async (p) => {
        if (!isValidSessionId(id)) return false
        const hash = hashSessionId(id)
        return withLock(p, hash, async () => {
          const read = await readRecord(p, hash)
          if (read.kind === 'missing') return false
          if (read.kind === 'corrupt') {
            await discardIfSame(p, hash, read.ino)
            return false
          }
          return removeLocked(p, hash, read)
        })
      })
    },

    listByUser(userKey, now) {
      return operation(async (p) => {
        const userHash = hashUserKey(userKey)
        const out: SessionSummary[] = []
        await forEachLimit(
          await listNames(userDir(p, userHash)),
          PRUNE_PARALLELISM,
          async (hash) => {
            if (!isHash(hash)) return
            const read = await readRecord(p, hash)
            if (read.kind === 'ok' && read.record.userKey === userKey) {
              const stored = read.record
              if (stored.expiresAt > now) {
                out.push(summaryOf(stored))
              }
              return
            }
            await dropMarkerIfStale(p, userHash, hash)
          },
        )
        return out.sort(bySessionAge)
      })
    },

    deleteByUser(userKey, exceptId) {
      return operation(async (p) => {
        const userHash = hashUserKey(userKey)
        const except = exceptId === undefined ? undefined : hashSessionId(exceptId)
        const removed: string[] = []
        const dir = userDir(p, userHash)
        await forEachLimit(await listNames(dir), PRUNE_PARALLELISM, async (hash) => {
          if (!isHash(hash) || hash === except) return
          await withLock(p, hash, async () => {
            const read = await readRecord(p, hash)
            if (read.kind === 'ok' && read.record.userKey === userKey) {
              if (await removeLocked(p, hash, read)) removed.push(read.record.id)
              return
            }
            if (read.kind === 'corrupt') await discardIfSame(p, hash, read.ino)
            await removeMarker(p, userHash, hash)
          })
        })
        try {
          await rmdir(dir)
        } catch {
          // Not empty (the excepted session, or a new one) or already gone.
        }
        return removed
      })
    },

    deleteAll() {
      return operation(async (p) => {
        let count = 0
        await forEachLimit(await listNames(p.sessions), PRUNE_PARALLELISM, async (name) => {
          const hash = recordHashOf(name)
          if (hash === undefined) return
          await withLock(p, hash, async () => {
            const read = await readRecord(p, hash)
            if (read.kind === 'ok') {
              if (await removeLocked(p, hash, read)) count += 1
            } else if (read.kind === 'corrupt') {
              await discardIfSame(p, hash, read.ino)
            }
          })
        })
        await sweepIndex(p, undefined)
        return count
      })
    },

    prune(now) {
      return operation((p) => pruneAt(p, now ?? clock()))
    },

    async close() {
      if (sessionDir.closed) return
      sweeper.stop()
      await sessionDir.close()
    },
  }
  return driver
}

function integer(name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new SessionConfigError(`${name} must be an integer between ${min} and ${max}`)
  }
  return value
}
