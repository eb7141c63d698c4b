// The lifetime options every session store takes, checked the same way everywhere.

import { SessionConfigError } from '../errors.ts'

export interface LifetimeOptions {
  readonly absoluteTimeout?: number
  readonly idleTimeout?: number
  readonly renewAfter?: number
  readonly maxAge?: number
}

/** Seconds, validated. */
export interface Lifetime {
  readonly absoluteTimeout: number
  readonly idleTimeout: number
  readonly renewAfter: number
  /** Default cookie persistence (gorilla `MaxAge`: 0, > 0 or < 0). */
  readonly maxAge: number
}

/** Fills in a store's defaults and refuses anything that is not a sane number of seconds. */
export function resolveLifetime(
  options: LifetimeOptions,
  defaults: {
    readonly absoluteTimeout: number
    readonly idleTimeout: number
    readonly renewAfter: (idleTimeout: number) => number
  },
): Lifetime {
  const absoluteTimeout = seconds(
    'absoluteTimeout',
    options.absoluteTimeout ?? defaults.absoluteTimeout,
  )
  const idleTimeout = seconds('idleTimeout', options.idleTimeout ?? defaults.idleTimeout)
  const renewAfter = options.renewAfter ?? defaults.renewAfter(idleTimeout)
  if (!Number.isSafeInteger(renewAfter) || renewAfter < 0 || renewAfter > idleTimeout) {
    throw new SessionConfigError('renewAfter must be an integer between 0 and idleTimeout')
  }
  const maxAge = options.maxAge ?? 0
  if (!Number.isSafeInteger(maxAge)) {
    throw new SessionConfigError('maxAge must be an integer number of seconds')
  }
  return { absoluteTimeout, idleTimeout, renewAfter, maxAge }
}

function seconds(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new SessionConfigError(`${name} must be a positive integer number of seconds`)
  }
  return value
}
