import type { SessionDriver } from '../core/driver.ts'

type Body = () => Promise<void>

/** The test functions of a runner: node:test, vitest and bun:test all fit. */
export interface ConformanceTestApi {
  readonly describe: (name: string, fn: () => void) => unknown
  readonly it: (name: string, fn: Body) => unknown
  readonly before?: (fn: Body) => unknown
  readonly after?: (fn: Body) => unknown
  readonly beforeEach?: (fn: Body) => unknown
  readonly afterEach?: (fn: Body) => unknown
}

/** Given to `createDriver`: the suite's clock, for drivers with a sweeper of their own. */
export interface ConformanceContext {
  readonly now: () => number
}

/** Given to `cleanup` after each test. */
export interface ConformanceCleanupContext<
  Driver extends SessionDriver = SessionDriver,
> extends ConformanceContext {
  /** The driver `createDriver` made for the test. The suite has closed it by now. */
  readonly driver: Driver
}

/** The options of `runStoreConformance` and of each suite it is made of. */
export interface StoreConformanceOptions<Driver extends SessionDriver = SessionDriver> {
  /** Names the driver in test titles. */
  readonly name: string
  /**
   * Returns a new, empty driver. Called once per test; the suite closes each driver. Use the
   * context's `now` for anything time-based the driver does on its own (sweepers).
   */
  readonly createDriver: (context: ConformanceContext) => Driver | Promise<Driver>
  readonly test: ConformanceTestApi
  /**
   * Runs after every test whose driver was created, pass or fail, once the suite has closed
   * that driver: drop what the test left behind when drivers share one server (the keys under
   * the test's prefix in Redis, the rows of the test's schema in PostgreSQL), so the next
   * driver starts empty. A rejection fails the test.
   */
  readonly cleanup?: (context: ConformanceCleanupContext<Driver>) => void | Promise<void>
  /**
   * Lists what keeps the process alive; on Node and Bun pass
   * `() => process.getActiveResourcesInfo()`. When given, the driver contract has one more
   * test: a driver left open after a few calls (a sweeper started, a record stored) adds
   * nothing to the list, so a process that never closes its store still exits.
   */
  readonly activeResources?: () => readonly string[]
  /** Simultaneous requests in the concurrency test. @default 50 */
  readonly concurrency?: number
  /** The per-call timeout (ms) the fault tests configure. @default 50 */
  readonly faultTimeout?: number
}
