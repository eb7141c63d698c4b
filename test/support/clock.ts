// A manual clock to inject as `now`: tests move time explicitly, never sleep.

export const T0 = 1_700_000_000_000

export interface ManualClock {
  /** Milliseconds since the epoch. */
  ms: number
  /** Pass this as the `now` option. */
  readonly now: () => number
  advance(ms: number): void
  advanceSeconds(seconds: number): void
}

export function manualClock(start: number = T0): ManualClock {
  const clock: ManualClock = {
    ms: start,
    now: () => clock.ms,
    advance(ms) {
      clock.ms += ms
    },
    advanceSeconds(seconds) {
      clock.ms += seconds * 1000
    },
  }
  return clock
}
