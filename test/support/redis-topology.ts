// Redis topologies the tests start themselves from the machine's redis-server and redis-cli:
// a standalone server (to stop and start again), Sentinel (one primary, one replica, three
// sentinels) and Cluster (three primaries with one replica each). Every server listens on
// 127.0.0.1 on a port chosen at run time, keeps its files in its own temp directory and runs
// in its own process group, so teardown (and a crashing test process) kills all of it.
import { spawn, execFile, type ChildProcess } from 'node:child_process'
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

// ---------------------------------------------------------------------------------------
// Ports

const taken = new Set<number>()

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer()
    server.once('error', () => {
      resolve(false)
    })
    server.listen(port, '127.0.0.1', () => {
      server.close(() => {
        resolve(true)
      })
    })
  })
}

async function osPort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  const address = server.address()
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve()
    }),
  )
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}

/**
 * A loopback port that is free now (and, with `bus`, whose cluster bus port + 10000 is free
 * too), never handed out twice by this process.
 */
export async function freePort(bus = false): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = await osPort()
    if (taken.has(port)) continue
    if (
      bus &&
      (port + 10000 > 65535 || taken.has(port + 10000) || !(await canListen(port + 10000)))
    )
      continue
    taken.add(port)
    if (bus) taken.add(port + 10000)
    return port
  }
  throw new Error('no free loopback port found')
}

// ---------------------------------------------------------------------------------------
// A minimal RESP client for the harness's own admin commands (no reconnects, no magic).

export type Reply = string | number | null | Reply[] | Error

export class RespConnection {
  readonly #socket: net.Socket
  #buffer = Buffer.alloc(0)
  readonly #waiting: { resolve: (reply: Reply) => void; reject: (error: Error) => void }[] = []
  #failure: Error | undefined

  private constructor(socket: net.Socket) {
    this.#socket = socket
    socket.on('data', (chunk: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk])
      for (;;) {
        const parsed = parse(this.#buffer, 0)
        if (parsed === undefined) break
        this.#buffer = this.#buffer.subarray(parsed.end)
        this.#waiting.shift()?.resolve(parsed.value)
      }
    })
    const fail = (error: Error): void => {
      this.#failure = error
      for (const waiter of this.#waiting.splice(0)) waiter.reject(error)
    }
    socket.on('error', fail)
    socket.on('close', () => {
      fail(new Error('connection closed'))
    })
  }

  static open(port: number, timeout = 2000): Promise<RespConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port })
      const timer = setTimeout(() => {
        socket.destroy()
        reject(new Error(`connect to ${port} timed out`))
      }, timeout)
      socket.once('error', (error) => {
        clearTimeout(timer)
        reject(error)
      })
      socket.once('connect', () => {
        clearTimeout(timer)
        socket.removeAllListeners('error')
        resolve(new RespConnection(socket))
      })
    })
  }

  /** Sends one command; resolves with its reply (an error reply is returned, not thrown). */
  send(...args: (string | number)[]): Promise<Reply> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure)
    const parts = args.map(String)
    let out = `*${parts.length}\r\n`
    for (const part of parts) out += `$${Buffer.byteLength(part)}\r\n${part}\r\n`
    return new Promise((resolve, reject) => {
      this.#waiting.push({ resolve, reject })
      this.#socket.write(out)
    })
  }

  close(): void {
    this.#socket.destroy()
  }
}

function parse(buffer: Buffer, start: number): { value: Reply; end: number } | undefined {
  const lineEnd = buffer.indexOf('\r\n', start)
  if (lineEnd < 0) return undefined
  const type = String.fromCharCode(buffer[start] ?? 0)
  const line = buffer.toString('utf8', start + 1, lineEnd)
  const next = lineEnd + 2
  switch (type) {
    case '+':
      return { value: line, end: next }
    case '-':
      return { value: new Error(line), end: next }
    case ':':
      return { value: Number(line), end: next }
    case '$': {
      const length = Number(line)
      if (length < 0) return { value: null, end: next }
      if (buffer.length < next + length + 2) return undefined
      return { value: buffer.toString('utf8', next, next + length), end: next + length + 2 }
    }
    case '*': {
      const count = Number(line)
      if (count < 0) return { value: null, end: next }
      const items: Reply[] = []
      let at = next
      for (let i = 0; i < count; i++) {
        const item = parse(buffer, at)
        if (item === undefined) return undefined
        items.push(item.value)
        at = item.end
      }
      return { value: items, end: at }
    }
    default:
      throw new Error(`unexpected RESP type ${JSON.stringify(type)}`)
  }
}

