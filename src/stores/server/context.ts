// The one context the server store's modules share: the resolved options, the driver behind
// its deadline, the id codec, the cookie kit and the destroy listeners; and the store's own
// view of a stored record.

import { createTokenCodec, type TokenCodec } from '../../core/codec.ts'
import type { DriverCapabilities, SessionDriver, SessionRecord } from '../../core/driver.ts'
import type { SessionData } from '../../core/session.ts'
import { SessionConfigError, SessionStoreError, type StoreOperation } from '../../errors.ts'
import { resolveLifetime } from '../../lib/lifetime.ts'
import { generateSessionId, isValidSessionId } from '../../lib/session-id.ts'
import { createDeadlineQueue } from '../../lib/timeout.ts'
import { clientCookie, createStoreKit, type ClientCookie, type StoreKit } from '../kit.ts'
import { checkDriver } from './capabilities.ts'
import type { ConflictPolicy, DestroyListener, ServerStoreOptions } from './options.ts'
import { isRetired, previousOf, successorOf } from './reserved.ts'

/** Rounds of read, apply, compare-and-set on a driver without per-key patches. */
export const MAX_EMULATED_ROUNDS = 32
/** Successors followed when destroying or joining a regenerated session. */
export const MAX_CHAIN = 4
const DEFAULT_MAX_SESSION_BYTES = 65_536
const DAY = 86_400

/** A stored record as this request knows it. */
export interface Stored {
  /** The session id: what the cookie carries. */
  readonly id: string
  /** The id's storage key: what the driver knows the record by (see storage-key.ts). */
  readonly key: string
  version: number
  readonly createdAt: number
  lastSeenAt: number
  expiresAt: number
  /** The values as loaded or last written, for merge hooks. */
  base: Readonly<Record<string, unknown>>
  /** Bytes of the stored record's JSON, once measured (see `storedBytes`). */
  bytes: number | undefined
  /** The record as loaded, to measure lazily: most requests never need its size. */
  readonly loaded: SessionRecord | undefined
  /** Retired by a regeneration: its expiry never moves again. */
  readonly retired: boolean
  /** The link to the session that replaced this one (a retired record), see `sealLink`. */
  readonly successor: string | undefined
  /** The storage key of the session this one replaced with a grace window (alive a while). */
  readonly previous: string | undefined
}

// What the store knows about a session beyond the session's own state.
export interface Tracked extends ClientCookie {
  /** The record in the driver; `undefined` until the session is stored. */
  stored: Stored | undefined
  /** Per-session settings as stored. */
  idle: number | undefined
  maxAge: number | undefined
  /** Removed by someone else while this request ran; a later save must not store it again. */
  ended?: true
  /** The deletion cookie the latest save still owes the client: its removal failed. */
  owed?: string | undefined
}

/** The parts of the store kit that do not depend on the session's types. */
export type CookieKit = Pick<
  StoreKit<SessionData, SessionData, Tracked, []>,
  'cookieOptions' | 'deletionHeader'
>

export interface ServerContext {
  readonly driver: SessionDriver
  readonly caps: DriverCapabilities
  readonly conflicts: ConflictPolicy
  /** Seconds. */
  readonly absoluteTimeout: number
  readonly idleTimeout: number
  readonly renewAfter: number
  readonly defaultMaxAge: number
  readonly maxSessionBytes: number
  readonly eager: boolean
  readonly now: () => number
  /** Signs the id cookie. */
  readonly codec: TokenCodec
  readonly cookies: CookieKit
  readonly listeners: Set<DestroyListener>
  /** A driver call, within the deadline; every failure becomes a `SessionStoreError`. */
  readonly call: <T>(operation: StoreOperation, run: () => Promise<T>) => Promise<T>
  /** Tells the destroy listeners. */
  readonly emit: (...args: Parameters<DestroyListener>) => void
  /** A new session id from the configured generator, checked. */
  readonly nextId: () => string
  /** When a session created at `createdAt` expires if seen at `at` (idle or absolute). */
  readonly expiry: (createdAt: number, at: number, idle: number | undefined) => number
}

/**
 * Resolves and checks the options (throwing `SessionConfigError` at setup, not at the first
 * request) and makes the context with the store kit.
 */
