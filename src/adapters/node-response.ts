/**
 * What the node:http gate does to and with a node `ServerResponse` itself: the response's
 * headers as the sessions see them, our cookies merged into `writeHead`'s, the response read
 * as written (and ended) while calls wait for a save, its socket's `destroy` deferred then,
 * and the plain 500 of a failed request. Node-only, for src/adapters/node.ts (and koa.ts,
 * which writes to the same response headers).
 *
 * @module
 */

import type { OutgoingHttpHeaders, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { NO_COOKIES, type SessionHeaders } from './core.ts'

/** A response's headers as the sessions see them. */
export class ResponseHeaders implements SessionHeaders {
  readonly #res: ServerResponse

  constructor(res: ServerResponse) {
    this.#res = res
  }

  getSetCookie(): readonly string[] {
    const value = this.#res.getHeader('set-cookie')
    if (value === undefined) return NO_COOKIES
    return Array.isArray(value) ? value : [String(value)]
  }

  setSetCookie(values: readonly string[]): void {
    if (isHeld(this.#res)) {
      withHeldLifted(this.#res, () => {
        this.#setSetCookie(values)
      })
    } else {
      this.#setSetCookie(values)
    }
  }

  hasCacheControl(): boolean {
    return this.#res.hasHeader('cache-control')
  }

  setCacheControl(value: string): void {
    if (isHeld(this.#res)) {
      withHeldLifted(this.#res, () => {
        this.#res.setHeader('Cache-Control', value)
      })
    } else {
      this.#res.setHeader('Cache-Control', value)
    }
  }

  #setSetCookie(values: readonly string[]): void {
    if (values.length === 0) this.#res.removeHeader('set-cookie')
    else this.#res.setHeader('Set-Cookie', values)
  }
}

// A socket with a held response finds its gate here (one property, set once per socket and
// then only written: a keep-alive socket keeps its hidden class from request to request);
// its `destroy` stands in once, for every response it carries after.
const heldGateKey = Symbol('sessionkit.heldGate')

/** What a socket asks the gate of its held response when it is destroyed. */
export interface HoldsSocket {
  /** True when the destroy is to wait until the held calls went out. */
  socketDestroyed(error: unknown): boolean
}

interface HeldSocket extends Socket {
  [heldGateKey]?: HoldsSocket | undefined
}

export function holdSocket(socket: Socket, gate: HoldsSocket): void {
  const held = socket as HeldSocket
  if (!(heldGateKey in held)) {
    const destroy = held.destroy.bind(held)
    held.destroy = function (this: HeldSocket, error?: Error): HeldSocket {
      const current = this[heldGateKey]
      if (current?.socketDestroyed(error) === true) return this
      this[heldGateKey] = undefined
      destroy(error)
      return this
    }
  }
  held[heldGateKey] = gate
}

export function releaseSocket(socket: Socket, gate: HoldsSocket): void {
  const held = socket as HeldSocket
  if (held[heldGateKey] === gate) held[heldGateKey] = undefined
}

/** Whether the response's headers read as written only because calls are held. */
export function isHeld(res: ServerResponse): boolean {
  return (res as unknown as NodeInternals)._header === HELD_HEADER
}

/** Whether node itself has sent the headers (past any stand-in). */
export function sentPastTheGate(res: ServerResponse): boolean {
  return (res as unknown as NodeInternals)._headerSent === true
}

// Ours may still be written while the held calls make the headers read as sent.
function withHeldLifted(res: ServerResponse, change: () => void): void {
  const internals = res as unknown as NodeInternals
  internals._header = null
  try {
    change()
  } finally {
    internals._header = HELD_HEADER
  }
}

/**
 * Makes the response read as if its headers were written (node's own `_header`, so
 * `headersSent` is true and node refuses `setHeader` and `writeHead`); false, and nothing
 * done, on a response whose headers are written already or that has no such field.
 */
export function markHeadersHeld(res: ServerResponse): boolean {
  const internals = res as unknown as NodeInternals
  if (internals._header !== null) return false
  internals._header = HELD_HEADER
  return true
}

/** Puts `_header` back, unless node itself wrote the headers meanwhile. True when it did. */
export function unmarkHeadersHeld(res: ServerResponse): boolean {
  if (!isHeld(res) || sentPastTheGate(res)) return false
  ;(res as unknown as NodeInternals)._header = null
  return true
}

/** Makes the response read as ended (`writableEnded`); false when it already was. */
export function markEnded(res: ServerResponse): boolean {
  const internals = res as unknown as NodeInternals
  if (internals.finished) return false
  internals.finished = true
  return true
}

export function unmarkEnded(res: ServerResponse): void {
  ;(res as unknown as NodeInternals).finished = false
}

// A response's entity headers describe the body the handler meant to send, not ours.
const ENTITY_HEADERS = [
  'content-length',
  'content-encoding',
  'content-range',
  'content-disposition',
  'content-language',
  'content-location',
  'etag',
  'last-modified',
]

export function withoutEntityHeaders(res: ServerResponse): void {
  for (const name of ENTITY_HEADERS) res.removeHeader(name)
}

// Turns the response into a plain 500; returns the body that `end` sends.
export function asPlain500(res: ServerResponse): string {
  withoutEntityHeaders(res)
  res.statusCode = 500
  res.setHeader('Content-Type', 'text/plain; charset=utf-8')
  return 'Internal Server Error'
}

// The callbacks given to held calls (`res.end(cb)`, `res.write(chunk, cb)`): told of the
// failure, as node tells them of one, so code awaiting them goes on.
export function callBackHeld(
  held: readonly { readonly args: readonly unknown[] }[] | undefined,
  error: unknown,
): void {
  if (held === undefined) return
  for (const call of held) {
    const callback = call.args.find((arg) => typeof arg === 'function') as
      ((error: unknown) => void) | undefined
    if (callback !== undefined) {
      queueMicrotask(() => {
        callback(error)
      })
    }
  }
}

// What node's response keeps of its state (read by the gate while calls are held).
interface NodeInternals {
  _header: string | null
  _headerSent?: boolean
  finished: boolean
}

// `_header` while calls are held: no header node writes looks like it.
// Should node itself ever send it (a method of the response captured before the gate, which
// writes past it), the client reads a well-formed 500 and the connection closes.
const HELD_HEADER =
  'HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'

// Headers passed to writeHead replace those set with setHeader, so a handler that writes its
// own Set-Cookie there would drop ours; merge ours into the argument instead.
export function withOurCookies(args: unknown[], ours: readonly string[]): unknown[] {
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
