// One HTTP contender in its own process: `node bench/http/server.mjs <scenario>`. It listens on
// 127.0.0.1 (an ephemeral port), reports the port over IPC and answers 'reset' / 'stats' /
// 'exit'. Every session handler reads the session, counts whether it was loaded or fresh,
// increments `views` (so every response re-seals or re-saves) and answers with the new count.
/* global Headers, Request, Response, structuredClone */
import { Buffer } from 'node:buffer'
import http from 'node:http'
import process from 'node:process'
import {
  COOKIE_NAME,
  IRON_PASSWORD,
  KEY_B64URL,
  KEY_BYTES,
  SECRET_STRING,
  SET_COOKIE_ATTRIBUTES,
  SMALL,
  rawCookieValue,
  rawGcmOpen,
  rawGcmSeal,
} from '../lib/common.mjs'
import { removeTemporary, serverStore } from '../lib/drivers.mjs'

const scenario = process.argv[2]
const counters = { requests: 0, loaded: 0, fresh: 0 }
let cpuStart = process.cpuUsage()
let wallStart = process.hrtime.bigint()

function count(loaded) {
  if (loaded) counters.loaded++
  else counters.fresh++
}

async function sessionkitStore(crypto) {
  const { createCookieStore, createKeyRing } = await import('../../dist/index.js')
  const keys = createKeyRing([{ id: 'k1', secret: KEY_B64URL }])
  return createCookieStore({ name: COOKIE_NAME, keys, crypto })
}

// A minimal node:http -> Fetch bridge (GET only, as the benchmark needs), shared by every
// Fetch row so they all pay the same for it.
function serveFetch(handler) {
  return http.createServer((req, res) => {
    const headers = new Headers()
    const raw = req.rawHeaders
    for (let i = 0; i < raw.length; i += 2) headers.append(raw[i], raw[i + 1])
    const request = new Request(`http://${req.headers.host ?? '127.0.0.1'}${req.url}`, {
      method: req.method,
      headers,
    })
    handler(request).then(
      async (response) => {
        res.statusCode = response.status
        for (const [name, value] of response.headers) {
          if (name !== 'set-cookie') res.setHeader(name, value)
        }
        const cookies = response.headers.getSetCookie()
        if (cookies.length > 0) res.setHeader('Set-Cookie', cookies)
        res.end(Buffer.from(await response.arrayBuffer()))
      },
      (error) => {
        res.statusCode = 500
        res.end(String(error))
      },
    )
  })
}

const builders = {
  'node-bare': () =>
    http.createServer((_req, res) => {
      res.setHeader('Content-Type', 'text/plain')
      res.end('hello world')
    }),

  'raw-crypto': () =>
    http.createServer((req, res) => {
      const token = rawCookieValue(req.headers.cookie, COOKIE_NAME)
      let value = token === undefined ? undefined : rawGcmOpen(token)
      count(value !== undefined)
      value ??= { ...SMALL }
      value.views++
      res.setHeader('Set-Cookie', `${COOKIE_NAME}=${rawGcmSeal(value)}${SET_COOKIE_ATTRIBUTES}`)
      res.setHeader('Content-Type', 'text/plain')
      res.end(String(value.views))
    }),

  // The same handler with sessionkit's own token format written by hand: what the format
  // costs, so the machinery's share above it shows.
  'raw-floor': async () => {
    const { floorHandler } = await import('../lib/request-cost.mjs')
    return http.createServer((req, res) => {
      res.setHeader('Set-Cookie', floorHandler(req.headers.cookie, count))
      res.setHeader('Content-Type', 'text/plain')
      res.end('1')
    })
  },

  'sk-node': async () => nodeSessionkit(await sessionkitStore('node')),
  'sk-node-web': async () => nodeSessionkit(await sessionkitStore('web')),
  'sk-node-memory': async () => nodeSessionkit(await serverStore('memory')),
  'sk-node-fs': async () => nodeSessionkit(await serverStore('filesystem')),
  'sk-node-sqlite': async () => nodeSessionkit(await serverStore('sqlite')),

  'fetch-bare': () =>
    serveFetch(
      async () => new Response('hello world', { headers: { 'Content-Type': 'text/plain' } }),
    ),

  'sk-fetch': async () => {
    const store = await sessionkitStore('node')
    const { withSessions } = await import('../../dist/fetch.js')
    return serveFetch(
      withSessions(async (_request, sessions) => {
        const session = await sessions.get(store)
        count(!session.isNew)
        if (session.isNew) for (const [key, value] of Object.entries(SMALL)) session.set(key, value)
        const views = session.increment('views')
        return new Response(String(views), { headers: { 'Content-Type': 'text/plain' } })
      }),
    )
  },

  'express-bare': async () => {
    const { default: express } = await import('express')
    const app = express()
    app.get('/', (_req, res) => {
      res.type('text').send('hello world')
    })
    return http.createServer(app)
  },

  'express-session': async () => {
    const { default: express } = await import('express')
    const { default: session } = await import('express-session')
    const app = express()
    app.use(
      session({
        secret: SECRET_STRING,
        resave: false,
        saveUninitialized: false,
        store: new session.MemoryStore(),
      }),
    )
    app.get('/', (req, res) => {
      count(req.session.views !== undefined)
      if (req.session.views === undefined) Object.assign(req.session, structuredClone(SMALL))
      req.session.views++
      res.type('text').send(String(req.session.views))
    })
    return http.createServer(app)
  },

  'cookie-session': async () => {
    const { default: express } = await import('express')
    const { default: cookieSession } = await import('cookie-session')
    const app = express()
    app.use(cookieSession({ name: COOKIE_NAME, keys: [SECRET_STRING] }))
    app.get('/', (req, res) => {
      count(req.session.views !== undefined)
      if (req.session.views === undefined) Object.assign(req.session, structuredClone(SMALL))
      req.session.views++
      res.type('text').send(String(req.session.views))
    })
    return http.createServer(app)
  },

  'iron-session': async () => {
    const { getIronSession } = await import('iron-session')
    const options = { password: IRON_PASSWORD, cookieName: COOKIE_NAME }
    return http.createServer((req, res) => {
      getIronSession(req, res, options).then(
        async (session) => {
          count(session.views !== undefined)
          if (session.views === undefined) Object.assign(session, structuredClone(SMALL))
          session.views++
          await session.save()
          res.setHeader('Content-Type', 'text/plain')
          res.end(String(session.views))
        },
        (error) => {
          res.statusCode = 500
          res.end(String(error))
        },
      )
    })
  },

  'fastify-bare': async () => fastifyServer(false),
  'fastify-secure-session': async () => fastifyServer(true),
}

