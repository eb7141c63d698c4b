// Lost updates under concurrent writes to one session: `node bench/lost-updates.mjs [--quick]`.
// Per contender, a real node:http server in a child process on 127.0.0.1
// (`bench/lost-updates.mjs --serve <id>`). One session is created first (GET /init); then K
// requests go out at once, each on its own connection with the same cookie, and request i
// sets key `k<i>` = i (GET /set?i=<i>): K different keys of one session. Like a real handler
// that does some I/O, each /set handler waits 1–10 ms (by i) between loading the session and
// changing it, the same in every server; without it, a store whose load and save never leave
// the microtask queue (sessionkit's memory and SQLite drivers) would serve the requests one
// after the other and could not lose anything by construction. The servers report how many
// requests were in flight at once. Afterwards GET /read
// returns the session's values and the missing keys are counted. A store that writes back the
// whole session it loaded (express-session) loses the keys of every request whose load
// overlapped another's save; per-key patches (sessionkit's server store) lose none.
// Bounded: one round of K requests per contender, each request and the round time out.
import { fork } from 'node:child_process'
import console from 'node:console'
import { once } from 'node:events'
import http from 'node:http'
import { performance } from 'node:perf_hooks'
import { clearTimeout, setTimeout } from 'node:timers'
import process from 'node:process'
import { URL } from 'node:url'
import { removeTemporary, serverStore, sqliteUnavailable } from './lib/drivers.mjs'
import { expressSessionMiddleware } from './lib/express-session.mjs'

const K = 100
const REQUEST_TIMEOUT_MS = 10_000
const ROUND_TIMEOUT_MS = 30_000

export const CONTENDERS = [
  {
    id: 'express-session',
    label: 'express 5 + express-session (MemoryStore, resave: false, saveUninitialized: false)',
    kind: 'peer',
  },
  { id: 'sk-memory', label: 'sessionkit server store, memory driver', kind: 'sessionkit' },
  {
    id: 'sk-filesystem',
    label: 'sessionkit server store, filesystem driver (fsync)',
    kind: 'sessionkit',
  },
  {
    id: 'sk-sqlite',
    label: 'sessionkit server store, SQLite driver (better-sqlite3, WAL)',
    kind: 'sessionkit',
    requires: 'better-sqlite3',
  },
]

// ---------------------------------------------------------------------------------------------
// Servers

const pause = (i) => new Promise((resolve) => setTimeout(resolve, 1 + ((i * 37) % 10)))

function keyIndex(url) {
  const i = Number(new URL(url, 'http://127.0.0.1').searchParams.get('i'))
  if (!Number.isSafeInteger(i) || i < 0 || i >= K) throw new Error(`bad index in ${url}`)
  return i
}

async function expressServer() {
  const { default: express } = await import('express')
  const app = express()
  app.use(await expressSessionMiddleware())
  app.get('/init', (req, res) => {
    req.session.base = 1
    res.type('text').send('ok')
  })
  app.get('/set', (req, res, next) => {
    if (req.session.base !== 1) {
      res.status(409).send('no session')
      return
    }
    const i = keyIndex(req.url)
    pause(i).then(() => {
      req.session[`k${i}`] = i
      res.type('text').send('ok')
    }, next)
  })
  app.get('/read', (req, res) => {
    res.json({ ...req.session })
  })
  return http.createServer(app)
}

async function sessionkitServer(kind) {
  const store = await serverStore(kind)
  const { getSessions } = await import('../dist/node.js')
  return http.createServer((req, res) => {
    getSessions(req, res)
      .get(store)
      .then(async (session) => {
        const path = req.url.split('?')[0]
        if (path === '/init') {
          session.set('base', 1)
          res.end('ok')
        } else if (path === '/set') {
          if (session.isNew) {
            res.statusCode = 409
            res.end('no session')
            return
          }
          const i = keyIndex(req.url)
          await pause(i)
          session.set(`k${i}`, i)
          res.end('ok')
        } else {
          res.setHeader('Content-Type', 'application/json')
          res.end(JSON.stringify(Object.fromEntries(session.entries())))
        }
      })
      .catch((error) => {
        if (!res.headersSent) res.statusCode = 500
        res.end(String(error))
      })
  })
}

