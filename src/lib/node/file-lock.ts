// Lock files: a file created with O_EXCL is held by whoever created it, which serializes
// writers in other processes sharing the directory (in-process calls are queued before they
// get here). A lock older than `staleLockTimeout` is taken to belong to a crashed process and
// is broken; locks are not refreshed while held, so that timeout must exceed the longest write.

import { open, type FileHandle } from 'node:fs/promises'

import { errorCode, lstatOrUndefined, unlinkIfPresent } from './fs-calls.ts'
import { CREATE_FLAGS } from './open-flags.ts'

export interface FileLockOptions {
  /** Mode of a lock file, whatever the umask. */
  readonly fileMode: number
  /** Milliseconds to wait for another process's lock before `acquire` rejects. */
  readonly lockTimeout: number
  /** Age in milliseconds after which a lock is broken as left by a crashed process. */
  readonly staleLockTimeout: number
}

export class FileLocks {
  readonly #options: FileLockOptions
  /**
   * Whether the last lock file came out of `open` with exactly `fileMode` (the umask). A
   * write under the lock creates its temp file with the same mode, and skips its chmod when
   * this is true.
   */
  openKeepsFileMode = false

  constructor(options: FileLockOptions) {
    this.#options = options
  }

  /** Creates the lock file at `path`, waiting for another holder; returns its inode. */
  async acquire(path: string): Promise<bigint> {
    const { fileMode, lockTimeout, staleLockTimeout } = this.#options
    const deadline = Date.now() + lockTimeout
    let wait = 2
    for (;;) {
      let handle: FileHandle | undefined
      try {
        handle = await open(path, CREATE_FLAGS, fileMode)
        // The fstat that gives the lock's identity also shows whether the umask removed bits
        // from the open mode: only then is a chmod needed, here and for the temp file.
        const { ino, mode } = await handle.stat({ bigint: true })
        this.openKeepsFileMode = Number(mode & 0o777n) === fileMode
        if (!this.openKeepsFileMode) await handle.chmod(fileMode)
        await handle.close()
        return ino
      } catch (error) {
        if (handle !== undefined) {
          // Created but unusable: do not leave a lock behind for others to wait on.
          await handle.close().catch(() => undefined)
          await unlinkIfPresent(path).catch(() => undefined)
        }
        if (errorCode(error) !== 'EEXIST') throw error
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

  /** Removes the lock file at `path` if it is still the one `acquire` created. */
  async release(path: string, ino: bigint): Promise<void> {
    const stats = await lstatOrUndefined(path)
    // Our lock may have been broken as stale (a very slow write) and taken by another.
    if (stats?.ino === ino) await unlinkIfPresent(path)
  }
}

/**
 * Removes a lock file older than `maxAge` ms (real time); true when it is gone now. This is a
 * check-then-unlink: two processes breaking the same stale lock at the same instant could both
 * proceed once, which only matters right after a crash.
 */
export async function breakStaleLock(path: string, maxAge: number): Promise<boolean> {
  const stats = await lstatOrUndefined(path)
  if (stats === undefined) return true
  if (Date.now() - Number(stats.mtimeMs) <= maxAge) return false
  await unlinkIfPresent(path)
  return true
}

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms))
}
