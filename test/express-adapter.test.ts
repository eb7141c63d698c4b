// The Express adapter beyond the shared scenarios: store errors reach Express's error path
// (next(err)) on Express 4 and 5, what counts as a failed request, and a registry without a
// default store.
import assert from 'node:assert/strict'
import http from 'node:http'
import { afterEach, describe, it } from 'node:test'

import express, { type ErrorRequestHandler, type Express, type Request } from 'express'
import express4 from 'express4'

import { sessions } from '../src/express.ts'
import type { Session, SessionStore } from '../src/index.ts'
import { cookiePair, failingStore, makeStore, setCookiesNamed } from './support/adapter-harness.ts'
import type { TestData } from './support/adapter-harness.ts'
import { listenLocal } from './support/scenario-frameworks.ts'
import type { StartedApp } from './support/adapter-scenarios.ts'

function sessionOf(req: Request): Session<TestData> {
  return (req as unknown as { session: Session<TestData> }).session
}

// Four parameters make it an error handler for Express.
// eslint-disable-next-line @typescript-eslint/no-unused-vars
const answer503: ErrorRequestHandler = (error: unknown, _req, res, _next) => {
  res.status(503).send(`store down: ${error instanceof Error ? error.message : String(error)}`)
}

for (const [name, create] of [
  ['Express 5', () => express()],
  ['Express 4', () => express4()],
] as const) {
  describe(name, () => {
    const open: StartedApp[] = []
    afterEach(async () => {
      await Promise.all(open.splice(0).map((app) => app.close()))
    })
    async function start(setup: (app: Express) => void): Promise<string> {
      const app = create()
      app.set('env', 'test')
      setup(app)
      const started = await listenLocal(http.createServer(app))
      open.push(started)
      return started.url ?? ''
    }

    it('a store that fails to load goes to next(err): the app answers', async () => {
      const store = makeStore('web')
      const broken: SessionStore<TestData> = {
        ...store,
        name: store.name,
        get: () => Promise.reject(new Error('cannot load')),
      }
      const url = await start((app) => {
        app.use(sessions({ store: broken }))
        app.get('/', (_req, res) => {
          res.send('unreachable')
        })
        app.use(answer503)
      })
      const response = await fetch(url)
      assert.equal(response.status, 503)
      assert.equal(await response.text(), 'store down: cannot load')
    })

    for (const mode of ['throw', 'reject'] as const) {
      it(`a save that fails (${mode}) before the headers goes to next(err)`, async () => {
        const url = await start((app) => {
          app.use(sessions({ store: failingStore(makeStore('node'), mode) }))
          app.get('/', (req, res) => {
            sessionOf(req).set('n', 1)
            res.send('saved?')
          })
          app.use(answer503)
        })
        const response = await fetch(url)
        assert.equal(response.status, 503)
        assert.match(await response.text(), /store down: .*backend unavailable/)
        assert.deepEqual(setCookiesNamed(response.headers.getSetCookie(), 'app'), [])
      })
    }

    it('a 5xx the app sends itself saves nothing; a 4xx saves (the documented rule)', async () => {
      const url = await start((app) => {
        app.use(sessions({ store: makeStore('web') }))
        app.post('/:status', (req, res) => {
          sessionOf(req).set('note', req.params.status)
          res.status(Number(req.params.status)).send('done')
        })
      })
      const failed = await fetch(`${url}/503`, { method: 'POST' })
      assert.equal(failed.status, 503)
      assert.deepEqual(setCookiesNamed(failed.headers.getSetCookie(), 'app'), [])
      const refused = await fetch(`${url}/403`, { method: 'POST' })
      assert.equal(refused.status, 403)
      assert.equal(setCookiesNamed(refused.headers.getSetCookie(), 'app').length, 1)
    })

    it('without a default store: req.sessions gives any named session', async () => {
      const prefs = makeStore('node', { name: 'prefs' })
      const url = await start((app) => {
        app.use(sessions())
        app.get('/', async (req, res, next) => {
          try {
            const session = await req.sessions.get(prefs)
            session.increment('n')
            res.send(String(session.getInt('n')))
          } catch (error) {
            next(error)
          }
        })
      })
      const first = await fetch(url)
      const pair = cookiePair(setCookiesNamed(first.headers.getSetCookie(), 'prefs')[0] ?? '')
      const second = await fetch(url, { headers: { cookie: pair } })
      assert.equal(await second.text(), '2')
    })
  })
}
