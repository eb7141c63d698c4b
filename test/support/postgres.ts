// PostgreSQL for the tests: clients of the shared server (127.0.0.1:5432, db `test`), a random
// table per test, a private server started with initdb/pg_ctl for the tests that stop it, and
// a TCP proxy that counts the round trips a client makes.
import { execFile, execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import pg from 'pg'
import postgres from 'postgres'

export const SHARED = {
  host: process.env['PGHOST'] ?? '127.0.0.1',
  port: Number(process.env['PGPORT'] ?? 5432),
  user: process.env['PGUSER'] ?? 'postgres',
  database: process.env['PGDATABASE'] ?? 'test',
}

export type ClientKind = 'pg' | 'postgres.js'
export const CLIENT_KINDS: readonly ClientKind[] = ['pg', 'postgres.js']

/** A table name no other test (or helper) uses. */
export function randomTable(prefix = 'sk_test'): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`
}

export interface Clients {
  readonly pool: pg.Pool
  readonly sql: postgres.Sql
  client(kind: ClientKind): pg.Pool | postgres.Sql
  end(): Promise<void>
}

export interface Endpoint {
  readonly host: string
  readonly port: number
  readonly user: string
  readonly database: string
}

/** A `pg` Pool and a postgres.js `sql` on one server. */
export function openClients(at: Endpoint = SHARED, max = 4): Clients {
  // Commits do not wait for the WAL flush on these test connections (a session setting, so
  // nobody else's are affected): the tests check behaviour, not crash durability, and the
  // shared server is busy.
  const pool = new pg.Pool({ ...at, max, options: '-c synchronous_commit=off' })
  // An idle connection the server drops would otherwise be an unhandled 'error' event.
  pool.on('error', () => undefined)
  const sql = postgres({
    ...at,
    max,
    onnotice: () => undefined,
    connection: { synchronous_commit: 'off' },
  })
  return {
    pool,
    sql,
    client: (kind) => (kind === 'pg' ? pool : sql),
    async end() {
      await Promise.all([pool.end(), sql.end({ timeout: 1 })])
    },
  }
}

/** Drops a table the test created (only names made by {@link randomTable}). */
export async function dropTable(pool: pg.Pool, table: string): Promise<void> {
  if (!/^[a-z_]+_[0-9a-f]{12}$/.test(table)) throw new Error(`refusing to drop ${table}`)
  await pool.query(`DROP TABLE IF EXISTS "${table}"`)
}

// ---------------------------------------------------------------------------------------
// A private server.

function postgresBin(): string {
  const root = '/usr/lib/postgresql'
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : []
  const version = versions[0]
  if (version === undefined) throw new Error(`no PostgreSQL binaries under ${root}`)
  return join(root, version, 'bin')
}

/** A free loopback port (the OS picks it). */
export async function freePort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve()
    }),
  )
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}

export interface PrivateServer extends Endpoint {
  start(): Promise<void>
  /** `pg_ctl stop -m fast`: clients are disconnected at once. */
  stop(): Promise<void>
  /**
   * Freezes (SIGSTOP) or thaws (SIGCONT) the server and all its backends: connections stay
   * open and every query hangs, as on a stalled host or a network partition.
   */
  freeze(frozen: boolean): void
  /** Stops the server (if running) and removes its directory. */
  destroy(): Promise<void>
}

/**
 * Starts a PostgreSQL of the test's own in a temp directory, on a free port, with trust auth.
 * initdb refuses to run as root, so as root the server runs as the `postgres` user.
 */
export async function startPrivateServer(): Promise<PrivateServer> {
  const bin = postgresBin()
  const dir = mkdtempSync(join(tmpdir(), 'sessionkit-pg-'))
  const data = join(dir, 'data')
  const port = await freePort()
  const asRoot = process.getuid?.() === 0
  if (asRoot) {
    chmodSync(dir, 0o777)
    execFileSync('chown', ['postgres', dir])
  }
  // Asynchronous on purpose: the fault test stops and starts the server under traffic, which
  // must keep flowing meanwhile.
  const run = (tool: string, args: string[]): Promise<void> => {
    const command = asRoot ? 'runuser' : join(bin, tool)
    const argv = asRoot ? ['-u', 'postgres', '--', join(bin, tool), ...args] : args
    return new Promise((resolve, reject) => {
      execFile(command, argv, { encoding: 'utf8', timeout: 60_000 }, (error, stdout, stderr) => {
        if (error === null) resolve()
        else reject(new Error(`${tool} failed: ${stderr || stdout || error.message}`))
      })
    })
  }
  try {
    await run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync'])
  } catch (error) {
    rmSync(dir, { recursive: true, force: true })
    throw error
  }
  let running = false
  const server: PrivateServer = {
    host: '127.0.0.1',
    port,
    user: 'postgres',
    database: 'postgres',
    async start() {
      const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=40`
      await run('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', 'start'])
      running = true
    },
    async stop() {
      if (!running) return
      await run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop'])
      running = false
    },
    freeze(frozen) {
      const postmaster = readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0] ?? ''
      const backends = execFileSync('pgrep', ['-P', postmaster], { encoding: 'utf8' })
      for (const pid of [postmaster, ...backends.split('\n')].filter((p) => /^\d+$/.test(p))) {
        process.kill(Number(pid), frozen ? 'SIGSTOP' : 'SIGCONT')
      }
    },
    async destroy() {
      try {
        server.freeze(false)
      } catch {
        // Not running.
      }
      try {
        await server.stop()
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    },
  }
  try {
    await server.start()
  } catch (error) {
    rmSync(dir, { recursive: true, force: true })
    throw error
  }
  return server
}

