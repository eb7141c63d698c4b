// The scale rows' targets and BENCHMARKS.md section, from bench/scale.mjs's result (pure
// functions: bench/run.mjs --report-only re-renders from the JSON).

const MAX_VS_COOKIE = 1.2
const MAX_GROWTH = 1.2

const count = (n) => n.toLocaleString('en-US')
const micros = (r) => `${r.cpuMicros.toFixed(1)} (${r.cpuMin.toFixed(1)}–${r.cpuMax.toFixed(1)})`
const bytes = (value) => Math.round(value).toLocaleString('en-US')

function target(id, text, measured, pass, why) {
  return { id, text, measured, status: pass ? 'PASS' : 'MISS', why: pass ? undefined : why }
}

function vsCookieTarget(result) {
  const row = result.sizes.find((r) => r.size === result.storedPayload)
  if (row?.cookie === undefined) return undefined
  const ratio = row.memory.cpuMicros / row.cookie.cpuMicros
  const measured = `memory ${row.memory.cpuMicros.toFixed(1)} µs vs cookie ${row.cookie.cpuMicros.toFixed(1)} µs CPU per request: ${ratio.toFixed(2)}×; target ≤ ${MAX_VS_COOKIE}×`
  const why = `The memory store allocated ${bytes(row.memory.allocatedBytes)} B per request against the cookie store's ${bytes(row.cookie.allocatedBytes)} B; on top of the cookie store's work (open the cookie, JSON, seal) it hashes the id into its storage key (SHA-256), looks the record up, moves it to the LRU end and writes a patch (copied and frozen).`
  return target(
    'scale-memory-vs-cookie',
    `Memory server store ≤ ${MAX_VS_COOKIE}× the cookie store's CPU per request (${row.size} session)`,
    measured,
    ratio <= MAX_VS_COOKIE,
    why,
  )
}

function growthWhy(small, large) {
  const parts = [
    `CPU per request ${small.cpuMicros.toFixed(1)} → ${large.cpuMicros.toFixed(1)} µs`,
    `GC pause per request ${small.gcPauseMicros.toFixed(1)} → ${large.gcPauseMicros.toFixed(1)} µs`,
    `allocated ${bytes(small.allocatedBytes)} → ${bytes(large.allocatedBytes)} B`,
    `promoted ${bytes(small.promotedBytes)} → ${bytes(large.promotedBytes)} B`,
    `full GCs per 1,000 requests ${small.fullGcsPer1k.toFixed(2)} → ${large.fullGcsPer1k.toFixed(2)}`,
  ]
  const heapMiB = (large.heapBytesPerSession * large.stored) / 2 ** 20
  const extra = large.cpuMicros - small.cpuMicros
  const gcExtra = large.gcPauseMicros - small.gcPauseMicros
  const cause =
    gcExtra >= extra / 2
      ? `the same work and about the same garbage per request and no full GC, but the main thread's GC pauses (scavenges) grew by ${gcExtra.toFixed(1)} µs per request (wall time) against ${extra.toFixed(1)} µs more CPU: each collection of the young generation costs more next to ~${heapMiB.toFixed(0)} MiB of stored sessions`
      : `the same work and garbage per request, and the GC pauses grew by only ${gcExtra.toFixed(1)} µs per request against ${extra.toFixed(1)} µs more CPU: the rest is memory access, the ${count(large.stored)} records (~${heapMiB.toFixed(0)} MiB) no longer fit in the CPU caches`
  return `${parts.join(', ')}: ${cause}.`
}

function growthTarget(result) {
  const [small] = result.stored
  const large = result.stored[result.stored.length - 1]
  if (small === undefined || large === small) return undefined
  const ratio = large.cpuMicros / small.cpuMicros
  const measured = `${large.cpuMicros.toFixed(1)} µs at ${count(large.stored)} vs ${small.cpuMicros.toFixed(1)} µs at ${count(small.stored)}: ${ratio.toFixed(2)}×; heap ${bytes(small.heapBytesPerSession)} / ${bytes(large.heapBytesPerSession)} B per stored session; target ≤ ${MAX_GROWTH}×`
  return target(
    'scale-memory-stored',
    `Memory server store: CPU per request at ${count(large.stored)} stored sessions ≤ ${MAX_GROWTH}× at ${count(small.stored)}${result.quick ? ' (quick run: the full run goes to 1,000,000)' : ''}`,
    measured,
    ratio <= MAX_GROWTH,
    growthWhy(small, large),
  )
}