export function createServerContext<Data extends object, Flash extends object>(
  options: ServerStoreOptions,
): { readonly context: ServerContext; readonly kit: StoreKit<Data, Flash, Tracked, []> } {
  const driver = options.driver
  const conflicts = checkDriver(driver, options.conflicts)
  const {
    absoluteTimeout,
    idleTimeout,
    renewAfter,
    maxAge: defaultMaxAge,
  } = resolveLifetime(options, {
    absoluteTimeout: 7 * DAY,
    idleTimeout: DAY,
    renewAfter: (idle) => Math.min(60, idle),
  })
  const timeout = options.timeout ?? 5000
  if (!Number.isSafeInteger(timeout) || timeout < 1 || timeout > 600_000) {
    throw new SessionConfigError('timeout must be an integer of milliseconds between 1 and 600000')
  }
  const maxSessionBytes = options.maxSessionBytes ?? DEFAULT_MAX_SESSION_BYTES
  if (!Number.isSafeInteger(maxSessionBytes) || maxSessionBytes < 1024) {
    throw new SessionConfigError('maxSessionBytes must be an integer of at least 1024 bytes')
  }
  if (options.generateId !== undefined && typeof options.generateId !== 'function') {
    throw new SessionConfigError('generateId must be a function')
  }
  const generate = options.generateId ?? generateSessionId
  const eager = options.eager ?? false
  const now = options.now ?? Date.now
  const codec = createTokenCodec({
    keys: options.keys,
    format: 'signed',
    purpose: options.purpose ?? 'session-id',
    ...(options.crypto === undefined ? {} : { crypto: options.crypto }),
    ...(options.clockTolerance === undefined ? {} : { clockTolerance: options.clockTolerance }),
    maxTokenLength: 512,
    now,
  })

  function nextId(): string {
    const id = generate()
    if (!isValidSessionId(id)) {
      throw new SessionConfigError(
        'generateId returned an invalid session id: ids are 43 characters of A-Z a-z 0-9 _ -',
      )
    }
    return id
  }

  const kit = createStoreKit<Data, Flash, Tracked>({
    name: options.name,
    cookie: options.cookie,
    now,
    track: (present) => ({
      ...clientCookie(present),
      stored: undefined,
      idle: undefined,
      maxAge: undefined,
    }),
    init: () => ({ id: eager ? nextId() : undefined }),
    onInvalidCookie: options.onInvalidCookie,
  })
  const listeners = new Set<DestroyListener>()
  // One timer for the oldest pending driver call rather than one per call: every call gets the
  // same limit, so deadlines expire in order.
  const deadlines = createDeadlineQueue(timeout)

  const context: ServerContext = {
    driver,
    caps: driver.capabilities,
    conflicts,
    absoluteTimeout,
    idleTimeout,
    renewAfter,
    defaultMaxAge,
    maxSessionBytes,
    eager,
    now,
    codec,
    cookies: kit,
    listeners,
    call: (operation, run) =>
      deadlines
        .run(run, () => new SessionStoreError(operation, true))
        .catch((error: unknown) => {
          if (error instanceof SessionStoreError) throw error
          throw new SessionStoreError(operation, false, { cause: error })
        }),
    emit: (...args) => {
      for (const listener of [...listeners]) {
        try {
          listener(...args)
        } catch {
          // Listeners must not turn a completed removal into a failure.
        }
      }
    },
    nextId,
    expiry: (createdAt, at, idle) =>
      Math.min(createdAt + absoluteTimeout * 1000, at + (idle ?? idleTimeout) * 1000),
  }
  return { context, kit }
}

/** A record loaded for the session id `id` (the record's own id is its storage key). */
export function storedOf(record: SessionRecord, id: string): Stored {
  return {
    id,
    key: record.id,
    version: record.version,
    createdAt: record.createdAt,
    lastSeenAt: record.lastSeenAt,
    expiresAt: record.expiresAt,
    base: record.values,
    bytes: undefined,
    loaded: record,
    retired: isRetired(record),
    successor: successorOf(record),
    previous: previousOf(record.values),
  }
}

/** A short, growing, jittered wait between compare-and-set rounds. */
export function pause(round: number): Promise<void> {
  const ms = Math.floor(Math.random() * Math.min(20, 1 + round * 2))
  return new Promise((resolve) => setTimeout(resolve, ms))
}
