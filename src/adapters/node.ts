/**
 * The node:http adapter. `getSessions(req, res)` gives the request's {@link NodeSessionRegistry}
 * and makes sure every changed session is saved and its `Set-Cookie` written before the response
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

import type { IncomingMessage, ServerResponse } from 'node:http'
import type { CookieHeader, RequestTransport } from '../core/store.ts'
import { HeadersSentError } from '../errors.ts'
import { isPromise, type Awaitable } from '../lib/awaitable.ts'
import {
  AdapterSessionRegistry,
  RequestSessions,
  logError,
  writeOwedCookies,
  type RegistryHooks,
  type RequestSessionsOptions,
} from './core.ts'
import { gateThroughPrototype } from './gate-prototype.ts'
import {
  ResponseHeaders,
  asPlain500,
  callBackHeld,
  holdSocket,
  isHeld,
  markEnded,
  markHeadersHeld,
  releaseSocket,
  sentPastTheGate,
  unmarkEnded,
  unmarkHeadersHeld,
  withOurCookies,
  withoutEntityHeaders,
  type HoldsSocket,
} from './node-response.ts'
import { requestTransport } from './transport.ts'

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
  /**
   * Behind a proxy that terminates TLS: take the protocol and host from `X-Forwarded-Proto`
   * and `X-Forwarded-Host` (their first value) rather than from the connection. Only when
   * every request comes through a proxy that sets them: a client can send them too. Decides
   * what `secure: 'auto'` cookies do and what the plain-HTTP warning sees.
   * @default false (a request is HTTPS when its socket is TLS: `node:https`, `http2.createSecureServer`)
   */
  readonly trustProxy?: boolean
  /**
   * A handler that throws (in `withSessions`) before its response started: `false` answers
   * with a 500 and saves nothing of the request; `true` saves its sessions and sends their
   * cookies with the 500.
   * @default false
   */
  readonly commitOnError?: boolean
}

/**
 * How a framework on node:http tells the gate what only it knows. For the framework adapters
 * (Express), not part of the public API.
 */
export interface GateHooks {
  /**
   * True when the response about to be written is the framework's answer to a failed request
   * (its sessions are then discarded unless `commitOnError`).
   */
  readonly isErrorResponse?: (res: ServerResponse) => boolean
  /**
   * How the request arrived, as the framework itself reads it (honouring its own trust-proxy
   * setting); without it, the socket and `trustProxy` decide.
   */
  readonly transport?: (req: IncomingMessage) => RequestTransport
  /**
   * `onError` hands a failure to the framework, which answers it itself, maybe later (Express's
   * `next(err)`: finalhandler waits for the request body): the gate sends no 500 of its own,
   * and lets the framework's error response through whenever it comes.
   */
  readonly answersErrors?: boolean
  /**
   * The prototype all the framework's responses share (node's `http.ServerResponse.prototype`
   * under Express, which gives each response a prototype chain of its own): the gate stands in
   * for the response's methods there, once, instead of on each response, and finds its gate
   * through `res.req.sessions`, where the registry is put.
   */
  readonly sharedPrototype?: object
}

// The gate of a registry, for gateOf, without a public accessor.
let gateOfRegistry: (registry: NodeSessionRegistry) => ResponseGate

/** The registry of a node:http request; `save()` also writes the cookies to the response. */
export class NodeSessionRegistry extends AdapterSessionRegistry {
  readonly #gate: ResponseGate

  static {
    gateOfRegistry = (registry) => registry.#gate
  }

  /** Made by the adapter, one per request. @internal */
  constructor(cookieHeader: CookieHeader, hooks: RegistryHooks, gate: ResponseGate) {
    super(cookieHeader, hooks, () => gate.transport())
    this.#gate = gate
  }
}

function registryGate(value: unknown, req: IncomingMessage): ResponseGate | undefined {
  if (!(value instanceof NodeSessionRegistry)) return undefined
  const gate = gateOfRegistry(value)
  return gate.isFor(req) ? gate : undefined
}

/** A response call held while the sessions are saved, replayed in order afterwards. */
interface Held {
  readonly method: ResponseMethod
  readonly args: unknown[]
}
type ResponseMethod = 'writeHead' | 'write' | 'end' | 'flushHeaders'

