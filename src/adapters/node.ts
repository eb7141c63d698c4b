/**
 * The node:http adapter. `sessions(req, res)` gives the request's {@link SessionRegistry} and
 * makes sure every changed session is saved and its `Set-Cookie` written before the response
 * headers go out, even when the handler calls `res.end()` without awaiting anything:
 *
 * - with stores that can save synchronously (the cookie store on the node:crypto backend) the
 *   cookie is written inside the header write itself;
 * - otherwise the first `writeHead`/`write`/`end`/`flushHeaders` starts the save and the
 *   response calls are replayed, in order, once it has finished.
 *
 * A session changed while that save runs (right after `res.end()`, say) is saved again before
 * the held response goes out. A save that fails before the headers are sent turns the response
 * into a 500 (or whatever `onError` sends); a session changed once the headers were sent (a
 * value set, a flash read, a destroy) is reported to `onError` as a `HeadersSentError`.
 *
 * Available from `'sessionkit/node'`.
 *
 * @module
 */

import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http'
import { HeadersSentError, SessionSaveError } from '../errors.ts'
import { isPromise, then, type Awaitable } from '../lib/awaitable.ts'
import { SessionRegistry } from '../core/registry.ts'

export interface NodeSessionsOptions {
  /**
   * Called when sessions cannot be saved. Before the headers are sent, it may write its own
   * response (if it does not, a plain 500 is sent); after, it can only report. A session
   * changed after the headers were sent is given here as a `HeadersSentError`, once per
   * session and request.
   * @default logs to `console.error` and sends a plain 500 when still possible
   */
  readonly onError?: (error: unknown, req: IncomingMessage, res: ServerResponse) => void
  /**
   * `Cache-Control` added to responses that carry a session cookie and have none of their
   * own, so shared caches never store a session. `false` to leave it alone.
   * @default 'no-store'
   */
  readonly cacheControl?: string | false
}

/** The registry of a node:http request; `save()` also writes the cookies to the response. */
export class NodeSessionRegistry extends SessionRegistry {
  readonly #res: ServerResponse
  readonly #apply: (values: readonly string[]) => void
  readonly #changed: (name: string) => void

  constructor(
    req: IncomingMessage,
    res: ServerResponse,
    apply: (values: readonly string[]) => void,
    changed: (name: string) => void = () => undefined,
  ) {
    super(req.headers.cookie)
    this.#res = res
    this.#apply = apply
    this.#changed = changed
  }

  protected override sessionChanged(name: string): void {
    this.#changed(name)
  }

  /** Saves every session now and writes the cookies to the response. */
  override save(): Awaitable<readonly string[]> {
    if (this.#res.headersSent && this.hasChanges) {
      throw new HeadersSentError('a session changed after the response headers were written')
    }
    return then(super.save(), (values) => {
      this.#apply(values)
      return values
    })
  }
}

const registries = new WeakMap<IncomingMessage, NodeSessionRegistry>()

// How `withSessions` reports a handler error: once, and answered once. Before the handler
// started its response the error replaces it (a 500, no session cookies); after, the
// response the handler started is finished as it was, as on the synchronous path.
const abortOf = new WeakMap<ServerResponse, (error: unknown) => void>()

type Deferred = () => void

// A session changed while its save ran is saved again while the headers wait; a handler that
// keeps changing it cannot hold its response forever, the change left over is reported.
const MAX_SAVE_ROUNDS = 4

/**
 * The sessions of this request. Calling it again for the same request returns the same
 * registry.
 *
 * @example
 * ```ts
 * http.createServer(async (req, res) => {
 *   const session = await sessions(req, res).get(store)
 *   session.increment('visits')
 *   res.end(`visit ${session.getInt('visits')}`) // the cookie is written first
 * })
 * ```
 */
