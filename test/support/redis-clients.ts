// The Redis clients the topology tests hand to the driver, in the shapes users create them:
// node-redis 5 `createSentinel` / `createCluster` / `createClient` and ioredis 5 `new Redis()`
// with `sentinels`, `new Redis.Cluster()` and a single server. Each comes with a `close` that
// ends it whatever state it is in, and an error listener, since a client without one turns
// every reconnect into an uncaught exception.
import { randomBytes } from 'node:crypto'
import { Cluster, Redis } from 'ioredis'
import { createClient, createCluster, createSentinel } from 'redis'
import type { RedisClient } from '../../src/redis.ts'
import { SENTINEL_MASTER } from './redis-topology.ts'

export type ClientKind = 'node-redis' | 'ioredis'

export interface Endpoint {
  readonly host: string
  readonly port: number
}

/** A random key prefix of letters and digits, one per test. */
export function randomPrefix(): string {
  return `skt${randomBytes(6).toString('hex')}:`
}

export interface OpenClient {
  readonly client: RedisClient
  readonly kind: ClientKind
  /** Errors the client emitted (reconnects, failovers). */
  readonly errors: unknown[]
  close(): Promise<void>
}

/** Ends a client at once (dropping whatever it still queues); never throws. */
function settle(close: () => void): Promise<void> {
  try {
    close()
  } catch {
    // Already closed.
  }
  return Promise.resolve()
}

export async function openSentinelClient(
  kind: ClientKind,
  sentinels: readonly Endpoint[],
): Promise<OpenClient> {
  const errors: unknown[] = []
  if (kind === 'node-redis') {
    const client = createSentinel({
      name: SENTINEL_MASTER,
      sentinelRootNodes: sentinels.map((s) => ({ host: s.host, port: s.port })),
      // Errors of the pooled node clients reach the listener below instead of being dropped.
      passthroughClientErrorEvents: true,
    })
    client.on('error', (error: unknown) => errors.push(error))
    await client.connect()
    return {
      client,
      kind,
      errors,
      close: () =>
        settle(() => {
          client.destroy()
        }),
    }
  }
  const client = new Redis({
    sentinels: sentinels.map((s) => ({ host: s.host, port: s.port })),
    name: SENTINEL_MASTER,
    // Reconnects as soon as the sentinels announce +switch-master, instead of only when the
    // old primary, demoted seconds later, drops its clients.
    failoverDetector: true,
    lazyConnect: true,
  })
  client.on('error', (error: unknown) => errors.push(error))
  await client.connect()
  return {
    client,
    kind,
    errors,
    close: () =>
      settle(() => {
        client.disconnect()
      }),
  }
}

export async function openClusterClient(
  kind: ClientKind,
  nodes: readonly Endpoint[],
): Promise<OpenClient> {
  const errors: unknown[] = []
  if (kind === 'node-redis') {
    const client = createCluster({
      rootNodes: nodes.map((n) => ({ url: `redis://${n.host}:${n.port}` })),
    })
    client.on('error', (error: unknown) => errors.push(error))
    await client.connect()
    return {
      client,
      kind,
      errors,
      close: () =>
        settle(() => {
          client.destroy()
        }),
    }
  }
  const client = new Cluster(
    nodes.map((n) => ({ host: n.host, port: n.port })),
    { lazyConnect: true },
  )
  client.on('error', (error: unknown) => errors.push(error))
  await client.connect()
  return {
    client,
    kind,
    errors,
    close: () =>
      settle(() => {
        client.disconnect()
      }),
  }
}

export async function openStandaloneClient(kind: ClientKind, port: number): Promise<OpenClient> {
  const errors: unknown[] = []
  if (kind === 'node-redis') {
    const client = createClient({
      socket: {
        host: '127.0.0.1',
        port,
        // Reconnect quickly and forever: the outage test restarts the server.
        reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 500),
      },
    })
    client.on('error', (error: unknown) => errors.push(error))
    await client.connect()
    return {
      client,
      kind,
      errors,
      close: () =>
        settle(() => {
          client.destroy()
        }),
    }
  }
  const client = new Redis({
    host: '127.0.0.1',
    port,
    lazyConnect: true,
    retryStrategy: (times: number) => Math.min(50 * 2 ** times, 500),
  })
  client.on('error', (error: unknown) => errors.push(error))
  await client.connect()
  return {
    client,
    kind,
    errors,
    close: () =>
      settle(() => {
        client.disconnect()
      }),
  }
}
