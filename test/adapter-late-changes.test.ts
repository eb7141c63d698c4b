// Changes made while a save runs or after the response left, over real HTTP, with every
// store whose save is asynchronous: such a change is saved too (while the headers can still
// carry it) or reported to onError as a HeadersSentError, never lost without a word.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { getSessions, withSessions } from '../src/node.ts'
import {
  appendSetCookies,
  commitSessions,
  getSessions as getFetchSessions,
  withSessions as withFetchSessions,
} from '../src/fetch.ts'
import type { FetchSessionsOptions } from '../src/fetch.ts'
import { HeadersSentError } from '../src/errors.ts'
import {
  createCookieStore,
  createServerStore,
  createMemoryDriver,
  sessionStorageKey,
} from '../src/index.ts'
import type { SessionStore } from '../src/index.ts'
import { createGorillaCookieStore } from '../src/securecookie.ts'
import {
  cookiePair,
  deferred,
  keys,
  makeStore,
  onlySetCookie,
  useServers,
  within,
} from './support/adapter-harness.ts'
import type { TestData } from './support/adapter-harness.ts'
import { createGate, gatedDriver, gatedWebCrypto, type Gate } from './support/gates.ts'
import { fetchOverHttp } from './support/fetch-server.ts'

// A store under test. With a gate, `during` holds the save at the gate and makes the change
// there; without one (a store on Web Crypto), the change is made right after the call that
// started the save, which cannot have finished by then.
interface Subject {
  readonly name: string
  readonly store: SessionStore<TestData>
  readonly gate: Gate | undefined
  /** Server stores keep the data; a cookie store's old cookie stays valid by design. */
  readonly serverSide: boolean
  /** Per-session remember-me is kept for later requests (gorilla, as Go, does not). */
  readonly remembers: boolean
}

function subjects(): Subject[] {
  const sealGate = createGate()
  const writeGate = createGate()
  const insecure = { cookie: { secure: false } }
  return [
    {
      name: 'cookie store, crypto: web',
      store: makeStore('web', insecure),
      gate: undefined,
      serverSide: false,
      remembers: true,
    },
    {
      name: 'cookie store, Web Crypto seal held',
      store: createCookieStore<TestData>({
        name: 'app',
        keys,
        crypto: gatedWebCrypto(sealGate),
        ...insecure,
      }),
      gate: sealGate,
      serverSide: false,
      remembers: true,
    },
    {
      name: 'gorilla cookie store, crypto: web',
      store: createGorillaCookieStore<TestData>({
        name: 'app',
        keyPairs: [
          crypto.getRandomValues(new Uint8Array(32)),
          crypto.getRandomValues(new Uint8Array(32)),
        ],
        crypto: 'web',
        ...insecure,
      }),
      gate: undefined,
      serverSide: false,
      remembers: false,
    },
    {
      name: 'server store, driver write held',
      store: createServerStore<TestData>({
        name: 'app',
        driver: gatedDriver(createMemoryDriver({ sweepInterval: 0 }), writeGate),
        keys,
        ...insecure,
      }),
      gate: writeGate,
      serverSide: true,
      remembers: true,
    },
  ]
}

/** Runs `start` (which starts a save), then `change` while that save is still running. */
async function during(subject: Subject, start: () => void, change: () => void): Promise<void> {
  const gate = subject.gate
  if (gate === undefined) {
    start()
    change()
    return
  }
  gate.close()
  start()
  await gate.held()
  change()
  gate.open()
}

interface Reported {
  readonly errors: unknown[]
  readonly first: Promise<unknown>
  readonly onError: (error: unknown) => void
}

function reporting(): Reported {
  const errors: unknown[] = []
  const first = deferred<unknown>()
  return {
    errors,
    first: first.promise,
    onError: (error) => {
      errors.push(error)
      first.resolve(error)
    },
  }
}

function assertHeadersSent(error: unknown): void {
  assert.ok(error instanceof HeadersSentError, `expected HeadersSentError, got ${String(error)}`)
  assert.equal(error.code, 'ERR_SESSION_HEADERS_SENT')
}

function isDeletion(setCookie: string): boolean {
  return /; Max-Age=0(;|$)/i.test(setCookie)
}

function get(url: string, cookie?: string, method = 'GET'): Promise<Response> {
  return fetch(url, { method, headers: cookie === undefined ? {} : { cookie } })
}