/** One command on a fresh connection; rejects on an error reply. */
export async function command(port: number, ...args: (string | number)[]): Promise<Reply> {
  const connection = await RespConnection.open(port)
  try {
    const reply = await withTimeout(connection.send(...args), 5000, `${String(args[0])} on ${port}`)
    if (reply instanceof Error) throw reply
    return reply
  } finally {
    connection.close()
  }
}

/** The `key:value` lines of an INFO-style reply. */
export function fields(text: Reply): Map<string, string> {
  const map = new Map<string, string>()
  if (typeof text !== 'string') return map
  for (const line of text.split(/\r?\n/)) {
    const at = line.indexOf(':')
    if (at > 0) map.set(line.slice(0, at), line.slice(at + 1).trim())
  }
  return map
}

/** A flat [k1, v1, k2, v2] array reply as a map. */
export function pairs(reply: Reply): Map<string, string> {
  const map = new Map<string, string>()
  if (!Array.isArray(reply)) return map
  for (let i = 0; i + 1 < reply.length; i += 2) map.set(String(reply[i]), String(reply[i + 1]))
  return map
}

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(new Error(`${what}: no answer within ${ms} ms`))
      }, ms)
    }),
  ]).finally(() => {
    clearTimeout(timer)
  })
}

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms))

/** Polls `probe` until it returns true; fails with `what` after `ms`. */
export async function waitUntil(
  what: string,
  probe: () => Promise<boolean>,
  ms = 15_000,
  every = 50,
): Promise<void> {
  const deadline = Date.now() + ms
  let last: unknown
  for (;;) {
    try {
      if (await probe()) return
    } catch (error) {
      last = error
    }
    if (Date.now() > deadline) {
      throw new Error(
        `${what}: not reached within ${ms} ms` +
          (last instanceof Error ? ` (last error: ${last.message})` : ''),
      )
    }
    await sleep(every)
  }
}

// ---------------------------------------------------------------------------------------
// Processes

const running = new Set<ChildProcess>()

// A test process that dies without its teardown still takes its servers with it.
process.once('exit', () => {
  for (const child of running) killGroup(child, 'SIGKILL')
})

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return
  try {
    process.kill(-child.pid, signal)
  } catch {
    // Already gone.
  }
}

/** A server process of a topology: its port, its directory, and how to stop and restart it. */
export class RedisProcess {
  readonly port: number
  readonly dir: string
  readonly #args: readonly string[]
  #child: ChildProcess | undefined

  constructor(port: number, dir: string, args: readonly string[]) {
    this.port = port
    this.dir = dir
    this.#args = args
  }

  get pid(): number | undefined {
    return this.#child?.pid
  }

  /** Starts the server and waits until it answers PING. */
  async start(): Promise<void> {
    const log = openSync(join(this.dir, 'server.log'), 'a')
    try {
      const child = spawn('redis-server', [...this.#args], {
        cwd: this.dir,
        detached: true,
        stdio: ['ignore', log, log],
      })
      running.add(child)
      child.once('exit', () => {
        running.delete(child)
      })
      this.#child = child
    } finally {
      closeSync(log)
    }
    await waitUntil(`redis on ${this.port} answers PING`, async () => {
      if (this.#child?.exitCode !== null) {
        throw new Error(`redis on ${this.port} exited: ${this.log().slice(-500)}`)
      }
      return (await command(this.port, 'PING')) === 'PONG'
    })
  }

  /** Kills the server (SIGKILL by default: nothing but what is already on disk survives). */
  async stop(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.#child
    if (child === undefined) return
    this.#child = undefined
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise<void>((resolve) =>
      child.once('exit', () => {
        resolve()
      }),
    )
    killGroup(child, signal)
    await withTimeout(exited, 10_000, `redis on ${this.port} to exit`)
  }

  log(): string {
    try {
      return readFileSync(join(this.dir, 'server.log'), 'utf8')
    } catch {
      return ''
    }
  }
}

function tempDir(name: string): string {
  return mkdtempSync(join(tmpdir(), `sessionkit-${name}-`))
}

/** Shared by the topologies: the processes, the directory, and one teardown for all. */
abstract class Topology {
  readonly root: string
  protected readonly processes: RedisProcess[] = []

  constructor(name: string) {
    this.root = tempDir(name)
  }

