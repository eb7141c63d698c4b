// PostgreSQL rows of `npm run bench`: `node bench/postgres.mjs [--quick]`, on the server at
// PGHOST:PGPORT (default 127.0.0.1:5432, db `test`, user postgres), each run on tables of its
// own that it drops at the end.
// 1. The driver (pg Pool and postgres.js): load, patch and save in µs per call, one call at a
//    time, and the round trips each costs, counted on the wire by a TCP proxy in front of the
//    server (a `Query`, `Sync` or `Flush` message is a round trip).
// 2. HTTP: sessionkit's server store + PostgreSQL (pg) against express-session +
//    connect-pg-simple, each server in a child process (`--serve <id>`), autocannon with one
//    primed session: every request loads it, increments a counter and saves it.
// 3. Lost updates: 100 concurrent requests on one session, each setting its own key after a
//    1–10 ms pause; the keys missing afterwards are lost updates.
import { Buffer } from 'node:buffer'
import { fork } from 'node:child_process'
import console from 'node:console'
import { once } from 'node:events'
import http from 'node:http'
import net from 'node:net'
import process from 'node:process'
import { setTimeout } from 'node:timers'
import { URL } from 'node:url'
import { randomBytes } from 'node:crypto'
import autocannon from 'autocannon'
import pg from 'pg'
import postgres from 'postgres'
import { COOKIE_NAME, KEY_B64URL, SECRET_STRING, quantile } from './lib/common.mjs'
import { measureDriverCalls } from './lib/driver-calls.mjs'

const quick = process.argv.includes('--quick')
const SERVER = {
  host: process.env.PGHOST ?? '127.0.0.1',
  port: Number(process.env.PGPORT ?? 5432),
  user: process.env.PGUSER ?? 'postgres',
  database: process.env.PGDATABASE ?? 'test',
}
const K = 100
const table = (label) => `sk_bench_${label}_${randomBytes(4).toString('hex')}`

// ---------------------------------------------------------------------------------------------
// Round trips on the wire

async function countingProxy() {
  let roundTrips = 0
  const sockets = new Set()
  const server = net.createServer((client) => {
    const upstream = net.connect(SERVER.port, SERVER.host)
    sockets.add(client).add(upstream)
    let buffer = Buffer.alloc(0)
    let started = false
    client.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk])
      for (;;) {
        if (!started) {
          if (buffer.length < 8) break
          const length = buffer.readUInt32BE(0)
          if (buffer.length < length) break
          if (buffer.readUInt32BE(4) !== 80877103) started = true
          buffer = buffer.subarray(length)
          continue
        }
        if (buffer.length < 5) break
        const length = buffer.readUInt32BE(1)
        if (buffer.length < 1 + length) break
        const type = String.fromCharCode(buffer[0])
        if (type === 'Q' || type === 'S' || type === 'H') roundTrips++
        buffer = buffer.subarray(1 + length)
      }
      upstream.write(chunk)
    })
    upstream.on('data', (chunk) => client.write(chunk))
    const close = () => {
      client.destroy()
      upstream.destroy()
    }
    for (const socket of [client, upstream]) socket.on('close', close).on('error', close)
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: server.address().port,
    take() {
      const n = roundTrips
      roundTrips = 0
      return n
    },
    close() {
      for (const socket of sockets) socket.destroy()
      server.close()
    },
  }
}

function client(kind, port = SERVER.port) {
  if (kind === 'pg') {
    const pool = new pg.Pool({ ...SERVER, port, max: 1 })
    return { client: pool, end: () => pool.end(), drop: (t) => pool.query(`DROP TABLE "${t}"`) }
  }
  const sql = postgres({ ...SERVER, port, max: 1, onnotice: () => undefined })
  return {
    client: sql,
    end: () => sql.end({ timeout: 1 }),
    drop: (t) => sql.unsafe(`DROP TABLE "${t}"`),
  }
}

