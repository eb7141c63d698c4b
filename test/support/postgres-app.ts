// A small node:http app on a PostgreSQL session store, for the fault and two-process tests:
// log in, read the session, count (a write per request) and log a user out everywhere.
import http from 'node:http'
import type { AddressInfo } from 'node:net'

import pg from 'pg'

import { createKeyRing } from '../../src/core/keyring.ts'
import { SessionError, SessionSaveError, SessionStoreError } from '../../src/errors.ts'
import { getSessions } from '../../src/node.ts'
import { createPostgresDriver } from '../../src/postgres.ts'
import { createServerStore, type ServerStore } from '../../src/stores/server.ts'
import { hexToBytes } from './bytes.ts'
import type { Endpoint } from './postgres.ts'

export interface AppOptions {
  readonly endpoint: Endpoint
  readonly table: string
  /** The key ring's secret, as hex: the same in every process serving the store. */
  readonly secret: string
  /** The store's per-call timeout (ms). */
  readonly timeout: number
}

export interface App {
  readonly url: string
  readonly store: ServerStore<{ user: string; n: number }>
  close(): Promise<void>
}

/**
 * What a failed request answers: the error's code, the store error's code under it (a failed
 * save wraps one) and whether that was a timeout.
 */
export interface Failure {
  readonly error: string
  readonly store: string
  readonly timedOut: boolean
}

function failure(error: unknown): Failure {
  const inner = error instanceof SessionSaveError ? error.errors[0]?.error : error
  return {
    error: error instanceof SessionError ? error.code : 'unexpected',
    store: inner instanceof SessionError ? inner.code : 'unexpected',
    timedOut: inner instanceof SessionStoreError && inner.timedOut,
  }
}

export async function startApp(options: AppOptions): Promise<App> {
  const pool = new pg.Pool({ ...options.endpoint, max: 4 })
  // A server restart drops the idle connections; the pool reports that here and reconnects on
  // the next query by itself.
  pool.on('error', () => undefined)
  const driver = createPostgresDriver({ client: pool, table: options.table })
  await driver.migrate()
  const store = createServerStore<{ user: string; n: number }>({
    name: 'sid',
    driver,
    keys: createKeyRing([{ id: 'k1', secret: hexToBytes(options.secret) }]),
    timeout: options.timeout,
    cookie: { secure: false },
    renewAfter: 0,
  })
  const onError = (error: unknown, _req: http.IncomingMessage, res: http.ServerResponse): void => {
    if (res.headersSent) return
    res.writeHead(503, { 'content-type': 'application/json' })
    res.end(JSON.stringify(failure(error)))
  }
  const server = http.createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://app')
      const user = url.searchParams.get('user') ?? ''
      try {
        if (url.pathname === '/logout-everywhere') {
          const ended = await store.destroyByUser(user)
          res.end(JSON.stringify({ ended: ended.length }))
          return
        }
        const session = await getSessions(req, res, { onError }).get(store)
        if (url.pathname === '/login') {
          session.regenerate({ newLifetime: true })
          session.set('user', user)
          session.setUser(user)
        } else if (url.pathname === '/count') {
          session.set('n', (session.get('n') ?? 0) + 1)
        }
        res.end(JSON.stringify({ user: session.get('user') ?? null, n: session.get('n') ?? 0 }))
      } catch (error) {
        onError(error, req, res)
      }
    })()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    store,
    async close() {
      server.closeAllConnections()
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve()
        })
      })
      await store.close()
      await pool.end()
    },
  }
}
