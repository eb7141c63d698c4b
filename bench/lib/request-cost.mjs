/* global Headers, Request, Response, structuredClone */
// The child side of bench/instructions.mjs: one contender, `warmup` requests, a GC, then `n`
// requests, a GC, exit. Nothing is printed during the run (V8's --trace-gc-nvp lines are the
// allocation figures).
import { Buffer } from 'node:buffer'
import http from 'node:http'
import {
  createCipheriv,
  createDecipheriv,
  createSecretKey,
  hkdfSync,
  randomFillSync,
} from 'node:crypto'
import {
  COOKIE_NAME,
  KEY_B64URL,
  KEY_BYTES,
  PAYLOADS,
  SET_COOKIE_ATTRIBUTES,
  rawCookieValue,
  rawGcmOpen,
  rawGcmSeal,
} from './common.mjs'

const gc = globalThis.gc ?? (() => undefined)
const DAY = 86_400_000

// ---------------------------------------------------------------------------------------------
// The format's floor: sessionkit's sealed token v1 (docs/format.md) by hand on Buffers.

const floorKey = createSecretKey(
  Buffer.from(hkdfSync('sha256', KEY_BYTES, 'sessionkit', 'sessionkit/v1 aes-256-gcm session', 32)),
)
const KID = 'k1'
const HEADER_LENGTH = 2 + KID.length + 12
const CONTEXT = (() => {
  const purpose = Buffer.from('session')
  const name = Buffer.from(COOKIE_NAME)
  const out = Buffer.alloc(4 + purpose.length + name.length)
  out.writeUInt16BE(purpose.length, 0)
  purpose.copy(out, 2)
  out.writeUInt16BE(name.length, 2 + purpose.length)
  name.copy(out, 4 + purpose.length)
  return out
})()
const aad = Buffer.alloc(HEADER_LENGTH + CONTEXT.length)
CONTEXT.copy(aad, HEADER_LENGTH)
const ivPool = Buffer.alloc(4096)
let ivOffset = ivPool.length
const BASE64URL = /^[A-Za-z0-9_-]*$/
// Value of each base64url character, for the unused low bits of the last one.
const SEXTET = new Uint8Array(128)
for (const [i, c] of [
  ...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_',
].entries()) {
  SEXTET[c.charCodeAt(0)] = i
}

function strictBase64url(text) {
  const rest = text.length % 4
  if (rest === 1 || !BASE64URL.test(text)) return undefined
  const last = SEXTET[text.charCodeAt(text.length - 1)]
  if ((rest === 2 && (last & 15) !== 0) || (rest === 3 && (last & 3) !== 0)) return undefined
  return Buffer.from(text, 'base64url')
}

function floorSeal(value, now) {
  if (ivOffset + 12 > ivPool.length) {
    randomFillSync(ivPool)
    ivOffset = 0
  }
  const iv = ivPool.subarray(ivOffset, ivOffset + 12)
  ivOffset += 12
  const header = Buffer.allocUnsafe(HEADER_LENGTH + 12)
  header[0] = 1
  header[1] = KID.length
  header.write(KID, 2, 'latin1')
  header.writeUIntBE(now, 2 + KID.length, 6)
  header.writeUIntBE(now + DAY, 8 + KID.length, 6)
  iv.copy(header, HEADER_LENGTH)
  header.copy(aad, 0, 0, HEADER_LENGTH)
  const cipher = createCipheriv('aes-256-gcm', floorKey, iv, { authTagLength: 16 })
  cipher.setAAD(aad)
  const body = cipher.update(JSON.stringify(value), 'utf8')
  const tail = cipher.final()
  return Buffer.concat([header, body, tail, cipher.getAuthTag()]).toString('base64url')
}

function floorOpen(token, now) {
  if (token.length > 4096) return undefined
  const bytes = strictBase64url(token)
  if (bytes === undefined || bytes.length < HEADER_LENGTH + 28) return undefined
  if (bytes[0] !== 1 || bytes[1] !== KID.length || bytes.latin1Slice(2, 2 + KID.length) !== KID) {
    return undefined
  }
  const issuedAt = bytes.readUIntBE(2 + KID.length, 6)
  const expiresAt = bytes.readUIntBE(8 + KID.length, 6)
  bytes.copy(aad, 0, 0, HEADER_LENGTH)
  const decipher = createDecipheriv(
    'aes-256-gcm',
    floorKey,
    bytes.subarray(HEADER_LENGTH, HEADER_LENGTH + 12),
    { authTagLength: 16 },
  )
  decipher.setAuthTag(bytes.subarray(bytes.length - 16))
  decipher.setAAD(aad)
  try {
    const head = decipher.update(bytes.subarray(HEADER_LENGTH + 12, bytes.length - 16))
    const tail = decipher.final()
    if (issuedAt > now + 60_000 || now - 60_000 >= expiresAt) return undefined
    return JSON.parse(tail.length === 0 ? head.toString() : Buffer.concat([head, tail]).toString())
  } catch {
    return undefined
  }
}

