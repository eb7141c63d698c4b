// The Express adapter against what real apps do around a session change: files sent with
// res.sendFile / res.download, a response ended from a later tick, next('route'), an error
// handler that answers with a 5xx, an app cookie named like the session cookie, an explicit
// save followed by another change, and a Cookie header of thousands of cookies.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { after, afterEach, before, describe, it } from 'node:test'

import express, {
  type ErrorRequestHandler,
  type Express,
  type Request,
  type Response,
} from 'express'
import express4 from 'express4'

import { sessions } from '../src/express.ts'
import { getSessions } from '../src/node.ts'
import type { Session } from '../src/index.ts'
import {
  cookiePair,
  failingStore,
  makeStore,
  onlySetCookie,
  readBack,
  setCookiesNamed,
} from './support/adapter-harness.ts'
import type { CryptoMode, TestData } from './support/adapter-harness.ts'
import type { StartedApp } from './support/adapter-scenarios.ts'
import { listenLocal } from './support/scenario-frameworks.ts'

function sessionOf(req: Request): Session<TestData> {
  return (req as unknown as { session: Session<TestData> }).session
}

// Four parameters make it an error handler for Express.
// eslint-disable-next-line @typescript-eslint/no-unused-vars
const answer500: ErrorRequestHandler = (_error: unknown, _req, res, _next) => {
  res.status(500).json({ error: 'failed' })
}

let dir = ''
let file = ''
const fileBody = 'x'.repeat(100_000)
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sk-express-edges-'))
  file = path.join(dir, 'report.txt')
  fs.writeFileSync(file, fileBody)
})
after(() => {
  fs.rmSync(dir, { recursive: true, force: true })
})

