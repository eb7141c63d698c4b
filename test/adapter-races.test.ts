// Express, Fastify and Koa with a server-side store: a logout that completes while another
// request of the same session is still running never brings the session back, and a store
// whose get throws synchronously goes to the framework's error path.
import assert from 'node:assert/strict'
import http from 'node:http'
import { afterEach, describe, it } from 'node:test'

import express from 'express'
import Fastify from 'fastify'
import Koa from 'koa'

import { sessions as expressSessions } from '../src/express.ts'
import { sessions as fastifySessions } from '../src/fastify.ts'
import { createMemoryDriver, createServerStore, type Session } from '../src/index.ts'
import type { SessionStore } from '../src/index.ts'
import type { SessionDriver } from '../src/core/driver.ts'
import { sessions as koaSessions } from '../src/koa.ts'
import { cookiePair, deferred, keys, onlySetCookie } from './support/adapter-harness.ts'
import type { TestData } from './support/adapter-harness.ts'
import type { StartedApp } from './support/adapter-scenarios.ts'
import { listenLocal } from './support/scenario-frameworks.ts'

/** What a route does with the request's session; its result is the JSON body. */
type Route = (session: Session<TestData>) => Promise<unknown>
type Routes = Record<string, Route>

function sessionOf(carrier: object): Session<TestData> {
  return (carrier as { session: Session<TestData> }).session
}

const frameworks: Record<
  string,
  (store: SessionStore<TestData>, routes: Routes) => Promise<StartedApp>
> = {
  'Express 5': (store, routes) => {
    const app = express()
    app.set('env', 'test')
    app.use(expressSessions({ store }))
    for (const [path, route] of Object.entries(routes)) {
      app.get(path, async (req, res) => {
        res.json(await route(sessionOf(req)))
      })
    }
    return listenLocal(http.createServer(app))
  },
  'Fastify 5': async (store, routes) => {
    const app = Fastify()
    await app.register(fastifySessions, { store })
    for (const [path, route] of Object.entries(routes)) {
      app.get(path, (request) => route(sessionOf(request)))
    }
    await app.listen({ host: '127.0.0.1', port: 0 })
    const address = app.server.address()
    if (address === null || typeof address === 'string') throw new Error('no TCP address')
    return { url: `http://127.0.0.1:${address.port}`, close: () => app.close() }
  },
  'Koa 3': (store, routes) => {
    const app = new Koa()
    app.silent = true
    app.use(koaSessions({ store }))
    app.use(async (ctx) => {
      const route = routes[ctx.path]
      if (route !== undefined) ctx.body = await route(sessionOf(ctx))
    })
    const callback = app.callback()
    return listenLocal(
      http.createServer((req, res) => {
        void callback(req, res)
      }),
    )
  },
}

for (const [name, start] of Object.entries(frameworks)) {
  describe(`${name}: races and store faults`, () => {
    const open: StartedApp[] = []
    afterEach(async () => {
      await Promise.all(open.splice(0).map((app) => app.close()))
    })

    it('a logout that completes during another request: the session stays gone', async () => {
      const store = createServerStore<TestData>({
        name: 'sid',
        keys,
        driver: createMemoryDriver({ sweepInterval: 0 }),
      })
      const loaded = deferred<undefined>()
      const proceed = deferred<undefined>()
      const app = await start(store, {
        '/login': async (session) => {
          session.set('n', 1)
          return Promise.resolve({ ok: true })
        },
        '/read': async (session) => Promise.resolve({ n: session.get('n') ?? null }),
        '/logout': async (session) => {
          session.destroy()
          return Promise.resolve({ ok: true })
        },
        '/slow': async (session) => {
          loaded.resolve(undefined)
          await proceed.promise
          session.set('note', 'written after the logout')
          return { n: session.get('n') ?? null }
        },
      })
      open.push(app)
      const url = app.url ?? ''
      const login = await fetch(`${url}/login`)
      const cookie = cookiePair(onlySetCookie(login.headers.getSetCookie(), 'sid'))
      const slow = fetch(`${url}/slow`, { headers: { cookie } })
      await loaded.promise
      const logout = await fetch(`${url}/logout`, { headers: { cookie } })
      assert.equal(logout.status, 200)
      proceed.resolve(undefined)
      const late = await slow
      await late.arrayBuffer()
      const read = await fetch(`${url}/read`, { headers: { cookie } })
      assert.deepEqual(await read.json(), { n: null })
      for (const setCookie of late.headers.getSetCookie()) {
        const again = await fetch(`${url}/read`, { headers: { cookie: cookiePair(setCookie) } })
        assert.deepEqual(await again.json(), { n: null }, setCookie)
      }
    })

    for (const stage of ['load', 'save'] as const) {
      it(`a store that hangs at ${stage}: a timeout error response, no fresh cookie`, async () => {
        const inner = createMemoryDriver({ sweepInterval: 0 })
        let hang = false
        const never = new Promise<never>(() => undefined)
        const driver: SessionDriver = {
          ...inner,
          capabilities: inner.capabilities,
          get: (id, now) => (hang && stage === 'load' ? never : inner.get(id, now)),
          update: (id, patch, now) =>
            hang && stage === 'save' ? never : inner.update(id, patch, now),
          close: () => inner.close(),
        }
        const store = createServerStore<TestData>({ name: 'sid', keys, driver, timeout: 50 })
        const app = await start(store, {
          '/login': async (session) => {
            session.set('n', 1)
            return Promise.resolve({ ok: true })
          },
          '/change': async (session) => {
            session.set('n', 2)
            return Promise.resolve({ n: 2 })
          },
          '/read': async (session) => Promise.resolve({ n: session.get('n') ?? null }),
        })
        open.push(app)
        const url = app.url ?? ''
        const login = await fetch(`${url}/login`)
        const cookie = cookiePair(onlySetCookie(login.headers.getSetCookie(), 'sid'))
        hang = true
        const response = await fetch(`${url}/change`, { headers: { cookie } })
        assert.equal(response.status, 500)
        assert.deepEqual(response.headers.getSetCookie(), [])
        hang = false
        const read = await fetch(`${url}/read`, { headers: { cookie } })
        assert.deepEqual(await read.json(), { n: 1 })
      })
    }

    it('a store whose get throws synchronously: an error response, the server lives', async () => {
      const inner = createServerStore<TestData>({
        name: 'sid',
        keys,
        driver: createMemoryDriver({ sweepInterval: 0 }),
      })
      const broken: SessionStore<TestData> = {
        name: inner.name,
        get: () => {
          throw new Error('cannot load')
        },
        create: () => inner.create(),
        save: (session) => inner.save(session),
        destroy: (session) => inner.destroy(session),
      }
      const app = await start(broken, {
        '/': async () => Promise.resolve({ reached: true }),
      })
      open.push(app)
      for (let i = 0; i < 2; i++) {
        const response = await fetch(app.url ?? '', { headers: { cookie: 'sid=x' } })
        assert.equal(response.status, 500)
        assert.deepEqual(response.headers.getSetCookie(), [])
      }
    })
  })
}
