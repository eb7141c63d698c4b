// The harness of the shared adapter scenarios for React Router 7: its server-side query engine
// (createStaticHandler, loaders and actions) behind node:http, with a small Fetch-to-node
// bridge as the only glue. Each scenario path is a resource route whose loader and action do
// what React Router's docs do with a SessionStorage: getSession, then commitSession into the
// response's Set-Cookie.
import http from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'

import {
  createStaticHandler,
  isRouteErrorResponse,
  redirect,
  type LoaderFunctionArgs,
  type RouteObject,
} from 'react-router'

import { SessionRegistry, type Session, type SessionStore } from '../../src/index.ts'
import { createReactRouterSessionStorage } from '../../src/react-router.ts'
import type {
  AdapterHarness,
  Route,
  ScenarioData,
  ScenarioReply,
  StartedApp,
} from './adapter-scenarios.ts'
import { listenLocal } from './scenario-node.ts'
import { streamOf } from './chunk-stream.ts'

/** React Router has no request registry: one SessionStorage per store, each committed. */
class NoRegistry extends SessionRegistry {
  override get<Data extends object, Flash extends object>(
    store: SessionStore<Data, Flash>,
  ): Promise<Session<Data, Flash>> {
    return Promise.reject(
      new Error(`React Router: no request registry (store ${store.name}); use its storage`),
    )
  }
}

async function requestOf(req: IncomingMessage): Promise<Request> {
  const headers = new Headers()
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue
    for (const one of Array.isArray(value) ? value : [value]) headers.append(name, one)
  }
  const method = req.method ?? 'GET'
  const init: RequestInit = { method, headers }
  if (method !== 'GET' && method !== 'HEAD') {
    const parts: Buffer[] = []
    for await (const part of req) parts.push(part as Buffer)
    init.body = Buffer.concat(parts)
  }
  return new Request(`http://127.0.0.1${req.url ?? '/'}`, init)
}

async function sendResponse(res: ServerResponse, response: Response): Promise<void> {
  res.statusCode = response.status
  for (const [name, value] of response.headers) {
    if (name !== 'set-cookie') res.setHeader(name, value)
  }
  const setCookies = response.headers.getSetCookie()
  if (setCookies.length > 0) res.setHeader('Set-Cookie', setCookies)
  if (response.body === null) {
    res.end()
    return
  }
  // Each chunk is written as it comes, so a streamed body reaches the client in parts.
  for await (const chunk of response.body) res.write(chunk)
  res.end()
}

/** React Router's static handler behind node:http on 127.0.0.1 (port 0). */
export function serveReactRouter(routes: RouteObject[]): Promise<StartedApp> {
  const handler = createStaticHandler(routes)
  return listenLocal(
    http.createServer((req, res) => {
      void (async () => {
        let response: Response
        try {
          const result: unknown = await handler.queryRoute(await requestOf(req))
          response = result instanceof Response ? result : Response.json(result)
        } catch (error) {
          // What React Router's request handler answers: its own error responses keep their
          // status, anything else thrown from a loader or action is a 500.
          if (error instanceof Response) response = error
          else if (isRouteErrorResponse(error)) response = new Response(null, error)
          else response = new Response('Internal Server Error', { status: 500 })
        }
        await sendResponse(res, response)
      })().catch(() => {
        res.destroy()
      })
    }),
  )
}

/** `reply` as the Response a resource route returns, with our `Set-Cookie` if any. */
export function responseOf(reply: ScenarioReply, setCookie: string): Response {
  const headers = new Headers(reply.headers)
  for (const value of reply.setCookies ?? []) headers.append('Set-Cookie', value)
  if (setCookie !== '') {
    headers.append('Set-Cookie', setCookie)
    // The storage gives the Set-Cookie value only: keeping the response out of shared caches
    // is the app's part (docs/frameworks.md, React Router).
    if (!headers.has('Cache-Control')) headers.set('Cache-Control', 'no-store')
  }
  const body = reply.body
  const init = { status: reply.status ?? 200, headers }
  if (body === undefined) return new Response(null, init)
  if ('text' in body) return new Response(body.text, init)
  if ('json' in body) return Response.json(body.json, init)
  if ('redirect' in body) return redirect(body.redirect, { ...init, status: reply.status ?? 302 })
  return new Response(streamOf(body.stream), init)
}

/** A resource route per path: getSession, the scenario route, commitSession. */
export function scenarioRoutes(store: SessionStore<ScenarioData>, routes: Record<string, Route>) {
  const storage = createReactRouterSessionStorage(store)
  return Object.entries(routes).map(([path, route]): RouteObject => {
    const handle = async ({ request }: LoaderFunctionArgs): Promise<Response> => {
      const session = await storage.getSession(request.headers.get('Cookie'))
      const sessions = new NoRegistry(null)
      const reply = await route({
        session: storage.sessionOf(session),
        sessions,
        method: request.method,
      })
      return responseOf(reply, await storage.commitSession(session))
    }
    return { id: path, path, loader: handle, action: handle }
  })
}

export const reactRouterHarness: AdapterHarness = {
  name: 'React Router 7 (createStaticHandler over node:http)',
  // React Router has neither `onError` nor `commitOnError`: the adapted scenarios say so.
  start: (app) => serveReactRouter(scenarioRoutes(app.store, app.routes)),
}
