/**
 * The conformance suite for session drivers, and test helpers. Run it against any
 * {@link SessionDriver} with the test functions of your runner (node:test, vitest, bun:test):
 * it registers one test per rule of the contract and per semantic of the server store
 * (laziness, patches, expiry, renewal, regeneration, destruction, per-user listing,
 * resurrection, concurrency and faults), all driven by a fake clock.
 *
 * @example
 * ```ts
 * import { describe, it } from 'node:test'
 * import { runStoreConformance } from 'sessionkit/testing'
 * runStoreConformance({ name: 'redis', createDriver: () => createRedisDriver(client), test: { describe, it } })
 * ```
 *
 * Available from `'sessionkit/testing'`. Uses web-standard APIs only (no assertion library).
 *
 * @module
 */

import type { SessionDriver, SessionRecord } from '../core/driver.ts'
import {
  SessionConflictError,
  SessionSaveError,
  SessionStoreError,
  SessionTooLargeError,
  isSessionError,
  type InvalidCookieError,
  type StoreOperation,
} from '../errors.ts'
import { createKeyRing, generateKey, type KeyRing } from '../core/keyring.ts'
import { generateSessionId } from '../lib/session-id.ts'
import { SessionRegistry } from '../core/registry.ts'
import type { Session } from '../core/session.ts'
import { DEFAULT_FLASH_KEY } from '../core/session.ts'
import {
  createServerStore,
  type DestroyReason,
  type ServerStore,
  type ServerStoreOptions,
} from '../stores/server.ts'

/** A clock to pass as `now`: it moves only when told to. */
export interface TestClock {
  /** The current time, milliseconds since the epoch. */
  readonly ms: number
  /** Pass this as the `now` option. */
  readonly now: () => number
  /** Moves the clock forward (or back, with a negative value) by `ms` milliseconds. */
  advance(ms: number): void
  /** Sets the clock. */
  set(ms: number): void
}

/** A controllable clock starting at `start` (default: the real time, whole seconds). */
export function createTestClock(start: number = Math.floor(Date.now() / 1000) * 1000): TestClock {
  let current = start
  return {
    get ms() {
      return current
    },
    now: () => current,
    advance(ms) {
      current += ms
    },
    set(ms) {
      current = ms
    },
  }
}

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

export interface StoreConformanceOptions {
  /** Names the driver in test titles. */
  readonly name: string
  /**
   * Returns a new, empty driver. Called once per test; the suite closes each driver. Use the
   * context's `now` for anything time-based the driver does on its own (sweepers).
   */
  readonly createDriver: (context: ConformanceContext) => SessionDriver | Promise<SessionDriver>
  readonly test: ConformanceTestApi
  /** Simultaneous requests in the concurrency test. @default 50 */
  readonly concurrency?: number
  /** The per-call timeout (ms) the fault tests configure. @default 50 */
  readonly faultTimeout?: number
}

// ---------------------------------------------------------------------------------------
// Assertions (no assertion library, so the suite runs on any runtime and runner)

class ConformanceFailure extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ConformanceFailure'
  }
}

function check(condition: unknown, message: string): asserts condition {
  if (condition !== true) throw new ConformanceFailure(message)
}

function show(value: unknown): string {
  if (value === undefined) return 'undefined'
  try {
    return JSON.stringify(value, (_key, item: unknown) => canonical(item))
  } catch {
    return '[unserializable]'
  }
}

function canonical(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value
  const sorted: Record<string, unknown> = {}
  for (const key of Object.keys(value).sort()) {
    Object.defineProperty(sorted, key, {
      value: (value as Record<string, unknown>)[key],
      enumerable: true,
      writable: true,
      configurable: true,
    })
  }
  return sorted
}

function same(actual: unknown, expected: unknown, what: string): void {
  if (!Object.is(actual, expected)) {
    throw new ConformanceFailure(`${what}: expected ${show(expected)}, got ${show(actual)}`)
  }
}

function sameJson(actual: unknown, expected: unknown, what: string): void {
  const a = show(actual)
  const b = show(expected)
  if (a !== b) throw new ConformanceFailure(`${what}: expected ${b}, got ${a}`)
}

async function rejection(promise: Promise<unknown>, what: string): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new ConformanceFailure(`${what}: expected a rejection, but it resolved`)
}

function isCode(error: unknown, code: string): boolean {
  return isSessionError(error) && error.code === code
}

/** `setup()` must throw a SessionConfigError (a capability the driver lacks, say). */
function refusedAtSetup(setup: () => unknown, what: string): void {
  let error: unknown
  try {
    setup()
  } catch (caught) {
    error = caught
  }
  check(isCode(error, 'ERR_SESSION_CONFIG'), what)
}

async function refused(promise: Promise<unknown>, what: string): Promise<void> {
  const error = await rejection(promise, what)
  check(
    isCode(error, 'ERR_SESSION_CONFIG'),
    `${what}: expected a SessionConfigError refusal, got ${String(error)}`,
  )
}

function storeError(error: unknown, operation: StoreOperation, timedOut: boolean, what: string) {
  check(
    error instanceof SessionStoreError,
    `${what}: expected SessionStoreError, got ${String(error)}`,
  )
  same(error.operation, operation, `${what}: operation`)
  same(error.timedOut, timedOut, `${what}: timedOut`)
}

function onlySaveError(error: unknown, what: string): unknown {
  check(
    error instanceof SessionSaveError,
    `${what}: expected SessionSaveError, got ${String(error)}`,
  )
  same(error.errors.length, 1, `${what}: number of failed sessions`)
  return error.errors[0]?.error
}

// ---------------------------------------------------------------------------------------
// Instrumentation: the driver under test, counted and with injectable faults.

type DriverOperation =
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

type Fault = 'throw' | 'hang'

/** One driver call held back until `release()`: a window for another request to act in. */
interface Hold {
  /** Resolves with the operation once the held call is reached (never, if it is not). */
  readonly reached: Promise<DriverOperation>
  release(): void
}

interface Probe {
  readonly driver: SessionDriver
  readonly calls: Record<DriverOperation, number>
  /** Every id passed to `create`, in order. */
  readonly created: readonly string[]
  /** Holds the `n`-th driver call from now (1 = the next one) until released. */
  hold(n: number): Hold
  /** Number of create, update, touch and delete calls. */
  writes(): number
  resetCounts(): void
  /** Makes the given operations throw or hang until `heal()`. */
  fail(fault: Fault, ...operations: DriverOperation[]): void
  heal(): void
}

const WRITES: readonly DriverOperation[] = ['create', 'update', 'touch', 'delete']

function instrument(inner: SessionDriver): Probe {
  const calls = {
    get: 0,
    create: 0,
    update: 0,
    touch: 0,
    delete: 0,
    listByUser: 0,
    deleteByUser: 0,
    deleteAll: 0,
    prune: 0,
    close: 0,
  }
  const faults = new Map<DriverOperation, Fault>()
  const created: string[] = []
  let held:
    { remaining: number; reach: (op: DriverOperation) => void; gate: Promise<void> } | undefined

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

  function checked<T>(operation: DriverOperation, call: () => Promise<T>): Promise<T> {
    const fault = faults.get(operation)
    if (fault === 'throw') {
      return Promise.reject(new Error(`injected ${operation} failure`))
    }
    if (fault === 'hang') return new Promise<T>(() => undefined)
    return call()
  }

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

  return {
    driver,
    calls,
    created,
    hold(n) {
      let reach: (op: DriverOperation) => void = () => undefined
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
      for (const key of Object.keys(calls) as DriverOperation[]) calls[key] = 0
    },
    fail(fault, ...operations) {
      for (const operation of operations) faults.set(operation, fault)
    },
    heal() {
      faults.clear()
    },
  }
}

// ---------------------------------------------------------------------------------------
// A browser-like cookie jar and requests through a registry.

class Jar {
  readonly #cookies = new Map<string, string>()