  protected async server(
    name: string,
    port: number,
    config: string,
    extraArgs: readonly string[] = [],
    defaults = true,
  ): Promise<RedisProcess> {
    const dir = join(this.root, name)
    mkdirSync(dir, { recursive: true })
    const file = join(dir, 'redis.conf')
    writeFileSync(
      file,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        'protected-mode no',
        'daemonize no',
        `dir ${dir}`,
        ...(defaults ? ['save ""', 'appendonly no'] : []),
        config,
      ].join('\n') + '\n',
    )
    const process = new RedisProcess(port, dir, [file, ...extraArgs])
    this.processes.push(process)
    await process.start()
    return process
  }

  /** The pids of the processes still running (for leak checks). */
  pids(): number[] {
    return this.processes.map((p) => p.pid).filter((pid) => pid !== undefined)
  }

  async teardown(): Promise<void> {
    await Promise.allSettled(this.processes.map((p) => p.stop()))
    rmSync(this.root, { recursive: true, force: true })
  }
}

// ---------------------------------------------------------------------------------------
// Standalone

/**
 * One redis-server the test owns, persisting every write before it acknowledges it
 * (`appendonly yes`, `appendfsync always`), so a SIGKILL loses nothing that was stored.
 */
export class StandaloneRedis extends Topology {
  #server: RedisProcess | undefined

  static async start(): Promise<StandaloneRedis> {
    const topology = new StandaloneRedis('redis')
    try {
      const port = await freePort()
      topology.#server = await topology.server(
        'standalone',
        port,
        ['appendonly yes', 'appendfsync always', 'appenddirname aof'].join('\n'),
        [],
        false,
      )
      return topology
    } catch (error) {
      await topology.teardown()
      throw error
    }
  }

  get process(): RedisProcess {
    if (this.#server === undefined) throw new Error('not started')
    return this.#server
  }

  get port(): number {
    return this.process.port
  }
}

// ---------------------------------------------------------------------------------------
// Sentinel

export const SENTINEL_MASTER = 'sessionkit'

/**
 * One primary, one replica and three sentinels (quorum 2). Only the first primary refuses
 * writes without a connected replica (`min-replicas-to-write 1`): when a failover promotes the
 * replica, the old primary stops acknowledging writes the moment the replica leaves it instead
 * of accepting writes that its demotion would throw away.
 */
export class SentinelTopology extends Topology {
  readonly data: RedisProcess[] = []
  readonly sentinels: RedisProcess[] = []

  static async start(): Promise<SentinelTopology> {
    const topology = new SentinelTopology('sentinel')
    try {
      await topology.#start()
      return topology
    } catch (error) {
      await topology.teardown()
      throw error
    }
  }

