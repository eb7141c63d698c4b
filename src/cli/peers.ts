// The optional peer dependencies the CLI opens stores with, found where the application has them.

import { createRequire } from 'node:module'
import { join } from 'node:path'

/**
 * An optional peer dependency as the application has it (resolved from the working
 * directory), else one next to this package; undefined when neither is installed.
 */
export function loadPeer(cwd: string, name: string): unknown {
  for (const base of [join(cwd, 'package.json'), import.meta.url]) {
    try {
      return createRequire(base)(name) as unknown
    } catch {
      // Not installed there.
    }
  }
  return undefined
}
