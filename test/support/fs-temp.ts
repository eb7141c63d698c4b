// Temporary directories for the filesystem driver tests, and a view of a directory tree with
// the mode and kind of every entry.
import { lstat, mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const made = new Set<string>()

/** A new empty directory under the OS temp directory; `removeTempDirs` deletes it. */
export async function makeTempDir(prefix = 'sessionkit-fs-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  made.add(dir)
  return dir
}

/** Deletes every directory made by `makeTempDir` so far. */
export async function removeTempDirs(): Promise<void> {
  const dirs = [...made]
  made.clear()
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })))
}

export interface TreeEntry {
  /** Path relative to the root, with `/` separators. */
  readonly path: string
  readonly kind: 'file' | 'dir' | 'symlink' | 'other'
  /** Permission bits (`mode & 0o777`). */
  readonly mode: number
}

/** Every entry below `root` (not following symlinks), sorted by path. */
export async function tree(root: string): Promise<TreeEntry[]> {
  const out: TreeEntry[] = []
  async function walk(dir: string, prefix: string): Promise<void> {
    for (const name of await readdir(dir)) {
      const full = join(dir, name)
      const stats = await lstat(full)
      const path = prefix === '' ? name : `${prefix}/${name}`
      const kind = stats.isSymbolicLink()
        ? 'symlink'
        : stats.isDirectory()
          ? 'dir'
          : stats.isFile()
            ? 'file'
            : 'other'
      out.push({ path, kind, mode: stats.mode & 0o777 })
      if (kind === 'dir') await walk(full, path)
    }
  }
  await walk(root, '')
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
}

/** Paths of the entries of `tree(root)`. */
export async function treePaths(root: string): Promise<string[]> {
  return (await tree(root)).map((entry) => entry.path)
}