for (const [name, create] of [
  ['Express 5', () => express()],
  ['Express 4', () => express4()],
] as const) {
  for (const crypto of ['node', 'web'] as const satisfies CryptoMode[]) {
    describe(`${name}, crypto ${crypto}: edges`, () => {
      const open: StartedApp[] = []
      afterEach(async () => {
        await Promise.all(open.splice(0).map((app) => app.close()))
      })
      const store = makeStore(crypto)
      async function start(setup: (app: Express) => void): Promise<string> {
        const app = create()
        app.set('env', 'test')
        app.use(sessions({ store }))
        setup(app)
        app.get('/read', (req, res) => {
          res.json({ n: sessionOf(req).get('n') ?? null })
        })
        const started = await listenLocal(http.createServer(app))
        open.push(started)
        return started.url ?? ''
      }
      it('res.sendFile after a change: the cookie and the whole file', async () => {
        const url = await start((app) => {
          app.get('/', (req, res) => {
            sessionOf(req).set('n', 7)
            res.sendFile(file)
          })
        })
        const response = await fetch(url)
        assert.equal(response.status, 200)
        assert.equal(await response.text(), fileBody)
        const cookie = onlySetCookie(response.headers.getSetCookie(), 'app')
        assert.equal(await readBack(url, cookie), 7)
      })

      it('a sub-app with its own sessions(), and getSessions from sessionkit/node, share the request registry', async () => {
        const url = await start((app) => {
          const sub = create()
          sub.use(sessions({ store }))
          sub.get('/', (req, res) => {
            assert.equal(req.sessions, getSessions(req, res))
            sessionOf(req).set('n', 11)
            res.send('sub')
          })
          app.use('/sub', sub)
          app.get('/', (req, res) => {
            assert.equal(getSessions(req, res), req.sessions)
            sessionOf(req).set('n', 12)
            res.send('top')
          })
        })
        const sub = await fetch(`${url}/sub`)
        assert.equal(await sub.text(), 'sub')
        assert.equal(await readBack(url, onlySetCookie(sub.headers.getSetCookie(), 'app')), 11)
        const top = await fetch(url)
        assert.equal(await top.text(), 'top')
        assert.equal(await readBack(url, onlySetCookie(top.headers.getSetCookie(), 'app')), 12)
      })

      for (const [how, respond] of [
        ['res.send()', (res: Response) => void res.send('ok')],
        ['res.write()', (res: Response) => void res.write('partial-')],
        ['res.writeHead(200)', (res: Response) => void res.writeHead(200)],
      ] as const) {
        it(`${how}, then next(err) in the same tick: the error handler reads the headers as sent, no second response goes out, the server lives on`, async () => {
          const seen: boolean[] = []
          const url = await start((app) => {
            app.get('/', (req, res, next) => {
              sessionOf(req).set('n', 16)
              respond(res)
              next(new Error('after the response started'))
            })
            // A route after the failing one, as real apps have: finalhandler waits for it.
            app.get('/later', (_req, res) => {
              res.send('later')
            })
            app.use(((error: unknown, _req, res, next) => {
              seen.push(res.headersSent)
              if (res.headersSent) {
                next(error)
                return
              }
              res.status(500).send('error page')
            }) satisfies ErrorRequestHandler)
          })
          // Express closes the connection of a failed request whose headers were sent: what
          // reaches the client before that is the response as started, never a second one.
          const first = await fetch(url)
            .then(
              async (response) => ({ status: response.status, body: await response.text() }),
              () => undefined,
            )
            .catch(() => undefined)
          assert.deepEqual(seen, [true])
          if (first !== undefined) {
            assert.equal(first.status, 200)
            assert.ok(['ok', 'partial-', ''].includes(first.body), first.body)
          }
          const later = await fetch(`${url}/later`)
          assert.equal(await later.text(), 'later')
        })
      }

      it("getSessions from sessionkit/node before sessions(): Express's rules still apply, a handler that throws saves nothing", async () => {
        const app = create()
        app.set('env', 'test')
        app.use((req, res, next) => {
          getSessions(req, res)
          next()
        })
        app.use(sessions({ store }))
        app.get('/', (req) => {
          sessionOf(req).set('n', 17)
          throw new Error('the handler failed')
        })
        const started = await listenLocal(http.createServer(app))
        open.push(started)
        const response = await fetch(started.url ?? '')
        assert.equal(response.status, 500)
        assert.deepEqual(setCookiesNamed(response.headers.getSetCookie(), 'app'), [])
      })

      it('res.download after a change: the cookie beside Content-Disposition', async () => {
        const url = await start((app) => {
          app.get('/', (req, res) => {
            sessionOf(req).set('n', 8)
            res.download(file)
          })
        })
        const response = await fetch(url)
        assert.match(response.headers.get('content-disposition') ?? '', /report\.txt/)
        assert.equal((await response.text()).length, fileBody.length)
        assert.equal(await readBack(url, onlySetCookie(response.headers.getSetCookie(), 'app')), 8)
      })

      it('a response ended in a later tick (setImmediate) carries the cookie', async () => {
        const url = await start((app) => {
          app.get('/', (req, res) => {
            setImmediate(() => {
              sessionOf(req).set('n', 9)
              res.end('later')
            })
          })
        })
        const response = await fetch(url)
        assert.equal(await response.text(), 'later')
        assert.equal(await readBack(url, onlySetCookie(response.headers.getSetCookie(), 'app')), 9)
      })

      it("next('route'): the change of the skipped route and the next one are both saved", async () => {
        const url = await start((app) => {
          app.get(
            '/',
            (req, _res, next) => {
              sessionOf(req).set('note', 'first')
              next('route')
            },
            (_req, res) => {
              res.send('never')
            },
          )
          app.get('/', (req, res) => {
            sessionOf(req).set('n', 10)
            res.json({ note: sessionOf(req).get('note') })
          })
        })
        const response = await fetch(url)
        assert.deepEqual(await response.json(), { note: 'first' })
        assert.equal(await readBack(url, onlySetCookie(response.headers.getSetCookie(), 'app')), 10)
      })

      it('an error handler that answers a thrown error with a 500 JSON: nothing saved', async () => {
        const url = await start((app) => {
          app.get('/', (req) => {
            sessionOf(req).set('n', 11)
            throw new Error('boom')
          })
          app.use(answer500)
        })
        const response = await fetch(url)
        assert.equal(response.status, 500)
        assert.deepEqual(await response.json(), { error: 'failed' })
        assert.deepEqual(setCookiesNamed(response.headers.getSetCookie(), 'app'), [])
      })

      it('a save that fails, answered later by an async error handler: its answer, no crash', async () => {
        const app = create()
        app.set('env', 'test')
        app.use(sessions({ store: failingStore(store, 'reject') }))
        app.get('/', (req, res) => {
          sessionOf(req).set('n', 1)
          res.send('saved?')
        })
        // eslint-disable-next-line @typescript-eslint/no-unused-vars
        const later: ErrorRequestHandler = (_error, _req, res, _next) => {
          setTimeout(() => {
            res.status(503).send('later')
          }, 20)
        }
        app.use(later)
        const started = await listenLocal(http.createServer(app))
        open.push(started)
        for (let i = 0; i < 2; i++) {
          const response = await fetch(started.url ?? '')
          assert.equal(response.status, 503)
          assert.equal(await response.text(), 'later')
          assert.deepEqual(setCookiesNamed(response.headers.getSetCookie(), 'app'), [])
        }
      })

      it("a save that fails with no error handler: Express's own 500, no crash", async () => {
        const app = create()
        app.set('env', 'test')
        app.use(sessions({ store: failingStore(store, 'reject') }))
        app.post('/', (req, res) => {
          sessionOf(req).set('n', 1)
          res.send('saved?')
        })
        const started = await listenLocal(http.createServer(app))
        open.push(started)
        for (let i = 0; i < 2; i++) {
          const response = await fetch(started.url ?? '', { method: 'POST', body: 'unread body' })
          assert.equal(response.status, 500)
          assert.deepEqual(setCookiesNamed(response.headers.getSetCookie(), 'app'), [])
        }
      })

      it('an app cookie named like the session cookie: ours goes out last', async () => {
        const url = await start((app) => {
          app.get('/', (req, res) => {
            res.cookie('app', 'planted')
            sessionOf(req).set('n', 12)
            res.send('ok')
          })
        })
        const response = await fetch(url)
        const cookies = setCookiesNamed(response.headers.getSetCookie(), 'app')
        assert.equal(cookies.length, 2, JSON.stringify(cookies))
        const last = cookies[1] ?? ''
        assert.equal(await readBack(url, last), 12)
      })

      it('an explicit save, then another change: one session cookie with the last value', async () => {
        const url = await start((app) => {
          app.get('/', async (req, res) => {
            sessionOf(req).set('n', 1)
            await req.sessions.save()
            sessionOf(req).set('n', 13)
            res.send('ok')
          })
        })
        const response = await fetch(url)
        assert.equal(await readBack(url, onlySetCookie(response.headers.getSetCookie(), 'app')), 13)
      })

      it('a read that changes nothing sets no cookie, with a valid cookie sent', async () => {
        const url = await start((app) => {
          app.get('/login', (req, res) => {
            sessionOf(req).set('n', 14)
            res.send('ok')
          })
        })
        const login = await fetch(`${url}/login`)
        const cookie = onlySetCookie(login.headers.getSetCookie(), 'app')
        const read = await fetch(`${url}/read`, { headers: { cookie: cookiePair(cookie) } })
        assert.deepEqual(await read.json(), { n: 14 })
        assert.deepEqual(read.headers.getSetCookie(), [])
        assert.equal(read.headers.get('cache-control'), null)
      })

      it('thousands of cookies and hostile names beside the real one', async () => {
        const url = await start((app) => {
          app.get('/login', (req, res) => {
            sessionOf(req).set('n', 15)
            res.send('ok')
          })
        })
        const login = await fetch(`${url}/login`)
        const real = cookiePair(onlySetCookie(login.headers.getSetCookie(), 'app'))
        const hostile = '__proto__=x; constructor=y; prototype=z; hasOwnProperty=w'
        const noise = (count: number): string =>
          Array.from({ length: count }, (_, i) => `c${i}=v`).join('; ')
        const within = await fetch(`${url}/read`, {
          headers: { cookie: `${hostile}; ${noise(990)}; ${real}` },
        })
        assert.deepEqual(await within.json(), { n: 15 })
        // Past the parser's 1000 pairs the rest is not read: a fresh session, never a crash.
        const past = await fetch(`${url}/read`, {
          headers: { cookie: `${hostile}; ${noise(1500)}; ${real}` },
        })
        assert.equal(past.status, 200)
        assert.deepEqual(await past.json(), { n: null })
      })
    })
  }
}

describe('Express 5: async handlers', () => {
  const open: StartedApp[] = []
  afterEach(async () => {
    await Promise.all(open.splice(0).map((app) => app.close()))
  })
  it('a rejected async handler after a change: Express answers 500, nothing saved', async () => {
    const app = express()
    app.set('env', 'test')
    app.use(sessions({ store: makeStore('web') }))
    app.get('/', async (req) => {
      sessionOf(req).set('n', 1)
      await new Promise((resolve) => setImmediate(resolve))
      throw new Error('rejected')
    })
    const started = await listenLocal(http.createServer(app))
    open.push(started)
    const response = await fetch(started.url ?? '')
    assert.equal(response.status, 500)
    assert.deepEqual(setCookiesNamed(response.headers.getSetCookie(), 'app'), [])
  })
})
