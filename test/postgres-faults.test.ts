// The PostgreSQL driver when the server goes away: a PostgreSQL of this file's own (initdb +
// pg_ctl in a temp directory) is stopped with `pg_ctl stop -m fast` in the middle of HTTP
// traffic and started again. Requests fail closed within the store's timeout, nothing stored
// before is lost, and the same app (the same pg Pool) serves again without a restart. Then two
// app processes share the server: a login on one is seen on the other, and log-out-everywhere
// on one ends the other's sessions at their next request.
import assert from 'node:assert/strict'
import { fork, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'

import { startApp, type App, type Failure } from './support/postgres-app.ts'
import { randomTable, startPrivateServer, type PrivateServer } from './support/postgres.ts'

const TIMEOUT = 500
const SESSIONS = 12
const WORKERS = 4

let server: PrivateServer
before(async () => {
  server = await startPrivateServer()
})
after(async () => {
  await server.destroy()
})

const secret = randomBytes(32).toString('hex')

interface Reply {
  readonly status: number
  readonly body: Record<string, unknown>
  readonly setCookie: readonly string[]
  readonly started: number
  readonly ms: number
}

async function request(url: string, cookie?: string): Promise<Reply> {
  const started = performance.now()
  const res = await fetch(url, {
    method: 'POST',
    headers: cookie === undefined ? {} : { cookie },
    signal: AbortSignal.timeout(10_000),
  })
  const body = (await res.json()) as Record<string, unknown>
  return {
    status: res.status,
    body,
    setCookie: res.headers.getSetCookie(),
    started,
    ms: performance.now() - started,
  }
}

async function login(app: App | string, user: string): Promise<string> {
  const base = typeof app === 'string' ? app : app.url
  const reply = await request(`${base}/login?user=${user}`)
  assert.equal(reply.status, 200)
  const cookie = reply.setCookie[0]?.split(';')[0]
  assert.ok(cookie !== undefined, 'a login sets the cookie')
  return cookie
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

describe('postgres: the server stopped and started under traffic', () => {
  it('fails closed within the timeout, loses nothing, and resumes without an app restart', async (t) => {
    const table = randomTable()
    const app = await startApp({ endpoint: server, table, secret, timeout: TIMEOUT })
    try {
      const cookies: string[] = []
      for (let i = 0; i < SESSIONS; i++) cookies.push(await login(app, `user${i}`))

      const replies: (Reply & { readonly session: number })[] = []
      const last = new Array<number>(SESSIONS).fill(0)
      let stopTraffic = false
      let startedAt = Number.POSITIVE_INFINITY
      let recoveredAt = Number.POSITIVE_INFINITY
      // Each worker has sessions of its own and sends one request at a time, so a session's
      // counter grows by one with each request that succeeded.
      const worker = async (w: number): Promise<void> => {
        for (let k = 0; !stopTraffic; k++) {
          const session = w + WORKERS * (k % (SESSIONS / WORKERS))
          const reply = await request(`${app.url}/count`, cookies[session])
          replies.push({ ...reply, session })
          if (reply.status === 200) {
            assert.equal(reply.body['user'], `user${session}`, 'never a fresh session')
            const n = reply.body['n'] as number
            assert.ok(n > (last[session] ?? 0), `the counter of session ${session} moved on`)
            last[session] = n
            if (reply.started >= startedAt && recoveredAt === Number.POSITIVE_INFINITY) {
              recoveredAt = performance.now()
            }
          } else {
            // A failed request never lets go of the session: no cookie at all.
            assert.deepEqual(reply.setCookie, [], 'no Set-Cookie on a failure')
            await sleep(20) // bounded traffic while the server is down
          }
        }
      }
      const traffic = Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)))

      await sleep(300)
      const stopping = performance.now()
      await server.stop()
      const stopped = performance.now()
      await sleep(800)
      await server.start()
      startedAt = performance.now()
      for (
        let waited = 0;
        recoveredAt === Number.POSITIVE_INFINITY && waited < 15_000;
        waited += 50
      ) {
        await sleep(50)
      }
      await sleep(300) // some traffic after the recovery
      stopTraffic = true
      await traffic

      const failures = replies.filter((r) => r.status !== 200)
      const kinds = new Map<string, number>()
      for (const r of failures) {
        const body = r.body as unknown as Failure
        assert.equal(r.status, 503)
        assert.ok(
          body.store === 'ERR_SESSION_STORE',
          `a typed store error, not ${JSON.stringify(body)}`,
        )
        const kind = `${body.error}/${body.timedOut ? 'timeout' : 'error'}`
        kinds.set(kind, (kinds.get(kind) ?? 0) + 1)
        assert.ok(r.ms <= TIMEOUT + 1000, `failed after ${Math.round(r.ms)} ms`)
      }
      assert.ok(failures.length > 0, 'the outage was seen')
      assert.ok(recoveredAt < Number.POSITIVE_INFINITY, 'service resumed')
      for (const r of replies) assert.deepEqual(r.setCookie, [], 'no new cookie over a valid one')

      // Nothing stored before the outage is lost: every session, with its user and counter.
      for (let i = 0; i < SESSIONS; i++) {
        const reply = await request(`${app.url}/me`, cookies[i])
        assert.equal(reply.status, 200)
        assert.equal(reply.body['user'], `user${i}`)
        assert.ok((reply.body['n'] as number) >= (last[i] ?? 0))
      }

      const failMs = failures.map((r) => r.ms).sort((a, b) => a - b)
      t.diagnostic(
        `${replies.length} requests, ${failures.length} failed (${[...kinds].map(([k, n]) => `${k}: ${n}`).join(', ')}); ` +
          `time to fail median ${Math.round(failMs[Math.floor(failMs.length / 2)] ?? 0)} ms, max ${Math.round(failMs.at(-1) ?? 0)} ms (timeout ${TIMEOUT} ms); ` +
          `pg_ctl stop took ${Math.round(stopped - stopping)} ms, down ${Math.round(startedAt - stopped)} ms; ` +
          `first success ${Math.round(recoveredAt - startedAt)} ms after the server was back`,
      )
    } finally {
      await app.close()
    }
  })
})

