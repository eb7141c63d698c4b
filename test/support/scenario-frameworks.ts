// Harnesses of the shared adapter scenarios for Express (4 and 5), Fastify 5 and Koa 3: each
// mounts the framework's own sessionkit adapter and the scenario routes, natively.
import http from 'node:http'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'

import type { Express, Request, Response, NextFunction } from 'express'
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify'
import Koa, { type Context, type Middleware } from 'koa'

import { sessions as expressSessions } from '../../src/express.ts'
import { sessions as fastifySessions } from '../../src/fastify.ts'
import { sessions as koaSessions } from '../../src/koa.ts'
import type { Session } from '../../src/index.ts'
import { closeServer } from './adapter-harness.ts'
import type {
  AdapterHarness,
  Route,
  ScenarioApp,
  ScenarioData,
  ScenarioReply,
  ScenarioResponse,
  StartedApp,
} from './adapter-scenarios.ts'
import { routeOf } from './scenario-node.ts'

/** Listens on 127.0.0.1 port 0. */
export async function listenLocal(server: http.Server): Promise<StartedApp> {
  await new Promise<void>((resolve) => {
    server.listen(0, '127.0.0.1', resolve)
  })
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no TCP address')
  return { url: `http://127.0.0.1:${address.port}`, close: () => closeServer(server) }
}

// The frameworks' request types do not carry `session` unless the app declares it (the docs
// show how); the harnesses read it as the app's declaration would type it.
function sessionOf(carrier: object): Session<ScenarioData> {
  return (carrier as { session: Session<ScenarioData> }).session
}

function statusOf(reply: ScenarioReply): number {
  return reply.status ?? (reply.body !== undefined && 'redirect' in reply.body ? 302 : 200)
}

// ---------------------------------------------------------------------------------------------
// Express

async function sendExpress(res: Response, reply: ScenarioReply): Promise<void> {
  res.status(statusOf(reply))
  for (const [name, value] of Object.entries(reply.headers ?? {})) res.set(name, value)
  if (reply.setCookies !== undefined) res.append('Set-Cookie', [...reply.setCookies])
  const body = reply.body
  if (body === undefined) res.end()
  else if ('text' in body) res.send(body.text)
  else if ('json' in body) res.json(body.json)
  else if ('redirect' in body) res.redirect(body.redirect)
  else await pipeline(Readable.from(body.stream), res)
}

/**
 * Express, with its own sessions middleware. `asyncHandlers`: Express 5 routes are async
 * functions whose rejections Express handles; Express 4 ones pass errors to `next`.
 */
export function expressHarness(
  name: string,
  createApp: () => Express,
  asyncHandlers: boolean,
): AdapterHarness {
  return {
    name,
    start(app: ScenarioApp) {
      const server = createApp()
      server.set('env', 'test') // finalhandler logs errors outside 'test'
      server.use(
        expressSessions({
          store: app.store,
          onError: app.onError,
          commitOnError: app.commitOnError,
        }),
      )
      for (const [path, route] of Object.entries(app.routes)) {
        const run = async (req: Request, res: Response): Promise<void> => {
          const context = { session: sessionOf(req), sessions: req.sessions, method: req.method }
          await sendExpress(res, await route(context))
        }
        if (asyncHandlers) server.all(path, run)
        else {
          server.all(path, (req: Request, res: Response, next: NextFunction) => {
            run(req, res).catch(next)
          })
        }
      }
      return listenLocal(http.createServer(server))
    },
  }
}

// ---------------------------------------------------------------------------------------------
// Fastify

function sendFastify(reply: FastifyReply, scenario: ScenarioReply): FastifyReply {
  reply.code(statusOf(scenario))
  for (const [name, value] of Object.entries(scenario.headers ?? {})) reply.header(name, value)
  if (scenario.setCookies !== undefined) reply.header('set-cookie', [...scenario.setCookies])
  const body = scenario.body
  if (body === undefined) return reply.send()
  if ('text' in body) return reply.type('text/plain; charset=utf-8').send(body.text)
  if ('json' in body) return reply.send(body.json)
  if ('redirect' in body) return reply.redirect(body.redirect)
  return reply.send(Readable.from(body.stream))
}

async function fastifyApp(app: ScenarioApp): Promise<FastifyInstance> {
  const server = Fastify()
  await server.register(fastifySessions, {
    store: app.store,
    onError: app.onError,
    commitOnError: app.commitOnError,
  })
  for (const [path, route] of Object.entries(app.routes)) {
    server.route({
      method: ['GET', 'POST'],
      url: path,
      handler: async (request, reply) => {
        const context = {
          session: sessionOf(request),
          sessions: request.sessions,
          method: request.method,
        }
        return sendFastify(reply, await route(context))
      },
    })
  }
  return server
}

/** Fastify 5 listening on 127.0.0.1. */
export const fastifyHarness: AdapterHarness = {
  name: 'Fastify 5',
  async start(app) {
    const server = await fastifyApp(app)
    await server.listen({ port: 0, host: '127.0.0.1' })
    const address = server.server.address()
    if (address === null || typeof address === 'string') throw new Error('no TCP address')
    return { url: `http://127.0.0.1:${address.port}`, close: () => server.close() }
  },
}

/** Fastify 5 through `fastify.inject` (no socket). */
export const fastifyInjectHarness: AdapterHarness = {
  name: 'Fastify 5 (fastify.inject)',
  async start(app) {
    const server = await fastifyApp(app)
    await server.ready()
    return {
      async request(request): Promise<ScenarioResponse> {
        const response = await server.inject({
          method: request.method === 'HEAD' ? 'HEAD' : request.method === 'POST' ? 'POST' : 'GET',
          url: request.path,
          headers: request.cookie === undefined ? {} : { cookie: request.cookie },
        })
        const headers = new Headers()
        for (const [name, value] of Object.entries(response.headers)) {
          if (value === undefined) continue
          for (const one of Array.isArray(value) ? value : [value])
            headers.append(name, String(one))
        }
        return {
          status: response.statusCode,
          headers,
          setCookies: headers.getSetCookie(),
          body: response.body,
        }
      },
      close: () => server.close(),
    }
  },
}

// ---------------------------------------------------------------------------------------------
// Koa

function sendKoa(ctx: Context, reply: ScenarioReply): void {
  ctx.status = statusOf(reply)
  for (const [name, value] of Object.entries(reply.headers ?? {})) ctx.set(name, value)
  if (reply.setCookies !== undefined) ctx.append('Set-Cookie', [...reply.setCookies])
  const body = reply.body
  if (body === undefined) return
  if ('text' in body) ctx.body = body.text
  else if ('json' in body) ctx.body = body.json
  else if ('redirect' in body) ctx.redirect(body.redirect)
  else ctx.body = Readable.from(body.stream)
}

/** Koa 3, its sessions middleware first. */
export const koaHarness: AdapterHarness = {
  name: 'Koa 3',
  start(app) {
    const server = new Koa()
    server.silent = true
    server.use(
      koaSessions({ store: app.store, onError: app.onError, commitOnError: app.commitOnError }),
    )
    const handle: Middleware = async (ctx: Context): Promise<void> => {
      const route: Route | undefined = routeOf(app, ctx.url)
      if (route === undefined) {
        ctx.status = 404
        return
      }
      const context = { session: sessionOf(ctx), sessions: ctx.sessions, method: ctx.method }
      sendKoa(ctx, await route(context))
    }
    server.use(handle)
    const callback = server.callback()
    return listenLocal(
      http.createServer((req, res) => {
        void callback(req, res)
      }),
    )
  },
}
