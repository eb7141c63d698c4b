// The Redis rows of `npm run bench`: `node bench/redis.mjs [--quick]` against the Redis at
// REDIS_URL (default redis://127.0.0.1:6379), every key under a random prefix removed after.
//
// - driver: get / patch (one key) / create / touch of the Redis driver, µs per call awaited one
//   at a time, through node-redis and ioredis, small payload; and the round trips of a request
//   (load + a one-key save through the server store), counted by the client: commands sent
//   while none of ours awaited its reply start a new round trip.
// - http: autocannon against node:http + sessionkit server store + Redis driver (node-redis)
//   and express 5 + express-session + connect-redis 9 (node-redis), each in a child process;
//   every request loads the session, increments a counter and saves.
// - lost updates: K requests at once on one session, request i sets key k<i> after a 1–10 ms
//   pause (as bench/lost-updates.mjs); the keys missing afterwards are lost updates.
//   connect-redis writes back the whole session it loaded (SET), so it loses by design.
//
// run.mjs runs this as a child and passes the result to `renderRedis` for BENCHMARKS.md.
import { Buffer } from 'node:buffer'
import { randomBytes } from 'node:crypto'
import { fork } from 'node:child_process'
import console from 'node:console'
import { once } from 'node:events'
import http from 'node:http'
import { performance } from 'node:perf_hooks'
import process from 'node:process'
import { URL, fileURLToPath } from 'node:url'
import { setTimeout } from 'node:timers'
import {
  COOKIE_NAME,
  KEY_B64URL,
  PAYLOADS,
  SECRET_STRING,
  median,
  quantile,
} from './lib/common.mjs'

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const K = 100
const DAY_MS = 86_400_000
const log = (line) => console.error(`  [redis] ${line}`)
const newPrefix = (tag) => `bench-${tag}-${randomBytes(5).toString('hex')}:`

async function nodeRedis() {
  const { createClient } = await import('redis')
  return createClient({ url: REDIS_URL }).connect()
}

/** Removes every key under `prefix` (SCAN + UNLINK: the server may be shared). */
async function dropPrefix(client, prefix) {
  let cursor = '0'
  do {
    const [next, keys] = await client.sendCommand([
      'SCAN',
      cursor,
      'MATCH',
      `${prefix}*`,
      'COUNT',
      '1000',
    ])
    for (const key of keys) await client.sendCommand(['UNLINK', key])
    cursor = next
  } while (cursor !== '0')
}

/** The client behind a proxy counting round trips of `method` (see the header). */
function counted(target, method) {
  let outstanding = 0
  const stats = { rounds: 0, commands: 0 }
  const client = new Proxy(target, {
    get(object, property) {
      const value = Reflect.get(object, property, object)
      if (typeof value !== 'function') return value
      if (property !== method) return value.bind(object)
      return (...args) => {
        if (outstanding === 0) stats.rounds++
        outstanding++
        stats.commands++
        const reply = value.apply(object, args)
        reply.then(
          () => outstanding--,
          () => outstanding--,
        )
        return reply
      }
    },
  })
  return { client, stats }
}

async function store(client, prefix) {
  const { createKeyRing, createServerStore } = await import('../dist/index.js')
  const { createRedisDriver } = await import('../dist/redis.js')
  const driver = createRedisDriver({ client, prefix })
  const keys = createKeyRing([{ id: 'k1', secret: KEY_B64URL }])
  return {
    driver,
    store: createServerStore({ name: COOKIE_NAME, driver, keys, cookie: { secure: false } }),
  }
}

// ---------------------------------------------------------------------------------------
// Driver calls

let idCounter = 0
const ID_HEAD = Buffer.alloc(24, 9).toString('base64url').slice(0, 31)
const nextId = () => `${ID_HEAD}${(idCounter++).toString(36).padStart(12, '0')}`
const record = (id, now) => ({
  id,
  values: PAYLOADS.small,
  flash: {},
  version: 1,
  createdAt: now,
  lastSeenAt: now,
  expiresAt: now + DAY_MS,
  userKey: undefined,
  meta: undefined,
})

