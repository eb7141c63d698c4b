// Per update request (load a session, change one key, save) on the filesystem and SQLite
// drivers: CPU µs, libuv thread-pool round trips (fs requests seen by async_hooks) and, when
// run under strace, syscalls. Usage: node bench/fs-syscalls.mjs [n]  (needs `npm run build`).
// Syscalls: `node bench/fs-syscalls.mjs --strace [n]` re-runs each driver under strace -f -c.
import { createHook } from 'node:async_hooks'
import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import process from 'node:process'
import { fileURLToPath } from 'node:url'
import { openDriver } from './lib/drivers.mjs'
import { freshRecord, viewsPatch } from './lib/records.mjs'

let fsRequests = 0
const hook = createHook({
  init(_id, type) {
    if (type === 'FSREQCALLBACK' || type === 'FSREQPROMISE') fsRequests++
  },
})

/** Runs `n` update requests on a fresh driver of `kind`; returns one row. */
async function measureOne(kind, n) {
  const { generateSessionId } = await import('../dist/index.js')
  const driver = await openDriver(kind)
  const now = Date.now()
  const id = generateSessionId()
  await driver.create(freshRecord(id, { views: 0 }, now), now)
  const request = async (i) => {
    const loaded = await driver.get(id, now)
    await driver.update(id, viewsPatch(i, now), now)
    return loaded
  }
  for (let i = 0; i < 20; i++) await request(i)
  hook.enable()
  fsRequests = 0
  const cpu0 = process.cpuUsage()
  for (let i = 0; i < n; i++) await request(i)
  const cpu = process.cpuUsage(cpu0)
  hook.disable()
  const row = {
    driver: kind,
    n,
    cpuUsPerRequest: (cpu.user + cpu.system) / n,
    threadPoolRoundTrips: fsRequests / n,
  }
  await driver.close?.()
  return row
}

/** Rows for both drivers (no syscall counts; see `--strace`). */
export async function measureDriverSyscalls({ n = 500, kinds = ['filesystem', 'sqlite'] } = {}) {
  const rows = []
  for (const kind of kinds) rows.push(await measureOne(kind, n))
  return rows
}

/** Runs this script for one driver under strace -f -c; returns total and top syscalls per request. */
function straceOne(kind, n) {
  const out = `/tmp/fs-syscalls-${process.pid}-${kind}.txt`
  const self = fileURLToPath(import.meta.url)
  spawnSync('strace', ['-f', '-c', '-o', out, process.execPath, self, '--only', kind, String(n)])
  const base = `/tmp/fs-syscalls-${process.pid}-${kind}-0.txt`
  spawnSync('strace', ['-f', '-c', '-o', base, process.execPath, self, '--only', kind, '0'])
  const parse = (file) => {
    const counts = {}
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const m = line.trim().split(/\s+/)
      if (m.length >= 5 && /^\d/.test(m[0]) && m.at(-1) !== 'total') counts[m.at(-1)] = Number(m[3])
    }
    return counts
  }
  const full = parse(out)
  const idle = parse(base)
  const per = {}
  for (const [name, count] of Object.entries(full)) {
    const d = (count - (idle[name] ?? 0)) / n
    if (d > 0.05) per[name] = Math.round(d * 100) / 100
  }
  const total = Object.values(per).reduce((a, b) => a + b, 0)
  const top = Object.entries(per)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 8)
  return { syscallsPerRequest: Math.round(total * 10) / 10, topSyscalls: Object.fromEntries(top) }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2)
  const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined
  const n = Number(args.filter((a) => /^\d+$/.test(a)).at(-1) ?? 500)
  if (only !== undefined) {
    if (n > 0) await measureOne(only, n)
  } else {
    const rows = await measureDriverSyscalls({ n })
    if (args.includes('--strace'))
      for (const row of rows) Object.assign(row, straceOne(row.driver, n))
    mkdirSync('bench/results', { recursive: true })
    writeFileSync('bench/results/fs-syscalls.json', JSON.stringify(rows, null, 2) + '\n')
    const lines = [
      '| driver | CPU µs/request | thread-pool round trips | syscalls | top syscalls |',
      '|---|---|---|---|---|',
    ]
    for (const r of rows) {
      const top = Object.entries(r.topSyscalls ?? {})
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')
      lines.push(
        `| ${r.driver} | ${r.cpuUsPerRequest.toFixed(0)} | ${r.threadPoolRoundTrips.toFixed(1)} | ${r.syscallsPerRequest ?? '-'} | ${top} |`,
      )
    }
    writeFileSync('bench/results/fs-syscalls.md', lines.join('\n') + '\n')
    process.stdout.write(lines.join('\n') + '\n')
  }
}
