// Shared helpers for the adapter tests: real node:http servers on 127.0.0.1, a raw HTTP client
// for requests `fetch` cannot make, cookie stores for both crypto backends, and a store whose
// save fails (a stand-in for a failing server-side backend).
import { afterEach, describe } from 'node:test'
import http from 'node:http'
import type { IncomingMessage, ServerOptions, ServerResponse } from 'node:http'
import net from 'node:net'
import {
  createCookieStore,
  createKeyRing,
  createMemoryDriver,
  generateKey,
} from '../../src/index.ts'
import type { SessionDriver } from '../../src/core/driver.ts'
import type { CookieStore, CookieStoreOptions, SessionData, SessionStore } from '../../src/index.ts'
import { HeadersSentError } from '../../src/errors.ts'

export type CryptoMode = 'node' | 'web'

/** Registers `suite` once per crypto backend: `'node'` saves synchronously, `'web'` does not. */
export function forEachCrypto(suite: (crypto: CryptoMode) => void): void {
  for (const crypto of ['node', 'web'] as const) {
    describe(`crypto: ${crypto} (${crypto === 'node' ? 'synchronous' : 'asynchronous'} save)`, () => {
      suite(crypto)
    })
  }
}

/** The data every test session may hold. */
export interface TestData extends SessionData {
  n: number
  big: string
  note: string
}

export const keys = createKeyRing([{ id: 'k1', secret: generateKey() }])

export function makeStore(
  crypto: CryptoMode,
  options: Partial<CookieStoreOptions> = {},
): CookieStore<TestData> {
  return createCookieStore<TestData>({ name: 'app', keys, crypto, ...options })
}

/**
 * A store that loads through a real cookie store but whose `save` fails, synchronously
 * (`'throw'`) or with a rejected promise (`'reject'`).
 */
export function failingStore<Data extends SessionData>(
  inner: SessionStore<Data>,
  mode: 'throw' | 'reject',
  error: Error = new Error('backend unavailable'),
): SessionStore<Data> {
  return {
    name: inner.name,
    get: (cookieHeader) => inner.get(cookieHeader),
    create: () => inner.create(),
    save: () => {
      if (mode === 'throw') throw error
      return Promise.reject(error)
    },
    destroy: (session) => inner.destroy(session),
  }
}

/** `name=value` of a Set-Cookie value (what a browser sends back). */
export function cookiePair(setCookie: string): string {
  return setCookie.split(';', 1)[0] ?? ''
}

/** GETs `${url}/read` with the cookie of `setCookie`: the `n` that route answers as JSON. */
export async function readBack(url: string, setCookie: string): Promise<unknown> {
  const response = await fetch(`${url}/read`, { headers: { cookie: cookiePair(setCookie) } })
  return ((await response.json()) as { n: unknown }).n
}

/** The Set-Cookie values for cookie `name`. */
export function setCookiesNamed(setCookies: readonly string[], name: string): string[] {
  return setCookies.filter((value) => value.startsWith(`${name}=`))
}

/** The single Set-Cookie for `name`; fails unless there is exactly one. */
export function onlySetCookie(setCookies: readonly string[], name: string): string {
  const found = setCookiesNamed(setCookies, name)
  if (found.length !== 1 || found[0] === undefined) {
    throw new Error(`expected one Set-Cookie for ${name}, got ${JSON.stringify(setCookies)}`)
  }
  return found[0]
}

/** The value part of a `name=value` pair. */
export function valueOf(pair: string): string {
  return pair.slice(pair.indexOf('=') + 1)
}

/** Flips one character in the middle of a cookie value, keeping it base64url. */
export function tamper(pair: string): string {
  const at = pair.indexOf('=') + Math.floor((pair.length - pair.indexOf('=')) / 2)
  const c = pair[at]
  return pair.slice(0, at) + (c === 'A' ? 'B' : 'A') + pair.slice(at + 1)
}

export interface Deferred<T> {
  readonly promise: Promise<T>
  resolve(value: T): void
}

export function deferred<T>(): Deferred<T> {
  let resolve: (value: T) => void = () => undefined
  const promise = new Promise<T>((r) => {
    resolve = r
  })
  return { promise, resolve }
}

/** Resolves with `promise`, or rejects after `ms` so a missing callback fails fast. */
export function within<T>(promise: Promise<T>, ms = 2000, what = 'callback'): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`${what} not called within ${ms} ms`))
    }, ms)
  })
  return Promise.race([promise, timeout]).finally(() => {
    clearTimeout(timer)
  })
}

/**
 * The real memory driver, whose writes (update, touch, delete) the backend refuses while
 * `refuse(true)`: a logout whose server-side delete fails.
 */
