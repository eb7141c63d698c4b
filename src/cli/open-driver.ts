// What `sessions` runs its commands on, whichever driver it is.

import type { SessionDriver } from '../index.ts'

/** An open driver and what to close after it. */
export interface OpenDriver {
  readonly driver: SessionDriver
  /** Closes what the driver does not own (the SQLite connection, the network client). */
  release(): Promise<void>
}
