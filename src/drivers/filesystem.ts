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

import { createHash, randomBytes } from 'node:crypto'
import { constants as fsConstants } from 'node:fs'
import {
  chmod,
  link,
  lstat,
  mkdir,
  open,
  readdir,
  realpath,
  rename,
  rmdir,
  unlink,
  type FileHandle,
} from 'node:fs/promises'
import { join, resolve, sep } from 'node:path'

import {
  applyPatch,
  type DriverCapabilities,
  type SessionDriver,
  type SessionRecord,
  type SessionSummary,
  type UpdateResult,
} from '../core/driver.ts'
import { SessionConfigError } from '../errors.ts'
import { KeyedMutex } from '../lib/node/keyed-mutex.ts'
import { isValidSessionId } from '../lib/session-id.ts'
import { unrefTimer } from '../lib/timeout.ts'

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

const FORMAT = 1
const ID_HASH_PREFIX = 'sessionkit:fs:id:'
const USER_HASH_PREFIX = 'sessionkit:fs:user:'
const RECORD_SUFFIX = '.json'
const LOCK_SUFFIX = '.lock'
const TEMP_PREFIX = '.tmp-'
const HEX64 = /^[0-9a-f]{64}$/
const RECORD_NAME = /^([0-9a-f]{64})\.json$/
const LOCK_NAME = /^[0-9a-f]{64}\.lock$/
const TEMP_NAME = /^\.tmp-[0-9a-f]{32}$/
/** Temp files older than this (real time) belong to a crashed write. */
const STALE_TEMP_MS = 60_000
const PRUNE_PARALLELISM = 8

// Flags some platforms lack (Windows): 0 there.
const O_NOFOLLOW: number = optionalFlag('O_NOFOLLOW')
const O_NONBLOCK: number = optionalFlag('O_NONBLOCK')
const READ_FLAGS: number = fsConstants.O_RDONLY | O_NOFOLLOW | O_NONBLOCK
const CREATE_FLAGS: number =
  fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL | O_NOFOLLOW

/** What reading a record file found. `ino` identifies the file for a later guarded removal. */
type Read =
  | { readonly kind: 'missing' }
  | { readonly kind: 'corrupt'; readonly ino: bigint | undefined }
  | { readonly kind: 'ok'; readonly record: SessionRecord; readonly ino: bigint }

