// Sends an adapter-neutral ScenarioReply on a node:http response, and finds a scenario's route
// for a request, and a server on 127.0.0.1: shared by the node:http harness and the framework
// harnesses.
import type http from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'

import { closeServer } from './adapter-harness.ts'
import type { Route, ScenarioApp, ScenarioReply, StartedApp } from './adapter-scenarios.ts'

/** Listens on 127.0.0.1 port 0; `close` also ends open connections. */
export async function listenLocal(server: http.Server): Promise<StartedApp> {
  await new Promise<void>((resolve) => {
    server.listen(0, '127.0.0.1', resolve)
  })
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no TCP address')
  return { url: `http://127.0.0.1:${address.port}`, close: () => closeServer(server) }
}

/** The route of `req`'s path, if any. */
export function routeOf(app: ScenarioApp, url: string | undefined): Route | undefined {
  const path = new URL(url ?? '/', 'http://127.0.0.1').pathname
  return Object.hasOwn(app.routes, path) ? app.routes[path] : undefined
}

/** Writes `reply` with the plain node:http calls (setHeader, write, end). */
export async function sendNodeReply(res: ServerResponse, reply: ScenarioReply): Promise<void> {
  const body = reply.body
  res.statusCode = reply.status ?? (body !== undefined && 'redirect' in body ? 302 : 200)
  for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value)
  if (reply.setCookies !== undefined) res.setHeader('Set-Cookie', [...reply.setCookies])
  if (body === undefined) {
    res.end()
  } else if ('text' in body) {
    res.end(body.text)
  } else if ('json' in body) {
    res.setHeader('Content-Type', 'application/json; charset=utf-8')
    res.end(JSON.stringify(body.json))
  } else if ('redirect' in body) {
    res.setHeader('Location', body.redirect)
    res.end()
  } else {
    for await (const chunk of body.stream) res.write(chunk)
    res.end()
  }
}

export type NodeHandler = (req: IncomingMessage, res: ServerResponse) => unknown
