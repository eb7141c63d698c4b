// The shared adapter scenarios on Next.js 16: the app in test/fixtures/next-scenario-app is
// built once and served in this process (`next({ dir })`, the custom-server API), so its one
// catch-all route handler can hand each request, with Next.js's own `cookies` and `headers`,
// to the scenario being run, wrapped in `sessions.route()` as an app's route handler is.
import http from 'node:http'
import { createRequire } from 'node:module'
import { after } from 'node:test'

import { createNextSessions, type NextRequestFunctions } from '../src/next.ts'
import {
  runScenarios,
  type AdapterHarness,
  type ScenarioApp,
  type ScenarioReply,
} from './support/adapter-scenarios.ts'
import { buildApp, type BuiltNextApp } from './support/next-app.ts'
import { streamOf } from './support/chunk-stream.ts'
import { listenLocal, routeOf } from './support/scenario-node.ts'

/**
 * The custom-server API of `next`, loaded untyped: importing its types would add Next.js's
 * global declarations (a required `process.env.NODE_ENV`) to every test file's compilation.
 */
interface NextServer {
  prepare(): Promise<void>
  getRequestHandler(): (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>
  close(): Promise<void>
}
type CreateNextServer = (options: {
  dev: boolean
  dir: string
  hostname: string
  quiet: boolean
}) => NextServer
const next = createRequire(import.meta.url)('next') as CreateNextServer

const HOOK = Symbol.for('sessionkit.test.next-scenarios')
type Installed = (request: Request, next: NextRequestFunctions) => Promise<Response>
const hooks = globalThis as unknown as Record<typeof HOOK, Installed | undefined>

function statusOf(reply: ScenarioReply): number {
  return reply.status ?? (reply.body !== undefined && 'redirect' in reply.body ? 302 : 200)
}

function bodyOf(reply: ScenarioReply): BodyInit | null {
  const body = reply.body
  if (body === undefined || 'redirect' in body) return null
  if ('text' in body) return body.text
  if ('json' in body) return JSON.stringify(body.json)
  return streamOf(body.stream)
}

/** The reply as a route handler returns it: a `Response` of its own. */
function responseOf(reply: ScenarioReply, url: string): Response {
  const headers = new Headers(reply.headers)
  for (const value of reply.setCookies ?? []) headers.append('Set-Cookie', value)
  const body = reply.body
  if (body !== undefined && 'json' in body) headers.set('Content-Type', 'application/json')
  if (body !== undefined && 'redirect' in body) {
    headers.set('Location', new URL(body.redirect, url).toString())
  }
  return new Response(bodyOf(reply), { status: statusOf(reply), headers })
}

/** What the catch-all route handler runs for one scenario app. */
function installed(app: ScenarioApp): Installed {
  let sessions: ReturnType<typeof createNextSessions> | undefined
  return (request, functions) => {
    // Next.js's own cookies()/headers(), as an app passes them from `next/headers`.
    sessions ??= createNextSessions(functions, {
      onError: app.onError,
      commitOnError: app.commitOnError,
    })
    const current = sessions
    const handler = current.route(async (incoming: Request) => {
      const route = routeOf(app, incoming.url)
      if (route === undefined) return new Response('not found', { status: 404 })
      const session = await current.get(app.store)
      const registry = await current.registry()
      const reply = await route({ session, sessions: registry, method: incoming.method })
      return responseOf(reply, incoming.url)
    })
    return handler(request)
  }
}

let server: Promise<{ url: string; close(): Promise<void> }> | undefined
let built: BuiltNextApp | undefined

function nextServer(): Promise<{ url: string; close(): Promise<void> }> {
  server ??= (async () => {
    built = buildApp('test/fixtures/next-scenario-app')
    const nextApp = next({ dev: false, dir: built.dir, hostname: '127.0.0.1', quiet: true })
    await nextApp.prepare()
    const handle = nextApp.getRequestHandler()
    const started = await listenLocal(
      http.createServer((req, res) => {
        void handle(req, res)
      }),
    )
    return {
      url: started.url ?? '',
      close: async () => {
        await started.close()
        await nextApp.close()
      },
    }
  })()
  return server
}

after(async () => {
  if (server !== undefined) await (await server).close()
  built?.remove()
})

const nextHarness: AdapterHarness = {
  name: 'Next.js 16 (route handlers, next build + custom server)',
  async start(app) {
    const running = await nextServer()
    hooks[HOOK] = installed(app)
    return {
      url: running.url,
      close: () => {
        hooks[HOOK] = undefined
        return Promise.resolve()
      },
    }
  },
}

runScenarios(nextHarness)
