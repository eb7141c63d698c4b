// The synchronous fast path on Node (and runtimes with node:crypto, such as Bun and Deno).
// node:crypto is reached through process.getBuiltinModule, never a static import, so the
// core stays loadable on runtimes without it; only the structural types below are used.

import {
  GCM_IV_LENGTH,
  GCM_TAG_LENGTH,
  HMAC_LENGTH,
  type AeadKey,
  type CryptoBackend,
  type MacKey,
} from './backend.ts'
import { sextet } from '../encoding.ts'
import { nodeBuiltin } from './builtin.ts'

const RANDOM_POOL_SIZE = 4096

const BASE64URL_TEXT = /^[A-Za-z0-9_-]*$/

interface NodeKeyObject {
  readonly type: string
}

interface NodeCipher {
  setAAD(aad: Uint8Array): unknown
  update(data: Uint8Array): Uint8Array
  final(): Uint8Array
  getAuthTag(): Uint8Array
}

interface NodeDecipher {
  setAAD(aad: Uint8Array): unknown
  setAuthTag(tag: Uint8Array): unknown
  update(data: Uint8Array): Uint8Array
  final(): Uint8Array
}

interface NodeHmac {
  update(data: Uint8Array): NodeHmac
  digest(): Uint8Array
}

interface NodeCryptoModule {
  randomFillSync(buffer: Uint8Array): Uint8Array
  createSecretKey(key: Uint8Array): NodeKeyObject
  createCipheriv(
    algorithm: 'aes-256-gcm',
    key: NodeKeyObject,
    iv: Uint8Array,
    options: { authTagLength: number },
  ): NodeCipher
  createDecipheriv(
    algorithm: 'aes-256-gcm',
    key: NodeKeyObject,
    iv: Uint8Array,
    options: { authTagLength: number },
  ): NodeDecipher
  createHmac(algorithm: 'sha256', key: NodeKeyObject): NodeHmac
  timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean
  hkdfSync(
    digest: 'sha256',
    ikm: Uint8Array,
    salt: Uint8Array,
    info: Uint8Array,
    length: number,
  ): ArrayBuffer
}

interface NodeBuffer extends Uint8Array {
  toString(encoding?: 'base64url'): string
  copy(target: Uint8Array, targetStart: number, sourceStart: number, sourceEnd: number): number
}

interface NodeBufferConstructor {
  from(buffer: ArrayBufferLike, byteOffset: number, length: number): NodeBuffer
  from(text: string, encoding: 'base64url' | 'utf8'): NodeBuffer
  allocUnsafe(size: number): NodeBuffer
  isBuffer(value: unknown): boolean
}

interface NodeGlobals {
  Buffer?: NodeBufferConstructor
}

function isNodeCrypto(value: unknown): value is NodeCryptoModule {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Partial<NodeCryptoModule>).createCipheriv === 'function' &&
    typeof (value as Partial<NodeCryptoModule>).hkdfSync === 'function' &&
    typeof (value as Partial<NodeCryptoModule>).createSecretKey === 'function'
  )
}

function loadNodeCrypto(): { crypto: NodeCryptoModule; buffer: NodeBufferConstructor } | undefined {
  const buffer = (globalThis as NodeGlobals).Buffer
  const mod = nodeBuiltin('node:crypto')
  return buffer !== undefined && isNodeCrypto(mod) ? { crypto: mod, buffer } : undefined
}

/**
 * The node:crypto backend, or `undefined` when this runtime has no node:crypto.
 * Every operation is synchronous.
 */
