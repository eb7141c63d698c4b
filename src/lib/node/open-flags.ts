// The `open` flags for files in a directory the filesystem driver owns. A planted symlink is
// never followed and a planted FIFO never blocks a read; new files are created exclusively, so
// creating one is also the test that it did not exist. Flags a platform lacks (Windows) are 0
// there, and the code that relies on them checks `O_NOFOLLOW === 0` to do it another way.

import { constants as fsConstants } from 'node:fs'

function optionalFlag(name: string): number {
  const value: unknown = Reflect.get(fsConstants, name)
  return typeof value === 'number' ? value : 0
}

export const O_NOFOLLOW: number = optionalFlag('O_NOFOLLOW')
const O_NONBLOCK: number = optionalFlag('O_NONBLOCK')

/** Read, never through a symlink, never waiting on a FIFO. */
export const READ_FLAGS: number = fsConstants.O_RDONLY | O_NOFOLLOW | O_NONBLOCK

/** Create a new file for writing; fails with EEXIST when the name is taken. */
export const CREATE_FLAGS: number =
  fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL | O_NOFOLLOW
