// SHA-2 digests for the server store's storage keys. Web Crypto is the reference and the
// fallback; where node:crypto exists (Node, Bun, Deno) its synchronous hash gives the same
// bytes without Web Crypto's thread-pool round trip, which costs more than the hash itself
// on a loaded machine (docs/stores.md, "Ids at rest", has the figures).

import { nodeBuiltin } from './builtin.ts'

export type DigestAlgorithm = 'SHA-256' | 'SHA-512'

interface NodeHash {
  update(data: Uint8Array): NodeHash
  digest(): Uint8Array
}

type CreateHash = (algorithm: string) => NodeHash

let nodeHash: CreateHash | null | undefined

function createHashOf(): CreateHash | null {
  if (nodeHash === undefined) {
    const mod = nodeBuiltin('node:crypto') as { createHash?: unknown } | null | undefined
    nodeHash = typeof mod?.createHash === 'function' ? (mod.createHash as CreateHash) : null
  }
  return nodeHash
}

const NODE_NAMES: Readonly<Record<DigestAlgorithm, string>> = {
  'SHA-256': 'sha256',
  'SHA-512': 'sha512',
}

/** The digest of `data`, from node:crypto where it exists, else from Web Crypto. */
export async function digest(
  algorithm: DigestAlgorithm,
  data: Uint8Array<ArrayBuffer>,
): Promise<Uint8Array> {
  const createHash = createHashOf()
  if (createHash !== null)
    return new Uint8Array(createHash(NODE_NAMES[algorithm]).update(data).digest())
  return webDigest(algorithm, data)
}

/** The digest of `data` from Web Crypto alone. */
export async function webDigest(
  algorithm: DigestAlgorithm,
  data: Uint8Array<ArrayBuffer>,
): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest(algorithm, data))
}
