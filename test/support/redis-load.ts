// A small session app over the node adapter and a server store on a real driver, and a bounded
// load against it over real HTTP: a few workers, each with sessions of its own that it logs in
// and counts up, so that after a fault every session can be checked against what its requests
// were told. Used by the outage, failover and resharding tests.
import { randomBytes } from 'node:crypto'
import http from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { SessionDriver } from '../../src/core/driver.ts'
import { SessionSaveError, SessionStoreError } from '../../src/errors.ts'
import { createKeyRing, createServerStore, generateKey } from '../../src/index.ts'
import { getSessions } from '../../src/node.ts'

interface Data {
  n: number
  owner: string
}

/** Why a request failed, as the app reports it in `x-error` (load / save, store operation). */
function describeError(error: unknown): string {
  if (error instanceof SessionStoreError) {
    // The Redis error's own code (NOREPLICAS, READONLY, MOVED, CLUSTERDOWN…) tells the cause.
    const cause = error.cause instanceof Error ? error.cause.message : ''
    const reason = error.timedOut
      ? 'timeout'
      : (/^[A-Z]{3,}\b/.exec(cause)?.[0] ?? cause.slice(0, 40))
    return `${error.code} ${error.operation} ${reason}`.trim()
  }
  if (error instanceof SessionSaveError) {
    return `${error.code} <- ${error.errors.map((e) => describeError(e.error)).join(', ')}`
  }
  return error instanceof Error ? `untyped ${error.message}` : 'untyped'
}

export interface SessionApp {
  readonly url: string
  /** Errors the app saw, by description. */
  readonly errors: Map<string, number>
  close(): Promise<void>
}

/**
 * `/login?owner=x` stores a new session `{ n: 0, owner }`; `/bump` counts the session up and
 * answers the new count; `/read` answers the count. A request with no live session answers
 * 401 and never creates one; a store failure answers 503 with the error in `x-error`.
 */
export async function startSessionApp(driver: SessionDriver, timeout: number): Promise<SessionApp> {
  const store = createServerStore<Data>({
    name: 'sid',
    driver,
    keys: createKeyRing([{ id: 'k1', secret: generateKey() }]),
    timeout,
    cookie: { secure: false },
  })
  const errors = new Map<string, number>()
  const fail = (error: unknown, res: ServerResponse): void => {
    const description = describeError(error)
    errors.set(description, (errors.get(description) ?? 0) + 1)
    if (res.headersSent) return
    res.statusCode = 503
    res.setHeader('x-error', description)
    res.end()
  }
  const options = {
    onError: (error: unknown, _req: IncomingMessage, res: ServerResponse) => {
      fail(error, res)
    },
  }
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://app')
    let session
    try {
      session = await getSessions(req, res, options).get(store)
    } catch (error) {
      fail(error, res)
      return
    }
    if (url.pathname === '/login') {
      session.set('owner', url.searchParams.get('owner') ?? '')
      session.set('n', 0)
      res.end('0')
      return
    }
    if (session.isNew) {
      res.statusCode = 401
      res.end()
      return
    }
    if (url.pathname === '/bump') {
      res.end(String(session.increment('n')))
      return
    }
    res.end(JSON.stringify(session.getAll()))
  }
  const server = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      fail(error, res)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no address')
  return {
    url: `http://127.0.0.1:${address.port}`,
    errors,
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>((resolve) =>
        server.close(() => {
          resolve()
        }),
      )
      await store.close()
    },
  }
}

export interface Reply {
  readonly status: number
  readonly body: string
  readonly setCookies: readonly string[]
  readonly error: string | null
  readonly ms: number
}

/** One request, aborted (status 0, "hung") after `bound` ms. */
export async function request(
  url: string,
  cookie: string | undefined,
  bound: number,
): Promise<Reply> {
  const started = performance.now()
  try {
    const response = await fetch(url, {
      headers: cookie === undefined ? {} : { cookie },
      signal: AbortSignal.timeout(bound),
    })
    const body = await response.text()
    return {
      status: response.status,
      body,
      setCookies: response.headers.getSetCookie(),
      error: response.headers.get('x-error'),
      ms: performance.now() - started,
    }
  } catch (error) {
    return {
      status: 0,
      body: error instanceof Error ? error.message : String(error),
      setCookies: [],
      error: 'hung',
      ms: performance.now() - started,
    }
  }
}

/** A session the load created: its cookie and what its requests were told. */
export interface TrackedSession {
  readonly owner: string
  readonly cookie: string
  /** The last count a 200 answered. */
  acked: number
  /** Bumps that failed: each may or may not have been applied. */
  unsure: number
  /** A bump of it was answered 401: the app no longer knew the session. */
  forgotten?: boolean
  /** The bump in flight: bumps of one session never overlap, so `acked` only grows. */
  busy?: Promise<void> | undefined
}

