// The Express adapter stands in for the response methods on node's ServerResponse.prototype,
// the prototype every Express response leads to, rather than on each response. What that must
// not change: middleware that wraps the response before or after sessions() (on the first
// request too, before anything was installed; compression among them), other apps, other
// Express copies and plain node:http servers in the same process, sub-apps whose responses go
// back to the parent's prototype, an app that defines its own response methods, a store that
// saves asynchronously (held calls replayed), and responses without a gate.
import assert from 'node:assert/strict'
import http, { type ServerResponse } from 'node:http'
import { afterEach, describe, it } from 'node:test'

import compression from 'compression'
import express, { type Express, type NextFunction, type Request, type Response } from 'express'
import express4 from 'express4'

import { sessions } from '../src/express.ts'
import { getSessions } from '../src/node.ts'
import { createMemoryDriver, createServerStore } from '../src/index.ts'
import type { Session } from '../src/index.ts'
import { keys, makeStore, onlySetCookie, readBack } from './support/adapter-harness.ts'
import type { TestData } from './support/adapter-harness.ts'
import type { StartedApp } from './support/adapter-scenarios.ts'
import { listenLocal } from './support/scenario-frameworks.ts'

function sessionOf(req: Request): Session<TestData> {
  return (req as unknown as { session: Session<TestData> }).session
}

const STAND_INS = ['writeHead', 'write', 'end', 'flushHeaders'] as const

function ownStandIns(res: ServerResponse): string[] {
  return STAND_INS.filter((method) => Object.hasOwn(res, method))
}

const open: StartedApp[] = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((app) => app.close()))
})

async function listen(app: Express | ReturnType<typeof express4>): Promise<string> {
  const started = await listenLocal(http.createServer(app))
  open.push(started)
  return started.url ?? ''
}

function withRead(app: Express | ReturnType<typeof express4>): void {
  app.get('/read', (req, res) => {
    res.json({ n: sessionOf(req).get('n') ?? null })
  })
}