async function serve(id) {
  const server =
    id === 'express-session'
      ? await expressServer()
      : await sessionkitServer(id.slice('sk-'.length))
  // Requests between arrival and the end of their response: shows that the K requests did
  // overlap (each one's load happened while others were still to be saved).
  let inFlight = 0
  let maxInFlight = 0
  server.on('request', (_req, res) => {
    maxInFlight = Math.max(maxInFlight, ++inFlight)
    res.on('close', () => inFlight--)
  })
  server.listen(0, '127.0.0.1', () => {
    process.send({ type: 'ready', port: server.address().port })
  })
  process.on('message', (message) => {
    if (message === 'stats') {
      process.send({ type: 'stats', maxInFlight })
    } else if (message === 'exit') {
      server.closeAllConnections()
      server.close()
      removeTemporary()
      process.exit(0)
    }
  })
}

// ---------------------------------------------------------------------------------------------
// The client

function get(port, path, cookie) {
  return new Promise((resolve) => {
    const request = http.get(
      { host: '127.0.0.1', port, path, headers: cookie ? { cookie } : {}, agent: false },
      (response) => {
        let body = ''
        response.setEncoding('utf8')
        response.on('data', (chunk) => (body += chunk))
        response.on('end', () => {
          resolve({ status: response.statusCode, body, setCookie: response.headers['set-cookie'] })
        })
      },
    )
    request.setTimeout(REQUEST_TIMEOUT_MS, () => request.destroy(new Error('timed out')))
    request.on('error', (error) => resolve({ status: 0, body: String(error.message) }))
  })
}

async function runOne(contender) {
  const child = fork(new URL(import.meta.url), ['--serve', contender.id], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  let timer
  try {
    const [ready] = await Promise.race([
      once(child, 'message'),
      once(child, 'exit').then(() => {
        throw new Error(`${contender.id}: server exited before it was ready`)
      }),
    ])
    const port = ready.port
    const init = await get(port, '/init')
    const cookie = (init.setCookie ?? []).map((line) => line.split(';')[0]).join('; ')
    if (init.status !== 200 || cookie === '') {
      throw new Error(`${contender.id}: /init failed (${init.status} ${init.body.slice(0, 80)})`)
    }
    const started = performance.now()
    const round = Promise.all(Array.from({ length: K }, (_, i) => get(port, `/set?i=${i}`, cookie)))
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error('round timed out')), ROUND_TIMEOUT_MS)
    })
    const responses = await Promise.race([round, timeout])
    const roundMs = performance.now() - started
    const stats = new Promise((resolve) => {
      child.on('message', (message) => {
        if (message?.type === 'stats') resolve(message)
      })
    })
    child.send('stats')
    const { maxInFlight } = await stats
    const read = await get(port, '/read', cookie)
    const values = JSON.parse(read.body)
    let lost = 0
    for (let i = 0; i < K; i++) if (values[`k${i}`] !== i) lost++
    const failed = responses.filter((response) => response.status !== 200)
    return {
      id: contender.id,
      label: contender.label,
      kind: contender.kind,
      requests: K,
      lost,
      kept: K - lost,
      failedRequests: failed.length,
      failures: [...new Set(failed.map((r) => `${r.status} ${r.body.slice(0, 60)}`))].slice(0, 3),
      baseKept: values.base === 1,
      maxInFlight,
      roundMs,
    }
  } finally {
    clearTimeout(timer)
    if (child.connected) child.send('exit')
    if (child.exitCode === null) await once(child, 'exit')
  }
}

async function main() {
  const missing = await sqliteUnavailable()
  const rows = []
  for (const contender of CONTENDERS) {
    if (contender.requires === 'better-sqlite3' && missing !== undefined) {
      rows.push({
        id: contender.id,
        label: contender.label,
        kind: contender.kind,
        skipped: missing,
      })
      console.error(`  [lost-updates] ${contender.id}: skipped, better-sqlite3 does not load`)
      continue
    }
    const row = await runOne(contender)
    rows.push(row)
    console.error(
      `  [lost-updates] ${contender.id.padEnd(16)} lost ${row.lost}/${K} keys, ${row.failedRequests} failed requests, up to ${row.maxInFlight} in flight, round ${row.roundMs.toFixed(0)} ms`,
    )
  }
  return { requests: K, rows }
}

const serveAt = process.argv.indexOf('--serve')
if (serveAt >= 0) {
  await serve(process.argv[serveAt + 1])
} else {
  const output = await main()
  if (process.send) process.send(output, () => process.exit(0))
  else console.log(JSON.stringify(output, null, 2))
}
