// A background job on a timer, for a driver whose expired records are only removed when read
// or swept: jittered by ±10% so several processes sharing one store do not run it together,
// `unref`'d so it never keeps a process alive, never overlapping itself, and armed again after
// every run, failed or not. Lives under src/lib/node because its only user is the filesystem
// driver; it uses no Node API itself.

import { unrefTimer } from '../timeout.ts'

export interface SweeperOptions {
  /** Milliseconds between runs; `0` never runs. */
  readonly interval: number
  readonly run: () => Promise<unknown>
  /** Told about a failed run; a hook that throws is ignored. */
  readonly onError: ((error: unknown) => void) | undefined
}

export class Sweeper {
  readonly #options: SweeperOptions
  #timer: ReturnType<typeof setTimeout> | undefined
  #sweeping = false
  #stopped = false

  /** Arms the first run. */
  constructor(options: SweeperOptions) {
    this.#options = options
    this.#schedule()
  }

  /** No run starts after this; one in progress finishes. */
  stop(): void {
    this.#stopped = true
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timer = undefined
  }

  #schedule(): void {
    const { interval } = this.#options
    if (this.#stopped || interval === 0) return
    const jitter = interval * 0.1 * (2 * Math.random() - 1)
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined
        this.#sweep()
      },
      Math.max(1, Math.round(interval + jitter)),
    )
    unrefTimer(this.#timer)
  }

  #sweep(): void {
    if (this.#stopped || this.#sweeping) {
      this.#schedule()
      return
    }
    this.#sweeping = true
    this.#options
      .run()
      .catch((error: unknown) => {
        try {
          this.#options.onError?.(error)
        } catch {
          // A failing error hook must not become an unhandled rejection.
        }
      })
      .finally(() => {
        this.#sweeping = false
        this.#schedule()
      })
  }
}
