// The Fastify plugin beyond the shared scenarios: registered the way fastify-plugin registers
// (one context for the whole app), beside @fastify/cookie in either order, and store errors
// answered by the app's error handler.
import assert from 'node:assert/strict'
import { afterEach, describe, it } from 'node:test'

import fastifyCookie from '@fastify/cookie'
import Fastify, { type FastifyInstance } from 'fastify'

import { sessions } from '../src/fastify.ts'
import type { Session, SessionStore } from '../src/index.ts'
import { cookiePair, failingStore, makeStore, setCookiesNamed } from './support/adapter-harness.ts'
import type { TestData } from './support/adapter-harness.ts'

function sessionOf(request: object): Session<TestData> {
  return (request as { session: Session<TestData> }).session
}

describe('Fastify plugin', () => {
  const open: FastifyInstance[] = []
  afterEach(async () => {
    await Promise.all(open.splice(0).map((app) => app.close()))
  })
  function app(): FastifyInstance {
    const created = Fastify()
    open.push(created)
    return created
  }

  it('carries the fastify-plugin metadata without depending on fastify-plugin', async () => {
    const record = sessions as unknown as Record<symbol, unknown>
    assert.equal(record[Symbol.for('skip-override')], true)
    assert.equal(record[Symbol.for('fastify.display-name')], 'sessionkit')
    assert.deepEqual(record[Symbol.for('plugin-meta')], { fastify: '5.x', name: 'sessionkit' })
    const server = app()
    await server.register(sessions, { store: makeStore('node') })
    await server.ready()
    assert.equal(server.hasPlugin('sessionkit'), true)
    assert.equal(server.hasRequestDecorator('session'), true)
    assert.equal(server.hasRequestDecorator('sessions'), true)
  })

  it('reaches routes of encapsulated child plugins (skip-override)', async () => {
    const server = app()
    await server.register(sessions, { store: makeStore('node') })
    await server.register((child, _options, done) => {
      child.post('/child/login', async (request) => {
        sessionOf(request).set('note', 'child')
        return Promise.resolve({ ok: true })
      })
      done()
    })
    const response = await server.inject({ method: 'POST', url: '/child/login' })
    assert.equal(response.statusCode, 200)
    const cookies = [response.headers['set-cookie'] ?? []].flat()
    assert.equal(setCookiesNamed(cookies, 'app').length, 1)
  })

  for (const order of ['cookie plugin first', 'cookie plugin last'] as const) {
    it(`keeps @fastify/cookie's reply.setCookie (${order})`, async () => {
      const server = app()
      if (order === 'cookie plugin first') await server.register(fastifyCookie)
      await server.register(sessions, { store: makeStore('web') })
      if (order === 'cookie plugin last') await server.register(fastifyCookie)
      server.post('/', async (request, reply) => {
        sessionOf(request).set('n', 1)
        void reply.setCookie('theme', 'dark', { path: '/' })
        return Promise.resolve('ok')
      })
      const response = await server.inject({ method: 'POST', url: '/' })
      const cookies = [response.headers['set-cookie'] ?? []].flat()
      assert.equal(setCookiesNamed(cookies, 'theme').length, 1, JSON.stringify(cookies))
      assert.equal(setCookiesNamed(cookies, 'app').length, 1, JSON.stringify(cookies))
      assert.equal(response.headers['cache-control'], 'no-store')
    })
  }

  it('a store that fails to load or save is answered by the error handler', async () => {
    const store = makeStore('web')
    const unloadable: SessionStore<TestData> = {
      ...store,
      name: store.name,
      get: () => Promise.reject(new Error('cannot load')),
    }
    for (const [what, broken] of [
      ['load', unloadable],
      ['save', failingStore(store, 'reject')],
    ] as const) {
      const server = app()
      server.setErrorHandler(async (error, _request, reply) => {
        const message = error instanceof Error ? error.message : String(error)
        return reply.code(503).send(`store down: ${message}`)
      })
      await server.register(sessions, { store: broken })
      server.post('/', async (request) => {
        sessionOf(request).set('n', 1)
        return Promise.resolve('saved?')
      })
      const response = await server.inject({ method: 'POST', url: '/' })
      assert.equal(response.statusCode, 503, what)
      assert.match(response.body, /store down/, what)
      assert.deepEqual(setCookiesNamed([response.headers['set-cookie'] ?? []].flat(), 'app'), [])
    }
  })

  it('a named session without a default store', async () => {
    const prefs = makeStore('node', { name: 'prefs' })
    const server = app()
    await server.register(sessions)
    server.get('/', async (request) => {
      const session = await request.sessions.get(prefs)
      return String(session.increment('n'))
    })
    const first = await server.inject('/')
    const pair = cookiePair(
      setCookiesNamed([first.headers['set-cookie'] ?? []].flat(), 'prefs')[0] ?? '',
    )
    const second = await server.inject({ url: '/', headers: { cookie: pair } })
    assert.equal(second.body, '2')
  })
})