interface Paths {
  readonly root: string
  readonly sessions: string
  readonly users: string
}

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
  const onSweepError = options.onSweepError
  const requested = resolve(options.directory)

  const mutex = new KeyedMutex()
  const pending = new Set<Promise<unknown>>()
  let paths: Paths | undefined
  let opening: Promise<Paths> | undefined
  let closed = false
  let timer: ReturnType<typeof setTimeout> | undefined
  let sweeping = false
  /** Whether the last lock file came out of `open` with exactly `fileMode` (the umask). */
  let openKeepsFileMode = false

  // ---------------------------------------------------------------------------------------
  // Opening the directory

  async function ensureDir(path: string, create: 'recursive' | 'single'): Promise<void> {
    try {
      await mkdir(path, { mode: dirMode, recursive: create === 'recursive' })
    } catch (error) {
      if (code(error) !== 'EEXIST') throw error
    }
    const stats = await lstat(path)
    if (!stats.isDirectory()) {
      throw new Error('The session directory (or one of its subdirectories) is not a directory')
    }
    if ((stats.mode & 0o777) !== dirMode) await chmod(path, dirMode)
  }

  async function openDirectory(): Promise<Paths> {
    await mkdir(requested, { recursive: true, mode: dirMode })
    // The configured path may go through symlinks (/var/run → /run); everything below the
    // real directory is ours, and none of it is followed.
    const root = await realpath(requested)
    await ensureDir(root, 'single')
    const opened: Paths = { root, sessions: join(root, 'sessions'), users: join(root, 'users') }
    await ensureDir(opened.sessions, 'single')
    await ensureDir(opened.users, 'single')
    return opened
  }

  function ready(): Promise<Paths> {
    if (paths !== undefined) return Promise.resolve(paths)
    opening ??= openDirectory().then(
      (opened) => {
        paths = opened
        return opened
      },
      (error: unknown) => {
        opening = undefined // retry on the next call
        throw error
      },
    )
    return opening
  }

  /** Runs a driver call: refused after close, awaited by close. */
  function operation<T>(body: (p: Paths) => Promise<T>): Promise<T> {
    if (closed) return Promise.reject(new Error('The filesystem session store is closed'))
    const running = ready().then(body)
    const tracked = running.then(
      () => undefined,
      () => undefined,
    )
    pending.add(tracked)
    void tracked.then(() => pending.delete(tracked))
    return running
  }

  // ---------------------------------------------------------------------------------------
  // Names and paths

  function inside(dir: string, name: string): string {
    const path = resolve(dir, name)
    if (!path.startsWith(dir + sep) || path.length === dir.length + 1) {
      throw new Error('A session path escaped the session directory')
    }
    return path
  }

  const recordPath = (p: Paths, hash: string): string => inside(p.sessions, hash + RECORD_SUFFIX)
  const lockPath = (p: Paths, hash: string): string => inside(p.sessions, hash + LOCK_SUFFIX)
  const userDir = (p: Paths, userHash: string): string => inside(p.users, userHash)
  const markerPath = (p: Paths, userHash: string, hash: string): string =>
    inside(userDir(p, userHash), hash)

  // ---------------------------------------------------------------------------------------
  // Reading

  async function readRecord(p: Paths, hash: string): Promise<Read> {
    const path = recordPath(p, hash)
    if (O_NOFOLLOW === 0) {
      // No O_NOFOLLOW (Windows): check before opening.
      const stats = await lstatOrUndefined(path)
      if (stats === undefined) return { kind: 'missing' }
      if (!stats.isFile()) return { kind: 'corrupt', ino: stats.ino }
    }
    let handle: FileHandle
    try {
      handle = await open(path, READ_FLAGS)
    } catch (error) {
      const failure = code(error)
      if (failure === 'ENOENT') return { kind: 'missing' }
      // A symlink under O_NOFOLLOW: ELOOP (Linux, macOS), EMLINK (FreeBSD), EFTYPE (NetBSD).
      if (failure === 'ELOOP' || failure === 'EMLINK' || failure === 'EFTYPE') {
        const stats = await lstatOrUndefined(path)
        return stats === undefined ? { kind: 'missing' } : { kind: 'corrupt', ino: stats.ino }
      }
      if (failure === 'EISDIR') return { kind: 'corrupt', ino: undefined }
      throw error
    }
    try {
      const stats = await handle.stat({ bigint: true })
      if (!stats.isFile() || stats.size > BigInt(maxRecordBytes)) {
        return { kind: 'corrupt', ino: stats.ino }
      }
      // Reads the size fstat gave rather than `handle.readFile()`, which would fstat again:
      // one thread-pool round trip less. A file cut short meanwhile reads short and is corrupt.
      const bytes = await readExactly(handle, Number(stats.size))
      const record = decode(bytes, hash)
      return record === undefined
        ? { kind: 'corrupt', ino: stats.ino }
        : { kind: 'ok', record, ino: stats.ino }
    } finally {
      await handle.close()
    }
  }

  /** Removes the record file if it is still the one that was read (same inode). */
  async function discardIfSame(p: Paths, hash: string, ino: bigint | undefined): Promise<boolean> {
    const path = recordPath(p, hash)
    const stats = await lstatOrUndefined(path)
    if (stats === undefined) return false
    if (ino !== undefined && stats.ino !== ino) return false
    if (stats.isDirectory()) return false // not ours to remove; it stays "no session"
    return unlinkIfPresent(path)
  }

  // ---------------------------------------------------------------------------------------
  // Writing

  function encode(record: SessionRecord): string {
    const stored: Record<string, unknown> = {
      format: FORMAT,
      id: record.id,
      version: record.version,
      createdAt: record.createdAt,
      lastSeenAt: record.lastSeenAt,
      expiresAt: record.expiresAt,
      values: record.values,
      flash: record.flash,
    }
    if (record.userKey !== undefined) stored['userKey'] = record.userKey
    if (record.meta !== undefined) stored['meta'] = record.meta
    const text = JSON.stringify(stored)
    if (Buffer.byteLength(text) > maxRecordBytes) {
      throw new Error(`The session record exceeds maxRecordBytes (${maxRecordBytes} bytes)`)
    }
    return text
  }

  /** Writes `data` to a fresh temp file (0600, fsync'd) and returns its path. */
  async function writeTemp(p: Paths, data: string): Promise<string> {
    const temp = inside(p.sessions, TEMP_PREFIX + randomBytes(16).toString('hex'))
    const handle = await open(temp, CREATE_FLAGS, fileMode)
    try {
      // The umask may have removed bits from the open mode; the lock file this write holds
      // was created just before with the same mode and its fstat tells whether it did.
      if (!openKeepsFileMode) await handle.chmod(fileMode)
      await handle.writeFile(data, 'utf8')
      if (durable) await handle.sync()
      await handle.close()
    } catch (error) {
      await handle.close().catch(() => undefined)
      await unlinkIfPresent(temp).catch(() => undefined)
      throw error
    }
    return temp
  }

  async function syncDir(dir: string): Promise<void> {
    if (!durable) return
    let handle: FileHandle | undefined
    try {
      handle = await open(dir, fsConstants.O_RDONLY)
      await handle.sync()
    } catch (error) {
      // Directories cannot be opened or fsync'd everywhere (Windows, some network mounts).
      const failure = code(error)
      if (failure !== 'EISDIR' && failure !== 'EPERM' && failure !== 'EINVAL') throw error
    } finally {
      await handle?.close()
    }
  }

  /** Atomically replaces (or creates) the record file. */
  async function replace(p: Paths, hash: string, data: string): Promise<void> {
    const temp = await writeTemp(p, data)
    try {
      await rename(temp, recordPath(p, hash))
    } catch (error) {
      await unlinkIfPresent(temp).catch(() => undefined)
      throw error
    }
    await syncDir(p.sessions)
  }

  /** Atomically creates the record file; false when one exists already. */
  async function publishNew(p: Paths, hash: string, data: string): Promise<boolean> {
    const temp = await writeTemp(p, data)
    const target = recordPath(p, hash)
    try {
      await link(temp, target)
    } catch (error) {
      const failure = code(error)
      if (failure === 'EEXIST') {
        await unlinkIfPresent(temp)
        return false
      }
      if (failure !== 'EPERM' && failure !== 'ENOTSUP' && failure !== 'EOPNOTSUPP') {
        await unlinkIfPresent(temp).catch(() => undefined)
        throw error
      }
      // No hard links on this filesystem: the lock already keeps other writers out.
      try {
        await rename(temp, target)
      } catch (renameError) {
        await unlinkIfPresent(temp).catch(() => undefined)
        throw renameError
      }
      await syncDir(p.sessions)
      return true
    }
    await unlinkIfPresent(temp)
    await syncDir(p.sessions)
    return true
  }

  async function addMarker(p: Paths, userHash: string, hash: string): Promise<void> {
    const dir = userDir(p, userHash)
    for (let attempt = 0; ; attempt++) {
      try {
        await mkdir(dir, { mode: dirMode })
        await chmod(dir, dirMode)
      } catch (error) {
        if (code(error) !== 'EEXIST') throw error
      }
      try {
        const handle = await open(markerPath(p, userHash, hash), CREATE_FLAGS, fileMode)
        try {
          await handle.chmod(fileMode)
        } finally {
          await handle.close()
        }
        return
      } catch (error) {
        const failure = code(error)
        if (failure === 'EEXIST') return
        // A prune removed the (empty) user directory in between: make it again.
        if (failure !== 'ENOENT' || attempt >= 3) throw error
      }
    }
  }

  async function removeMarker(p: Paths, userHash: string, hash: string): Promise<void> {
    await unlinkIfPresent(markerPath(p, userHash, hash))
  }

  // ---------------------------------------------------------------------------------------
  // Locking

  async function acquireFileLock(p: Paths, hash: string): Promise<bigint> {
    const path = lockPath(p, hash)
    const deadline = Date.now() + lockTimeout
    let wait = 2
    for (;;) {
      let handle: FileHandle | undefined
      try {
        handle = await open(path, CREATE_FLAGS, fileMode)
        // The fstat that gives the lock's identity also shows whether the umask removed bits
        // from the open mode: only then is a chmod needed, here and for the temp file.
        const { ino, mode } = await handle.stat({ bigint: true })
        openKeepsFileMode = Number(mode & 0o777n) === fileMode
        if (!openKeepsFileMode) await handle.chmod(fileMode)
        await handle.close()
        return ino
      } catch (error) {
        if (handle !== undefined) {
          // Created but unusable: do not leave a lock behind for others to wait on.
          await handle.close().catch(() => undefined)
          await unlinkIfPresent(path).catch(() => undefined)
        }
        if (code(error) !== 'EEXIST') throw error
      }
      // Held by another process (this one's calls are queued by the mutex), or left by a
      // crashed one.
      if (await breakStaleLock(path, staleLockTimeout)) continue
      if (Date.now() >= deadline) {
        throw new Error('Timed out waiting for the lock on a session file')
      }
      await sleep(Math.min(wait, Math.max(1, deadline - Date.now())))
      wait = Math.min(wait * 2, 50)
    }
  }

  async function releaseFileLock(p: Paths, hash: string, ino: bigint): Promise<void> {
    const path = lockPath(p, hash)
    const stats = await lstatOrUndefined(path)
    // Our lock may have been broken as stale (a very slow write) and taken by another.
    if (stats?.ino === ino) await unlinkIfPresent(path)
  }

  /** Serializes writes to one session, in this process and across processes. */
  function withLock<T>(p: Paths, hash: string, body: () => Promise<T>): Promise<T> {
    return mutex.run(hash, async () => {
      const ino = await acquireFileLock(p, hash)
      try {
        return await body()
      } finally {
        await releaseFileLock(p, hash, ino)
      }
    })
  }

  // ---------------------------------------------------------------------------------------
  // Operations on one session (all under its lock)

  /** The live record, dropping an expired or corrupt file on sight. */
  async function readLive(p: Paths, hash: string, now: number): Promise<Read> {
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
    p: Paths,
    hash: string,
    read: Extract<Read, { kind: 'ok' }>,
  ): Promise<boolean> {
    const removed = await discardIfSame(p, hash, read.ino)
    const userKey = read.record.userKey
    if (userKey !== undefined) await removeMarker(p, hashUser(userKey), hash)
    return removed
  }

  /** Drops an expired or corrupt file found without the lock, checking again under it. */
  async function dropIfDead(p: Paths, hash: string, now: number): Promise<SessionRecord | false> {
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
  async function dropMarkerIfStale(p: Paths, userHash: string, hash: string): Promise<void> {
    await withLock(p, hash, async () => {
      const read = await readRecord(p, hash)
      const owner = read.kind === 'ok' ? read.record.userKey : undefined
      if (owner === undefined || hashUser(owner) !== userHash) {
        await removeMarker(p, userHash, hash)
      }
    })
  }

  // ---------------------------------------------------------------------------------------
  // Listing

  async function listNames(dir: string): Promise<string[]> {
    try {
      return await readdir(dir)
    } catch (error) {
      if (code(error) === 'ENOENT') return []
      throw error
    }
  }

  async function pruneAt(p: Paths, now: number): Promise<string[]> {
    const removed: string[] = []
    const owners = new Map<string, string>() // record hash → user hash, for live records
    await forEachLimit(await listNames(p.sessions), async (name) => {
      const match = RECORD_NAME.exec(name)
      if (match?.[1] !== undefined) {
        const hash = match[1]
        const read = await readRecord(p, hash)
        if (read.kind === 'ok' && read.record.expiresAt > now) {
          if (read.record.userKey !== undefined) owners.set(hash, hashUser(read.record.userKey))
          return
        }
        if (read.kind === 'missing') return
        const dropped = await dropIfDead(p, hash, now)
        if (dropped !== false) removed.push(dropped.id)
        return
      }
      if (TEMP_NAME.test(name)) {
        const path = inside(p.sessions, name)
        const stats = await lstatOrUndefined(path)
        if (stats !== undefined && Date.now() - Number(stats.mtimeMs) > STALE_TEMP_MS) {
          await unlinkIfPresent(path)
        }
        return
      }
      if (LOCK_NAME.test(name)) {
        await breakStaleLock(inside(p.sessions, name), Math.max(staleLockTimeout, STALE_TEMP_MS))
      }
    })
    await sweepIndex(p, owners)
    return removed
  }

  /** Removes markers of sessions that are gone, and empty user directories. */
  async function sweepIndex(p: Paths, owners: ReadonlyMap<string, string> | undefined) {
    for (const userHash of await listNames(p.users)) {
      if (!HEX64.test(userHash)) continue
      const dir = userDir(p, userHash)
      await forEachLimit(await listNames(dir), async (hash) => {
        if (!HEX64.test(hash)) return
        if (owners?.get(hash) === userHash) return
        await dropMarkerIfStale(p, userHash, hash)
      })
      try {
        await rmdir(dir)
      } catch (error) {
        const failure = code(error)
        if (failure !== 'ENOTEMPTY' && failure !== 'EEXIST' && failure !== 'ENOENT') throw error
      }
    }
  }

  // ---------------------------------------------------------------------------------------
  // The sweeper

  function schedule(): void {
    if (closed || sweepInterval === 0) return
    const jitter = sweepInterval * 0.1 * (2 * Math.random() - 1)
    timer = setTimeout(
      () => {
        timer = undefined
        sweep()
      },
      Math.max(1, Math.round(sweepInterval + jitter)),
    )
    unrefTimer(timer)
  }

  function sweep(): void {
    if (closed || sweeping) {
      schedule()
      return
    }
    sweeping = true
    operation((p) => pruneAt(p, clock()))
      .catch((error: unknown) => {
        try {
          onSweepError?.(error)
        } catch {
          // A failing error hook must not become an unhandled rejection.
        }
      })
      .finally(() => {
        sweeping = false
        schedule()
      })
  }

  schedule()

  // ---------------------------------------------------------------------------------------

  const driver: FilesystemDriver = {
    name: 'filesystem',
    capabilities: CAPABILITIES,
    get directory() {
      return paths?.root ?? requested
    },

    get(id, now) {
      return operation(async (p) => {
        if (!isValidSessionId(id)) return undefined
        const hash = hashId(id)
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
        const hash = hashId(record.id)
        const data = encode({ ...record, version: 1 })
        return withLock(p, hash, async () => {
          const existing = await readRecord(p, hash)
          if (existing.kind === 'ok' && existing.record.expiresAt > now) return false
          const userKey = record.userKey
          if (userKey !== undefined) await addMarker(p, hashUser(userKey), hash)
          if (existing.kind === 'missing') {
            if (!(await publishNew(p, hash, data))) return false
          } else {
            await replace(p, hash, data) // over an expired or corrupt file
          }
          const previousUser = existing.kind === 'ok' ? existing.record.userKey : undefined
          if (previousUser !== undefined && previousUser !== userKey) {
            await removeMarker(p, hashUser(previousUser), hash)
          }
          return true
        })
      })
    },

    update(id, patch, now): Promise<UpdateResult> {
      return operation(async (p) => {
        if (!isValidSessionId(id)) return { status: 'missing' }
        const hash = hashId(id)
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
            await addMarker(p, hashUser(next.userKey), hash)
          }
          await replace(p, hash, data)
          if (stored.userKey !== undefined && stored.userKey !== next.userKey) {
            await removeMarker(p, hashUser(stored.userKey), hash)
          }
          return { status: 'updated', version: next.version }
        })
      })
    },

    touch(id, lastSeenAt, expiresAt, now) {
      return operation(async (p) => {
        if (!isValidSessionId(id)) return false
        const hash = hashId(id)
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
        const hash = hashId(id)
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
        const userHash = hashUser(userKey)
        const out: SessionSummary[] = []
        await forEachLimit(await listNames(userDir(p, userHash)), async (hash) => {
          if (!HEX64.test(hash)) return
          const read = await readRecord(p, hash)
          if (read.kind === 'ok' && read.record.userKey === userKey) {
            const stored = read.record
            if (stored.expiresAt > now) {
              out.push({
                id: stored.id,
                createdAt: stored.createdAt,
                lastSeenAt: stored.lastSeenAt,
                expiresAt: stored.expiresAt,
                meta: stored.meta,
              })
            }
            return
          }
          await dropMarkerIfStale(p, userHash, hash)
        })
        return out.sort(
          (a, b) =>
            a.createdAt - b.createdAt ||
            a.lastSeenAt - b.lastSeenAt ||
            (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
        )
      })
    },

    deleteByUser(userKey, exceptId) {
      return operation(async (p) => {
        const userHash = hashUser(userKey)
        const except = exceptId === undefined ? undefined : hashId(exceptId)
        const removed: string[] = []
        const dir = userDir(p, userHash)
        await forEachLimit(await listNames(dir), async (hash) => {
          if (!HEX64.test(hash) || hash === except) return
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
        await forEachLimit(await listNames(p.sessions), async (name) => {
          const hash = RECORD_NAME.exec(name)?.[1]
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
      if (closed) return
      closed = true
      if (timer !== undefined) clearTimeout(timer)
      timer = undefined
      while (pending.size > 0) await Promise.all(pending)
    },
  }
  return driver
}

// ---------------------------------------------------------------------------------------
// Helpers

function optionalFlag(name: string): number {
  const value: unknown = Reflect.get(fsConstants, name)
  return typeof value === 'number' ? value : 0
}

function integer(name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new SessionConfigError(`${name} must be an integer between ${min} and ${max}`)
  }
  return value
}

function hashId(id: string): string {
  return createHash('sha256').update(ID_HASH_PREFIX).update(id, 'utf8').digest('hex')
}

function hashUser(userKey: string): string {
  return createHash('sha256').update(USER_HASH_PREFIX).update(userKey, 'utf8').digest('hex')
}

function code(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined
  const value = (error as { code?: unknown }).code
  return typeof value === 'string' ? value : undefined
}

async function lstatOrUndefined(path: string) {
  try {
    return await lstat(path, { bigint: true })
  } catch (error) {
    if (code(error) === 'ENOENT') return undefined
    throw error
  }
}

async function unlinkIfPresent(path: string): Promise<boolean> {
  try {
    await unlink(path)
    return true
  } catch (error) {
    if (code(error) === 'ENOENT') return false
    throw error
  }
}

/** Removes a lock file older than `maxAge` ms (real time); true when it is gone now. */
async function breakStaleLock(path: string, maxAge: number): Promise<boolean> {
  const stats = await lstatOrUndefined(path)
  if (stats === undefined) return true
  if (Date.now() - Number(stats.mtimeMs) <= maxAge) return false
  await unlinkIfPresent(path)
  return true
}

/** Reads `size` bytes from the start of the file, fewer when it ends sooner. */
async function readExactly(handle: FileHandle, size: number): Promise<Uint8Array> {
  const buffer = Buffer.alloc(size)
  let filled = 0
  while (filled < size) {
    const { bytesRead } = await handle.read(buffer, filled, size - filled, filled)
    if (bytesRead === 0) break
    filled += bytesRead
  }
  return buffer.subarray(0, filled)
}

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms))
}

async function forEachLimit<T>(items: readonly T[], body: (item: T) => Promise<void>) {
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T
      await body(item)
    }
  }
  await Promise.all(Array.from({ length: Math.min(PRUNE_PARALLELISM, items.length) }, worker))
}