// The four methods as the gate calls them, on the response (Reflect.apply).
interface OwnMethods {
  readonly writeHead: (this: ServerResponse, ...args: unknown[]) => ServerResponse
  readonly write: (this: ServerResponse, ...args: unknown[]) => boolean
  readonly end: (this: ServerResponse, ...args: unknown[]) => ServerResponse
  readonly flushHeaders: (this: ServerResponse) => void
}
type Phase = 'open' | 'saving' | 'done' | 'failed'

const NO_HOOKS: GateHooks = Object.freeze({})

/**
 * Holds a response's headers until its sessions are saved, by standing in for the four
 * response calls that can send them (`end`, `write` and `flushHeaders` send them through
 * `writeHead`). Its phases:
 * - `open`: the first of those calls commits the sessions; when every store saves
 *   synchronously the cookies are written right there and the call goes through;
 * - `saving`: an asynchronous commit runs; the calls are held and replayed in order after it;
 * - `done`: saved (or the headers left without us); calls go straight through;
 * - `failed`: a save or a replayed call failed; only `onError`'s own response goes out.
 *
 * It is also its sessions' options (`headers`, `headersSent`, ...): one object per request
 * rather than one per role.
 */
class ResponseGate implements RequestSessionsOptions, HoldsSocket {
  phase: Phase = 'open'
  readonly sessions: RequestSessions<NodeSessionRegistry>
  readonly headers: ResponseHeaders
  cacheControl: string | false | undefined
  commitOnError: boolean | undefined
  readonly sentAs = 'the response headers were written'
  readonly #req: IncomingMessage
  readonly #res: ServerResponse
  #onError: NonNullable<NodeSessionsOptions['onError']>
  readonly #trustProxy: boolean
  readonly #writeHead: OwnMethods['writeHead']
  readonly #write: OwnMethods['write']
  readonly #end: OwnMethods['end']
  readonly #flushHeaders: OwnMethods['flushHeaders']
  #held: Held[] | undefined
  #transport: RequestTransport | undefined
  #endHeld = false
  /** True while calls are held and the response reads as if they had gone through. */
  #readsAsSent = false
  /** An `end` is held and the response reads as ended (`writableEnded`). */
  #readsAsEnded = false
  /** What the status line is made of, as it was when the first call was held. */
  #statusLine: readonly [number, string | undefined, boolean] | undefined
  /** The socket's `destroy()` was called while calls were held: done once they went out. */
  #destroyAfterHeld = false
  /** True while onError runs after a failure: its own response calls go through. */
  #reporting = false

  #hooks: GateHooks
  readonly #throughPrototype: boolean

  constructor(
    req: IncomingMessage,
    res: ServerResponse,
    options: NodeSessionsOptions,
    hooks: GateHooks = NO_HOOKS,
  ) {
    this.#hooks = hooks
    this.#req = req
    this.#res = res
    this.#onError = options.onError ?? logError
    this.#trustProxy = options.trustProxy === true
    this.headers = new ResponseHeaders(res)
    this.cacheControl = options.cacheControl
    this.commitOnError = options.commitOnError
    this.sessions = new RequestSessions(
      this,
      (registryHooks) => new NodeSessionRegistry(req.headers.cookie, registryHooks, this),
    )
    const through =
      hooks.sharedPrototype === undefined
        ? undefined
        : gateThroughPrototype(res, hooks.sharedPrototype, gateOfSharedResponse)
    // What the gate calls through to: the response's own methods, as they were before it
    // stood in for them, or the ones above the shared stand-ins.
    const methods = (through ?? res) as unknown as OwnMethods
    this.#writeHead = methods.writeHead
    this.#write = methods.write
    this.#end = methods.end
    this.#flushHeaders = methods.flushHeaders
    this.#throughPrototype = through !== undefined
    if (through === undefined) standInOn(res, this)
  }

