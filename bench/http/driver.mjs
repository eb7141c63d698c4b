// Drives the HTTP contenders with autocannon (in this process) against servers in child
// processes on 127.0.0.1. Every active contender's server is started up front and primed with
// one session (two plain requests: the first creates it and must answer "1", the second sends
// its cookie back and must answer "2"), then warmed up. The measurement is interleaved: in each
// round every contender gets one slice of load with that cookie on every request (so each
// request is a steady-state read + write of an existing session), in an order that rotates and
// alternates from round to round, so drift and load from the rest of the machine spread evenly
// over the contenders. Idle servers cost nothing while another one is loaded.
import { fork } from 'node:child_process'
import { once } from 'node:events'
import http from 'node:http'
import process from 'node:process'
import { URL } from 'node:url'
import autocannon from 'autocannon'
import { quantile } from '../lib/common.mjs'
import { sqliteUnavailable } from '../lib/drivers.mjs'
import { summarizeHttp } from '../analysis.mjs'
import { HTTP_SCENARIOS } from './scenarios.mjs'

const SERVER = new URL('./server.mjs', import.meta.url)

function get(port, cookie) {
  return new Promise((resolve, reject) => {
    const request = http.get(
      { host: '127.0.0.1', port, path: '/', headers: cookie ? { cookie } : {}, agent: false },
      (response) => {
        let body = ''
        response.setEncoding('utf8')
        response.on('data', (chunk) => (body += chunk))
        response.on('end', () => {
          resolve({
            status: response.statusCode,
            body,
            setCookie: response.headers['set-cookie'] ?? [],
          })
        })
      },
    )
    request.setTimeout(5000, () => request.destroy(new Error('priming request timed out')))
    request.on('error', reject)
  })
}

// A request over IPC; a server that died instead of answering fails the run, not hangs it.
function ask(child, message, type) {
  return new Promise((resolve, reject) => {
    const onExit = (code, signal) => {
      child.off('message', listener)
      reject(
        new Error(
          `server ${child.spawnargs.at(-1)} exited (${signal ?? code}) before answering '${message}'`,
        ),
      )
    }
    const listener = (reply) => {
      if (reply?.type === type) {
        child.off('message', listener)
        child.off('exit', onExit)
        resolve(reply)
      }
    }
    if (!child.connected) {
      onExit(child.exitCode, child.signalCode)
      return
    }
    child.on('message', listener)
    child.once('exit', onExit)
    child.send(message, (error) => {
      if (error) onExit(child.exitCode, child.signalCode)
    })
  })
}