// ---------------------------------------------------------------------------------------
// The record format

// ignoreBOM: a record is exactly what was written; a leading U+FEFF makes it not JSON.
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/** Parses and checks a record file; undefined when anything is off (STO-10, STO-13). */
function decode(bytes: Uint8Array, hash: string): SessionRecord | undefined {
  let parsed: unknown
  try {
    parsed = JSON.parse(decoder.decode(bytes))
  } catch {
    return undefined
  }
  if (!isPlainObject(parsed)) return undefined
  const id = own(parsed, 'id')
  if (own(parsed, 'format') !== FORMAT || !isValidSessionId(id) || hashId(id) !== hash) {
    return undefined
  }
  const version = own(parsed, 'version')
  const createdAt = own(parsed, 'createdAt')
  const lastSeenAt = own(parsed, 'lastSeenAt')
  const expiresAt = own(parsed, 'expiresAt')
  const values = own(parsed, 'values')
  const flash = own(parsed, 'flash')
  const userKey = own(parsed, 'userKey')
  const meta = own(parsed, 'meta')
  if (
    typeof version !== 'number' ||
    !Number.isSafeInteger(version) ||
    version < 1 ||
    !isTime(createdAt) ||
    !isTime(lastSeenAt) ||
    !isTime(expiresAt) ||
    !isPlainObject(values) ||
    !isPlainObject(flash) ||
    !Object.values(flash).every((list) => Array.isArray(list)) ||
    (userKey !== undefined && typeof userKey !== 'string') ||
    (meta !== undefined &&
      (!isPlainObject(meta) || !Object.values(meta).every((v) => typeof v === 'string')))
  ) {
    return undefined
  }
  return {
    id,
    values,
    flash: flash as Record<string, readonly unknown[]>,
    version,
    createdAt,
    lastSeenAt,
    expiresAt,
    userKey,
    meta: meta as Record<string, string> | undefined,
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isTime(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value)
}

function own(object: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(object, key) ? object[key] : undefined
}