for (const [name, create] of [
  ['Express 5', () => express()],
  ['Express 4', () => express4()],
] as const) {
  describe(`${name}: the gate on the shared response prototype`, () => {
    it('first test of each copy, before anything is installed: a middleware before sessions() wraps writeHead and end; both run and the cookie is written, on every request', async () => {
      const app = create()
      let wrapped = 0
      let headersSeen = 0
      app.use((_req: Request, res: Response, next: NextFunction) => {
        // What on-headers and compression do: capture the method as it is now, stand in for it.
        // eslint-disable-next-line @typescript-eslint/unbound-method -- applied to the response
        const writeHead = res.writeHead
        res.writeHead = function (this: Response, ...args: unknown[]) {
          headersSeen++
          return Reflect.apply(writeHead, this, args) as Response
        } as Response['writeHead']
        const end = res.end.bind(res) as (...args: unknown[]) => Response
        res.end = ((...args: unknown[]) => {
          wrapped++
          return end(...args)
        }) as Response['end']
        next()
      })
      app.use(sessions({ store: makeStore('node') }))
      app.get('/', (req, res) => {
        sessionOf(req).set('n', 2)
        res.send('wrapped')
      })
      withRead(app)
      const url = await listen(app)
      for (let i = 1; i <= 3; i++) {
        const response = await fetch(url)
        assert.equal(await response.text(), 'wrapped')
        const cookie = onlySetCookie(response.headers.getSetCookie(), 'app')
        assert.equal(await readBack(url, cookie), 2)
      }
      assert.equal(wrapped, 3 + 3) // three pages and three reads
      assert.equal(headersSeen, 6)
    })

    it('adds none of the four methods to the response itself', async () => {
      const app = create()
      app.use(sessions({ store: makeStore('node') }))
      let own: string[] = []
      app.get('/', (req, res) => {
        sessionOf(req).set('n', 1)
        own = ownStandIns(res)
        res.send('ok')
      })
      withRead(app)
      const url = await listen(app)
      const response = await fetch(url)
      assert.deepEqual(own, [])
      assert.equal(await readBack(url, onlySetCookie(response.headers.getSetCookie(), 'app')), 1)
    })

    it('a middleware after sessions() that buffers the body and ends later: cookie written', async () => {
      const app = create()
      app.use(sessions({ store: makeStore('node') }))
      app.use((_req: Request, res: Response, next: NextFunction) => {
        // eslint-disable-next-line @typescript-eslint/unbound-method -- applied to the response
        const end = res.end
        const chunks: unknown[] = []
        res.write = ((chunk: unknown) => {
          chunks.push(chunk)
          return true
        }) as Response['write']
        res.end = ((chunk?: unknown) => {
          if (chunk !== undefined && typeof chunk !== 'function') chunks.push(chunk)
          setImmediate(() => {
            Reflect.apply(end, res, [chunks.map(String).join('')])
          })
          return res
        }) as Response['end']
        next()
      })
      app.get('/', (req, res) => {
        sessionOf(req).set('n', 3)
        res.write('a')
        res.end('b')
      })
      withRead(app)
      const url = await listen(app)
      const response = await fetch(url)
      assert.equal(await response.text(), 'ab')
      assert.equal(await readBack(url, onlySetCookie(response.headers.getSetCookie(), 'app')), 3)
    })

    it('another app in the process without sessions: its responses are untouched', async () => {
      const withSessions = create()
      withSessions.use(sessions({ store: makeStore('node') }))
      withSessions.get('/', (req, res) => {
        sessionOf(req).set('n', 4)
        res.send('with')
      })
      const plain = create()
      plain.get('/', (req, res) => {
        ;(req as unknown as { sessions: unknown }).sessions = { not: 'ours' }
        res.setHeader('Set-Cookie', 'own=1')
        res.writeHead(201, { 'X-Plain': 'yes' })
        res.write('pl')
        res.end('ain')
      })
      const withUrl = await listen(withSessions)
      const plainUrl = await listen(plain)
      assert.equal((await fetch(withUrl)).headers.getSetCookie().length, 1)
      const response = await fetch(plainUrl)
      assert.equal(response.status, 201)
      assert.equal(response.headers.get('x-plain'), 'yes')
      assert.deepEqual(response.headers.getSetCookie(), ['own=1'])
      assert.equal(response.headers.get('cache-control'), null)
      assert.equal(await response.text(), 'plain')
    })

    it('sessions() in a sub-app, the response sent by the parent after it: cookie written', async () => {
      const app = create()
      const sub = create()
      sub.use(sessions({ store: makeStore('node') }))
      sub.use((req: Request, _res: Response, next: NextFunction) => {
        sessionOf(req).set('n', 5)
        next()
      })
      app.use(sub)
      app.get('/', (_req, res) => {
        res.send('parent')
      })
      withRead(app)
      const url = await listen(app)
      const response = await fetch(url)
      assert.equal(await response.text(), 'parent')
      assert.equal(await readBack(url, onlySetCookie(response.headers.getSetCookie(), 'app')), 5)
    })

    it('an app that defines its own writeHead on app.response: gated on the response, cookie written', async () => {
      const app = create()
      let own = 0
      const response = app.response as unknown as {
        writeHead: (this: ServerResponse, ...args: unknown[]) => ServerResponse
      }
      const inherited = response.writeHead
      response.writeHead = function writeHead(this: ServerResponse, ...args: unknown[]) {
        own++
        return Reflect.apply(inherited, this, args)
      }
      app.use(sessions({ store: makeStore('node') }))
      app.get('/', (req, res) => {
        sessionOf(req).set('n', 6)
        res.send('own writeHead')
      })
      withRead(app)
      const url = await listen(app)
      const page = await fetch(url)
      assert.equal(await page.text(), 'own writeHead')
      assert.equal(await readBack(url, onlySetCookie(page.headers.getSetCookie(), 'app')), 6)
      assert.equal(own, 2)
    })

    it('req.sessions cannot be replaced or deleted: the handler fails loudly, no cookie goes out half-saved', async () => {
      const app = create()
      app.set('env', 'test')
      app.use(sessions({ store: makeStore('node') }))
      const errors: string[] = []
      app.get('/replace', (req, res) => {
        sessionOf(req).set('n', 8)
        try {
          ;(req as unknown as { sessions: unknown }).sessions = { get: () => undefined }
        } catch (error) {
          errors.push((error as Error).name)
        }
        try {
          delete (req as unknown as { sessions?: unknown }).sessions
        } catch (error) {
          errors.push((error as Error).name)
        }
        res.send('still ours')
      })
      withRead(app)
      const url = await listen(app)
      const response = await fetch(`${url}/replace`)
      assert.equal(await response.text(), 'still ours')
      assert.deepEqual(errors, ['TypeError', 'TypeError'])
      assert.equal(await readBack(url, onlySetCookie(response.headers.getSetCookie(), 'app')), 8)
    })

    it('a stand-in called on no response throws as node does, and the response still goes out', async () => {
      const app = create()
      app.use(sessions({ store: makeStore('node') }))
      const thrown: string[] = []
      app.get('/', (req, res) => {
        sessionOf(req).set('n', 10)
        for (const method of STAND_INS) {
          try {
            // eslint-disable-next-line @typescript-eslint/unbound-method -- called on nothing, on purpose
            Reflect.apply(res[method], undefined, [])
          } catch (error) {
            thrown.push((error as Error).name)
          }
        }
        res.send('fine')
      })
      withRead(app)
      const url = await listen(app)
      const response = await fetch(url)
      assert.equal(await response.text(), 'fine')
      assert.deepEqual(thrown, ['TypeError', 'TypeError', 'TypeError', 'TypeError'])
      assert.equal(await readBack(url, onlySetCookie(response.headers.getSetCookie(), 'app')), 10)
    })

    it('flushHeaders with a store that saves asynchronously: the headers carry the cookie, then the body', async () => {
      const store = createServerStore<TestData>({ name: 'app', keys, driver: createMemoryDriver() })
      const app = create()
      app.use(sessions({ store }))
      app.get('/', (req, res) => {
        sessionOf(req).set('n', 9)
        res.setHeader('Content-Type', 'text/plain')
        res.flushHeaders()
        setImmediate(() => res.end('after flush'))
      })
      withRead(app)
      const url = await listen(app)
      const response = await fetch(url)
      assert.equal(await response.text(), 'after flush')
      assert.equal(await readBack(url, onlySetCookie(response.headers.getSetCookie(), 'app')), 9)
    })

    for (const order of ['before', 'after'] as const) {
      for (const saves of ['synchronously', 'asynchronously'] as const) {
        it(`compression ${order} sessions(), a store that saves ${saves}: the whole gzip body, with the cookie`, async () => {
          const store =
            saves === 'synchronously'
              ? makeStore('node')
              : createServerStore<TestData>({ name: 'app', keys, driver: createMemoryDriver() })
          const app = create()
          if (order === 'before') app.use(compression({ threshold: 0 }))
          app.use(sessions({ store }))
          if (order === 'after') app.use(compression({ threshold: 0 }))
          app.get('/', (req, res) => {
            sessionOf(req).set('n', 11)
            res.setHeader('Content-Type', 'text/plain')
            res.write('one, ')
            res.write('two, ')
            setImmediate(() => res.end('three'))
          })
          // Server-sent events: the headers flushed before the first write.
          app.get('/events', (req, res) => {
            sessionOf(req).set('n', 11)
            res.setHeader('Content-Type', 'text/event-stream')
            res.flushHeaders()
            res.write('data: 1\n\n')
            setImmediate(() => res.end('data: 2\n\n'))
          })
          withRead(app)
          const url = await listen(app)
          for (const [path, body] of [
            ['/', 'one, two, three'],
            ['/', 'one, two, three'],
            ['/events', 'data: 1\n\ndata: 2\n\n'],
          ] as const) {
            const response = await fetch(`${url}${path}`, {
              headers: { 'accept-encoding': 'gzip' },
            })
            assert.equal(response.headers.get('content-encoding'), 'gzip')
            assert.equal(await response.text(), body)
            const cookie = onlySetCookie(response.headers.getSetCookie(), 'app')
            assert.equal(await readBack(url, cookie), 11)
          }
        })
      }
    }

    it('getSessions from sessionkit/node before sessions(): req.sessions is that registry, the cookie written', async () => {
      const app = create()
      let same = false
      app.use((req: Request, res: Response, next: NextFunction) => {
        getSessions(req, res)
        next()
      })
      app.use(sessions({ store: makeStore('node') }))
      app.get('/', (req, res) => {
        same = req.sessions === getSessions(req, res)
        sessionOf(req).set('n', 13)
        res.send('node first')
      })
      withRead(app)
      const url = await listen(app)
      const response = await fetch(url)
      assert.equal(await response.text(), 'node first')
      assert.equal(same, true)
      assert.equal(await readBack(url, onlySetCookie(response.headers.getSetCookie(), 'app')), 13)
    })

    it("res.writeHeader(), node's alias of writeHead, carries the cookie", async () => {
      const app = create()
      app.use(sessions({ store: makeStore('node') }))
      app.get('/', (req, res) => {
        sessionOf(req).set('n', 14)
        ;(res as Response & { writeHeader: Response['writeHead'] }).writeHeader(201, {
          'Content-Type': 'text/plain',
        })
        res.end('aliased')
      })
      withRead(app)
      const url = await listen(app)
      const response = await fetch(url)
      assert.equal(response.status, 201)
      assert.equal(await response.text(), 'aliased')
      assert.equal(await readBack(url, onlySetCookie(response.headers.getSetCookie(), 'app')), 14)
    })

    it('a store that saves asynchronously: the held write and end go out after the save', async () => {
      const driver = createMemoryDriver()
      const store = createServerStore<TestData>({ name: 'app', keys, driver })
      const app = create()
      app.use(sessions({ store }))
      app.get('/', (req, res) => {
        sessionOf(req).set('n', 7)
        res.write('held ')
        res.end('then sent')
      })
      withRead(app)
      const url = await listen(app)
      const response = await fetch(url)
      assert.equal(await response.text(), 'held then sent')
      assert.equal(await readBack(url, onlySetCookie(response.headers.getSetCookie(), 'app')), 7)
    })
  })
}

