/**
 * The conformance suites for session drivers, and the test helpers they are built from, for
 * any test runner (node:test, vitest, bun:test). Web-standard APIs only, no assertion library.
 *
 * `runStoreConformance` registers everything; each of its three parts can also run alone:
 * - `runDriverConformance`: the rules of the driver contract, calling the driver directly;
 * - `runServerStoreConformance`: `createServerStore` over the driver (laziness, patches,
 *   expiry, renewal, regeneration, destruction, per-user listing, the size cap, requests in
 *   flight, concurrency, conflicts, remember-me);
 * - `runFaultConformance`: the driver failing and hanging under the store's timeouts.
 *
 * @example
 * ```ts
 * import { describe, it } from 'node:test'
 * import { runStoreConformance } from 'sessionkit/testing'
 * runStoreConformance({ name: 'redis', createDriver: () => createRedisDriver(client), test: { describe, it } })
 * ```
 *
 * Available from `'sessionkit/testing'`.
 *
 * @module
 */
export { runStoreConformance } from './testing/conformance.ts'
export { runDriverConformance } from './testing/driver-contract.ts'
export { runServerStoreConformance } from './testing/server-store.ts'
export { runFaultConformance } from './testing/faults.ts'
export type {
  ConformanceCleanupContext,
  ConformanceContext,
  ConformanceTestApi,
  StoreConformanceOptions,
} from './testing/options.ts'
export { createTestClock, type TestClock } from './testing/clock.ts'
export { CookieJar, parseSetCookie, type ParsedSetCookie } from './testing/cookie-jar.ts'
export {
  instrumentDriver,
  type DriverFault,
  type DriverOperation,
  type DriverProbe,
  type DriverProbeOptions,
  type HeldCall,
} from './testing/probe.ts'