export interface LoadFigures {
  requests: number
  failed: number
  hung: number
  maxMs: number
  /** Failed requests by status and `x-error`. */
  readonly kinds: Map<string, number>
  /** Failed requests that carried a Set-Cookie other than a 401's deletion (must stay 0: fail closed). */
  cookiesOnFailure: number
  /** Bumps of a live session answered 401 (a session lost, must stay 0). */
  lost: number
  /** When (performance.now()) the first and the last failed request ended. */
  firstFailAt: number | undefined
  lastFailAt: number | undefined
}

export function newFigures(): LoadFigures {
  return {
    requests: 0,
    failed: 0,
    hung: 0,
    maxMs: 0,
    kinds: new Map(),
    cookiesOnFailure: 0,
    lost: 0,
    firstFailAt: undefined,
    lastFailAt: undefined,
  }
}

/** A Set-Cookie that deletes its cookie: an empty value and `Max-Age=0`. */
function clearsCookie(line: string): boolean {
  const [pair = '', ...attributes] = line.split(';')
  const empty = pair.slice(pair.indexOf('=') + 1).trim() === ''
  return empty && attributes.some((attribute) => attribute.trim().toLowerCase() === 'max-age=0')
}

function count(sinks: readonly LoadFigures[], reply: Reply, lost = false): void {
  for (const figures of sinks) countInto(figures, reply, lost)
}

function countInto(figures: LoadFigures, reply: Reply, lost: boolean): void {
  figures.requests++
  figures.maxMs = Math.max(figures.maxMs, reply.ms)
  if (reply.status === 200) return
  figures.failed++
  figures.firstFailAt ??= performance.now()
  figures.lastFailAt = performance.now()
  if (reply.status === 0) figures.hung++
  if (lost) figures.lost++
  // A 401 is a session the store no longer has (a new one the switch rolled back): clearing
  // its cookie is the store's answer to an unknown id. Any other cookie on a failure is not.
  const carried =
    reply.status === 401 ? reply.setCookies.filter((line) => !clearsCookie(line)) : reply.setCookies
  if (carried.length > 0) figures.cookiesOnFailure++
  const kind = `${reply.status} ${reply.error ?? ''}`.trim()
  figures.kinds.set(kind, (figures.kinds.get(kind) ?? 0) + 1)
}

/** Logs in a new session; `undefined` when the request failed. */
export async function login(
  url: string,
  owner: string,
  bound: number,
  sinks: readonly LoadFigures[],
): Promise<TrackedSession | undefined> {
  const reply = await request(`${url}/login?owner=${owner}`, undefined, bound)
  count(sinks, reply)
  const cookie = reply.setCookies[0]?.split(';', 1)[0]
  if (reply.status !== 200 || cookie === undefined) return undefined
  return { owner, cookie, acked: 0, unsure: 0 }
}

/** Counts `session` up once, recording the outcome in it and in `figures`. */
export async function bump(
  url: string,
  session: TrackedSession,
  bound: number,
  sinks: readonly LoadFigures[],
): Promise<Reply> {
  while (session.busy !== undefined) await session.busy
  let release = (): void => undefined
  session.busy = new Promise((resolve) => {
    release = resolve
  })
  try {
    const reply = await request(`${url}/bump`, session.cookie, bound)
    count(sinks, reply, reply.status === 401)
    if (reply.status === 200) session.acked = Number(reply.body)
    else if (reply.status === 401) session.forgotten = true
    else session.unsure++
    return reply
  } finally {
    session.busy = undefined
    release()
  }
}

export interface LoadOptions {
  readonly url: string
  readonly workers: number
  /** Sessions each worker logs in before the load, and the share of later requests that log in. */
  readonly sessionsPerWorker: number
  readonly loginShare: number
  /** Per-request abort bound in ms: a request still open then counts as hung. */
  readonly bound: number
  /** Pause between a worker's requests, in ms (keeps the load bounded). */
  readonly pause: number
}

export interface Load {
  readonly sessions: TrackedSession[]
  readonly figures: LoadFigures
  /** Stops the workers and waits for their requests in flight. */
  stop(): Promise<void>
  /** Figures from now on (for "during the switch"). */
  mark(): LoadFigures
  /** The count each session has been told so far. */
  snapshot(): Map<TrackedSession, number>
  /** Adds a worker that does nothing but bump `hot` (say the sessions whose slots move). */
  focus(hot: readonly TrackedSession[]): void
}

/**
 * Logs in the workers' first sessions (they must all succeed), then keeps the workers busy
 * until `stop()`: each request bumps one of the worker's sessions or logs in a new one.
 */
