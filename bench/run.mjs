// `npm run bench [-- --quick]`: micro benchmarks, store operations, memory per stored session,
// lost updates under concurrent writes and HTTP, then BENCHMARKS.md and
// bench/results/latest.json. See BENCHMARKS.md for the method. `--only-http` runs the HTTP
// phase alone (the other sections of the report then say they were not measured).
import { execFileSync, fork } from 'node:child_process'
import { once } from 'node:events'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import process from 'node:process'
import console from 'node:console'
import { URL } from 'node:url'
import { summarizeHttp } from './analysis.mjs'
import { runHttp } from './http/driver.mjs'
import { HTTP_SCENARIOS } from './http/scenarios.mjs'
import { evaluatePerformanceTargets, evaluateTargets } from './targets.mjs'
import { scaleTargets } from './scale.mjs'
import { renderReport } from './report.mjs'
import { measureFsSyscallsIfPresent } from './lib/fs-syscalls-hook.mjs'
import { loadInstructions } from './lib/instructions-report.mjs'

const quick = process.argv.includes('--quick')
const onlyHttp = process.argv.includes('--only-http')
if (process.argv.includes('--instructions')) {
  // Instruction and allocation counts per request only (bench/instructions.mjs), no timings.
  const { main } = await import('./instructions.mjs')
  main(process.argv.slice(2).filter((arg) => arg !== '--instructions'))
  process.exit(0)
}
const root = new URL('../', import.meta.url)
const started = Date.now()
const log = (line) => {
  const t = ((Date.now() - started) / 1000).toFixed(0).padStart(4)
  console.log(`[bench ${t}s] ${line}`)
}

function sh(command, args) {
  try {
    return execFileSync(command, args, { cwd: root, encoding: 'utf8' }).trim()
  } catch {
    return ''
  }
}

function machine() {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8')
  const model = /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? 'unknown'
  const flags = /^flags\s*:\s*(.*)$/m.exec(cpuinfo)?.[1].split(' ') ?? []
  const commit = sh('git', ['rev-parse', '--short', 'HEAD'])
  const dirty = sh('git', ['status', '--porcelain']) !== ''
  return {
    cpu: model,
    cpuFlags: ['aes', 'avx2', 'sha_ni', 'vaes'].filter((flag) => flags.includes(flag)),
    cores: os.availableParallelism(),
    memoryGiB: os.totalmem() / 2 ** 30,
    node: process.version,
    openssl: process.versions.openssl,
    v8: process.versions.v8,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    uvThreadpoolSize: process.env.UV_THREADPOOL_SIZE ?? 'default (4)',
    loadAverageAtStart: os.loadavg(),
    date: new Date().toISOString(),
    commit: commit === '' ? 'unknown' : commit,
    dirty,
  }
}

function versions() {
  const read = (path) => {
    try {
      return JSON.parse(readFileSync(new URL(`node_modules/${path}/package.json`, root), 'utf8'))
        .version
    } catch {
      return 'not installed'
    }
  }
  return {
    autocannon: read('autocannon'),
    'iron-session': read('iron-session'),
    'iron-session → iron-webcrypto': read('iron-session/node_modules/iron-webcrypto'),
    'iron-webcrypto (direct)': read('iron-webcrypto'),
    'cookie-session': read('cookie-session'),
    keygrip: read('keygrip'),
    express: read('express'),
    'express-session': read('express-session'),
    'express-session → cookie-signature': read('express-session/node_modules/cookie-signature'),
    fastify: read('fastify'),
    '@fastify/secure-session': read('@fastify/secure-session'),
    'sodium-native': read('sodium-native'),
    'better-sqlite3': read('better-sqlite3'),
    pg: read('pg'),
    postgres: read('postgres'),
    'connect-pg-simple': read('connect-pg-simple'),
    mysql2: read('mysql2'),
  }
}

