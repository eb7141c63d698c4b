// Driver variants for the server store tests, built on the real memory driver: one without
// per-key patches (the manager emulates them with compare-and-set), one without the optional
// capabilities, and a switchable fault injector.
import type {
  SessionDriver,
  SessionPatch,
  SessionRecord,
  UpdateResult,
} from '../../src/core/driver.ts'
import { createMemoryDriver, type MemoryDriverOptions } from '../../src/drivers/memory.ts'

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
  /** Calls made, by method. */
  readonly calls: Map<string, number>
  /** 'ok', or a fault for every call (or only for the methods in `only`). */
  mode: 'ok' | 'throw' | 'hang'
  only: ReadonlySet<string> | undefined
}

/** Wraps a driver: counts calls and fails or hangs all of them while `mode` says so. */
export function switchable(inner: SessionDriver): Switchable {
  const calls = new Map<string, number>()
  const state: Switchable = {
    calls,
    mode: 'ok',
    only: undefined,
    driver: new Proxy(inner, {
      get(target, property, receiver) {
        const value: unknown = Reflect.get(target, property, receiver)
        if (typeof value !== 'function' || typeof property !== 'string') return value
        return (...args: unknown[]): unknown => {
          calls.set(property, (calls.get(property) ?? 0) + 1)
          const faulty = property !== 'close' && (state.only?.has(property) ?? true)
          if (faulty && state.mode === 'throw') {
            return Promise.reject(new Error('database is down'))
          }
          if (faulty && state.mode === 'hang') return new Promise(() => undefined)
          return (value as (...a: unknown[]) => unknown).apply(target, args)
        }
      },
    }),
  }
  return state
}

export function total(calls: Map<string, number>): number {
  let sum = 0
  for (const count of calls.values()) sum += count
  return sum
}

export type { SessionRecord }