async function timeIt(fn, ms) {
  let ops = 0
  const start = performance.now()
  let now
  do {
    await fn()
    ops++
    now = performance.now()
  } while (now < start + ms)
  return ((now - start) * 1e3) / ops
}

async function driverRows(config) {
  const { Redis } = await import('ioredis')
  const clients = [
    { kind: 'node-redis', method: 'sendCommand', open: nodeRedis, close: (c) => c.destroy() },
    {
      kind: 'ioredis',
      method: 'call',
      open: async () => {
        const c = new Redis(REDIS_URL)
        await c.ping()
        return c
      },
      close: (c) => c.disconnect(),
    },
  ]
  const rows = []
  for (const { kind, method, open, close } of clients) {
    const raw = await open()
    const { client, stats } = counted(raw, method)
    const prefix = newPrefix('drv')
    const { driver, store: sessions } = await store(client, prefix)
    try {
      const id = nextId()
      await driver.create(record(id, Date.now()), Date.now())
      let views = 0
      const ops = {
        get: async () => {
          if ((await driver.get(id, Date.now())) === undefined) throw new Error('get: missing')
        },
        patch: async () => {
          const now = Date.now()
          const patch = {
            set: { views: ++views },
            unset: [],
            flashSet: {},
            flashUnset: [],
            lastSeenAt: now,
            expiresAt: now + DAY_MS,
          }
          if ((await driver.update(id, patch, now)).status !== 'updated') throw new Error('patch')
        },
        create: async () => {
          const now = Date.now()
          if (!(await driver.create(record(nextId(), now), now))) throw new Error('create')
        },
        touch: async () => {
          const now = Date.now()
          if (!(await driver.touch(id, now, now + DAY_MS, now))) throw new Error('touch')
        },
      }
      const perPass = Object.fromEntries(Object.keys(ops).map((op) => [op, []]))
      for (const fn of Object.values(ops)) await timeIt(fn, config.warmupMs)
      for (let pass = 0; pass < config.passes; pass++) {
        for (const [op, fn] of Object.entries(ops))
          perPass[op].push(await timeIt(fn, config.passMs))
      }
      // One request's load and save through the server store, counted.
      const first = sessions.create()
      first.set('views', 0)
      const cookie = (await sessions.save(first)).split(';')[0]
      const trips = {}
      for (const [step, run] of Object.entries({
        load: () => sessions.get(cookie),
        'load + save (one key)': async () => {
          const session = await sessions.get(cookie)
          session.set('views', ++views)
          await sessions.save(session)
        },
      })) {
        const [rounds, commands] = [stats.rounds, stats.commands]
        await run()
        trips[step] = { roundTrips: stats.rounds - rounds, commands: stats.commands - commands }
      }
      for (const [op, series] of Object.entries(perPass)) {
        rows.push({ client: kind, op, us: median(series), usPerPass: series })
        log(`${kind.padEnd(10)} ${op.padEnd(6)} ${median(series).toFixed(1).padStart(8)} µs/call`)
      }
      rows.push({ client: kind, op: 'request', trips })
      log(`${kind.padEnd(10)} per request: ${JSON.stringify(trips)}`)
    } finally {
      await driver.deleteAll()
      close(raw)
    }
  }
  return rows
}

// ---------------------------------------------------------------------------------------
// Servers (child processes: `node bench/redis.mjs --serve <id> <prefix>`)

const pause = (i) => new Promise((resolve) => setTimeout(resolve, 1 + ((i * 37) % 10)))

