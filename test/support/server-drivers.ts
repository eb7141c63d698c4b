// Driver variants for the server store tests, built on the real memory driver: one without
// per-key patches (the server store emulates them with compare-and-set), one without the
// optional capabilities, and a switch over the suite's fault injector.
import type {
  SessionDriver,
  SessionPatch,
  SessionRecord,
  UpdateResult,
} from '../../src/core/driver.ts'
import { createMemoryDriver, type MemoryDriverOptions } from '../../src/drivers/memory.ts'
import { instrumentDriver, type DriverOperation } from '../../src/testing.ts'

/**
 * A driver with versions but without patches: `update` replaces every value with `set` and
 * every flash with `flashSet`, as the contract allows, and has no user index or listing.
 */
export function createWholeRecordDriver(options: MemoryDriverOptions = {}): SessionDriver {
  const inner = createMemoryDriver(options)
  return {
    name: 'whole-record',
    capabilities: { patches: false, versions: true, userIndex: false, listing: false },
    get: (id, now) => inner.get(id, now),
    create: (record, now) => inner.create(record, now),
    async update(id, patch, now): Promise<UpdateResult> {
      const current = await inner.get(id, now)
      if (current === undefined) return { status: 'missing' }
      const whole: SessionPatch = {
        ...patch,
        unset: Object.keys(current.values).filter((key) => !Object.hasOwn(patch.set, key)),
        flashUnset: Object.keys(current.flash).filter((key) => !Object.hasOwn(patch.flashSet, key)),
        expectVersion: patch.expectVersion ?? current.version,
      }
      return inner.update(id, whole, now)
    },
    touch: (id, lastSeenAt, expiresAt, now) => inner.touch(id, lastSeenAt, expiresAt, now),
    delete: (id) => inner.delete(id),
    close: () => inner.close(),
  }
}

/** A driver with neither patches nor versions (refused by createServerStore). */
export function createNaiveDriver(): SessionDriver {
  const inner = createWholeRecordDriver()
  return { ...inner, capabilities: { ...inner.capabilities, versions: false } }
}

export interface Switchable {
  readonly driver: SessionDriver
  /** Calls made, by method (methods never called are absent). */
  readonly calls: Map<string, number>
  /** 'ok', or a fault for every call (or only for the methods in `only`). */
  mode: 'ok' | 'throw' | 'hang'
  only: ReadonlySet<string> | undefined
}

/**
 * Wraps a driver in the suite's fault injector (sessionkit/testing): counts calls and fails
 * or hangs all of them but `close` (or only those in `only`) while `mode` says so.
 */
export function switchable(inner: SessionDriver): Switchable {
  const probe = instrumentDriver(inner, { error: () => new Error('database is down') })
  let mode: Switchable['mode'] = 'ok'
  let only: Switchable['only']
  const apply = (): void => {
    probe.heal()
    if (mode === 'ok') return
    const faulty = Object.keys(probe.calls).filter(
      (operation): operation is DriverOperation =>
        operation !== 'close' && (only?.has(operation) ?? true),
    )
    probe.fail(mode, ...faulty)
  }
  return {
    driver: probe.driver,
    get calls() {
      return new Map(Object.entries(probe.calls).filter(([, count]) => count > 0))
    },
    get mode() {
      return mode
    },
    set mode(value) {
      mode = value
      apply()
    },
    get only() {
      return only
    },
    set only(value) {
      only = value
      apply()
    },
  }
}

export function total(calls: Map<string, number>): number {
  let sum = 0
  for (const count of calls.values()) sum += count
  return sum
}

export type { SessionRecord }
