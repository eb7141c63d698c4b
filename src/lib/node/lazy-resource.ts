// A resource opened on its first use rather than when it is made, so creating a driver does no
// I/O and one that cannot open yet (a directory not mounted) recovers by itself: a failed open
// is retried by the next call. Its calls are tracked, so closing refuses new ones and waits for
// those in flight. Lives under src/lib/node because its only user is the filesystem driver; it
// uses no Node API itself.

export class LazyResource<T> {
  readonly #open: () => Promise<T>
  readonly #closedMessage: string
  readonly #pending = new Set<Promise<unknown>>()
  #opened: { readonly value: T } | undefined
  #opening: Promise<T> | undefined
  #closed = false

  /** `closedMessage`: the error a call after `close` rejects with. */
  constructor(open: () => Promise<T>, closedMessage: string) {
    this.#open = open
    this.#closedMessage = closedMessage
  }

  /** The resource once it has been opened. */
  get current(): T | undefined {
    return this.#opened?.value
  }

  get closed(): boolean {
    return this.#closed
  }

  /** Runs `body` on the resource, opening it first; refused after close, awaited by close. */
  run<R>(body: (resource: T) => Promise<R>): Promise<R> {
    if (this.#closed) return Promise.reject(new Error(this.#closedMessage))
    const running = this.#ready().then(body)
    const tracked = running.then(
      () => undefined,
      () => undefined,
    )
    this.#pending.add(tracked)
    void tracked.then(() => this.#pending.delete(tracked))
    return running
  }

  /** Refuses new calls, then waits for every call in flight to settle. */
  async close(): Promise<void> {
    this.#closed = true
    while (this.#pending.size > 0) await Promise.all(this.#pending)
  }

  #ready(): Promise<T> {
    if (this.#opened !== undefined) return Promise.resolve(this.#opened.value)
    this.#opening ??= this.#open().then(
      (value) => {
        this.#opened = { value }
        return value
      },
      (error: unknown) => {
        this.#opening = undefined // retry on the next call
        throw error
      },
    )
    return this.#opening
  }
}