// ---------------------------------------------------------------------------------------------
// Handlers: Cookie header in, Set-Cookie out (a promise for the stores).

function rawHandler(header) {
  const token = rawCookieValue(header, COOKIE_NAME)
  let value = token === undefined ? undefined : rawGcmOpen(token)
  value ??= structuredClone(payload)
  value.views++
  return `${COOKIE_NAME}=${rawGcmSeal(value)}${SET_COOKIE_ATTRIBUTES}`
}

/** The raw handler with sessionkit's token format; `count(loaded)` as bench/http/server.mjs. */
export function floorHandler(header, count) {
  return floorRequest(header, count).setCookie
}

/** {@link floorHandler}'s work, with the new count too (for a body that shows it). */
export function floorRequest(header, count) {
  const now = Date.now()
  const token = rawCookieValue(header, COOKIE_NAME)
  let value = token === undefined ? undefined : floorOpen(token, now)
  count?.(value !== undefined)
  value ??= structuredClone(payload)
  value.views++
  return {
    setCookie: `${COOKIE_NAME}=${floorSeal(value, now)}${SET_COOKIE_ATTRIBUTES}`,
    views: value.views,
  }
}

let payload = PAYLOADS.small

async function codecHandler() {
  const { createKeyRing, createTokenCodec } = await import('../../dist/index.js')
  const codec = createTokenCodec({
    keys: createKeyRing([{ id: KID, secret: KEY_B64URL }]),
    purpose: 'session',
  })
  // The floor writes the same format: a floor token must open here.
  const probe = floorSeal({ views: 1 }, Date.now())
  const opened = codec.open(COOKIE_NAME, probe)
  if (!opened.ok) throw new Error(`the floor's token does not open: ${opened.reason}`)
  return (header) => {
    const now = Date.now()
    const token = rawCookieValue(header, COOKIE_NAME)
    const result = token === undefined ? undefined : codec.open(COOKIE_NAME, token)
    let value = result?.ok ? JSON.parse(Buffer.from(result.payload).toString()) : undefined
    value ??= structuredClone(payload)
    value.views++
    const sealed = codec.seal(COOKIE_NAME, JSON.stringify(value), { expiresAt: now + DAY })
    return `${COOKIE_NAME}=${sealed}${SET_COOKIE_ATTRIBUTES}`
  }
}

function sessionHandler(store) {
  return async (header) => {
    const session = await store.get(header)
    if (session.isNew) for (const [key, value] of Object.entries(payload)) session.set(key, value)
    session.increment('views')
    return store.save(session)
  }
}

async function cookieStore() {
  const { createCookieStore, createKeyRing } = await import('../../dist/index.js')
  return createCookieStore({
    name: COOKIE_NAME,
    keys: createKeyRing([{ id: KID, secret: KEY_B64URL }]),
  })
}

async function memoryStore(stored) {
  const { serverStore } = await import('./drivers.mjs')
  const store = await serverStore('memory')
  // Other users' sessions, so the cost at scale shows.
  for (let i = 0; i < stored; i++) {
    const session = store.create()
    for (const [key, value] of Object.entries(payload)) session.set(key, value)
    await store.save(session)
  }
  return store
}

// The response's cookie back as the next request's Cookie header.
function cookieOf(setCookie) {
  const value = Array.isArray(setCookie) ? setCookie[0] : setCookie
  if (value === undefined) return undefined
  const end = value.indexOf(';')
  return end < 0 ? value : value.slice(0, end)
}

async function runHandler(handler, total) {
  let header
  for (let i = 0; i < total; i++) {
    const result = handler(header)
    header = cookieOf(typeof result === 'string' ? result : await result)
  }
}

// ---------------------------------------------------------------------------------------------
// Loopback: a real server, a keep-alive client in this process, one request at a time.

