// Store operations for sessionkit's server-side drivers: `node --expose-gc bench/stores.mjs
// [--quick] [--only=regex]`. Per driver (memory, filesystem in a temp dir, SQLite on a file in a
// temp dir) and per payload (small, large), each operation gets its own fresh driver (so a
// `create` run can never evict or slow the record a `get` run reads):
//
// - get:    driver.get(id, now) of an existing record (load);
// - patch:  driver.update(id, patch, now) with a one-key patch (set `views`), as a request that
//           changed one value writes;
// - create: driver.create(record, now) of a new session (the save of a new session);
// - touch:  driver.touch(id, lastSeenAt, expiresAt, now) (sliding expiry, no data write);
// - cycle:  through the manager, a full request cycle: store.get(name, cookie header) (open the
//           signed id cookie + driver.get) → session.set one key → store.save(session) (a
//           per-key patch; the cookie is not re-sent, as in steady state).
//
// One operation is awaited at a time. Each is bounded by time and by count (the filesystem
// driver fsyncs twice per write): a warm-up, then passes in alternating order; a pass reports
// the mean µs/op over its window, the report the median over passes and the min–max spread.
// Unlike bench/lib/harness.mjs there is no forced GC before each pass, only before each
// warm-up: a full GC deoptimizes the timer code every driver call goes through (the store's
// per-call timeout; see BENCHMARKS.md, Findings), and a short pass after it measures V8
// re-optimizing rather than the store.
import { Buffer } from 'node:buffer'
import console from 'node:console'
import { performance } from 'node:perf_hooks'
import process from 'node:process'
import { PAYLOADS, median } from './lib/common.mjs'
import {
  DRIVER_KINDS,
  driverSettings,
  openDriver,
  removeTemporary,
  serverStore,
  sqliteUnavailable,
} from './lib/drivers.mjs'

const quick = process.argv.includes('--quick')
const onlyArg = process.argv.find((arg) => arg.startsWith('--only='))
const only = onlyArg === undefined ? undefined : new RegExp(onlyArg.slice('--only='.length))
// minWarmupOps: [memory, disk] calls at least in the warm-up. maxDiskOpsPerPass bounds the filesystem and SQLite drivers by count as well (files created).
const config = quick
  ? { passes: 3, passMs: 80, warmupMs: 50, minWarmupOps: [2_000, 20], maxDiskOpsPerPass: 1_000 }
  : { passes: 5, passMs: 250, warmupMs: 200, minWarmupOps: [5_000, 100], maxDiskOpsPerPass: 5_000 }

const gc = typeof globalThis.gc === 'function' ? globalThis.gc : () => undefined
const log = (line) => console.error(`  [stores] ${line}`)

const DAY_MS = 86_400_000
// Valid session ids (43 characters of base64url) without spending random bytes per op.
const ID_PREFIX = Buffer.alloc(24, 7).toString('base64url').slice(0, 31)
let idCounter = 0
const nextId = () => `${ID_PREFIX}${(idCounter++).toString(36).padStart(12, '0')}`

function record(id, payload, now) {
  return {
    id,
    values: payload,
    flash: {},
    version: 1,
    createdAt: now,
    lastSeenAt: now,
    expiresAt: now + DAY_MS,
    userKey: undefined,
    meta: undefined,
  }
}

const OPERATIONS = {
  async get(kind, payload) {
    const driver = await openDriver(kind)
    const id = nextId()
    await driver.create(record(id, payload, Date.now()), Date.now())
    return {
      driver,
      fn: async () => {
        const found = await driver.get(id, Date.now())
        if (found === undefined) throw new Error(`${kind}: get found nothing`)
      },
    }
  },
  async patch(kind, payload) {
    const driver = await openDriver(kind)
    const id = nextId()
    await driver.create(record(id, payload, Date.now()), Date.now())
    let views = 0
    return {
      driver,
      fn: async () => {
        const now = Date.now()
        const patch = {
          set: { views: ++views },
          unset: [],
          flashSet: {},
          flashUnset: [],
          lastSeenAt: now,
          expiresAt: now + DAY_MS,
        }
        const result = await driver.update(id, patch, now)
        if (result.status !== 'updated') throw new Error(`${kind}: patch ${result.status}`)
      },
    }
  },
  async create(kind, payload) {
    // The memory driver evicts the least recently used record beyond maxSessions (10 000 by
    // default), so a long run measures a full store: insert + evict.
    const driver = await openDriver(kind)
    return {
      driver,
      fn: async () => {
        const now = Date.now()
        if (!(await driver.create(record(nextId(), payload, now), now))) {
          throw new Error(`${kind}: create refused a new id`)
        }
      },
    }
  },
  async touch(kind, payload) {
    const driver = await openDriver(kind)
    const id = nextId()
    await driver.create(record(id, payload, Date.now()), Date.now())
    return {
      driver,
      fn: async () => {
        const now = Date.now()
        if (!(await driver.touch(id, now, now + DAY_MS, now))) throw new Error('touch: missing')
      },
    }
  },
  async cycle(kind, payload) {
    const store = await serverStore(kind)
    const first = await store.get(undefined)
    for (const [key, value] of Object.entries(payload)) first.set(key, value)
    const setCookie = await store.save(first)
    if (setCookie === undefined) throw new Error(`${kind}: no cookie for a new session`)
    const cookie = setCookie.split(';')[0]
    let views = 0
    return {
      driver: store,
      fn: async () => {
        const session = await store.get(cookie)
        if (session.isNew) throw new Error(`${kind}: the cycle lost its session`)
        session.set('views', ++views)
        await store.save(session)
      },
    }
  },
}

