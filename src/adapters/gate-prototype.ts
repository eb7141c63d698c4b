/**
 * The response gate's stand-ins installed once on the prototype every response of a framework
 * shares (node's `http.ServerResponse.prototype`, for Express) instead of on every response.
 * Express replaces each response's prototype, and V8 then gives that response a hidden class
 * of its own for every property added to it: four stand-ins per request cost more than the
 * session's own work. On the prototype they cost nothing per request; the stand-ins find the
 * request's gate through `res.req`, and a response without one goes straight through. Node's
 * alias `writeHeader` gets one too.
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
  readonly standIns: StandIns
  readonly through: ResponseMethods
}

// Node's deprecated alias of writeHead, which would send the headers past a writeHead stand-in.
interface StandIns extends ResponseMethods {
  readonly writeHeader?: Method
}

type MethodName = keyof ResponseMethods

// The prototypes our stand-ins are on (one per copy of this module: another copy's stand-ins
// are to this one what any other wrapper is, something to call through to).
const installed = new WeakMap<object, Installed>()

/**
 * Makes `res` gated through `shared`, a prototype on its chain: the stand-ins are installed
 * there once. The prototype every response shares, rather than the one a framework's app
 * gives it, because a response can move to another prototype chain after the gate was made
 * (a sub-app of another copy of the framework, called as a function, re-prototypes it) and
 * must still reach them. Returns the methods the gate calls through to, or `undefined` when
 * `res` has to be gated on itself: `shared` is not on its chain, or something already stands
 * in for one of the four methods (on the response, or on a prototype between it and
 * `shared`), so calls might not reach the stand-ins.
 */
export function gateThroughPrototype(
  res: object,
  shared: object,
  findGate: GateFinder,
): ResponseMethods | undefined {
  const { standIns, through } = installed.get(shared) ?? installOn(shared, findGate)
  const methods = res as Partial<StandIns>
  const reachesUs =
    methods.writeHead === standIns.writeHead &&
    methods.write === standIns.write &&
    methods.end === standIns.end &&
    methods.flushHeaders === standIns.flushHeaders &&
    methods.writeHeader === standIns.writeHeader
  return reachesUs ? through : undefined
}

// What a stand-in calls through to: the method `shared` had itself when they were installed
// (node's own writeHead, or another wrapper there), else the one above, looked up at every
// call so a later patch of node's own methods is still called.
function previousOf(shared: object, method: MethodName): Method {
  const own = Object.getOwnPropertyDescriptor(shared, method)?.value as unknown
  if (typeof own === 'function') return own as Method
  const above = Object.getPrototypeOf(shared) as ResponseMethods
  return function (this: object, ...args: unknown[]): unknown {
    return Reflect.apply(above[method], this, args)
  }
}

function installOn(shared: object, findGate: GateFinder): Installed {
  const writeHead = previousOf(shared, 'writeHead')
  const write = previousOf(shared, 'write')
  const end = previousOf(shared, 'end')
  const flushHeaders = previousOf(shared, 'flushHeaders')
  const through: ResponseMethods = Object.freeze({ writeHead, write, end, flushHeaders })
  // A response without a gate (another app's or framework's) goes straight through.
  const methods: ResponseMethods = {
    writeHead(this: object, ...args: unknown[]): unknown {
      const gate = findGate(this)
      return gate === undefined ? Reflect.apply(writeHead, this, args) : gate.writeHead(args)
    },
    write(this: object, ...args: unknown[]): unknown {
      const gate = findGate(this)
      return gate === undefined ? Reflect.apply(write, this, args) : gate.write(args)
    },
    end(this: object, ...args: unknown[]): unknown {
      const gate = findGate(this)
      return gate === undefined ? Reflect.apply(end, this, args) : gate.end(args)
    },
    flushHeaders(this: object): unknown {
      const gate = findGate(this)
      if (gate === undefined) return Reflect.apply(flushHeaders, this, [])
      gate.flushHeaders()
      return undefined
    },
  }
  const alias = (shared as { readonly writeHeader?: unknown }).writeHeader
  const standIns: StandIns = Object.freeze(
    typeof alias === 'function'
      ? { ...methods, writeHeader: aliasStandIn(alias as Method, findGate) }
      : methods,
  )
  for (const [method, standIn] of Object.entries(standIns)) {
    Object.defineProperty(shared, method, {
      value: standIn,
      writable: true,
      enumerable: isEnumerable(shared, method),
      configurable: true,
    })
  }
  const result = { standIns, through }
  installed.set(shared, result)
  return result
}

// As the method it shadows is (node's are: `for...in` over a response still lists them).
function isEnumerable(shared: object, method: string): boolean {
  for (
    let on: object | null = shared;
    on !== null;
    on = Object.getPrototypeOf(on) as object | null
  ) {
    const descriptor = Object.getOwnPropertyDescriptor(on, method)
    if (descriptor !== undefined) return descriptor.enumerable === true
  }
  return false
}

// `writeHeader`, node's alias, goes where `writeHead` goes.
function aliasStandIn(previous: Method, findGate: GateFinder): Method {
  return function writeHeader(this: object, ...args: unknown[]): unknown {
    const gate = findGate(this)
    return gate === undefined ? Reflect.apply(previous, this, args) : gate.writeHead(args)
  }
}
