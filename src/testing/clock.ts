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
