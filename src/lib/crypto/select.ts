import { SessionConfigError } from '../../errors.ts'
import type { CryptoBackend } from './backend.ts'
import { createNodeCryptoBackend } from './node.ts'
import { createWebCryptoBackend } from './web.ts'

/**
 * Which crypto implementation to use: `'auto'` (node:crypto where the runtime has it, Web
 * Crypto elsewhere), `'node'`, `'web'`, or a backend object.
 */
export type CryptoChoice = 'auto' | 'node' | 'web' | CryptoBackend

let autoBackend: CryptoBackend | undefined

/** `undefined` when `'node'` was asked for on a runtime without node:crypto. */
export function resolveCryptoBackend(choice: CryptoChoice = 'auto'): CryptoBackend | undefined {
  if (typeof choice === 'object') return choice
  switch (choice) {
    case 'web':
      return createWebCryptoBackend()
    case 'node':
      return createNodeCryptoBackend()
    case 'auto':
      autoBackend ??= createNodeCryptoBackend() ?? createWebCryptoBackend()
      return autoBackend
    default:
      // Reachable from JavaScript callers: a typo must not silently pick a backend.
      throw new SessionConfigError(`Unknown crypto backend "${String(choice)}"`)
  }
}
