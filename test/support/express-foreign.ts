// Express apps whose responses leave the prototype chain sessions() saw, and apps with two
// copies of this package, each run in a fresh process (`node express-foreign.js <scenario>`):
// what is installed on the first request must not depend on what an earlier test did. Prints
// what a client saw, as JSON, for the test to assert.
import { cpSync, mkdtempSync } from 'node:fs'
import http from 'node:http'
import { dirname, join } from 'node:path'
import process from 'node:process'
import { fileURLToPath, pathToFileURL } from 'node:url'

import compression from 'compression'
import express, { type Express, type NextFunction, type Request, type Response } from 'express'
import express4 from 'express4'

import { sessions } from '../../src/express.ts'
import * as sessionkit from '../../src/index.ts'
import type { Session, SessionStore } from '../../src/index.ts'
import { keys, onlySetCookie } from './adapter-harness.ts'
import type { TestData } from './adapter-harness.ts'

type App = Express | ReturnType<typeof express4>
type Sessions = typeof sessions
type Kit = typeof sessionkit

/** What a client saw: the page, and for each cookie the value read back with it. */
export interface Observed {
  readonly status: number
  readonly body: string
  readonly encoding: string | null
  readonly readBack: Record<string, unknown>
}

export const SCENARIOS = [
  'express5-parent-express4-sub',
  'express4-parent-express5-sub',
  'express5-parent-express4-sub-async-store',
  'express5-parent-express4-sub-set-in-parent',
  'two-copies',
  'two-copies-async-store',
  'compression-after-sessions-async-store',
] as const
export type Scenario = (typeof SCENARIOS)[number]

function sessionOf(req: Request, name = 'session'): Session<TestData> {
  const session = (req as unknown as Record<string, Session<TestData> | undefined>)[name]
  if (session === undefined) throw new Error(`no session on req.${name}`)
  return session
}

// Each copy's own key ring: a ring is its copy's class.
function keysOf(kit: Kit): sessionkit.KeyRing {
  return kit === sessionkit ? keys : kit.createKeyRing([{ id: 'k1', secret: kit.generateKey() }])
}

function cookieStore(kit: Kit, name: string): SessionStore<TestData> {
  return kit.createCookieStore<TestData>({ name, keys: keysOf(kit), crypto: 'node' })
}

function serverStore(kit: Kit, name: string): SessionStore<TestData> {
  const driver = kit.createMemoryDriver()
  return kit.createServerStore<TestData>({ name, keys: keysOf(kit), driver })
}

// A second copy of the package, as a second install would be: the same files elsewhere.
async function secondCopy(): Promise<{ kit: Kit; sessions: Sessions }> {
  const src = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src')
  const copy = mkdtempSync(join(src, '..', 'second-copy-'))
  cpSync(src, copy, { recursive: true })
  const kit = (await import(pathToFileURL(join(copy, 'index.js')).href)) as Kit
  const adapter = (await import(pathToFileURL(join(copy, 'express.js')).href)) as {
    sessions: Sessions
  }
  return { kit, sessions: adapter.sessions }
}

// Reads back cookie `?cookie=` through the request property its session is on.
function readRoute(app: App, properties: Readonly<Record<string, string>>): void {
  app.get('/read', (req: Request, res: Response) => {
    const cookie = req.query['cookie']
    const property = (typeof cookie === 'string' ? properties[cookie] : undefined) ?? 'session'
    res.json({ n: sessionOf(req, property).get('n') ?? null })
  })
}

async function readCookie(url: string, name: string, setCookie: string): Promise<unknown> {
  const pair = setCookie.slice(0, setCookie.indexOf(';'))
  const response = await fetch(`${url}/read?cookie=${name}`, { headers: { cookie: pair } })
  return ((await response.json()) as { n: unknown }).n
}