async function serve(id, prefix) {
  const client = await nodeRedis()
  let handler
  if (id === 'sk-redis') {
    const { store: sessions } = await store(client, prefix)
    const { getSessions } = await import('../dist/node.js')
    handler = (req, res) => {
      getSessions(req, res)
        .get(sessions)
        .then(async (session) => {
          const url = new URL(req.url, 'http://bench')
          if (url.pathname === '/set') {
            const i = Number(url.searchParams.get('i'))
            await pause(i)
            session.set(`k${i}`, i)
            res.end('ok')
          } else if (url.pathname === '/read') {
            res.end(JSON.stringify(Object.fromEntries(session.entries())))
          } else {
            res.end(String(session.increment('views')))
          }
        })
        .catch((error) => {
          if (!res.headersSent) res.statusCode = 500
          res.end(String(error))
        })
    }
  } else {
    const { default: express } = await import('express')
    const { default: session } = await import('express-session')
    const { RedisStore } = await import('connect-redis')
    const app = express()
    app.use(
      session({
        secret: SECRET_STRING,
        name: COOKIE_NAME,
        resave: false,
        saveUninitialized: false,
        store: new RedisStore({ client, prefix }),
      }),
    )
    app.get('/set', (req, res, next) => {
      const i = Number(req.query.i)
      pause(i).then(() => {
        req.session[`k${i}`] = i
        res.send('ok')
      }, next)
    })
    app.get('/read', (req, res) => {
      res.json(Object.fromEntries(Object.entries(req.session).filter(([key]) => key !== 'cookie')))
    })
    app.get('/', (req, res) => {
      req.session.views = (req.session.views ?? 0) + 1
      res.send(String(req.session.views))
    })
    handler = app
  }
  const server = http.createServer(handler)
  server.listen(0, '127.0.0.1', () => process.send({ type: 'ready', port: server.address().port }))
  process.on('message', (message) => {
    if (message === 'exit') {
      server.closeAllConnections()
      server.close()
      client.destroy()
      process.exit(0)
    }
  })
}

function get(port, path, cookie) {
  return new Promise((resolve) => {
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
    request.setTimeout(10_000, () => request.destroy(new Error('timed out')))
    request.on('error', (error) =>
      resolve({ status: 0, body: String(error.message), setCookie: [] }),
    )
  })
}

const CONTENDERS = [
  {
    id: 'sk-redis',
    label: 'sessionkit, node:http adapter, server store on the Redis driver (node-redis)',
  },
  { id: 'connect-redis', label: 'express 5 + express-session + connect-redis 9 (node-redis)' },
]

