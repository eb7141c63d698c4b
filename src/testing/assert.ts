// The suite's assertions. No assertion library, so the suites run on any runtime and runner;
// a failure is a plain Error subclass every runner reports with its message.

import {
  SessionSaveError,
  SessionStoreError,
  isSessionError,
  type StoreOperation,
} from '../errors.ts'

class ConformanceFailure extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ConformanceFailure'
  }
}

export function check(condition: unknown, message: string): asserts condition {
  if (condition !== true) throw new ConformanceFailure(message)
}

/** JSON with object keys sorted, so two equal values always read the same in a message. */
export function show(value: unknown): string {
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
    // defineProperty, not assignment: a `__proto__` key must stay data.
    Object.defineProperty(sorted, key, {
      value: (value as Record<string, unknown>)[key],
      enumerable: true,
      writable: true,
      configurable: true,
    })
  }
  return sorted
}

export function same(actual: unknown, expected: unknown, what: string): void {
  if (!Object.is(actual, expected)) {
    throw new ConformanceFailure(`${what}: expected ${show(expected)}, got ${show(actual)}`)
  }
}

export function sameJson(actual: unknown, expected: unknown, what: string): void {
  const a = show(actual)
  const b = show(expected)
  if (a !== b) throw new ConformanceFailure(`${what}: expected ${b}, got ${a}`)
}

/** The reason `promise` rejects with; a failure if it resolves. */
export async function rejection(promise: Promise<unknown>, what: string): Promise<unknown> {
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
export function refusedAtSetup(setup: () => unknown, what: string): void {
  let error: unknown
  try {
    setup()
  } catch (caught) {
    error = caught
  }
  check(isCode(error, 'ERR_SESSION_CONFIG'), what)
}

/** `promise` must reject with a SessionConfigError. */
export async function refused(promise: Promise<unknown>, what: string): Promise<void> {
  const error = await rejection(promise, what)
  check(
    isCode(error, 'ERR_SESSION_CONFIG'),
    `${what}: expected a SessionConfigError refusal, got ${String(error)}`,
  )
}

/** `error` is the SessionStoreError of a failed or timed-out driver call. */
export function storeError(
  error: unknown,
  operation: StoreOperation,
  timedOut: boolean,
  what: string,
): void {
  check(
    error instanceof SessionStoreError,
    `${what}: expected SessionStoreError, got ${String(error)}`,
  )
  same(error.operation, operation, `${what}: operation`)
  same(error.timedOut, timedOut, `${what}: timedOut`)
}

/** `error` is a SessionSaveError for exactly one session; returns that session's error. */
export function onlySaveError(error: unknown, what: string): unknown {
  check(
    error instanceof SessionSaveError,
    `${what}: expected SessionSaveError, got ${String(error)}`,
  )
  same(error.errors.length, 1, `${what}: number of failed sessions`)
  return error.errors[0]?.error
}
