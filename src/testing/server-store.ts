import type { SessionDriver } from '../core/driver.ts'
import { createSuite } from './harness.ts'
import { inFlightTests } from './in-flight.ts'
import type { StoreConformanceOptions } from './options.ts'
import { lifetimeTests } from './store-lifetime.ts'
import { raceTests } from './store-races.ts'
import { removalTests } from './store-removal.ts'
import { savingTests } from './store-saving.ts'

/**
 * Registers the server-store semantics suite: `createServerStore` over the driver, driven
 * request by request through a `SessionRegistry` and a cookie jar on a test clock. Laziness,
 * round trips, per-key patches, the size cap, expiry, renewal, regeneration, destruction,
 * per-user listing, resurrection, concurrency, conflicts and remember-me (group "server
 * store"); then late saves of requests in flight, held before each of their driver calls
 * while the session is ended elsewhere (group "requests in flight").
 */
export function runServerStoreConformance<Driver extends SessionDriver>(
  options: StoreConformanceOptions<Driver>,
): void {
  const suite = createSuite(options)
  suite.describe(`${suite.name}: server store`, () => {
    savingTests(suite)
    lifetimeTests(suite)
    removalTests(suite)
    raceTests(suite)
  })
  suite.describe(`${suite.name}: requests in flight`, () => {
    inFlightTests(suite)
  })
}
