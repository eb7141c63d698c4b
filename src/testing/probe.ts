import type { SessionDriver } from '../core/driver.ts'

/** A method of {@link SessionDriver} that a probe counts and can fail. */
export type DriverOperation =
  | 'get'
  | 'create'
  | 'update'
  | 'touch'
  | 'delete'
  | 'listByUser'
  | 'deleteByUser'
  | 'deleteAll'
  | 'prune'
  | 'close'

/** `'throw'`: the call rejects at once; `'hang'`: it never settles. */
export type DriverFault = 'throw' | 'hang'

/** One driver call held back until `release()`: a window for another request to act in. */
export interface HeldCall {
  /** Resolves with the operation once the held call is reached (never, if it is not). */
  readonly reached: Promise<DriverOperation>
  release(): void
}

/** A driver wrapped to count its calls, fail or hang them on demand, and hold one back. */
export interface DriverProbe {
  /** The wrapped driver: give this one to the store under test. */
  readonly driver: SessionDriver
  /** Calls made so far, by method (held and failed calls count too). */
  readonly calls: Readonly<Record<DriverOperation, number>>
  /** Every record id passed to `create` (storage keys, from a server store), in order. */
  readonly created: readonly string[]
  /** Holds the `n`-th driver call from now (1 = the next one) until released. */
  hold(n: number): HeldCall
  /** Number of create, update, touch and delete calls. */
  writes(): number
  resetCounts(): void
  /** Makes the given operations throw or hang until `heal()`. */
  fail(fault: DriverFault, ...operations: DriverOperation[]): void
  heal(): void
}

export interface DriverProbeOptions {
  /** The error a failing call rejects with. @default an Error naming the operation */
  readonly error?: (operation: DriverOperation) => Error
}

const OPERATIONS: readonly DriverOperation[] = [
  'get',
  'create',
  'update',
  'touch',
  'delete',
  'listByUser',
  'deleteByUser',
  'deleteAll',
  'prune',
  'close',
]

const WRITES: readonly DriverOperation[] = ['create', 'update', 'touch', 'delete']

interface Held {
  remaining: number
  reach: (operation: DriverOperation) => void
  gate: Promise<void>
}

/**
 * Wraps `inner` for tests: counts every call, makes chosen methods throw or hang (a database
 * outage, a lost connection), and holds one call back so a test can act while a save is
 * provably in the middle of its driver calls. The wrapper has exactly the optional methods
 * `inner` has; nothing is mocked, every call that is let through reaches `inner`.
 */
export function instrumentDriver(
  inner: SessionDriver,
  options: DriverProbeOptions = {},
): DriverProbe {
  const failure = options.error ?? ((operation) => new Error(`injected ${operation} failure`))
  const calls = Object.fromEntries(OPERATIONS.map((operation) => [operation, 0])) as Record<
    DriverOperation,
    number
  >
  const faults = new Map<DriverOperation, DriverFault>()
  const created: string[] = []
  let held: Held | undefined

  function run<T>(operation: DriverOperation, call: () => Promise<T>): Promise<T> {
    calls[operation] += 1
    if (held !== undefined && --held.remaining === 0) {
      const { reach, gate } = held
      held = undefined
      reach(operation)
      return gate.then(() => checked(operation, call))
    }
    return checked(operation, call)
  }

  // Faults are looked up when the call proceeds, so a held call sees the faults of then.
  function checked<T>(operation: DriverOperation, call: () => Promise<T>): Promise<T> {
    const fault = faults.get(operation)
    if (fault === 'throw') return Promise.reject(failure(operation))
    if (fault === 'hang') return new Promise<T>(() => undefined)
    return call()
  }

  return {
    driver: wrap(inner, run, created),
    calls,
    created,
    hold(n) {
      let reach: (operation: DriverOperation) => void = () => undefined
      const reached = new Promise<DriverOperation>((resolve) => {
        reach = resolve
      })
      let release: () => void = () => undefined
      const gate = new Promise<void>((resolve) => {
        release = resolve
      })
      held = { remaining: n, reach, gate }
      return {
        reached,
        release() {
          if (held?.gate === gate) held = undefined
          release()
        },
      }
    },
    writes: () => WRITES.reduce((sum, operation) => sum + calls[operation], 0),
    resetCounts() {
      for (const operation of OPERATIONS) calls[operation] = 0
    },
    fail(fault, ...operations) {
      for (const operation of operations) faults.set(operation, fault)
    },
    heal() {
      faults.clear()
    },
  }
}

type Run = <T>(operation: DriverOperation, call: () => Promise<T>) => Promise<T>

function wrap(inner: SessionDriver, run: Run, created: string[]): SessionDriver {
  const driver: SessionDriver = {
    name: inner.name,
    capabilities: inner.capabilities,
    get: (id, now) => run('get', () => inner.get(id, now)),
    create: (record, now) => {
      created.push(record.id)
      return run('create', () => inner.create(record, now))
    },
    update: (id, patch, now) => run('update', () => inner.update(id, patch, now)),
    touch: (id, lastSeenAt, expiresAt, now) =>
      run('touch', () => inner.touch(id, lastSeenAt, expiresAt, now)),
    delete: (id) => run('delete', () => inner.delete(id)),
    close: () => run('close', () => inner.close()),
  }
  const listByUser = inner.listByUser?.bind(inner)
  if (listByUser !== undefined) {
    Object.assign(driver, {
      listByUser: (userKey: string, now: number) =>
        run('listByUser', () => listByUser(userKey, now)),
    })
  }
  const deleteByUser = inner.deleteByUser?.bind(inner)
  if (deleteByUser !== undefined) {
    Object.assign(driver, {
      deleteByUser: (userKey: string, exceptId?: string) =>
        run('deleteByUser', () => deleteByUser(userKey, exceptId)),
    })
  }
  const deleteAll = inner.deleteAll?.bind(inner)
  if (deleteAll !== undefined) {
    Object.assign(driver, { deleteAll: () => run('deleteAll', deleteAll) })
  }
  const prune = inner.prune?.bind(inner)
  if (prune !== undefined) {
    Object.assign(driver, { prune: (now: number) => run('prune', () => prune(now)) })
  }
  return driver
}