  /**
   * A framework adapter's sessions() on a request whose gate `getSessions` made before: the
   * framework's rules (its error responses, its reading of the transport, its `onError`, its
   * options) apply from now on; the gate goes on standing in on the response itself.
   */
  adopt(options: NodeSessionsOptions, hooks: GateHooks): void {
    if (this.#hooks !== NO_HOOKS || this.phase !== 'open') return
    this.#hooks = onTheResponse(hooks)
    if (options.onError !== undefined) this.#onError = options.onError
    if (options.cacheControl !== undefined) this.cacheControl = options.cacheControl
    if (options.commitOnError !== undefined) this.commitOnError = options.commitOnError
    this.#transport = undefined
  }

  /** Whether this is the gate of `req`. */
  isFor(req: IncomingMessage): boolean {
    return this.#req === req
  }

  /**
   * Whether the stand-ins on the shared prototype are this gate's for `res`. A gate that
   * stands in on the response itself is not: what it calls through to may be those stand-ins.
   */
  standsInOnPrototypeFor(res: object): boolean {
    return this.#throughPrototype && this.#res === res
  }

  /** For the sessions: where a late change is reported (called on its own, so a closure). */
  readonly onError = (error: unknown): void => {
    this.#onError(error, this.#req, this.#res)
  }

  /** For the sessions: whether the headers have left. */
  headersSent(): boolean {
    // While calls are held (by this gate, or another copy's) nothing has left: they wait.
    const res = this.#res
    return res.headersSent && (!isHeld(res) || sentPastTheGate(res))
  }

  /** For the registry: how the request arrived, worked out once per request. */
  transport(): RequestTransport {
    this.#transport ??=
      this.#hooks.transport?.(this.#req) ?? transportOf(this.#req, this.#trustProxy)
    return this.#transport
  }

  /**
   * A handler error (from `withSessions`), reported once and answered once: before the
   * handler started its response it replaces it (a 500, no session cookies); after, the
   * response the handler started is finished as it was, as on the synchronous path.
   */
  abort(error: unknown): void {
    if (this.phase === 'failed') {
      this.#onError(error, this.#req, this.#res)
    } else if (this.#held === undefined && !this.#res.headersSent) {
      if (this.sessions.requestFailed()) this.#failCommitted(error)
      else this.#fail(error)
    } else {
      this.#onError(error, this.#req, this.#res)
      if (this.phase === 'saving') {
        if (!this.#endHeld) this.#hold('end', [])
      } else if (!this.#res.writableEnded) {
        this.#call('end', [])
      }
    }
  }

  // commitOnError: the 500 goes out through the gate, so it carries the saved sessions.
  #failCommitted(error: unknown): void {
    const res = this.#res
    if (!res.headersSent) withoutEntityHeaders(res)
    this.#onError(error, this.#req, res)
    if (this.phase !== 'open' || res.headersSent || res.writableEnded) return
    res.end(asPlain500(res))
  }

  writeHead(args: unknown[]): ServerResponse {
    const res = this.#res
    // After a failure only our own error response may write headers.
    if (this.phase === 'failed') return res.headersSent ? res : this.#call('writeHead', args)
    return this.#beforeHeaders('writeHead', args) ? this.#call('writeHead', args) : res
  }

  write(args: unknown[]): boolean {
    if (this.phase === 'failed') return this.#reporting ? this.#call('write', args) : false
    if (!this.#beforeHeaders('write', args)) return true
    return this.#call('write', args)
  }

  end(args: unknown[]): ServerResponse {
    if (this.phase === 'failed') return this.#reporting ? this.#call('end', args) : this.#res
    if (!this.#beforeHeaders('end', args)) {
      this.#endHeld = true
      this.#readAsEnded()
      return this.#res
    }
    return this.#call('end', args)
  }

  flushHeaders(): void {
    const res = this.#res
    // As node's own: the headers first go through `writeHead` (its `_implicitHeader`), and
    // what wraps it (compression decides there whether to compress what follows).
    if (this.phase === 'open' && !res.headersSent) res.writeHead(res.statusCode)
    if (this.#beforeHeaders('flushHeaders', [])) this.#call('flushHeaders', [])
  }

  // The response's own method. writeHead gets our cookies merged into headers passed to it,
  // unless the response failed (then only onError's response goes out, without them).
  #call(method: 'writeHead' | 'end', args: unknown[]): ServerResponse
  #call(method: 'write', args: unknown[]): boolean
  #call(method: 'flushHeaders', args: unknown[]): void
  #call(method: ResponseMethod, args: unknown[]): unknown
  #call(method: ResponseMethod, args: unknown[]): unknown {
    const res = this.#res
    switch (method) {
      case 'writeHead':
        return Reflect.apply(
          this.#writeHead,
          res,
          this.phase === 'failed' ? args : withOurCookies(args, this.sessions.written),
        )
      case 'write':
        return Reflect.apply(this.#write, res, args)
      case 'end':
        return Reflect.apply(this.#end, res, args)
      case 'flushHeaders':
        return Reflect.apply(this.#flushHeaders, res, args)
    }
  }

  #hold(method: ResponseMethod, args: unknown[]): void {
    ;(this.#held ??= []).push({ method, args })
  }

  // Commits at the first call that would send headers. True when the call may go through
  // now; false when it was held (or the response failed).
  #beforeHeaders(method: ResponseMethod, args: unknown[]): boolean {
    if (this.phase === 'done') return true
    if (this.headersSent()) {
      // The headers left past the stand-ins (a method captured before they were installed):
      // a change made before is reported, not lost without a word.
      if (this.phase === 'open') {
        this.phase = 'done'
        this.sessions.afterCommit()
      }
      return true
    }
    if (this.phase === 'failed') return false
    if (this.phase === 'saving') {
      // What node itself does with these once the headers are written, or the response
      // ended: a writeHead throws ERR_HTTP_HEADERS_SENT, a write or an end after the end
      // fails with ERR_STREAM_WRITE_AFTER_END (see #readAsSent).
      if (method === 'writeHead' && this.#readsAsSent) return true
      if (method !== 'flushHeaders' && this.#readsAsEnded) return true
      this.#hold(method, args)
      return false
    }
    if (this.#hooks.isErrorResponse?.(this.#res) === true && !this.sessions.requestFailed()) {
      this.phase = 'done'
      return true
    }
    let saving: Awaitable<readonly string[]>
    try {
      saving = this.sessions.commit()
    } catch (error) {
      this.#hold(method, args) // for its callback, told of the failure
      this.#fail(error)
      return false
    }
    if (!isPromise(saving)) {
      this.phase = 'done'
      return true
    }
    this.phase = 'saving'
    this.#hold(method, args)
    this.#readAsSent()
    this.#release(saving)
    return false
  }

  // While calls are held the response reads as node's would once they had gone through:
  // headers written (`headersSent`, and `setHeader` throws ERR_HTTP_HEADERS_SENT) and, once
  // an `end` is held, ended (`writableEnded`). Code that checks before it answers (an Express
  // error handler, finalhandler, a second `res.send`) then does what it does on node instead
  // of writing a second response into the held one. Node's own fields say so (`_header`,
  // `finished`, already on every response: no property is added); they are put back before
  // the held calls are replayed. A runtime whose response has no such fields keeps its own.
  #readAsSent(): void {
    const res = this.#res
    // What node's writeHead takes from the response when the headers are written: later
    // changes (an error handler's res.status(503)) must not reach the held status line.
    const statusLine = [res.statusCode, res.statusMessage, res.sendDate] as const
    if (!markHeadersHeld(res)) return
    this.#statusLine = statusLine
    this.#readsAsSent = true
    const socket = res.socket
    if (socket !== null) holdSocket(socket, this)
  }

  #readAsEnded(): void {
    if (this.#readsAsSent && markEnded(this.#res)) this.#readsAsEnded = true
  }

  #readAsItIs(): void {
    const res = this.#res
    if (this.#readsAsEnded) unmarkEnded(res)
    if (this.#readsAsSent && unmarkHeadersHeld(res)) {
      const [statusCode, statusMessage, sendDate] = this.#statusLine ?? []
      if (statusCode !== undefined) res.statusCode = statusCode
      res.statusMessage = statusMessage ?? ''
      if (sendDate !== undefined) res.sendDate = sendDate
    }
    this.#readsAsSent = false
    this.#readsAsEnded = false
  }

  /**
   * The response's socket is being destroyed while calls are held. finalhandler closes the
   * connection of a failed request whose headers were sent, right after the response that
   * was sent: with a whole response held (an end), that waits until it went out (true).
   * Otherwise (a failed socket, the client gone, a partial response) it goes ahead, and the
   * response reads as it is to its 'close' listeners.
   */
  socketDestroyed(error: unknown): boolean {
    if (this.phase !== 'saving') return false
    if (error === undefined && this.#readsAsEnded) {
      this.#destroyAfterHeld = true
      return true
    }
    this.#readAsItIs()
    return false
  }

  // Node itself wrote the response while calls were held (past the gate: a method captured
  // before it): the held calls cannot follow; the change is reported, never replayed.
  #sentPastTheGate(): void {
    this.#held = undefined
    this.#readsAsSent = false
    this.#readsAsEnded = false
    this.#afterHeld()
    this.onError(
      new HeadersSentError(
        'the response was written past the sessionkit gate (a method of it taken before getSessions() ran) while its sessions were saved',
      ),
    )
  }

  // After the held calls went out (or the response failed): what was deferred, done.
  #afterHeld(): void {
    const socket = this.#res.socket
    if (socket === null) return
    releaseSocket(socket, this)
    if (this.#destroyAfterHeld) {
      this.#destroyAfterHeld = false
      socket.destroy()
    }
  }

  // Once the commit has finished, the held calls are replayed in order.
  #release(saving: Promise<unknown>): void {
    saving
      .then(
        () => {
          if (this.phase === 'failed') return
          this.phase = 'done'
          if (sentPastTheGate(this.#res)) {
            this.#sentPastTheGate()
            return
          }
          this.#readAsItIs()
          try {
            const held = this.#held ?? []
            this.#held = undefined
            for (const call of held) this.#call(call.method, call.args)
          } catch (error) {
            // A replayed call threw (a bad header, say); the handler is no longer there to see it.
            this.#fail(error)
            return
          }
          this.#afterHeld()
          // Changed during the last save round allowed: the headers left without it.
          if (this.#res.headersSent) this.sessions.afterCommit()
        },
        (error: unknown) => {
          if (this.phase !== 'failed') this.#fail(error)
        },
      )
      // Nobody awaits this chain: an onError that throws is logged, not an unhandled rejection.
      .catch(logError)
  }

  #fail(error: unknown): void {
    const res = this.#res
    this.#readAsItIs()
    this.phase = 'failed'
    this.sessions.fail()
    callBackHeld(this.#held, error)
    this.#held = undefined
    this.#reporting = true
    // Whatever answers now (onError, the framework, our 500) does not send the handler's body.
    if (!res.headersSent) withoutEntityHeaders(res)
    try {
      this.#onError(error, this.#req, res)
    } finally {
      const frameworkAnswers = this.#hooks.answersErrors === true && !res.headersSent
      // The framework's error response may come later: it goes through then.
      this.#reporting = frameworkAnswers
      if (!res.headersSent) {
        res.removeHeader('set-cookie')
        // A logout whose server-side delete failed still logs the browser out.
        writeOwedCookies(this.headers, error, this.cacheControl ?? 'no-store')
      }
      if (!frameworkAnswers && !res.headersSent) {
        this.#call('end', [asPlain500(res)])
      } else if (!frameworkAnswers && !res.writableEnded) {
        this.#call('end', [])
      }
      this.#afterHeld()
    }
  }
}

// The gate on the response itself, for a response whose prototype it cannot stand in on.
function standInOn(res: ServerResponse, gate: ResponseGate): void {
  ;(res as GatedResponse)[gateKey] = gate
  res.writeHead = gatedWriteHead
  res.write = gatedWrite as ServerResponse['write']
  res.end = gatedEnd as ServerResponse['end']
  res.flushHeaders = gatedFlushHeaders
  // Node's deprecated alias would send the headers past the writeHead stand-in.
  const aliased = res as ServerResponse & { writeHeader?: unknown }
  if (typeof aliased.writeHeader === 'function') aliased.writeHeader = gatedWriteHead
}

// For the stand-ins on a shared prototype: the gate of the registry on `res.req.sessions`.
// Every response of the process comes here, whatever it is (a `req` of null, a getter that
// throws): what is not an own property of the request is no gate, and a lookup never throws.
function gateOfSharedResponse(res: object): ResponseGate | undefined {
  try {
    const req = (res as Partial<ServerResponse> | undefined)?.req as unknown
    if (typeof req !== 'object' || req === null || !Object.hasOwn(req, 'sessions')) return undefined
    const gate = registryGate((req as GatedRequest).sessions, req as IncomingMessage)
    return gate?.standsInOnPrototypeFor(res) === true ? gate : undefined
  } catch {
    return undefined
  }
}

// The four response methods the gate stands in for. Shared by every response: they find
// their gate on the response itself (`this`, as Node's own methods do), so a request costs
// no bound functions or closures for them.
function gatedWriteHead(this: ServerResponse, ...args: unknown[]): ServerResponse {
  return gateOfResponse(this).writeHead(args)
}

function gatedWrite(this: ServerResponse, ...args: unknown[]): boolean {
  return gateOfResponse(this).write(args)
}

function gatedEnd(this: ServerResponse, ...args: unknown[]): ServerResponse {
  return gateOfResponse(this).end(args)
}

function gatedFlushHeaders(this: ServerResponse): void {
  gateOfResponse(this).flushHeaders()
}

function gateOfResponse(res: ServerResponse): ResponseGate {
  const gate = (res as GatedResponse | undefined)?.[gateKey]
  if (gate === undefined)
    throw new TypeError('A sessionkit response method was called on another object')
  return gate
}

function transportOf(req: IncomingMessage, trustProxy: boolean): RequestTransport {
  return requestTransport(
    {
      encrypted: (req.socket as { encrypted?: unknown }).encrypted === true,
      host: req.headers.host,
      forwardedProto: req.headers['x-forwarded-proto'],
      forwardedHost: req.headers['x-forwarded-host'],
    },
    trustProxy,
  )
}

// The gate lives on the request itself rather than in a WeakMap: it references the request,
// and V8 promotes WeakMap entries whose value references their key to the old generation.
// A framework adapter that sets `req.sessions` (Express) finds it there instead: one property
// fewer on a request whose every new property costs a hidden class.
const gateKey = Symbol('sessionkit.gate')

interface GatedRequest extends IncomingMessage {
  [gateKey]?: ResponseGate
  sessions?: unknown
}

interface GatedResponse extends ServerResponse {
  [gateKey]?: ResponseGate
}

function gateOf(
  req: IncomingMessage,
  res: ServerResponse,
  options: NodeSessionsOptions,
  hooks?: GateHooks,
): ResponseGate {
  const gated = req as GatedRequest
  const existing = gated[gateKey] ?? registryGate(gated.sessions, req)
  if (existing !== undefined) {
    if (hooks !== undefined) existing.adopt(options, hooks)
    return existing
  }
  if (hooks === undefined) {
    const gate = new ResponseGate(req, res, options)
    gated[gateKey] = gate
    return gate
  }
  if (!canHoldSessions(req)) {
    // Another copy of this package (a second install, a bundled one) has its registry on
    // `req.sessions` for good: this gate stands in on the response and is kept on the request.
    const gate = new ResponseGate(req, res, options, onTheResponse(hooks))
    gated[gateKey] = gate
    return gate
  }
  return new ResponseGate(req, res, options, hooks)
}

// The shared stand-ins find the gate there: read-only, so a handler that replaces or deletes
// it fails loudly instead of sending the response without its cookies.
function exposeRegistry(req: IncomingMessage, registry: NodeSessionRegistry): void {
  const gated = req as GatedRequest
  if (gated.sessions === registry || !canHoldSessions(req)) return
  Object.defineProperty(req, 'sessions', {
    value: registry,
    enumerable: true,
    writable: false,
    configurable: false,
  })
}

// The hooks of a gate that stands in on its response rather than on the shared prototype.
function onTheResponse(hooks: GateHooks): GateHooks {
  const copy: { -readonly [K in keyof GateHooks]: GateHooks[K] } = { ...hooks }
  delete copy.sharedPrototype
  return copy
}

function canHoldSessions(req: IncomingMessage): boolean {
  return (
    Object.isExtensible(req) &&
    Object.getOwnPropertyDescriptor(req, 'sessions')?.configurable !== false
  )
}

/**
 * The sessions of this request. Calling it again for the same request returns the same
 * registry.
 *
 * @example
 * ```ts
 * http.createServer(async (req, res) => {
 *   const session = await getSessions(req, res).get(store)
 *   session.increment('visits')
 *   res.end(`visit ${session.getInt('visits')}`) // the cookie is written first
 * })
 * ```
 */
export function getSessions(
  req: IncomingMessage,
  res: ServerResponse,
  options: NodeSessionsOptions = {},
): NodeSessionRegistry {
  return gateOf(req, res, options).sessions.registry
}

/**
 * The sessions of this request for a framework adapter on node:http (Express): the gate, with
 * the framework's hooks. Their registry is put on `req.sessions` (read-only) at once: that is
 * where a later call (another middleware, `getSessions`) and the shared stand-ins find this
 * gate. Where another copy of this package holds `req.sessions`, the gate stands in on the
 * response and is kept on the request instead. Not part of the public API.
 */
export function gatedSessions(
  req: IncomingMessage,
  res: ServerResponse,
  options: NodeSessionsOptions,
  hooks: GateHooks,
): RequestSessions<NodeSessionRegistry> {
  const { sessions } = gateOf(req, res, options, hooks)
  exposeRegistry(req, sessions.registry)
  return sessions
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
    const gate = gateOf(req, res, options)
    try {
      await handler(req, res, gate.sessions.registry)
    } catch (error) {
      gate.abort(error)
    }
  }
  // node:http ignores a listener's return value, so the promise is handled here.
  return (req, res) => {
    run(req, res).catch(logError)
  }
}
