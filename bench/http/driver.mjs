// Drives the HTTP contenders with autocannon (in this process) against servers in child
// processes on 127.0.0.1. Per contender: start the server, prime one session (two plain
// requests: the first creates it and must answer "1", the second sends its cookie back and
// must answer "2"), warm up, then measure with that cookie on every request, so each request
// is a steady-state read + write of an existing session.
import { fork } from 'node:child_process'
import { once } from 'node:events'
import http from 'node:http'
import process from 'node:process'
import { URL } from 'node:url'
import autocannon from 'autocannon'
import { mean, quantile } from '../lib/common.mjs'
import { sqliteUnavailable } from '../lib/drivers.mjs'
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

function ask(child, message, type) {
  return new Promise((resolve) => {
    const listener = (reply) => {
      if (reply?.type === type) {
        child.off('message', listener)
        resolve(reply)
      }
    }
    child.on('message', listener)
    child.send(message)
  })
}

async function runOne(scenario, { connections, warmupSeconds, seconds }) {
  const child = fork(SERVER, [scenario.id], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  try {
    const [ready] = await Promise.race([
      once(child, 'message'),
      once(child, 'exit').then(() => {
        throw new Error(`${scenario.id}: server exited before it was ready`)
      }),
    ])
    const port = ready.port
    const first = await get(port)
    const cookie = first.setCookie.map((line) => line.split(';')[0]).join('; ')
    const second = await get(port, cookie)
    if (scenario.session && !(first.body === '1' && second.body === '2' && cookie !== '')) {
      throw new Error(
        `${scenario.id}: priming failed (first "${first.body}", second "${second.body}", cookie "${cookie.slice(0, 40)}")`,
      )
    }
    const url = `http://127.0.0.1:${port}/`
    const headers = cookie === '' ? {} : { cookie }
    await autocannon({ url, connections, duration: warmupSeconds, headers })
    await ask(child, 'reset', 'reset-ok')
    const latencies = []
    const instance = autocannon({ url, connections, duration: seconds, headers })
    // autocannon's own histogram has 1 ms buckets; record the float response times instead.
    instance.on('response', (_client, _status, _bytes, responseTime) => {
      latencies.push(responseTime)
    })
    const result = await instance
    const stats = await ask(child, 'stats', 'stats')
    const after = await get(port, cookie)
    const cpuUs = stats.cpuUserUs + stats.cpuSystemUs
    return {
      id: scenario.id,
      requests: result.requests.total,
      durationSeconds: result.duration,
      rps: result.requests.total / result.duration,
      p50: quantile(latencies, 0.5),
      p99: quantile(latencies, 0.99),
      errors: result.errors + result.timeouts + result.non2xx,
      serverRequests: stats.requests,
      serverCpuUsPerRequest: cpuUs / Math.max(1, stats.requests),
      serverCpuUtilization: cpuUs / stats.wallUs,
      loaded: stats.loaded,
      fresh: stats.fresh,
      serverRssMB: stats.rssMB,
      cookieBytes: cookie.length,
      afterBody: after.body,
    }
  } finally {
    if (child.connected) child.send('exit')
    if (child.exitCode === null) await once(child, 'exit')
  }
}

/** Runs every non-pending contender, `rounds` times in alternating order. */
export async function runHttp({ connections, warmupSeconds, seconds, rounds, log }) {
  // BENCH_HTTP_ONLY=a,b limits a development run to some contenders.
  const only = process.env.BENCH_HTTP_ONLY?.split(',')
  const missing = await sqliteUnavailable()
  const skipped = []
  const active = HTTP_SCENARIOS.filter((scenario) => {
    if (scenario.pending !== undefined) return false
    if (only !== undefined && !only.includes(scenario.id)) return false
    if (scenario.requires === 'better-sqlite3' && missing !== undefined) {
      skipped.push({ id: scenario.id, label: scenario.label, reason: `better-sqlite3: ${missing}` })
      log(`skipping ${scenario.id}: better-sqlite3 does not load (${missing})`)
      return false
    }
    return true
  })
  const perRound = []
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 1 ? [...active].reverse() : active
    const results = {}
    for (const scenario of order) {
      const row = await runOne(scenario, { connections, warmupSeconds, seconds })
      results[scenario.id] = row
      const warn =
        row.errors > 0 || (scenario.session && row.fresh > 0)
          ? '  WARNING: errors or fresh sessions'
          : ''
      log(
        `round ${round + 1}/${rounds} ${scenario.id.padEnd(24)} ${row.rps.toFixed(0).padStart(6)} req/s  p50 ${row.p50.toFixed(2)} ms  p99 ${row.p99.toFixed(2)} ms  server CPU ${row.serverCpuUsPerRequest.toFixed(1)} us/req${warn}`,
      )
    }
    perRound.push(results)
  }
  // Ratios are taken within each round (same machine state), then averaged over rounds.
  const ratio = (id, metric, base) => mean(perRound.map((r) => r[id][metric] / r[base][metric]))
  const summary = active.map((scenario) => {
    const rows = perRound.map((r) => r[scenario.id])
    const entry = {
      id: scenario.id,
      label: scenario.label,
      kind: scenario.kind,
      session: scenario.session,
      rps: mean(rows.map((r) => r.rps)),
      rpsPerRound: rows.map((r) => r.rps),
      p50: mean(rows.map((r) => r.p50)),
      p99: mean(rows.map((r) => r.p99)),
      cpuUsPerRequest: mean(rows.map((r) => r.serverCpuUsPerRequest)),
      errors: rows.reduce((a, r) => a + r.errors, 0),
      fresh: rows.reduce((a, r) => a + r.fresh, 0),
      loaded: rows.reduce((a, r) => a + r.loaded, 0),
      cookieBytes: rows[0].cookieBytes,
      vs: {},
    }
    for (const base of ['node-bare', 'raw-crypto']) {
      entry.vs[base] = {
        rps: ratio(scenario.id, 'rps', base),
        p50: ratio(scenario.id, 'p50', base),
        p99: ratio(scenario.id, 'p99', base),
        cpu: ratio(scenario.id, 'serverCpuUsPerRequest', base),
      }
    }
    return entry
  })
  return { perRound, summary, skipped }
}
