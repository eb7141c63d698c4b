// The crypto backends the codec runs on, as the public API names them: a backend can be
// chosen (`crypto: 'node' | 'web'`) or supplied, so its contract is part of the core.
export type { AeadKey, CryptoBackend, MacKey } from '../lib/crypto/backend.ts'
export type { CryptoChoice } from '../lib/crypto/select.ts'
export { createNodeCryptoBackend } from '../lib/crypto/node.ts'
export { createWebCryptoBackend } from '../lib/crypto/web.ts'