  async #start(): Promise<void> {
    const primaryPort = await freePort()
    const replicaPort = await freePort()
    const primary = await this.server(
      'primary',
      primaryPort,
      ['min-replicas-to-write 1', 'min-replicas-max-lag 10'].join('\n'),
    )
    const replica = await this.server('replica', replicaPort, `replicaof 127.0.0.1 ${primaryPort}`)
    this.data.push(primary, replica)
    await waitUntil('the replica is in sync', async () => {
      const info = fields(await command(replicaPort, 'INFO', 'replication'))
      return info.get('master_link_status') === 'up'
    })
    for (let i = 0; i < 3; i++) {
      const port = await freePort()
      const config = [
        `sentinel monitor ${SENTINEL_MASTER} 127.0.0.1 ${primaryPort} 2`,
        `sentinel down-after-milliseconds ${SENTINEL_MASTER} 1000`,
        `sentinel failover-timeout ${SENTINEL_MASTER} 5000`,
        `sentinel parallel-syncs ${SENTINEL_MASTER} 1`,
      ].join('\n')
      this.sentinels.push(await this.server(`sentinel-${i}`, port, config, ['--sentinel'], false))
    }
    await waitUntil(
      'every sentinel knows the replica and the two other sentinels',
      async () => {
        for (const sentinel of this.sentinels) {
          const master = pairs(await command(sentinel.port, 'SENTINEL', 'MASTER', SENTINEL_MASTER))
          if (master.get('num-slaves') !== '1' || master.get('num-other-sentinels') !== '2') {
            return false
          }
        }
        return true
      },
      20_000,
      100,
    )
  }

  /** `{ host, port }` of each sentinel, as the clients take them. */
  sentinelNodes(): { host: string; port: number }[] {
    return this.sentinels.map((s) => ({ host: '127.0.0.1', port: s.port }))
  }

  /** The primary's port as the first sentinel reports it. */
  async primaryPort(sentinel = 0): Promise<number> {
    const reply = await command(
      this.sentinels[sentinel]!.port,
      'SENTINEL',
      'GET-MASTER-ADDR-BY-NAME',
      SENTINEL_MASTER,
    )
    if (!Array.isArray(reply)) throw new Error('no primary address')
    return Number(reply[1])
  }

  /** The data server that is not the primary now. */
  async replicaPort(): Promise<number> {
    const primary = await this.primaryPort()
    return this.data.find((p) => p.port !== primary)!.port
  }

  /** Waits until the replica has every write the primary acknowledged so far. */
  async waitReplicated(): Promise<void> {
    const primary = await this.primaryPort()
    const replica = await this.replicaPort()
    const target = Number(
      fields(await command(primary, 'INFO', 'replication')).get('master_repl_offset'),
    )
    await waitUntil('the replica caught up', async () => {
      const info = fields(await command(replica, 'INFO', 'replication'))
      return Number(info.get('slave_repl_offset') ?? -1) >= target
    })
  }

  /**
   * `SENTINEL FAILOVER`, then waits until every sentinel names the promoted replica and that
   * replica answers as a primary. Returns the ports before and after.
   */
  async failover(): Promise<{ from: number; to: number }> {
    const from = await this.primaryPort()
    const reply = await command(this.sentinels[0]!.port, 'SENTINEL', 'FAILOVER', SENTINEL_MASTER)
    if (reply !== 'OK') throw new Error(`SENTINEL FAILOVER: ${String(reply)}`)
    let to = from
    await waitUntil(
      'every sentinel names the new primary',
      async () => {
        const ports = await Promise.all(this.sentinels.map((_, i) => this.primaryPort(i)))
        to = ports[0]!
        if (to === from || ports.some((port) => port !== to)) return false
        const role = fields(await command(to, 'INFO', 'replication')).get('role')
        return role === 'master'
      },
      20_000,
    )
    return { from, to }
  }

  /** Waits until the old primary has been turned into a replica of the new one, in sync. */
  async waitDemoted(port: number): Promise<void> {
    await waitUntil(
      `the old primary on ${port} replicates the new one`,
      async () => {
        const info = fields(await command(port, 'INFO', 'replication'))
        return info.get('role') === 'slave' && info.get('master_link_status') === 'up'
      },
      30_000,
      100,
    )
  }
}

// ---------------------------------------------------------------------------------------
// Cluster

export interface ClusterNode {
  readonly id: string
  readonly port: number
  readonly primary: boolean
  /** Slot ranges, inclusive, of a primary. */
  readonly slots: readonly (readonly [number, number])[]
}

function parseNodes(text: Reply): ClusterNode[] {
  if (typeof text !== 'string') throw new Error('CLUSTER NODES: no text')
  return text
    .trim()
    .split('\n')
    .map((line) => {
      const [id = '', address = '', flags = '', , , , , , ...slots] = line.trim().split(' ')
      const port = Number(/:(\d+)@/.exec(address)?.[1])
      return {
        id,
        port,
        primary: flags.split(',').includes('master'),
        slots: slots
          .filter((slot) => !slot.startsWith('['))
          .map((slot): [number, number] => {
            const [start = '', end = start] = slot.split('-')
            return [Number(start), Number(end)]
          }),
      }
    })
}

function runCli(args: readonly string[], timeout: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'redis-cli',
      [...args],
      { timeout, killSignal: 'SIGKILL' },
      (error, stdout, stderr) => {
        if (error)
          reject(new Error(`redis-cli ${args.join(' ')}: ${error.message}\n${stdout}${stderr}`))
        else resolve(stdout)
      },
    )
  })
}

/** Three primaries with one replica each, every node agreeing on `cluster_state:ok`. */
export class ClusterTopology extends Topology {
  readonly nodes: RedisProcess[] = []

  static async start(): Promise<ClusterTopology> {
    const topology = new ClusterTopology('cluster')
    try {
      await topology.#start()
      return topology
    } catch (error) {
      await topology.teardown()
      throw error
    }
  }

