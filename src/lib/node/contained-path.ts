// The last check before any path of the filesystem driver is used: names are hashes, never
// input, but each joined path is still checked to stay strictly inside its directory, so a bug
// in naming cannot turn into a write outside it.

import { resolve, sep } from 'node:path'

/** `dir/name`, resolved; throws when it is not a child (or deeper) of `dir`. */
export function pathInside(dir: string, name: string): string {
  const path = resolve(dir, name)
  if (!path.startsWith(dir + sep) || path.length === dir.length + 1) {
    throw new Error('A session path escaped the session directory')
  }
  return path
}
