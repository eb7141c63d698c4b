// The adapter core on its own, driven by a toy framework adapter written the way a framework
// adapter is meant to be: it maps its response headers onto SessionHeaders, commits before
// the response is sent and says when it was sent. Nothing else.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import {
  AdapterSessionRegistry,
  RequestSessions,
  writeSessionCookies,
  type SessionHeaders,
} from '../src/adapters/core.ts'
import { HeadersSentError, SessionSaveError } from '../src/errors.ts'
import { createCookieStore, type SessionStore } from '../src/index.ts'
import {
  cookiePair,
  failingStore,
  keys,
  makeStore,
  onlySetCookie,
  type TestData,
} from './support/adapter-harness.ts'
import { createGate, gatedWebCrypto } from './support/gates.ts'

/** A framework's response: headers (lower-case names) that can change until it is sent. */
class ToyResponse {
  readonly headers = new Map<string, string[]>()
  sent = false
}

// The toy adapter: its headers as SessionHeaders ...
function headersOf(response: ToyResponse): SessionHeaders {
  return {
    getSetCookie: () => response.headers.get('set-cookie') ?? [],
    setSetCookie: (values) => response.headers.set('set-cookie', [...values]),
    hasCacheControl: () => response.headers.has('cache-control'),
    setCacheControl: (value) => response.headers.set('cache-control', [value]),
  }
}

function toySessions(cookieHeader: string | undefined, onError?: (error: unknown) => void) {
  const response = new ToyResponse()
  const sessions = new RequestSessions(
    { headers: headersOf(response), onError, headersSent: () => response.sent },
    (hooks) => new AdapterSessionRegistry(cookieHeader, hooks),
  )
  return { response, sessions }
}

// ... and the send: commit, then the headers go out.
async function send(sessions: RequestSessions, response: ToyResponse): Promise<void> {
  await sessions.commit()
  response.sent = true
  sessions.afterCommit()
}

function reporter() {
  const errors: unknown[] = []
  return { errors, onError: (error: unknown) => errors.push(error) }
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 5))

async function valueOf(store: SessionStore<TestData>, setCookie: string) {
  return (await store.get(cookiePair(setCookie))).get('n')
}

