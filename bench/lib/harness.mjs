// A small time-boxed micro-benchmark harness: warm-up and batch calibration per benchmark, then
// several passes in alternating order (forward, reverse, ...) with a GC before each benchmark.
// A pass reports the mean ns/op over its window; the report uses the median over passes and
// shows the spread (min-max) across passes. Each pass also records the process CPU time per
// operation (all threads: main, GC helpers and, for Web Crypto, the thread pool), which is far
// less sensitive than wall time to other processes competing for the cores.
import { performance } from 'node:perf_hooks'
import process from 'node:process'

const gc = typeof globalThis.gc === 'function' ? globalThis.gc : () => undefined

let sink

/** Runs `bench.fn` for about `ms` milliseconds and returns the mean ns per operation. */
async function timeIt(bench, batch, ms) {
  const fn = bench.fn
  let ops = 0
  const cpuStart = process.cpuUsage()
  const start = performance.now()
  const deadline = start + ms
  let now
  if (bench.async) {
    do {
      for (let i = 0; i < batch; i++) sink = await fn()
      ops += batch
      now = performance.now()
    } while (now < deadline)
  } else {
    do {
      for (let i = 0; i < batch; i++) sink = fn()
      ops += batch
      now = performance.now()
    } while (now < deadline)
  }
  const cpu = process.cpuUsage(cpuStart)
  return { ns: ((now - start) * 1e6) / ops, cpuNs: ((cpu.user + cpu.system) * 1e3) / ops, ops }
}

/**
 * @param {{ id: string, fn: () => unknown, async?: boolean }[]} benches
 * @param {{ passes: number, passMs: number, warmupMs: number, log: (line: string) => void }} options
 * @returns {Promise<Map<string, { ns: number[], cpuNs: number[] }>>} per pass, by id
 */
export async function runBenches(benches, { passes, passMs, warmupMs, log }) {
  const batches = new Map()
  for (const bench of benches) {
    // One call first (lazy key import and the like), then a timed warm-up that sizes batches
    // at ~1 ms, so the clock is read rarely compared with the work.
    sink = await bench.fn()
    gc()
    const { ns } = await timeIt(bench, 1, warmupMs)
    batches.set(bench.id, Math.max(1, Math.round(1e6 / ns)))
  }
  log(`warmed up ${benches.length} benchmarks`)
  const results = new Map(benches.map((bench) => [bench.id, { ns: [], cpuNs: [] }]))
  for (let pass = 0; pass < passes; pass++) {
    const order = pass % 2 === 1 ? [...benches].reverse() : benches
    for (const bench of order) {
      gc()
      const { ns, cpuNs } = await timeIt(bench, batches.get(bench.id), passMs)
      results.get(bench.id).ns.push(ns)
      results.get(bench.id).cpuNs.push(cpuNs)
    }
    log(`pass ${pass + 1}/${passes} done`)
  }
  if (sink === Symbol.for('never')) log('unreachable')
  return results
}
