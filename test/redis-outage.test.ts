// A Redis server the test owns (every write fsynced to its append-only file before it is
// acknowledged) is killed in the middle of bounded HTTP traffic and started again, with
// node-redis and ioredis clients at once: while it is down every request fails closed within
// the store's timeout (a typed store error, no fresh session, no Set-Cookie over the valid
// cookie); once it is back the same app, never restarted, serves every session stored before
// and during the outage.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createRedisDriver } from '../src/redis.ts'
import {
  openStandaloneClient,
  randomPrefix,
  type ClientKind,
  type OpenClient,
} from './support/redis-clients.ts'
import {
  bump,
  checkSessions,
  newFigures,
  request,
  startLoad,
  startSessionApp,
  summary,
  type Load,
  type SessionApp,
} from './support/redis-load.ts'
import { sleep, StandaloneRedis, waitUntil } from './support/redis-topology.ts'

let redis: StandaloneRedis | undefined

before(
  async () => {
    redis = await StandaloneRedis.start()
  },
  { timeout: 20_000 },
)

after(
  async () => {
    const pids = redis?.pids() ?? []
    await redis?.teardown()
    for (const pid of pids) {
      assert.throws(() => process.kill(pid, 0), `redis process ${pid} still running`)
    }
  },
  { timeout: 20_000 },
)

const kinds: readonly ClientKind[] = ['node-redis', 'ioredis']

describe('redis: the server stops in the middle of traffic and starts again', () => {
  it(
    'node-redis and ioredis: requests fail closed within the timeout, nothing stored is lost, service resumes',
    { timeout: 60_000 },
    async (t) => {
      assert.ok(redis !== undefined)
      const server = redis.process
      const timeout = 500
      const bound = 10_000
      // A request makes at most two store calls (load, then save), each with its own timeout.
      const failWithin = 2 * timeout + 2000
      const runs: { kind: ClientKind; open: OpenClient; app: SessionApp; load?: Load }[] = []
      try {
        for (const kind of kinds) {
          const open = await openStandaloneClient(kind, redis.port)
          const driver = createRedisDriver({ client: open.client, prefix: randomPrefix() })
          runs.push({ kind, open, app: await startSessionApp(driver, timeout) })
        }
        await Promise.all(
          runs.map(async (run) => {
            run.load = await startLoad({
              url: run.app.url,
              workers: 3,
              sessionsPerWorker: 15,
              loginShare: 0.2,
              bound,
              pause: 5,
            })
          }),
        )
        await sleep(300)

        const down = runs.map((run) => run.load!.mark())
        await server.stop('SIGKILL')
        const stoppedAt = performance.now()
        // Long enough for every worker to see the outage several times over.
        await sleep(3 * timeout)

        // One more request per client with a valid cookie, looked at closely.
        for (const run of runs) {
          const session = run.load!.sessions[0]!
          const reply = await bump(run.app.url, session, bound, [newFigures()])
          assert.equal(reply.status, 503, `${run.kind}: a request while Redis is down`)
          assert.match(reply.error ?? '', /^ERR_SESSION_STORE get/, `${run.kind}: the load fails`)
          assert.deepEqual(reply.setCookies, [], `${run.kind}: no Set-Cookie while down`)
        }

        await server.start()
        const downMs = performance.now() - stoppedAt
        const back = runs.map((run) => run.load!.mark())
        // The same app, never restarted, serves requests again once its client reconnects.
        await Promise.all(
          runs.map((run) =>
            waitUntil(
              `${run.kind} serves requests again`,
              async () => {
                const reply = await request(
                  `${run.app.url}/read`,
                  run.load!.sessions[0]!.cookie,
                  bound,
                )
                return reply.status === 200
              },
              15_000,
            ),
          ),
        )
        const resumedMs = performance.now() - stoppedAt
        await sleep(300)
        for (const run of runs) await run.load!.stop()

        for (const [i, run] of runs.entries()) {
          const load = run.load!
          const outage = down[i]!
          const check = await checkSessions(run.app.url, load.sessions, bound)
          t.diagnostic(
            `outage (${run.kind}, timeout ${timeout} ms): down ${Math.round(downMs)} ms, serving again ` +
              `${Math.round(resumedMs)} ms after the kill; while down ${summary(outage)}; after the restart ` +
              `${summary(back[i]!)}; ${check.checked} sessions checked`,
          )
          assert.ok(outage.failed > 0, `${run.kind}: no request failed while Redis was down`)
          assert.equal(load.figures.hung, 0, `${run.kind}: requests hung`)
          assert.equal(load.figures.lost, 0, `${run.kind}: a live session answered 401 (fail open)`)
          assert.equal(load.figures.cookiesOnFailure, 0, `${run.kind}: Set-Cookie on a failure`)
          assert.ok(
            outage.maxMs < failWithin,
            `${run.kind}: a request took ${Math.round(outage.maxMs)} ms while Redis was down`,
          )
          for (const kind of outage.kinds.keys()) {
            assert.match(kind, /^503 ERR_SESSION_/, `${run.kind}: untyped failure ${kind}`)
          }
          assert.deepEqual(check.wrong, [], `${run.kind}: sessions lost or wrong`)
          assert.ok(check.checked >= 45, `${run.kind}: sessions checked`)
        }
      } finally {
        for (const run of runs) {
          await run.load?.stop()
          await run.app.close()
          await run.open.close()
        }
      }
    },
  )
})
