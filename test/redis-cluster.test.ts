// The Redis driver on a real Cluster the test starts (three primaries, one replica each): the
// conformance suite through node-redis `createCluster` and ioredis `Redis.Cluster`, then a
// resharding (`redis-cli --cluster reshard`) of slots that hold live sessions under bounded
// HTTP load for both clients at once: no request hangs, no session is lost, and the errors
// during the move are counted.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createRedisDriver } from '../src/redis.ts'
import { runStoreConformance } from '../src/testing.ts'
import {
  openClusterClient,
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
import {
  ClusterTopology,
  RespConnection,
  deleteKeys,
  sleep,
  type ClusterNode,
} from './support/redis-topology.ts'

let topology: ClusterTopology | undefined

function started(): ClusterTopology {
  if (topology === undefined) throw new Error('the Cluster topology did not start')
  return topology
}

before(
  async () => {
    topology = await ClusterTopology.start()
  },
  { timeout: 60_000 },
)

// One client of each kind for the whole conformance suite (the driver leaves its client open):
// every test gets a driver of its own over it, under a prefix of its own.
const shared = new Map<ClientKind, Promise<OpenClient>>()

function sharedClient(kind: ClientKind): Promise<OpenClient> {
  let open = shared.get(kind)
  if (open === undefined) {
    open = openClusterClient(kind, started().rootNodes())
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

async function primaryPorts(): Promise<number[]> {
  return (await started().primaries()).map((node) => node.port)
}

const kinds: readonly ClientKind[] = ['node-redis', 'ioredis']

for (const kind of kinds) {
  runStoreConformance({
    name: `redis cluster (${kind})`,
    createDriver: async () =>
      createRedisDriver({ client: (await sharedClient(kind)).client, prefix: randomPrefix() }),
    cleanup: async ({ driver }) => {
      await deleteKeys(await primaryPorts(), driver.prefix)
    },
    test: { describe, it },
  })
}

/** The slots of a primary, in order. */
function slotsOf(node: ClusterNode): number[] {
  const slots: number[] = []
  for (const [start, end] of node.slots) for (let s = start; s <= end; s++) slots.push(s)
  return slots
}

/** The slot of each key, asked of the server in one pipeline. */
async function keySlots(port: number, keys: readonly string[]): Promise<number[]> {
  const connection = await RespConnection.open(port)
  try {
    const replies = await Promise.all(keys.map((key) => connection.send('CLUSTER', 'KEYSLOT', key)))
    return replies.map(Number)
  } finally {
    connection.close()
  }
}

describe('redis cluster: resharding under load', () => {
  it(
    'node-redis and ioredis: slots holding live sessions move, no request hangs, no session is lost',
    async (t) => {
      const topology = started()
      const timeout = 1000
      const bound = 10_000
      const runs: {
        kind: ClientKind
        open: OpenClient
        prefix: string
        app: SessionApp
        load?: Load
      }[] = []
      try {
        for (const kind of kinds) {
          const open = await openClusterClient(kind, topology.rootNodes())
          const prefix = randomPrefix()
          const driver = createRedisDriver({ client: open.client, prefix })
          runs.push({ kind, open, prefix, app: await startSessionApp(driver, timeout) })
        }
        for (const run of runs) {
          run.load = await startLoad({
            url: run.app.url,
            workers: 3,
            sessionsPerWorker: 20,
            loginShare: 0.2,
            bound,
            pause: 5,
          })
        }
        await sleep(200)

        // Move the source's lowest slots, as many as it takes to carry a third of the session
        // keys it holds now (redis-cli takes a source's slots from the lowest up).
        const [source, target] = await topology.primaries()
        assert.ok(source !== undefined && target !== undefined)
        const sourceSlots = slotsOf(source)
        const sessionKeys: string[] = []
        for (const run of runs) {
          const keys = await topology.keysOn(source.port, `${run.prefix}s{`)
          sessionKeys.push(...keys)
        }
        const keySlot = await keySlots(source.port, sessionKeys)
        const slots = [...keySlot].sort((a, b) => a - b)
        assert.ok(slots.length >= 6, `only ${slots.length} session keys on the source primary`)
        const last = slots[Math.floor(slots.length / 3)]!
        const moving = sourceSlots.indexOf(last) + 1
        const movedKeys = sessionKeys.filter((_, k) => sourceSlots.indexOf(keySlot[k]!) < moving)

        const windows = runs.map((run) => run.load!.mark())
        const reshardStarted = performance.now()
        await topology.reshard(source, target, moving)
        const reshardMs = performance.now() - reshardStarted
        await sleep(300)
        for (const run of runs) await run.load!.stop()

        // The slots moved, and the session keys in them with them.
        const after = await topology.primaries()
        const newTarget = after.find((node) => node.id === target.id)!
        const targetSlots = new Set(slotsOf(newTarget))
        assert.ok(sourceSlots.slice(0, moving).every((slot) => targetSlots.has(slot)))
        const onTarget = new Set<string>()
        for (const run of runs) {
          for (const key of await topology.keysOn(target.port, `${run.prefix}s{`)) onTarget.add(key)
        }

        for (const [i, run] of runs.entries()) {
          const load = run.load!
          const window = windows[i]!
          const check = await checkSessions(run.app.url, load.sessions, bound)
          t.diagnostic(
            `reshard of ${moving} slots (${movedKeys.length} session keys of both runs in them) ` +
              `took ${Math.round(reshardMs)} ms (${run.kind}): during the move ${summary(window)}; ` +
              `whole run ${summary(load.figures)}; ${check.checked} sessions checked`,
          )
          assert.equal(load.figures.hung, 0, `${run.kind}: requests hung`)
          assert.equal(load.figures.lost, 0, `${run.kind}: live sessions answered 401`)
          assert.equal(load.figures.cookiesOnFailure, 0, `${run.kind}: Set-Cookie on a failure`)
          assert.deepEqual(check.wrong, [], `${run.kind}: sessions lost or wrong`)
          assert.ok(check.checked > 60, `${run.kind}: sessions checked`)
          assert.ok(window.requests > 0, `${run.kind}: no requests during the move`)
          for (const kind of window.kinds.keys()) {
            assert.match(kind, /^503 ERR_SESSION_/, `${run.kind}: untyped failure ${kind}`)
          }
        }
        assert.ok(movedKeys.length > 0, 'no session in the moved slots')
        assert.deepEqual(
          movedKeys.filter((key) => !onTarget.has(key)),
          [],
          'session keys of the moved slots not on the target',
        )
      } finally {
        for (const run of runs) {
          await run.load?.stop()
          await run.app.close()
          await run.open.close()
        }
      }
    },
    { timeout: 60_000 },
  )
})
