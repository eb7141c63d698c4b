// The Redis driver against the machine's Redis (127.0.0.1:6379, shared with other test runs:
// every test has its own random prefix and removes only its own keys): the conformance suite
// through node-redis and ioredis, then what only Redis has.
import { after, describe, it } from 'node:test'

import { Redis } from 'ioredis'
import { createClient } from 'redis'

import { createRedisDriver, type RedisDriver } from '../src/redis.ts'
import { runStoreConformance } from '../src/testing.ts'
import { dropPrefix, testPrefix } from './support/redis.ts'

const URL = 'redis://127.0.0.1:6379'

const nodeRedis = await createClient({ url: URL }).connect()
const ioredis = new Redis(URL)
after(() => {
  nodeRedis.destroy()
  ioredis.disconnect()
})

const clients = { 'node-redis': nodeRedis, ioredis } as const

for (const [kind, client] of Object.entries(clients)) {
  runStoreConformance<RedisDriver>({
    name: `redis (${kind})`,
    createDriver: () => createRedisDriver({ client, prefix: testPrefix() }),
    cleanup: ({ driver }) => dropPrefix(nodeRedis, driver.prefix),
    test: { describe, it },
    activeResources: () => process.getActiveResourcesInfo(),
  })
}
