// Harnesses of the shared adapter scenarios for Hono 4 (over @hono/node-server, and in process
// through app.request()) and h3 2 (over toNodeHandler, and through app.request()): each mounts
// the framework's own sessionkit adapter and the scenario routes, natively.
import http from 'node:http'

import { Hono, type Context } from 'hono'
import { stream as honoStream } from 'hono/streaming'
import { getRequestListener } from '@hono/node-server'
import { H3, redirect as h3Redirect, toNodeHandler, type H3Event } from 'h3'

import { session as honoSession, type SessionEnv } from '../../src/hono.ts'
import { sessions as h3Sessions, useSession, useSessions } from '../../src/h3.ts'
import type {
  AdapterHarness,
  ScenarioApp,
  ScenarioData,
  ScenarioReply,
  ScenarioRequest,
  ScenarioResponse,
  StartedApp,
} from './adapter-scenarios.ts'
import { listenLocal } from './scenario-frameworks.ts'
import { streamOf } from './chunk-stream.ts'

type FetchApp = (request: Request) => Response | Promise<Response>

function statusOf(reply: ScenarioReply): number {
  return reply.status ?? (reply.body !== undefined && 'redirect' in reply.body ? 302 : 200)
}

/** Requests through the app's own in-process entry (`app.request`), as its tests would. */
function inProcess(fetchApp: FetchApp): StartedApp {
  return {
    async request(request: ScenarioRequest): Promise<ScenarioResponse> {
      const headers = new Headers()
      if (request.cookie !== undefined) headers.set('cookie', request.cookie)
      const response = await fetchApp(
        new Request(`http://localhost${request.path}`, { method: request.method, headers }),
      )
      return {
        status: response.status,
        headers: response.headers,
        setCookies: response.headers.getSetCookie(),
        body: await response.text(),
      }
    },
    close: () => Promise.resolve(),
  }
}

// ---------------------------------------------------------------------------------------------
// Hono

function sendHono(c: Context, reply: ScenarioReply): Response | Promise<Response> {
  const status = statusOf(reply) as 200
  for (const [name, value] of Object.entries(reply.headers ?? {})) c.header(name, value)
  for (const value of reply.setCookies ?? []) c.header('Set-Cookie', value, { append: true })
  const body = reply.body
  c.status(status)
  if (body === undefined) return c.body(null)
  if ('text' in body) return c.text(body.text)
  if ('json' in body) return c.json(body.json)
  if ('redirect' in body) return c.redirect(body.redirect, status as 302)
  const chunks = body.stream
  return honoStream(c, async (out) => {
    for await (const chunk of chunks) await out.write(chunk)
  })
}

function honoApp(app: ScenarioApp): Hono<SessionEnv<ScenarioData>> {
  const server = new Hono<SessionEnv<ScenarioData>>()
  server.use(honoSession(app.store, { onError: app.onError, commitOnError: app.commitOnError }))
  for (const [path, route] of Object.entries(app.routes)) {
    server.on(['GET', 'POST'], path, async (c) => {
      const context = { session: c.var.session, sessions: c.var.sessions, method: c.req.method }
      return sendHono(c, await route(context))
    })
  }
  return server
}

export const honoHarness: AdapterHarness = {
  name: 'Hono 4 (@hono/node-server)',
  start(app) {
    const server = honoApp(app)
    const listener = getRequestListener((request) => server.fetch(request))
    return listenLocal(
      http.createServer((req, res) => {
        void listener(req, res)
      }),
    )
  },
}

export const honoRequestHarness: AdapterHarness = {
  name: 'Hono 4 (app.request)',
  start(app) {
    const server = honoApp(app)
    return Promise.resolve(inProcess((request) => server.request(request)))
  },
}

// ---------------------------------------------------------------------------------------------
// h3

function sendH3(event: H3Event, reply: ScenarioReply): unknown {
  const status = statusOf(reply)
  event.res.status = status
  for (const [name, value] of Object.entries(reply.headers ?? {}))
    event.res.headers.set(name, value)
  for (const value of reply.setCookies ?? []) event.res.headers.append('Set-Cookie', value)
  const body = reply.body
  if (body === undefined) return null
  if ('text' in body) return body.text
  if ('json' in body) return body.json
  if ('redirect' in body) return h3Redirect(body.redirect, status)
  return streamOf(body.stream)
}

function h3App(app: ScenarioApp): H3 {
  const server = new H3({ silent: true }).use(
    h3Sessions({ onError: app.onError, commitOnError: app.commitOnError }),
  )
  for (const [path, route] of Object.entries(app.routes)) {
    server.all(path, async (event) => {
      const session = await useSession(event, app.store)
      const context = { session, sessions: useSessions(event), method: event.req.method }
      return sendH3(event, await route(context))
    })
  }
  return server
}

export const h3Harness: AdapterHarness = {
  name: 'h3 2 (toNodeHandler)',
  start(app) {
    return listenLocal(http.createServer(toNodeHandler(h3App(app))))
  },
}

export const h3RequestHarness: AdapterHarness = {
  name: 'h3 2 (app.request)',
  start(app) {
    const server = h3App(app)
    return Promise.resolve(inProcess((request) => server.request(request)))
  },
}