export function createNodeCryptoBackend(): CryptoBackend | undefined {
  const loaded = loadNodeCrypto()
  if (loaded === undefined) return undefined
  const { crypto: nodeCrypto, buffer: NodeBuffer } = loaded
  const pool = NodeBuffer.allocUnsafe(RANDOM_POOL_SIZE).fill(0)
  let poolOffset = RANDOM_POOL_SIZE

  function aeadKey(raw: Uint8Array): AeadKey {
    const key = nodeCrypto.createSecretKey(raw)
    const options = { authTagLength: GCM_TAG_LENGTH }
    return {
      seal(iv, plaintext, aad, prefix) {
        const cipher = nodeCrypto.createCipheriv('aes-256-gcm', key, iv, options)
        cipher.setAAD(aad)
        const head = cipher.update(plaintext)
        const tail = cipher.final()
        const tag = cipher.getAuthTag()
        const start = prefix?.length ?? 0
        // From Node's pool: a token-sized Uint8Array of its own is an allocation outside the
        // JS heap, which costs more than the rest of the copy. Every byte is written below.
        const out = NodeBuffer.allocUnsafe(start + head.length + tail.length + tag.length)
        if (prefix !== undefined) out.set(prefix, 0)
        out.set(head, start)
        out.set(tail, start + head.length)
        out.set(tag, start + head.length + tail.length)
        return out
      },
      open(iv, sealed, aad) {
        // A shorter tag must never reach setAuthTag: Node 20 would accept it (DEP0182).
        if (iv.length !== GCM_IV_LENGTH || sealed.length < GCM_TAG_LENGTH) return undefined
        const split = sealed.length - GCM_TAG_LENGTH
        try {
          const decipher = nodeCrypto.createDecipheriv('aes-256-gcm', key, iv, options)
          decipher.setAuthTag(sealed.subarray(split))
          decipher.setAAD(aad)
          const head = decipher.update(sealed.subarray(0, split))
          const tail = decipher.final()
          if (tail.length === 0) return head
          const out = new Uint8Array(head.length + tail.length)
          out.set(head, 0)
          out.set(tail, head.length)
          return out
        } catch {
          return undefined
        }
      },
    }
  }

  function macKey(raw: Uint8Array): MacKey {
    const key = nodeCrypto.createSecretKey(raw)
    const sign = (data: Uint8Array | readonly Uint8Array[]): Uint8Array => {
      const hmac = nodeCrypto.createHmac('sha256', key)
      if (data instanceof Uint8Array) return hmac.update(data).digest()
      for (const part of data) hmac.update(part)
      return hmac.digest()
    }
    return {
      sign,
      verify(data, mac) {
        // timingSafeEqual throws on a length mismatch; check first so a short MAC is a clean no.
        if (mac.length !== HMAC_LENGTH) return false
        return nodeCrypto.timingSafeEqual(sign(data), mac)
      },
    }
  }

  return {
    name: 'node',
    synchronous: true,
    randomBytes(length) {
      // Buffers from Node's pool: node:crypto reads them in place (see `allocate`).
      if (length > RANDOM_POOL_SIZE / 8) {
        return nodeCrypto.randomFillSync(NodeBuffer.allocUnsafe(length))
      }
      // One CSPRNG call per few hundred nonces instead of one each (the call dominated a
      // seal). Every byte is handed out once and the pool refilled when used up, as Node
      // does for randomUUID.
      if (poolOffset + length > RANDOM_POOL_SIZE) {
        nodeCrypto.randomFillSync(pool)
        poolOffset = 0
      }
      const out = NodeBuffer.allocUnsafe(length)
      pool.copy(out, 0, poolOffset, poolOffset + length)
      poolOffset += length
      return out
    },
    hkdf(ikm, salt, info, length) {
      return new Uint8Array(nodeCrypto.hkdfSync('sha256', ikm, salt, info, length))
    },
    aeadKey,
    macKey,
    base64urlEncode(bytes) {
      const buffer = NodeBuffer.isBuffer(bytes)
        ? (bytes as NodeBuffer)
        : NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
      return buffer.toString('base64url')
    },
    utf8Encode(text) {
      return NodeBuffer.from(text, 'utf8')
    },
    allocate(length) {
      return NodeBuffer.allocUnsafe(length)
    },
    base64urlDecode(text) {
      // Buffer's decoder is lenient (skips bad characters, accepts '+/=' and ignores trailing
      // bits), so the strict rules of the portable decoder are checked here first: cheaper
      // than re-encoding the result and comparing, which cost a full encode and string.
      const rest = text.length % 4
      if (rest === 1 || !BASE64URL_TEXT.test(text)) return undefined
      if (rest !== 0) {
        // The last character carries 4 (rest 2) or 2 (rest 3) unused low bits, which must be zero.
        const last = sextet(text, text.length - 1)
        if ((last & (rest === 2 ? 15 : 3)) !== 0) return undefined
      }
      return NodeBuffer.from(text, 'base64url')
    },
  }
}
