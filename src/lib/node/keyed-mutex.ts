// An in-process async mutex per key: `run(key, fn)` calls `fn` only after every earlier call
// for the same key has settled, so read-modify-write sequences on one key never interleave.
// Calls for different keys run concurrently. Entries are dropped when their queue drains, so
// the map holds only keys with work in flight.
//
// This coordinates one process only. Lives under src/lib/node because its only users are the
// Node-only drivers; it uses no Node API itself.

export class KeyedMutex {
  readonly #tails = new Map<string, Promise<void>>()

  /** Keys with a call running or queued. */
  get size(): number {
    return this.#tails.size
  }

  /** Runs `fn` once every earlier call for `key` has settled; settles with its outcome. */
  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve()
    let release: () => void = () => undefined
    const tail = new Promise<void>((resolve) => {
      release = resolve
    })
    const chained = previous.then(() => tail)
    this.#tails.set(key, chained)
    const done = (): void => {
      release()
      if (this.#tails.get(key) === chained) this.#tails.delete(key)
    }
    return previous.then(async () => {
      try {
        return await fn()
      } finally {
        done()
      }
    })
  }
}
