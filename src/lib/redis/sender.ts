// One way to send a Redis command, whatever the client: the driver takes node-redis 5 and
// ioredis 5 clients as they are, single, Sentinel or Cluster, and this is where their shape
// is told apart, once, at creation. The documented client interfaces are the driver's
// (src/drivers/redis.ts); lib cannot import them, so the methods called here are spelled out
// again below, as narrow as the calls need.

import { SessionConfigError } from '../../errors.ts'

/** The shape the driver detected. ioredis in Sentinel mode is an `'ioredis'` client. */
export type RedisClientKind =
  'ioredis' | 'ioredis-cluster' | 'node-redis' | 'node-redis-sentinel' | 'node-redis-cluster'

interface IORedisCall {
  call(command: string, ...args: string[]): Promise<unknown>
}

interface IORedisNodes {
  nodes(role: 'master'): readonly IORedisCall[]
}

interface NodeRedisSend {
  sendCommand(args: string[]): Promise<unknown>
}

interface NodeRedisSentinelSend {
  sendCommand(isReadonly: boolean | undefined, args: string[]): Promise<unknown>
}

interface NodeRedisClusterSend {
  sendCommand(
    firstKey: string | undefined,
    isReadonly: boolean | undefined,
    args: string[],
  ): Promise<unknown>
  readonly masters: readonly object[]
  nodeClient(node: never): NodeRedisSend | Promise<NodeRedisSend>
}

export type NodeSend = (args: string[]) => Promise<unknown>

export interface Sender {
  /** Sends one command; `key` routes it in Cluster. */
  send(key: string, args: string[]): Promise<unknown>
  /** One sender per primary, for SCAN (the whole keyspace of a single server is one). */
  primaries(): Promise<NodeSend[]>
}

function has<K extends string>(value: object, name: K): value is Record<K, unknown> {
  return name in value
}

function isFunction(value: object, name: string): boolean {
  return has(value, name) && typeof value[name] === 'function'
}

/** How to reach `client`, and which shape it has; a client of no accepted shape throws. */
export function senderOf(client: unknown): { kind: RedisClientKind; sender: Sender } {
  if (typeof client !== 'object' || client === null) throw badClient()
  if (isFunction(client, 'call')) {
    const io = client as IORedisCall
    const viaCall: NodeSend = (node) => {
      const [command = '', ...args] = node
      return io.call(command, ...args)
    }
    if (isFunction(client, 'nodes')) {
      const cluster = client as IORedisNodes
      return {
        kind: 'ioredis-cluster',
        sender: {
          send: (_key, args) => viaCall(args),
          primaries: () =>
            Promise.resolve(
              cluster.nodes('master').map((node): NodeSend => (args) => {
                const [command = '', ...rest] = args
                return node.call(command, ...rest)
              }),
            ),
        },
      }
    }
    return {
      kind: 'ioredis',
      sender: { send: (_key, args) => viaCall(args), primaries: () => Promise.resolve([viaCall]) },
    }
  }
  if (!isFunction(client, 'sendCommand')) throw badClient()
  if (isFunction(client, 'nodeClient') && has(client, 'masters')) {
    const cluster = client as NodeRedisClusterSend
    return {
      kind: 'node-redis-cluster',
      sender: {
        // Never a replica: a session just written must be read back as written.
        send: (key, args) => cluster.sendCommand(key, false, args),
        primaries: async () => {
          const clients = await Promise.all(
            cluster.masters.map(async (node) => cluster.nodeClient(node as never)),
          )
          return clients.map(
            (node): NodeSend =>
              (args) =>
                node.sendCommand(args),
          )
        },
      },
    }
  }
  if (isFunction(client, 'getMasterNode')) {
    const sentinel = client as NodeRedisSentinelSend
    const viaMaster: NodeSend = (args) => sentinel.sendCommand(false, args)
    return {
      kind: 'node-redis-sentinel',
      sender: {
        send: (_key, args) => viaMaster(args),
        primaries: () => Promise.resolve([viaMaster]),
      },
    }
  }
  const single = client as NodeRedisSend
  const viaClient: NodeSend = (args) => single.sendCommand(args)
  return {
    kind: 'node-redis',
    sender: {
      send: (_key, args) => viaClient(args),
      primaries: () => Promise.resolve([viaClient]),
    },
  }
}

function badClient(): SessionConfigError {
  return new SessionConfigError(
    'client must be a connected Redis client: node-redis 5 (createClient, createSentinel, createCluster) or ioredis 5 (Redis, Redis.Cluster)',
  )
}