function nodeSessionkit(store) {
  return import('../../dist/node.js').then(({ getSessions }) =>
    http.createServer((req, res) => {
      getSessions(req, res)
        .get(store)
        .then(
          (session) => {
            count(!session.isNew)
            if (session.isNew) {
              for (const [key, value] of Object.entries(SMALL)) session.set(key, value)
            }
            const views = session.increment('views')
            res.setHeader('Content-Type', 'text/plain')
            res.end(String(views))
          },
          (error) => {
            res.statusCode = 500
            res.end(String(error))
          },
        )
    }),
  )
}

async function fastifyServer(withSession) {
  const { default: Fastify } = await import('fastify')
  let server
  const app = Fastify({
    logger: false,
    serverFactory: (handler) => {
      server = http.createServer(handler)
      return server
    },
  })
  if (withSession) {
    const { default: secureSession } = await import('@fastify/secure-session')
    await app.register(secureSession, {
      key: KEY_BYTES,
      cookieName: COOKIE_NAME,
      cookie: { path: '/', httpOnly: true, secure: true, sameSite: 'lax' },
    })
    app.get('/', async (request, reply) => {
      const views = request.session.get('views')
      count(views !== undefined)
      if (views === undefined) {
        for (const [key, value] of Object.entries(structuredClone(SMALL))) {
          request.session.set(key, value)
        }
      }
      const next = (views ?? 0) + 1
      request.session.set('views', next)
      reply.type('text/plain')
      return String(next)
    })
  } else {
    app.get('/', async (_request, reply) => {
      reply.type('text/plain')
      return 'hello world'
    })
  }
  await app.ready()
  return server
}

const build = builders[scenario]
if (build === undefined) throw new Error(`unknown scenario ${scenario}`)
const server = await build()
server.keepAliveTimeout = 60_000
server.on('request', () => {
  counters.requests++
})
server.listen(0, '127.0.0.1', () => {
  process.send({ type: 'ready', port: server.address().port })
})
process.on('message', (message) => {
  if (message === 'reset') {
    counters.requests = 0
    counters.loaded = 0
    counters.fresh = 0
    cpuStart = process.cpuUsage()
    wallStart = process.hrtime.bigint()
    process.send({ type: 'reset-ok' })
  } else if (message === 'stats') {
    const cpu = process.cpuUsage(cpuStart)
    process.send({
      type: 'stats',
      ...counters,
      cpuUserUs: cpu.user,
      cpuSystemUs: cpu.system,
      wallUs: Number(process.hrtime.bigint() - wallStart) / 1e3,
      rssMB: process.memoryUsage().rss / 2 ** 20,
    })
  } else if (message === 'exit') {
    server.closeAllConnections()
    server.close()
    removeTemporary()
    process.exit(0)
  }
})
