import type { CryptoBackend } from './backend.ts'
import { createNodeCryptoBackend } from './node.ts'
import { createWebCryptoBackend } from './web.ts'

/**
 * Which crypto implementation to use: `'auto'` (node:crypto where the runtime has it, Web
 * Crypto elsewhere), `'node'`, `'web'`, or a backend object.
 */
export type CryptoChoice = 'auto' | 'node' | 'web' | CryptoBackend

let autoBackend: CryptoBackend | undefined

export function resolveCryptoBackend(choice: CryptoChoice = 'auto'): CryptoBackend | undefined {
  if (typeof choice === 'object') return choice
  if (choice === 'web') return createWebCryptoBackend()
  if (choice === 'node') return createNodeCryptoBackend()
  autoBackend ??= createNodeCryptoBackend() ?? createWebCryptoBackend()
  return autoBackend
}