describe('postgres: the server frozen under traffic', () => {
  it('hanging queries time out with the typed store error; the same pool serves again', async (t) => {
    const table = randomTable()
    const app = await startApp({ endpoint: server, table, secret, timeout: TIMEOUT })
    try {
      const cookies: string[] = []
      for (let i = 0; i < WORKERS; i++) cookies.push(await login(app, `user${i}`))
      server.freeze(true)
      let replies: Reply[]
      try {
        replies = await Promise.all(cookies.map((cookie) => request(`${app.url}/count`, cookie)))
      } finally {
        server.freeze(false)
      }
      for (const reply of replies) {
        assert.equal(reply.status, 503)
        assert.deepEqual(reply.body, {
          error: 'ERR_SESSION_STORE',
          store: 'ERR_SESSION_STORE',
          timedOut: true,
        })
        assert.deepEqual(reply.setCookie, [], 'no cookie, no fresh session')
        assert.ok(
          reply.ms >= TIMEOUT - 5 && reply.ms <= TIMEOUT + 1000,
          `failed after ${Math.round(reply.ms)} ms`,
        )
      }
      const thawed = performance.now()
      for (const [i, cookie] of cookies.entries()) {
        const reply = await request(`${app.url}/count`, cookie)
        assert.equal(reply.status, 200)
        assert.equal(reply.body['user'], `user${i}`)
      }
      const ms = replies.map((r) => Math.round(r.ms))
      t.diagnostic(
        `${replies.length} requests during the freeze, all timed out after ${Math.min(...ms)}–${Math.max(...ms)} ms (timeout ${TIMEOUT} ms); ` +
          `all ${cookies.length} sessions served again ${Math.round(performance.now() - thawed)} ms after the thaw`,
      )
    } finally {
      await app.close()
    }
  })
})

describe('postgres: two app processes sharing one server', () => {
  it('a login on one is seen on the other; log-out-everywhere on one ends the other’s sessions', async () => {
    const table = randomTable()
    const children: ChildProcess[] = []
    const spawnApp = async (): Promise<string> => {
      const child = fork(new URL('./support/postgres-app-process.js', import.meta.url), {
        env: {
          ...process.env,
          SK_APP: JSON.stringify({ endpoint: server, table, secret, timeout: 5000 }),
        },
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      })
      children.push(child)
      return new Promise((resolve, reject) => {
        child.once('message', (message) => {
          resolve((message as { url: string }).url)
        })
        child.once('exit', (code) => {
          reject(new Error(`the app process exited (${String(code)})`))
        })
      })
    }
    try {
      const [a, b] = await Promise.all([spawnApp(), spawnApp()])
      assert.notEqual(a, b)

      const onA = await login(a, 'alice')
      const seen = await request(`${b}/me`, onA)
      assert.equal(seen.status, 200)
      assert.equal(seen.body['user'], 'alice', 'a login on A is seen on B')
      const onB = await login(b, 'alice')
      const bob = await login(b, 'bob')

      const ended = await request(`${a}/logout-everywhere?user=alice`)
      assert.deepEqual(ended.body, { ended: 2 })
      for (const cookie of [onA, onB]) {
        const after = await request(`${b}/me`, cookie)
        assert.equal(after.status, 200)
        assert.equal(after.body['user'], null, 'the session ended on B too')
      }
      assert.equal((await request(`${b}/me`, bob)).body['user'], 'bob', 'other users stay')
    } finally {
      for (const child of children) child.disconnect()
      await Promise.all(
        children.map((child) =>
          child.exitCode === null
            ? new Promise((resolve) => child.once('exit', resolve))
            : Promise.resolve(),
        ),
      )
    }
  })
})
