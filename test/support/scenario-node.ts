// Sends an adapter-neutral ScenarioReply on a node:http response, and finds a scenario's route
// for a request: shared by the node:http harness and the frameworks that hand out `res`.
import type { IncomingMessage, ServerResponse } from 'node:http'

import type { Route, ScenarioApp, ScenarioReply } from './adapter-scenarios.ts'

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