async function child(script, args) {
  const proc = fork(new URL(script, import.meta.url), args, {
    execArgv: ['--expose-gc'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const [result] = await Promise.race([
    once(proc, 'message'),
    once(proc, 'exit').then(([code]) => {
      throw new Error(`${script} exited with code ${code} before reporting`)
    }),
  ])
  if (proc.exitCode === null) await once(proc, 'exit')
  return result
}

async function otherPhases() {
  const args = quick ? ['--quick'] : []

  log('micro benchmarks (child process)…')
  const micro = await child('./micro.mjs', args)

  log('store operations: memory, filesystem, SQLite (child process)…')
  const stores = await child('./stores.mjs', args)

  log('memory per stored session (child process)…')
  const memory = await child('./memory.mjs', args)

  log('lost updates under concurrent writes to one session (child process + servers)…')
  const lostUpdates = await child('./lost-updates.mjs', args)

  log('PostgreSQL: driver calls, HTTP and lost updates (child process + server)…')
  const postgres = await child('./postgres.mjs', args)
  log('MySQL / MariaDB: driver calls (child process + server)…')
  const mysql = await child('./mysql.mjs', args)
  log('Redis: driver calls, HTTP against connect-redis, lost updates (child process + Redis)…')
  const redis = await child('./redis.mjs', args)

  log('scale: session size and stored sessions, memory and cookie stores (child process)…')
  const scale = await child('./scale.mjs', args)

  log('filesystem driver syscalls per operation (bench/fs-syscalls.mjs, if present)…')
  const fsSyscalls = await measureFsSyscallsIfPresent({ quick })
  if (!fsSyscalls.measured) log(`  not measured: ${fsSyscalls.reason}`)

  return { micro, stores, memory, lostUpdates, postgres, mysql, redis, fsSyscalls, scale }
}

// --http-rounds=N, --http-slice=S, --http-warmup=S (seconds) and --http-warmup-requests=N
// change the HTTP schedule.
function httpOverrides() {
  const out = {}
  const flags = {
    '--http-rounds': 'rounds',
    '--http-slice': 'seconds',
    '--http-warmup': 'warmupSeconds',
    '--http-warmup-requests': 'warmupRequests',
  }
  for (const arg of process.argv.slice(2)) {
    const [flag, value] = arg.split('=')
    if (!flag.startsWith('--http-')) continue
    if (flags[flag] === undefined) throw new Error(`unknown option ${flag}`)
    const number = Number(value)
    if (!(number > 0)) throw new Error(`${flag} wants a positive number, not "${value}"`)
    out[flags[flag]] =
      flag === '--http-rounds' || flag.endsWith('requests') ? Math.ceil(number) : number
  }
  return out
}

async function measure() {
  const info = machine()
  log(
    `${quick ? 'quick' : 'full'} run on ${info.cpu}, ${info.cores} cores, Node ${info.node}, commit ${info.commit}${info.dirty ? ' (dirty tree)' : ''}`,
  )
  const others = onlyHttp ? {} : await otherPhases()

  // Every contender gets one slice per round: ~30 contenders take (1 s warm-up + 6 × 2 s) each,
  // about 7 minutes in all (start-up and priming included).
  const httpConfig = {
    ...(quick
      ? { connections: 10, warmupSeconds: 1, warmupRequests: 2000, seconds: 1, rounds: 1 }
      : { connections: 10, warmupSeconds: 1, warmupRequests: 20_000, seconds: 2, rounds: 6 }),
    ...httpOverrides(),
  }
  const only = process.env.BENCH_HTTP_ONLY?.split(',')
  const active = HTTP_SCENARIOS.filter(
    (s) => s.pending === undefined && (only === undefined || only.includes(s.id)),
  ).length
  log(
    `HTTP: ${active} contenders, warm-up ≥ ${httpConfig.warmupSeconds} s and ${httpConfig.warmupRequests} requests each, then ${httpConfig.rounds} round(s) of one ${httpConfig.seconds} s slice per contender, ${httpConfig.connections} connections…`,
  )
  const http = await runHttp({ ...httpConfig, log })

  const results = {
    quick,
    onlyHttp,
    machine: info,
    versions: versions(),
    ...others,
    http: { config: httpConfig, ...http },
    durationSeconds: (Date.now() - started) / 1000,
  }
  return results
}

// Results written before the HTTP phase ran in interleaved slices have one whole run per
// contender and round, with the same per-row fields: summarized the new way, marked as such.
function upgrade(results) {
  const http = results.http
  if (http === undefined || http.method !== undefined) return results
  if (!Array.isArray(http.perRound)) {
    throw new Error('bench/results/latest.json: results.http has neither a method nor perRound')
  }
  const scenarios = http.summary ?? HTTP_SCENARIOS
  const after = Object.fromEntries(
    Object.values(http.perRound[0] ?? {}).map((row) => [row.id, row.afterBody]),
  )
  return {
    ...results,
    http: {
      ...http,
      method: 'sequential',
      summary: summarizeHttp(scenarios, http.perRound, after),
    },
  }
}

// `--report-only` re-renders BENCHMARKS.md (and re-evaluates the targets) from latest.json.
const reportOnly = process.argv.includes('--report-only')
const latest = new URL('bench/results/latest.json', root)
const results = reportOnly ? upgrade(JSON.parse(readFileSync(latest, 'utf8'))) : await measure()
// Saved callgrind counts (bench/instructions.mjs --save) as they are now, with their commit.
results.instructions = loadInstructions()
results.targets = evaluateTargets(results)
results.performanceTargets = [
  ...evaluatePerformanceTargets(results),
  ...(results.scale === undefined ? [] : scaleTargets(results.scale)),
]

mkdirSync(new URL('bench/results/', root), { recursive: true })
writeFileSync(latest, `${JSON.stringify(results, null, 2)}\n`)
writeFileSync(new URL('BENCHMARKS.md', root), renderReport(results))

for (const [title, targets] of [
  ['Targets', results.targets],
  ['Performance targets (server CPU per request)', results.performanceTargets],
]) {
  console.log('')
  console.log(`${title}:`)
  for (const target of targets) {
    console.log(`  ${target.status.padEnd(7)} ${target.text}: ${target.measured}`)
  }
}
const misses = [...results.targets, ...results.performanceTargets].filter(
  (t) => t.status === 'MISS',
).length
log(
  `${reportOnly ? 're-rendered:' : `done in ${results.durationSeconds.toFixed(0)} s;`} wrote BENCHMARKS.md and bench/results/latest.json (${misses} target(s) missed, explained in BENCHMARKS.md)`,
)
