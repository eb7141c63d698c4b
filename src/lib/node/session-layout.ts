// Where the filesystem driver keeps what: the names under its directory and how they are
// derived. A name never comes from input: it is the SHA-256 (lower-case hex, so
// case-insensitive filesystems are safe) of a validated id or user key, under a prefix that
// keeps the two kinds of hash apart, so the listing of the directory holds no session id.
//
//   <root>/sessions/<hash(id)>.json     a record
//   <root>/sessions/<hash(id)>.lock     its lock file
//   <root>/users/<hash(userKey)>/<hash(id)>   an index marker

import { createHash } from 'node:crypto'
import { chmod, lstat, mkdir, realpath } from 'node:fs/promises'
import { join } from 'node:path'

import { pathInside } from './contained-path.ts'
import { errorCode } from './fs-calls.ts'

/** The real directory and its two subdirectories. */
export interface SessionPaths {
  readonly root: string
  readonly sessions: string
  readonly users: string
}

const ID_HASH_PREFIX = 'sessionkit:fs:id:'
const USER_HASH_PREFIX = 'sessionkit:fs:user:'
const RECORD_SUFFIX = '.json'
const LOCK_SUFFIX = '.lock'

const HEX64 = /^[0-9a-f]{64}$/
const RECORD_NAME = /^([0-9a-f]{64})\.json$/
const LOCK_NAME = /^[0-9a-f]{64}\.lock$/

/** Whether `name` is a hash as names use it: a marker's name, a user directory's name. */
export function isHash(name: string): boolean {
  return HEX64.test(name)
}

/** The session hash a record file's name holds, or undefined for any other name. */
export function recordHashOf(name: string): string | undefined {
  return RECORD_NAME.exec(name)?.[1]
}

/** Whether `name` is a lock file's name. */
export function isLockName(name: string): boolean {
  return LOCK_NAME.test(name)
}

export function hashSessionId(id: string): string {
  return createHash('sha256').update(ID_HASH_PREFIX).update(id, 'utf8').digest('hex')
}

export function hashUserKey(userKey: string): string {
  return createHash('sha256').update(USER_HASH_PREFIX).update(userKey, 'utf8').digest('hex')
}

export const recordPath = (p: SessionPaths, hash: string): string =>
  pathInside(p.sessions, hash + RECORD_SUFFIX)
export const lockPath = (p: SessionPaths, hash: string): string =>
  pathInside(p.sessions, hash + LOCK_SUFFIX)
export const userDir = (p: SessionPaths, userHash: string): string => pathInside(p.users, userHash)
export const markerPath = (p: SessionPaths, userHash: string, hash: string): string =>
  pathInside(userDir(p, userHash), hash)

/** Creates `path` with `mode` when missing; checks it is a directory and sets its mode. */
async function ensureDir(path: string, mode: number): Promise<void> {
  try {
    await mkdir(path, { mode })
  } catch (error) {
    if (errorCode(error) !== 'EEXIST') throw error
  }
  const stats = await lstat(path)
  if (!stats.isDirectory()) {
    throw new Error('The session directory (or one of its subdirectories) is not a directory')
  }
  if ((stats.mode & 0o777) !== mode) await chmod(path, mode)
}

/** Creates (with parents) or checks the directory and its layout, every level with `dirMode`. */
export async function openSessionDirectory(
  requested: string,
  dirMode: number,
): Promise<SessionPaths> {
  await mkdir(requested, { recursive: true, mode: dirMode })
  // The configured path may go through symlinks (/var/run → /run); everything below the
  // real directory is ours, and none of it is followed.
  const root = await realpath(requested)
  await ensureDir(root, dirMode)
  const opened: SessionPaths = {
    root,
    sessions: join(root, 'sessions'),
    users: join(root, 'users'),
  }
  await ensureDir(opened.sessions, dirMode)
  await ensureDir(opened.users, dirMode)
  return opened
}
