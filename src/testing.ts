/**
 * The conformance suite for session drivers, for any test runner (node:test, vitest, bun:test).
 *
 * Available from `'sessionkit/testing'`.
 *
 * @module
 */
export {
  createTestClock,
  runStoreConformance,
  type ConformanceContext,
  type ConformanceTestApi,
  type StoreConformanceOptions,
  type TestClock,
} from './testing/conformance.ts'