// A sub-app of another Express copy called as a plain function (not mounted): its init gives
// the response its own copy's prototype chain, one sessions() never saw.
function foreignSub(
  parent: 'express5' | 'express4',
  storeKind: 'cookie' | 'server',
  setIn: 'sub' | 'parent',
): App {
  const app: App = parent === 'express5' ? express() : express4()
  const sub: App = parent === 'express5' ? express4() : express()
  app.use(
    sessions({ store: (storeKind === 'cookie' ? cookieStore : serverStore)(sessionkit, 'app') }),
  )
  readRoute(app, { app: 'session' })
  if (setIn === 'parent') {
    app.use((req: Request, _res: Response, next: NextFunction) => {
      sessionOf(req).set('n', 21)
      next()
    })
  }
  app.use((req: Request, res: Response, next: NextFunction) => {
    sub(req, res, next)
  })
  sub.get('/', (req: Request, res: Response) => {
    if (setIn === 'sub') sessionOf(req).set('n', 20)
    res.send('from the sub-app')
  })
  return app
}

async function twoCopies(storeKind: 'cookie' | 'server'): Promise<App> {
  const second = await secondCopy()
  const app = express()
  app.use(sessions({ store: cookieStore(sessionkit, 'app') }))
  app.use((req: Request, _res: Response, next: NextFunction) => {
    const named = req as unknown as Record<string, unknown>
    named['appSession'] = named['session']
    next()
  })
  // The second copy's session (req.session is the last sessions()'s).
  app.use(
    second.sessions({
      store: (storeKind === 'cookie' ? cookieStore : serverStore)(second.kit, 'other'),
    }),
  )
  readRoute(app, { app: 'appSession', other: 'session' })
  app.get('/', (req: Request, res: Response) => {
    sessionOf(req, 'appSession').set('n', 30)
    sessionOf(req).set('n', 31)
    res.send('two copies')
  })
  return app
}

function compressed(): App {
  const app = express()
  app.use(sessions({ store: serverStore(sessionkit, 'app') }))
  app.use(compression({ threshold: 0 }))
  readRoute(app, { app: 'session' })
  app.get('/', (req: Request, res: Response) => {
    sessionOf(req).set('n', 40)
    res.setHeader('Content-Type', 'text/plain')
    res.write('first part, ')
    res.write('second part, ')
    res.end('and the end')
  })
  return app
}

async function appFor(scenario: Scenario): Promise<{ app: App; cookies: readonly string[] }> {
  switch (scenario) {
    case 'express5-parent-express4-sub':
      return { app: foreignSub('express5', 'cookie', 'sub'), cookies: ['app'] }
    case 'express4-parent-express5-sub':
      return { app: foreignSub('express4', 'cookie', 'sub'), cookies: ['app'] }
    case 'express5-parent-express4-sub-async-store':
      return { app: foreignSub('express5', 'server', 'sub'), cookies: ['app'] }
    case 'express5-parent-express4-sub-set-in-parent':
      return { app: foreignSub('express5', 'cookie', 'parent'), cookies: ['app'] }
    case 'two-copies':
      return { app: await twoCopies('cookie'), cookies: ['app', 'other'] }
    case 'two-copies-async-store':
      return { app: await twoCopies('server'), cookies: ['app', 'other'] }
    case 'compression-after-sessions-async-store':
      return { app: compressed(), cookies: ['app'] }
  }
}

/** Runs `scenario` on a server of its own: two requests, each cookie read back after each. */
export async function observe(scenario: Scenario): Promise<Observed[]> {
  const { app, cookies } = await appFor(scenario)
  const server = http.createServer(app)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const url = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`
  try {
    const seen: Observed[] = []
    for (let i = 0; i < 2; i++) {
      const response = await fetch(url, { headers: { 'accept-encoding': 'gzip' } })
      const setCookies = response.headers.getSetCookie()
      const values: Record<string, unknown> = {}
      for (const name of cookies) {
        const found = setCookies.some((value) => value.startsWith(`${name}=`))
        values[name] = found
          ? await readCookie(url, name, onlySetCookie(setCookies, name))
          : 'no cookie'
      }
      seen.push({
        status: response.status,
        body: await response.text(),
        encoding: response.headers.get('content-encoding'),
        readBack: values,
      })
    }
    return seen
  } finally {
    server.close()
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const scenario = process.argv[2] as Scenario
  process.stdout.write(JSON.stringify(await observe(scenario)))
}
