// An independent implementation of token format v1, written from the layout comment in
// src/lib/token.ts with node:crypto alone, to check the golden vectors against the spec and
// not only against the code that generated them.
import { Buffer } from 'node:buffer'
import { createCipheriv, createHmac, hkdfSync } from 'node:crypto'

export interface ReferenceInput {
  readonly format: 'sealed' | 'signed'
  readonly secret: Uint8Array
  readonly keyId: string
  readonly purpose: string
  readonly cookieName: string
  readonly issuedAt: number
  readonly expiresAt: number
  readonly payload: Uint8Array
  readonly iv: Uint8Array
}

function u16(value: number): Buffer {
  const out = Buffer.alloc(2)
  out.writeUInt16BE(value)
  return out
}

function u48(value: number): Buffer {
  const out = Buffer.alloc(6)
  out.writeUIntBE(value, 0, 6)
  return out
}

export function referenceToken(input: ReferenceInput): string {
  const algorithm = input.format === 'sealed' ? 'aes-256-gcm' : 'hmac-sha256'
  const subkey = Buffer.from(
    hkdfSync(
      'sha256',
      input.secret,
      Buffer.from('sessionkit'),
      Buffer.from(`sessionkit/v1 ${algorithm} ${input.purpose}`),
      32,
    ),
  )
  const kid = Buffer.from(input.keyId, 'ascii')
  const header = Buffer.concat([
    Buffer.of(input.format === 'sealed' ? 0x01 : 0x02, kid.length),
    kid,
    u48(input.issuedAt),
    u48(input.expiresAt),
  ])
  const purpose = Buffer.from(input.purpose, 'utf8')
  const name = Buffer.from(input.cookieName, 'utf8')
  const context = Buffer.concat([u16(purpose.length), purpose, u16(name.length), name])
  if (input.format === 'sealed') {
    const cipher = createCipheriv('aes-256-gcm', subkey, input.iv, { authTagLength: 16 })
    cipher.setAAD(Buffer.concat([header, context]))
    const ciphertext = Buffer.concat([cipher.update(input.payload), cipher.final()])
    return Buffer.concat([header, input.iv, ciphertext, cipher.getAuthTag()]).toString('base64url')
  }
  const mac = createHmac('sha256', subkey)
    .update(Buffer.concat([header, context, input.payload]))
    .digest()
  return Buffer.concat([header, input.payload, mac]).toString('base64url')
}
