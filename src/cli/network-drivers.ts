// The network drivers for `sessions`: a client of the application's own client library
// (an optional peer dependency, resolved from the working directory), connected from a URL
// and closed after the command. Every client is set up to fail fast: one connection attempt
// with a timeout and no retry loop, so an unreachable server is exit 1, not a hang.

import { createMySQLDriver, type MySQLPool } from '../mysql.ts'
import { createPostgresDriver, type PostgresClient } from '../postgres.ts'
import { createRedisDriver, type RedisClient } from '../redis.ts'
import type { SessionDriver } from '../index.ts'
import { SessionConfigError } from '../errors.ts'
import type { OpenDriver } from './open-driver.ts'
import { CliError, failure, messageOf, usageError, type Io } from './io.ts'
import { loadPeer } from './peers.ts'

export type NetworkDriverConfig =
  | { readonly driver: 'redis'; readonly url: string; readonly prefix: string | undefined }
  | {
      readonly driver: 'postgres' | 'mysql'
      readonly url: string
      readonly table: string | undefined
    }

const CONNECT_TIMEOUT_MS = 5_000

/** A connected client and how to close it. */
interface Connection<Client> {
  readonly client: Client
  close(): Promise<unknown>
}

export async function openNetworkDriver(config: NetworkDriverConfig, io: Io): Promise<OpenDriver> {
  const what = `${config.driver} at ${redacted(config.url)}`
  let connection: Connection<unknown>
  try {
    connection = await connect(config, io)
  } catch (error) {
    if (error instanceof CliError) throw error
    throw failure(`cannot connect to ${what}: ${messageOf(error)}`)
  }
  let driver: SessionDriver
  try {
    driver = makeDriver(config, connection.client)
  } catch (error) {
    await connection.close().catch(() => undefined)
    if (error instanceof SessionConfigError) throw usageError(error.message)
    throw failure(`${what}: ${messageOf(error)}`)
  }
  return {
    driver,
    release: async () => {
      await connection.close()
    },
  }
}

function makeDriver(config: NetworkDriverConfig, client: unknown): SessionDriver {
  switch (config.driver) {
    case 'redis':
      return createRedisDriver({
        client: client as RedisClient,
        ...(config.prefix === undefined ? {} : { prefix: config.prefix }),
      })
    case 'postgres':
      return createPostgresDriver({
        client: client as PostgresClient,
        ...(config.table === undefined ? {} : { table: config.table }),
      })
    case 'mysql':
      return createMySQLDriver({
        client: client as MySQLPool,
        ...(config.table === undefined ? {} : { table: config.table }),
      })
  }
}

function connect(config: NetworkDriverConfig, io: Io): Promise<Connection<unknown>> {
  switch (config.driver) {
    case 'redis':
      return connectRedis(config.url, io.cwd)
    case 'postgres':
      return connectPostgres(config.url, io.cwd)
    case 'mysql':
      return connectMySQL(config.url, io.cwd)
  }
}

/** The URL without its password, for messages. */
export function redacted(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password !== '') parsed.password = '***'
    return parsed.toString()
  } catch {
    return '(an unparsable URL)'
  }
}

interface NodeRedisModule {
  createClient(options: {
    url: string
    socket: { reconnectStrategy: false; connectTimeout: number }
  }): NodeRedisConnection
}
interface NodeRedisConnection {
  on(event: 'error', listener: () => void): unknown
  connect(): Promise<unknown>
  close?(): Promise<unknown>
  quit(): Promise<unknown>
}
type IORedisConstructor = new (
  url: string,
  options: {
    lazyConnect: true
    connectTimeout: number
    maxRetriesPerRequest: number
    retryStrategy: () => null
  },
) => IORedisConnection
interface IORedisConnection {
  on(event: 'error', listener: () => void): unknown
  connect(): Promise<unknown>
  quit(): Promise<unknown>
}

async function connectRedis(url: string, cwd: string): Promise<Connection<unknown>> {
  const nodeRedis = loadPeer(cwd, 'redis') as Partial<NodeRedisModule> | undefined
  if (typeof nodeRedis?.createClient === 'function') {
    const client = nodeRedis.createClient({
      url,
      socket: { reconnectStrategy: false, connectTimeout: CONNECT_TIMEOUT_MS },
    })
    // Failures reach the command that fails; without a listener they would crash the process.
    client.on('error', () => undefined)
    await client.connect()
    return { client, close: () => (client.close ? client.close() : client.quit()) }
  }
  const ioredis = loadPeer(cwd, 'ioredis') as { default?: unknown } | undefined
  const IORedis = (typeof ioredis === 'function' ? ioredis : ioredis?.default) as
    IORedisConstructor | undefined
  if (typeof IORedis === 'function') {
    const client = new IORedis(url, {
      lazyConnect: true,
      connectTimeout: CONNECT_TIMEOUT_MS,
      maxRetriesPerRequest: 1,
      retryStrategy: () => null,
    })
    client.on('error', () => undefined)
    await client.connect()
    return { client, close: () => client.quit() }
  }
  throw missingClient('redis', 'redis (node-redis) or ioredis')
}

interface PgModule {
  Client: new (options: { connectionString: string; connectionTimeoutMillis: number }) => {
    on(event: 'error', listener: () => void): unknown
    connect(): Promise<unknown>
    end(): Promise<unknown>
  }
}
type PostgresJs = (
  url: string,
  options: { max: number; connect_timeout: number; onnotice: () => void },
) => { unsafe(query: string): PromiseLike<unknown>; end(): Promise<unknown> }

async function connectPostgres(url: string, cwd: string): Promise<Connection<unknown>> {
  const pg = loadPeer(cwd, 'pg') as Partial<PgModule> | undefined
  if (typeof pg?.Client === 'function') {
    const client = new pg.Client({
      connectionString: url,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    })
    client.on('error', () => undefined)
    await client.connect()
    return { client, close: () => client.end() }
  }
  const loaded = loadPeer(cwd, 'postgres') as { default?: unknown } | undefined
  const postgres = (typeof loaded === 'function' ? loaded : loaded?.default) as
    PostgresJs | undefined
  if (typeof postgres === 'function') {
    const sql = postgres(url, {
      max: 1,
      connect_timeout: CONNECT_TIMEOUT_MS / 1000,
      onnotice: () => undefined,
    })
    // postgres.js connects on its first query: make an unreachable server fail here.
    await sql.unsafe('select 1')
    return { client: sql, close: () => sql.end() }
  }
  throw missingClient('postgres', 'pg or postgres (postgres.js)')
}

interface MySQL2Promise {
  createPool(options: { uri: string; connectionLimit: number; connectTimeout: number }): {
    query(sql: string): Promise<unknown>
    end(): Promise<unknown>
  }
}

async function connectMySQL(url: string, cwd: string): Promise<Connection<unknown>> {
  const mysql = loadPeer(cwd, 'mysql2/promise') as Partial<MySQL2Promise> | undefined
  if (typeof mysql?.createPool !== 'function') throw missingClient('mysql', 'mysql2')
  const pool = mysql.createPool({
    uri: url,
    connectionLimit: 1,
    connectTimeout: CONNECT_TIMEOUT_MS,
  })
  try {
    await pool.query('SELECT 1')
  } catch (error) {
    await pool.end().catch(() => undefined)
    throw error
  }
  return { client: pool, close: () => pool.end() }
}

function missingClient(driver: string, packages: string): Error {
  return failure(
    `the ${driver} driver needs the application's client library: ${packages} (npm install it)`,
  )
}
