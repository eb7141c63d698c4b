/**
 * The response gate's stand-ins installed once on a framework's shared response prototype
 * instead of on every response (Express). Express replaces each response's prototype, and V8
 * then gives that response a hidden class of its own for every property added to it: four
 * stand-ins per request cost more than the session's own work. On the prototype they cost
 * nothing per request; the stand-ins find the request's gate through `res.req`.
 *
 * @module
 */

// Typed structurally (a response is any object with these four methods), so this file stays
// free of node's types like the rest of the adapter core.
type Method = (...args: unknown[]) => unknown

/** What a gate does for the four calls that can send a response's headers. */
export interface StandInTarget {
  writeHead(args: unknown[]): unknown
  write(args: unknown[]): unknown
  end(args: unknown[]): unknown
  flushHeaders(): void
}

/** The response methods a gate calls through to once it lets a call go. */
export interface ResponseMethods {
  readonly writeHead: Method
  readonly write: Method
  readonly end: Method
  readonly flushHeaders: Method
}

/** Finds the gate of a response, or `undefined` for one without (another app's, say). */
export type GateFinder = (res: object) => StandInTarget | undefined

interface Installed {
  readonly standIns: ResponseMethods
  readonly through: ResponseMethods
}

// The prototypes our stand-ins are on.
const installed = new WeakMap<object, Installed>()
// A response's prototype (one per app) and where its chain leads: walked once per app.
const resolved = new WeakMap<object, Installed | null>()

/**
 * Makes `res` gated through its prototype chain: the stand-ins are installed (once) on the
 * lowest prototype below the one that defines `writeHead` (node's own `ServerResponse`), the
 * one every app of a framework copy shares, so a sub-app's or a parent app's prototype still
 * leads to them. Returns the methods the gate calls through to, or `undefined` when `res`
 * has to be gated on itself: its prototype is node's own, or something already stands in for
 * one of the four methods (on the response, or on a prototype above ours), so calls might
 * not reach prototype stand-ins.
 */
export function gateThroughPrototype(
  res: object,
  findGate: GateFinder,
): ResponseMethods | undefined {
  const prototype = Object.getPrototypeOf(res) as object | null
  if (prototype === null) return undefined
  let found = resolved.get(prototype)
  if (found === undefined) {
    found = installOn(sharedPrototype(prototype), findGate) ?? null
    resolved.set(prototype, found)
  }
  if (found === null) return undefined
  const { standIns } = found
  const methods = res as Partial<ResponseMethods>
  const reachesUs =
    methods.writeHead === standIns.writeHead &&
    methods.write === standIns.write &&
    methods.end === standIns.end &&
    methods.flushHeaders === standIns.flushHeaders
  return reachesUs ? found.through : undefined
}

// The prototype just below the owner of `writeHead`, unless that is the response's own; one
// that has our stand-ins already is that prototype (it owns a `writeHead` now: ours).
function sharedPrototype(prototype: object): object | undefined {
  if (installed.has(prototype)) return prototype
  if (Object.hasOwn(prototype, 'writeHead')) return undefined
  let current = prototype
  for (;;) {
    const next = Object.getPrototypeOf(current) as object | null
    if (next === null) return undefined
    if (installed.has(next)) return next
    if (Object.hasOwn(next, 'writeHead')) return current
    current = next
  }
}

function installOn(shared: object | undefined, findGate: GateFinder): Installed | undefined {
  if (shared === undefined) return undefined
  const existing = installed.get(shared)
  if (existing !== undefined) return existing
  // Looked up at every call, so a later patch of node's own methods is still called.
  const above = Object.getPrototypeOf(shared) as ResponseMethods
  const through: ResponseMethods = Object.freeze({
    writeHead(this: object, ...args: unknown[]): unknown {
      return Reflect.apply(above.writeHead, this, args)
    },
    write(this: object, ...args: unknown[]): unknown {
      return Reflect.apply(above.write, this, args)
    },
    end(this: object, ...args: unknown[]): unknown {
      return Reflect.apply(above.end, this, args)
    },
    flushHeaders(this: object): unknown {
      return Reflect.apply(above.flushHeaders, this, [])
    },
  })
  // A response without a gate (another app's, or one made before ours) goes straight through.
  const standIns: ResponseMethods = Object.freeze({
    writeHead(this: object, ...args: unknown[]): unknown {
      const gate = findGate(this)
      return gate === undefined ? Reflect.apply(above.writeHead, this, args) : gate.writeHead(args)
    },
    write(this: object, ...args: unknown[]): unknown {
      const gate = findGate(this)
      return gate === undefined ? Reflect.apply(above.write, this, args) : gate.write(args)
    },
    end(this: object, ...args: unknown[]): unknown {
      const gate = findGate(this)
      return gate === undefined ? Reflect.apply(above.end, this, args) : gate.end(args)
    },
    flushHeaders(this: object): unknown {
      const gate = findGate(this)
      if (gate === undefined) return Reflect.apply(above.flushHeaders, this, [])
      gate.flushHeaders()
      return undefined
    },
  })
  for (const method of ['writeHead', 'write', 'end', 'flushHeaders'] as const) {
    Object.defineProperty(shared, method, {
      value: standIns[method],
      writable: true,
      enumerable: false,
      configurable: true,
    })
  }
  const result = { standIns, through }
  installed.set(shared, result)
  return result
}