export function sessions(
  req: IncomingMessage,
  res: ServerResponse,
  options: NodeSessionsOptions = {},
): NodeSessionRegistry {
  const existing = registries.get(req)
  if (existing !== undefined) return existing

  const onError = options.onError ?? defaultOnError
  const cacheControl = options.cacheControl ?? 'no-store'
  let ours: readonly string[] = []
  let phase: 'open' | 'saving' | 'done' | 'failed' = 'open'
  // True while onError runs after a failure: its own response calls go through.
  let reporting = false
  const queue: Deferred[] = []

  const original = {
    writeHead: res.writeHead.bind(res) as (...args: unknown[]) => ServerResponse,
    write: res.write.bind(res) as (...args: unknown[]) => boolean,
    end: res.end.bind(res) as (...args: unknown[]) => ServerResponse,
    flushHeaders: res.flushHeaders.bind(res),
  }

  function apply(values: readonly string[]): void {
    if (res.headersSent) return
    const foreign = toList(res.getHeader('set-cookie')).filter((v) => !ours.includes(v))
    ours = values
    if (values.length === 0) return
    res.setHeader('Set-Cookie', [...foreign, ...values])
    if (cacheControl !== false && !res.hasHeader('cache-control')) {
      res.setHeader('Cache-Control', cacheControl)
    }
  }

  // Sessions changed since the last save began, and those already reported as late.
  const pending = new Set<string>()
  const reported = new Set<string>()

  function report(name: string): void {
    if (reported.has(name)) return
    reported.add(name)
    const error = new HeadersSentError(
      `session "${name}" changed after the response headers were written`,
    )
    // Reported apart from the change itself, so a throwing onError never makes set() throw.
    queueMicrotask(() => {
      try {
        onError(error, req, res)
      } catch (thrown) {
        defaultOnError(thrown)
      }
    })
  }

  function changed(name: string): void {
    pending.add(name)
    if (res.headersSent && phase !== 'failed') report(name)
  }

  function saveRound(): Awaitable<readonly string[]> {
    pending.clear()
    return registry.save()
  }

  const registry = new NodeSessionRegistry(req, res, apply, changed)
  registries.set(req, registry)
  let endQueued = false
  abortOf.set(res, (error) => {
    if (phase === 'failed') {
      onError(error, req, res)
    } else if (queue.length === 0 && !res.headersSent) {
      fail(error)
    } else {
      onError(error, req, res)
      if (phase === 'saving') {
        if (!endQueued) queue.push(() => original.end())
      } else if (!res.writableEnded) {
        original.end()
      }
    }
  })

  function fail(error: unknown): void {
    phase = 'failed'
    queue.length = 0
    reporting = true
    try {
      onError(error, req, res)
    } finally {
      reporting = false
      if (!res.headersSent) {
        res.removeHeader('set-cookie')
        // A logout whose server-side delete failed still logs the browser out.
        if (error instanceof SessionSaveError && error.setCookies.length > 0) {
          res.setHeader('Set-Cookie', [...error.setCookies])
        }
        res.statusCode = 500
        res.setHeader('Content-Type', 'text/plain; charset=utf-8')
        original.end('Internal Server Error')
      } else if (!res.writableEnded) {
        original.end()
      }
    }
  }

  // Starts the save at the first call that would send headers. Returns true when the call
  // may proceed now; false when it was queued (or the response failed).
  function beforeHeaders(call: Deferred): boolean {
    if (phase === 'done' || res.headersSent) return true
    if (phase === 'failed') return false
    if (phase === 'saving') {
      queue.push(call)
      return false
    }
    let result: Awaitable<readonly string[]>
    try {
      result = saveRound()
    } catch (error) {
      fail(error)
      return false
    }
    if (!isPromise(result)) {
      phase = 'done'
      return true
    }
    phase = 'saving'
    queue.push(call)
    afterSave(result, 1)
    return false
  }

  // Once a save has finished: another round for sessions changed meanwhile, else the held
  // response calls are replayed in order.
  function afterSave(saving: Promise<unknown>, round: number): void {
    saving
      .then(
        () => {
          if (phase === 'failed') return
          if (pending.size > 0 && round < MAX_SAVE_ROUNDS) {
            afterSave(Promise.resolve().then(saveRound), round + 1)
            return
          }
          phase = 'done'
          try {
            for (const deferred of queue.splice(0)) deferred()
          } catch (error) {
            // A replayed call threw (a bad header, say); the handler is no longer there to see it.
            fail(error)
            return
          }
          // Changed during the last round allowed: the headers left without it.
          if (res.headersSent) for (const name of pending) report(name)
        },
        (error: unknown) => {
          if (phase !== 'failed') fail(error)
        },
      )
      // Nobody awaits this chain: an onError that throws is logged, not an unhandled rejection.
      .catch(defaultOnError)
  }

  res.writeHead = function (...args: unknown[]): ServerResponse {
    // After a failure only our own error response may write headers.
    if (phase === 'failed') return res.headersSent ? res : original.writeHead(...args)
    if (!beforeHeaders(() => original.writeHead(...withOurCookies(args, ours)))) return res
    return original.writeHead(...withOurCookies(args, ours))
  }

  res.write = function (...args: unknown[]): boolean {
    if (phase === 'failed') return reporting ? original.write(...args) : false
    if (!beforeHeaders(() => original.write(...args))) return true
    return original.write(...args)
  } as ServerResponse['write']

  res.end = function (...args: unknown[]): ServerResponse {
    if (phase === 'failed') return reporting ? original.end(...args) : res
    if (!beforeHeaders(() => original.end(...args))) {
      endQueued = true
      return res
    }
    return original.end(...args)
  } as ServerResponse['end']

  res.flushHeaders = function (): void {
    if (
      !beforeHeaders(() => {
        original.flushHeaders()
      })
    ) {
      return
    }
    original.flushHeaders()
  }

  return registry
}