// ---------------------------------------------------------------------------------------
// Round trips, counted on the wire.

export interface CountingProxy {
  readonly port: number
  /**
   * Messages that make the server answer, sent by clients so far: a simple `Query` ('Q'), a
   * `Sync` ('S') ending an extended-protocol exchange, or a `Flush` ('H') that asks for the
   * answers so far (postgres.js asks for a statement's parameter types that way).
   */
  readonly roundTrips: number
  /** Extended-protocol `Parse` messages ('P'): statements the server was asked to parse. */
  readonly parses: number
  reset(): void
  close(): Promise<void>
}

/**
 * A TCP proxy in front of a server that reads the client side of the wire protocol. Counting
 * here rather than in the server's log counts what costs latency: every message after which
 * the client waits for the server.
 */
export async function countingProxy(target: Endpoint): Promise<CountingProxy> {
  let roundTrips = 0
  let parses = 0
  const sockets = new Set<net.Socket>()
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host)
    sockets.add(client).add(upstream)
    let buffer = Buffer.alloc(0)
    let started = false
    client.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk])
      for (;;) {
        // The startup message (and an SSL request) has no type byte: length first.
        if (!started) {
          if (buffer.length < 4) break
          const length = buffer.readUInt32BE(0)
          if (buffer.length < length) break
          const code = buffer.readUInt32BE(4)
          buffer = buffer.subarray(length)
          if (code !== 80877103) started = true // not an SSLRequest
          continue
        }
        if (buffer.length < 5) break
        const length = buffer.readUInt32BE(1)
        if (buffer.length < 1 + length) break
        const type = String.fromCharCode(buffer[0] ?? 0)
        if (type === 'Q' || type === 'S' || type === 'H') roundTrips++
        if (type === 'P') parses++
        buffer = buffer.subarray(1 + length)
      }
      upstream.write(chunk)
    })
    upstream.on('data', (chunk: Buffer) => client.write(chunk))
    const close = (): void => {
      client.destroy()
      upstream.destroy()
      sockets.delete(client)
      sockets.delete(upstream)
    }
    client.on('close', close).on('error', close)
    upstream.on('close', close).on('error', close)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  return {
    port: address.port,
    get roundTrips() {
      return roundTrips
    },
    get parses() {
      return parses
    },
    reset() {
      roundTrips = 0
      parses = 0
    },
    async close() {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) =>
        server.close(() => {
          resolve()
        }),
      )
    },
  }
}
