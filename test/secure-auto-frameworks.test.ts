// `secure: 'auto'` under Express, Koa and Fastify follows each framework's own reading of the
// request (req.secure / ctx.secure / request.protocol), so their own trust-proxy settings
// decide whether X-Forwarded-Proto counts: never unless the app trusts its proxy.
import assert from 'node:assert/strict'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, it } from 'node:test'
import express from 'express'
import Fastify from 'fastify'
import Koa from 'koa'

import { createCookieStore, createKeyRing, type SessionStore } from '../src/index.ts'
import { sessions as expressSessions } from '../src/express.ts'
import { sessions as fastifySessions } from '../src/fastify.ts'
import { sessions as koaSessions } from '../src/koa.ts'
import { parseSetCookie } from '../src/testing.ts'
import { KEY_A } from './support/keys.ts'

const keys = createKeyRing([{ id: 'k1', secret: KEY_A }])

function autoStore(): SessionStore {
  return createCookieStore({ name: 'auto', keys, cookie: { secure: 'auto' } })
}

interface Started {
  readonly url: string
  close(): Promise<void>
}

async function listen(server: http.Server): Promise<Started> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => {
          resolve()
        })
      }),
  }
}

/** Whether the session cookie of a plain-HTTP request carried `Secure`. */
async function secureFlag(app: Started, forwardedProto?: string): Promise<boolean> {
  const headers: Record<string, string> = {}
  if (forwardedProto !== undefined) headers['x-forwarded-proto'] = forwardedProto
  const response = await fetch(app.url, { headers })
  assert.equal(response.status, 200)
  const lines = response.headers.getSetCookie()
  assert.equal(lines.length, 1)
  return parseSetCookie(lines[0] ?? '').attributes.has('secure')
}

function startExpress(trustProxy: boolean): Promise<Started> {
  const app = express()
  app.set('trust proxy', trustProxy)
  const store = autoStore()
  app.use(expressSessions())
  app.get('/', (req, res, next) => {
    req.sessions.get(store).then((session) => {
      session.set('visits', 1)
      res.send('ok')
    }, next)
  })
  return listen(http.createServer(app))
}

function startKoa(trustProxy: boolean): Promise<Started> {
  const app = new Koa({ proxy: trustProxy })
  const store = autoStore()
  app.use(koaSessions({ store }))
  app.use(async (ctx) => {
    const session = await ctx.sessions.get(store)
    session.set('visits', 1)
    ctx.body = 'ok'
  })
  const callback = app.callback()
  return listen(
    http.createServer((req, res) => {
      void callback(req, res)
    }),
  )
}

async function startFastify(trustProxy: boolean): Promise<Started> {
  const app = Fastify({ trustProxy })
  const store = autoStore()
  await app.register(fastifySessions, { store })
  app.get('/', async (request) => {
    const session = await request.sessions.get(store)
    session.set('visits', 1)
    return 'ok'
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}/`, close: () => app.close() }
}

const frameworks: [string, (trustProxy: boolean) => Promise<Started>][] = [
  ['Express', startExpress],
  ['Koa', startKoa],
  ['Fastify', startFastify],
]

for (const [name, start] of frameworks) {
  describe(`secure: 'auto' under ${name}`, () => {
    it('is not Secure over plain HTTP, and a forwarded https counts only with trust', async () => {
      const untrusting = await start(false)
      try {
        assert.equal(await secureFlag(untrusting), false)
        assert.equal(await secureFlag(untrusting, 'https'), false)
      } finally {
        await untrusting.close()
      }
      const trusting = await start(true)
      try {
        assert.equal(await secureFlag(trusting, 'https'), true)
        assert.equal(await secureFlag(trusting, 'http'), false)
      } finally {
        await trusting.close()
      }
    })
  })
}
