// The primitives gorilla/securecookie needs: HMAC with a choice of hash, AES-CTR with a
// full 128-bit big-endian counter (Go's cipher.NewCTR), random IVs and a constant-time
// compare. node:crypto is reached through process.getBuiltinModule (never a static import,
// structural types only) like src/lib/crypto/node.ts; Web Crypto is the fallback. Both
// paths give identical bytes; the vector tests run every vector through both.

import type { Awaitable } from '../../lib/awaitable.ts'
import { nodeBuiltin } from '../../lib/crypto/builtin.ts'
import { constantTimeEqual } from '../../lib/encoding.ts'

/** HMAC hash functions, by Go package name (`sha256.New`, `sha512.New`, ...). */
export type SecureCookieHash = 'sha256' | 'sha512' | 'sha1' | 'sha384'

/** Which implementation to use; `'auto'` prefers node:crypto where the runtime has it. */
export type SecureCookieCryptoChoice = 'auto' | 'node' | 'web'

export const HASH_SIZES: Readonly<Record<SecureCookieHash, number>> = Object.freeze({
  sha1: 20,
  sha256: 32,
  sha384: 48,
  sha512: 64,
})

const WEB_HASH_NAMES: Readonly<Record<SecureCookieHash, string>> = Object.freeze({
  sha1: 'SHA-1',
  sha256: 'SHA-256',
  sha384: 'SHA-384',
  sha512: 'SHA-512',
})

export interface HmacSigner {
  sign(data: Uint8Array): Awaitable<Uint8Array>
}

export interface CtrCipher {
  /** AES-CTR keystream XOR with `iv` as the initial 128-bit counter block. */
  xor(iv: Uint8Array, data: Uint8Array): Awaitable<Uint8Array>
}

export interface SecureCookieCrypto {
  readonly name: 'node' | 'web'
  hmac(hash: SecureCookieHash, key: Uint8Array): HmacSigner
  /** `key` is 16, 24 or 32 bytes (checked by the caller). */
  aesCtr(key: Uint8Array): CtrCipher
  randomBytes(length: number): Uint8Array
  /** Constant time for equal lengths; different lengths are a plain `false`. */
  equal(a: Uint8Array, b: Uint8Array): boolean
}

// ---------------------------------------------------------------------------------------
// node:crypto (structural types only; no @types/node in the core)

interface NodeKeyObject {
  readonly type: string
}

interface NodeHmac {
  update(data: Uint8Array): NodeHmac
  digest(): Uint8Array
}

interface NodeCipher {
  update(data: Uint8Array): Uint8Array
  final(): Uint8Array
}

interface NodeCryptoModule {
  randomFillSync(buffer: Uint8Array): Uint8Array
  createSecretKey(key: Uint8Array): NodeKeyObject
  createHmac(algorithm: string, key: NodeKeyObject): NodeHmac
  createCipheriv(algorithm: string, key: NodeKeyObject, iv: Uint8Array): NodeCipher
  timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean
}

function loadNodeCrypto(): NodeCryptoModule | undefined {
  const mod = nodeBuiltin('node:crypto') as Partial<NodeCryptoModule> | null | undefined
  if (
    typeof mod?.createHmac === 'function' &&
    typeof mod.createCipheriv === 'function' &&
    typeof mod.createSecretKey === 'function' &&
    typeof mod.timingSafeEqual === 'function' &&
    typeof mod.randomFillSync === 'function'
  ) {
    return mod as NodeCryptoModule
  }
  return undefined
}

function plain(bytes: Uint8Array): Uint8Array {
  // Node returns Buffers; hand out plain Uint8Arrays (same memory, no copy).
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

function createNodeCrypto(nodeCrypto: NodeCryptoModule): SecureCookieCrypto {
  return {
    name: 'node',
    hmac(hash, raw) {
      const key = nodeCrypto.createSecretKey(raw)
      return { sign: (data) => plain(nodeCrypto.createHmac(hash, key).update(data).digest()) }
    },
    aesCtr(raw) {
      const key = nodeCrypto.createSecretKey(raw)
      const algorithm = `aes-${raw.length * 8}-ctr`
      return {
        xor(iv, data) {
          const cipher = nodeCrypto.createCipheriv(algorithm, key, iv)
          const head = cipher.update(data)
          const tail = cipher.final()
          if (tail.length === 0) return plain(head)
          const out = new Uint8Array(head.length + tail.length)
          out.set(head, 0)
          out.set(tail, head.length)
          return out
        },
      }
    },
    randomBytes(length) {
      return nodeCrypto.randomFillSync(new Uint8Array(length))
    },
    equal(a, b) {
      return a.length === b.length && nodeCrypto.timingSafeEqual(a, b)
    },
  }
}

// ---------------------------------------------------------------------------------------
// Web Crypto

// Web Crypto wants ArrayBuffer-backed views; copying also detaches us from caller buffers.
function own(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const copy = new Uint8Array(bytes.length)
  copy.set(bytes)
  return copy
}

function createWebCrypto(): SecureCookieCrypto {
  return {
    name: 'web',
    hmac(hash, raw) {
      const material = own(raw)
      let key: Promise<CryptoKey> | undefined
      return {
        async sign(data) {
          key ??= crypto.subtle.importKey(
            'raw',
            material,
            { name: 'HMAC', hash: WEB_HASH_NAMES[hash] },
            false,
            ['sign'],
          )
          return new Uint8Array(await crypto.subtle.sign('HMAC', await key, own(data)))
        },
      }
    },
    aesCtr(raw) {
      const material = own(raw)
      let key: Promise<CryptoKey> | undefined
      return {
        async xor(iv, data) {
          key ??= crypto.subtle.importKey('raw', material, 'AES-CTR', false, ['encrypt'])
          const params = { name: 'AES-CTR', counter: own(iv), length: 128 }
          return new Uint8Array(await crypto.subtle.encrypt(params, await key, own(data)))
        },
      }
    },
    randomBytes(length) {
      return crypto.getRandomValues(new Uint8Array(length))
    },
    equal: constantTimeEqual,
  }
}

let nodeInstance: SecureCookieCrypto | undefined
let webInstance: SecureCookieCrypto | undefined

/** The primitives for `choice`, or `undefined` when that implementation is unavailable. */
export function resolveSecureCookieCrypto(
  choice: SecureCookieCryptoChoice = 'auto',
): SecureCookieCrypto | undefined {
  if (choice !== 'web') {
    if (nodeInstance === undefined) {
      const mod = loadNodeCrypto()
      if (mod !== undefined) nodeInstance = createNodeCrypto(mod)
    }
    if (nodeInstance !== undefined || choice === 'node') return nodeInstance
  }
  if (typeof globalThis.crypto === 'undefined' || typeof crypto.subtle === 'undefined') {
    return undefined
  }
  webInstance ??= createWebCrypto()
  return webInstance
}