async function driverRows() {
  const { createPostgresDriver } = await import('../dist/postgres.js')
  const iterations = quick ? 300 : 3000
  const rows = []
  for (const kind of ['pg', 'postgres.js']) {
    const proxy = await countingProxy()
    const c = client(kind, proxy.port)
    const name = table('driver')
    const driver = createPostgresDriver({ client: c.client, table: name })
    try {
      await driver.migrate()
      rows.push(
        ...(await measureDriverCalls(driver, {
          client: kind,
          iterations,
          takeRoundTrips: () => proxy.take(),
        })),
      )
    } finally {
      await c.drop(name)
      await c.end()
      proxy.close()
    }
  }
  return rows
}

// ---------------------------------------------------------------------------------------------
// Servers (child processes)

const pause = (i) => new Promise((resolve) => setTimeout(resolve, 1 + ((i * 37) % 10)))

async function expressServer(name) {
  const { default: express } = await import('express')
  const { default: session } = await import('express-session')
  const { default: pgSession } = await import('connect-pg-simple')
  const pool = new pg.Pool({ ...SERVER, max: 10 })
  const Store = pgSession(session)
  const app = express()
  app.use(
    session({
      secret: SECRET_STRING,
      resave: false,
      saveUninitialized: false,
      store: new Store({
        pool,
        tableName: name,
        createTableIfMissing: true,
        pruneSessionInterval: false,
      }),
    }),
  )
  app.get('/', (req, res) => {
    req.session.views = (req.session.views ?? 0) + 1
    res.type('text').send(String(req.session.views))
  })
  app.get('/set', (req, res, next) => {
    const i = Number(req.query.i)
    pause(i).then(() => {
      req.session[`k${i}`] = i
      res.type('text').send('ok')
    }, next)
  })
  app.get('/read', (req, res) => res.json({ ...req.session }))
  return { server: http.createServer(app), close: () => pool.end() }
}

async function sessionkitServer(name) {
  const { createKeyRing, createServerStore } = await import('../dist/index.js')
  const { createPostgresDriver } = await import('../dist/postgres.js')
  const { getSessions } = await import('../dist/node.js')
  const pool = new pg.Pool({ ...SERVER, max: 10 })
  pool.on('error', () => undefined)
  const driver = createPostgresDriver({ client: pool, table: name })
  await driver.migrate()
  const keys = createKeyRing([{ id: 'k1', secret: KEY_B64URL }])
  const store = createServerStore({ name: COOKIE_NAME, driver, keys })
  const server = http.createServer((req, res) => {
    getSessions(req, res)
      .get(store)
      .then(async (session) => {
        const url = new URL(req.url, 'http://x')
        if (url.pathname === '/set') {
          const i = Number(url.searchParams.get('i'))
          await pause(i)
          session.set(`k${i}`, i)
          res.end('ok')
        } else if (url.pathname === '/read') {
          res.end(JSON.stringify(Object.fromEntries(session.entries())))
        } else {
          const views = (session.get('views') ?? 0) + 1
          session.set('views', views)
          res.end(String(views))
        }
      })
      .catch((error) => {
        if (!res.headersSent) res.statusCode = 500
        res.end(String(error))
      })
  })
  return { server, close: () => pool.end() }
}

async function serve(id, name) {
  const { server, close } =
    id === 'express-pg' ? await expressServer(name) : await sessionkitServer(name)
  let cpu = process.cpuUsage()
  let requests = 0
  server.on('request', () => requests++)
  server.listen(0, '127.0.0.1', () => process.send({ type: 'ready', port: server.address().port }))
  process.on('message', async (message) => {
    if (message === 'reset') {
      cpu = process.cpuUsage()
      requests = 0
      process.send({ type: 'reset' })
    } else if (message === 'stats') {
      const used = process.cpuUsage(cpu)
      process.send({ type: 'stats', requests, cpuUs: used.user + used.system })
    } else if (message === 'exit') {
      server.closeAllConnections()
      server.close()
      await close()
      process.exit(0)
    }
  })
}

function get(port, path, cookie) {
  return new Promise((resolve, reject) => {
    const request = http.get(
      { host: '127.0.0.1', port, path, headers: cookie ? { cookie } : {}, agent: false },
      (response) => {
        let body = ''
        response.setEncoding('utf8')
        response.on('data', (chunk) => (body += chunk))
        response.on('end', () =>
          resolve({
            status: response.statusCode,
            body,
            setCookie: response.headers['set-cookie'] ?? [],
          }),
        )
      },
    )
    request.setTimeout(10_000, () => request.destroy(new Error('request timed out')))
    request.on('error', reject)
  })
}