export async function startLoad(options: LoadOptions): Promise<Load> {
  const figures = newFigures()
  let window = newFigures()
  // Owners are unique across loads, so a session found in Redis by its owner is one of ours.
  const tag = randomBytes(4).toString('hex')
  const sessions: TrackedSession[] = []
  const owned: TrackedSession[][] = []
  // The workers log in their first sessions side by side, each in order.
  await Promise.all(
    Array.from({ length: options.workers }, async (_, w) => {
      const mine: TrackedSession[] = []
      owned[w] = mine
      for (let i = 0; i < options.sessionsPerWorker; i++) {
        const session = await login(options.url, `${tag}w${w}s${i}`, options.bound, [figures])
        if (session === undefined) throw new Error('a login before the load failed')
        mine.push(session)
        sessions.push(session)
      }
    }),
  )
  let running = true
  const pause = (): Promise<unknown> =>
    options.pause > 0
      ? new Promise((resolve) => setTimeout(resolve, options.pause))
      : Promise.resolve()
  const workers = owned.map(async (mine, w) => {
    const every = Math.max(1, Math.round(1 / options.loginShare))
    for (let step = 1; running; step++) {
      const sinks = [figures, window]
      if (step % every === 0) {
        const session = await login(options.url, `${tag}w${w}n${step}`, options.bound, sinks)
        if (session !== undefined) {
          mine.push(session)
          sessions.push(session)
        }
      } else {
        await bump(options.url, mine[step % mine.length]!, options.bound, sinks)
      }
      await pause()
    }
  })
  return {
    sessions,
    figures,
    stop: async () => {
      running = false
      await Promise.all(workers)
    },
    mark: () => {
      window = newFigures()
      return window
    },
    snapshot: () => new Map(sessions.map((session) => [session, session.acked])),
    focus: (hot) => {
      if (hot.length === 0) return
      workers.push(
        (async () => {
          for (let step = 0; running; step++) {
            await bump(options.url, hot[step % hot.length]!, options.bound, [figures, window])
            await pause()
          }
        })(),
      )
    },
  }
}

export interface SessionCheck {
  /** Sessions read back. */
  readonly checked: number
  /**
   * Sessions that could not be read, or whose count is not one their requests allow; with
   * `durable`, only the sessions and counts it vouches for have to be there.
   */
  readonly wrong: string[]
  /** Outside `durable`: sessions whose last acknowledged counts were rolled back. */
  readonly rolledBack: string[]
  /** Outside `durable`: sessions acknowledged as created that are gone. */
  readonly missing: string[]
}

/**
 * Reads every session back: each must exist, and its count must lie between the last count a
 * request was told and that plus the bumps whose outcome the client never learned. Given
 * `durable` (the counts that were safely stored at some point, by session), sessions outside
 * it and counts above it are only reported when missing or rolled back, never wrong; a count
 * above what any request could have written is always wrong.
 */
export async function checkSessions(
  url: string,
  sessions: readonly TrackedSession[],
  bound: number,
  durable?: ReadonlyMap<TrackedSession, number>,
): Promise<SessionCheck> {
  const wrong: string[] = []
  const rolledBack: string[] = []
  const missing: string[] = []
  for (let i = 0; i < sessions.length; i += 50) {
    await Promise.all(
      sessions.slice(i, i + 50).map(async (session) => {
        const floor = durable === undefined ? session.acked : durable.get(session)
        const reply = await request(`${url}/read`, session.cookie, bound)
        const told = `acked ${session.acked}, unsure ${session.unsure}, durable ${String(floor)}`
        if (reply.status === 401 && floor === undefined) {
          missing.push(`${session.owner}: ${told}`)
          return
        }
        if (reply.status !== 200) {
          wrong.push(`${session.owner}: ${reply.status} ${reply.error ?? ''}, ${told}`)
          return
        }
        const data = JSON.parse(reply.body) as Partial<Data>
        const n = data.n ?? -1
        if (
          data.owner !== session.owner ||
          n < (floor ?? 0) ||
          n > session.acked + session.unsure
        ) {
          wrong.push(`${session.owner}: ${reply.body}, ${told}`)
        } else if (n < session.acked) {
          rolledBack.push(`${session.owner}: ${reply.body}, ${told}`)
        }
      }),
    )
  }
  return { checked: sessions.length, wrong, rolledBack, missing }
}

/** The figures as one line for the test output and the report. */
export function summary(figures: LoadFigures): string {
  const kinds = [...figures.kinds].map(([kind, n]) => `${kind} ×${n}`).join('; ')
  return (
    `${figures.requests} requests, ${figures.failed} failed (${kinds || 'none'}), ` +
    `${figures.hung} hung, max ${Math.round(figures.maxMs)} ms`
  )
}
