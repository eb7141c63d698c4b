// The Koa middleware beyond the shared scenarios: ctx.cookies (keygrip-signed cookies) kept
// beside ours, and store errors thrown into Koa where the app's error middleware answers.
import assert from 'node:assert/strict'
import http from 'node:http'
import { afterEach, describe, it } from 'node:test'

import Koa, { type Middleware } from 'koa'

import { createServerStore } from '../src/index.ts'
import type { Session, SessionStore } from '../src/index.ts'
import { sessions } from '../src/koa.ts'
import {
  cookiePair,
  failingStore,
  keys,
  makeStore,
  refusingDriver,
  setCookiesNamed,
} from './support/adapter-harness.ts'
import type { TestData } from './support/adapter-harness.ts'
import type { StartedApp } from './support/adapter-scenarios.ts'
import { listenLocal } from './support/scenario-frameworks.ts'

function sessionOf(ctx: object): Session<TestData> {
  return (ctx as { session: Session<TestData> }).session
}

describe('Koa middleware', () => {
  const open: StartedApp[] = []
  afterEach(async () => {
    await Promise.all(open.splice(0).map((app) => app.close()))
  })
  async function start(...middleware: Middleware[]): Promise<string> {
    const app = new Koa({ keys: ['a sufficiently long test key for keygrip'] })
    app.silent = true
    for (const one of middleware) app.use(one)
    const callback = app.callback()
    const started = await listenLocal(
      http.createServer((req, res) => {
        void callback(req, res)
      }),
    )
    open.push(started)
    return started.url ?? ''
  }

  it("keeps ctx.cookies' signed cookies beside ours", async () => {
    const url = await start(sessions({ store: makeStore('web') }), (ctx) => {
      sessionOf(ctx).set('n', 1)
      ctx.cookies.set('theme', 'dark', { signed: true })
      ctx.body = 'ok'
    })
    const cookies = (await fetch(url)).headers.getSetCookie()
    assert.equal(setCookiesNamed(cookies, 'theme').length, 1, JSON.stringify(cookies))
    assert.equal(setCookiesNamed(cookies, 'theme.sig').length, 1, JSON.stringify(cookies))
    assert.equal(setCookiesNamed(cookies, 'app').length, 1, JSON.stringify(cookies))
  })

  it('a failed logout under an error middleware that answers itself still clears the cookie', async () => {
    const { driver, refuse } = refusingDriver()
    const store = createServerStore<TestData>({
      name: 'sid',
      keys,
      driver,
      cookie: { secure: false },
    })
    const errorPage: Middleware = async (ctx, next) => {
      try {
        await next()
      } catch {
        ctx.status = 500
        ctx.body = 'our error page'
      }
    }
    const url = await start(errorPage, sessions({ store }), (ctx) => {
      if (ctx.path === '/logout') sessionOf(ctx).destroy()
      else sessionOf(ctx).set('n', 1)
      ctx.body = 'ok'
    })
    const login = await fetch(url)
    const pair = cookiePair(setCookiesNamed(login.headers.getSetCookie(), 'sid')[0] ?? '')
    refuse(true)
    const response = await fetch(`${url}/logout`, { headers: { cookie: pair } })
    refuse(false)
    assert.equal(response.status, 500)
    assert.equal(await response.text(), 'our error page')
    const [deletion] = setCookiesNamed(response.headers.getSetCookie(), 'sid')
    assert.match(deletion ?? '', /Max-Age=0/)
    assert.equal(response.headers.get('cache-control'), 'no-store')
  })

  it('a store that fails to load or save is thrown into Koa', async () => {
    const store = makeStore('web')
    const unloadable: SessionStore<TestData> = {
      ...store,
      name: store.name,
      get: () => Promise.reject(new Error('cannot load')),
    }
    const answer503: Middleware = async (ctx, next) => {
      try {
        await next()
      } catch (error) {
        ctx.status = 503
        ctx.body = `store down: ${error instanceof Error ? error.message : String(error)}`
      }
    }
    for (const [what, broken] of [
      ['load', unloadable],
      ['save', failingStore(store, 'reject')],
    ] as const) {
      const url = await start(answer503, sessions({ store: broken }), (ctx) => {
        sessionOf(ctx).set('n', 1)
        ctx.body = 'saved?'
      })
      const response = await fetch(url)
      assert.equal(response.status, 503, what)
      assert.match(await response.text(), /store down/, what)
      assert.deepEqual(setCookiesNamed(response.headers.getSetCookie(), 'app'), [], what)
    }
  })

  it('a named session without a default store', async () => {
    const prefs = makeStore('node', { name: 'prefs' })
    const url = await start(sessions(), async (ctx) => {
      const session = await ctx.sessions.get(prefs)
      ctx.body = String(session.increment('n'))
    })
    const first = await fetch(url)
    const pair = cookiePair(setCookiesNamed(first.headers.getSetCookie(), 'prefs')[0] ?? '')
    const second = await fetch(url, { headers: { cookie: pair } })
    assert.equal(await second.text(), '2')
  })
})
