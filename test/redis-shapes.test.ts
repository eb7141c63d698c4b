// The six client shapes the Redis driver accepts, as users create them: each type-checks as a
// `RedisClient` and is recognised for what it is, without connecting (node-redis and ioredis
// connect only when told to). Sentinel and Cluster traffic is tested against real topologies
// elsewhere; here the shape detection and the refusal of anything else.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'

import { Cluster, Redis } from 'ioredis'
import { createClient, createCluster, createSentinel } from 'redis'

import { SessionConfigError } from '../src/errors.ts'
import { createRedisDriver, type RedisClient, type RedisClientKind } from '../src/redis.ts'

describe('redis driver: client shapes', () => {
  it('node-redis and ioredis, single, Sentinel and Cluster: each recognised', async () => {
    const shapes: [RedisClient, RedisClientKind][] = [
      [createClient({ url: 'redis://127.0.0.1:1' }), 'node-redis'],
      [
        createSentinel({ name: 'main', sentinelRootNodes: [{ host: '127.0.0.1', port: 1 }] }),
        'node-redis-sentinel',
      ],
      [createCluster({ rootNodes: [{ url: 'redis://127.0.0.1:1' }] }), 'node-redis-cluster'],
      [new Redis({ port: 1, lazyConnect: true }), 'ioredis'],
      [
        new Redis({ sentinels: [{ host: '127.0.0.1', port: 1 }], name: 'main', lazyConnect: true }),
        'ioredis',
      ],
      [new Cluster([{ host: '127.0.0.1', port: 1 }], { lazyConnect: true }), 'ioredis-cluster'],
    ]
    for (const [client, kind] of shapes) {
      const driver = createRedisDriver({ client })
      assert.equal(driver.clientKind, kind)
      assert.equal(driver.prefix, 'sessionkit:')
      await driver.close()
    }
  })

  it('anything else is refused with SessionConfigError', () => {
    for (const client of [undefined, null, 42, 'redis://x', {}, { send: () => 0 }]) {
      assert.throws(
        () => createRedisDriver({ client: client as unknown as RedisClient }),
        SessionConfigError,
      )
    }
  })
})
