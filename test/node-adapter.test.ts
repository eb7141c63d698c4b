// The node:http adapter against real servers and a real client (global fetch), for both the
// synchronous save path (node:crypto) and the asynchronous one (Web Crypto), where the
// response calls are queued and replayed.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { getSessions, withSessions } from '../src/node.ts'
import type { NodeSessionRegistry, NodeSessionsOptions } from '../src/node.ts'
import { HeadersSentError, SessionSaveError, isSessionError } from '../src/errors.ts'
import {
  cookiePair,
  deferred,
  failingStore,
  forEachCrypto,
  makeStore,
  onlySetCookie,
  rawHeaders,
  rawRequest,
  setCookiesNamed,
  tamper,
  useServers,
  within,
} from './support/adapter-harness.ts'
import type { CryptoMode, TestData } from './support/adapter-harness.ts'
import type { Session } from '../src/index.ts'

interface Reported {
  readonly errors: unknown[]
  readonly options: NodeSessionsOptions
  /** Resolves with the first error passed to onError. */
  readonly first: Promise<unknown>
}

/** onError that records what it is given (and lets the adapter send its plain 500). */
function reporting(extra: Omit<NodeSessionsOptions, 'onError'> = {}): Reported {
  const errors: unknown[] = []
  const first = deferred<unknown>()
  return {
    errors,
    first: first.promise,
    options: {
      ...extra,
      onError: (error) => {
        errors.push(error)
        first.resolve(error)
      },
    },
  }
}

function get(url: string, cookie?: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers)
  if (cookie !== undefined) headers.set('cookie', cookie)
  return fetch(url, { ...init, headers })
}

function assertHeadersSentReported(error: unknown): void {
  assert.ok(error instanceof HeadersSentError, `expected HeadersSentError, got ${String(error)}`)
  assert.equal(error.code, 'ERR_SESSION_HEADERS_SENT')
}

/** Asserts the SessionSaveError shape and returns its inner errors. */
function saveErrors(error: unknown): readonly { sessionName: string; error: unknown }[] {
  assert.ok(error instanceof SessionSaveError, `expected SessionSaveError, got ${String(error)}`)
  assert.equal(error.code, 'ERR_SESSION_SAVE')
  return error.errors
}