describe('adapter core (through a toy framework adapter)', () => {
  const store = makeStore('node', { cookie: { secure: false } })

  it("a changed session: one Set-Cookie after the app's own, and Cache-Control: no-store", async () => {
    const { response, sessions } = toySessions(undefined)
    response.headers.set('set-cookie', ['theirs=1'])
    ;(await sessions.registry.get(store)).set('n', 1)
    await send(sessions, response)
    const setCookies = response.headers.get('set-cookie') ?? []
    assert.equal(setCookies.length, 2)
    assert.equal(setCookies[0], 'theirs=1')
    assert.equal(await valueOf(store, onlySetCookie(setCookies, 'app')), 1)
    assert.deepEqual(response.headers.get('cache-control'), ['no-store'])
  })

  it('an unchanged session writes no header', async () => {
    const { response, sessions } = toySessions(undefined)
    await sessions.registry.get(store)
    await send(sessions, response)
    assert.deepEqual([...response.headers.keys()], [])
  })

  it('an explicit save, then a change: the commit replaces our cookie, the app keeps its own', async () => {
    const { response, sessions } = toySessions(undefined)
    const session = await sessions.registry.get(store)
    session.set('n', 1)
    await sessions.registry.save()
    response.headers.get('set-cookie')?.push('theirs=1')
    session.set('n', 2)
    await send(sessions, response)
    const setCookies = response.headers.get('set-cookie') ?? []
    assert.equal(setCookies.length, 2)
    assert.equal(setCookies[0], 'theirs=1')
    assert.equal(await valueOf(store, onlySetCookie(setCookies, 'app')), 2)
  })

  it('with synchronous stores the commit is synchronous', async () => {
    const { sessions } = toySessions(undefined)
    ;(await sessions.registry.get(store)).set('n', 1)
    const values = sessions.commit()
    assert.ok(Array.isArray(values))
    assert.equal(sessions.phase, 'open')
  })

  it('phases: open, saving while the save runs, committed once sent', async () => {
    const gate = createGate()
    const slow = createCookieStore<TestData>({ name: 'app', keys, crypto: gatedWebCrypto(gate) })
    const { response, sessions } = toySessions(undefined)
    ;(await sessions.registry.get(slow)).set('n', 1)
    assert.equal(sessions.phase, 'open')
    gate.close()
    const committing = sessions.commit()
    await gate.held()
    assert.equal(sessions.phase, 'saving')
    gate.open()
    await committing
    assert.equal(sessions.phase, 'open')
    response.sent = true
    assert.equal(sessions.phase, 'committed')
  })

  it('a change made while the save runs is saved by another round', async () => {
    const gate = createGate()
    const slow = createCookieStore<TestData>({ name: 'app', keys, crypto: gatedWebCrypto(gate) })
    const reported = reporter()
    const { response, sessions } = toySessions(undefined, reported.onError)
    const session = await sessions.registry.get(slow)
    session.set('n', 1)
    gate.close()
    const sending = send(sessions, response)
    await gate.held()
    session.set('n', 2)
    gate.open()
    await sending
    assert.equal(gate.calls.get('seal'), 2)
    const setCookies = response.headers.get('set-cookie') ?? []
    assert.equal(await valueOf(slow, onlySetCookie(setCookies, 'app')), 2)
    await tick()
    assert.deepEqual(reported.errors, [])
  })

  it('a session that keeps changing: four saves, then the response and one report', async () => {
    const gate = createGate()
    const slow = createCookieStore<TestData>({ name: 'app', keys, crypto: gatedWebCrypto(gate) })
    const reported = reporter()
    const { response, sessions } = toySessions(undefined, reported.onError)
    const session = await sessions.registry.get(slow)
    session.set('n', 0)
    gate.close()
    const finished = send(sessions, response).then(() => 'finished' as const)
    for (let n = 1; ; n++) {
      if ((await Promise.race([gate.held(), finished])) === 'finished') break
      session.set('n', n)
      gate.open()
      gate.close()
    }
    gate.open()
    assert.equal(response.sent, true)
    assert.equal(gate.calls.get('seal'), 4)
    await tick()
    assert.equal(reported.errors.length, 1)
    assert.ok(reported.errors[0] instanceof HeadersSentError)
  })

  it('after the send a change is reported once, and a save with changes throws', async () => {
    const reported = reporter()
    const { response, sessions } = toySessions(undefined, reported.onError)
    const session = await sessions.registry.get(store)
    await send(sessions, response)
    session.set('n', 1)
    session.set('n', 2)
    assert.throws(() => sessions.registry.save(), HeadersSentError)
    await tick()
    assert.equal(reported.errors.length, 1)
    const [error] = reported.errors
    assert.ok(error instanceof HeadersSentError)
    assert.match(error.message, /session "app" changed after its response was committed/)
  })

  it('discard: nothing saved, a changed session reported once; an unchanged one is not', async () => {
    const changed = reporter()
    const first = toySessions(undefined, changed.onError)
    ;(await first.sessions.registry.get(store)).set('n', 1)
    first.sessions.discard('no cookies on this response')
    assert.equal(first.sessions.phase, 'committed')
    assert.deepEqual([...first.response.headers.keys()], [])
    const unchanged = reporter()
    const second = toySessions(undefined, unchanged.onError)
    await second.sessions.registry.get(store)
    second.sessions.discard('no cookies on this response')
    await tick()
    assert.equal(changed.errors.length, 1)
    assert.match(String(changed.errors[0]), /no cookies on this response/)
    assert.deepEqual(unchanged.errors, [])
  })

  it('a failed commit: the phase is failed and a later change is not reported', async () => {
    const reported = reporter()
    const { sessions } = toySessions(undefined, reported.onError)
    const session = await sessions.registry.get(failingStore(store, 'reject'))
    session.set('n', 1)
    await assert.rejects(async () => sessions.commit(), SessionSaveError)
    assert.equal(sessions.phase, 'failed')
    session.set('n', 2)
    await tick()
    assert.deepEqual(reported.errors, [])
  })

  it('an onError that throws is logged; the late change does not throw', async (t) => {
    const logged = t.mock.method(console, 'error', () => undefined)
    const thrown = new Error('onError broke')
    const { response, sessions } = toySessions(undefined, () => {
      throw thrown
    })
    const session = await sessions.registry.get(store)
    await send(sessions, response)
    session.set('n', 1)
    await tick()
    assert.ok(logged.mock.calls.some((call) => (call.arguments as unknown[]).includes(thrown)))
  })
})

describe('writeSessionCookies', () => {
  /** Headers as a plain list, for the property. */
  function listHeaders(initial: readonly string[], cacheControl: boolean) {
    const state = { setCookie: [...initial], cacheControl: cacheControl ? 'private' : undefined }
    const headers: SessionHeaders = {
      getSetCookie: () => state.setCookie,
      setSetCookie: (values) => {
        state.setCookie = [...values]
      },
      hasCacheControl: () => state.cacheControl !== undefined,
      setCacheControl: (value) => {
        state.cacheControl = value
      },
    }
    return { state, headers }
  }

  const cookie = fc.stringMatching(/^[a-e]=[0-3]$/)

  it("keeps the app's cookies in order, replaces ours, writes each of ours once", () => {
    fc.assert(
      fc.property(
        fc.array(cookie, { maxLength: 6 }),
        fc.uniqueArray(cookie, { maxLength: 4 }),
        fc.uniqueArray(cookie, { maxLength: 4 }),
        fc.boolean(),
        (present, previous, values, hasCacheControl) => {
          const { state, headers } = listHeaders(present, hasCacheControl)
          writeSessionCookies(headers, values, previous)
          if (values.length === 0) {
            assert.deepEqual(state.setCookie, present)
            return
          }
          const theirs = present.filter((v) => !previous.includes(v) && !values.includes(v))
          assert.deepEqual(state.setCookie.slice(0, theirs.length), theirs)
          assert.deepEqual(state.setCookie.slice(theirs.length), values)
          assert.equal(state.cacheControl, hasCacheControl ? 'private' : 'no-store')
        },
      ),
    )
  })

  it('cacheControl: false adds none', () => {
    const { state, headers } = listHeaders([], false)
    writeSessionCookies(headers, ['app=1'], [], false)
    assert.deepEqual(state, { setCookie: ['app=1'], cacheControl: undefined })
  })
})
