// What the server store asks of a driver beyond the five required methods, checked in one
// place: at setup for what every save needs, and at each call for the optional operations.

import type { DriverCapabilities, SessionDriver } from '../../core/driver.ts'
import { SessionConfigError } from '../../errors.ts'
import type { ConflictPolicy } from './options.ts'

/**
 * The conflict policy asked for (`'merge'` by default), once the driver can serve it: a driver
 * needs per-key patches or versions (to emulate them), and versions for any policy other than
 * `'merge'`. Refuses a driver that would lose updates.
 */
export function checkDriver(
  driver: SessionDriver,
  requested: ConflictPolicy | undefined,
): ConflictPolicy {
  const caps = driver.capabilities
  if (!caps.patches && !caps.versions) {
    throw new SessionConfigError(
      `The ${driver.name} driver supports neither patches nor versions: concurrent requests would lose updates`,
    )
  }
  const conflicts = requested ?? 'merge'
  if (conflicts !== 'merge' && conflicts !== 'error' && typeof conflicts !== 'function') {
    throw new SessionConfigError("conflicts must be 'merge', 'error' or a function")
  }
  if (conflicts !== 'merge' && !caps.versions) {
    throw new SessionConfigError(
      `The ${driver.name} driver has no versions, which conflict detection needs`,
    )
  }
  return conflicts
}

type OptionalMethod = 'listByUser' | 'deleteByUser' | 'deleteAll' | 'prune'

const NEEDS: Readonly<
  Record<OptionalMethod, keyof DriverCapabilities & ('userIndex' | 'listing')>
> = { listByUser: 'userIndex', deleteByUser: 'userIndex', deleteAll: 'listing', prune: 'listing' }

const NAMES = { userIndex: 'user index', listing: 'listing' } as const

/**
 * The driver's optional `method`, bound to it, for the store operation `operation`; a
 * `SessionConfigError` when the driver does not claim the capability or lacks the method.
 */
export function optional<Method extends OptionalMethod>(
  driver: SessionDriver,
  method: Method,
  operation: string,
): NonNullable<SessionDriver[Method]> {
  const capability = NEEDS[method]
  if (!driver.capabilities[capability]) {
    throw new SessionConfigError(
      `The ${driver.name} driver has no ${NAMES[capability]}, which ${operation} needs`,
    )
  }
  const found = driver[method]
  if (found === undefined) throw new SessionConfigError(`The ${driver.name} driver lacks ${method}`)
  return found.bind(driver) as NonNullable<SessionDriver[Method]>
}