async function withServer(id, body) {
  const prefix = newPrefix(id)
  const child = fork(fileURLToPath(import.meta.url), ['--serve', id, prefix], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  try {
    const [ready] = await once(child, 'message')
    return await body(ready.port)
  } finally {
    child.send('exit')
    if (child.exitCode === null) await once(child, 'exit')
    const client = await nodeRedis()
    await dropPrefix(client, prefix)
    client.destroy()
  }
}

async function httpRow({ id, label }, config) {
  const { default: autocannon } = await import('autocannon')
  return withServer(id, async (port) => {
    const first = await get(port, '/')
    const cookie = first.setCookie.map((line) => line.split(';')[0]).join('; ')
    const second = await get(port, '/', cookie)
    if (first.body !== '1' || second.body !== '2') throw new Error(`${id}: priming failed`)
    const url = `http://127.0.0.1:${port}/`
    const options = { url, connections: config.connections, headers: { cookie } }
    await autocannon({ ...options, duration: config.warmupSeconds })
    const latencies = []
    const instance = autocannon({ ...options, duration: config.seconds })
    instance.on('response', (_client, _status, _bytes, time) => latencies.push(time))
    const result = await instance
    const row = {
      id,
      label,
      rps: result.requests.total / result.duration,
      p50: quantile(latencies, 0.5),
      p99: quantile(latencies, 0.99),
      errors: result.errors + result.timeouts + result.non2xx,
    }
    log(
      `http ${id.padEnd(14)} ${row.rps.toFixed(0).padStart(6)} req/s  p50 ${row.p50.toFixed(2)} ms  p99 ${row.p99.toFixed(2)} ms  errors ${row.errors}`,
    )
    return row
  })
}

async function lostRow({ id, label }) {
  return withServer(id, async (port) => {
    const first = await get(port, '/')
    const cookie = first.setCookie.map((line) => line.split(';')[0]).join('; ')
    const responses = await Promise.all(
      Array.from({ length: K }, (_, i) => get(port, `/set?i=${i}`, cookie)),
    )
    const values = JSON.parse((await get(port, '/read', cookie)).body)
    let lost = 0
    for (let i = 0; i < K; i++) if (values[`k${i}`] !== i) lost++
    const failed = responses.filter((r) => r.status !== 200).length
    log(`lost updates ${id.padEnd(14)} ${lost}/${K} keys lost, ${failed} failed requests`)
    return { id, label, requests: K, lost, failedRequests: failed }
  })
}

async function main() {
  const quick = process.argv.includes('--quick')
  const config = quick
    ? { passes: 3, passMs: 150, warmupMs: 100, connections: 10, warmupSeconds: 1, seconds: 2 }
    : { passes: 5, passMs: 400, warmupMs: 300, connections: 10, warmupSeconds: 2, seconds: 5 }
  const server = await nodeRedis()
  const version = /redis_version:(\S+)/.exec(await server.sendCommand(['INFO', 'server']))?.[1]
  server.destroy()
  const driver = await driverRows(config)
  const httpRows = []
  for (const contender of CONTENDERS) httpRows.push(await httpRow(contender, config))
  const lost = []
  for (const contender of CONTENDERS) lost.push(await lostRow(contender))
  return {
    config,
    redisUrl: REDIS_URL,
    redisVersion: version ?? 'unknown',
    driver,
    http: httpRows,
    lostUpdates: lost,
  }
}

// ---------------------------------------------------------------------------------------
// The report section

const table = (head, rows) =>
  [
    `| ${head.join(' | ')} |`,
    `| ${head.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n')

/** The "Redis" section of BENCHMARKS.md from this file's output. */
export function renderRedis(redis) {
  if (redis === undefined) return ''
  const ops = ['get', 'patch', 'create', 'touch']
  const clients = [...new Set(redis.driver.map((r) => r.client))]
  const us = (client, op) =>
    redis.driver.find((r) => r.client === client && r.op === op)?.us.toFixed(1) ?? '–'
  const trips = (client) =>
    redis.driver.find((r) => r.client === client && r.op === 'request')?.trips ?? {}
  return `
## Redis

Redis ${redis.redisVersion} on 127.0.0.1 (shared with the load generator and the servers), \`bench/redis.mjs\`: every key under a random prefix, removed afterwards.

Driver calls, awaited one at a time, small payload, µs per call (median of ${redis.config.passes} passes of ${redis.config.passMs} ms); a call is one round trip to Redis:

${table(
  ['client', ...ops],
  clients.map((c) => [c, ...ops.map((op) => us(c, op))]),
)}

Round trips and commands per request through the server store (counted by the client):

${table(
  ['client', 'request', 'round trips', 'commands'],
  clients.flatMap((c) =>
    Object.entries(trips(c)).map(([step, t]) => [c, step, t.roundTrips, t.commands]),
  ),
)}

HTTP, autocannon ${redis.config.connections} connections, ${redis.config.seconds} s after ${redis.config.warmupSeconds} s warm-up; each request loads the session, increments a counter and saves:

${table(
  ['contender', 'req/s', 'p50 ms', 'p99 ms', 'errors'],
  redis.http.map((r) => [r.label, r.rps.toFixed(0), r.p50.toFixed(2), r.p99.toFixed(2), r.errors]),
)}

Lost updates: ${K} requests at once on one session, each setting its own key after a 1–10 ms pause. connect-redis stores the whole session with one \`SET\`, so the last writer wins; sessionkit writes per-key patches in a Lua script:

${table(
  ['contender', 'keys lost', 'failed requests'],
  redis.lostUpdates.map((r) => [r.label, `${r.lost}/${r.requests}`, r.failedRequests]),
)}
`
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const serveAt = process.argv.indexOf('--serve')
  if (serveAt >= 0) {
    await serve(process.argv[serveAt + 1], process.argv[serveAt + 2])
  } else {
    const output = await main()
    if (process.send) process.send(output, () => process.exit(0))
    else console.log(JSON.stringify(output, null, 2))
  }
}
