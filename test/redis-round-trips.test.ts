// What a request costs in Redis, counted twice: by the server (MONITOR on a private
// redis-server: the commands clients sent, not those the scripts ran inside) and by the client (round trips: commands sent while
// none of ours was awaiting its reply start a new one, so pipelined commands count once).
// Through the server store, as an application uses it, on node-redis and ioredis. Also the
// EVALSHA fallback: after SCRIPT FLUSH a script costs one extra round trip once, then none.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'

import { Redis } from 'ioredis'
import { createClient } from 'redis'

import { createKeyRing, createServerStore, generateKey } from '../src/index.ts'
import { createRedisDriver, type RedisClient } from '../src/redis.ts'
import { monitor, startRedis, type Monitor, type PrivateRedis } from './support/redis-server.ts'

const keys = createKeyRing([{ id: 'k1', secret: generateKey() }])

interface Counted {
  readonly client: RedisClient
  readonly rounds: () => number
}

/** The client itself behind a proxy that counts round trips of `method` (`sendCommand`, `call`). */
function counted(target: object, method: string): Counted {
  let outstanding = 0
  let rounds = 0
  const client = new Proxy(target, {
    get(object, property) {
      const value: unknown = Reflect.get(object, property, object)
      if (typeof value !== 'function') return value
      const bound = (value as (...args: unknown[]) => unknown).bind(object)
      if (property !== method) return bound
      return (...args: unknown[]) => {
        if (outstanding === 0) rounds++
        outstanding++
        const reply = bound(...args) as Promise<unknown>
        reply.then(
          () => outstanding--,
          () => outstanding--,
        )
        return reply
      }
    },
  }) as RedisClient
  return { client, rounds: () => rounds }
}

let server: PrivateRedis
let admin: ReturnType<typeof createClient>
let seen: Monitor
before(async () => {
  server = await startRedis()
  admin = await createClient({ url: server.url }).connect()
  seen = await monitor(server.port)
})
after(async () => {
  seen.close()
  admin.destroy()
  await server.stop()
})

interface Client {
  readonly kind: string
  readonly open: () => Promise<{ target: object; method: string; close: () => void }>
}

const kinds: Client[] = [
  {
    kind: 'node-redis',
    open: async () => {
      const client = await createClient({ url: server.url }).connect()
      return {
        target: client,
        method: 'sendCommand',
        close: () => {
          client.destroy()
        },
      }
    },
  },
  {
    kind: 'ioredis',
    open: async () => {
      const client = new Redis(server.url)
      await client.ping()
      return {
        target: client,
        method: 'call',
        close: () => {
          client.disconnect()
        },
      }
    },
  },
]

for (const { kind, open } of kinds) {
  describe(`redis (${kind}): commands and round trips per request`, () => {
    it('a read is one command, a save one round trip (two pipelined commands when it sets the user)', async (t) => {
      const opened = await open()
      try {
        const { client, rounds } = counted(opened.target, opened.method)
        const driver = createRedisDriver({ client, prefix: 'rt:' })
        const store = createServerStore({ name: 'sid', driver, keys, cookie: { secure: false } })
        // Warm-up: the server learns the scripts (EVALSHA's first NOSCRIPT is the next test).
        const warm = store.create()
        warm.set('n', 0)
        warm.setUser('warm')
        await store.save(warm)
        await store.destroy(warm)

        const steps: [string, () => Promise<unknown>, Record<string, number>, number][] = []
        let cookie = ''
        const session = store.create()
        steps.push([
          'first save of a new session',
          async () => {
            session.set('n', 1)
            cookie = (await store.save(session))?.split(';')[0] ?? ''
          },
          { evalsha: 1 },
          1,
        ])
        steps.push(['a read', () => store.get(cookie), { hgetall: 1 }, 1])
        steps.push([
          'a read and a save of one changed value',
          async () => {
            const loaded = await store.get(cookie)
            loaded.set('n', 2)
            await store.save(loaded)
          },
          { hgetall: 1, evalsha: 1 },
          2,
        ])
        steps.push([
          'a read and a login save (setUser)',
          async () => {
            const loaded = await store.get(cookie)
            loaded.setUser('alice', { device: 'test' })
            await store.save(loaded)
          },
          { hgetall: 1, zadd: 1, evalsha: 1 },
          2,
        ])
        steps.push([
          'a read-only request (nothing to save)',
          async () => {
            await store.save(await store.get(cookie))
          },
          { hgetall: 1 },
          1,
        ])
        steps.push([
          'a read and a login with regenerate() (a new id, the old record removed)',
          async () => {
            const loaded = await store.get(cookie)
            loaded.setUser('alice', { device: 'test' })
            loaded.regenerate()
            cookie = (await store.save(loaded))?.split(';')[0] ?? ''
          },
          // The store's regeneration: create the new record (with its index entry), retire
          // the old one (a compare-and-set), delete it (and its index entry).
          { hgetall: 1, zadd: 1, evalsha: 3, zrem: 1 },
          5,
        ])
        steps.push([
          'a read and a logout (destroy)',
          async () => {
            await store.destroy(await store.get(cookie))
          },
          // The store reads the record again for its links (a regeneration's old or new
          // id), marks it destroyed and deletes it; the delete learns the user from its
          // script, then drops the index entry.
          { hgetall: 2, evalsha: 2, zrem: 1 },
          5,
        ])
        for (const [title, step, commands, expectedRounds] of steps) {
          const start = rounds()
          assert.deepEqual(await seen.count(step), commands, `${title}: commands the server saw`)
          assert.equal(rounds() - start, expectedRounds, `${title}: round trips`)
          t.diagnostic(`${title}: ${JSON.stringify(commands)} in ${expectedRounds} round trip(s)`)
        }
        await driver.deleteAll()
      } finally {
        opened.close()
      }
    })

    it('after SCRIPT FLUSH, EVALSHA falls back to EVAL once, then runs cached again', async () => {
      const opened = await open()
      try {
        const { client, rounds } = counted(opened.target, opened.method)
        const driver = createRedisDriver({ client, prefix: 'flush:' })
        const store = createServerStore({ name: 'sid', driver, keys, cookie: { secure: false } })
        await admin.sendCommand(['SCRIPT', 'FLUSH'])
        const session = store.create()
        session.set('n', 1)
        let start = rounds()
        const first = await seen.count(async () => {
          await store.save(session)
        })
        assert.deepEqual(first, { evalsha: 1, eval: 1 }, 'first save after a flush')
        assert.equal(rounds() - start, 2, 'round trips of the first save after a flush')
        // The same script (a first save) again: cached on the server now.
        const another = store.create()
        another.set('n', 2)
        start = rounds()
        const next = await seen.count(async () => {
          await store.save(another)
        })
        assert.deepEqual(next, { evalsha: 1 }, 'the next first save')
        assert.equal(rounds() - start, 1, 'round trips of the next save')
        await driver.deleteAll()
      } finally {
        opened.close()
      }
    })
  })
}
