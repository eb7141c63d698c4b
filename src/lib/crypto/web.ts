import { base64urlDecode, base64urlEncode, concatBytes } from '../encoding.ts'
import { GCM_TAG_LENGTH, type AeadKey, type CryptoBackend, type MacKey } from './backend.ts'

// Web Crypto takes views over an ArrayBuffer (not a SharedArrayBuffer); only those need a
// copy. It reads its inputs before the call returns, so passing the caller's view is safe.
function own(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  if (bytes.buffer instanceof ArrayBuffer) return bytes as Uint8Array<ArrayBuffer>
  const copy = new Uint8Array(bytes.length)
  copy.set(bytes)
  return copy
}

async function aeadKey(raw: Uint8Array): Promise<AeadKey> {
  const key = await crypto.subtle.importKey('raw', own(raw), 'AES-GCM', false, [
    'encrypt',
    'decrypt',
  ])
  return {
    async seal(iv, plaintext, aad, prefix) {
      const params = { name: 'AES-GCM', iv: own(iv), additionalData: own(aad), tagLength: 128 }
      const sealed = new Uint8Array(await crypto.subtle.encrypt(params, key, own(plaintext)))
      return prefix === undefined ? sealed : concatBytes(prefix, sealed)
    },
    async open(iv, sealed, aad) {
      if (sealed.length < GCM_TAG_LENGTH) return undefined
      const params = { name: 'AES-GCM', iv: own(iv), additionalData: own(aad), tagLength: 128 }
      try {
        return new Uint8Array(await crypto.subtle.decrypt(params, key, own(sealed)))
      } catch {
        return undefined
      }
    },
  }
}

function joined(data: Uint8Array | readonly Uint8Array[]): Uint8Array {
  return data instanceof Uint8Array ? data : concatBytes(...data)
}

async function macKey(raw: Uint8Array): Promise<MacKey> {
  const key = await crypto.subtle.importKey(
    'raw',
    own(raw),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign', 'verify'],
  )
  return {
    async sign(data) {
      return new Uint8Array(await crypto.subtle.sign('HMAC', key, own(joined(data))))
    },
    // subtle.verify compares in constant time (Node >= 20.20.2, CVE-2026-21713).
    async verify(data, mac) {
      try {
        return await crypto.subtle.verify('HMAC', key, own(mac), own(joined(data)))
      } catch {
        return false
      }
    },
  }
}

async function hkdf(
  ikm: Uint8Array,
  salt: Uint8Array,
  info: Uint8Array,
  length: number,
): Promise<Uint8Array> {
  const base = await crypto.subtle.importKey('raw', own(ikm), 'HKDF', false, ['deriveBits'])
  const bits = await crypto.subtle.deriveBits(
    { name: 'HKDF', hash: 'SHA-256', salt: own(salt), info: own(info) },
    base,
    length * 8,
  )
  return new Uint8Array(bits)
}

/** The backend for every runtime with Web Crypto (browsers, Deno, Bun, Workers, Node). */
export function createWebCryptoBackend(): CryptoBackend {
  return {
    name: 'web',
    synchronous: false,
    randomBytes(length) {
      return crypto.getRandomValues(new Uint8Array(length))
    },
    hkdf,
    aeadKey,
    macKey,
    base64urlEncode,
    base64urlDecode,
  }
}
