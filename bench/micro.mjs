// Micro benchmarks: the raw-crypto limit, sessionkit (node:crypto and Web Crypto backends) and
// the peers, on the same ~200-byte and ~2-KB payloads. Run by bench/run.mjs in a child process
// (`node --expose-gc bench/micro.mjs [--quick] [--only=regex]`); results go back over IPC, or
// are printed when run on its own. With `--only`, it is handy under `node --cpu-prof`.
/* global TextDecoder, TextEncoder */
import { Buffer } from 'node:buffer'
import console from 'node:console'
import { webcrypto } from 'node:crypto'
import { createRequire } from 'node:module'
import process from 'node:process'
import * as Iron2 from 'iron-webcrypto'
import { sealData, unsealData } from 'iron-session'
import Keygrip from 'keygrip'
import Fastify from 'fastify'
import fastifySecureSession from '@fastify/secure-session'
import expressSession from 'express-session'
import { createCookieStore, createKeyRing, createTokenCodec } from '../dist/index.js'
import { runBenches } from './lib/harness.mjs'
import {
  COOKIE_NAME,
  IRON_PASSWORD,
  KEY_B64URL,
  KEY_BYTES,
  PAYLOADS,
  SECRET_STRING,
  SET_COOKIE_ATTRIBUTES,
  rawCookieValue,
  rawGcmOpen,
  rawGcmSeal,
  rawHmacSign,
  rawHmacVerify,
} from './lib/common.mjs'

const quick = process.argv.includes('--quick')
const onlyArg = process.argv.find((arg) => arg.startsWith('--only='))
const only = onlyArg === undefined ? undefined : new RegExp(onlyArg.slice('--only='.length))
const log = (line) => {
  console.error(`  [micro] ${line}`)
}

// express-session uses its own nested copies of cookie-signature and cookie: measure those.
const requireFromExpressSession = createRequire(
  createRequire(import.meta.url).resolve('express-session'),
)
const cookieSignature = requireFromExpressSession('cookie-signature')
const cookieParser = requireFromExpressSession('cookie')

