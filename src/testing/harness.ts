// What every test of the suites runs on: a fresh driver from the caller, on a test clock,
// counted and with injectable faults, under a server store with short, round timeouts; closed
// and cleaned up afterwards whatever the test did.

import type { SessionDriver, SessionPatch, SessionRecord } from '../core/driver.ts'
import { createKeyRing, generateKey, type KeyRing } from '../core/keyring.ts'
import { generateSessionId } from '../lib/session-id.ts'
import {
  createServerStore,
  sessionStorageKey,
  type ServerStore,
  type ServerStoreOptions,
} from '../stores/server.ts'
import { createTestClock, type TestClock } from './clock.ts'
import type { ConformanceTestApi, StoreConformanceOptions } from './options.ts'
import { instrumentDriver, type DriverProbe } from './probe.ts'
import { NAME } from './visit.ts'

export const IDLE = 3600
export const ABSOLUTE = 86_400
export const RENEW_AFTER = 60
export const HOUR_MS = 3_600_000

export interface Harness {
  readonly clock: TestClock
  /** The driver under test, as `createDriver` made it. */
  readonly inner: SessionDriver
  /** The same driver, counted and with injectable faults: what the stores use. */
  readonly probe: DriverProbe
  readonly store: ServerStore
  /**
   * The record the driver holds for the session id `id`, read directly from the driver under
   * the id's storage key (the store never gives the driver an id).
   */
  stored(id: string): Promise<SessionRecord | undefined>
  /** Another server store on the same driver, with other options. */
  storeWith(overrides: Partial<ServerStoreOptions>): ServerStore
}

export interface Suite {
  readonly name: string
  readonly describe: ConformanceTestApi['describe']
  readonly it: ConformanceTestApi['it']
  readonly concurrency: number
  readonly faultTimeout: number
  /** Registers a test that runs `body` on a fresh harness (the store given `overrides`). */
  readonly test: (
    title: string,
    body: (h: Harness) => Promise<void>,
    overrides?: Partial<ServerStoreOptions>,
  ) => void
  /** Runs `body` on a fresh driver, then closes the driver and runs the caller's cleanup. */
  readonly withDriver: (
    body: (driver: SessionDriver, clock: TestClock) => Promise<void>,
  ) => Promise<void>
}

/** The registration functions the three suites share, for one set of options. */
export function createSuite<Driver extends SessionDriver>(
  options: StoreConformanceOptions<Driver>,
): Suite {
  const { describe, it } = options.test
  const keys: KeyRing = createKeyRing([{ id: 'conformance', secret: generateKey() }])

  async function withDriver(
    body: (driver: Driver, clock: TestClock) => Promise<void>,
  ): Promise<void> {
    const clock = createTestClock()
    const driver = await options.createDriver({ now: clock.now })
    try {
      await body(driver, clock)
    } finally {
      try {
        await driver.close()
      } finally {
        await options.cleanup?.({ now: clock.now, driver })
      }
    }
  }

  function harness(inner: SessionDriver, clock: TestClock, overrides: Partial<ServerStoreOptions>) {
    const probe = instrumentDriver(inner)
    const base: ServerStoreOptions = {
      name: NAME,
      driver: probe.driver,
      keys,
      cookie: { secure: false },
      idleTimeout: IDLE,
      absoluteTimeout: ABSOLUTE,
      renewAfter: RENEW_AFTER,
      now: clock.now,
    }
    return {
      clock,
      inner,
      probe,
      store: createServerStore({ ...base, ...overrides }),
      stored: async (id: string) => inner.get(await sessionStorageKey(id), clock.ms),
      storeWith: (more: Partial<ServerStoreOptions>) =>
        createServerStore({ ...base, ...overrides, ...more }),
    } satisfies Harness
  }

  return {
    name: options.name,
    describe,
    it,
    concurrency: options.concurrency ?? 50,
    faultTimeout: options.faultTimeout ?? 50,
    test: (title, body, overrides = {}) => {
      it(title, () =>
        withDriver(async (driver, clock) => {
          const h = harness(driver, clock, overrides)
          try {
            await body(h)
          } finally {
            h.probe.heal()
          }
        }),
      )
    },
    withDriver,
  }
}

/** A record as a driver test would create it. */
export function record(at: number, extra: Partial<SessionRecord> = {}): SessionRecord {
  return {
    id: generateSessionId(),
    values: { a: 1, b: 'two' },
    flash: { _flash: ['hello'] },
    version: 1,
    createdAt: at,
    lastSeenAt: at,
    expiresAt: at + HOUR_MS,
    userKey: undefined,
    meta: undefined,
    ...extra,
  }
}

/** A patch that sets `set`, removes nothing and gives the record another hour from `at`. */
export function patch(at: number, set: Record<string, unknown>): SessionPatch {
  return { set, unset: [], flashSet: {}, flashUnset: [], lastSeenAt: at, expiresAt: at + HOUR_MS }
}