async function withServer(id, body) {
  const name = table(id.replace('-', '_'))
  const child = fork(new URL(import.meta.url), ['--serve', id, name], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const ask = (message, type) =>
    new Promise((resolve) => {
      const listener = (reply) => {
        if (reply?.type !== type) return
        child.off('message', listener)
        resolve(reply)
      }
      child.on('message', listener)
      if (message !== undefined) child.send(message)
    })
  const ready = ask(undefined, 'ready')
  const [{ port }] = await Promise.race([
    ready.then((r) => [r]),
    once(child, 'exit').then(() => {
      throw new Error(`${id}: server exited before it was ready`)
    }),
  ])
  const pool = new pg.Pool({ ...SERVER, max: 1 })
  try {
    return await body(port, ask)
  } finally {
    child.send('exit')
    if (child.exitCode === null) await once(child, 'exit')
    await pool.query(`DROP TABLE IF EXISTS "${name}"`)
    await pool.end()
  }
}

const CONTENDERS = [
  { id: 'sk-postgres', label: 'sessionkit server store + PostgreSQL driver (pg Pool)' },
  { id: 'express-pg', label: 'express 5 + express-session + connect-pg-simple (pg Pool)' },
]

async function httpRows() {
  const connections = 10
  const [warmup, seconds] = quick ? [1, 2] : [2, 5]
  const rows = []
  for (const { id, label } of CONTENDERS) {
    rows.push(
      await withServer(id, async (port, ask) => {
        const first = await get(port, '/')
        const cookie = first.setCookie.map((line) => line.split(';')[0]).join('; ')
        const second = await get(port, '/', cookie)
        if (first.body !== '1' || second.body !== '2') throw new Error(`${id}: priming failed`)
        const url = `http://127.0.0.1:${port}/`
        await autocannon({ url, connections, duration: warmup, headers: { cookie } })
        await ask('reset', 'reset')
        const latencies = []
        const run = autocannon({ url, connections, duration: seconds, headers: { cookie } })
        run.on('response', (_c, _s, _b, ms) => latencies.push(ms))
        const result = await run
        const stats = await ask('stats', 'stats')
        return {
          id,
          label,
          rps: result.requests.total / result.duration,
          p50: quantile(latencies, 0.5),
          p99: quantile(latencies, 0.99),
          errors: result.errors + result.timeouts + result.non2xx,
          serverCpuUsPerRequest: stats.cpuUs / Math.max(1, stats.requests),
        }
      }),
    )
  }
  return { connections, warmupSeconds: warmup, seconds, rows }
}

async function lostUpdateRows() {
  const rows = []
  for (const { id, label } of CONTENDERS) {
    rows.push(
      await withServer(id, async (port) => {
        const first = await get(port, '/')
        const cookie = first.setCookie.map((line) => line.split(';')[0]).join('; ')
        const replies = await Promise.all(
          Array.from({ length: K }, (_, i) => get(port, `/set?i=${i}`, cookie)),
        )
        const failed = replies.filter((r) => r.status !== 200).length
        const values = JSON.parse((await get(port, '/read', cookie)).body)
        let lost = 0
        for (let i = 0; i < K; i++) if (values[`k${i}`] !== i) lost++
        return { id, label, requests: K, failed, lost }
      }),
    )
  }
  return rows
}

if (process.argv[2] === '--serve') {
  await serve(process.argv[3], process.argv[4])
} else {
  const server = `${SERVER.host}:${SERVER.port}`
  let results
  try {
    const probe = new pg.Pool({ ...SERVER, max: 1 })
    await probe.query('SELECT 1').finally(() => probe.end())
    results = { unavailable: undefined }
  } catch (error) {
    results = { server, unavailable: String(error?.message ?? error) }
  }
  if (results.unavailable === undefined) {
    const driver = await driverRows()
    const httpResult = await httpRows()
    const lostUpdates = await lostUpdateRows()
    results = { server, iterations: quick ? 300 : 3000, driver, http: httpResult, lostUpdates }
  }
  if (process.send) process.send(results)
  else console.log(JSON.stringify(results, null, 2))
}