/**
 * Mean µs/op of `fn` over about `ms` milliseconds or `maxOps` calls, whichever comes first, and
 * at least `minOps` calls (the warm-up needs a count: the manager's call chain is deep, and a
 * short time box ends before V8 has optimized it).
 */
async function timeIt(fn, ms, maxOps, minOps = 1) {
  let ops = 0
  const cpuStart = process.cpuUsage()
  const start = performance.now()
  const deadline = start + ms
  let now
  do {
    await fn()
    ops++
    now = performance.now()
  } while ((now < deadline && ops < maxOps) || ops < minOps)
  const cpu = process.cpuUsage(cpuStart)
  return { us: ((now - start) * 1e3) / ops, cpuUs: (cpu.user + cpu.system) / ops, ops }
}

const unavailable = await sqliteUnavailable()
const kinds = DRIVER_KINDS.filter((kind) => kind !== 'sqlite' || unavailable === undefined)
if (unavailable !== undefined) log(`SQLite skipped: better-sqlite3 does not load (${unavailable})`)

const benches = []
for (const [size, payload] of Object.entries(PAYLOADS)) {
  for (const kind of kinds) {
    for (const [op, setup] of Object.entries(OPERATIONS)) {
      const key = `${size}:${kind}.${op}`
      if (only !== undefined && !only.test(key)) continue
      benches.push({ key, size, kind, op, setup: () => setup(kind, payload) })
    }
  }
}

// Set up every bench first (each on its own driver) and warm it up.
const settings = {}
for (const bench of benches) {
  const { driver, fn } = await bench.setup()
  bench.driver = driver
  bench.fn = fn
  const memory = bench.kind === 'memory'
  bench.maxOps = memory ? Infinity : config.maxDiskOpsPerPass
  settings[bench.kind] ??= driverSettings(bench.op === 'cycle' ? driver.driver : driver)
  gc()
  await timeIt(fn, config.warmupMs, bench.maxOps, config.minWarmupOps[memory ? 0 : 1])
}
log(`warmed up ${benches.length} store benchmarks`)

const perPass = new Map(benches.map((bench) => [bench.key, { us: [], cpuUs: [], ops: [] }]))
for (let pass = 0; pass < config.passes; pass++) {
  const order = pass % 2 === 1 ? [...benches].reverse() : benches
  for (const bench of order) {
    const { us, cpuUs, ops } = await timeIt(bench.fn, config.passMs, bench.maxOps)
    const series = perPass.get(bench.key)
    series.us.push(us)
    series.cpuUs.push(cpuUs)
    series.ops.push(ops)
  }
  log(`pass ${pass + 1}/${config.passes} done`)
}
for (const bench of benches) await bench.driver.close()
removeTemporary()

const rows = benches.map((bench) => {
  const series = perPass.get(bench.key)
  return {
    key: bench.key,
    size: bench.size,
    driver: bench.kind,
    op: bench.op,
    usPerPass: series.us,
    cpuUsPerPass: series.cpuUs,
    opsPerPass: series.ops,
    us: median(series.us),
    cpuUs: median(series.cpuUs),
  }
})
for (const row of rows) {
  log(
    `${row.key.padEnd(24)} ${row.us.toFixed(2).padStart(9)} µs/op  ${(1e6 / row.us).toFixed(0).padStart(8)} ops/s  CPU ${row.cpuUs.toFixed(2)} µs/op`,
  )
}
const output = {
  config,
  settings,
  payloadBytes: Object.fromEntries(
    Object.entries(PAYLOADS).map(([size, payload]) => [size, JSON.stringify(payload).length]),
  ),
  sqlite: unavailable === undefined ? 'available' : `skipped: ${unavailable}`,
  rows,
}
if (process.send) process.send(output, () => process.exit(0))
else console.log(JSON.stringify(output, null, 2))
