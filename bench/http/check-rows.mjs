// Checks the HTTP contenders do the work they claim, without measuring anything:
// `node bench/http/check-rows.mjs [id ...]` (every runnable row by default). Per row: start its
// server (bench/http/server.mjs), prime a session the way the driver does (first answer "1";
// second "2", with every cookie of the first response sent back), then go on as a browser
// would (each response's cookies replace those of the same name) and check the answers count
// on (3, 4, ...), so each request persisted its change, and that the server counted one fresh
// session and the rest loaded. `--load` adds a one-second autocannon run per row, after a
// second's warm-up (errors and fresh sessions under load are failures; the numbers are
// printed, not judged).
import { fork } from 'node:child_process'
import console from 'node:console'
import { once } from 'node:events'
import http from 'node:http'
import process from 'node:process'
import { URL } from 'node:url'
import autocannon from 'autocannon'
import { sqliteUnavailable } from '../lib/drivers.mjs'
import { HTTP_SCENARIOS } from './scenarios.mjs'

const SERVER = new URL('./server.mjs', import.meta.url)
const MORE = 4

function get(port, cookie) {
  return new Promise((resolve, reject) => {
    const headers = cookie ? { cookie } : {}
    const request = http.get(
      { host: '127.0.0.1', port, path: '/', headers, agent: false },
      (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (chunk) => (body += chunk))
        res.on('end', () => {
          resolve({ status: res.statusCode, body, setCookie: res.headers['set-cookie'] ?? [] })
        })
      },
    )
    request.setTimeout(5000, () => request.destroy(new Error('request timed out')))
    request.on('error', reject)
  })
}

// The cookie header the driver sends: the first response's Set-Cookie, the last of each name.
const cookieOf = (response) => remember(new Map(), response)

// A browser's jar: a cookie replaces the one of the same name.
function remember(jar, response) {
  for (const line of response.setCookie) {
    const pair = line.split(';')[0]
    jar.set(pair.slice(0, pair.indexOf('=')), pair)
  }
  return [...jar.values()].join('; ')
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

async function sessionProblems(port, child) {
  const problems = []
  const first = await get(port)
  const cookie = cookieOf(first)
  const second = await get(port, cookie)
  const answers = [first.body, second.body]
  const jar = new Map()
  remember(jar, first)
  let header = remember(jar, second)
  for (let i = 0; i < MORE; i++) {
    const response = await get(port, header)
    answers.push(response.body)
    header = remember(jar, response)
  }
  const expected = answers.map((_, i) => String(i + 1))
  if (answers.join() !== expected.join()) problems.push(`answers ${answers.join()}`)
  if (first.setCookie.length === 0) problems.push('no Set-Cookie on the first response')
  const stats = await ask(child, 'stats', 'stats')
  if (stats.fresh !== 1 || stats.loaded !== answers.length - 1) {
    problems.push(`counted fresh ${stats.fresh}, loaded ${stats.loaded}`)
  }
  return { problems, cookie, setCookies: first.setCookie.length }
}

async function load(port, cookie, child, session) {
  const headers = cookie === '' ? {} : { cookie }
  // A second's warm-up first, so the CPU per request printed is not mostly the JIT's.
  await autocannon({ url: `http://127.0.0.1:${port}/`, connections: 10, duration: 1, headers })
  await ask(child, 'reset', 'reset-ok')
  const result = await autocannon({
    url: `http://127.0.0.1:${port}/`,
    connections: 10,
    duration: 1,
    headers,
  })
  const stats = await ask(child, 'stats', 'stats')
  const errors = result.errors + result.timeouts + result.non2xx
  const cpuUs = (stats.cpuUserUs + stats.cpuSystemUs) / Math.max(1, stats.requests)
  const problems = []
  if (errors > 0) problems.push(`${errors} errors under load`)
  if (session && stats.fresh > 0) problems.push(`${stats.fresh} fresh sessions under load`)
  return { problems, note: `${result.requests.total} req in 1 s, ~${cpuUs.toFixed(0)} us CPU/req` }
}

async function check(scenario, withLoad) {
  const child = fork(SERVER, [scenario.id], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  try {
    const [ready] = await Promise.race([
      once(child, 'message'),
      once(child, 'exit').then(() => {
        throw new Error('server exited before it was ready')
      }),
    ])
    let result = { problems: [], cookie: '', setCookies: 0 }
    if (scenario.session) result = await sessionProblems(ready.port, child)
    else if ((await get(ready.port)).status !== 200) result.problems.push('bare request failed')
    const notes = [`${result.setCookies} Set-Cookie, cookie ${result.cookie.length} B`]
    if (withLoad) {
      const loaded = await load(ready.port, result.cookie, child, scenario.session)
      result.problems.push(...loaded.problems)
      notes.push(loaded.note)
    }
    return { problems: result.problems, notes }
  } finally {
    if (child.connected) child.send('exit')
    if (child.exitCode === null) await once(child, 'exit')
  }
}

const args = process.argv.slice(2)
const withLoad = args.includes('--load')
const ids = args.filter((arg) => arg !== '--load')
const missing = await sqliteUnavailable()
const rows = HTTP_SCENARIOS.filter(
  (row) =>
    row.pending === undefined &&
    (ids.length === 0 || ids.includes(row.id)) &&
    !(row.requires === 'better-sqlite3' && missing !== undefined),
)
let failed = 0
for (const row of rows) {
  let outcome
  try {
    outcome = await check(row, withLoad)
  } catch (error) {
    outcome = { problems: [String(error?.message ?? error)], notes: [] }
  }
  if (outcome.problems.length > 0) failed++
  const verdict = outcome.problems.length === 0 ? 'ok  ' : 'FAIL'
  console.log(
    `${verdict} ${row.id.padEnd(24)} ${[...outcome.problems, ...outcome.notes].join('; ')}`,
  )
}
process.exitCode = failed === 0 ? 0 : 1
