import type { SessionDriver } from '../core/driver.ts'
import { runDriverConformance } from './driver-contract.ts'
import { runFaultConformance } from './faults.ts'
import type { StoreConformanceOptions } from './options.ts'
import { runServerStoreConformance } from './server-store.ts'

/**
 * Registers the whole conformance suite for a driver: the driver contract, the server-store
 * semantics (with the requests-in-flight group) and the faults, in that order. Capabilities
 * the driver lacks turn the corresponding tests into checks of the documented refusal
 * (`SessionConfigError`), never into skips.
 */
export function runStoreConformance<Driver extends SessionDriver>(
  options: StoreConformanceOptions<Driver>,
): void {
  runDriverConformance(options)
  runServerStoreConformance(options)
  runFaultConformance(options)
}
