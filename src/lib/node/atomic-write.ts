// Replacing a file so that a reader or a crash sees the old content or the new one, never a
// torn file: the data goes to a unique temp file in the same directory, is fsync'd, and is
// renamed over the target (or hard-linked to it, which never replaces an existing file); then
// the directory is fsync'd so the rename itself survives a power loss.

import { randomBytes } from 'node:crypto'
import { constants as fsConstants } from 'node:fs'
import { link, open, rename, type FileHandle } from 'node:fs/promises'

import { pathInside } from './contained-path.ts'
import { errorCode, unlinkIfPresent } from './fs-calls.ts'
import { CREATE_FLAGS } from './open-flags.ts'

const TEMP_PREFIX = '.tmp-'
const TEMP_NAME = /^\.tmp-[0-9a-f]{32}$/

/** Whether `name` is a temp file's name: one left behind belongs to a write that crashed. */
export function isTempName(name: string): boolean {
  return TEMP_NAME.test(name)
}

export interface AtomicWriteOptions {
  /** Mode of the new file, whatever the umask. */
  readonly fileMode: number
  /** fsync the file and the directory; without it writes stay atomic but not durable. */
  readonly durable: boolean
  /**
   * Whether `open` is known to give a new file exactly `fileMode` (the umask removes none of
   * its bits), which saves a chmod. Asked when the temp file has been opened.
   */
  readonly openKeepsFileMode: () => boolean
}

/** Writes `data` to a fresh temp file in `dir` (fsync'd when durable) and returns its path. */
async function writeTemp(dir: string, data: string, options: AtomicWriteOptions): Promise<string> {
  const temp = pathInside(dir, TEMP_PREFIX + randomBytes(16).toString('hex'))
  const handle = await open(temp, CREATE_FLAGS, options.fileMode)
  try {
    // The umask may have removed bits from the open mode; the caller knows whether it does.
    if (!options.openKeepsFileMode()) await handle.chmod(options.fileMode)
    await handle.writeFile(data, 'utf8')
    if (options.durable) await handle.sync()
    await handle.close()
  } catch (error) {
    await handle.close().catch(() => undefined)
    await unlinkIfPresent(temp).catch(() => undefined)
    throw error
  }
  return temp
}

async function syncDir(dir: string, options: AtomicWriteOptions): Promise<void> {
  if (!options.durable) return
  let handle: FileHandle | undefined
  try {
    handle = await open(dir, fsConstants.O_RDONLY)
    await handle.sync()
  } catch (error) {
    // Directories cannot be opened or fsync'd everywhere (Windows, some network mounts).
    const failure = errorCode(error)
    if (failure !== 'EISDIR' && failure !== 'EPERM' && failure !== 'EINVAL') throw error
  } finally {
    await handle?.close()
  }
}

/** Renames the temp file over `target`; on failure the temp file is removed. */
async function renameOver(temp: string, target: string): Promise<void> {
  try {
    await rename(temp, target)
  } catch (error) {
    await unlinkIfPresent(temp).catch(() => undefined)
    throw error
  }
}

/** Atomically replaces (or creates) `target`, a file in `dir`. */
export async function replaceFile(
  dir: string,
  target: string,
  data: string,
  options: AtomicWriteOptions,
): Promise<void> {
  const temp = await writeTemp(dir, data, options)
  await renameOver(temp, target)
  await syncDir(dir, options)
}

/**
 * Atomically creates `target`, a file in `dir`; false when one exists already. Where the
 * filesystem has no hard links it falls back to a rename, which would replace a file created
 * meanwhile: the caller must keep other writers of `target` out (the driver holds its lock).
 */
export async function publishFile(
  dir: string,
  target: string,
  data: string,
  options: AtomicWriteOptions,
): Promise<boolean> {
  const temp = await writeTemp(dir, data, options)
  try {
    await link(temp, target)
  } catch (error) {
    const failure = errorCode(error)
    if (failure === 'EEXIST') {
      await unlinkIfPresent(temp)
      return false
    }
    if (failure !== 'EPERM' && failure !== 'ENOTSUP' && failure !== 'EOPNOTSUPP') {
      await unlinkIfPresent(temp).catch(() => undefined)
      throw error
    }
    // No hard links on this filesystem: the lock already keeps other writers out.
    await renameOver(temp, target)
    await syncDir(dir, options)
    return true
  }
  await unlinkIfPresent(temp)
  await syncDir(dir, options)
  return true
}
