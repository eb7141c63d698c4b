// The node:fs calls of the filesystem driver where a file that is not there is an answer, not
// a failure: another process (or a prune) may remove any file at any moment, so ENOENT comes
// back as `undefined`, `false` or `[]` and every other error is thrown as it came.

import type { BigIntStats } from 'node:fs'
import { lstat, readdir, unlink } from 'node:fs/promises'

/** The `code` of a Node system error (`'ENOENT'`, ...); undefined for anything else. */
export function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined
  const value = (error as { code?: unknown }).code
  return typeof value === 'string' ? value : undefined
}

/** `lstat` with bigint fields (inode numbers do not fit a double everywhere). */
export async function lstatOrUndefined(path: string): Promise<BigIntStats | undefined> {
  try {
    return await lstat(path, { bigint: true })
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined
    throw error
  }
}

/** True when this call removed the file. */
export async function unlinkIfPresent(path: string): Promise<boolean> {
  try {
    await unlink(path)
    return true
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return false
    throw error
  }
}

/** The names in a directory; none when the directory is gone. */
export async function listNames(dir: string): Promise<string[]> {
  try {
    return await readdir(dir)
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return []
    throw error
  }
}
