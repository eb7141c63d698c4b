// The Redis driver on a real Sentinel deployment the test starts (one primary, one replica,
// three sentinels): the conformance suite through node-redis `createSentinel` and ioredis
// `sentinels`, then a `SENTINEL FAILOVER` under bounded HTTP load for both clients at once:
// no request hangs, no session is lost, and the errors during the switch are counted.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createRedisDriver } from '../src/redis.ts'
import { runStoreConformance } from '../src/testing.ts'
import {
  openSentinelClient,
  randomPrefix,
  type ClientKind,
  type OpenClient,
} from './support/redis-clients.ts'
import {
  checkSessions,
  startLoad,
  startSessionApp,
  summary,
  type Load,
  type SessionApp,
} from './support/redis-load.ts'
import { deleteKeys, SentinelTopology, sleep, waitUntil } from './support/redis-topology.ts'

let topology: SentinelTopology | undefined

function started(): SentinelTopology {
  if (topology === undefined) throw new Error('the Sentinel topology did not start')
  return topology
}

before(
  async () => {
    topology = await SentinelTopology.start()
  },
  { timeout: 40_000 },
)

// One client of each kind for the whole conformance suite (the driver leaves its client open):
// every test gets a driver of its own over it, under a prefix of its own.
const shared = new Map<ClientKind, Promise<OpenClient>>()

function sharedClient(kind: ClientKind): Promise<OpenClient> {
  let open = shared.get(kind)
  if (open === undefined) {
    open = openSentinelClient(kind, started().sentinelNodes())
    shared.set(kind, open)
  }
  return open
}

after(
  async () => {
    for (const open of shared.values()) await (await open).close()
    const pids = topology?.pids() ?? []
    await topology?.teardown()
    for (const pid of pids) {
      assert.throws(() => process.kill(pid, 0), `redis process ${pid} still running`)
    }
  },
  { timeout: 20_000 },
)

const kinds: readonly ClientKind[] = ['node-redis', 'ioredis']

for (const kind of kinds) {
  runStoreConformance({
    name: `redis sentinel (${kind})`,
    createDriver: async () =>
      createRedisDriver({ client: (await sharedClient(kind)).client, prefix: randomPrefix() }),
    cleanup: async ({ driver }) => {
      await deleteKeys([await started().primaryPort()], driver.prefix)
    },
    test: { describe, it },
    // The real calls of the fault tests' setup go through sentinels or several nodes on a busy
    // machine: the default 50 ms store timeout is too tight for them.
    faultTimeout: 250,
  })
}

describe('redis sentinel: SENTINEL FAILOVER under load', () => {
  it(
    'node-redis and ioredis: no request hangs, no session is lost, errors during the switch are counted',
    { timeout: 60_000 },
    async (t) => {
      const topology = started()
      const timeout = 1000
      const bound = 10_000
      const runs: { kind: ClientKind; open: OpenClient; app: SessionApp; load?: Load }[] = []
      try {
        for (const kind of kinds) {
          const open = await openSentinelClient(kind, topology.sentinelNodes())
          const driver = createRedisDriver({ client: open.client, prefix: randomPrefix() })
          runs.push({ kind, open, app: await startSessionApp(driver, timeout) })
        }
        await Promise.all(
          runs.map(async (run) => {
            run.load = await startLoad({
              url: run.app.url,
              workers: 3,
              sessionsPerWorker: 20,
              loginShare: 0.2,
              bound,
              pause: 5,
            })
          }),
        )
        await sleep(300)
        // Everything acknowledged so far is on the replica before it is promoted: these counts
        // must survive. Replication is asynchronous, so writes acknowledged from here on by the
        // old primary can be rolled back by the switch; those are counted, not forbidden.
        const durable = runs.map((run) => run.load!.snapshot())
        await topology.waitReplicated()
        const windows = runs.map((run) => run.load!.mark())
        const switchStarted = performance.now()
        const { from, to } = await topology.failover()
        const promotedAfter = performance.now() - switchStarted
        // Each client has switched once a run of requests after the promotion all succeed.
        await Promise.all(
          runs.map((run) =>
            waitUntil(
              `${run.kind} serves requests again`,
              async () => {
                const before = run.load!.figures.failed
                const requests = run.load!.figures.requests
                await sleep(250)
                return run.load!.figures.failed === before && run.load!.figures.requests > requests
              },
              20_000,
              0,
            ),
          ),
        )
        const switchMs = performance.now() - switchStarted
        for (const run of runs) await run.load!.stop()

        for (const [i, run] of runs.entries()) {
          const load = run.load!
          const window = windows[i]!
          const check = await checkSessions(run.app.url, load.sessions, bound, durable[i])
          const since = (at: number | undefined): string =>
            at === undefined ? '-' : String(Math.round(at - switchStarted))
          t.diagnostic(
            `failover ${from} -> ${to} (${run.kind}): promoted after ${Math.round(promotedAfter)} ms, ` +
              `requests failed from ${since(window.firstFailAt)} to ${since(window.lastFailAt)} ms ` +
              `after SENTINEL FAILOVER (all served again by ${Math.round(switchMs)} ms); ` +
              `during the switch ${summary(window)}; ` +
              `whole run ${summary(load.figures)}; ${check.checked} sessions checked ` +
              `(${durable[i]!.size} replicated before the failover, all intact); acknowledged ` +
              `during the switch but rolled back: ${check.rolledBack.length} counts, ` +
              `${check.missing.length} new sessions` +
              (check.rolledBack.length + check.missing.length > 0
                ? ` (${[...check.rolledBack, ...check.missing].join('; ')})`
                : ''),
          )
          assert.equal(load.figures.hung, 0, `${run.kind}: requests hung`)
          assert.deepEqual(
            [...durable[i]!.keys()].filter((session) => session.forgotten === true),
            [],
            `${run.kind}: sessions replicated before the failover answered 401`,
          )
          // A 401 only ever comes from a new session the switch rolled back.
          const missing = new Set(check.missing.map((line) => line.slice(0, line.indexOf(':'))))
          assert.deepEqual(
            load.sessions
              .filter((session) => session.forgotten === true && !missing.has(session.owner))
              .map((session) => session.owner),
            [],
            `${run.kind}: sessions answered 401 though the switch did not roll them back`,
          )
          assert.equal(load.figures.cookiesOnFailure, 0, `${run.kind}: Set-Cookie on a failure`)
          assert.deepEqual(check.wrong, [], `${run.kind}: sessions lost or wrong`)
          assert.ok(check.checked > 60, `${run.kind}: sessions checked`)
          // (401s are the rolled-back sessions, checked above.)
          for (const kind of window.kinds.keys()) {
            if (kind === '401') continue
            assert.match(kind, /^503 ERR_SESSION_/, `${run.kind}: untyped failure ${kind}`)
          }
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