export function refusingDriver(): { driver: SessionDriver; refuse: (on: boolean) => void } {
  const inner = createMemoryDriver({ sweepInterval: 0 })
  let refused = false
  const write = <R>(call: () => Promise<R>): Promise<R> =>
    refused ? Promise.reject(new Error('the backend refuses writes')) : call()
  return {
    driver: {
      ...inner,
      update: (id, patch, now) => write(() => inner.update(id, patch, now)),
      touch: (id, seen, expires, now) => write(() => inner.touch(id, seen, expires, now)),
      delete: (id) => write(() => inner.delete(id)),
    },
    refuse: (on) => {
      refused = on
    },
  }
}

/** Resolves once `errors` holds a `HeadersSentError` (reports come a microtask late). */
export function lateChangeReported(errors: readonly unknown[]): Promise<void> {
  return within(
    (async () => {
      while (!errors.some((error) => error instanceof HeadersSentError)) {
        await new Promise((resolve) => setImmediate(resolve))
      }
    })(),
    2000,
    'the HeadersSentError report',
  )
}

export type TestHandler = (req: IncomingMessage, res: ServerResponse) => unknown

export interface TestServer {
  readonly server: http.Server
  readonly url: string
  readonly port: number
  /** Errors thrown by the handler (the response is then a 599 with the error as body). */
  readonly errors: unknown[]
}

async function listen(handler: TestHandler, options: ServerOptions): Promise<TestServer> {
  const errors: unknown[] = []
  const server = http.createServer(options, (req, res) => {
    void (async () => {
      try {
        await handler(req, res)
      } catch (error) {
        errors.push(error)
        if (!res.headersSent) res.statusCode = 599
        if (!res.writableEnded) res.end(error instanceof Error ? (error.stack ?? '') : '')
      }
    })()
  })
  await new Promise<void>((resolve) => {
    server.listen(0, '127.0.0.1', resolve)
  })
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no TCP address')
  return { server, url: `http://127.0.0.1:${address.port}`, port: address.port, errors }
}

export function closeServer(server: http.Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => {
      resolve()
    })
    server.closeAllConnections()
  })
}

/**
 * Inside a `describe`: returns `serve(handler)`, which starts a real server on 127.0.0.1 port
 * 0; every server started in a test is closed after it.
 */
export function useServers(): (
  handler: TestHandler,
  options?: ServerOptions,
) => Promise<TestServer> {
  const open = new Set<http.Server>()
  afterEach(async () => {
    await Promise.all([...open].map(closeServer))
    open.clear()
  })
  return async (handler, options = {}) => {
    const started = await listen(handler, options)
    open.add(started.server)
    return started
  }
}

/** Starts a server outside the per-test lifecycle; the caller closes it. */
export function startServer(
  handler: TestHandler,
  options: ServerOptions = {},
): Promise<TestServer> {
  return listen(handler, options)
}

export interface RawResponse {
  readonly status: number
  /** Header lines in order, names lower-cased. */
  readonly headers: readonly (readonly [string, string])[]
  readonly body: string
}

/**
 * Sends `head` (request line and header lines, CRLF-separated, without the blank line) as raw
 * HTTP/1.1 with `Connection: close` and reads the whole response; for requests `fetch` cannot
 * make, such as several `Cookie` header lines.
 */
export function rawRequest(port: number, head: readonly string[]): Promise<RawResponse> {
  return new Promise<RawResponse>((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1')
    const chunks: Buffer[] = []
    socket.on('data', (chunk: Buffer) => chunks.push(chunk))
    socket.on('error', reject)
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString('latin1')
      const split = text.indexOf('\r\n\r\n')
      const lines = text.slice(0, split).split('\r\n')
      const status = Number((lines[0] ?? '').split(' ')[1])
      const headers = lines.slice(1).map((line): [string, string] => {
        const colon = line.indexOf(':')
        return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()]
      })
      const raw = text.slice(split + 4)
      const chunked = headers.some(
        ([name, value]) => name === 'transfer-encoding' && /chunked/i.test(value),
      )
      resolve({ status, headers, body: chunked ? dechunked(raw) : raw })
    })
    socket.write([...head, 'Host: 127.0.0.1', 'Connection: close', '', ''].join('\r\n'))
  })
}

/** The body of a `Transfer-Encoding: chunked` response: its chunks joined, sizes dropped. */
function dechunked(raw: string): string {
  let body = ''
  let at = 0
  for (;;) {
    const lineEnd = raw.indexOf('\r\n', at)
    if (lineEnd === -1) return body
    const size = Number.parseInt(raw.slice(at, lineEnd), 16)
    if (!Number.isFinite(size) || size === 0) return body
    body += raw.slice(lineEnd + 2, lineEnd + 2 + size)
    at = lineEnd + 2 + size + 2
  }
}

/** Headers of `name` in a raw response. */
export function rawHeaders(response: RawResponse, name: string): string[] {
  return response.headers.filter(([key]) => key === name).map(([, value]) => value)
}
