// A bounded-parallel loop over a directory listing: one file at a time would make a prune of a
// large store slow, all at once would open every file together and run out of descriptors.
// Lives under src/lib/node because its only user is the filesystem driver; it uses no Node API.

/** Runs `body` on every item, at most `limit` at a time; rejects with the first failure. */
export async function forEachLimit<T>(
  items: readonly T[],
  limit: number,
  body: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T
      await body(item)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
}
