// The framework contenders (Express 5, Fastify 5, Koa 3, Hono 4 on @hono/node-server): per
// framework its bare request, sessionkit's adapter used the documented way, and the
// framework's usual session package. Each factory takes the server's `count(loaded)` and
// returns an unlistened node:http server; bench/http/server.mjs dispatches to them by id.
// Every session route does the same work (bench/lib/session-work.mjs).
import http from 'node:http'
import {
  COOKIE_NAME,
  IRON_PASSWORD,
  KEY_BYTES,
  LONG_SECRET_STRING,
  SECRET_STRING,
} from '../lib/common.mjs'
import { cookieStore, serverStore } from '../lib/drivers.mjs'
import { expressSessionMiddleware } from '../lib/express-session.mjs'
import { bumpBag, bumpGetSet, bumpSessionkit } from '../lib/session-work.mjs'

const HELLO = 'hello world'

// ---------------------------------------------------------------------------------------------
// Express 5: `app` is the request listener.

async function expressApp(mount, handler) {
  const { default: express } = await import('express')
  const app = express()
  await mount(app)
  app.get('/', handler)
  return http.createServer(app)
}

function expressSessionkit(openStore, count) {
  return expressApp(
    async (app) => {
      const { sessions } = await import('../../dist/express.js')
      app.use(sessions({ store: await openStore() }))
    },
    (req, res) => {
      res.type('text').send(String(bumpSessionkit(req.session, count)))
    },
  )
}

function expressBag(count) {
  return (req, res) => {
    res.type('text').send(String(bumpBag(req.session, count)))
  }
}

// ---------------------------------------------------------------------------------------------
// Fastify 5: built around our own node:http server (serverFactory), so the process can count
// its requests like any other row's.

async function fastifyApp(mount, handler) {
  const { default: Fastify } = await import('fastify')
  let server
  const app = Fastify({
    logger: false,
    serverFactory: (listener) => {
      server = http.createServer(listener)
      return server
    },
  })
  await mount(app)
  app.get('/', async (request, reply) => {
    reply.type('text/plain')
    return handler(request)
  })
  await app.ready()
  return server
}

// ---------------------------------------------------------------------------------------------
// Koa 3: no router, one middleware answers (the driver only asks for GET /).

async function koaApp(mount, handler) {
  const { default: Koa } = await import('koa')
  const app = new Koa()
  await mount(app)
  app.use((ctx) => {
    ctx.type = 'text/plain'
    ctx.body = handler(ctx)
  })
  return http.createServer(app.callback())
}

// ---------------------------------------------------------------------------------------------
// Hono 4 on @hono/node-server's adaptor (a node:http server, not listening yet).

async function honoApp(mount, handler) {
  const { Hono } = await import('hono')
  const { createAdaptorServer } = await import('@hono/node-server')
  const app = new Hono()
  await mount(app)
  app.get('/', (c) => c.text(handler(c)))
  return createAdaptorServer(app)
}

// No session: the bare request.
const none = () => Promise.resolve()

export const FRAMEWORK_SERVERS = {
  'express-bare': () =>
    expressApp(none, (_req, res) => {
      res.type('text').send(HELLO)
    }),

  'sk-express': (count) => expressSessionkit(() => cookieStore('node'), count),

  'sk-express-memory': (count) => expressSessionkit(() => serverStore('memory'), count),

  'express-session': (count) =>
    expressApp(async (app) => {
      app.use(await expressSessionMiddleware())
    }, expressBag(count)),

  'cookie-session': (count) =>
    expressApp(async (app) => {
      const { default: cookieSession } = await import('cookie-session')
      app.use(cookieSession({ name: COOKIE_NAME, keys: [SECRET_STRING] }))
    }, expressBag(count)),

  'fastify-bare': () => fastifyApp(none, () => HELLO),

  'sk-fastify': (count) =>
    fastifyApp(
      async (app) => {
        const { sessions } = await import('../../dist/fastify.js')
        await app.register(sessions, { store: await cookieStore('node') })
      },
      (request) => String(bumpSessionkit(request.session, count)),
    ),

  'fastify-secure-session': (count) =>
    fastifyApp(
      async (app) => {
        const { default: secureSession } = await import('@fastify/secure-session')
        await app.register(secureSession, {
          key: KEY_BYTES,
          cookieName: COOKIE_NAME,
          cookie: { path: '/', httpOnly: true, secure: true, sameSite: 'lax' },
        })
      },
      (request) => String(bumpGetSet(request.session, count)),
    ),

  // Its default store (in memory); `secure: false` because its Secure cookie is not sent over
  // plain HTTP at all.
  'fastify-session': (count) =>
    fastifyApp(
      async (app) => {
        const { default: fastifyCookie } = await import('@fastify/cookie')
        const { default: fastifySession } = await import('@fastify/session')
        await app.register(fastifyCookie)
        await app.register(fastifySession, {
          secret: LONG_SECRET_STRING,
          cookieName: COOKIE_NAME,
          cookie: { path: '/', httpOnly: true, secure: false, sameSite: 'lax' },
        })
      },
      (request) => String(bumpGetSet(request.session, count)),
    ),

  'koa-bare': () => koaApp(none, () => HELLO),

  'sk-koa': (count) =>
    koaApp(
      async (app) => {
        const { sessions } = await import('../../dist/koa.js')
        app.use(sessions({ store: await cookieStore('node') }))
      },
      (ctx) => String(bumpSessionkit(ctx.session, count)),
    ),

  // Its default store: the session as base64 JSON in the cookie, signed by keygrip (a second
  // `.sig` cookie), not encrypted. `secure: false`: the cookies module refuses a Secure cookie
  // on plain HTTP.
  'koa-session': (count) =>
    koaApp(
      async (app) => {
        const { default: session } = await import('koa-session')
        app.keys = [SECRET_STRING]
        app.use(session({ key: COOKIE_NAME, secure: false, sameSite: 'lax' }, app))
      },
      (ctx) => String(bumpBag(ctx.session, count)),
    ),

  'hono-bare': () => honoApp(none, () => HELLO),

  'sk-hono': (count) =>
    honoApp(
      async (app) => {
        const { session } = await import('../../dist/hono.js')
        app.use(session(await cookieStore('node')))
      },
      (c) => String(bumpSessionkit(c.var.session, count)),
    ),

  // Its CookieStore: the session sealed with iron (iron-webcrypto) in the cookie.
  'hono-sessions': (count) =>
    honoApp(
      async (app) => {
        const { CookieStore, sessionMiddleware } = await import('hono-sessions')
        app.use(
          '*',
          sessionMiddleware({
            store: new CookieStore(),
            encryptionKey: IRON_PASSWORD,
            sessionCookieName: COOKIE_NAME,
            cookieOptions: { path: '/', httpOnly: true, sameSite: 'Lax' },
          }),
        )
      },
      (c) => String(bumpGetSet(c.get('session'), count)),
    ),
}