async function startServer(scenario) {
  const child = fork(SERVER, [scenario.id], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const server = { scenario, child }
  try {
    const [ready] = await Promise.race([
      once(child, 'message'),
      once(child, 'exit').then(() => {
        throw new Error(`${scenario.id}: server exited before it was ready`)
      }),
    ])
    server.port = ready.port
    server.url = `http://127.0.0.1:${ready.port}/`
    return server
  } catch (error) {
    await stopServer(server)
    throw error
  }
}

async function stopServer({ child }) {
  if (child.connected) child.send('exit')
  if (child.exitCode === null && child.signalCode === null) await once(child, 'exit')
}

// A session row must hand out a cookie and load the session it names on the second request:
// the bodies "1" then "2" show it, and for a row that answers a constant body (the format's
// floor answers "1") the server's own counters must show one fresh and then one loaded session.
async function prime(server) {
  const { scenario, port, child } = server
  const first = await get(port)
  // As a browser does, the last Set-Cookie of a name wins (hono-sessions sets a new session's
  // cookie twice in one response).
  const pairs = new Map(
    first.setCookie.map((line) => {
      const pair = line.split(';')[0] ?? ''
      return [pair.slice(0, pair.indexOf('=')), pair]
    }),
  )
  const cookie = [...pairs.values()].join('; ')
  const second = await get(port, cookie)
  if (scenario.session) {
    const counted = await ask(child, 'stats', 'stats')
    const counts = first.body === '1' && second.body === '2'
    const loadedOnce = counted.fresh === 1 && counted.loaded === 1
    if (cookie === '' || !(counts || (first.body === second.body && loadedOnce))) {
      throw new Error(
        `${scenario.id}: priming failed (first "${first.body}", second "${second.body}", fresh ${counted.fresh}, loaded ${counted.loaded}, cookie "${cookie.slice(0, 40)}")`,
      )
    }
  }
  server.cookie = cookie
  server.headers = cookie === '' ? {} : { cookie }
}

/** One slice of load on one server: its CPU and request count over exactly that slice. */
async function slice(server, { connections, seconds }, round, position) {
  const { child, url, headers, scenario } = server
  await ask(child, 'reset', 'reset-ok')
  const latencies = []
  const instance = autocannon({ url, connections, duration: seconds, headers })
  // autocannon's own histogram has 1 ms buckets; record the float response times instead.
  instance.on('response', (_client, _status, _bytes, responseTime) => {
    latencies.push(responseTime)
  })
  const result = await instance
  const stats = await ask(child, 'stats', 'stats')
  const cpuUs = stats.cpuUserUs + stats.cpuSystemUs
  return {
    id: scenario.id,
    round,
    position,
    requests: result.requests.total,
    durationSeconds: result.duration,
    rps: result.requests.total / result.duration,
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    errors: result.errors + result.timeouts + result.non2xx,
    serverRequests: stats.requests,
    serverCpuUs: cpuUs,
    serverCpuUserUs: stats.cpuUserUs,
    serverCpuSystemUs: stats.cpuSystemUs,
    serverWallUs: stats.wallUs,
    serverCpuUsPerRequest: cpuUs / Math.max(1, stats.requests),
    serverCpuUtilization: cpuUs / stats.wallUs,
    loaded: stats.loaded,
    fresh: stats.fresh,
    serverRssMB: stats.rssMB,
    cookieBytes: server.cookie.length,
  }
}

/**
 * The order of round `round` of `rounds`: rounds go in pairs, the second of a pair the reverse
 * of the first (so over a pair every contender's mean position is the middle), and each pair
 * starts an even share of the list further on (so contenders meet different neighbours).
 */
export function roundOrder(items, round, rounds) {
  const n = items.length
  const pairs = Math.max(1, Math.ceil(rounds / 2))
  const offset = n === 0 ? 0 : Math.round((Math.floor(round / 2) * n) / pairs) % n
  const rotated = [...items.slice(offset), ...items.slice(0, offset)]
  return round % 2 === 1 ? rotated.reverse() : rotated
}

function activeScenarios(log, missingSqlite) {
  // BENCH_HTTP_ONLY=a,b limits a development run to some contenders.
  const only = process.env.BENCH_HTTP_ONLY?.split(',')
  const skipped = []
  const active = HTTP_SCENARIOS.filter((scenario) => {
    if (scenario.pending !== undefined) return false
    if (only !== undefined && !only.includes(scenario.id)) return false
    if (scenario.requires === 'better-sqlite3' && missingSqlite !== undefined) {
      skipped.push({
        id: scenario.id,
        label: scenario.label,
        reason: `better-sqlite3: ${missingSqlite}`,
      })
      log(`skipping ${scenario.id}: better-sqlite3 does not load (${missingSqlite})`)
      return false
    }
    return true
  })
  return { active, skipped }
}

function logSlice(log, row, scenario, round, rounds) {
  const warn =
    row.errors > 0 || (scenario.session && row.fresh > 0)
      ? '  WARNING: errors or fresh sessions'
      : ''
  log(
    `round ${round + 1}/${rounds} ${row.id.padEnd(24)} server CPU ${row.serverCpuUsPerRequest.toFixed(1).padStart(7)} us/req  ${row.rps.toFixed(0).padStart(6)} req/s  p50 ${row.p50.toFixed(2)} ms  p99 ${row.p99.toFixed(2)} ms${warn}`,
  )
}

// Warm-up in runs of `warmupSeconds` until the server has answered `warmupRequests` (a slow
// contender on a busy machine needs more than one run before its handler is optimized), at
// most `MAX_WARMUP_RUNS` runs.
const MAX_WARMUP_RUNS = 5

async function warmUp(server, { connections, warmupSeconds, warmupRequests = 0 }) {
  let served = 0
  for (let run = 0; run < MAX_WARMUP_RUNS && (run === 0 || served < warmupRequests); run++) {
    const result = await autocannon({
      url: server.url,
      connections,
      duration: warmupSeconds,
      headers: server.headers,
    })
    served += result.requests.total
  }
  return served
}

async function startAll(active, config, log) {
  const servers = []
  try {
    for (const scenario of active) {
      const server = await startServer(scenario)
      servers.push(server)
      await prime(server)
    }
    log(
      `HTTP: ${servers.length} servers up and primed; warming each up (${config.warmupSeconds} s runs until ${config.warmupRequests ?? 0} requests)…`,
    )
    for (const server of servers) server.warmupRequests = await warmUp(server, config)
    return servers
  } catch (error) {
    await Promise.all(servers.map(stopServer))
    throw error
  }
}

/**
 * Runs every non-pending contender in `rounds` rounds of one `seconds`-long slice each.
 * Returns the raw slices (per round, by contender id) and the summary of them.
 */
export async function runHttp({
  connections,
  warmupSeconds,
  warmupRequests,
  seconds,
  rounds,
  log,
}) {
  const { active, skipped } = activeScenarios(log, await sqliteUnavailable())
  const servers = await startAll(active, { connections, warmupSeconds, warmupRequests }, log)
  const perRound = []
  const after = {}
  try {
    for (let round = 0; round < rounds; round++) {
      const results = {}
      const order = roundOrder(servers, round, rounds)
      for (const [position, server] of order.entries()) {
        const row = await slice(server, { connections, seconds }, round, position)
        results[row.id] = row
        logSlice(log, row, server.scenario, round, rounds)
      }
      perRound.push(results)
    }
    // The session must still be the primed one after all the load: its counter has moved on.
    for (const server of servers)
      after[server.scenario.id] = (await get(server.port, server.cookie)).body
  } finally {
    await Promise.all(servers.map(stopServer))
  }
  return {
    method: 'interleaved-slices',
    warmupRequests: Object.fromEntries(servers.map((s) => [s.scenario.id, s.warmupRequests])),
    perRound,
    summary: summarizeHttp(active, perRound, after),
    skipped,
  }
}
