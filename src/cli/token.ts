// sessionkit tokens (docs/format.md): the header is in the clear, so its fields can be shown
// without keys; opening goes through createTokenCodec like the stores do.

import {
  createTokenCodec,
  isValidSessionId,
  type InvalidCookieReason,
  type KeyRing,
  type OpenResult,
  type TokenFormat,
} from '../index.ts'
import { isoTime } from './io.ts'
import { toPlain, type Plain } from './render.ts'

/** The clear header of a version 1 token. */
export interface TokenHeader {
  readonly format: TokenFormat
  readonly keyId: string
  readonly issuedAt: number
  readonly expiresAt: number
}

export interface ReadToken {
  readonly header: TokenHeader
  /** Signed tokens only: the payload as sent (readable, not yet verified). */
  readonly clearPayload: Uint8Array | undefined
}

const FORMATS: Readonly<Record<number, TokenFormat>> = { 1: 'sealed', 2: 'signed' }
const KEY_ID = /^[A-Za-z0-9._-]{1,32}$/
const IV_BYTES = 12
const TAG_BYTES = 16
const MAC_BYTES = 32
const TIME_BYTES = 6

/** Reads the layout of a token, or `undefined` when it is not one (the codec's `malformed`). */
export function readToken(value: string): ReadToken | undefined {
  const bytes = strictBase64url(value)
  if (bytes === undefined || bytes.length < 2) return undefined
  const format = FORMATS[bytes[0] ?? 0]
  const kidLength = bytes[1] ?? 0
  const headerLength = 2 + kidLength + 2 * TIME_BYTES
  if (format === undefined || bytes.length < headerLength) return undefined
  const keyId = String.fromCharCode(...bytes.subarray(2, 2 + kidLength))
  if (!KEY_ID.test(keyId)) return undefined
  const body = bytes.length - headerLength
  if (body < (format === 'sealed' ? IV_BYTES + TAG_BYTES : MAC_BYTES)) return undefined
  const header = {
    format,
    keyId,
    issuedAt: readU48(bytes, 2 + kidLength),
    expiresAt: readU48(bytes, 2 + kidLength + TIME_BYTES),
  }
  const clearPayload =
    format === 'signed' ? bytes.subarray(headerLength, bytes.length - MAC_BYTES) : undefined
  return { header, clearPayload }
}

/** Unpadded base64url that re-encodes to itself (the codec's strict reading). */
function strictBase64url(value: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(value) || value.length % 4 === 1) return undefined
  const bytes = Buffer.from(value, 'base64url')
  return bytes.toString('base64url') === value ? new Uint8Array(bytes) : undefined
}

function readU48(bytes: Uint8Array, offset: number): number {
  let value = 0
  for (let i = 0; i < TIME_BYTES; i++) value = value * 256 + (bytes[offset + i] ?? 0)
  return value
}

export type OpenOutcome =
  | {
      readonly ok: true
      readonly purpose: string
      readonly opened: Extract<OpenResult, { ok: true }>
    }
  | { readonly ok: false; readonly reason: InvalidCookieReason }

/**
 * Opens the token as the stores do. With no purpose given, the cookie store's (`session`) is
 * tried, then the server store's (`session-id`): a token made for the other one fails only
 * authentication, so every other reason stands as it is.
 */
export async function openToken(
  name: string,
  value: string,
  format: TokenFormat,
  keys: KeyRing,
  purposes: readonly string[],
  maxTokenLength: number,
): Promise<OpenOutcome> {
  let reason: InvalidCookieReason = 'tampered'
  for (const purpose of purposes) {
    const codec = createTokenCodec({ keys, format, purpose, maxTokenLength })
    const result = await codec.open(name, value)
    if (result.ok) return { ok: true, purpose, opened: result }
    reason = result.reason
    if (reason !== 'tampered') break
  }
  return { ok: false, reason }
}

/** What a payload holds, as far as its shape tells. */
export type TokenContent =
  | {
      readonly type: 'cookie-session'
      readonly values: Plain
      readonly flashes: Plain
      readonly createdAt: string | null
      readonly maxAge: number | null
      readonly idleTimeout: number | null
    }
  | { readonly type: 'session-id'; readonly sessionId: string }
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'bytes'; readonly base64url: string }

/**
 * The cookie store's payload (`{ v, f, c, m, i }`, docs/format.md), the server store's session
 * id, or whatever else a codec of another purpose sealed.
 */
export function tokenContent(payload: Uint8Array, purpose: string | undefined): TokenContent {
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(payload)
  } catch {
    return { type: 'bytes', base64url: Buffer.from(payload).toString('base64url') }
  }
  if (purpose !== 'session' && isValidSessionId(text))
    return { type: 'session-id', sessionId: text }
  if (purpose !== 'session-id') {
    const session = cookieSession(text)
    if (session !== undefined) return session
  }
  return { type: 'text', text }
}

function cookieSession(text: string): TokenContent | undefined {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return undefined
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined
  const { v, f, c, m, i } = parsed as Record<string, unknown>
  if (typeof v !== 'object' || v === null || typeof c !== 'number') return undefined
  return {
    type: 'cookie-session',
    values: toPlain(v),
    flashes: toPlain(f ?? {}),
    createdAt: isoTime(c),
    maxAge: typeof m === 'number' ? m : null,
    idleTimeout: typeof i === 'number' ? i : null,
  }
}
