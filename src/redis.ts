/**
 * The Redis driver for server-side sessions: node-redis 5 and ioredis 5, each as a single
 * server, with Sentinel or as a Cluster.
 *
 * Available from `'sessionkit/drivers/redis'`.
 *
 * @module
 */
export {
  createRedisDriver,
  type IORedisClient,
  type IORedisCluster,
  type NodeRedisClient,
  type NodeRedisCluster,
  type NodeRedisSentinel,
  type RedisClient,
  type RedisClientKind,
  type RedisDriver,
  type RedisDriverOptions,
} from './drivers/redis.ts'
