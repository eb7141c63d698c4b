/**
 * sessionkit: typed HTTP sessions for every JavaScript runtime.
 *
 * Adapters live in `'sessionkit/node'` and `'sessionkit/fetch'`; errors in
 * `'sessionkit/errors'`; cookie parsing and serialization in `'sessionkit/cookie'`.
 *
 * @module
 */

export { createKeyRing, generateKey, type KeyRing, type KeyRingEntry } from './keyring.ts'
export {
  createTokenCodec,
  type OpenResult,
  type SealOptions,
  type TokenCodec,
  type TokenCodecOptions,
  type TokenFormat,
} from './codec.ts'
export {
  DEFAULT_FLASH_KEY,
  Session,
  type NumericKey,
  type Presence,
  type SessionCookieOverrides,
  type SessionData,
  type SessionKey,
} from './session.ts'
export type { CookieHeader, SessionStore } from './store.ts'
export { createCookieStore, type CookieStore, type CookieStoreOptions } from './stores/cookie.ts'
export { SessionRegistry } from './registry.ts'
export type { CookieOptions } from './cookie.ts'
export type { CryptoBackend, AeadKey, MacKey } from './lib/crypto/backend.ts'
export type { CryptoChoice } from './lib/crypto/select.ts'
export type { Awaitable } from './lib/awaitable.ts'
export { createNodeCryptoBackend } from './lib/crypto/node.ts'
export { createWebCryptoBackend } from './lib/crypto/web.ts'
export * from './errors.ts'
export {
  createServerStore,
  type ConflictPolicy,
  type ConflictResolver,
  type DestroyListener,
  type DestroyReason,
  type LocalChanges,
  type MergedChanges,
  type ServerStore,
  type ServerStoreOptions,
} from './stores/server.ts'
export { createMemoryStore, type MemoryDriver, type MemoryStoreOptions } from './stores/memory.ts'
export type {
  DriverCapabilities,
  SessionDriver,
  SessionPatch,
  SessionRecord,
  SessionSummary,
  UpdateResult,
} from './driver.ts'
export { generateSessionId, isValidSessionId } from './lib/session-id.ts'
export type { ReclaimableStore } from './registry.ts'
