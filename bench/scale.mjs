// Scale rows, in-process (no HTTP, so only the store is measured): `node --expose-gc
// bench/scale.mjs [--quick]`, or a child of bench/run.mjs (the result goes back over IPC).
//   sizes   one request (store.get(Cookie header) → increment `views` → store.save) on the
//           cookie store and on the server store with the memory driver, for sessions of
//           ~200 B, ~2 KB and ~16 KB of JSON; a session too large for a 4 KB cookie is listed
//           as such
//   stored  the memory server store holding 1e3 / 1e5 / 1e6 sessions of ~200 B (quick: 1e3 /
//           1e4), filled through the store's API, then requests on randomly chosen stored
//           sessions: CPU per request, heap per stored session, allocation and promotion
// CPU is process.cpuUsage (all threads) per request, the median of several passes; bytes
// allocated and promoted come from v8.GCProfiler (bench/lib/scale-measure.mjs).
import console from 'node:console'
import process from 'node:process'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { renderScale, scaleTargets } from './lib/scale-report.mjs'

export { renderScale, scaleTargets }

const FULL = { warmup: 2000, n: 5000, passes: 5, stored: [1_000, 100_000, 1_000_000] }
const QUICK = { warmup: 1000, n: 2000, passes: 3, stored: [1_000, 10_000] }
const STORED_PAYLOAD = '200 B'

async function sizeRows(lib, config, log) {
  const { SCALE_PAYLOADS, jsonSize } = lib.payloads
  const { cookieStore, memoryStore, newSession, chained, cookieOverflow } = lib.stores
  const rows = []
  for (const [label, values] of Object.entries(SCALE_PAYLOADS)) {
    const row = { size: label, jsonBytes: jsonSize(values) }
    const cookie = cookieStore()
    const overflow = await cookieOverflow(cookie, values)
    if (overflow === undefined) {
      row.cookie = await lib.measure.measureRequests(
        chained(cookie, await newSession(cookie, values)),
        config,
      )
    } else {
      row.cookieOverflow = overflow
    }
    const memory = await memoryStore(1000)
    row.memory = await lib.measure.measureRequests(
      chained(memory, await newSession(memory, values)),
      config,
    )
    await memory.driver.close()
    log(
      `  [scale] ${label}: cookie ${row.cookie === undefined ? `does not fit (${overflow.size} B > ${overflow.limit} B)` : `${row.cookie.cpuMicros.toFixed(1)} µs`}, memory ${row.memory.cpuMicros.toFixed(1)} µs per request`,
    )
    rows.push(row)
  }
  return rows
}

// Heap of `headers` kept as flat strings: the same strings again, measured, then dropped.
function headersBytes(lib, headers, settled) {
  const copy = headers.map(lib.stores.flat)
  const bytes = lib.measure.settledHeap() - settled
  if (copy.length !== headers.length) throw new Error('unreachable')
  return bytes
}

async function storedRow(lib, config, count, log) {
  const { memoryStore, fill, request } = lib.stores
  const { settledHeap, measureRequests } = lib.measure
  const before = settledHeap()
  const store = await memoryStore(count)
  const started = performance.now()
  const cpuBefore = process.cpuUsage()
  const headers = await fill(store, lib.payloads.SCALE_PAYLOADS[STORED_PAYLOAD], count)
  const fillCpu = process.cpuUsage(cpuBefore)
  const fillSeconds = (performance.now() - started) / 1000
  const after = settledHeap()
  const kept = headersBytes(lib, headers, after)
  const pick = () => headers[Math.floor(Math.random() * count)]
  const requests = await measureRequests(() => request(store, pick()), config)
  const sweepStarted = performance.now()
  const swept = store.driver.sweep().length
  const sweepMillis = performance.now() - sweepStarted
  if (store.driver.size !== count || swept !== 0) throw new Error('sessions lost during the run')
  await store.driver.close()
  const row = {
    stored: count,
    fillSeconds,
    fillCpuSeconds: (fillCpu.user + fillCpu.system) / 1e6,
    heapBytesPerSession: (after - before - kept) / count,
    headerBytesPerSession: kept / count,
    sweepMillis,
    ...requests,
  }
  log(
    `  [scale] ${count} stored: ${row.cpuMicros.toFixed(1)} µs per request, ${row.heapBytesPerSession.toFixed(0)} B per session, filled in ${fillSeconds.toFixed(1)} s`,
  )
  return row
}

/** Both tables' figures; `log` gets a progress line per row. */
export async function measureScale({ quick = false, log = () => undefined } = {}) {
  const lib = {
    measure: await import('./lib/scale-measure.mjs'),
    stores: await import('./lib/scale-stores.mjs'),
    payloads: await import('./lib/scale-payloads.mjs'),
  }
  const config = quick ? QUICK : FULL
  const sizes = await sizeRows(lib, config, log)
  const stored = []
  for (const count of config.stored) stored.push(await storedRow(lib, config, count, log))
  const { warmup, n, passes } = config
  return {
    quick,
    node: process.version,
    warmup,
    n,
    passes,
    storedPayload: STORED_PAYLOAD,
    sizes,
    stored,
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const quick = process.argv.includes('--quick')
  const result = await measureScale({ quick, log: (line) => console.error(line) })
  if (process.send) {
    process.send(result, () => process.exit(0))
  } else {
    for (const line of renderScale(result)) console.log(line)
    console.log('')
    for (const t of scaleTargets(result)) {
      console.log(
        `${t.status.padEnd(5)} ${t.text}: ${t.measured}${t.why ? `\n      ${t.why}` : ''}`,
      )
    }
  }
}