describe('node:http adapter: changes while a save runs or after the response', () => {
  const serve = useServers()

  // A server that answers with the session's `n` (or null) and whether it is new.
  async function readerFor(store: SessionStore<TestData>) {
    const { url } = await serve(async (req, res) => {
      const session = await getSessions(req, res).get(store)
      res.end(JSON.stringify({ n: session.get('n') ?? null, isNew: session.isNew }))
    })
    return async (cookie: string) => {
      const response = await get(url, cookie)
      return (await response.json()) as { n: number | null; isNew: boolean }
    }
  }

  async function login(store: SessionStore<TestData>): Promise<string> {
    const { url } = await serve(async (req, res) => {
      const session = await getSessions(req, res).get(store)
      session.set('n', 1)
      res.end('in')
    })
    return cookiePair(onlySetCookie((await get(url)).headers.getSetCookie(), 'app'))
  }

  for (const subject of subjects()) {
    describe(subject.name, () => {
      const store = subject.store

      it('a change made right after res.end(), while the save runs, is saved too', async () => {
        const reported = reporting()
        const { url } = await serve(async (req, res) => {
          const session = await getSessions(req, res, reported).get(store)
          session.set('n', 1)
          await during(
            subject,
            () => res.end('ok'),
            () => {
              session.set('n', 2)
            },
          )
        })
        const response = await get(url)
        assert.equal(await response.text(), 'ok')
        const cookie = cookiePair(onlySetCookie(response.headers.getSetCookie(), 'app'))
        assert.equal((await (await readerFor(store))(cookie)).n, 2)
        assert.deepEqual(reported.errors, [])
      })

      it('HEAD: a change made while the save runs is in the cookie', async () => {
        const { url } = await serve(async (req, res) => {
          const session = await getSessions(req, res).get(store)
          session.set('n', 1)
          await during(
            subject,
            () => res.end(),
            () => {
              session.set('n', 3)
            },
          )
        })
        const response = await get(url, undefined, 'HEAD')
        assert.equal(response.status, 200)
        const cookie = cookiePair(onlySetCookie(response.headers.getSetCookie(), 'app'))
        assert.equal((await (await readerFor(store))(cookie)).n, 3)
      })

      it('destroy() while the save runs: the response deletes the cookie (and the record)', async () => {
        const cookie = await login(store)
        const reported = reporting()
        const { url } = await serve(async (req, res) => {
          const session = await getSessions(req, res, reported).get(store)
          session.set('n', 2)
          await during(
            subject,
            () => res.end('bye'),
            () => {
              session.destroy()
            },
          )
        })
        const response = await get(url, cookie)
        assert.equal(await response.text(), 'bye')
        const setCookie = onlySetCookie(response.headers.getSetCookie(), 'app')
        assert.ok(isDeletion(setCookie), setCookie)
        if (subject.serverSide) {
          const after = await (await readerFor(store))(cookie)
          assert.deepEqual(after, { n: null, isNew: true })
        }
        assert.deepEqual(reported.errors, [])
      })

      it('remember-me asked for while the save runs reaches the cookie', async () => {
        const { url } = await serve(async (req, res) => {
          const session = await getSessions(req, res).get(store)
          session.set('n', 1)
          await during(
            subject,
            () => res.end('ok'),
            () => {
              session.rememberMe(true, 3600)
            },
          )
        })
        const setCookie = onlySetCookie((await get(url)).headers.getSetCookie(), 'app')
        assert.match(setCookie, /; Max-Age=3600/)
        if (!subject.remembers) return
        // Remembered by the session, not only written once: a later change keeps it.
        const later = await serve(async (req, res) => {
          ;(await getSessions(req, res).get(store)).set('n', 9)
          res.end('again')
        })
        const again = await get(later.url, cookiePair(setCookie))
        assert.match(onlySetCookie(again.headers.getSetCookie(), 'app'), /; Max-Age=3600/)
      })

      it('a change after the response finished is reported to onError', async () => {
        const reported = reporting()
        const { url } = await serve(async (req, res) => {
          const session = await getSessions(req, res, reported).get(store)
          session.set('n', 1)
          res.end('ok')
          await once(res, 'finish')
          session.set('n', 2)
        })
        const response = await get(url)
        assert.equal(await response.text(), 'ok')
        assertHeadersSent(await within(reported.first, 2000, 'onError'))
        assert.equal(reported.errors.length, 1)
      })

      it('a destroy() after the response finished is reported to onError', async () => {
        const cookie = await login(store)
        const reported = reporting()
        const { url } = await serve(async (req, res) => {
          const session = await getSessions(req, res, reported).get(store)
          res.end('ok')
          await once(res, 'finish')
          session.destroy()
        })
        await (await get(url, cookie)).text()
        assertHeadersSent(await within(reported.first, 2000, 'onError'))
      })
    })
  }

  for (const crypto of ['node', 'web'] as const) {
    const store = makeStore(crypto, { cookie: { secure: false } })

    it(`crypto ${crypto}: several changes after the headers are reported once per session`, async () => {
      const reported = reporting()
      const { url } = await serve(async (req, res) => {
        const session = await getSessions(req, res, reported).get(store)
        res.write('streaming')
        session.set('n', 1)
        session.set('n', 2)
        res.end()
        await once(res, 'finish')
        session.set('n', 3)
      })
      assert.equal(await (await get(url)).text(), 'streaming')
      assertHeadersSent(await within(reported.first, 2000, 'onError'))
      await new Promise((resolve) => setTimeout(resolve, 20))
      assert.equal(reported.errors.length, 1)
    })

    it(`crypto ${crypto}: a change after res.end() returned and the response finished is reported`, async () => {
      const reported = reporting()
      const { url } = await serve(async (req, res) => {
        const session = await getSessions(req, res, reported).get(store)
        session.set('n', 1)
        res.end('ok')
        await once(res, 'finish')
        await new Promise((resolve) => setTimeout(resolve, 5))
        session.increment('n')
      })
      const response = await get(url)
      assert.equal(await response.text(), 'ok')
      onlySetCookie(response.headers.getSetCookie(), 'app')
      assertHeadersSent(await within(reported.first, 2000, 'onError'))
    })

    it(`crypto ${crypto}: an onError that throws never makes the late change throw`, async (t) => {
      const logged = t.mock.method(console, 'error', () => undefined)
      const thrown = new Error('onError broke')
      const outcome = deferred<unknown>()
      const { url } = await serve(async (req, res) => {
        const registry = getSessions(req, res, {
          onError: () => {
            throw thrown
          },
        })
        const session = await registry.get(store)
        res.end('ok')
        try {
          session.set('n', 1)
          outcome.resolve('no throw')
        } catch (error) {
          outcome.resolve(error)
        }
      })
      assert.equal(await (await get(url)).text(), 'ok')
      assert.equal(await outcome.promise, 'no throw')
      await new Promise((resolve) => setTimeout(resolve, 5))
      const calls = logged.mock.calls.map((call) => call.arguments as unknown[])
      assert.ok(calls.some((args) => args.includes(thrown)))
    })

    it(`crypto ${crypto}: getSessions() first used after the headers were sent reports a change`, async () => {
      const reported = reporting()
      const { url } = await serve(async (req, res) => {
        res.writeHead(200, { 'Content-Type': 'text/plain' })
        const session = await getSessions(req, res, reported).get(store)
        session.set('n', 1)
        res.end('late')
      })
      const response = await get(url)
      assert.equal(await response.text(), 'late')
      assert.deepEqual(response.headers.getSetCookie(), [])
      assertHeadersSent(await within(reported.first, 2000, 'onError'))
    })

    it(`crypto ${crypto}: res.flushHeaders() sends the cookie; a change once the client has the headers is reported`, async () => {
      const reported = reporting()
      const headersArrived = deferred<undefined>()
      const { url } = await serve(async (req, res) => {
        const session = await getSessions(req, res, reported).get(store)
        session.set('n', 1)
        res.flushHeaders()
        await headersArrived.promise
        session.set('n', 2)
        res.end('done')
      })
      const response = await get(url)
      headersArrived.resolve(undefined)
      assert.equal(await response.text(), 'done')
      onlySetCookie(response.headers.getSetCookie(), 'app')
      assertHeadersSent(await within(reported.first, 2000, 'onError'))
    })

    it(`crypto ${crypto}: res.headersSent is true right after res.flushHeaders(), as on node; a change made then is saved with the headers or reported, never lost`, async () => {
      const reported = reporting()
      const { url } = await serve(async (req, res) => {
        const session = await getSessions(req, res, reported).get(store)
        session.set('n', 1)
        res.flushHeaders()
        assert.equal(res.headersSent, true)
        session.set('n', 2)
        res.end('done')
      })
      const response = await get(url)
      assert.equal(await response.text(), 'done')
      const cookie = cookiePair(onlySetCookie(response.headers.getSetCookie(), 'app'))
      if (crypto === 'node') {
        // Saved inside the header write: the change came after the cookie left.
        assertHeadersSent(await within(reported.first, 2000, 'onError'))
      } else {
        // Held for the save: the change was made while the headers waited, and went with them.
        assert.equal((await (await readerFor(store))(cookie)).n, 2)
        assert.deepEqual(reported.errors, [])
      }
    })
  }

  describe('server store', () => {
    function gatedStore() {
      const gate = createGate()
      const store = createServerStore<TestData>({
        name: 'app',
        driver: gatedDriver(createMemoryDriver({ sweepInterval: 0 }), gate),
        keys,
        cookie: { secure: false },
      })
      return { gate, store }
    }

    it('a session that keeps changing while its saves run: a bounded number of saves, then the response and a report', async () => {
      const { gate, store } = gatedStore()
      const reported = reporting()
      let changes = 0
      const { url } = await serve(async (req, res) => {
        const session = await getSessions(req, res, reported).get(store)
        session.set('n', 0)
        const finished = once(res, 'finish').then(() => 'finished')
        gate.close()
        res.end('ok')
        for (;;) {
          const next = await Promise.race([gate.held(), finished])
          if (next === 'finished') break
          session.set('n', ++changes)
          gate.open()
          gate.close()
        }
        gate.open()
      })
      const response = await get(url)
      assert.equal(await response.text(), 'ok')
      onlySetCookie(response.headers.getSetCookie(), 'app')
      assertHeadersSent(await within(reported.first, 2000, 'onError'))
      const writes = (gate.calls.get('create') ?? 0) + (gate.calls.get('update') ?? 0)
      assert.equal(writes, changes, 'one write per round, the last change reported')
      assert.ok(changes >= 2 && changes <= 8, `bounded: ${changes} rounds`)
    })

    it('destroyed elsewhere while its save ran, and changed meanwhile: it stays gone', async () => {
      const gate = createGate()
      const memory = createMemoryDriver({ sweepInterval: 0 })
      const store = createServerStore<TestData>({
        name: 'app',
        driver: gatedDriver(memory, gate),
        keys,
        cookie: { secure: false },
      })
      const cookie = await login(store)
      const { url } = await serve(async (req, res) => {
        const session = await getSessions(req, res).get(store)
        session.set('n', 2)
        gate.close()
        res.end('ok')
        await gate.held()
        // Log-out everywhere from another request, straight at the driver past the gate.
        await memory.delete(await sessionStorageKey(session.id ?? ''))
        session.set('n', 3)
        gate.open()
      })
      const response = await get(url, cookie)
      assert.equal(await response.text(), 'ok')
      assert.equal(memory.size, 0, 'no record was created again')
      for (const setCookie of response.headers.getSetCookie()) {
        assert.deepEqual(await (await readerFor(store))(cookiePair(setCookie)), {
          n: null,
          isNew: true,
        })
      }
    })

    it('an explicit save still running when res.end() starts the deferred one: one record, not two', async () => {
      const { gate, store } = gatedStore()
      const { url } = await serve(async (req, res) => {
        const registry = getSessions(req, res)
        const session = await registry.get(store)
        session.set('n', 1)
        const explicit = registry.save()
        res.end('ok')
        await explicit
      })
      const response = await get(url)
      assert.equal(await response.text(), 'ok')
      onlySetCookie(response.headers.getSetCookie(), 'app')
      assert.equal(gate.calls.get('create'), 1)
    })

    it('a handler that throws after a change: 500, nothing stored, the error reported (ADP-08)', async () => {
      const { gate, store } = gatedStore()
      const reported = reporting()
      const boom = new Error('boom')
      const { url, errors } = await serve(
        withSessions(async (_req, _res, registry) => {
          const session = await registry.get(store)
          session.set('n', 1)
          throw boom
        }, reported),
      )
      const response = await get(url)
      assert.equal(response.status, 500)
      assert.deepEqual(response.headers.getSetCookie(), [])
      assert.deepEqual(reported.errors, [boom])
      assert.equal(gate.calls.get('create'), undefined)
      assert.deepEqual(errors, [])
    })
  })
})

