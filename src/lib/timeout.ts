// A deadline for one asynchronous call. The timer is always cleared when the call settles, so
// it never outlives the call it guards. It is deliberately NOT `unref`'d: while a call is
// pending, its deadline is what guarantees the caller an answer. An unref'd deadline would let
// a process with nothing else to do (a script, a test runner) exit silently with the call
// still pending instead of reporting the timeout. Long-lived timers (sweepers) use
// `unrefTimer`.

interface Unrefable {
  unref(): unknown
}

function hasUnref(value: unknown): value is Unrefable {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { unref?: unknown }).unref === 'function'
  )
}

/** Calls `unref()` on a timer handle when it has one (Node, Bun, Deno); no-op elsewhere. */
export function unrefTimer(handle: unknown): void {
  if (hasUnref(handle)) handle.unref()
}

/**
 * Runs `call` and settles with its outcome, or rejects with `onTimeout()` when it has not
 * settled within `ms` milliseconds. A synchronous throw from `call` becomes a rejection. The
 * call's own late outcome is observed (never an unhandled rejection) and dropped.
 */
export function withTimeout<T>(
  call: () => Promise<T>,
  ms: number,
  onTimeout: () => Error,
): Promise<T> {
  let pending: Promise<T>
  try {
    pending = call()
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)))
  }
  if (!Number.isFinite(ms)) return Promise.resolve(pending)
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(onTimeout())
    }, ms)
    Promise.resolve(pending).then(
      (value) => {
        clearTimeout(timer)
        resolve(value)
      },
      (error: unknown) => {
        clearTimeout(timer)
        reject(error instanceof Error ? error : new Error(String(error)))
      },
    )
  })
}
