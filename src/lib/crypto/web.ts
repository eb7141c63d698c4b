import { base64urlDecode, base64urlEncode, concatBytes, utf8Encode } from '../encoding.ts'
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
  // Promise chains rather than async functions: one promise per call less, and no await
  // resumption. The tag length is Web Crypto's default, 128 bits.
  return {
    seal(iv, plaintext, aad, prefix) {
      const params = { name: 'AES-GCM', iv: own(iv), additionalData: own(aad) }
      return crypto.subtle
        .encrypt(params, key, own(plaintext))
        .then((sealed) =>
          prefix === undefined
            ? new Uint8Array(sealed)
            : concatBytes(prefix, new Uint8Array(sealed)),
        )
    },
    open(iv, sealed, aad) {
      if (sealed.length < GCM_TAG_LENGTH) return Promise.resolve(undefined)
      const params = { name: 'AES-GCM', iv: own(iv), additionalData: own(aad) }
      return crypto.subtle.decrypt(params, key, own(sealed)).then(
        (plain) => new Uint8Array(plain),
        () => undefined,
      )
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
    sign(data) {
      return crypto.subtle.sign('HMAC', key, own(joined(data))).then((mac) => new Uint8Array(mac))
    },
    // subtle.verify compares in constant time (Node >= 20.20.2, CVE-2026-21713).
    verify(data, mac) {
      return crypto.subtle.verify('HMAC', key, own(mac), own(joined(data))).catch(() => false)
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
    utf8Encode,
    allocate: (length) => new Uint8Array(length),
  }
}
