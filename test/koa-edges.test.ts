// The Koa middleware against what real apps do around a session change: a streamed body,
// ctx.respond = false, an error thrown after ctx.body was set, ctx.throw(401), a redirect, a
// change after the response by a middleware mounted before ours, HEAD, an explicit save
// followed by another change, and concurrent requests with the same cookie.
import assert from 'node:assert/strict'
import http from 'node:http'
import { Readable } from 'node:stream'
import { afterEach, describe, it } from 'node:test'

import Koa, { type Middleware } from 'koa'

import { HeadersSentError } from '../src/errors.ts'
import type { Session, SessionStore } from '../src/index.ts'
import { sessions } from '../src/koa.ts'
import {
  cookiePair,
  deferred,
  makeStore,
  onlySetCookie,
  setCookiesNamed,
  within,
} from './support/adapter-harness.ts'
import type { CryptoMode, TestData } from './support/adapter-harness.ts'
import type { StartedApp } from './support/adapter-scenarios.ts'
import { listenLocal } from './support/scenario-frameworks.ts'

function sessionOf(ctx: object): Session<TestData> {
  return (ctx as { session: Session<TestData> }).session
}

for (const crypto of ['node', 'web'] as const satisfies CryptoMode[]) {
  describe(`Koa, crypto ${crypto}: edges`, () => {
    const open: StartedApp[] = []
    afterEach(async () => {
      await Promise.all(open.splice(0).map((app) => app.close()))
    })
    const store = makeStore(crypto)
    async function start(
      route: Middleware,
      options: { before?: Middleware; onError?: (error: unknown) => void } = {},
    ): Promise<string> {
      const app = new Koa()
      app.silent = true
      if (options.before !== undefined) app.use(options.before)
      app.use(
        sessions({ store, ...(options.onError === undefined ? {} : { onError: options.onError }) }),
      )
      app.use(async (ctx, next) => {
        if (ctx.path === '/read') ctx.body = { n: sessionOf(ctx).get('n') ?? null }
        else await next()
      })
      app.use(route)
      const callback = app.callback()
      const started = await listenLocal(
        http.createServer((req, res) => {
          void callback(req, res)
        }),
      )
      open.push(started)
      return started.url ?? ''
    }
    async function readBack(url: string, setCookie: string): Promise<unknown> {
      const response = await fetch(`${url}/read`, { headers: { cookie: cookiePair(setCookie) } })
      return ((await response.json()) as { n: unknown }).n
    }

    it('ctx.body = stream: the cookie and every chunk', async () => {
      const url = await start((ctx) => {
        sessionOf(ctx).set('n', 1)
        ctx.type = 'text/plain'
        ctx.body = Readable.from(['a', 'b', 'c'])
      })
      const response = await fetch(url)
      assert.equal(await response.text(), 'abc')
      assert.equal(await readBack(url, onlySetCookie(response.headers.getSetCookie(), 'app')), 1)
    })

    it('ctx.respond = false, the raw response written before next() returns: reported', async () => {
      const reported = deferred<unknown>()
      const url = await start(
        (ctx) => {
          sessionOf(ctx).set('n', 2)
          ctx.respond = false
          ctx.res.statusCode = 200
          ctx.res.end('raw')
        },
        {
          onError: (error) => {
            reported.resolve(error)
          },
        },
      )
      const response = await fetch(url)
      assert.equal(response.status, 200)
      assert.equal(await response.text(), 'raw')
      assert.deepEqual(setCookiesNamed(response.headers.getSetCookie(), 'app'), [])
      assert.ok((await within(reported.promise, 2000, 'onError')) instanceof HeadersSentError)
    })

    it('ctx.respond = false, the raw response written while the save runs: reported', async () => {
      const reported = deferred<unknown>()
      const release = deferred<undefined>()
      const slow: SessionStore<TestData> = {
        name: store.name,
        get: (header) => store.get(header),
        create: () => store.create(),
        save: async (session) => {
          await release.promise
          return store.save(session)
        },
        destroy: (session) => store.destroy(session),
      }
      const app = new Koa()
      app.silent = true
      app.use(
        sessions({
          store: slow,
          onError: (error) => {
            reported.resolve(error)
          },
        }),
      )
      app.use((ctx) => {
        sessionOf(ctx).set('n', 3)
        ctx.respond = false
        const res = ctx.res
        setImmediate(() => {
          res.end('raw')
        })
      })
      const callback = app.callback()
      const started = await listenLocal(
        http.createServer((req, res) => {
          void callback(req, res)
        }),
      )
      open.push(started)
      const response = await fetch(started.url ?? '')
      assert.equal(await response.text(), 'raw')
      assert.deepEqual(setCookiesNamed(response.headers.getSetCookie(), 'app'), [])
      release.resolve(undefined)
      assert.ok((await within(reported.promise, 2000, 'onError')) instanceof HeadersSentError)
    })

    it('an error thrown after ctx.body was set: Koa answers 500, nothing saved', async () => {
      const url = await start((ctx) => {
        sessionOf(ctx).set('n', 3)
        ctx.body = 'almost'
        throw new Error('boom')
      })
      const response = await fetch(url)
      assert.equal(response.status, 500)
      assert.deepEqual(setCookiesNamed(response.headers.getSetCookie(), 'app'), [])
    })

    it('ctx.throw(401) after a change: the 401 goes out, the change is not saved', async () => {
      const url = await start((ctx) => {
        sessionOf(ctx).set('n', 4)
        ctx.throw(401, 'who are you')
      })
      const response = await fetch(url)
      assert.equal(response.status, 401)
      assert.equal(await response.text(), 'who are you')
      assert.deepEqual(setCookiesNamed(response.headers.getSetCookie(), 'app'), [])
    })

    it('ctx.redirect carries the cookie; HEAD carries it without a body', async () => {
      const url = await start((ctx) => {
        sessionOf(ctx).set('n', 5)
        if (ctx.path === '/go') ctx.redirect('/read')
        else ctx.body = 'body'
      })
      const go = await fetch(`${url}/go`, { redirect: 'manual' })
      assert.equal(go.status, 302)
      assert.equal(await readBack(url, onlySetCookie(go.headers.getSetCookie(), 'app')), 5)
      const head = await fetch(url, { method: 'HEAD' })
      assert.equal(head.status, 200)
      assert.equal(await head.text(), '')
      assert.equal(await readBack(url, onlySetCookie(head.headers.getSetCookie(), 'app')), 5)
    })

    it('a change after our commit (a middleware mounted before ours) is reported', async () => {
      const reported = deferred<unknown>()
      const url = await start(
        (ctx) => {
          ctx.body = 'ok'
        },
        {
          before: async (ctx, next) => {
            await next()
            sessionOf(ctx).set('n', 6)
          },
          onError: (error) => {
            reported.resolve(error)
          },
        },
      )
      const response = await fetch(url)
      assert.equal(await response.text(), 'ok')
      assert.deepEqual(setCookiesNamed(response.headers.getSetCookie(), 'app'), [])
      assert.ok((await within(reported.promise, 2000, 'onError')) instanceof HeadersSentError)
    })

    it('an explicit save, then another change: one cookie with the last value', async () => {
      const url = await start(async (ctx) => {
        sessionOf(ctx).set('n', 1)
        await ctx.sessions.save()
        sessionOf(ctx).set('n', 7)
        ctx.body = 'ok'
      })
      const response = await fetch(url)
      assert.equal(await readBack(url, onlySetCookie(response.headers.getSetCookie(), 'app')), 7)
    })

    it('concurrent requests with the same cookie each answer with their own change', async () => {
      const url = await start(async (ctx) => {
        const n = Number(ctx.query['n'])
        await new Promise((resolve) => setTimeout(resolve, 5 * (n % 3)))
        sessionOf(ctx).set('n', n)
        ctx.body = String(n)
      })
      const login = await fetch(`${url}/?n=0`)
      const cookie = cookiePair(onlySetCookie(login.headers.getSetCookie(), 'app'))
      const answers = await Promise.all(
        Array.from({ length: 12 }, async (_, n) => {
          const response = await fetch(`${url}/?n=${n}`, { headers: { cookie } })
          return readBack(url, onlySetCookie(response.headers.getSetCookie(), 'app'))
        }),
      )
      assert.deepEqual(
        answers,
        Array.from({ length: 12 }, (_, n) => n),
      )
    })
  })
}
