// One HTTP contender in its own process: `node bench/http/server.mjs <scenario>`. It listens on
// 127.0.0.1 (an ephemeral port), reports the port over IPC and answers 'reset' / 'stats' /
// 'exit'. Every session handler reads the session, counts whether it was loaded or fresh,
// increments `views` (so every response re-seals or re-saves) and answers with the new count.
/* global Headers, Request, Response */
import { Buffer } from 'node:buffer'
import http from 'node:http'
import process from 'node:process'
import {
  COOKIE_NAME,
  IRON_PASSWORD,
  SET_COOKIE_ATTRIBUTES,
  SMALL,
  rawCookieValue,
  rawGcmOpen,
  rawGcmSeal,
} from '../lib/common.mjs'
import { cookieStore, removeTemporary, serverStore } from '../lib/drivers.mjs'
import { bumpBag, bumpSessionkit } from '../lib/session-work.mjs'
import { FRAMEWORK_SERVERS } from './frameworks.mjs'

const scenario = process.argv[2]
const counters = { requests: 0, loaded: 0, fresh: 0 }
let cpuStart = process.cpuUsage()
let wallStart = process.hrtime.bigint()

function count(loaded) {
  if (loaded) counters.loaded++
  else counters.fresh++
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
    const { floorRequest } = await import('../lib/request-cost.mjs')
    return http.createServer((req, res) => {
      const { setCookie, views } = floorRequest(req.headers.cookie, count)
      res.setHeader('Set-Cookie', setCookie)
      res.setHeader('Content-Type', 'text/plain')
      res.end(String(views))
    })
  },

  // The floor as any session API shapes a handler: the session comes from a promise (the
  // response goes out in a microtask), and a response with a session cookie carries
  // Cache-Control: no-store so shared caches never keep it (what sk-node writes too).
  'raw-floor-async': async () => {
    const { floorRequest } = await import('../lib/request-cost.mjs')
    return http.createServer((req, res) => {
      Promise.resolve(req.headers.cookie).then((header) => {
        const { setCookie, views } = floorRequest(header, count)
        res.setHeader('Set-Cookie', setCookie)
        res.setHeader('Cache-Control', 'no-store')
        res.setHeader('Content-Type', 'text/plain')
        res.end(String(views))
      })
    })
  },

  'sk-node': async () => nodeSessionkit(await cookieStore('node')),
  'sk-node-web': async () => nodeSessionkit(await cookieStore('web')),
  'sk-node-memory': async () => nodeSessionkit(await serverStore('memory')),
  'sk-node-fs': async () => nodeSessionkit(await serverStore('filesystem')),
  'sk-node-sqlite': async () => nodeSessionkit(await serverStore('sqlite')),

  'fetch-bare': () =>
    serveFetch(
      async () => new Response('hello world', { headers: { 'Content-Type': 'text/plain' } }),
    ),

  'sk-fetch': async () => {
    const store = await cookieStore('node')
    const { withSessions } = await import('../../dist/fetch.js')
    return serveFetch(
      withSessions(async (_request, sessions) => {
        const views = bumpSessionkit(await sessions.get(store), count)
        return new Response(String(views), { headers: { 'Content-Type': 'text/plain' } })
      }),
    )
  },

  'iron-session': async () => {
    const { getIronSession } = await import('iron-session')
    const options = { password: IRON_PASSWORD, cookieName: COOKIE_NAME }
    return http.createServer((req, res) => {
      getIronSession(req, res, options).then(
        async (session) => {
          const views = bumpBag(session, count)
          await session.save()
          res.setHeader('Content-Type', 'text/plain')
          res.end(String(views))
        },
        (error) => {
          res.statusCode = 500
          res.end(String(error))
        },
      )
    })
  },
}

function nodeSessionkit(store) {
  return import('../../dist/node.js').then(({ getSessions }) =>
    http.createServer((req, res) => {
      getSessions(req, res)
        .get(store)
        .then(
          (session) => {
            const views = bumpSessionkit(session, count)
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

const build = builders[scenario] ?? FRAMEWORK_SERVERS[scenario]
if (build === undefined) throw new Error(`unknown scenario ${scenario}`)
const server = await build(count)
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
