// The gob payloads inside the Go-generated gorilla vectors, unwrapped with node's own base64 and
// AES (independent of the code under test): base64url(ts|base64url(payload)|mac), the payload
// AES-256-CTR encrypted with its 16-byte IV in front when a block key was set.
import { Buffer } from 'node:buffer'
import { createDecipheriv } from 'node:crypto'
import { readFileSync } from 'node:fs'
import path from 'node:path'

interface RawVector {
  readonly kind: string
  readonly note: string
  readonly blockKey?: string
  readonly ivHex?: string
  readonly goValue: string
  readonly encoded: string
  readonly fileData?: string
}

export interface GobVector {
  /** A readable id: note, encryption, and which payload of a filesystem-store vector. */
  readonly label: string
  readonly note: string
  readonly encrypted: boolean
  readonly goValue: string
  readonly payload: Uint8Array
}

const VECTORS = path.resolve(process.cwd(), 'test/vectors/gorilla-securecookie.json')

function b64url(text: string): Buffer {
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(text) || text.length % 4 !== 0) {
    throw new Error('not padded base64url')
  }
  return Buffer.from(text, 'base64url')
}

function payloadOf(encoded: string, vector: RawVector): Uint8Array {
  const raw = b64url(encoded)
  const first = raw.indexOf(0x7c)
  const second = raw.indexOf(0x7c, first + 1)
  let payload = b64url(raw.subarray(first + 1, second).toString('latin1'))
  if (vector.blockKey !== undefined) {
    const iv = payload.subarray(0, 16)
    if (vector.ivHex !== undefined && iv.toString('hex') !== vector.ivHex) throw new Error('iv')
    const decipher = createDecipheriv('aes-256-ctr', Buffer.from(vector.blockKey, 'latin1'), iv)
    payload = Buffer.concat([decipher.update(payload.subarray(16)), decipher.final()])
  }
  return new Uint8Array(payload)
}

/** Every gob payload in file order (the order the Go program encoded them in). */
export function loadGobVectors(): GobVector[] {
  const all = JSON.parse(readFileSync(VECTORS, 'utf8')) as RawVector[]
  const out: GobVector[] = []
  for (const v of all) {
    if (!v.kind.endsWith('-gob')) continue
    const encrypted = v.blockKey !== undefined
    const base = `${v.note}${encrypted ? ' (AES)' : ''}`
    if (v.kind === 'gorilla-filesystemstore-gob') {
      out.push({
        ...v,
        label: 'filesystem store ID cookie',
        encrypted,
        payload: payloadOf(v.encoded, v),
      })
      if (v.fileData !== undefined) {
        out.push({
          ...v,
          label: 'filesystem store file',
          encrypted,
          payload: payloadOf(v.fileData, v),
        })
      }
    } else {
      out.push({ ...v, label: base, encrypted, payload: payloadOf(v.encoded, v) })
    }
  }
  return out
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
}

export function fromHex(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text.replace(/\s+/g, ''), 'hex'))
}