  async #start(): Promise<void> {
    const config = [
      'cluster-enabled yes',
      'cluster-config-file nodes.conf',
      'cluster-node-timeout 3000',
    ].join('\n')
    const ports: number[] = []
    for (let i = 0; i < 6; i++) ports.push(await freePort(true))
    const started = await Promise.all(
      ports.map((port, i) => this.server(`node-${i}`, port, config)),
    )
    this.nodes.push(...started)
    await runCli(
      [
        '--cluster',
        'create',
        ...ports.map((port) => `127.0.0.1:${port}`),
        '--cluster-replicas',
        '1',
        '--cluster-yes',
      ],
      60_000,
    )
    await this.waitStable()
  }

  /** Waits until every node says `cluster_state:ok`, knows all six and agrees on the slots. */
  async waitStable(): Promise<void> {
    await waitUntil(
      'the cluster is ok and every node agrees on the slots',
      async () => {
        const views: string[] = []
        for (const node of this.nodes) {
          const info = fields(await command(node.port, 'CLUSTER', 'INFO'))
          if (info.get('cluster_state') !== 'ok' || info.get('cluster_known_nodes') !== '6') {
            return false
          }
          const nodes = parseNodes(await command(node.port, 'CLUSTER', 'NODES'))
          views.push(
            JSON.stringify(
              nodes
                .filter((n) => n.primary)
                .map((n) => [n.id, n.slots])
                .sort(),
            ),
          )
        }
        for (const node of this.nodes) {
          const info = fields(await command(node.port, 'INFO', 'replication'))
          if (info.get('role') === 'slave' && info.get('master_link_status') !== 'up') return false
        }
        return views.every((view) => view === views[0])
      },
      30_000,
      100,
    )
  }

  /** `{ host, port }` of every node. */
  rootNodes(): { host: string; port: number }[] {
    return this.nodes.map((n) => ({ host: '127.0.0.1', port: n.port }))
  }

  /** The cluster as the first node sees it. */
  async view(): Promise<ClusterNode[]> {
    return parseNodes(await command(this.nodes[0]!.port, 'CLUSTER', 'NODES'))
  }

  async primaries(): Promise<ClusterNode[]> {
    return (await this.view()).filter((n) => n.primary).sort((a, b) => a.port - b.port)
  }

  /** The slot of a key, as the server computes it. */
  async keySlot(key: string): Promise<number> {
    return Number(await command(this.nodes[0]!.port, 'CLUSTER', 'KEYSLOT', key))
  }

  /**
   * Every key of `node` (a primary) whose name contains `fragment`, by SCAN on that node.
   */
  async keysOn(port: number, fragment: string): Promise<string[]> {
    const connection = await RespConnection.open(port)
    try {
      const keys: string[] = []
      let cursor = '0'
      do {
        const reply = await connection.send('SCAN', cursor, 'MATCH', `*${fragment}*`, 'COUNT', 1000)
        if (!Array.isArray(reply)) throw new Error(`SCAN: ${String(reply)}`)
        cursor = String(reply[0])
        const batch = reply[1]
        if (Array.isArray(batch)) keys.push(...batch.map(String))
      } while (cursor !== '0')
      return keys
    } finally {
      connection.close()
    }
  }

  /**
   * Moves `slots` slots from one primary to another with `redis-cli --cluster reshard`
   * (it takes the source's lowest slots first), then waits until every node agrees.
   */
  async reshard(from: ClusterNode, to: ClusterNode, slots: number): Promise<void> {
    await runCli(
      [
        '--cluster',
        'reshard',
        `127.0.0.1:${from.port}`,
        '--cluster-from',
        from.id,
        '--cluster-to',
        to.id,
        '--cluster-slots',
        String(slots),
        '--cluster-yes',
      ],
      60_000,
    )
    await this.waitStable()
  }
}

/** Deletes every key containing `fragment` on each of `ports` (cleanup of a test's keys). */
export async function deleteKeys(ports: readonly number[], fragment: string): Promise<number> {
  let deleted = 0
  for (const port of ports) {
    const connection = await RespConnection.open(port)
    try {
      let cursor = '0'
      do {
        const reply = await connection.send('SCAN', cursor, 'MATCH', `*${fragment}*`, 'COUNT', 1000)
        if (!Array.isArray(reply)) throw new Error(`SCAN: ${String(reply)}`)
        cursor = String(reply[0])
        const batch = Array.isArray(reply[1]) ? reply[1].map(String) : []
        // One key per DEL: keys of different slots cannot share a command on a cluster node.
        const results = await Promise.all(batch.map((key) => connection.send('DEL', key)))
        for (const result of results) {
          if (result instanceof Error) throw result
          deleted += Number(result)
        }
      } while (cursor !== '0')
    } finally {
      connection.close()
    }
  }
  return deleted
}