describe('Express 4 and Express 5 in one process, both with sessions()', () => {
  it('each keeps its own cookies', async () => {
    const five = express()
    five.use(sessions({ store: makeStore('node') }))
    five.get('/', (req, res) => {
      sessionOf(req).set('n', 50)
      res.send('five')
    })
    withRead(five)
    const four = express4()
    four.use(sessions({ store: makeStore('web') }))
    four.get('/', (req, res) => {
      sessionOf(req).set('n', 40)
      res.send('four')
    })
    withRead(four)
    const fiveUrl = await listen(five)
    const fourUrl = await listen(four)
    for (let i = 0; i < 2; i++) {
      const a = await fetch(fiveUrl)
      const b = await fetch(fourUrl)
      assert.equal(await readBack(fiveUrl, onlySetCookie(a.headers.getSetCookie(), 'app')), 50)
      assert.equal(await readBack(fourUrl, onlySetCookie(b.headers.getSetCookie(), 'app')), 40)
    }
  })
})

describe('plain node:http servers in a process where the Express stand-ins are installed', () => {
  async function installed(): Promise<void> {
    const app = express()
    app.use(sessions({ store: makeStore('node') }))
    app.get('/', (req, res) => {
      sessionOf(req).set('n', 1)
      res.send('installs')
    })
    assert.equal((await fetch(await listen(app))).headers.getSetCookie().length, 1)
  }

  it('a server without sessions: headers as a flat array, status, body and its own cookie as sent', async () => {
    await installed()
    const server = http.createServer((_req, res) => {
      res.writeHead(202, ['Set-Cookie', 'a=1', 'Set-Cookie', 'b=2', 'X-Plain', 'yes'])
      res.write('pl')
      res.end('ain')
    })
    const started = await listenLocal(server)
    open.push(started)
    const url = started.url ?? ''
    const response = await fetch(url)
    assert.equal(response.status, 202)
    assert.deepEqual(response.headers.getSetCookie(), ['a=1', 'b=2'])
    assert.equal(response.headers.get('x-plain'), 'yes')
    assert.equal(await response.text(), 'plain')
  })

  it('a response whose req is null, or whose request has a sessions getter that throws: sent as without the stand-ins', async () => {
    await installed()
    const server = http.createServer((req, res) => {
      if (req.url === '/null') {
        ;(res as unknown as { req: unknown }).req = null
      } else {
        Object.defineProperty(req, 'sessions', {
          get: () => {
            throw new Error('not here')
          },
        })
      }
      res.writeHead(200, { 'Content-Type': 'text/plain' })
      res.write('still ')
      res.end('sent')
    })
    const started = await listenLocal(server)
    open.push(started)
    for (const path of ['/null', '/getter']) {
      const response = await fetch(`${started.url ?? ''}${path}`)
      assert.equal(response.status, 200)
      assert.equal(await response.text(), 'still sent')
    }
  })

  it('for...in over a response still lists the four methods, as node has them', async () => {
    await installed()
    const listed: string[] = []
    const server = http.createServer((_req, res) => {
      for (const key in res) if ((STAND_INS as readonly string[]).includes(key)) listed.push(key)
      res.end('listed')
    })
    const started = await listenLocal(server)
    open.push(started)
    assert.equal(await (await fetch(started.url ?? '')).text(), 'listed')
    assert.deepEqual(listed.sort(), [...STAND_INS].sort())
  })

  it('the node:http adapter, its registry put on req.sessions by the handler: one cookie, read back', async () => {
    await installed()
    const store = createServerStore<TestData>({ name: 'app', keys, driver: createMemoryDriver() })
    const server = http.createServer((req, res) => {
      const registry = getSessions(req, res)
      ;(req as unknown as { sessions: unknown }).sessions = registry
      registry.get(store).then(
        (session) => {
          if (req.url === '/read') {
            res.setHeader('Content-Type', 'application/json')
            res.end(JSON.stringify({ n: session.get('n') ?? null }))
            return
          }
          session.set('n', 12)
          res.end('node')
        },
        (error: unknown) => {
          res.statusCode = 500
          res.end(String(error))
        },
      )
    })
    const started = await listenLocal(server)
    open.push(started)
    const url = started.url ?? ''
    const response = await fetch(url)
    assert.equal(await response.text(), 'node')
    assert.equal(await readBack(url, onlySetCookie(response.headers.getSetCookie(), 'app')), 12)
  })
})