/** The scale targets ({ id, text, measured, status, why? }), as bench/targets.mjs shapes them. */
export function scaleTargets(result) {
  return [vsCookieTarget(result), growthTarget(result)].filter((t) => t !== undefined)
}

function sizeLines(result) {
  const lines = [
    '| session | JSON bytes | cookie store µs/request (passes) | cookie B allocated/request | memory store µs/request (passes) | memory B allocated/request | memory ÷ cookie |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ]
  for (const row of result.sizes) {
    const { memory, cookie, cookieOverflow } = row
    const cookieCells =
      cookie === undefined
        ? [
            `does not fit in a 4 KB cookie (${bytes(cookieOverflow.size)} B > ${bytes(cookieOverflow.limit)} B)`,
            '—',
          ]
        : [micros(cookie), bytes(cookie.allocatedBytes)]
    const ratio =
      cookie === undefined ? '—' : `${(memory.cpuMicros / cookie.cpuMicros).toFixed(2)}×`
    lines.push(
      `| ${row.size} | ${bytes(row.jsonBytes)} | ${cookieCells.join(' | ')} | ${micros(memory)} | ${bytes(memory.allocatedBytes)} | ${ratio} |`,
    )
  }
  return lines
}

function storedLines(result) {
  const [first] = result.stored
  const lines = [
    '| stored sessions | fill: CPU s (wall s) | heap B per stored session | µs/request (passes) | × first row | GC pause µs/request | B allocated/request | B promoted/request | full GCs per 1,000 requests | one sweep (ms) |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ]
  for (const row of result.stored) {
    lines.push(
      `| ${count(row.stored)} | ${row.fillCpuSeconds.toFixed(1)} (${row.fillSeconds.toFixed(1)}) | ${bytes(row.heapBytesPerSession)} | ${micros(row)} | ${(row.cpuMicros / first.cpuMicros).toFixed(2)}× | ${row.gcPauseMicros.toFixed(1)} | ${bytes(row.allocatedBytes)} | ${bytes(row.promotedBytes)} | ${row.fullGcsPer1k.toFixed(2)} | ${row.sweepMillis.toFixed(1)} |`,
    )
  }
  return lines
}

/** The BENCHMARKS.md section (markdown lines). */
export function renderScale(result) {
  const { warmup, n, passes } = result
  return [
    '## Scale: session size and stored sessions',
    '',
    `\`bench/scale.mjs\`, in-process (no HTTP, so only the store is measured). One request is \`store.get(Cookie header)\` → \`session.increment('views')\` → \`store.save(session)\`. CPU is \`process.cpuUsage\` (user + system, every thread, GC helpers included) per request: the median of ${passes} passes of ${count(n)} requests after ${count(warmup)} warm-up requests, with the passes' range. GC pause is the main thread's time in GC per request (wall time, so inflated on a loaded machine). Bytes allocated per request are the growth of V8's used heap plus what each GC in the pass freed, and bytes promoted what scavenges moved into the old generation, both from \`v8.GCProfiler\`'s before/after heap statistics (in-process, not \`--trace-gc-nvp\`).`,
    '',
    '### Session size',
    '',
    'The cookie store and the server store on the memory driver, one client whose cookie each response renews.',
    '',
    ...sizeLines(result),
    '',
    '### Stored sessions (memory server store)',
    '',
    `The server store on a memory driver with \`maxSessions\` set to the count (the driver's default keeps 10,000), filled with that many ${result.storedPayload} sessions through \`store.save\`, 1,000 saves in flight at a time; then requests on stored sessions chosen at random. Heap per stored session is the growth of \`heapUsed + external\` after full GCs over the fill, divided by the count, without the benchmark's own copy of each session's Cookie header (measured separately and subtracted). "One sweep" is \`driver.sweep()\` walking every record once with nothing expired, which the sweeper does once a minute by default.`,
    '',
    ...storedLines(result),
  ]
}
