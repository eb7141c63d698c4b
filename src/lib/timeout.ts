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

interface Deadline {
  readonly at: number
  readonly expire: () => void
  settled: boolean
}

/**
 * Deadlines for many calls that all get the same time limit: since every deadline is "now +
 * ms", they expire in the order they were made, so one timer for the oldest pending call is
 * enough, instead of a timer set and cleared per call. The timer runs only while a call is
 * pending (it is not `unref`'d then, so a pending call keeps the process alive) and is gone as soon as none is.
 */
export interface DeadlineQueue {
  run<T>(call: () => Promise<T>, onTimeout: () => Error): Promise<T>
}

export function createDeadlineQueue(ms: number, clock: () => number = Date.now): DeadlineQueue {
  const queue: Deadline[] = []
  let head = 0
  let pending = 0
  let timer: ReturnType<typeof setTimeout> | undefined

  function arm(): void {
    while (head < queue.length && queue[head]?.settled === true) head++
    // Under steady load the queue may never drain; drop what the head has passed.
    if (head > 1024 && head * 2 > queue.length) {
      queue.splice(0, head)
      head = 0
    }
    const next = queue[head]
    if (next === undefined) {
      queue.length = 0
      head = 0
      return
    }
    timer = setTimeout(fire, Math.max(0, next.at - clock()))
  }

  function fire(): void {
    timer = undefined
    const now = clock()
    for (let next = queue[head]; next !== undefined && next.at <= now; next = queue[head]) {
      head++
      if (!next.settled) next.expire()
    }
    if (pending > 0) arm()
    else {
      queue.length = 0
      head = 0
    }
  }

  function settle(deadline: Deadline): void {
    if (deadline.settled) return
    deadline.settled = true
    pending--
    if (pending === 0 && timer !== undefined) {
      clearTimeout(timer)
      timer = undefined
      queue.length = 0
      head = 0
    }
  }

  return {
    run<T>(call: () => Promise<T>, onTimeout: () => Error): Promise<T> {
      let inner: Promise<T>
      try {
        inner = call()
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error(String(error)))
      }
      if (!Number.isFinite(ms)) return Promise.resolve(inner)
      return new Promise<T>((resolve, reject) => {
        const deadline: Deadline = {
          at: clock() + ms,
          settled: false,
          expire: () => {
            deadline.settled = true
            pending--
            reject(onTimeout())
          },
        }
        queue.push(deadline)
        pending++
        if (timer === undefined) arm()
        Promise.resolve(inner).then(
          (value) => {
            if (deadline.settled) return
            settle(deadline)
            resolve(value)
          },
          (error: unknown) => {
            if (deadline.settled) return
            settle(deadline)
            reject(error instanceof Error ? error : new Error(String(error)))
          },
        )
      })
    },
  }
}
