// "A process that never closes its store still exits": a driver's own timers (sweepers) must
// not keep the event loop alive. Checked in-process, with the runtime's list of what keeps it
// alive, before the driver is made and after a few calls on it while it is still open.

import { sameJson } from './assert.ts'
import { HOUR_MS, patch, record, type Suite } from './harness.ts'

// A transient timer (a lock retry, a backoff) ends by itself; a leaked one never does. How
// many event-loop turns of 10 ms the test gives a transient one before it calls it a leak.
const SETTLE_TURNS = 50

export function keepAliveTest(suite: Suite, activeResources: () => readonly string[]): void {
  suite.it(
    'a driver left open keeps nothing alive: a process that never closes it exits',
    async () => {
      const before = activeResources()
      await suite.withDriver(async (driver, clock) => {
        const kept = record(clock.ms, { userKey: 'u1' })
        const gone = record(clock.ms, { userKey: 'u1' })
        await driver.create(kept, clock.ms)
        await driver.create(gone, clock.ms)
        await driver.get(kept.id, clock.ms)
        await driver.update(kept.id, patch(clock.ms, { a: 2 }), clock.ms)
        await driver.touch(kept.id, clock.ms, clock.ms + HOUR_MS, clock.ms)
        await driver.delete(gone.id)
        await driver.listByUser?.('u1', clock.ms)
        await driver.prune?.(clock.ms)
        sameJson(await leaks(activeResources, before), [], 'what the open driver keeps alive')
      })
    },
  )
}

/** What `list()` holds beyond `before`, once transient resources had time to end. */
async function leaks(list: () => readonly string[], before: readonly string[]): Promise<string[]> {
  let extra = beyond(list(), before)
  for (let turn = 0; extra.length > 0 && turn < SETTLE_TURNS; turn++) {
    await new Promise((resolve) => setTimeout(resolve, 10))
    extra = beyond(list(), before)
  }
  return extra
}

/** The entries of `after` not matched one for one by an entry of `before`, sorted. */
function beyond(after: readonly string[], before: readonly string[]): string[] {
  const left = new Map<string, number>()
  for (const name of before) left.set(name, (left.get(name) ?? 0) + 1)
  const extra: string[] = []
  for (const name of after) {
    const count = left.get(name) ?? 0
    if (count > 0) left.set(name, count - 1)
    else extra.push(name)
  }
  return extra.sort()
}