/**
 * Wraps a handler: gives it the sessions and turns a thrown error into `onError` (or a 500)
 * instead of an unhandled rejection.
 */
export function withSessions(
  handler: (req: IncomingMessage, res: ServerResponse, sessions: NodeSessionRegistry) => unknown,
  options: NodeSessionsOptions = {},
): (req: IncomingMessage, res: ServerResponse) => void {
  async function run(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const registry = sessions(req, res, options)
    try {
      await handler(req, res, registry)
    } catch (error) {
      abortOf.get(res)?.(error)
    }
  }
  // node:http ignores a listener's return value, so the promise is handled here.
  return (req, res) => {
    run(req, res).catch(defaultOnError)
  }
}

function defaultOnError(error: unknown): void {
  console.error('[sessionkit]', error)
}

function toList(value: number | string | string[] | undefined): string[] {
  if (value === undefined) return []
  return Array.isArray(value) ? value : [String(value)]
}

// Headers passed to writeHead replace those set with setHeader, so a handler that writes its
// own Set-Cookie there would drop ours; merge ours into the argument instead.
function withOurCookies(args: unknown[], ours: readonly string[]): unknown[] {
  if (ours.length === 0) return args
  const index = args.length - 1
  const headers = args[index]
  if (index < 1 || typeof headers !== 'object' || headers === null) return args
  const copy = [...args]
  if (Array.isArray(headers)) {
    // Once headers were set with setHeader (ours were), Node 20 applies a flat array with one
    // setHeader per pair, so a repeated name (Set-Cookie above all) would keep only its last
    // value. Group the pairs by name into the object form, which keeps every value.
    const list: unknown[] = headers
    if (list.length % 2 !== 0) return args // node rejects it with its own error
    const grouped = new Map<string, [string, unknown[]]>()
    for (let i = 0; i < list.length; i += 2) {
      const name = list[i]
      if (typeof name !== 'string') return args // let node report it
      if (name === '') continue
      const entry = grouped.get(name.toLowerCase()) ?? [name, []]
      const value = list[i + 1]
      entry[1].push(...(Array.isArray(value) ? (value as unknown[]) : [value]))
      grouped.set(name.toLowerCase(), entry)
    }
    const cookies = grouped.get('set-cookie')?.[1]
    cookies?.push(...ours.filter((v) => !cookies.includes(v)))
    copy[index] = Object.fromEntries(
      [...grouped.values()].map(([name, values]) => [
        name,
        values.length === 1 ? values[0] : values,
      ]),
    )
    return copy
  }
  const record = headers as OutgoingHttpHeaders
  const key = Object.keys(record).find((name) => name.toLowerCase() === 'set-cookie')
  if (key === undefined) return args
  const value = record[key]
  const existing = Array.isArray(value) ? value : value === undefined ? [] : [String(value)]
  copy[index] = { ...record, [key]: [...existing, ...ours.filter((v) => !existing.includes(v))] }
  return copy
}