  header(): string | undefined {
    if (this.#cookies.size === 0) return undefined
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ')
  }

  apply(setCookies: readonly string[]): void {
    for (const line of setCookies) {
      const parsed = parseSetCookie(line)
      if (parsed.deleted) this.#cookies.delete(parsed.name)
      else this.#cookies.set(parsed.name, parsed.value)
    }
  }

  copy(): Jar {
    const jar = new Jar()
    for (const [name, value] of this.#cookies) jar.#cookies.set(name, value)
    return jar
  }
}

interface ParsedSetCookie {
  readonly name: string
  readonly value: string
  readonly deleted: boolean
  readonly attributes: ReadonlyMap<string, string>
}

function parseSetCookie(line: string): ParsedSetCookie {
  const [pair = '', ...rest] = line.split(';')
  const eq = pair.indexOf('=')
  const name = pair.slice(0, eq).trim()
  const value = pair.slice(eq + 1).trim()
  const attributes = new Map<string, string>()
  for (const part of rest) {
    const at = part.indexOf('=')
    const key = (at < 0 ? part : part.slice(0, at)).trim().toLowerCase()
    attributes.set(key, at < 0 ? '' : part.slice(at + 1).trim())
  }
  const deleted = value === '' || attributes.get('max-age') === '0'
  return { name, value, deleted, attributes }
}

type TestSession = Session

interface Visit<T> {
  readonly setCookies: readonly string[]
  readonly session: TestSession
  readonly value: T
}

const NAME = 'sid'

async function visit<T = undefined>(
  store: ServerStore,
  jar: Jar | undefined,
  handler?: (session: TestSession, registry: SessionRegistry) => T | Promise<T>,
): Promise<Visit<T>> {
  const registry = new SessionRegistry(jar?.header())
  const session = await registry.get(store)
  const value = (await handler?.(session, registry)) as T
  const setCookies = [...(await registry.save())]
  jar?.apply(setCookies)
  return { setCookies, session, value }
}

// ---------------------------------------------------------------------------------------

const IDLE = 3600
const ABSOLUTE = 86_400
const RENEW_AFTER = 60
const HOUR_MS = 3_600_000

interface Harness {
  readonly clock: TestClock
  readonly inner: SessionDriver
  readonly probe: Probe
  readonly store: ServerStore
  /** Another server store on the same driver, with other options. */
  storeWith(overrides: Partial<ServerStoreOptions>): ServerStore
}

/**
 * Registers the conformance suite for a driver. Capabilities the driver lacks turn the
 * corresponding tests into checks of the documented refusal (`SessionConfigError`), never
 * into skips.
 */
export function runStoreConformance(options: StoreConformanceOptions): void {
  const { describe, it } = options.test
  const concurrency = options.concurrency ?? 50
  const faultTimeout = options.faultTimeout ?? 50
  const keys: KeyRing = createKeyRing([{ id: 'conformance', secret: generateKey() }])

  async function harness(overrides: Partial<ServerStoreOptions>): Promise<Harness> {
    const clock = createTestClock()
    const inner = await options.createDriver({ now: clock.now })
    const probe = instrument(inner)
    const base: ServerStoreOptions = {
      name: NAME,
      driver: probe.driver,
      keys,
      cookie: { secure: false },
      idleTimeout: IDLE,
      absoluteTimeout: ABSOLUTE,
      renewAfter: RENEW_AFTER,
      now: clock.now,
    }
    return {
      clock,
      inner,
      probe,
      store: createServerStore({ ...base, ...overrides }),
      storeWith: (more) => createServerStore({ ...base, ...overrides, ...more }),
    }
  }

  function test(
    title: string,
    body: (h: Harness) => Promise<void>,
    overrides: Partial<ServerStoreOptions> = {},
  ): void {
    it(title, async () => {
      const h = await harness(overrides)
      try {
        await body(h)
      } finally {
        h.probe.heal()
        await h.inner.close()
      }
    })
  }

  /** A record as a driver test would create it. */
  function record(at: number, extra: Partial<SessionRecord> = {}): SessionRecord {
    return {
      id: generateSessionId(),
      values: { a: 1, b: 'two' },
      flash: { _flash: ['hello'] },
      version: 1,
      createdAt: at,
      lastSeenAt: at,
      expiresAt: at + HOUR_MS,
      userKey: undefined,
      meta: undefined,
      ...extra,
    }
  }

  /** Creates a stored session holding `values` and returns the jar with its cookie. */
  async function login(
    store: ServerStore,
    values: Record<string, unknown> = { user: 'u1' },
    user?: { key: string; meta?: Record<string, string> },
  ): Promise<{ jar: Jar; id: string }> {
    const jar = new Jar()
    const { session, setCookies } = await visit(store, jar, (s) => {
      for (const [key, value] of Object.entries(values)) s.set(key, value)
      if (user !== undefined) s.setUser(user.key, user.meta)
    })
    same(setCookies.length, 1, 'login: Set-Cookie count')
    check(session.id !== undefined, 'login: the session has an id after its first save')
    return { jar, id: session.id }
  }

  // -------------------------------------------------------------------------------------
  describe(`${options.name}: driver contract`, () => {
    test('create then get gives back the record, at version 1', async ({ inner, clock }) => {
      const rec = record(clock.ms, { userKey: 'u1', meta: { device: 'phone' } })
      same(await inner.create(rec, clock.ms), true, 'create')
      const got = await inner.get(rec.id, clock.ms)
      check(got !== undefined, 'get after create found nothing')
      sameJson(got, rec, 'record')
    })

    test('create is exclusive: an existing id is never overwritten', async ({ inner, clock }) => {
      const rec = record(clock.ms)
      same(await inner.create(rec, clock.ms), true, 'first create')
      same(
        await inner.create({ ...rec, values: { other: true } }, clock.ms),
        false,
        'second create of the same id',
      )
      sameJson((await inner.get(rec.id, clock.ms))?.values, rec.values, 'values after collision')
    })

    test('update and touch never create: a missing id writes nothing', async ({ inner, clock }) => {
      const id = generateSessionId()
      const result = await inner.update(
        id,
        {
          set: { a: 1 },
          unset: [],
          flashSet: {},
          flashUnset: [],
          lastSeenAt: clock.ms,
          expiresAt: clock.ms + HOUR_MS,
        },
        clock.ms,
      )
      same(result.status, 'missing', 'update of a missing id')
      same(
        await inner.touch(id, clock.ms, clock.ms + HOUR_MS, clock.ms),
        false,
        'touch of a missing id',
      )
      same(await inner.get(id, clock.ms), undefined, 'get after update/touch of a missing id')
    })

    test('update applies a per-key patch and bumps the version by one', async ({
      inner,
      clock,
    }) => {
      const rec = record(clock.ms, { values: { a: 1, b: 2, c: 3 }, flash: { x: [1], y: [2] } })
      await inner.create(rec, clock.ms)
      clock.advance(1000)
      const patch = inner.capabilities.patches
        ? { set: { a: 10, d: 4 }, unset: ['b'], flashSet: { z: [3] }, flashUnset: ['x'] }
        : { set: { a: 10, c: 3, d: 4 }, unset: [], flashSet: { y: [2], z: [3] }, flashUnset: [] }
      const result = await inner.update(
        rec.id,
        { ...patch, lastSeenAt: clock.ms, expiresAt: clock.ms + HOUR_MS },
        clock.ms,
      )
      sameJson(result, { status: 'updated', version: 2 }, 'update result')
      const got = await inner.get(rec.id, clock.ms)
      sameJson(got?.values, { a: 10, c: 3, d: 4 }, 'values after the patch')
      sameJson(got?.flash, { y: [2], z: [3] }, 'flash after the patch')
      same(got?.version, 2, 'version')
      same(got?.lastSeenAt, clock.ms, 'lastSeenAt')
      same(got?.expiresAt, clock.ms + HOUR_MS, 'expiresAt')
      same(got?.createdAt, rec.createdAt, 'createdAt')
    })

    test('expectVersion: a match applies, a mismatch is a conflict that writes nothing', async (h) => {
      const { inner, clock } = h
      if (!inner.capabilities.versions) {
        refusedAtSetup(
          () => h.storeWith({ conflicts: 'error' }),
          "conflicts: 'error' must be refused without versions",
        )
        return
      }
      const rec = record(clock.ms)
      await inner.create(rec, clock.ms)
      const patch = {
        set: { a: 2 },
        unset: [],
        flashSet: {},
        flashUnset: [],
        lastSeenAt: clock.ms,
        expiresAt: clock.ms + HOUR_MS,
      }
      const values = inner.capabilities.patches ? { a: 2 } : { a: 2, b: 'two' }
      const ok = await inner.update(rec.id, { ...patch, set: values, expectVersion: 1 }, clock.ms)
      sameJson(ok, { status: 'updated', version: 2 }, 'update with the right version')
      const stale = await inner.update(
        rec.id,
        { ...patch, set: { ...values, a: 3 }, expectVersion: 1 },
        clock.ms,
      )
      sameJson(stale, { status: 'conflict', version: 2 }, 'update with a stale version')
      same((await inner.get(rec.id, clock.ms))?.values['a'], 2, 'value after the conflict')
    })

    test('touch moves the times only: data and version stay', async ({ inner, clock }) => {
      const rec = record(clock.ms)
      await inner.create(rec, clock.ms)
      clock.advance(5000)
      same(await inner.touch(rec.id, clock.ms, clock.ms + 2 * HOUR_MS, clock.ms), true, 'touch')
      const got = await inner.get(rec.id, clock.ms)
      sameJson(got?.values, rec.values, 'values after touch')
      sameJson(got?.flash, rec.flash, 'flash after touch')
      same(got?.version, 1, 'version after touch')
      same(got?.lastSeenAt, clock.ms, 'lastSeenAt after touch')
      same(got?.expiresAt, clock.ms + 2 * HOUR_MS, 'expiresAt after touch')
    })

    test('a record is gone from expiresAt on, to every method', async ({ inner, clock }) => {
      const rec = record(clock.ms, { userKey: 'u-exp' })
      await inner.create(rec, clock.ms)
      const end = rec.expiresAt
      check((await inner.get(rec.id, end - 1)) !== undefined, 'visible 1 ms before expiresAt')
      same(await inner.get(rec.id, end), undefined, 'get at expiresAt')
      const result = await inner.update(
        rec.id,
        {
          set: { a: 2 },
          unset: [],
          flashSet: {},
          flashUnset: [],
          lastSeenAt: end,
          expiresAt: end + HOUR_MS,
        },
        end,
      )
      same(result.status, 'missing', 'update at expiresAt')
      same(await inner.touch(rec.id, end, end + HOUR_MS, end), false, 'touch at expiresAt')
      if (inner.capabilities.userIndex && inner.listByUser !== undefined) {
        same((await inner.listByUser('u-exp', end)).length, 0, 'listByUser at expiresAt')
      }
      // An expired record does not exist, so creating over it may succeed; it must then be
      // the new record that is visible, never the old data.
      const replaced = await inner.create(
        {
          ...rec,
          values: { fresh: true },
          createdAt: end,
          lastSeenAt: end,
          expiresAt: end + HOUR_MS,
        },
        end,
      )
      const after = await inner.get(rec.id, end)
      if (replaced) sameJson(after?.values, { fresh: true }, 'a record created over an expired one')
      else same(after, undefined, 'an expired record after a refused create')
    })

    test('delete removes a record and says whether there was one', async ({ inner, clock }) => {
      const rec = record(clock.ms)
      await inner.create(rec, clock.ms)
      same(await inner.delete(rec.id), true, 'delete of a record')
      same(await inner.get(rec.id, clock.ms), undefined, 'get after delete')
      same(await inner.delete(rec.id), false, 'second delete')
    })

    test('records handed in and out are copies', async ({ inner, clock }) => {
      const values = { list: [1, 2], nested: { deep: 'yes' } }
      const rec = record(clock.ms, { values })
      await inner.create(rec, clock.ms)
      values.list.push(3)
      const got = await inner.get(rec.id, clock.ms)
      sameJson(got?.values, { list: [1, 2], nested: { deep: 'yes' } }, 'stored values')
      const list = got?.values['list']
      if (Array.isArray(list) && !Object.isFrozen(list)) list.push(99)
      sameJson(
        (await inner.get(rec.id, clock.ms))?.values['list'],
        [1, 2],
        'values after mutating a result',
      )
    })

    test('hostile keys (__proto__, constructor) are plain data everywhere', async (h) => {
      const { inner, clock } = h
      const values: Record<string, unknown> = {}
      for (const key of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
        Object.defineProperty(values, key, {
          value: key,
          enumerable: true,
          writable: true,
          configurable: true,
        })
      }
      const rec = record(clock.ms, { values, flash: {}, userKey: '__proto__' })
      await inner.create(rec, clock.ms)
      const other = record(clock.ms, { userKey: 'constructor' })
      await inner.create(other, clock.ms)
      const got = await inner.get(rec.id, clock.ms)
      check(got !== undefined, 'record with hostile keys not found')
      same(
        Object.getPrototypeOf(got.values) === Object.prototype ||
          Object.getPrototypeOf(got.values) === null,
        true,
        'values prototype untouched',
      )
      same(
        Object.getOwnPropertyDescriptor(got.values, '__proto__')?.value,
        '__proto__',
        'own __proto__ value',
      )
      same(
        Object.getOwnPropertyDescriptor(got.values, 'constructor')?.value,
        'constructor',
        'own constructor value',
      )
      same(got.userKey, '__proto__', 'userKey')
      // Object.getPrototypeOf, not `__proto__`: Deno has no `__proto__` accessor.
      same(
        Object.getPrototypeOf({}) === Object.prototype,
        true,
        'plain objects keep their prototype',
      )
      sameJson(Object.keys(Object.prototype), [], 'Object.prototype has no new keys')
      if (inner.capabilities.userIndex && inner.listByUser !== undefined) {
        same((await inner.listByUser('__proto__', clock.ms)).length, 1, 'listByUser(__proto__)')
        same((await inner.listByUser('constructor', clock.ms)).length, 1, 'listByUser(constructor)')
        same((await inner.listByUser('toString', clock.ms)).length, 0, 'listByUser(toString)')
      }
    })

    test('userKey and meta: undefined keeps, null removes', async ({ inner, clock }) => {
      const rec = record(clock.ms, { userKey: 'u1', meta: { device: 'laptop' } })
      await inner.create(rec, clock.ms)
      const base = {
        set: inner.capabilities.patches ? {} : rec.values,
        unset: [],
        flashSet: inner.capabilities.patches ? {} : rec.flash,
        flashUnset: [],
        lastSeenAt: clock.ms,
        expiresAt: clock.ms + HOUR_MS,
      }
      await inner.update(rec.id, base, clock.ms)
      let got = await inner.get(rec.id, clock.ms)
      same(got?.userKey, 'u1', 'userKey kept')
      sameJson(got?.meta, { device: 'laptop' }, 'meta kept')
      await inner.update(rec.id, { ...base, userKey: 'u2', meta: { device: 'phone' } }, clock.ms)
      got = await inner.get(rec.id, clock.ms)
      same(got?.userKey, 'u2', 'userKey changed')
      sameJson(got?.meta, { device: 'phone' }, 'meta changed')
      await inner.update(rec.id, { ...base, userKey: null, meta: null }, clock.ms)
      got = await inner.get(rec.id, clock.ms)
      same(got?.userKey, undefined, 'userKey removed')
      same(got?.meta, undefined, 'meta removed')
      if (inner.capabilities.userIndex && inner.listByUser !== undefined) {
        same((await inner.listByUser('u1', clock.ms)).length, 0, 'old user index entry')
        same((await inner.listByUser('u2', clock.ms)).length, 0, 'removed user index entry')
      }
    })

    test('listByUser and deleteByUser (userIndex)', async (h) => {
      const { inner, clock, store } = h
      if (!inner.capabilities.userIndex) {
        await refused(store.listByUser('u1'), 'listByUser without userIndex')
        await refused(store.destroyByUser('u1'), 'destroyByUser without userIndex')
        return
      }
      check(
        inner.listByUser !== undefined && inner.deleteByUser !== undefined,
        'userIndex drivers implement listByUser and deleteByUser',
      )
      const first = record(clock.ms, { userKey: 'u1', meta: { device: 'a' } })
      await inner.create(first, clock.ms)
      clock.advance(1000)
      const second = record(clock.ms, { userKey: 'u1' })
      await inner.create(second, clock.ms)
      const third = record(clock.ms, { userKey: 'u1' })
      await inner.create(third, clock.ms)
      const foreign = record(clock.ms, { userKey: 'u2' })
      await inner.create(foreign, clock.ms)
      const list = await inner.listByUser('u1', clock.ms)
      same(list.length, 3, 'sessions of u1')
      same(list[0]?.id, first.id, 'oldest first')
      sameJson(
        list[0],
        {
          id: first.id,
          createdAt: first.createdAt,
          lastSeenAt: first.lastSeenAt,
          expiresAt: first.expiresAt,
          meta: { device: 'a' },
        },
        'summary',
      )
      check(!('values' in (list[0] ?? {})), 'a summary never holds the data')
      const removed = await inner.deleteByUser('u1', second.id)
      sameJson([...removed].sort(), [first.id, third.id].sort(), 'removed ids')
      check((await inner.get(second.id, clock.ms)) !== undefined, 'the excepted session stays')
      same(await inner.get(first.id, clock.ms), undefined, 'first is gone')
      check((await inner.get(foreign.id, clock.ms)) !== undefined, "another user's session stays")
      same((await inner.listByUser('nobody', clock.ms)).length, 0, 'unknown user')
    })

    test('prune and deleteAll (listing)', async (h) => {
      const { inner, clock, store } = h
      if (!inner.capabilities.listing) {
        await refused(store.prune(), 'prune without listing')
        await refused(store.destroyAll(), 'destroyAll without listing')
        return
      }
      check(
        inner.prune !== undefined && inner.deleteAll !== undefined,
        'listing drivers implement prune and deleteAll',
      )
      const short = record(clock.ms, { expiresAt: clock.ms + 1000 })
      const long = record(clock.ms)
      await inner.create(short, clock.ms)
      await inner.create(long, clock.ms)
      sameJson(await inner.prune(clock.ms + 999), [], 'prune before any expiry')
      sameJson(await inner.prune(clock.ms + 1000), [short.id], 'prune at the expiry')
      check((await inner.get(long.id, clock.ms)) !== undefined, 'a live record survives prune')
      await inner.create(record(clock.ms), clock.ms)
      same(await inner.deleteAll(), 2, 'deleteAll count')
      same(await inner.get(long.id, clock.ms), undefined, 'get after deleteAll')
    })

    test('close is idempotent', async ({ inner }) => {
      await inner.close()
      await inner.close()
    })
  })

  // -------------------------------------------------------------------------------------
  describe(`${options.name}: server store`, () => {
    test('lazy: a new session that holds nothing writes nothing and sends no cookie', async (h) => {
      const { setCookies, session } = await visit(h.store, new Jar(), (s) => {
        s.get('anything')
      })
      same(setCookies.length, 0, 'Set-Cookie count')
      same(session.id, undefined, 'id of a lazy session')
      same(h.probe.writes(), 0, 'driver writes')
    })

    test(
      'eager: an empty new session is stored and gets a cookie',
      async (h) => {
        const jar = new Jar()
        const first = await visit(h.store, jar)
        same(first.setCookies.length, 1, 'Set-Cookie count')
        same(h.probe.calls.create, 1, 'creates')
        const id = first.session.id
        check(id !== undefined, 'an eager session has an id')
        const again = await visit(h.store, jar)
        same(again.session.id, id, 'same session on the next request')
        same(again.session.isNew, false, 'loaded, not new')
      },
      { eager: true },
    )

    test('round trip: data set in one request is there in the next; routine saves send no cookie', async (h) => {
      const jar = new Jar()
      const first = await visit(h.store, jar, (s) => {
        s.set('user', { id: 7, roles: ['admin'] })
        s.addFlash(DEFAULT_FLASH_KEY, 'saved')
      })
      same(first.setCookies.length, 1, 'first Set-Cookie count')
      const cookie = parseSetCookie(first.setCookies[0] ?? '')
      same(cookie.name, NAME, 'cookie name')
      same(cookie.attributes.has('httponly'), true, 'HttpOnly')
      same(cookie.attributes.get('samesite'), 'Lax', 'SameSite')
      same(cookie.attributes.get('path'), '/', 'Path')
      same(cookie.attributes.has('max-age'), false, 'a browser-session cookie has no Max-Age')
      check(
        (first.session.id !== undefined && !cookie.value.includes(first.session.id)) ||
          cookie.value.length > 43,
        'the cookie is a signed token, not the bare id',
      )
      const second = await visit(h.store, jar, (s) => {
        sameJson(s.get('user'), { id: 7, roles: ['admin'] }, 'loaded value')
        sameJson(s.flashes(DEFAULT_FLASH_KEY), ['saved'], 'flash')
        s.set('count', 1)
      })
      same(second.setCookies.length, 0, 'a routine save sends no Set-Cookie')
      await visit(h.store, jar, (s) => {
        same(s.get('count'), 1, 'value written by the routine save')
        same(s.hasFlash(), false, 'a read flash is gone')
      })
    })

    test('an unchanged session makes no driver write and sends no cookie (CON-06)', async (h) => {
      const { jar } = await login(h.store)
      h.probe.resetCounts()
      const { setCookies } = await visit(h.store, jar, (s) => {
        same(s.get('user'), 'u1', 'value')
      })
      same(setCookies.length, 0, 'Set-Cookie count')
      same(h.probe.writes(), 0, 'driver writes')
      same(h.probe.calls.get, 1, 'driver reads')
    })

    test('per-key patches: overlapping requests changing different keys both survive (CON-01)', async (h) => {
      const { jar } = await login(h.store, { cart: [], theme: 'light' })
      const a = new SessionRegistry(jar.header())
      const b = new SessionRegistry(jar.header())
      const sa = await a.get(h.store)
      const sb = await b.get(h.store)
      sa.set('cart', ['book'])
      sb.set('theme', 'dark')
      sb.delete('missing-key')
      await a.save()
      await b.save()
      await visit(h.store, jar, (s) => {
        sameJson(s.get('cart'), ['book'], 'cart from request A')
        same(s.get('theme'), 'dark', 'theme from request B')
      })
    })

    test('an unknown id is never adopted; a fresh id is issued and reported (FIX-06, FIX-07)', async (h) => {
      const reported: InvalidCookieError[] = []
      const store = h.storeWith({ onInvalidCookie: (error) => reported.push(error) })
      const { jar, id } = await login(store)
      await store.destroyById(id)
      const { session, setCookies } = await visit(store, jar, (s) => {
        same(s.loadError?.reason, 'unknown-session', 'loadError reason')
        same(s.isNew, true, 'a fresh session')
        same(s.get('user'), undefined, 'no data')
        s.set('user', 'u2')
      })
      same(reported.length, 1, 'onInvalidCookie calls')
      same(reported[0]?.reason, 'unknown-session', 'reported reason')
      check(session.id !== undefined && session.id !== id, 'a new id, never the presented one')
      same(await h.inner.get(id, h.clock.ms), undefined, 'the presented id is not stored')
      same(setCookies.length, 1, 'the new cookie')
    })

    test('a tampered cookie gives a fresh session without any driver call', async (h) => {
      const { jar } = await login(h.store)
      const header = jar.header() ?? ''
      const last = header.at(-1) === 'A' ? 'B' : 'A'
      const forged = new Jar()
      forged.apply([`${header.slice(0, -1)}${last}`])
      h.probe.resetCounts()
      const { session, setCookies } = await visit(h.store, forged)
      check(session.loadError !== undefined, 'a loadError')
      check(
        session.loadError.reason === 'tampered' || session.loadError.reason === 'malformed',
        `reason ${session.loadError.reason}`,
      )
      same(h.probe.calls.get, 0, 'driver reads')
      same(setCookies.length, 1, 'the bad cookie is deleted')
      same(parseSetCookie(setCookies[0] ?? '').deleted, true, 'a deletion cookie')
    })

    test('idle timeout: active at idle − 1 ms, gone at idle (EXP-01)', async (h) => {
      const early = await login(h.store)
      const late = await login(h.store)
      h.clock.advance(IDLE * 1000 - 1)
      await visit(h.store, early.jar, (s) => {
        same(s.get('user'), 'u1', 'active at idle - 1 ms')
      })
      h.clock.advance(1)
      await visit(h.store, late.jar, (s) => {
        same(s.loadError?.reason, 'unknown-session', 'gone at idle')
      })
    })

    test('absolute timeout: rolling activity never extends it (EXP-02)', async (h) => {
      const start = h.clock.ms
      const { jar, id } = await login(h.store)
      const end = start + ABSOLUTE * 1000
      while (h.clock.ms + 30 * 60_000 < end) {
        h.clock.advance(30 * 60_000)
        await visit(h.store, jar, (s) => {
          same(s.get('user'), 'u1', 'active while rolling')
          s.set('tick', h.clock.ms)
        })
        const stored = await h.inner.get(id, h.clock.ms)
        check(
          stored !== undefined && stored.expiresAt <= end,
          'expiresAt never passes createdAt + absolute',
        )
      }
      h.clock.set(end - 1)
      await visit(h.store, jar, (s) => {
        same(s.get('user'), 'u1', 'active 1 ms before the absolute end')
      })
      h.clock.set(end)
      await visit(h.store, jar, (s) => {
        same(s.loadError?.reason, 'unknown-session', 'gone at the absolute end')
      })
    })

    test('renewal: a read-only request writes nothing before renewAfter, only touches after (CON-03)', async (h) => {
      const { jar, id } = await login(h.store)
      h.probe.resetCounts()
      h.clock.advance(RENEW_AFTER * 1000 - 1)
      await visit(h.store, jar)
      same(h.probe.writes(), 0, 'writes before renewAfter')
      h.clock.advance(1)
      const { setCookies } = await visit(h.store, jar)
      same(h.probe.calls.touch, 1, 'touches after renewAfter')
      same(h.probe.calls.update, 0, 'data writes after renewAfter')
      same(setCookies.length, 0, 'no Set-Cookie for a renewal')
      const stored = await h.inner.get(id, h.clock.ms)
      same(stored?.lastSeenAt, h.clock.ms, 'lastSeenAt moved')
      same(stored?.expiresAt, h.clock.ms + IDLE * 1000, 'idle expiry moved')
      same(stored?.version, 1, 'version unchanged by touch')
    })

    test('shiftExpiration touches; updateExpiration sets the idle window for later requests', async (h) => {
      const { jar, id } = await login(h.store)
      h.probe.resetCounts()
      h.clock.advance(1000)
      await visit(h.store, jar, (s) => {
        s.shiftExpiration()
      })
      same(h.probe.calls.touch, 1, 'shiftExpiration touches')
      same(
        (await h.inner.get(id, h.clock.ms))?.expiresAt,
        h.clock.ms + IDLE * 1000,
        'expiry shifted',
      )
      await visit(h.store, jar, (s) => {
        s.updateExpiration(120)
      })
      same((await h.inner.get(id, h.clock.ms))?.expiresAt, h.clock.ms + 120_000, 'new idle window')
      h.clock.advance(100_000)
      await visit(h.store, jar, (s) => {
        same(s.get('user'), 'u1', 'alive within the new window')
        same(s.keys().length, 1, 'settings never show up as values')
      })
      same(
        (await h.inner.get(id, h.clock.ms))?.expiresAt,
        h.clock.ms + 120_000,
        'renewal keeps the per-session window',
      )
      h.clock.advance(120_000)
      await visit(h.store, jar, (s) => {
        same(s.loadError?.reason, 'unknown-session', 'gone after the per-session window')
      })
    })

    test('regenerate: a new id with the data; the old cookie loads nothing; one Set-Cookie (FIX-08)', async (h) => {
      const { jar, id } = await login(h.store, { user: 'u1', cart: [1] })
      const old = jar.copy()
      const { session, setCookies } = await visit(h.store, jar, (s) => {
        s.set('role', 'admin')
        s.regenerate()
      })
      same(setCookies.length, 1, 'exactly one Set-Cookie')
      check(session.id !== undefined && session.id !== id, 'a new id')
      same(await h.inner.get(id, h.clock.ms), undefined, 'the old record is gone')
      await visit(h.store, jar, (s) => {
        same(s.get('user'), 'u1', 'data kept')
        sameJson(s.get('cart'), [1], 'data kept')
        same(s.get('role'), 'admin', 'the change made with the regeneration')
      })
      await visit(h.store, old, (s) => {
        same(s.loadError?.reason, 'unknown-session', 'the old cookie')
        same(s.get('user'), undefined, 'no data through the old cookie')
      })
    })

    // EXP-02, EXP-08: periodic rotation never extends the absolute lifetime.
    test('regenerate keeps the absolute deadline: rotating the id never extends a session', async (h) => {
      const { jar } = await login(h.store, { cart: [1] })
      const end = h.clock.ms + ABSOLUTE * 1000
      // Active, and rotated with a grace window every half idle period, as a renewal timeout
      // would: only the absolute limit can end it.
      let rotations = 0
      while (h.clock.ms + (IDLE / 2) * 1000 < end) {
        h.clock.advance((IDLE / 2) * 1000)
        const { session, setCookies } = await visit(h.store, jar, (s) => {
          same(s.get('cart') !== undefined, true, 'alive while rotating')
          s.regenerate({ grace: 10 })
        })
        same(setCookies.length, 1, 'a new cookie at each rotation')
        same(session.createdAt, end - ABSOLUTE * 1000, 'the creation time carries over')
        rotations++
      }
      check(rotations > 40, `rotated ${rotations} times`)
      h.clock.set(end - 1)
      await visit(h.store, jar, (s) => {
        same(s.loadError, undefined, 'alive 1 ms before the original absolute end')
      })
      h.clock.set(end)
      await visit(h.store, jar, (s) => {
        same(s.loadError?.reason, 'unknown-session', 'gone at the original absolute end')
      })
    })

    test('regenerate({ newLifetime: true }) starts a new absolute lifetime (a login)', async (h) => {
      const { jar } = await login(h.store, { cart: [1] })
      const born = h.clock.ms
      // Stay active so only the absolute limit could end the session.
      for (let t = 0; t < ABSOLUTE / 2; t += IDLE / 2) {
        h.clock.advance((IDLE / 2) * 1000)
        await visit(h.store, jar, (s) => {
          s.set('tick', t)
        })
      }
      const { session } = await visit(h.store, jar, (s) => {
        s.regenerate({ newLifetime: true })
      })
      same(session.createdAt, h.clock.ms, 'created at the regeneration')
      for (let t = 0; t < ABSOLUTE * 0.75; t += IDLE / 2) {
        h.clock.advance((IDLE / 2) * 1000)
        await visit(h.store, jar, (s) => {
          same(s.loadError, undefined, 'still alive after the first lifetime would have ended')
        })
      }
      check(h.clock.ms > born + ABSOLUTE * 1000, 'past the original absolute end')
    })

    test('regenerate with grace: the old id works until the window ends, never longer', async (h) => {
      const { jar, id } = await login(h.store)
      const old = jar.copy()
      h.clock.advance(RENEW_AFTER * 1000)
      await visit(h.store, jar, (s) => {
        s.regenerate({ grace: 10 })
      })
      check((await h.inner.get(id, h.clock.ms)) !== undefined, 'the old record lives on')
      h.clock.advance(9_999)
      await visit(h.store, old, (s) => {
        same(s.get('user'), 'u1', 'the old id within the grace window')
        s.shiftExpiration()
      })
      h.clock.advance(1)
      await visit(h.store, old, (s) => {
        same(s.loadError?.reason, 'unknown-session', 'the old id after the grace window')
      })
      await visit(h.store, jar, (s) => {
        same(s.get('user'), 'u1', 'the new id')
      })
    })

    test('destroy: the record is gone and the cookie deleted with the same Path and Domain (FIX-14)', async (h) => {
      const store = h.storeWith({ cookie: { secure: false, path: '/app', domain: 'example.com' } })
      const { jar, id } = await login(store)
      const old = jar.copy()
      const { setCookies } = await visit(store, jar, (s) => {
        s.destroy()
      })
      same(setCookies.length, 1, 'Set-Cookie count')
      const cookie = parseSetCookie(setCookies[0] ?? '')
      same(cookie.deleted, true, 'a deletion cookie')
      same(cookie.attributes.get('max-age'), '0', 'Max-Age=0')
      same(cookie.attributes.get('path'), '/app', 'Path')
      same(cookie.attributes.get('domain'), 'example.com', 'Domain')
      same(await h.inner.get(id, h.clock.ms), undefined, 'the record')
      await visit(store, old, (s) => {
        same(s.loadError?.reason, 'unknown-session', 'a replayed cookie')
      })
    })

    // STO-16: one size cap in front of every driver.
    test('a session over maxSessionBytes is refused at save with SessionTooLargeError; nothing is written', async (h) => {
      const limit = 4096
      const store = h.storeWith({ maxSessionBytes: limit })
      const tooLarge = async (registry: SessionRegistry, what: string): Promise<void> => {
        h.probe.resetCounts()
        const error = onlySaveError(await rejection(Promise.resolve(registry.save()), what), what)
        check(
          error instanceof SessionTooLargeError,
          `${what}: expected SessionTooLargeError, got ${String(error)}`,
        )
        same(error.code, 'ERR_SESSION_TOO_LARGE', `${what}: code`)
        same(error.limit, limit, `${what}: limit`)
        check(error.size > limit, `${what}: size ${error.size}`)
        same(h.probe.writes(), 0, `${what}: driver writes`)
        same(registry.setCookies.length, 0, `${what}: Set-Cookie`)
      }
      const fresh = new SessionRegistry(undefined)
      ;(await fresh.get(store)).set('blob', 'x'.repeat(limit))
      await tooLarge(fresh, 'a new session')
      // Bytes, not characters: 2100 two-byte characters are over 4096 bytes.
      const wide = new SessionRegistry(undefined)
      ;(await wide.get(store)).set('blob', 'é'.repeat(2100))
      await tooLarge(wide, 'non-ASCII text')
      const { jar } = await login(store, { user: 'u1', blob: 'x'.repeat(3000) })
      for (const [label, change] of [
        [
          'a value that grows',
          (s: TestSession) => {
            s.set('more', 'y'.repeat(1200))
          },
        ],
        [
          'a flash',
          (s: TestSession) => {
            s.addFlash(DEFAULT_FLASH_KEY, 'z'.repeat(1200))
          },
        ],
        [
          'a regeneration',
          (s: TestSession) => {
            s.set('more', 'y'.repeat(1200))
            s.regenerate()
          },
        ],
      ] as const) {
        const registry = new SessionRegistry(jar.header())
        change(await registry.get(store))
        await tooLarge(registry, label)
      }
      await visit(store, jar, (s) => {
        same(s.get('more'), undefined, 'nothing of the refused saves was stored')
        same(s.get('blob'), 'x'.repeat(3000), 'the session is intact')
        s.set('small', 1)
      })
      await visit(store, jar, (s) => {
        same(s.get('small'), 1, 'saves within the limit go on working')
      })
      // A session stored before the limit was lowered can be read and can shrink.
      const big = await login(h.store, { user: 'u1', blob: 'x'.repeat(8000) })
      await visit(store, big.jar, (s) => {
        same(s.get('user'), 'u1', 'read through the lower limit')
        s.set('blob', 'x'.repeat(6000))
      })
      const grow = new SessionRegistry(big.jar.header())
      ;(await grow.get(store)).set('blob', 'x'.repeat(7000))
      await tooLarge(grow, 'an oversized session that grows')
      // The default limit is 64 KiB.
      const huge = new SessionRegistry(undefined)
      ;(await huge.get(h.store)).set('blob', 'x'.repeat(65_536))
      const error = onlySaveError(
        await rejection(Promise.resolve(huge.save()), 'default'),
        'default',
      )
      check(error instanceof SessionTooLargeError && error.limit === 65_536, 'the default limit')
      refusedAtSetup(() => h.storeWith({ maxSessionBytes: 100 }), 'a limit below 1 KiB')
    })

    test('an emptied session is removed with its cookie', async (h) => {
      const { jar, id } = await login(h.store)
      const { setCookies } = await visit(h.store, jar, (s) => {
        s.clear()
      })
      same(parseSetCookie(setCookies[0] ?? '').deleted, true, 'a deletion cookie')
      same(await h.inner.get(id, h.clock.ms), undefined, 'the record')
    })

    test('destroyById removes one session; bad ids do no I/O', async (h) => {
      const a = await login(h.store)
      const b = await login(h.store)
      same(await h.store.destroyById(a.id), true, 'destroyById of a session')
      same(await h.store.destroyById(a.id), false, 'destroyById again')
      h.probe.resetCounts()
      same(await h.store.destroyById('../../etc/passwd'), false, 'a path-like id')
      same(h.probe.calls.delete, 0, 'driver calls for a bad id')
      await visit(h.store, a.jar, (s) => {
        same(s.loadError?.reason, 'unknown-session', 'a')
      })
      await visit(h.store, b.jar, (s) => {
        same(s.get('user'), 'u1', 'b stays')
      })
    })

    test('destroyAll (listing)', async (h) => {
      if (!h.inner.capabilities.listing) {
        await refused(h.store.destroyAll(), 'destroyAll without listing')
        return
      }
      const a = await login(h.store)
      await login(h.store)
      same(await h.store.destroyAll(), 2, 'destroyed count')
      await visit(h.store, a.jar, (s) => {
        same(s.loadError?.reason, 'unknown-session', 'after destroyAll')
      })
    })

    test('destroyByUser: every session of the user but the excepted one; others untouched (FIX-15)', async (h) => {
      if (!h.inner.capabilities.userIndex) {
        await refused(h.store.destroyByUser('alice'), 'destroyByUser without userIndex')
        return
      }
      const phone = await login(h.store, { n: 1 }, { key: 'alice' })
      const laptop = await login(h.store, { n: 2 }, { key: 'alice' })
      const tablet = await login(h.store, { n: 3 }, { key: 'alice' })
      const bob = await login(h.store, { n: 4 }, { key: 'bob' })
      const { value: removed } = await visit(h.store, laptop.jar, (s) =>
        h.store.destroyByUser('alice', { except: s }),
      )
      sameJson([...removed].sort(), [phone.id, tablet.id].sort(), 'removed ids')
      await visit(h.store, laptop.jar, (s) => {
        same(s.get('n'), 2, 'the current session stays')
      })
      await visit(h.store, phone.jar, (s) => {
        same(s.loadError?.reason, 'unknown-session', 'another session of the user')
      })
      await visit(h.store, bob.jar, (s) => {
        same(s.get('n'), 4, "another user's session")
      })
      sameJson(await h.store.destroyByUser('alice', { except: laptop.id }), [], 'except by id')
      sameJson(await h.store.destroyByUser('alice'), [laptop.id], 'without except')
    })

    test('listByUser: id, created, last seen and meta, oldest first', async (h) => {
      if (!h.inner.capabilities.userIndex) {
        await refused(h.store.listByUser('alice'), 'listByUser without userIndex')
        return
      }
      const first = await login(
        h.store,
        { n: 1 },
        { key: 'alice', meta: { device: 'Firefox on Linux' } },
      )
      h.clock.advance(5000)
      const second = await login(h.store, { n: 2 }, { key: 'alice' })
      h.clock.advance(RENEW_AFTER * 1000)
      await visit(h.store, first.jar)
      const list = await h.store.listByUser('alice')
      same(list.length, 2, 'sessions')
      same(list[0]?.id, first.id, 'oldest first')
      same(list[1]?.id, second.id, 'newest last')
      same(list[0]?.lastSeenAt, h.clock.ms, 'last seen moves with renewal')
      same(list[1]?.createdAt, h.clock.ms - RENEW_AFTER * 1000, 'createdAt')
      sameJson(list[0]?.meta, { device: 'Firefox on Linux' }, 'meta')
      same((await h.store.listByUser('nobody')).length, 0, 'unknown user')
    })

    test('onDestroy listeners hear each removal with its reason', async (h) => {
      const heard: [string | undefined, DestroyReason][] = []
      const stop = h.store.onDestroy((id, reason) => {
        heard.push([id, reason])
      })
      h.store.onDestroy(() => {
        throw new Error('a broken listener changes nothing')
      })
      const a = await login(h.store, { n: 1 }, { key: 'carol' })
      await visit(h.store, a.jar, (s) => {
        s.destroy()
      })
      const b = await login(h.store)
      const { session: renewed } = await visit(h.store, b.jar, (s) => {
        s.regenerate()
      })
      const expected = [`destroy:${a.id}`, `regenerate:${b.id}`]
      if (h.inner.capabilities.userIndex) {
        const c = await login(h.store, { n: 1 }, { key: 'carol' })
        await h.store.destroyByUser('carol')
        expected.push(`user:${c.id}`)
      }
      if (h.inner.capabilities.listing) {
        const d = await login(h.store)
        h.clock.advance(IDLE * 1000)
        await h.store.prune()
        expected.push(`expired:${d.id}`, `expired:${String(renewed.id)}`)
        await h.store.destroyAll()
        expected.push('all:undefined')
      }
      sameJson(
        heard.map(([id, reason]) => `${reason}:${String(id)}`).sort(),
        expected.sort(),
        'events',
      )
      stop()
      const e = await login(h.store)
      await h.store.destroyById(e.id)
      same(heard.at(-1)?.[0] === e.id, false, 'no event after unsubscribing')
    })

    test('allowReclaim: a fresh session replaces a destroyed one in the same request', async (h) => {
      const store = h.storeWith({ allowReclaim: true })
      same(store.allowReclaim, true, 'allowReclaim flag')
      const { jar, id } = await login(store)
      const {
        setCookies,
        session,
        value: fresh,
      } = await visit(store, jar, async (s, registry) => {
        s.destroy()
        const next = await registry.get(store)
        check(next !== s, 'a new session object')
        same(next.isDestroyed, false, 'not destroyed')
        same(next.get('user'), undefined, 'no data carried over')
        next.set('user', 'u2')
        return next
      })
      check(session.isDestroyed, 'the first session is destroyed')
      same(await h.inner.get(id, h.clock.ms), undefined, 'the destroyed record is deleted')
      same(setCookies.length, 1, 'one Set-Cookie')
      same(
        parseSetCookie(setCookies[0] ?? '').deleted,
        false,
        'the new cookie replaces the deletion',
      )
      check(fresh.id !== undefined && fresh.id !== id, 'a new id')
      await visit(store, jar, (s) => {
        same(s.get('user'), 'u2', 'the reclaimed session')
      })
      const empty = await visit(store, jar, async (s, registry) => {
        s.destroy()
        await registry.get(store)
      })
      same(
        parseSetCookie(empty.setCookies[0] ?? '').deleted,
        true,
        'an empty reclaimed session leaves the deletion cookie',
      )
      const strict = await login(h.store)
      await visit(h.store, strict.jar, async (s, registry) => {
        s.destroy()
        same(
          await registry.get(h.store),
          s,
          'without allowReclaim the destroyed session is returned',
        )
      })
    })

    test('prune removes expired sessions (listing)', async (h) => {
      if (!h.inner.capabilities.listing) {
        await refused(h.store.prune(), 'prune without listing')
        return
      }
      await login(h.store)
      h.clock.advance(IDLE * 1000 - 1)
      const live = await login(h.store)
      h.clock.advance(1)
      same(await h.store.prune(), 1, 'pruned')
      await visit(h.store, live.jar, (s) => {
        same(s.get('user'), 'u1', 'a live session survives')
      })
    })

    test('resurrection: a request that loaded a session destroyed meanwhile cannot bring it back (CON-02)', async (h) => {
      const { jar, id } = await login(h.store)
      const slow = new SessionRegistry(jar.header())
      const a = await slow.get(h.store)
      await visit(h.store, jar.copy(), (s) => {
        s.destroy()
      })
      a.set('late', true)
      const setCookies = await slow.save()
      same(await h.inner.get(id, h.clock.ms), undefined, 'the record stays deleted')
      same(setCookies.length, 1, 'Set-Cookie count')
      same(parseSetCookie(setCookies[0] ?? '').deleted, true, 'the late request deletes the cookie')
      same(h.probe.calls.create, 1, 'no create after the destroy')
    })

    test('regenerate racing an old-id request: the old id stays dead, the new session keeps its data (CON-04)', async (h) => {
      const { jar, id } = await login(h.store)
      const slow = new SessionRegistry(jar.header())
      const a = await slow.get(h.store)
      const { session } = await visit(h.store, jar, (s) => {
        s.regenerate()
      })
      a.set('late', true)
      await slow.save()
      same(await h.inner.get(id, h.clock.ms), undefined, 'the old id is not recreated')
      await visit(h.store, jar, (s) => {
        same(s.id, session.id, 'the new id')
        same(s.get('user'), 'u1', 'the new session keeps its data')
      })
    })

    test('touch racing a data write: the data write survives (CON-03)', async (h) => {
      const { jar } = await login(h.store)
      h.clock.advance(RENEW_AFTER * 1000)
      const reader = new SessionRegistry(jar.header())
      await reader.get(h.store)
      await visit(h.store, jar, (s) => {
        s.set('cart', ['book'])
      })
      await reader.save()
      await visit(h.store, jar, (s) => {
        sameJson(s.get('cart'), ['book'], 'the data written meanwhile')
      })
    })

    test(`concurrency: ${concurrency} simultaneous requests setting different keys lose nothing`, async (h) => {
      const { jar } = await login(h.store)
      const header = jar.header()
      const requests = Array.from({ length: concurrency }, async (_, i) => {
        const registry = new SessionRegistry(header)
        const session = await registry.get(h.store)
        session.set(`k${i}`, i)
        return registry.save()
      })
      const results = await Promise.all(requests)
      same(
        results.every((cookies) => cookies.length === 0),
        true,
        'no Set-Cookie for routine saves',
      )
      await visit(h.store, jar, (s) => {
        const missing = Array.from({ length: concurrency }, (_, i) => `k${i}`).filter(
          (key) => s.get(key) === undefined,
        )
        sameJson(missing, [], 'keys lost')
        same(s.get('user'), 'u1', 'the original value')
      })
    })

    test("conflicts: 'error' rejects a stale write with SessionConflictError and writes nothing", async (h) => {
      if (!h.inner.capabilities.versions) {
        refusedAtSetup(
          () => h.storeWith({ conflicts: 'error' }),
          "conflicts: 'error' must be refused without versions",
        )
        return
      }
      const store = h.storeWith({ conflicts: 'error' })
      const { jar } = await login(store, { n: 1 })
      const a = new SessionRegistry(jar.header())
      const sa = await a.get(store)
      await visit(store, jar, (s) => {
        s.set('n', 2)
      })
      sa.set('n', 3)
      const error = onlySaveError(
        await rejection(Promise.resolve(a.save()), 'stale save'),
        'stale save',
      )
      check(
        error instanceof SessionConflictError,
        `expected SessionConflictError, got ${String(error)}`,
      )
      same(a.setCookies.length, 0, 'no Set-Cookie for the failed save')
      await visit(store, jar, (s) => {
        same(s.get('n'), 2, 'the first write stands')
        s.set('n', 4)
      })
      await visit(store, jar, (s) => {
        same(s.get('n'), 4, 'fresh writes still work')
      })
    })

    test('conflicts: a resolver merges a stale write', async (h) => {
      if (!h.inner.capabilities.versions) {
        refusedAtSetup(
          () => h.storeWith({ conflicts: () => undefined }),
          'a resolver must be refused without versions',
        )
        return
      }
      const seen: unknown[] = []
      const store = h.storeWith({
        conflicts: (stored, local) => {
          seen.push({ stored: stored.values['n'], base: local.base['n'], mine: local.set['n'] })
          const delta = (local.set['n'] as number) - (local.base['n'] as number)
          return { set: { n: (stored.values['n'] as number) + delta }, unset: local.unset }
        },
      })
      const { jar } = await login(store, { n: 10 })
      const a = new SessionRegistry(jar.header())
      const sa = await a.get(store)
      await visit(store, jar, (s) => {
        s.increment('n', 5)
      })
      sa.increment('n', 1)
      await a.save()
      sameJson(seen, [{ stored: 15, base: 10, mine: 11 }], 'resolver arguments')
      await visit(store, jar, (s) => {
        same(s.get('n'), 16, 'both increments')
      })
    })

    test('remember-me: a persistent cookie, capped at the absolute lifetime, kept across regenerate', async (h) => {
      const jar = new Jar()
      const first = await visit(h.store, jar, (s) => {
        s.set('user', 'u1')
        s.rememberMe(true)
      })
      const cookie = parseSetCookie(first.setCookies[0] ?? '')
      same(
        cookie.attributes.get('max-age'),
        String(ABSOLUTE),
        'Max-Age capped at the absolute lifetime',
      )
      h.clock.advance(1_800_000)
      const rotated = await visit(h.store, jar, (s) => {
        s.regenerate()
      })
      same(
        parseSetCookie(rotated.setCookies[0] ?? '').attributes.get('max-age'),
        String(ABSOLUTE - 1800),
        'a rotation keeps the absolute deadline',
      )
      const regenerated = await visit(h.store, jar, (s) => {
        s.regenerate({ newLifetime: true })
      })
      same(
        parseSetCookie(regenerated.setCookies[0] ?? '').attributes.get('max-age'),
        String(ABSOLUTE),
        'a full lifetime again with newLifetime',
      )
      const forget = await visit(h.store, jar, (s) => {
        s.rememberMe(false)
      })
      same(forget.setCookies.length, 1, 'the cookie changes with the persistence')
      same(
        parseSetCookie(forget.setCookies[0] ?? '').attributes.has('max-age'),
        false,
        'a browser-session cookie again',
      )
      const routine = await visit(h.store, jar, (s) => {
        s.set('x', 1)
      })
      same(routine.setCookies.length, 0, 'no cookie for a routine save')
    })
  })

  // -------------------------------------------------------------------------------------
  // A request that loaded a session before it was ended elsewhere (a logout in another tab,
  // log-out-everywhere, an admin, expiry) and saves afterwards must not bring it back, whatever
  // it changed. Each interleaving holds the late request's save before its first, second, …
  // driver call, ends the session in that window, then lets the save go on.

  interface Racer {
    readonly jar: Jar
    readonly id: string
    readonly user: string
  }

  interface Ending {
    readonly name: string
    readonly needs?: 'userIndex' | 'listing'
    end(h: Harness, racer: Racer): Promise<unknown>
  }

  const endings: readonly Ending[] = [
    {
      name: 'a logout request',
      end: (h, racer) =>
        visit(h.store, racer.jar.copy(), (s) => {
          s.destroy()
        }),
    },
    { name: 'destroyById', end: (h, racer) => h.store.destroyById(racer.id) },
    {
      name: 'destroyByUser',
      needs: 'userIndex',
      end: (h, racer) => h.store.destroyByUser(racer.user),
    },
    { name: 'destroyAll', needs: 'listing', end: (h) => h.store.destroyAll() },
    {
      name: 'expiry and prune',
      needs: 'listing',
      end: async (h) => {
        h.clock.advance(IDLE * 1000)
        await h.store.prune()
      },
    },
  ]

  const lateChanges: readonly (readonly [string, (s: TestSession) => void])[] = [
    [
      'a value set',
      (s) => {
        s.set('late', true)
      },
    ],
    ['a value removed', (s) => s.delete('cart')],
    [
      'setUser',
      (s) => {
        s.setUser(s.userKey ?? 'x', { device: 'late' })
      },
    ],
    [
      'updateExpiration',
      (s) => {
        s.updateExpiration(IDLE * 2)
      },
    ],
    [
      'shiftExpiration',
      (s) => {
        s.shiftExpiration()
      },
    ],
    ['a flash read', (s) => s.flashes(DEFAULT_FLASH_KEY)],
    [
      'remember-me',
      (s) => {
        s.rememberMe(true)
      },
    ],
    [
      'regenerate',
      (s) => {
        s.regenerate()
      },
    ],
    [
      'regenerate with grace',
      (s) => {
        s.regenerate({ grace: 30 })
      },
    ],
    [
      'a login (setUser, regenerate with a new lifetime)',
      (s) => {
        s.setUser('someone-else')
        s.regenerate({ newLifetime: true })
      },
    ],
  ]

  let racers = 0

  async function racer(h: Harness): Promise<Racer> {
    const user = `racer-${++racers}`
    const jar = new Jar()
    const { session } = await visit(h.store, jar, (s) => {
      s.set('user', 'u1')
      s.set('cart', [1])
      s.addFlash(DEFAULT_FLASH_KEY, 'hello')
      s.setUser(user, { device: 'first' })
    })
    check(session.id !== undefined, 'the racer has an id')
    return { jar, id: session.id, user }
  }

  /** After the late save settled: nothing of the ended session lives anywhere. */
  async function staysEnded(
    h: Harness,
    ended: Racer,
    since: number,
    setCookies: readonly string[],
    what: string,
  ): Promise<void> {
    same(await h.inner.get(ended.id, h.clock.ms), undefined, `${what}: the old record`)
    for (const id of h.probe.created.slice(since)) {
      same(await h.inner.get(id, h.clock.ms), undefined, `${what}: a record the late save made`)
    }
    if (h.inner.capabilities.userIndex) {
      sameJson(await h.store.listByUser(ended.user), [], `${what}: sessions listed for the user`)
    }
    check(
      setCookies.every((line) => parseSetCookie(line).deleted),
      `${what}: the late response sets a live cookie: ${show(setCookies)}`,
    )
    const jar = ended.jar.copy()
    jar.apply(setCookies)
    await visit(h.store, jar, (s) => {
      same(s.get('user'), undefined, `${what}: data through the cookie the client now has`)
    })
  }

  /** Runs one late change against every ending at every point of its save. */
  async function raceEverywhere(h: Harness, change: (s: TestSession) => void): Promise<void> {
    for (const ending of endings) {
      if (ending.needs !== undefined && !h.inner.capabilities[ending.needs]) continue
      for (let step = 1; ; step++) {
        const ended = await racer(h)
        const late = new SessionRegistry(ended.jar.header())
        change(await late.get(h.store))
        const since = h.probe.created.length
        const hold = h.probe.hold(step)
        const saving = Promise.resolve(late.save())
        const reached = await Promise.race([
          hold.reached.then(() => true),
          saving.then(
            () => false,
            () => false,
          ),
        ])
        if (reached) await ending.end(h, ended)
        hold.release()
        const setCookies = await saving
        if (!reached) break
        await staysEnded(h, ended, since, setCookies, `${ending.name} before call ${step}`)
        check(step < 20, 'the late save makes a bounded number of driver calls')
      }
    }
  }

  describe(`${options.name}: requests in flight`, () => {
    // CON-02 (resurrection), for every kind of save.
    for (const [label, change] of lateChanges) {
      test(`a late save (${label}) never brings back a session ended while it ran`, (h) =>
        raceEverywhere(h, change))
    }

    // CON-02 for a session that expired while the request ran.
    test('a late save never brings back a session that expired while it ran', async (h) => {
      for (const [label, change] of lateChanges) {
        const ended = await racer(h)
        const late = new SessionRegistry(ended.jar.header())
        change(await late.get(h.store))
        h.clock.advance(IDLE * 1000)
        const since = h.probe.created.length
        const setCookies = await late.save()
        await staysEnded(h, ended, since, setCookies, label)
      }
    })

    test('saving a late request again, changed or not, never brings the session back', async (h) => {
      for (const [label, change] of lateChanges) {
        for (const ending of ['a logout', 'expiry'] as const) {
          const ended = await racer(h)
          const late = new SessionRegistry(ended.jar.header())
          const session = await late.get(h.store)
          change(session)
          if (ending === 'expiry') h.clock.advance(IDLE * 1000)
          else {
            await visit(h.store, ended.jar.copy(), (s) => {
              s.destroy()
            })
          }
          const since = h.probe.created.length
          const first = await late.save()
          const what = `${label}, after ${ending}`
          same(session.get('user'), undefined, `${what}: the request holds none of the data`)
          const again = await late.save()
          session.set('later', true)
          const third = await late.save()
          same(await h.inner.get(ended.id, h.clock.ms), undefined, `${what}: the old record`)
          for (const id of h.probe.created.slice(since)) {
            const record = await h.inner.get(id, h.clock.ms)
            check(
              record === undefined ||
                (record.values['user'] === undefined && record.userKey === undefined),
              `${what}: a record made by a later save holds the ended session`,
            )
          }
          if (h.inner.capabilities.userIndex) {
            sameJson(await h.store.listByUser(ended.user), [], `${what}: sessions of the user`)
          }
          const jar = ended.jar.copy()
          jar.apply([...first, ...again, ...third])
          await visit(h.store, jar, (s) => {
            same(s.get('user'), undefined, `${what}: data through the cookie the client has`)
          })
        }
      }
    })

    // The reported case: a login in flight while the user logs out.
    test('a regeneration saved after a logout elsewhere gets no session and no live cookie', async (h) => {
      const ended = await racer(h)
      const late = new SessionRegistry(ended.jar.header())
      const session = await late.get(h.store)
      await visit(h.store, ended.jar.copy(), (s) => {
        s.destroy()
      })
      session.set('role', 'admin')
      session.regenerate()
      const since = h.probe.created.length
      const setCookies = await late.save()
      same(setCookies.length, 1, 'one Set-Cookie')
      await staysEnded(h, ended, since, setCookies, 'after the logout')
    })

    test('a regeneration saved after log-out-everywhere gets no session; the list stays empty', async (h) => {
      if (!h.inner.capabilities.userIndex) {
        await refused(h.store.destroyByUser('u1'), 'destroyByUser without userIndex')
        return
      }
      for (const grace of [0, 30]) {
        const ended = await racer(h)
        const other = await racer(h)
        const late = new SessionRegistry(ended.jar.header())
        const session = await late.get(h.store)
        sameJson(
          (await h.store.destroyByUser(ended.user)).length,
          1,
          'log-out-everywhere removed the session',
        )
        session.regenerate({ grace })
        const since = h.probe.created.length
        await staysEnded(h, ended, since, await late.save(), `grace ${grace}`)
        same((await h.store.listByUser(other.user)).length, 1, "another user's session stays")
      }
    })

    // EXP-08: two requests rotating one session at once.
    test('two requests regenerating one session at once end up with one new id and both changes', async (h) => {
      for (const grace of [30, 0]) {
        for (let step = 1; ; step++) {
          const first = await racer(h)
          const a = new SessionRegistry(first.jar.header())
          const b = new SessionRegistry(first.jar.header())
          const sa = await a.get(h.store)
          const sb = await b.get(h.store)
          sa.set('a', 1)
          sa.regenerate({ grace })
          sb.set('b', 2)
          sb.regenerate({ grace })
          const since = h.probe.created.length
          const hold = h.probe.hold(step)
          const savingA = Promise.resolve(a.save())
          const reached = await Promise.race([
            hold.reached.then(() => true),
            savingA.then(() => false),
          ])
          const cookiesB = reached ? await b.save() : []
          hold.release()
          const cookiesA = await savingA
          if (!reached) break
          const what = `grace ${grace}, the other request before call ${step}`
          const alive: string[] = []
          for (const id of h.probe.created.slice(since)) {
            if ((await h.inner.get(id, h.clock.ms)) !== undefined) alive.push(id)
          }
          if (h.inner.capabilities.versions) same(alive.length, 1, `${what}: new records alive`)
          const ids = new Set<string>()
          for (const cookies of [cookiesA, cookiesB]) {
            const live = cookies.filter((line) => !parseSetCookie(line).deleted)
            if (live.length === 0) continue
            const jar = first.jar.copy()
            jar.apply(live)
            await visit(h.store, jar, (s) => {
              same(s.get('user'), 'u1', `${what}: the data through a new cookie`)
              if (s.id !== undefined) ids.add(s.id)
            })
          }
          if (h.inner.capabilities.versions) {
            check(ids.size <= 1, `${what}: the responses carry ${ids.size} different ids`)
          }
          if (grace > 0) {
            same(ids.size, 1, `${what}: with grace both requests keep the session`)
            const jar = first.jar.copy()
            jar.apply(cookiesB.length > 0 ? cookiesB : cookiesA)
            await visit(h.store, jar, (s) => {
              sameJson([s.get('a'), s.get('b')], [1, 2], `${what}: both changes`)
            })
          }
        }
      }
    })

    test('within the grace window, a logout with the old cookie ends the new session too', async (h) => {
      const { jar } = await racer(h)
      const old = jar.copy()
      const { session } = await visit(h.store, jar, (s) => {
        s.regenerate({ grace: 30 })
      })
      await visit(h.store, old, (s) => {
        same(s.get('user'), 'u1', 'the old id still works within the window')
        s.destroy()
      })
      check(session.id !== undefined, 'the new id')
      same(await h.inner.get(session.id, h.clock.ms), undefined, 'the new record')
      await visit(h.store, jar, (s) => {
        same(s.loadError?.reason, 'unknown-session', 'the new cookie')
      })
    })

    test('within the grace window, a logout with the new cookie ends the old id too', async (h) => {
      const { jar, id } = await racer(h)
      const old = jar.copy()
      await visit(h.store, jar, (s) => {
        s.regenerate({ grace: 30 })
      })
      await visit(h.store, jar, (s) => {
        s.destroy()
      })
      same(await h.inner.get(id, h.clock.ms), undefined, 'the old record')
      await visit(h.store, old, (s) => {
        same(s.loadError?.reason, 'unknown-session', 'the old cookie within the window')
      })
    })

    test('within the grace window, a request with the old cookie cannot bring back a session logged out with the new one', async (h) => {
      for (const [label, change] of lateChanges) {
        const ended = await racer(h)
        const old = ended.jar.copy()
        await visit(h.store, ended.jar, (s) => {
          s.regenerate({ grace: 30 })
        })
        const late = new SessionRegistry(old.header())
        const session = await late.get(h.store)
        same(session.get('user'), 'u1', `${label}: loaded through the old id`)
        change(session)
        await visit(h.store, ended.jar, (s) => {
          s.destroy()
        })
        const since = h.probe.created.length
        await staysEnded(h, { ...ended, jar: old }, since, await late.save(), label)
      }
    })

    test('within the grace window, destroyById of the old id ends the new session too', async (h) => {
      const { jar, id } = await racer(h)
      const { session } = await visit(h.store, jar, (s) => {
        s.regenerate({ grace: 30 })
      })
      same(await h.store.destroyById(id), true, 'destroyById of the retired id')
      await visit(h.store, jar, (s) => {
        same(s.loadError?.reason, 'unknown-session', 'the new cookie')
      })
      check(session.id !== undefined, 'the new id')
      same(await h.store.destroyById(session.id), false, 'the new record is already gone')
    })
  })

  // -------------------------------------------------------------------------------------
  describe(`${options.name}: faults`, () => {
    test(
      'a failing driver: the load rejects with SessionStoreError, no fresh session, no cookie (STO-03)',
      async (h) => {
        const { jar } = await login(h.store)
        h.probe.fail('throw', 'get')
        const registry = new SessionRegistry(jar.header())
        const error = await rejection(registry.get(h.store), 'load')
        storeError(error, 'get', false, 'load')
        same((await registry.save()).length, 0, 'Set-Cookie after a failed load')
      },
      { timeout: faultTimeout },
    )

    test(
      'a hanging driver: the load rejects with timedOut within the timeout (STO-02)',
      async (h) => {
        const { jar } = await login(h.store)
        h.probe.fail('hang', 'get')
        const started = Date.now()
        const error = await rejection(visit(h.store, jar), 'load')
        const elapsed = Date.now() - started
        storeError(error, 'get', true, 'load')
        check(
          elapsed >= faultTimeout - 5,
          `rejected after ${elapsed} ms, before the ${faultTimeout} ms timeout`,
        )
        check(elapsed < faultTimeout + 2000, `rejected only after ${elapsed} ms`)
      },
      { timeout: faultTimeout },
    )

    test(
      'a write failure at save: SessionSaveError and no cookie (STO-04)',
      async (h) => {
        h.probe.fail('throw', 'create')
        const fresh = new SessionRegistry(undefined)
        ;(await fresh.get(h.store)).set('user', 'u1')
        storeError(
          onlySaveError(await rejection(Promise.resolve(fresh.save()), 'create'), 'create'),
          'create',
          false,
          'create',
        )
        same(fresh.setCookies.length, 0, 'no Set-Cookie for an unsaved new session')
        h.probe.heal()
        const { jar } = await login(h.store)
        h.probe.fail('throw', 'update')
        const registry = new SessionRegistry(jar.header())
        ;(await registry.get(h.store)).set('x', 1)
        storeError(
          onlySaveError(await rejection(Promise.resolve(registry.save()), 'update'), 'update'),
          'update',
          false,
          'update',
        )
        same(registry.setCookies.length, 0, 'no Set-Cookie for a failed update')
      },
      { timeout: faultTimeout },
    )

    test(
      'a hanging write at save times out with SessionSaveError',
      async (h) => {
        const { jar } = await login(h.store)
        h.probe.fail('hang', 'update', 'touch')
        const registry = new SessionRegistry(jar.header())
        ;(await registry.get(h.store)).set('x', 1)
        const error = onlySaveError(
          await rejection(Promise.resolve(registry.save()), 'save'),
          'save',
        )
        storeError(error, 'update', true, 'save')
      },
      { timeout: faultTimeout },
    )

    test(
      'a failed delete at logout: the error surfaces and the cookie is still cleared (STO-06)',
      async (h) => {
        const { jar, id } = await login(h.store)
        h.probe.fail('throw', 'delete')
        const registry = new SessionRegistry(jar.header())
        ;(await registry.get(h.store)).destroy()
        const error = await rejection(Promise.resolve(registry.save()), 'logout')
        check(error instanceof SessionSaveError, 'SessionSaveError')
        storeError(error.errors[0]?.error, 'delete', false, 'logout')
        same(error.setCookies.length, 1, 'the deletion cookie handed over')
        same(parseSetCookie(error.setCookies[0] ?? '').deleted, true, 'a deletion cookie')
        check((await h.inner.get(id, h.clock.ms)) !== undefined, 'the record could not be deleted')
        h.probe.heal()
        await visit(h.store, jar, (s) => {
          s.destroy()
        })
        same(await h.inner.get(id, h.clock.ms), undefined, 'a retried logout deletes it')
      },
      { timeout: faultTimeout },
    )

    test(
      'after the faults clear, the same store works again (STO-05)',
      async (h) => {
        const { jar } = await login(h.store)
        h.probe.fail('throw', 'get', 'create', 'update', 'touch', 'delete')
        await rejection(visit(h.store, jar), 'during the outage')
        h.probe.fail('hang', 'get')
        await rejection(visit(h.store, jar), 'during the hang')
        h.probe.heal()
        await visit(h.store, jar, (s) => {
          same(s.get('user'), 'u1', 'the session survived the outage')
          s.set('after', true)
        })
        const again = await login(h.store)
        await visit(h.store, again.jar, (s) => {
          same(s.get('user'), 'u1', 'new sessions work')
        })
      },
      { timeout: faultTimeout },
    )
  })
}