describe('Fetch adapter: changes while the commit saves or after it', () => {
  const serve = useServers()

  function readerFor(store: SessionStore<TestData>) {
    const handler = withFetchSessions(async (_request, registry) => {
      const session = await registry.get(store)
      return Response.json({ n: session.get('n') ?? null, isNew: session.isNew })
    })
    return async (cookie: string) => {
      const response = await handler(new Request('http://app.test/', { headers: { cookie } }))
      return (await response.json()) as { n: number | null; isNew: boolean }
    }
  }

  async function over(
    handler: (request: Request) => Promise<Response>,
  ): Promise<{ url: string; errors: unknown[] }> {
    return serve(fetchOverHttp(handler))
  }

  for (const subject of subjects()) {
    const gate = subject.gate
    if (gate === undefined) continue
    describe(subject.name, () => {
      const store = subject.store

      it("a change made while the commit's save runs is saved too", async () => {
        const reported = reporting()
        const { url } = await over(
          withFetchSessions(
            async (_request, registry) => {
              const session = await registry.get(store)
              session.set('n', 1)
              gate.close()
              void gate.held().then(() => {
                session.set('n', 2)
                gate.open()
              })
              return new Response('ok')
            },
            { onError: reported.onError },
          ),
        )
        const response = await get(url)
        assert.equal(await response.text(), 'ok')
        const cookie = cookiePair(onlySetCookie(response.headers.getSetCookie(), 'app'))
        assert.equal((await readerFor(store)(cookie)).n, 2)
        assert.deepEqual(reported.errors, [])
      })

      it("destroy() while the commit's save runs: the response deletes the cookie", async () => {
        const first = await withFetchSessions(async (_request, registry) => {
          ;(await registry.get(store)).set('n', 1)
          return new Response('in')
        })(new Request('http://app.test/'))
        const cookie = cookiePair(onlySetCookie(first.headers.getSetCookie(), 'app'))
        const { url } = await over(
          withFetchSessions(async (_request, registry) => {
            const session = await registry.get(store)
            session.set('n', 2)
            gate.close()
            void gate.held().then(() => {
              session.destroy()
              gate.open()
            })
            return new Response('bye')
          }),
        )
        const response = await get(url, cookie)
        assert.equal(await response.text(), 'bye')
        const setCookie = onlySetCookie(response.headers.getSetCookie(), 'app')
        assert.ok(isDeletion(setCookie), setCookie)
        if (subject.serverSide) {
          assert.deepEqual(await readerFor(store)(cookie), { n: null, isNew: true })
        }
      })
    })
  }

  const store = makeStore('web', { cookie: { secure: false } })

  it('a change while the streamed body is still being read is reported to onError', async () => {
    const reported = reporting()
    const { url } = await over(
      withFetchSessions(
        async (_request, registry) => {
          const session = await registry.get(store)
          session.set('n', 1)
          let pulls = 0
          const body = new ReadableStream<Uint8Array>({
            pull(controller) {
              pulls += 1
              if (pulls === 1) {
                controller.enqueue(new TextEncoder().encode('first '))
                return
              }
              session.set('n', 2)
              controller.enqueue(new TextEncoder().encode('last'))
              controller.close()
            },
          })
          return new Response(body)
        },
        { onError: reported.onError },
      ),
    )
    const response = await get(url)
    onlySetCookie(response.headers.getSetCookie(), 'app')
    assert.equal(await response.text(), 'first last')
    assertHeadersSent(await within(reported.first, 2000, 'onError'))
    assert.equal(reported.errors.length, 1)
  })

  it('a change after the commit (background work) is reported once to onError', async () => {
    const reported = reporting()
    // The background work starts once the response was returned, however long the commit took.
    const returned = deferred<undefined>()
    const done = deferred<undefined>()
    const handler = withFetchSessions(
      async (_request, registry) => {
        const session = await registry.get(store)
        session.set('n', 1)
        void returned.promise.then(() => {
          session.set('n', 2)
          session.destroy()
          done.resolve(undefined)
        })
        return new Response('ok')
      },
      { onError: reported.onError },
    )
    const response = await handler(new Request('http://app.test/'))
    returned.resolve(undefined)
    onlySetCookie(response.headers.getSetCookie(), 'app')
    await done.promise
    assertHeadersSent(await within(reported.first, 2000, 'onError'))
    await new Promise((resolve) => setTimeout(resolve, 5))
    assert.equal(reported.errors.length, 1)
  })

  it('without onError, a late change is logged with console.error', async (t) => {
    const logged = t.mock.method(console, 'error', () => undefined)
    const request = new Request('http://app.test/')
    const registry = getFetchSessions(request)
    const session = await registry.get(store)
    await withFetchSessions(() => new Response('ok'))(request)
    session.set('n', 1)
    await new Promise((resolve) => setTimeout(resolve, 0))
    const args = logged.mock.calls.map((call) => call.arguments as unknown[])
    assert.ok(args.some((list) => list.some((item) => item instanceof HeadersSentError)))
  })

  describe('Response.error() (a network error)', () => {
    const gate = createGate()
    const serverStore = createServerStore<TestData>({
      name: 'app',
      driver: gatedDriver(createMemoryDriver({ sweepInterval: 0 }), gate),
      keys,
      cookie: { secure: false },
    })
    const prefsStore = makeStore('web', { name: 'prefs', cookie: { secure: false } })

    it('with a changed session: returned as it is, nothing saved, the change reported', async () => {
      const reported = reporting()
      const options: FetchSessionsOptions = { onError: reported.onError }
      const handler = withFetchSessions(async (_request, registry) => {
        ;(await registry.get(serverStore)).set('n', 1)
        ;(await registry.get(prefsStore)).set('n', 1)
        return Response.error()
      }, options)
      const response = await handler(new Request('http://app.test/'))
      assert.equal(response.type, 'error')
      assert.deepEqual(response.headers.getSetCookie(), [])
      assert.equal(gate.calls.get('create'), undefined, 'no record for a response without cookies')
      assertHeadersSent(await within(reported.first, 2000, 'onError'))
      assert.equal(reported.errors.length, 1)
    })

    it('over HTTP: the client sees the network error, the server does not crash', async () => {
      const reported = reporting()
      const { url, errors } = await over(
        withFetchSessions(
          async (_request, registry) => {
            ;(await registry.get(store)).set('n', 1)
            return Response.error()
          },
          { onError: reported.onError },
        ),
      )
      await assert.rejects(get(url), TypeError)
      assertHeadersSent(await within(reported.first, 2000, 'onError'))
      assert.deepEqual(errors, [])
    })

    it('with an unchanged session: returned as it is, nothing reported', async () => {
      const reported = reporting()
      const handler = withFetchSessions(
        async (_request, registry) => {
          await registry.get(store)
          return Response.error()
        },
        { onError: reported.onError },
      )
      const response = await handler(new Request('http://app.test/'))
      assert.equal(response.type, 'error')
      await new Promise((resolve) => setTimeout(resolve, 5))
      assert.deepEqual(reported.errors, [])
    })

    it('appendSetCookies refuses it with a HeadersSentError, not a RangeError', () => {
      assert.throws(() => appendSetCookies(Response.error(), ['app=1']), HeadersSentError)
      const untouched = Response.error()
      assert.equal(appendSetCookies(untouched, []), untouched)
    })
  })

  it('commitSessions inside withSessions: the response carries each Set-Cookie once', async () => {
    const handler = withFetchSessions(async (request, registry) => {
      ;(await registry.get(store)).set('n', 1)
      return commitSessions(request, new Response('ok'))
    })
    const response = await handler(new Request('http://app.test/'))
    assert.equal(response.headers.getSetCookie().length, 1)
  })

  it('an explicit save still running when the commit starts: one record, not two', async () => {
    const gate = createGate()
    const serverStore = createServerStore<TestData>({
      name: 'app',
      driver: gatedDriver(createMemoryDriver({ sweepInterval: 0 }), gate),
      keys,
      cookie: { secure: false },
    })
    const handler = withFetchSessions(async (_request, registry) => {
      ;(await registry.get(serverStore)).set('n', 1)
      void registry.save()
      return new Response('ok')
    })
    const response = await handler(new Request('http://app.test/'))
    onlySetCookie(response.headers.getSetCookie(), 'app')
    assert.equal(gate.calls.get('create'), 1)
  })
})
