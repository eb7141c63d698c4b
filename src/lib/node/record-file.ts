// Reading one record file of the filesystem driver without trusting what is at its path: a
// symlink is never read through, a FIFO never blocks, a directory, an oversized or a malformed
// file is corrupt. A corrupt file is reported with its inode, so the driver removes that very
// file later and never one that a concurrent write has renamed into its place meanwhile.

import { open, type FileHandle } from 'node:fs/promises'

import type { StoredRecord } from '../stored-record.ts'
import { errorCode, lstatOrUndefined, unlinkIfPresent } from './fs-calls.ts'
import { O_NOFOLLOW, READ_FLAGS } from './open-flags.ts'
import { decodeRecord } from './record-format.ts'

/** What reading a record file found. `ino` identifies the file for a later guarded removal. */
export type RecordRead =
  | { readonly kind: 'missing' }
  | { readonly kind: 'corrupt'; readonly ino: bigint | undefined }
  | { readonly kind: 'ok'; readonly record: StoredRecord; readonly ino: bigint }

/** Reads the record file at `path`, whose name was derived from `hash`. */
export async function readRecordFile(
  path: string,
  hash: string,
  maxRecordBytes: number,
): Promise<RecordRead> {
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
    const failure = errorCode(error)
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
    const record = decodeRecord(bytes, hash)
    return record === undefined
      ? { kind: 'corrupt', ino: stats.ino }
      : { kind: 'ok', record, ino: stats.ino }
  } finally {
    await handle.close()
  }
}

/** Removes the file at `path` if it is still the one that was read (same inode). */
export async function discardIfSame(path: string, ino: bigint | undefined): Promise<boolean> {
  const stats = await lstatOrUndefined(path)
  if (stats === undefined) return false
  if (ino !== undefined && stats.ino !== ino) return false
  if (stats.isDirectory()) return false // not ours to remove; it stays "no session"
  return unlinkIfPresent(path)
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
