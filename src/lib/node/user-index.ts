// The per-user index of the filesystem driver: an empty marker file per session in a directory
// per user, so listing or deleting a user's sessions reads only theirs. A marker is a hint, not
// the truth (the record's own userKey is): a stale one is removed when it is next seen, which is
// why a marker is added before its record is written and removed after.

import { chmod, mkdir, open } from 'node:fs/promises'

import { errorCode } from './fs-calls.ts'
import { CREATE_FLAGS } from './open-flags.ts'

export interface MarkerModes {
  readonly dirMode: number
  readonly fileMode: number
}

/** Creates the marker file `marker` in the user directory `dir` (made when missing). */
export async function addMarker(dir: string, marker: string, modes: MarkerModes): Promise<void> {
  const { dirMode, fileMode } = modes
  for (let attempt = 0; ; attempt++) {
    try {
      await mkdir(dir, { mode: dirMode })
      await chmod(dir, dirMode)
    } catch (error) {
      if (errorCode(error) !== 'EEXIST') throw error
    }
    try {
      const handle = await open(marker, CREATE_FLAGS, fileMode)
      try {
        await handle.chmod(fileMode)
      } finally {
        await handle.close()
      }
      return
    } catch (error) {
      const failure = errorCode(error)
      if (failure === 'EEXIST') return
      // A prune removed the (empty) user directory in between: make it again.
      if (failure !== 'ENOENT' || attempt >= 3) throw error
    }
  }
}
