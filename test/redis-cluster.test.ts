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
    // The real calls of the fault tests' setup go through sentinels or several nodes on a busy
    // machine: the default 50 ms store timeout is too tight for them.
    faultTimeout: 250,
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

/** The `owner` value (JSON, field `v:owner`) stored in each session hash. */
async function hashOwners(port: number, keys: readonly string[]): Promise<Set<string>> {
  const connection = await RespConnection.open(port)
  try {
    const replies = await Promise.all(keys.map((key) => connection.send('HGET', key, 'v:owner')))
    return new Set(
      replies.map((reply) => (typeof reply === 'string' ? (JSON.parse(reply) as string) : '')),
    )
  } finally {
    connection.close()
  }
}

describe('redis cluster: resharding under load', () => {
  it(
    'node-redis and ioredis: slots holding live sessions move, no request hangs, no session is lost',
    { timeout: 60_000 },
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
        await Promise.all(
          runs.map(async (run) => {
            run.load = await startLoad({
              url: run.app.url,
              workers: 3,
              sessionsPerWorker: 40,
              loginShare: 0.2,
              bound,
              pause: 15,
            })
          }),
        )
        await sleep(200)

        // redis-cli moves a source's lowest slots first: of the three primaries, take the one
        // whose lowest slots reach five live sessions soonest, and move just those slots (enough
        // sessions on the move, few enough slots to keep the test short).
        const primaries = await topology.primaries()
        const plans: { source: ClusterNode; moving: number; movedKeys: string[] }[] = []
        for (const node of primaries) {
          const nodeSlots = slotsOf(node)
          const keys: string[] = []
          for (const run of runs)
            keys.push(...(await topology.keysOn(node.port, `${run.prefix}s{`)))
          const positions = (await keySlots(node.port, keys)).map((slot) => nodeSlots.indexOf(slot))
          const sorted = [...positions].sort((a, b) => a - b)
          assert.ok(sorted.length >= 5, `only ${sorted.length} session keys on ${node.port}`)
          const moving = sorted[4]! + 1
          plans.push({
            source: node,
            moving,
            movedKeys: keys.filter((_, k) => positions[k]! < moving),
          })
        }
        const { source, moving, movedKeys } = plans.sort((a, b) => a.moving - b.moving)[0]!
        const target = primaries.find((node) => node.id !== source.id)!
        const sourceSlots = slotsOf(source)

        // Traffic on the moving slots themselves: the sessions of the moved keys (found by the
        // owner the app stored in each) get a worker of their own during the move.
        const owners = await hashOwners(source.port, movedKeys)
        let focused = 0
        for (const run of runs) {
          const hot = run.load!.sessions.filter((session) => owners.has(session.owner))
          focused += hot.length
          run.load!.focus(hot)
        }
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
            `reshard of ${moving} slots (${movedKeys.length} session keys of both runs in them, ${focused} of them bumped throughout) ` +
              `took ${Math.round(reshardMs)} ms (${run.kind}): during the move ${summary(window)}; ` +
              `whole run ${summary(load.figures)}; ${check.checked} sessions checked`,
          )
          assert.equal(load.figures.hung, 0, `${run.kind}: requests hung`)
          assert.equal(load.figures.lost, 0, `${run.kind}: live sessions answered 401`)
          assert.equal(load.figures.cookiesOnFailure, 0, `${run.kind}: Set-Cookie on a failure`)
          assert.deepEqual(check.wrong, [], `${run.kind}: sessions lost or wrong`)
          assert.ok(check.checked > 120, `${run.kind}: sessions checked`)
          assert.ok(window.requests > 0, `${run.kind}: no requests during the move`)
          for (const kind of window.kinds.keys()) {
            assert.match(kind, /^503 ERR_SESSION_/, `${run.kind}: untyped failure ${kind}`)
          }
        }
        assert.ok(movedKeys.length > 0, 'no session in the moved slots')
        assert.ok(focused > 0, 'no traffic on the moved sessions')
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
  )
})