function nodeSuite(crypto: CryptoMode): void {
  const serve = useServers()
  const store = makeStore(crypto, { cookie: { secure: false } })
  // The store behind the failing one: the same kind, under its own name.
  const srvStore = makeStore(crypto, { name: 'srv', cookie: { secure: false } })

  // Loads 'app', applies `change`, then ends the response with the session's `n` (or -1).
  function counter(
    change: (session: Session<TestData>) => void = (session) => {
      session.increment('n')
    },
    options: NodeSessionsOptions = {},
  ) {
    return async (req: IncomingMessage, res: ServerResponse) => {
      const session = await getSessions(req, res, options).get(store)
      change(session)
      res.end(String(session.get('n') ?? -1))
    }
  }

  describe('Set-Cookie for changed sessions only', () => {
    it('a new session with data gets exactly one Set-Cookie', async () => {
      const { url } = await serve(counter())
      const response = await get(url)
      assert.equal(response.status, 200)
      assert.equal(await response.text(), '1')
      const setCookies = response.headers.getSetCookie()
      assert.equal(setCookies.length, 1)
      const value = onlySetCookie(setCookies, 'app')
      assert.match(value, /; HttpOnly/)
      assert.match(value, /; SameSite=Lax/)
    })

    it('an unchanged session on a later request sends no Set-Cookie (CON-06)', async () => {
      const { url } = await serve(counter((session) => session.get('n')))
      const first = await serve(counter())
      const pair = cookiePair(onlySetCookie((await get(first.url)).headers.getSetCookie(), 'app'))
      const response = await get(url, pair)
      assert.equal(await response.text(), '1')
      assert.deepEqual(response.headers.getSetCookie(), [])
      assert.equal(response.headers.get('cache-control'), null)
    })

    it('a counter survives three requests that send the cookie back', async () => {
      const { url } = await serve(counter())
      let cookie: string | undefined
      for (const expected of ['1', '2', '3']) {
        const response = await get(url, cookie)
        assert.equal(await response.text(), expected)
        cookie = cookiePair(onlySetCookie(response.headers.getSetCookie(), 'app'))
      }
    })

    it('a session that is never loaded or is empty writes nothing', async () => {
      const { url } = await serve(async (req, res) => {
        await getSessions(req, res).get(store)
        res.end('ok')
      })
      const response = await get(url)
      assert.equal(await response.text(), 'ok')
      assert.deepEqual(response.headers.getSetCookie(), [])
    })

    it('getSessions(req, res) returns the same registry for the same request', async () => {
      let same = false
      const { url } = await serve((req, res) => {
        const a: NodeSessionRegistry = getSessions(req, res)
        same = a === getSessions(req, res)
        res.end()
      })
      await (await get(url)).arrayBuffer()
      assert.equal(same, true)
    })
  })

  describe('the cookie goes out before the headers, without awaiting a save', () => {
    it('res.end() right after a change', async () => {
      const { url } = await serve(async (req, res) => {
        const session = await getSessions(req, res).get(store)
        session.set('note', 'hello')
        res.end('done')
      })
      const response = await get(url)
      assert.equal(response.status, 200)
      assert.equal(await response.text(), 'done')
      onlySetCookie(response.headers.getSetCookie(), 'app')
    })

    it('res.writeHead() then res.write() chunks then res.end(), in order', async () => {
      const { url } = await serve(async (req, res) => {
        const session = await getSessions(req, res).get(store)
        session.set('n', 7)
        res.writeHead(201, { 'Content-Type': 'text/plain', 'X-Custom': 'kept' })
        res.write('a')
        res.write('b')
        res.write(Buffer.from('c'))
        res.end('d')
      })
      const response = await get(url)
      assert.equal(response.status, 201)
      assert.equal(await response.text(), 'abcd')
      assert.equal(response.headers.get('content-type'), 'text/plain')
      assert.equal(response.headers.get('x-custom'), 'kept')
      onlySetCookie(response.headers.getSetCookie(), 'app')
    })

    it("writeHead with an object holding the app's Set-Cookie keeps both (ADP-01, ADP-03)", async () => {
      const { url } = await serve(async (req, res) => {
        const session = await getSessions(req, res).get(store)
        session.set('n', 1)
        res.writeHead(200, { 'Set-Cookie': 'theirs=1', 'Content-Type': 'text/plain', 'X-A': 'b' })
        res.end('ok')
      })
      const response = await get(url)
      const setCookies = response.headers.getSetCookie()
      assert.equal(setCookies.length, 2)
      assert.deepEqual(setCookiesNamed(setCookies, 'theirs'), ['theirs=1'])
      onlySetCookie(setCookies, 'app')
      assert.equal(response.headers.get('content-type'), 'text/plain')
      assert.equal(response.headers.get('x-a'), 'b')
      assert.equal(await response.text(), 'ok')
    })

    it('writeHead with an object holding an array of Set-Cookie keeps them all', async () => {
      const { url } = await serve(async (req, res) => {
        const session = await getSessions(req, res).get(store)
        session.set('n', 1)
        res.writeHead(200, 'Fine', { 'set-cookie': ['a=1', 'b=2'] })
        res.end()
      })
      const response = await get(url)
      assert.equal(response.statusText, 'Fine')
      const setCookies = response.headers.getSetCookie()
      assert.deepEqual(setCookies.slice(0, 2), ['a=1', 'b=2'])
      assert.equal(setCookies.length, 3)
      onlySetCookie(setCookies, 'app')
    })

    it('writeHead with the flat array form keeps both cookies and the other headers', async () => {
      const { url } = await serve(async (req, res) => {
        const session = await getSessions(req, res).get(store)
        session.set('n', 1)
        res.writeHead(200, [
          'Set-Cookie',
          'x=1',
          'Content-Type',
          'text/plain',
          'X-Dup',
          'one',
          'X-Dup',
          'two',
        ])
        res.end('ok')
      })
      const response = await get(url)
      const setCookies = response.headers.getSetCookie()
      assert.equal(setCookies.length, 2)
      assert.deepEqual(setCookiesNamed(setCookies, 'x'), ['x=1'])
      onlySetCookie(setCookies, 'app')
      assert.equal(response.headers.get('content-type'), 'text/plain')
      assert.equal(response.headers.get('x-dup'), 'one, two')
      assert.equal(await response.text(), 'ok')
    })

    it('writeHead with a flat array without Set-Cookie keeps ours', async () => {
      const { url } = await serve(async (req, res) => {
        const session = await getSessions(req, res).get(store)
        session.set('n', 1)
        res.writeHead(200, ['Content-Type', 'text/plain'])
        res.end('ok')
      })
      const response = await get(url)
      onlySetCookie(response.headers.getSetCookie(), 'app')
      assert.equal(response.headers.get('content-type'), 'text/plain')
    })

    it("the app's own res.setHeader('Set-Cookie', [...]) is kept (ADP-01)", async () => {
      const { url } = await serve(async (req, res) => {
        res.setHeader('Set-Cookie', ['a=1', 'b=2'])
        const session = await getSessions(req, res).get(store)
        session.set('n', 1)
        res.end()
      })
      const response = await get(url)
      const setCookies = response.headers.getSetCookie()
      assert.deepEqual(setCookies.slice(0, 2), ['a=1', 'b=2'])
      assert.equal(setCookies.length, 3)
      onlySetCookie(setCookies, 'app')
    })

    it('res.end() called twice is safe', async () => {
      const { url, errors } = await serve(async (req, res) => {
        const session = await getSessions(req, res).get(store)
        session.set('n', 1)
        res.end('once')
        res.end()
      })
      const response = await get(url)
      assert.equal(await response.text(), 'once')
      onlySetCookie(response.headers.getSetCookie(), 'app')
      // A second request on the same server still works.
      assert.equal((await get(url)).status, 200)
      assert.deepEqual(errors, [])
    })

    it('a HEAD request works and carries the cookie', async () => {
      const { url } = await serve(async (req, res) => {
        const session = await getSessions(req, res).get(store)
        session.set('n', 1)
        res.setHeader('Content-Type', 'text/plain')
        res.end(req.method === 'HEAD' ? undefined : 'body')
      })
      const response = await get(url, undefined, { method: 'HEAD' })
      assert.equal(response.status, 200)
      assert.equal(await response.text(), '')
      onlySetCookie(response.headers.getSetCookie(), 'app')
    })

    it('res.flushHeaders() sends the cookie with the headers', async () => {
      const { url } = await serve(async (req, res) => {
        const session = await getSessions(req, res).get(store)
        session.set('n', 1)
        res.setHeader('Content-Type', 'text/plain')
        res.flushHeaders()
        res.write('x')
        res.end('y')
      })
      const response = await get(url)
      assert.equal(await response.text(), 'xy')
      onlySetCookie(response.headers.getSetCookie(), 'app')
    })

    it('res.write() without writeHead sends the cookie with the implicit headers', async () => {
      const { url } = await serve(async (req, res) => {
        const session = await getSessions(req, res).get(store)
        session.set('n', 1)
        res.statusCode = 202
        res.write('x')
        res.end()
      })
      const response = await get(url)
      assert.equal(response.status, 202)
      assert.equal(await response.text(), 'x')
      onlySetCookie(response.headers.getSetCookie(), 'app')
    })
  })

  describe("headers written by node's alias or past the stand-ins", () => {
    it('res.headersSent reads true once the handler wrote, as on node, while the save holds the response', async () => {
      const seen: boolean[] = []
      const { url } = await serve(async (req, res) => {
        const session = await getSessions(req, res).get(store)
        session.set('n', 6)
        seen.push(res.headersSent)
        res.write('x')
        seen.push(res.headersSent)
        res.end('y')
      })
      const response = await get(url)
      assert.equal(await response.text(), 'xy')
      onlySetCookie(response.headers.getSetCookie(), 'app')
      assert.deepEqual(seen, [false, true])
    })

    it('after res.end() the response reads as ended, as on node: a guarded second end is skipped, the first body goes out', async () => {
      const seen: boolean[] = []
      const { url } = await serve(async (req, res) => {
        const session = await getSessions(req, res).get(store)
        session.set('n', 7)
        res.end('first')
        seen.push(res.headersSent, res.writableEnded)
        if (!res.writableEnded) res.end('second')
      })
      const response = await get(url)
      assert.equal(await response.text(), 'first')
      onlySetCookie(response.headers.getSetCookie(), 'app')
      assert.deepEqual(seen, [true, true])
    })

    it('after res.write(), setHeader and a second writeHead throw ERR_HTTP_HEADERS_SENT, as on node', async () => {
      const codes: unknown[] = []
      const { url } = await serve(async (req, res) => {
        const session = await getSessions(req, res).get(store)
        session.set('n', 8)
        res.write('body')
        for (const late of [() => res.setHeader('X-Late', '1'), () => res.writeHead(404)]) {
          try {
            late()
          } catch (error) {
            codes.push((error as { code?: unknown }).code)
          }
        }
        res.end()
      })
      const response = await get(url)
      assert.equal(response.status, 200)
      assert.equal(response.headers.get('x-late'), null)
      assert.equal(await response.text(), 'body')
      onlySetCookie(response.headers.getSetCookie(), 'app')
      assert.deepEqual(codes, ['ERR_HTTP_HEADERS_SENT', 'ERR_HTTP_HEADERS_SENT'])
    })

    it('a failed save: the 500 drops the Content-Length the handler set, its end callback is called, the connection stays usable', async () => {
      const failing = failingStore(store, crypto === 'node' ? 'throw' : 'reject')
      let called = false
      const { url } = await serve(async (req, res) => {
        const session = await getSessions(req, res, { onError: () => undefined }).get(failing)
        session.set('n', 9)
        res.setHeader('Content-Length', '2')
        await new Promise<void>((resolve) => {
          res.end('ok', () => {
            called = true
            resolve()
          })
        })
      })
      for (let i = 0; i < 2; i++) {
        const response = await get(url)
        assert.equal(response.status, 500)
        assert.equal(await response.text(), 'Internal Server Error')
      }
      assert.equal(called, true)
    })

    it('the status, its message and the Date header are those of the moment the handler wrote, as on node', async () => {
      const { url } = await serve(async (req, res) => {
        const session = await getSessions(req, res).get(store)
        session.set('n', 10)
        res.statusCode = 201
        res.end('created')
        res.statusCode = 503
        res.statusMessage = 'Too Late'
        res.sendDate = false
      })
      const response = await get(url)
      assert.equal(response.status, 201)
      assert.equal(response.statusText, 'Created')
      assert.notEqual(response.headers.get('date'), null)
      assert.equal(await response.text(), 'created')
      onlySetCookie(response.headers.getSetCookie(), 'app')
    })

    it("node's own end, taken before getSessions: never a crash; a clean 500 or the response, and the change reported", async () => {
      const reported = reporting()
      const { url } = await serve(async (req, res) => {
        // eslint-disable-next-line @typescript-eslint/unbound-method -- node's own, on purpose
        const ownEnd = res.end
        const session = await getSessions(req, res, reported.options).get(store)
        session.set('n', 11)
        res.write('first ')
        Reflect.apply(ownEnd, res, ['second'])
      })
      const response = await get(url).then(
        async (r) => ({ status: r.status, body: await r.text().catch(() => '') }),
        () => undefined,
      )
      if (crypto === 'node') {
        // Saved inside the header write: what node wrote past the gate carries the cookie.
        assert.deepEqual(response, { status: 200, body: 'first second' })
      } else {
        assert.equal(response?.status ?? 500, 500)
        assertHeadersSentReported(await within(reported.first, 2000, 'onError'))
      }
    })

    it("res.writeHeader(), node's alias of writeHead, carries the cookie", async () => {
      const { url } = await serve(async (req, res) => {
        const session = await getSessions(req, res).get(store)
        session.set('n', 4)
        ;(res as ServerResponse & { writeHeader: ServerResponse['writeHead'] }).writeHeader(201, {
          'Content-Type': 'text/plain',
        })
        res.end('aliased')
      })
      const response = await get(url)
      assert.equal(response.status, 201)
      assert.equal(await response.text(), 'aliased')
      onlySetCookie(response.headers.getSetCookie(), 'app')
    })

    it("headers sent by node's own writeHead, called past the stand-in: the change is reported, not lost silently", async () => {
      const reported = reporting()
      const { url } = await serve(async (req, res) => {
        const session = await getSessions(req, res, reported.options).get(store)
        session.set('n', 5)
        const own = Object.getPrototypeOf(res) as { writeHead: ServerResponse['writeHead'] }
        Reflect.apply(own.writeHead, res, [200, { 'Content-Type': 'text/plain' }])
        res.end('past the gate')
      })
      const response = await get(url)
      assert.equal(await response.text(), 'past the gate')
      assert.deepEqual(response.headers.getSetCookie(), [])
      const error = await within(reported.first, 2000, 'onError')
      assert.ok(error instanceof HeadersSentError)
      assert.match(error.message, /session "app" changed after the response headers were written/)
      assert.equal(reported.errors.length, 1)
    })
  })

  describe('explicit saves (SER-13)', () => {
    it('an explicit save followed by no change writes one Set-Cookie', async () => {
      const { url } = await serve(async (req, res) => {
        const registry = getSessions(req, res)
        const session = await registry.get(store)
        session.set('n', 1)
        const values = await registry.save()
        assert.equal(values.length, 1)
        res.end()
      })
      const response = await get(url)
      assert.equal(response.status, 200)
      assert.equal(response.headers.getSetCookie().length, 1)
    })

    it('two saves after two changes write one Set-Cookie with the latest value', async () => {
      const { url } = await serve(async (req, res) => {
        const registry = getSessions(req, res)
        const session = await registry.get(store)
        if (req.url === '/read') {
          res.end(String(session.get('n')))
          return
        }
        session.set('n', 1)
        await registry.save()
        session.set('n', 2)
        await registry.save()
        res.end()
      })
      const response = await get(url)
      const setCookies = response.headers.getSetCookie()
      assert.equal(setCookies.length, 1)
      const read = await get(`${url}/read`, cookiePair(onlySetCookie(setCookies, 'app')))
      assert.equal(await read.text(), '2')
    })
  })

  describe('several sessions', () => {
    it('two named sessions from two stores give two Set-Cookie, one per name', async () => {
      const prefsStore = makeStore(crypto, {
        name: 'prefs',
        format: 'signed',
        cookie: { secure: false },
      })
      const { url } = await serve(async (req, res) => {
        const registry = getSessions(req, res)
        const app = await registry.get(store)
        const prefs = await registry.get(prefsStore)
        app.set('n', 1)
        prefs.set('note', 'dark')
        res.end()
      })
      const response = await get(url)
      const setCookies = response.headers.getSetCookie()
      assert.equal(setCookies.length, 2)
      onlySetCookie(setCookies, 'app')
      onlySetCookie(setCookies, 'prefs')
    })
  })

  describe('save failures before the headers (STO-04)', () => {
    it('a cookie over the size limit: 500, onError gets a SessionSaveError, no cookie', async () => {
      const reported = reporting()
      const { url } = await serve(async (req, res) => {
        res.setHeader('Set-Cookie', 'theirs=1')
        const session = await getSessions(req, res, reported.options).get(store)
        session.set('big', 'x'.repeat(5000))
        res.end('should not be sent')
      })
      const response = await get(url)
      assert.equal(response.status, 500)
      assert.equal(await response.text(), 'Internal Server Error')
      assert.deepEqual(response.headers.getSetCookie(), [])
      assert.equal(reported.errors.length, 1)
      const [inner] = saveErrors(reported.errors[0])
      assert.equal(inner?.sessionName, 'app')
      assert.ok(isSessionError(inner.error))
      assert.equal(inner.error.code, 'ERR_SESSION_COOKIE_TOO_LARGE')
    })

    for (const mode of ['throw', 'reject'] as const) {
      it(`a store whose save ${mode === 'throw' ? 'throws' : 'rejects'}: 500 and onError`, async () => {
        const backendError = new Error('backend unavailable')
        const broken = failingStore(srvStore, mode, backendError)
        const reported = reporting()
        const { url } = await serve(async (req, res) => {
          const session = await getSessions(req, res, reported.options).get(broken)
          session.set('n', 1)
          res.writeHead(200, { 'Content-Type': 'application/json' })
          res.end('{}')
        })
        const response = await get(url)
        assert.equal(response.status, 500)
        assert.equal(response.headers.get('content-type'), 'text/plain; charset=utf-8')
        assert.deepEqual(response.headers.getSetCookie(), [])
        assert.equal(reported.errors.length, 1)
        const [inner] = saveErrors(reported.errors[0])
        assert.equal(inner?.sessionName, 'srv')
        assert.equal(inner.error, backendError)
      })
    }

    it('one failing session of two: 500 and no Set-Cookie for the one that saved', async () => {
      const broken = failingStore(srvStore, 'reject')
      const reported = reporting()
      const { url } = await serve(async (req, res) => {
        const registry = getSessions(req, res, reported.options)
        const good = await registry.get(store)
        const bad = await registry.get(broken)
        good.set('n', 1)
        bad.set('n', 1)
        res.end('ok')
      })
      const response = await get(url)
      assert.equal(response.status, 500)
      assert.deepEqual(response.headers.getSetCookie(), [])
      const errors = saveErrors(reported.errors[0])
      assert.deepEqual(
        errors.map((e) => e.sessionName),
        ['srv'],
      )
    })

    it('onError may send its own response instead of the plain 500', async () => {
      const { url } = await serve(async (req, res) => {
        const registry = getSessions(req, res, {
          onError: (_error, _req, errorRes) => {
            errorRes.statusCode = 503
            errorRes.setHeader('Retry-After', '5')
            errorRes.end('try later')
          },
        })
        const session = await registry.get(failingStore(srvStore, 'reject'))
        session.set('n', 1)
        res.end('ok')
      })
      const response = await get(url)
      assert.equal(response.status, 503)
      assert.equal(response.headers.get('retry-after'), '5')
      assert.equal(await response.text(), 'try later')
      assert.deepEqual(response.headers.getSetCookie(), [])
    })

    it('calls after a failure do not write a second response', async () => {
      const reported = reporting()
      const { url, errors } = await serve(async (req, res) => {
        const session = await getSessions(req, res, reported.options).get(
          failingStore(srvStore, 'throw'),
        )
        session.set('n', 1)
        res.write('a')
        await reported.first
        res.write('b')
        res.end('c')
      })
      const response = await get(url)
      assert.equal(response.status, 500)
      assert.equal(await response.text(), 'Internal Server Error')
      assert.equal(reported.errors.length, 1)
      assert.deepEqual(errors, [])
    })
  })

  describe('a session changed after the headers were sent (FIX-11, ADP-02)', () => {
    it('an explicit save throws HeadersSentError', async () => {
      const reported = reporting()
      const caught = deferred<unknown>()
      const { url } = await serve(async (req, res) => {
        const registry = getSessions(req, res, reported.options)
        const session = await registry.get(store)
        res.writeHead(200, { 'Content-Type': 'text/plain' })
        res.write('streaming')
        session.set('n', 1)
        try {
          await registry.save()
          caught.resolve(undefined)
        } catch (error) {
          caught.resolve(error)
        }
        res.end()
      })
      const response = await get(url)
      assert.equal(response.status, 200)
      assert.equal(await response.text(), 'streaming')
      assert.deepEqual(response.headers.getSetCookie(), [])
      const error = await caught.promise
      assert.ok(error instanceof HeadersSentError)
      assert.equal(error.code, 'ERR_SESSION_HEADERS_SENT')
    })

    it('without an explicit save, onError gets a HeadersSentError at finish', async () => {
      const reported = reporting()
      const { url } = await serve(async (req, res) => {
        const session = await getSessions(req, res, reported.options).get(store)
        res.write('first')
        session.set('n', 1)
        res.end('last')
      })
      const response = await get(url)
      assert.equal(response.status, 200)
      assert.equal(await response.text(), 'firstlast')
      assert.deepEqual(response.headers.getSetCookie(), [])
      const error = await within(reported.first, 2000, 'onError')
      assert.ok(error instanceof HeadersSentError)
      assert.equal(error.code, 'ERR_SESSION_HEADERS_SENT')
      assert.equal(reported.errors.length, 1)
    })

    it('an unchanged session after the headers reports nothing', async () => {
      const reported = reporting()
      const { url } = await serve(async (req, res) => {
        const session = await getSessions(req, res, reported.options).get(store)
        res.write('first')
        session.get('n')
        res.end()
      })
      const response = await get(url)
      assert.equal(await response.text(), 'first')
      assert.deepEqual(reported.errors, [])
    })
  })

  describe('hostile and unusual cookies', () => {
    async function validPair(): Promise<string> {
      const { url } = await serve(
        counter((session) => {
          session.set('n', 41)
        }),
      )
      return cookiePair(onlySetCookie((await get(url)).headers.getSetCookie(), 'app'))
    }

    it('a tampered cookie gives a fresh session, never a 500 (PAR-12)', async () => {
      const pair = await validPair()
      let reason: string | undefined
      const { url } = await serve(async (req, res) => {
        const session = await getSessions(req, res).get(store)
        reason = session.loadError?.reason
        res.end(JSON.stringify({ isNew: session.isNew, n: session.get('n') ?? null }))
      })
      const response = await get(url, tamper(pair))
      assert.equal(response.status, 200)
      assert.deepEqual(await response.json(), { isNew: true, n: null })
      assert.equal(reason, 'tampered')
      // Cleared at most once, never re-sent as a valid session.
      assert.ok(setCookiesNamed(response.headers.getSetCookie(), 'app').length <= 1)
    })

    it('a tampered cookie, then a write: the new session replaces it', async () => {
      const pair = await validPair()
      const { url } = await serve(counter())
      const response = await get(url, tamper(pair))
      assert.equal(response.status, 200)
      assert.equal(await response.text(), '1')
      onlySetCookie(response.headers.getSetCookie(), 'app')
    })

    it('duplicate names: app=garbage; app=<valid> loads the valid one (PAR-05)', async () => {
      const pair = await validPair()
      const { url } = await serve(counter((session) => session.get('n')))
      const response = await get(url, `app=garbage; other=1; ${pair}`)
      assert.equal(await response.text(), '41')
    })

    it('several Cookie header lines still find our cookie (PAR-06)', async () => {
      const pair = await validPair()
      const { port } = await serve(counter((session) => session.get('n')))
      const response = await rawRequest(port, [
        'GET / HTTP/1.1',
        'Cookie: a=1; b=2',
        `Cookie: ${pair}`,
        'Cookie: c=3',
      ])
      assert.equal(response.status, 200)
      assert.match(response.body, /41/)
      assert.deepEqual(rawHeaders(response, 'set-cookie'), [])
    })

    it('headers and cookies named __proto__, constructor, hasOwnProperty (PRO-07, ADP-12)', async () => {
      const pair = await validPair()
      const { url, port } = await serve(counter())
      const headers = new Headers([
        ['__proto__', 'x'],
        ['constructor', 'y'],
        ['hasOwnProperty', 'z'],
      ])
      const cookie = `__proto__=1; constructor=2; hasOwnProperty=3; toString=4; ${pair}`
      const response = await get(url, cookie, { headers })
      assert.equal(response.status, 200)
      assert.equal(await response.text(), '42')
      const raw = await rawRequest(port, [
        'GET / HTTP/1.1',
        '__proto__: {"polluted":true}',
        'constructor: x',
        'Cookie: __proto__=a',
        'Cookie: constructor=b; prototype=c',
      ])
      assert.equal(raw.status, 200)
      assert.equal(({} as Record<string, unknown>)['polluted'], undefined)
    })

    it('a Cookie header with 10,000 pairs is still served, our cookie first (DOS-01)', async () => {
      const pair = await validPair()
      const { url } = await serve(
        counter((session) => session.get('n')),
        {
          maxHeaderSize: 1 << 20,
        },
      )
      const many = Array.from({ length: 10_000 }, (_, i) => `c${i}=v`).join('; ')
      const response = await get(url, `${pair}; ${many}`)
      assert.equal(response.status, 200)
      assert.equal(await response.text(), '41')
      const tiny = await get(url, `${pair}; ${'a=; '.repeat(10_000)}`)
      assert.equal(tiny.status, 200)
      assert.equal(await tiny.text(), '41')
    })
  })

  describe('Cache-Control (ADP-10)', () => {
    it('no-store is added when a session cookie is set', async () => {
      const { url } = await serve(counter())
      const response = await get(url)
      assert.equal(response.headers.get('cache-control'), 'no-store')
    })

    it("the app's own Cache-Control is left alone", async () => {
      const { url } = await serve(async (req, res) => {
        res.setHeader('Cache-Control', 'private, max-age=60')
        const session = await getSessions(req, res).get(store)
        session.set('n', 1)
        res.end()
      })
      const response = await get(url)
      assert.equal(response.headers.get('cache-control'), 'private, max-age=60')
      onlySetCookie(response.headers.getSetCookie(), 'app')
    })

    it('a Cache-Control passed to writeHead wins', async () => {
      const { url } = await serve(async (req, res) => {
        const session = await getSessions(req, res).get(store)
        session.set('n', 1)
        res.writeHead(200, { 'Cache-Control': 'private' })
        res.end()
      })
      const response = await get(url)
      assert.equal(response.headers.get('cache-control'), 'private')
    })

    it('cacheControl: false leaves it out; a custom value is used', async () => {
      const off = await serve(counter(undefined, { cacheControl: false }))
      const response = await get(off.url)
      onlySetCookie(response.headers.getSetCookie(), 'app')
      assert.equal(response.headers.get('cache-control'), null)
      const custom = await serve(counter(undefined, { cacheControl: 'private, no-cache' }))
      assert.equal((await get(custom.url)).headers.get('cache-control'), 'private, no-cache')
    })
  })

  describe('errors that only show up when the response calls run', () => {
    it('a response call that throws (a bad header value) goes to onError, never uncaught', async () => {
      const reported = reporting()
      const { url, errors } = await serve(
        withSessions(async (_req, res, registry) => {
          const session = await registry.get(store)
          session.set('n', 1)
          res.writeHead(200, { 'X-Bad': 'a\nb' })
          res.end('no')
        }, reported.options),
      )
      const response = await get(url)
      assert.equal(response.status, 500)
      const error = await within(reported.first, 2000, 'onError')
      assert.ok(error instanceof Error)
      assert.equal((error as Error & { code?: unknown }).code, 'ERR_INVALID_CHAR')
      assert.deepEqual(errors, [])
    })

    it('an onError that throws after a failed save does not crash the process', async (t) => {
      const logged = t.mock.method(console, 'error', () => undefined)
      const thrown = new Error('onError failed')
      const { url } = await serve(async (req, res) => {
        const registry = getSessions(req, res, {
          onError: () => {
            throw thrown
          },
        })
        const session = await registry.get(failingStore(srvStore, 'reject'))
        session.set('n', 1)
        res.end('ok')
      })
      const response = await get(url)
      assert.equal(response.status, 500)
      assert.equal(await response.text(), 'Internal Server Error')
      const calls = logged.mock.calls.map((call) => call.arguments as unknown[])
      assert.ok(calls.some((args) => args.includes(thrown)))
    })
  })

  describe('withSessions(handler)', () => {
    it('gives the handler the registry of the request and writes the cookie', async () => {
      let same = false
      const { url } = await serve(
        withSessions(async (req, res, registry) => {
          same = registry === getSessions(req, res)
          const session = await registry.get(store)
          session.set('n', 5)
          res.end('ok')
        }),
      )
      const response = await get(url)
      assert.equal(await response.text(), 'ok')
      onlySetCookie(response.headers.getSetCookie(), 'app')
      assert.equal(same, true)
    })

    it('a thrown error goes to onError and becomes a 500', async () => {
      const reported = reporting()
      const boom = new Error('boom')
      const { url, errors } = await serve(
        withSessions(async (_req, _res, registry) => {
          await registry.get(store)
          throw boom
        }, reported.options),
      )
      const response = await get(url)
      assert.equal(response.status, 500)
      assert.equal(await response.text(), 'Internal Server Error')
      assert.deepEqual(reported.errors, [boom])
      assert.deepEqual(errors, [])
    })

    it('a failed explicit save is reported once and answered with one 500', async () => {
      const reported = reporting()
      const { url, errors } = await serve(
        withSessions(async (_req, res, registry) => {
          const session = await registry.get(store)
          session.set('big', 'x'.repeat(5000))
          await registry.save()
          res.end('not reached')
        }, reported.options),
      )
      const response = await get(url)
      assert.equal(response.status, 500)
      assert.equal(response.headers.getSetCookie().length, 0)
      assert.equal(reported.errors.length, 1)
      assert.equal((reported.errors[0] as { code?: unknown }).code, 'ERR_SESSION_SAVE')
      assert.deepEqual(errors, [])
    })

    it('an error thrown after res.end() is reported; the response stays as sent', async () => {
      const reported = reporting()
      const late = new Error('after the response')
      const { url, errors } = await serve(
        withSessions(async (_req, res, registry) => {
          const session = await registry.get(store)
          session.set('n', 1)
          res.end('ok')
          throw late
        }, reported.options),
      )
      const response = await get(url)
      assert.equal(response.status, 200)
      assert.equal(await response.text(), 'ok')
      onlySetCookie(response.headers.getSetCookie(), 'app')
      assert.deepEqual(reported.errors, [late])
      assert.deepEqual(errors, [])
    })

    it('an error thrown after res.writeHead() ends the response it started', async () => {
      const reported = reporting()
      const { url, errors } = await serve(
        withSessions(async (_req, res, registry) => {
          const session = await registry.get(store)
          session.set('n', 1)
          res.writeHead(200, { 'Content-Type': 'text/plain' })
          res.write('partial')
          throw new Error('mid-stream')
        }, reported.options),
      )
      const response = await get(url)
      assert.equal(response.status, 200)
      assert.equal(await response.text(), 'partial')
      assert.equal(reported.errors.length, 1)
      assert.deepEqual(errors, [])
    })

    it('onError may answer a thrown error with its own response', async () => {
      const { url, errors } = await serve(
        withSessions(
          async (_req, _res, registry) => {
            const session = await registry.get(store)
            session.set('n', 1)
            throw new Error('unavailable')
          },
          {
            onError: (_error, _req, res) => {
              res.statusCode = 503
              res.end('try later')
            },
          },
        ),
      )
      const response = await get(url)
      assert.equal(response.status, 503)
      assert.equal(await response.text(), 'try later')
      assert.deepEqual(errors, [])
    })

    it('a save failure inside the wrapper: 500 and onError', async () => {
      const reported = reporting()
      const { url } = await serve(
        withSessions(async (_req, res, registry) => {
          const session = await registry.get(store)
          session.set('big', 'y'.repeat(5000))
          res.end('no')
        }, reported.options),
      )
      const response = await get(url)
      assert.equal(response.status, 500)
      assert.deepEqual(response.headers.getSetCookie(), [])
      assert.ok(reported.errors.length >= 1)
      saveErrors(reported.errors[0])
    })
  })
}

describe('node:http adapter', () => {
  forEachCrypto(nodeSuite)
})
