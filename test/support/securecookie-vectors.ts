// The Go-made vectors (../shared/vectors/gorilla-securecookie.json, Go 1.19, gorilla/securecookie
// 1.1.1, gorilla/sessions 1.2.1) and an independent node:crypto cookie builder for crafting
// MAC-valid inputs the codec under test would never write.
import { Buffer } from 'node:buffer'
import { createHmac } from 'node:crypto'
import { readFileSync } from 'node:fs'
import path from 'node:path'

export interface SecureCookieVector {
  readonly kind: 'securecookie'
  readonly note: string
  readonly name: string
  readonly hashKey: string
  readonly blockKey?: string
  readonly hash: 'sha256' | 'sha512'
  readonly serializer: 'json'
  readonly timestamp: number
  readonly ivHex?: string
  readonly value: unknown
  readonly encoded: string
}

export interface SecureCookieErrorVector {
  readonly kind: 'securecookie-error'
  readonly note: string
  readonly name: string
  readonly hashKey: string
  readonly hash: 'sha256'
  readonly timestamp: number
  readonly value: string
  readonly error: string
}

export interface GorillaGobVector {
  readonly kind: 'gorilla-cookiestore-gob' | 'gorilla-filesystemstore-gob'
  readonly note: string
  readonly name: string
  readonly hashKey: string
  readonly blockKey?: string
  readonly hash: 'sha256'
  readonly timestamp: number
  readonly ivHex?: string
  readonly goValue: string
  readonly encoded: string
  readonly fileData?: string
}

type AnyVector = SecureCookieVector | SecureCookieErrorVector | GorillaGobVector

// A byte-for-byte copy of ../shared/vectors/gorilla-securecookie.json, kept in the repository so
// the tests run in any clone (see test/vectors/README.md).
export const VECTORS_PATH: string = path.resolve(
  process.cwd(),
  'test/vectors/gorilla-securecookie.json',
)

export const ALL_VECTORS: readonly AnyVector[] = JSON.parse(
  readFileSync(VECTORS_PATH, 'utf8'),
) as AnyVector[]

export const SECURECOOKIE_VECTORS: readonly SecureCookieVector[] = ALL_VECTORS.filter(
  (v): v is SecureCookieVector => v.kind === 'securecookie',
)
export const ERROR_VECTORS: readonly SecureCookieErrorVector[] = ALL_VECTORS.filter(
  (v): v is SecureCookieErrorVector => v.kind === 'securecookie-error',
)
export const GOB_VECTORS: readonly GorillaGobVector[] = ALL_VECTORS.filter(
  (v): v is GorillaGobVector =>
    v.kind === 'gorilla-cookiestore-gob' || v.kind === 'gorilla-filesystemstore-gob',
)

export const HASH_KEY = '0123456789abcdef0123456789abcdef'
export const AES256_KEY = 'fedcba9876543210fedcba9876543210'
export const AES128_KEY = 'fedcba9876543210'
export const TS = 1_700_000_000

/** go-seeds.md §4.3 (securecookie 1.1.1, JSONEncoder, ts 1700000000, IV 16×0x11). */
export const SEED_VECTORS = {
  V1: 'MTcwMDAwMDAwMHxleUptYjI4aU9pSmlZWElpTENKb2RHMXNJam9pWEhVd01ETmpZVngxTURBeU5tSmNkVEF3TTJVaUxDSnVJam8wTW4wS3wi8VB6P0kGK55LQhnFnGb_SdAJkYbka0uMLRER2kHeSA==',
  V2: 'MTcwMDAwMDAwMHxJbWhsYkd4dklnbz18ywaieFN_1BGt9wMGaBLuGaWt-0PL05zLFT-ninhfAJQ=',
  V3: 'MTcwMDAwMDAwMHxFUkVSRVJFUkVSRVJFUkVSRVJFUkVld2JnTy1mc2FvcnwrnrrmmLOEQx5HJbY5hJm6ZSTL3EB-f-vOluUJ42DICw==',
  V4: 'MTcwMDAwMDAwMHxFUkVSRVJFUkVSRVJFUkVSRVJFUkVUb0l0OHpRdloxTGlfYVZZYjhaeU5zbnZGU0owZVNxcWRsb1Z3akVJd01zQ1BHRGdmbkdpX2x3NFEwQUFEWEkxdW5oLWc9PXwWiQsqFbYaINMwBGXUwaD1pSoVu37jtbKOQ7206UCcCg==',
  V5: 'MTcwMDAwMDAwMHxJbWhsYkd4dklnbz18QT_Y0xhllIw9p_hXaS9VbqY2t3wi-L1_cn1UDdRUcRtvomBpVgOad_UVoKnc4aTa7NPhkmLkWShipBnkojDmgw==',
  V6: 'MTcwMDAwMDAwMHxJbWhsYkd4dklnbz18bfV-DE4la2KsizYlfS5z8Z-a-dAXODRnrUfZeOTPM-s=',
  V7: 'MTcwMDAwMDAwMHxleUpoY25JaU9sc3hMQ0o0SWwwc0ltSnBaeUk2TVdVck1qRXNJbVlpT2pFdU5Td2libWxzSWpwdWRXeHNMQ0p6YldGc2JDSTZNV1V0Tnl3aWRDSTZkSEoxWlN3aXc2a2lPaUxEdkZ4MU1qQXlPQ0o5Q2c9PXyAINl4i6UhjfrJK2Bi4Frdl3Zo59Z2DFjjc9kw0axLUg==',
} as const

export const V1_VALUE = { foo: 'bar', n: 42, html: '<a&b>' }
export const V7_VALUE = {
  é: 'ü\u2028',
  f: 1.5,
  big: 1e21,
  small: 1e-7,
  t: true,
  nil: null,
  arr: [1, 'x'],
}

export function hexBytes(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex, 'hex'))
}

/** A fixed-IV source for the codec's test-only `randomBytes` hook. */
export function fixedIv(hex: string | undefined): (n: number) => Uint8Array {
  return (n) => {
    const iv = hexBytes(hex ?? '')
    if (iv.length !== n) throw new Error(`vector IV has ${iv.length} bytes, codec asked ${n}`)
    return iv
  }
}

function goB64(bytes: Uint8Array | string): string {
  return Buffer.from(bytes).toString('base64').replaceAll('+', '-').replaceAll('/', '_')
}

/**
 * A cookie built outside the code under test: `b64(ts|inner|HMAC(name|ts|inner))`, with the
 * raw parts given as-is (any ts text, any inner text, padded or not).
 */
export function craftCookie(opts: {
  name: string
  ts: string
  inner: string
  hashKey?: string
  hash?: 'sha256' | 'sha512'
}): string {
  const mac = createHmac(opts.hash ?? 'sha256', opts.hashKey ?? HASH_KEY)
    .update(`${opts.name}|${opts.ts}|${opts.inner}`)
    .digest()
  return goB64(Buffer.concat([Buffer.from(`${opts.ts}|${opts.inner}|`), mac]))
}

/** Padded base64url of a payload, as securecookie's inner layer. */
export function innerOf(payload: Uint8Array | string): string {
  return goB64(typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload)
}

/** Decodes a padded base64url cookie layer (test-side, lenient). */
export function unb64(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text.replaceAll('-', '+').replaceAll('_', '/'), 'base64'))
}

export function b64url(bytes: Uint8Array): string {
  return goB64(bytes)
}
