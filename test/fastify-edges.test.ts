// The Fastify plugin against what real apps do around a session change: a hijacked reply, a
// reply ended on reply.raw, an async handler returning a stream, a payload serialized by the
// app, a redirect, the not-found handler, a 5xx sent deliberately, an explicit save followed by
// another change, a change in onResponse, and fastify.inject with repeated Cookie headers.
import assert from 'node:assert/strict'
import { Readable } from 'node:stream'
import { afterEach, describe, it } from 'node:test'

import Fastify, { type FastifyInstance } from 'fastify'

import { HeadersSentError } from '../src/errors.ts'
import { sessions } from '../src/fastify.ts'
import type { Session } from '../src/index.ts'
import {
  cookiePair,
  deferred,
  makeStore,
  onlySetCookie,
  setCookiesNamed,
  within,
} from './support/adapter-harness.ts'
import type { CryptoMode, TestData } from './support/adapter-harness.ts'

function sessionOf(request: object): Session<TestData> {
  return (request as { session: Session<TestData> }).session
}

for (const crypto of ['node', 'web'] as const satisfies CryptoMode[]) {
  describe(`Fastify, crypto ${crypto}: edges`, () => {
    const open: FastifyInstance[] = []
    afterEach(async () => {
      await Promise.all(open.splice(0).map((app) => app.close()))
    })
    const store = makeStore(crypto)
    async function start(
      setup: (app: FastifyInstance) => void,
      onError?: (error: unknown) => void,
    ): Promise<string> {
      const app = Fastify()
      open.push(app)
      await app.register(sessions, { store, ...(onError === undefined ? {} : { onError }) })
      setup(app)
      app.get('/read', (request, reply) => reply.send({ n: sessionOf(request).get('n') ?? null }))
      return app.listen({ host: '127.0.0.1', port: 0 })
    }
    async function readBack(url: string, setCookie: string): Promise<unknown> {
      const response = await fetch(`${url}/read`, { headers: { cookie: cookiePair(setCookie) } })
      return ((await response.json()) as { n: unknown }).n
    }

    it('reply.hijack() after a change: reported to onError, never silently lost', async () => {
      const reported = deferred<unknown>()
      const url = await start(
        (app) => {
          app.get('/', (request, reply) => {
            sessionOf(request).set('n', 1)
            reply.hijack()
            reply.raw.end('raw')
          })
        },
        (error) => {
          reported.resolve(error)
        },
      )
      const response = await fetch(url)
      assert.equal(await response.text(), 'raw')
      assert.ok((await within(reported.promise, 2000, 'onError')) instanceof HeadersSentError)
    })

    it('an async handler returning a stream: the cookie and every chunk', async () => {
      const url = await start((app) => {
        app.get('/', async (request, reply) => {
          sessionOf(request).set('n', 2)
          await new Promise((resolve) => setImmediate(resolve))
          reply.type('text/plain')
          return Readable.from(['a', 'b', 'c'])
        })
      })
      const response = await fetch(url)
      assert.equal(await response.text(), 'abc')
      assert.equal(await readBack(url, onlySetCookie(response.headers.getSetCookie(), 'app')), 2)
    })

    it('a payload the app serialized itself, and a redirect, carry the cookie', async () => {
      const url = await start((app) => {
        app.get('/json', (request, reply) => {
          sessionOf(request).set('n', 3)
          reply.type('application/json').send(JSON.stringify({ ok: true }))
        })
        app.get('/go', (request, reply) => {
          sessionOf(request).set('n', 4)
          return reply.redirect('/read', 303)
        })
      })
      const json = await fetch(`${url}/json`)
      assert.deepEqual(await json.json(), { ok: true })
      assert.equal(await readBack(url, onlySetCookie(json.headers.getSetCookie(), 'app')), 3)
      const go = await fetch(`${url}/go`, { redirect: 'manual' })
      assert.equal(go.status, 303)
      assert.equal(await readBack(url, onlySetCookie(go.headers.getSetCookie(), 'app')), 4)
    })

    it('the not-found handler can change the session', async () => {
      const url = await start((app) => {
        app.setNotFoundHandler((request, reply) => {
          sessionOf(request).set('n', 5)
          return reply.code(404).send('none')
        })
      })
      const response = await fetch(`${url}/nowhere`)
      assert.equal(response.status, 404)
      assert.equal(await readBack(url, onlySetCookie(response.headers.getSetCookie(), 'app')), 5)
    })

    it('a thrown error answered by the error handler saves nothing', async () => {
      const url = await start((app) => {
        app.setErrorHandler((_error, _request, reply) => reply.code(500).send({ error: 'x' }))
        app.get('/', (request) => {
          sessionOf(request).set('n', 6)
          throw new Error('boom')
        })
      })
      const response = await fetch(url)
      assert.equal(response.status, 500)
      assert.deepEqual(setCookiesNamed(response.headers.getSetCookie(), 'app'), [])
    })

    it('an explicit save, then another change: one cookie with the last value', async () => {
      const url = await start((app) => {
        app.get('/', async (request) => {
          sessionOf(request).set('n', 1)
          await request.sessions.save()
          sessionOf(request).set('n', 7)
          return 'ok'
        })
      })
      const response = await fetch(url)
      assert.equal(await readBack(url, onlySetCookie(response.headers.getSetCookie(), 'app')), 7)
    })

    it('a change in onResponse is reported to onError', async () => {
      const reported = deferred<unknown>()
      const url = await start(
        (app) => {
          app.addHook('onResponse', async (request) => {
            if (request.url === '/late') sessionOf(request).set('n', 8)
            return Promise.resolve()
          })
          app.get('/late', (_request, reply) => reply.send('ok'))
        },
        (error) => {
          reported.resolve(error)
        },
      )
      const response = await fetch(`${url}/late`)
      assert.equal(await response.text(), 'ok')
      assert.deepEqual(setCookiesNamed(response.headers.getSetCookie(), 'app'), [])
      assert.ok((await within(reported.promise, 2000, 'onError')) instanceof HeadersSentError)
    })

    it('fastify.inject with repeated Cookie headers finds the session', async () => {
      const app = Fastify()
      open.push(app)
      await app.register(sessions, { store })
      app.get('/login', (request, reply) => {
        sessionOf(request).set('n', 9)
        return reply.send('ok')
      })
      app.get('/read', (request, reply) => reply.send({ n: sessionOf(request).get('n') ?? null }))
      const login = await app.inject({ url: '/login' })
      const raw = login.headers['set-cookie']
      const cookies = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]
      const real = cookiePair(onlySetCookie(cookies, 'app'))
      const read = await app.inject({
        url: '/read',
        headers: { cookie: ['a=1', real, 'b=2'] },
      })
      assert.deepEqual(read.json(), { n: 9 })
    })
  })
}