async function loopbackServer(id) {
  if (id === 'http-bare') {
    return http.createServer((_req, res) => {
      res.setHeader('Content-Type', 'text/plain')
      res.end('hello world')
    })
  }
  if (id.startsWith('http-props') || id.startsWith('http-proto')) return hiddenClassServer(id)
  if (id === 'http-raw' || id === 'http-floor') {
    const handler = id === 'http-raw' ? rawHandler : floorHandler
    return http.createServer((req, res) => {
      res.setHeader('Set-Cookie', handler(req.headers.cookie))
      res.setHeader('Content-Type', 'text/plain')
      res.end('1')
    })
  }
  // The floor as a session API must answer (bench/http/server.mjs's raw-floor-async): after a
  // promise, with Cache-Control: no-store.
  if (id === 'http-floor-async') {
    return http.createServer((req, res) => {
      Promise.resolve(req.headers.cookie).then((header) => {
        res.setHeader('Set-Cookie', floorHandler(header))
        res.setHeader('Cache-Control', 'no-store')
        res.setHeader('Content-Type', 'text/plain')
        res.end('1')
      })
    })
  }
  const store = await cookieStore()
  if (id === 'http-node') {
    const { getSessions } = await import('../../dist/node.js')
    return http.createServer((req, res) => {
      getSessions(req, res)
        .get(store)
        .then((session) => {
          if (session.isNew) {
            for (const [key, value] of Object.entries(payload)) session.set(key, value)
          }
          const views = session.increment('views')
          res.setHeader('Content-Type', 'text/plain')
          res.end(String(views))
        })
    })
  }
  const { withSessions } = await import('../../dist/fetch.js')
  const handler =
    id === 'http-fetch-bare'
      ? async () => new Response('1', { headers: { 'Content-Type': 'text/plain' } })
      : withSessions(async (_request, sessions) => {
          const session = await sessions.get(store)
          if (session.isNew) {
            for (const [key, value] of Object.entries(payload)) session.set(key, value)
          }
          const views = session.increment('views')
          return new Response(String(views), { headers: { 'Content-Type': 'text/plain' } })
        })
  // The same minimal node:http -> Fetch bridge as bench/http/server.mjs.
  return http.createServer((req, res) => {
    const headers = new Headers()
    const raw = req.rawHeaders
    for (let i = 0; i < raw.length; i += 2) headers.append(raw[i], raw[i + 1])
    const request = new Request(`http://${req.headers.host ?? '127.0.0.1'}${req.url}`, {
      method: req.method,
      headers,
    })
    handler(request).then(async (response) => {
      res.statusCode = response.status
      for (const [name, value] of response.headers) {
        if (name !== 'set-cookie') res.setHeader(name, value)
      }
      const cookies = response.headers.getSetCookie()
      if (cookies.length > 0) res.setHeader('Set-Cookie', cookies)
      res.end(Buffer.from(await response.arrayBuffer()))
    })
  })
}

// What Express does to every request and response (Object.setPrototypeOf to its own
// prototypes), with and without five properties added afterwards, as a framework's
// middleware adds them: `http-props` (five properties, no prototype change), `http-proto`
// (the prototype change alone), `http-proto-props` (both).
const expressLikeResponse = Object.create(http.ServerResponse.prototype)

function hiddenClassServer(id) {
  const swap = id.startsWith('http-proto')
  const add = id.endsWith('props')
  return http.createServer((_req, res) => {
    if (swap) Object.setPrototypeOf(res, expressLikeResponse)
    if (add) {
      res.one = 1
      res.two = 2
      res.three = 3
      res.four = 4
      res.five = 5
    }
    res.setHeader('Content-Type', 'text/plain')
    res.end('hello world')
  })
}

// A framework row of the HTTP bench (bench/http/frameworks.mjs), e.g. `fw:sk-express`.
async function frameworkServer(name) {
  const { FRAMEWORK_SERVERS } = await import('../http/frameworks.mjs')
  const factory = FRAMEWORK_SERVERS[name]
  if (factory === undefined) throw new Error(`unknown framework row ${name}`)
  return factory(() => undefined)
}

async function runLoopback(server) {
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
  const port = server.address().port
  let cookie
  const one = () =>
    new Promise((resolve, reject) => {
      const headers = cookie === undefined ? {} : { cookie }
      const req = http.get({ host: '127.0.0.1', port, path: '/', agent, headers }, (res) => {
        cookie = cookieOf(res.headers['set-cookie']) ?? cookie
        res.resume()
        res.on('end', resolve)
      })
      req.on('error', reject)
    })
  return {
    async run(count) {
      for (let i = 0; i < count; i++) await one()
    },
    close() {
      agent.destroy()
      server.close()
    },
  }
}

export async function runChild(id, { n, warmup, size, stored }) {
  payload = PAYLOADS[size]
  if (payload === undefined) throw new Error(`unknown size ${size}`)
  let run
  let close = () => undefined
  if (id.startsWith('http-') || id.startsWith('fw:')) {
    const server = id.startsWith('fw:')
      ? await frameworkServer(id.slice(3))
      : await loopbackServer(id)
    const loop = await runLoopback(server)
    run = (count) => loop.run(count)
    close = () => loop.close()
  } else {
    const handler =
      id === 'raw'
        ? rawHandler
        : id === 'floor'
          ? floorHandler
          : id === 'codec'
            ? await codecHandler()
            : id === 'store'
              ? sessionHandler(await cookieStore())
              : id === 'memory'
                ? sessionHandler(await memoryStore(stored))
                : undefined
    if (handler === undefined) throw new Error(`unknown contender ${id}`)
    run = (count) => runHandler(handler, count)
  }
  await run(warmup)
  gc()
  await run(n)
  gc()
  close()
}
