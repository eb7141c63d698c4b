// Driver calls one at a time, as the network drivers' bench rows measure them: a small session
// saved (create), loaded and patched (one key), each in µs per call, with the round trips each
// cost as `takeRoundTrips()` (a counting proxy's reading since its last call) reports them.
import { performance } from 'node:perf_hooks'
import { SMALL, quantile } from './common.mjs'
import { freshRecord, viewsPatch } from './records.mjs'

/**
 * Measures `driver` (migrated, empty) with `iterations` calls of each kind after a warm-up of
 * 50 of each, which also prepares the statements; returns one row per kind of call.
 */
export async function measureDriverCalls(driver, { client, iterations, takeRoundTrips }) {
  const { generateSessionId } = await import('../../dist/index.js')
  const now = Date.now()
  const record = (id) => freshRecord(id, SMALL, now)
  const patch = (i) => viewsPatch(i, now)
  for (let i = 0; i < 50; i++) {
    const id = generateSessionId()
    await driver.create(record(id), now)
    await driver.get(id, now)
    await driver.update(id, patch(i), now)
  }
  takeRoundTrips()
  const ids = []
  const calls = {
    'save (create)': async (i) => {
      ids[i] = generateSessionId()
      await driver.create(record(ids[i]), now)
    },
    load: (i) => driver.get(ids[i], now),
    'patch (one key)': (i) => driver.update(ids[i], patch(i), now),
  }
  const rows = []
  for (const [op, run] of Object.entries(calls)) {
    const times = []
    for (let i = 0; i < iterations; i++) {
      const t0 = performance.now()
      await run(i)
      times.push((performance.now() - t0) * 1000)
    }
    rows.push({
      client,
      op,
      medianUs: quantile(times, 0.5),
      p99Us: quantile(times, 0.99),
      roundTrips: takeRoundTrips() / iterations,
    })
  }
  return rows
}