const subtle = webcrypto.subtle
const encoder = new TextEncoder()
const decoder = new TextDecoder()
const utf8 = (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString()
const EXPIRES_AT = Date.now() + 24 * 3600 * 1000
const SEAL_OPTIONS = { expiresAt: EXPIRES_AT }
const OTHER_COOKIES_BEFORE = 'theme=dark; _ga=GA1.2.1234567890.1795000000'
const OTHER_COOKIES_AFTER = 'consent=yes'
const cookieHeader = (name, value) =>
  `${OTHER_COOKIES_BEFORE}; ${name}=${value}; ${OTHER_COOKIES_AFTER}`

function check(condition, message) {
  if (!condition) throw new Error(`micro setup check failed: ${message}`)
}

const keys = createKeyRing([{ id: 'k1', secret: KEY_B64URL }])
const codecs = {
  node: {
    sealed: createTokenCodec({ keys, purpose: 'session', format: 'sealed', crypto: 'node' }),
    signed: createTokenCodec({ keys, purpose: 'session', format: 'signed', crypto: 'node' }),
  },
  web: {
    sealed: createTokenCodec({ keys, purpose: 'session', format: 'sealed', crypto: 'web' }),
    signed: createTokenCodec({ keys, purpose: 'session', format: 'signed', crypto: 'web' }),
  },
}
const stores = {
  nodeSealed: createCookieStore({ name: COOKIE_NAME, keys, format: 'sealed', crypto: 'node' }),
  nodeSigned: createCookieStore({ name: COOKIE_NAME, keys, format: 'signed', crypto: 'node' }),
  webSealed: createCookieStore({ name: COOKIE_NAME, keys, format: 'sealed', crypto: 'web' }),
}

const webGcmKey = await subtle.importKey('raw', KEY_BYTES, 'AES-GCM', false, ['encrypt', 'decrypt'])
const webHmacKey = await subtle.importKey(
  'raw',
  KEY_BYTES,
  { name: 'HMAC', hash: 'SHA-256' },
  false,
  ['sign', 'verify'],
)

async function rawWebGcmSeal(value) {
  const iv = webcrypto.getRandomValues(new Uint8Array(12))
  const sealed = await subtle.encrypt(
    { name: 'AES-GCM', iv },
    webGcmKey,
    encoder.encode(JSON.stringify(value)),
  )
  return Buffer.concat([iv, new Uint8Array(sealed)]).toString('base64url')
}

async function rawWebGcmOpen(token) {
  const bytes = Buffer.from(token, 'base64url')
  const plain = await subtle.decrypt(
    { name: 'AES-GCM', iv: bytes.subarray(0, 12) },
    webGcmKey,
    bytes.subarray(12),
  )
  return JSON.parse(decoder.decode(plain))
}

async function rawWebHmacSign(value) {
  const body = Buffer.from(JSON.stringify(value)).toString('base64url')
  const mac = await subtle.sign('HMAC', webHmacKey, encoder.encode(body))
  return `${body}.${Buffer.from(mac).toString('base64url')}`
}

async function rawWebHmacVerify(token) {
  const dot = token.lastIndexOf('.')
  const body = token.slice(0, dot)
  const mac = Buffer.from(token.slice(dot + 1), 'base64url')
  const ok = await subtle.verify('HMAC', webHmacKey, mac, encoder.encode(body))
  return ok ? JSON.parse(Buffer.from(body, 'base64url').toString()) : undefined
}

const fastify = Fastify({ logger: false })
await fastify.register(fastifySecureSession, {
  key: KEY_BYTES,
  cookieName: COOKIE_NAME,
  cookie: { path: '/', httpOnly: true },
})
await fastify.ready()

const keygrips = {
  sha1: new Keygrip([SECRET_STRING], 'sha1'),
  sha256: new Keygrip([SECRET_STRING], 'sha256'),
}

/** Benchmarks for one payload; `size` is 'small' or 'large'. */
async function benchesFor(size) {
  const payload = PAYLOADS[size]
  const json = JSON.stringify(payload)
  const list = []
  const add = (group, id, label, fn, async = false) => {
    list.push({ id: `${size}:${id}`, key: id, size, group, label, fn, async })
  }

  // --- the limit -------------------------------------------------------------------------
  const gcmToken = rawGcmSeal(payload)
  check(rawGcmOpen(gcmToken).userId === payload.userId, 'raw gcm')
  add('limit', 'raw.gcm.seal', 'node:crypto AES-256-GCM seal (stringify+encrypt+b64url)', () =>
    rawGcmSeal(payload),
  )
  add('limit', 'raw.gcm.open', 'node:crypto AES-256-GCM open (b64url+decrypt+parse)', () =>
    rawGcmOpen(gcmToken),
  )
  const hmacToken = rawHmacSign(payload)
  check(rawHmacVerify(hmacToken).userId === payload.userId, 'raw hmac')
  add('limit', 'raw.hmac.sign', 'node:crypto HMAC-SHA256 sign (stringify+b64url+mac)', () =>
    rawHmacSign(payload),
  )
  add('limit', 'raw.hmac.verify', 'node:crypto HMAC-SHA256 verify (+timingSafeEqual+parse)', () =>
    rawHmacVerify(hmacToken),
  )
  const webGcmToken = await rawWebGcmSeal(payload)
  check((await rawWebGcmOpen(webGcmToken)).userId === payload.userId, 'raw web gcm')
  add(
    'limit',
    'raw.web.gcm.seal',
    'Web Crypto AES-GCM seal (awaited)',
    () => rawWebGcmSeal(payload),
    true,
  )
  add(
    'limit',
    'raw.web.gcm.open',
    'Web Crypto AES-GCM open (awaited)',
    () => rawWebGcmOpen(webGcmToken),
    true,
  )
  const webHmacToken = await rawWebHmacSign(payload)
  check((await rawWebHmacVerify(webHmacToken)).userId === payload.userId, 'raw web hmac')
  add(
    'limit',
    'raw.web.hmac.sign',
    'Web Crypto HMAC-SHA256 sign (awaited)',
    () => rawWebHmacSign(payload),
    true,
  )
  add(
    'limit',
    'raw.web.hmac.verify',
    'Web Crypto HMAC-SHA256 verify (awaited)',
    () => rawWebHmacVerify(webHmacToken),
    true,
  )
  const rawHeader = cookieHeader(COOKIE_NAME, gcmToken)
  add(
    'limit',
    'raw.cookie.rt',
    'raw cookie round trip: parse, GCM open, modify, GCM seal, Set-Cookie',
    () => {
      const value = rawGcmOpen(rawCookieValue(rawHeader, COOKIE_NAME))
      value.views++
      return `${COOKIE_NAME}=${rawGcmSeal(value)}${SET_COOKIE_ATTRIBUTES}`
    },
  )

  // --- sessionkit ------------------------------------------------------------------------
  for (const backend of ['node', 'web']) {
    for (const format of ['sealed', 'signed']) {
      const codec = codecs[backend][format]
      const isAsync = backend === 'web'
      const token = await codec.seal(COOKIE_NAME, json, SEAL_OPTIONS)
      const opened = await codec.open(COOKIE_NAME, token)
      check(
        opened.ok && JSON.parse(utf8(opened.payload)).userId === payload.userId,
        `sk ${backend} ${format}`,
      )
      const verb = format === 'sealed' ? ['seal', 'open'] : ['sign', 'verify']
      const decode = backend === 'web' ? (bytes) => decoder.decode(bytes) : utf8
      add(
        'sessionkit',
        `sk.${backend}.${format}.seal`,
        `sessionkit ${verb[0]} (${backend} backend, stringify+${format})`,
        () => codec.seal(COOKIE_NAME, JSON.stringify(payload), SEAL_OPTIONS),
        isAsync,
      )
      add(
        'sessionkit',
        `sk.${backend}.${format}.open`,
        `sessionkit ${verb[1]} (${backend} backend, +parse)`,
        isAsync
          ? async () => {
              const result = await codec.open(COOKIE_NAME, token)
              return result.ok ? JSON.parse(decode(result.payload)) : undefined
            }
          : () => {
              const result = codec.open(COOKIE_NAME, token)
              return result.ok ? JSON.parse(decode(result.payload)) : undefined
            },
        isAsync,
      )
    }
  }
  const storeRows = [
    [
      'sk.node.cookie.rt',
      'sessionkit cookie store round trip (node backend, sealed)',
      stores.nodeSealed,
    ],
    [
      'sk.node.cookie-signed.rt',
      'sessionkit cookie store round trip (node backend, signed)',
      stores.nodeSigned,
    ],
    [
      'sk.web.cookie.rt',
      'sessionkit cookie store round trip (Web Crypto backend, sealed)',
      stores.webSealed,
    ],
  ]
  for (const [id, label, store] of storeRows) {
    const fresh = store.create()
    for (const [key, value] of Object.entries(payload)) fresh.set(key, value)
    const setCookie = await store.save(fresh)
    const header = cookieHeader(COOKIE_NAME, rawCookieValue(setCookie, COOKIE_NAME))
    const loaded = await store.get(header)
    check(!loaded.isNew && loaded.get('userId') === payload.userId, id)
    add(
      'sessionkit',
      id,
      `${label}: parse, get, modify, save, Set-Cookie`,
      async () => {
        const session = await store.get(header)
        session.increment('views')
        const out = store.save(session)
        return typeof out === 'string' ? out : await out
      },
      true,
    )
  }

  // --- peers -----------------------------------------------------------------------------
  const iron8Token = await sealData(payload, { password: IRON_PASSWORD })
  check(
    (await unsealData(iron8Token, { password: IRON_PASSWORD })).userId === payload.userId,
    'iron8',
  )
  add(
    'peer',
    'iron8.seal',
    'iron-session 8 sealData (iron-webcrypto 1.2)',
    () => sealData(payload, { password: IRON_PASSWORD }),
    true,
  )
  add(
    'peer',
    'iron8.unseal',
    'iron-session 8 unsealData',
    () => unsealData(iron8Token, { password: IRON_PASSWORD }),
    true,
  )
  const iron2Token = await Iron2.seal(payload, IRON_PASSWORD, Iron2.defaults)
  check(
    (await Iron2.unseal(iron2Token, IRON_PASSWORD, Iron2.defaults)).userId === payload.userId,
    'iron2',
  )
  add(
    'peer',
    'iron2.seal',
    'iron-webcrypto 2 seal (what iron-session 9 uses)',
    () => Iron2.seal(payload, IRON_PASSWORD, Iron2.defaults),
    true,
  )
  add(
    'peer',
    'iron2.unseal',
    'iron-webcrypto 2 unseal',
    () => Iron2.unseal(iron2Token, IRON_PASSWORD, Iron2.defaults),
    true,
  )

  for (const alg of ['sha1', 'sha256']) {
    const grip = keygrips[alg]
    const encode = (value) => {
      const data = Buffer.from(JSON.stringify(value)).toString('base64')
      return { data, sig: grip.sign(`${COOKIE_NAME}=${data}`) }
    }
    const decode = (cookie) => {
      if (grip.index(`${COOKIE_NAME}=${cookie.data}`, cookie.sig) < 0) return undefined
      return JSON.parse(Buffer.from(cookie.data, 'base64').toString('utf8'))
    }
    const cookie = encode(payload)
    check(decode(cookie).userId === payload.userId, `keygrip ${alg}`)
    const note = alg === 'sha1' ? ', cookie-session default' : ''
    add('peer', `keygrip.${alg}.encode`, `keygrip ${alg} encode: b64(JSON) + sign${note}`, () =>
      encode(payload),
    )
    add('peer', `keygrip.${alg}.decode`, `keygrip ${alg} decode: verify + parse`, () =>
      decode(cookie),
    )
    if (alg === 'sha1') {
      // cookie-session's whole per-request work: read both cookies, verify, parse, modify,
      // encode, sign, two Set-Cookie strings.
      const header = `${OTHER_COOKIES_BEFORE}; ${COOKIE_NAME}=${cookie.data}; ${COOKIE_NAME}.sig=${cookie.sig}; ${OTHER_COOKIES_AFTER}`
      add(
        'peer',
        'cookie-session.rt',
        'cookie-session round trip (keygrip sha1): parse, verify, modify, sign, 2 Set-Cookie',
        () => {
          const data = rawCookieValue(header, COOKIE_NAME)
          const sig = rawCookieValue(header, `${COOKIE_NAME}.sig`)
          const value = decode({ data, sig })
          value.views++
          const next = encode(value)
          return [
            `${COOKIE_NAME}=${next.data}; path=/; httponly`,
            `${COOKIE_NAME}.sig=${next.sig}; path=/; httponly`,
          ]
        },
      )
    }
  }

  if (size === 'small') {
    const sid = 'kX3l9vQ2mB7nR4tY8wE1zA6cF0hJ5pL'
    const signed = cookieSignature.sign(sid, SECRET_STRING)
    check(cookieSignature.unsign(signed, SECRET_STRING) === sid, 'cookie-signature')
    add(
      'peer',
      'cookie-signature.sign',
      'cookie-signature 1.0 sign(sid) (express-session; payload-independent)',
      () => cookieSignature.sign(sid, SECRET_STRING),
    )
    add(
      'peer',
      'cookie-signature.unsign',
      'cookie-signature 1.0 unsign(sid) (payload-independent)',
      () => cookieSignature.unsign(signed, SECRET_STRING),
    )
  }

  const memoryStore = new expressSession.MemoryStore()
  const sid = `sid-${size}-kX3l9vQ2mB7nR4tY8wE1zA6cF0hJ5`
  const record = {
    cookie: { originalMaxAge: null, expires: null, httpOnly: true, path: '/' },
    ...payload,
  }
  await new Promise((resolve) => {
    memoryStore.set(sid, record, resolve)
  })
  const storeRoundTrip = (id) =>
    new Promise((resolve, reject) => {
      memoryStore.get(id, (error, session) => {
        if (error || !session) {
          reject(error ?? new Error('missing session'))
          return
        }
        session.views++
        memoryStore.set(id, session, (setError) => {
          if (setError) reject(setError)
          else resolve(session)
        })
      })
    })
  add(
    'peer',
    'memorystore.rt',
    'express-session MemoryStore get + set (JSON, 2 setImmediate hops)',
    () => storeRoundTrip(sid),
    true,
  )
  const sidCookie = `s:${cookieSignature.sign(sid, SECRET_STRING)}`
  const esHeader = cookieHeader('connect.sid', encodeURIComponent(sidCookie))
  add(
    'peer',
    'express-session.rt',
    'express-session round trip: cookie.parse, unsign, MemoryStore get + set',
    () => {
      const raw = cookieParser.parse(esHeader)['connect.sid']
      const id = cookieSignature.unsign(raw.slice(2), SECRET_STRING)
      return storeRoundTrip(id)
    },
    true,
  )

  const fastifyToken = fastify.encodeSecureSession(fastify.createSecureSession({ ...payload }))
  check(
    fastify.decodeSecureSession(fastifyToken).get('userId') === payload.userId,
    'secure-session',
  )
  add('peer', 'fastify.encode', '@fastify/secure-session encode (sodium secretbox)', () =>
    fastify.encodeSecureSession(fastify.createSecureSession({ ...payload })),
  )
  add('peer', 'fastify.decode', '@fastify/secure-session decode', () =>
    fastify.decodeSecureSession(fastifyToken),
  )
  // Its token holds ';' and '+/=', so @fastify/cookie URI-encodes it in the cookie.
  const fsHeader = cookieHeader(COOKIE_NAME, encodeURIComponent(fastifyToken))
  add(
    'peer',
    'fastify.rt',
    '@fastify/secure-session round trip: parse, decode, modify, encode, Set-Cookie',
    () => {
      const token = decodeURIComponent(rawCookieValue(fsHeader, COOKIE_NAME))
      const session = fastify.decodeSecureSession(token)
      session.set('views', session.get('views') + 1)
      const value = encodeURIComponent(fastify.encodeSecureSession(session))
      return `${COOKIE_NAME}=${value}; Path=/; HttpOnly`
    },
  )
  return list
}

const benches = [...(await benchesFor('small')), ...(await benchesFor('large'))].filter(
  (bench) => only === undefined || only.test(bench.id),
)
const config = quick
  ? { passes: 3, passMs: 60, warmupMs: 60 }
  : { passes: 5, passMs: 200, warmupMs: 150 }
log(`${benches.length} benchmarks, ${config.passes} passes of ${config.passMs} ms each`)
const results = await runBenches(benches, { ...config, log })
const rows = benches.map((bench) => ({
  id: bench.id,
  key: bench.key,
  size: bench.size,
  group: bench.group,
  label: bench.label,
  async: bench.async,
  nsPerPass: results.get(bench.id).ns,
  cpuNsPerPass: results.get(bench.id).cpuNs,
}))
const output = {
  config,
  payloadBytes: Object.fromEntries(
    Object.entries(PAYLOADS).map(([k, v]) => [k, JSON.stringify(v).length]),
  ),
  rows,
}
if (process.send) {
  process.send(output, () => process.exit(0))
} else {
  for (const row of rows) {
    const sorted = [...row.nsPerPass].sort((a, b) => a - b)
    const mid = sorted[Math.floor(sorted.length / 2)]
    console.log(
      `${row.id.padEnd(34)} ${(mid / 1000).toFixed(2).padStart(9)} us/op  ${Math.round(1e9 / mid)
        .toString()
        .padStart(9)} ops/s`,
    )
  }
  process.exit(0)
}
