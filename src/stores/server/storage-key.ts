// Ids at rest: a driver never sees a session id, only its storage key, a SHA-256 of it. A dump
// of the backend, or a read-only SQL injection elsewhere in the app, then yields keys that no
// cookie can carry: the cookie holds the id, and the key cannot be turned back into it. Session
// ids are 256 random bits, so an unkeyed hash is enough; the domain prefix keeps these digests
// apart from any other SHA-256 of the same string.

import { SessionArgumentError } from '../../errors.ts'
import { digest } from '../../lib/crypto/digest.ts'
import { base64urlEncode } from '../../lib/encoding.ts'
import { isValidSessionId } from '../../lib/session-id.ts'

const KEY_DOMAIN = 'sessionkit/storage-key/v1\n'
const LINK_DOMAIN = 'sessionkit/successor-link/v1\n'
const HANDLE_PREFIX = 'h.'
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

const encoder = new TextEncoder()

declare const handleBrand: unique symbol

/**
 * An opaque reference to a stored session, as `listByUser`, `destroyByUser` and the destroy
 * listeners give it: `h.` followed by the session's storage key (a SHA-256 of its id). It
 * names a session for `destroyByHandle` but is no credential: no cookie can be made from it.
 * A handle is never a valid session id (`.` is outside the id alphabet), so the two cannot be
 * mixed up: `destroyById` refuses a handle and `destroyByHandle` refuses an id.
 */
export type SessionHandle = string & { readonly [handleBrand]: true }

/**
 * The key a server store passes to its driver for the session id `id`: the unpadded base64url
 * SHA-256 of `id` behind a domain prefix, 43 characters that pass `isValidSessionId`. A
 * function of the id alone (not of the store's keys or name), so keys stay stable across key
 * rotations and every store over one backend agrees on them.
 *
 * @throws {SessionArgumentError} for a string that is not a session id.
 */
export async function sessionStorageKey(id: string): Promise<string> {
  if (!isValidSessionId(id)) throw new SessionArgumentError('id', 'a session id')
  return storageKey(id)
}

/** {@link sessionStorageKey} without the check: the store calls it with checked ids only. */
export async function storageKey(id: string): Promise<string> {
  return base64urlEncode(await digest('SHA-256', encoder.encode(KEY_DOMAIN + id)))
}

/** The handle of a storage key. */
export function handleOf(key: string): SessionHandle {
  return (HANDLE_PREFIX + key) as SessionHandle
}

/** The storage key a handle names, or `undefined` when `handle` is not one. */
export function keyOfHandle(handle: unknown): string | undefined {
  if (typeof handle !== 'string' || !handle.startsWith(HANDLE_PREFIX)) return undefined
  const key = handle.slice(HANDLE_PREFIX.length)
  return isValidSessionId(key) ? key : undefined
}

/** Whether `value` is a {@link SessionHandle} (`h.` and 43 characters of the id alphabet). */
export function isSessionHandle(value: unknown): value is SessionHandle {
  return keyOfHandle(value) !== undefined
}

// A regeneration's link from the old record to its successor: the successor's storage key
// (what destroying the chain needs) and its id masked with a pad that only the old id can
// make (what a request still holding the old cookie needs to join the successor). A dump holds
// neither id: the old one is only hashed, and the pad is a SHA-512 of it.

async function pad(oldId: string, successorKey: string): Promise<Uint8Array> {
  const input = encoder.encode(`${LINK_DOMAIN}${oldId}\n${successorKey}`)
  return digest('SHA-512', input)
}

// Each id character is six bits: masking them keeps the result in the id alphabet.
function mask(text: string, bits: Uint8Array): string {
  let out = ''
  for (let index = 0; index < text.length; index++) {
    out += ALPHABET.charAt(ALPHABET.indexOf(text.charAt(index)) ^ ((bits[index] ?? 0) & 63))
  }
  return out
}

/** The link value: `<successor key>.<masked successor id>`. */
export async function sealLink(
  oldId: string,
  successorId: string,
  successorKey: string,
): Promise<string> {
  return `${successorKey}.${mask(successorId, await pad(oldId, successorKey))}`
}

/** The successor's storage key in a link value, or `undefined` when it is none. */
export function linkKey(link: unknown): string | undefined {
  if (typeof link !== 'string') return undefined
  const [key, masked, ...rest] = link.split('.')
  return rest.length === 0 && isValidSessionId(key) && isValidSessionId(masked) ? key : undefined
}

/**
 * The successor's id, unmasked with the old id; `undefined` when the link is not one, or was
 * not made from `oldId` (the unmasked id must hash to the key it names).
 */
export async function openLink(link: string, oldId: string): Promise<string | undefined> {
  const key = linkKey(link)
  if (key === undefined) return undefined
  const id = mask(link.slice(key.length + 1), await pad(oldId, key))
  return isValidSessionId(id) && (await storageKey(id)) === key ? id : undefined
}
