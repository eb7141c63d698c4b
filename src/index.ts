/**
 * sessionkit: typed HTTP sessions for every JavaScript runtime.
 *
 * Adapters live in `'sessionkit/node'` and `'sessionkit/fetch'`; errors in
 * `'sessionkit/errors'`; cookie parsing and serialization in `'sessionkit/cookie'`.
 *
 * @module
 */

export { createKeyRing, generateKey, type KeyRing, type KeyRingEntry } from './core/keyring.ts'
export {
  createTokenCodec,
  type OpenResult,
  type SealOptions,
  type TokenCodec,
  type TokenCodecOptions,
  type TokenFormat,
} from './core/codec.ts'
export {
  DEFAULT_FLASH_KEY,
  Session,
  type NumericKey,
  type Presence,
  type SessionCookieOverrides,
  type SessionData,
  type SessionKey,
} from './core/session.ts'
// For store authors: what a store reads and writes of a session (docs/stores.md).
export { sessionInternals } from './core/store-view.ts'
export type {
  CopyValue,
  RegenerateRequest,
  SaveMark,
  SessionChanges,
  SessionInit,
  SessionInternals,
  SessionSnapshot,
} from './core/session.ts'
export type { CookieHeader, RequestTransport, SessionStore } from './core/store.ts'
export { createCookieStore, type CookieStore, type CookieStoreOptions } from './stores/cookie.ts'
export { SessionRegistry } from './core/registry.ts'
export type { CookieOptions, StoreCookieOptions } from './core/cookie.ts'
export {
  createNodeCryptoBackend,
  createWebCryptoBackend,
  type AeadKey,
  type CryptoBackend,
  type CryptoChoice,
  type MacKey,
} from './core/crypto.ts'
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
  isSessionHandle,
  sessionStorageKey,
  type SessionHandle,
  type SessionListing,
} from './stores/server.ts'
export {
  createMemoryDriver,
  type MemoryDriver,
  type MemoryDriverOptions,
} from './drivers/memory.ts'
export type {
  DriverCapabilities,
  ListingSessionDriver,
  SessionDriver,
  SessionPatch,
  SessionRecord,
  SessionSummary,
  UpdateResult,
} from './core/driver.ts'
export { FULL_CAPABILITIES, generateSessionId, isValidSessionId } from './core/driver.ts'
export type { ReclaimableStore } from './core/store.ts'
