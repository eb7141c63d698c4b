// `secure: 'auto'`: Secure exactly when the request came over HTTPS, over real HTTP and HTTPS
// (node:https with a self-signed certificate made by openssl for the run), on the node and
// Fetch adapters, with and without trustProxy; the names and attributes that refuse it; and
// the one-time warning for a Secure cookie answered to plain HTTP outside localhost.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { readFile, rm } from 'node:fs/promises'
import http from 'node:http'
import https from 'node:https'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { after, before, describe, it, type TestContext } from 'node:test'
import { promisify } from 'node:util'
import fc from 'fast-check'

import {
  createCookieStore,
  createKeyRing,
  createMemoryDriver,
  createServerStore,
  CookieOptionError,
  SessionRegistry,
  type SessionStore,
  type StoreCookieOptions,
} from '../src/index.ts'
import { withSessions as withFetchSessions } from '../src/fetch.ts'
import { withSessions as withNodeSessions } from '../src/node.ts'
import { sessions as h3Sessions, useSession } from '../src/h3.ts'
import { session as honoSession } from '../src/hono.ts'
import { H3 } from 'h3'
import { Hono } from 'hono'
import { fetchTransport, hostWithoutPort, requestTransport } from '../src/adapters/transport.ts'
import { isLoopbackHost } from '../src/core/transport.ts'
import { createGorillaCookieStore } from '../src/securecookie.ts'
import { parseSetCookie } from '../src/testing.ts'
import { tempDir } from './support/runtimes.ts'
import { KEY_A, KEY_B } from './support/keys.ts'

const keys = createKeyRing([{ id: 'k1', secret: KEY_A }])
let names = 0
/** A cookie name no other test used: the warning is told once per name and process. */
function uniqueName(prefix = 'auto'): string {
  return `${prefix}${++names}`
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void

interface Answer {
  readonly status: number
  readonly setCookies: string[]
  readonly body: string
}

function secureFlags(answer: Answer): boolean[] {
  return answer.setCookies.map((line) => parseSetCookie(line).attributes.has('secure'))
}

let tls: { key: string; cert: string } | undefined

before(async () => {
  const dir = await tempDir('tls')
  try {
    await promisify(execFile)('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-days',
      '1',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ])
    tls = {
      key: await readFile(join(dir, 'key.pem'), 'utf8'),
      cert: await readFile(join(dir, 'cert.pem'), 'utf8'),
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})

const servers: http.Server[] = []
after(async () => {
  await Promise.all(
    servers.map(
      (server) =>
        new Promise((resolve) => {
          server.close(resolve)
          server.closeAllConnections()
        }),
    ),
  )
})

/** Serves `handler` on 127.0.0.1 over plain HTTP or HTTPS; resolves to the base URL. */
async function serve(handler: Handler, secure: boolean): Promise<string> {
  const server = secure
    ? https.createServer({ key: tls?.key, cert: tls?.cert }, handler)
    : http.createServer(handler)
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return `${secure ? 'https' : 'http'}://127.0.0.1:${port}`
}

/** One request over real HTTP(S); the certificate of the run is the only one trusted. */
function request(url: string, headers: http.OutgoingHttpHeaders = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const target = new URL(url)
    const options = { headers, ca: tls?.cert }
    const done = (res: http.IncomingMessage): void => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      res.on('end', () => {
        const setCookie = res.headers['set-cookie'] ?? []
        resolve({ status: res.statusCode ?? 0, setCookies: setCookie, body })
      })
    }
    const req =
      target.protocol === 'https:'
        ? https.get(target, options, done)
        : http.get(target, options, done)
    req.on('error', reject)
  })
}

/** A handler that sets a value in each store, so each writes its cookie. */
function nodeApp(stores: readonly SessionStore[], trustProxy = false): Handler {
  return withNodeSessions(
    async (_req, res, sessions) => {
      for (const store of stores) (await sessions.get(store)).set('n', 1)
      res.end('ok')
    },
    { trustProxy },
  )
}

/** The Fetch adapter behind node:http(s): the request URL says https when the socket is TLS. */
function fetchApp(stores: readonly SessionStore[], trustProxy = false): Handler {
  const handler = withFetchSessions(
    async (_request, sessions) => {
      for (const store of stores) (await sessions.get(store)).set('n', 1)
      return new Response('ok')
    },
    { trustProxy },
  )
  return (req, res) => {
    const scheme = (req.socket as { encrypted?: boolean }).encrypted === true ? 'https' : 'http'
    const headers = new Headers()
    for (const [name, value] of Object.entries(req.headers)) {
      if (typeof value === 'string') headers.set(name, value)
    }
    void handler(new Request(`${scheme}://${req.headers.host ?? ''}${req.url ?? '/'}`, { headers }))
      .then((response) => {
        res.statusCode = response.status
        res.setHeader('Set-Cookie', response.headers.getSetCookie())
        return response.text()
      })
      .then((body) => res.end(body))
  }
}

function autoStores(): SessionStore[] {
  const cookie = { secure: 'auto' } as const
  return [
    createCookieStore({ name: uniqueName('cookie'), keys, cookie }),
    createCookieStore({ name: uniqueName('web'), keys, cookie, crypto: 'web', format: 'signed' }),
    createServerStore({ name: uniqueName('sid'), keys, driver: createMemoryDriver(), cookie }),
    createGorillaCookieStore({ name: uniqueName('go'), keyPairs: [KEY_A, KEY_B], cookie }),
  ] as SessionStore[]
}

for (const [adapter, app] of [
  ['node', nodeApp],
  ['Fetch', fetchApp],
] as const) {
  describe(`secure: 'auto' on the ${adapter} adapter`, () => {
    it('over plain HTTP: no Secure on any store; over HTTPS: Secure on every one', async () => {
      const stores = autoStores()
      const plain = await request(await serve(app(stores), false))
      assert.equal(plain.status, 200, plain.body)
      assert.deepEqual(secureFlags(plain), [false, false, false, false])
      const tlsAnswer = await request(await serve(app(stores), true))
      assert.equal(tlsAnswer.status, 200, tlsAnswer.body)
      assert.deepEqual(secureFlags(tlsAnswer), [true, true, true, true])
    })

    it('X-Forwarded-Proto counts only with trustProxy: true', async () => {
      const stores = autoStores()
      const https = { 'x-forwarded-proto': 'https, http' }
      const ignored = await request(await serve(app(stores), false), https)
      assert.deepEqual(secureFlags(ignored), [false, false, false, false])
      const trusted = await request(await serve(app(stores, true), false), https)
      assert.deepEqual(secureFlags(trusted), [true, true, true, true])
      // Trusted, the proxy's word wins over the connection's: TLS to the proxy, plain to us.
      const downgraded = await request(await serve(app(stores, true), true), {
        'x-forwarded-proto': 'http',
      })
      assert.deepEqual(secureFlags(downgraded), [false, false, false, false])
      const unsaid = await request(await serve(app(stores, true), true))
      assert.deepEqual(secureFlags(unsaid), [true, true, true, true])
    })
  })
}

describe("secure: 'auto' on the Hono and h3 adapters (app.request)", () => {
  const cases: [
    string,
    (
      store: SessionStore,
      trustProxy: boolean,
    ) => (url: string, init?: RequestInit) => Promise<Response>,
  ][] = [
    [
      'Hono',
      (store, trustProxy) => {
        const app = new Hono().use(honoSession(store, { trustProxy })).get('/', (c) => {
          c.var.session.set('n', 1)
          return c.text('ok')
        })
        return async (url, init) => app.request(url, init)
      },
    ],
    [
      'h3',
      (store, trustProxy) => {
        const app = new H3({ silent: true })
          .use(h3Sessions({ trustProxy }))
          .get('/', async (event) => {
            ;(await useSession(event, store)).set('n', 1)
            return 'ok'
          })
        return async (url, init) => app.request(url, init)
      },
    ],
  ]
  for (const [label, make] of cases) {
    it(`${label}: Secure for https: URLs and a trusted X-Forwarded-Proto only`, async () => {
      const store = createCookieStore({ name: uniqueName(), keys, cookie: { secure: 'auto' } })
      const secureOf = async (response: Promise<Response>): Promise<boolean> => {
        const [line = ''] = (await response).headers.getSetCookie()
        assert.notEqual(line, '')
        return parseSetCookie(line).attributes.has('secure')
      }
      const forwarded = { headers: { 'x-forwarded-proto': 'https' } }
      assert.equal(await secureOf(make(store, false)('http://localhost/')), false)
      assert.equal(await secureOf(make(store, false)('https://localhost/')), true)
      assert.equal(await secureOf(make(store, false)('http://localhost/', forwarded)), false)
      assert.equal(await secureOf(make(store, true)('http://localhost/', forwarded)), true)
    })
  }
})

describe("secure: 'auto' in the stores", () => {
  it('a logout over plain HTTP deletes the cookie without Secure (the browser accepts it)', async () => {
    const store = createServerStore({
      name: uniqueName('sid'),
      keys,
      driver: createMemoryDriver(),
      cookie: { secure: 'auto' },
    })
    const first = new SessionRegistry(undefined, { secure: false, host: '127.0.0.1' })
    ;(await first.get(store)).set('n', 1)
    const [cookie = ''] = await first.save()
    const second = new SessionRegistry(cookie.split(';')[0], { secure: false, host: 'localhost' })
    ;(await second.get(store)).destroy()
    const [deletion = ''] = await second.save()
    const parsed = parseSetCookie(deletion)
    assert.equal(parsed.deleted, true)
    assert.equal(parsed.attributes.has('secure'), false)
  })

  it('without a transport (a registry made by hand, store.save) the cookie is Secure', async () => {
    const store = createCookieStore({ name: uniqueName(), keys, cookie: { secure: 'auto' } })
    const session = store.create()
    session.set('n', 1)
    assert.ok(parseSetCookie((await store.save(session)) ?? '').attributes.has('secure'))
    const registry = new SessionRegistry(undefined)
    ;(await registry.get(store)).set('n', 2)
    const [line = ''] = await registry.save()
    assert.ok(parseSetCookie(line).attributes.has('secure'))
  })

  it("a session's own secure option wins over 'auto'", async () => {
    const store = createCookieStore({ name: uniqueName(), keys, cookie: { secure: 'auto' } })
    const registry = new SessionRegistry(undefined, { secure: false, host: 'localhost' })
    const session = await registry.get(store)
    session.setCookieOptions({ secure: true })
    session.set('n', 1)
    const [line = ''] = await registry.save()
    assert.ok(parseSetCookie(line).attributes.has('secure'))
  })

  it('the transport is asked at each save, so a later trustProxy still counts', async () => {
    let secure = false
    const store = createCookieStore({ name: uniqueName(), keys, cookie: { secure: 'auto' } })
    const registry = new SessionRegistry(undefined, () => ({ secure, host: 'localhost' }))
    const session = await registry.get(store)
    session.set('n', 1)
    secure = true
    const [line = ''] = await registry.save()
    assert.ok(parseSetCookie(line).attributes.has('secure'))
  })

  const refusals: [string, StoreCookieOptions][] = [
    ['__Host-sid', { secure: 'auto' }],
    ['__Secure-sid', { secure: 'auto' }],
    ['__host-sid', { secure: 'auto' }],
    ['sid', { secure: 'auto', sameSite: 'None' }],
    ['sid', { secure: 'auto', partitioned: true }],
  ]
  for (const [name, cookie] of refusals) {
    it(`refuses 'auto' where Secure is required: ${name} ${JSON.stringify(cookie)}`, () => {
      for (const create of [
        () => createCookieStore({ name, keys, cookie }),
        () => createServerStore({ name, keys, driver: createMemoryDriver(), cookie }),
        () => createGorillaCookieStore({ name, keyPairs: [KEY_A], cookie }),
      ]) {
        assert.throws(create, (error: unknown) => {
          assert.ok(error instanceof CookieOptionError)
          assert.equal(error.option, 'secure')
          assert.match(error.message, /secure: 'auto'/)
          return true
        })
      }
    })
  }

  it('a value other than true, false or auto is still refused', () => {
    const cookie = { secure: 'yes' } as unknown as StoreCookieOptions
    assert.throws(() => createCookieStore({ name: 'sid', keys, cookie }), CookieOptionError)
  })
})

describe('the warning for a Secure cookie answered to plain HTTP', () => {
  function fetchHandler(store: SessionStore, trustProxy = false) {
    return withFetchSessions(
      async (_request, sessions) => {
        ;(await sessions.get(store)).set('n', 1)
        return new Response('ok')
      },
      { trustProxy },
    )
  }

  function warnings(t: TestContext): () => string[] {
    const warn = t.mock.method(console, 'warn', () => undefined)
    return () => warn.mock.calls.map((call) => String(call.arguments[0]))
  }

  it('is told once per cookie name, naming the host and the ways out', async (t) => {
    const warned = warnings(t)
    const name = uniqueName('secure')
    const store = createCookieStore({ name, keys })
    const handler = fetchHandler(store)
    await handler(new Request('http://app.example/'))
    await handler(new Request('http://app.example:8080/'))
    assert.equal(warned().length, 1)
    const [message = ''] = warned()
    assert.match(message, new RegExp(`"${name}"`))
    assert.match(message, /app\.example/)
    assert.match(message, /secure to 'auto'/)
    assert.match(message, /trustProxy/)
  })

  it('over real plain HTTP from the node adapter, for a host other than localhost', async (t) => {
    const warned = warnings(t)
    const store = createCookieStore({ name: uniqueName('secure'), keys })
    const base = await serve(nodeApp([store]), false)
    await request(base) // Host: 127.0.0.1:port, where browsers keep Secure cookies
    assert.deepEqual(warned(), [])
    await request(base, { host: 'intranet.example' })
    assert.equal(warned().length, 1)
  })

  it('is not told for localhost, HTTPS, a trusted forwarded https, or an auto cookie', async (t) => {
    const warned = warnings(t)
    const secureStore = createCookieStore({ name: uniqueName('secure'), keys })
    for (const url of [
      'http://localhost/',
      'http://LOCALHOST:3000/',
      'http://app.localhost/',
      'http://127.0.0.1:3000/',
      'http://127.8.0.1/',
      'http://[::1]:3000/',
      'https://app.example/',
    ]) {
      await fetchHandler(secureStore)(new Request(url))
    }
    await fetchHandler(
      secureStore,
      true,
    )(new Request('http://app.example/', { headers: { 'x-forwarded-proto': 'https' } }))
    const autoStore = createCookieStore({
      name: uniqueName('auto'),
      keys,
      cookie: { secure: 'auto' },
    })
    await fetchHandler(autoStore)(new Request('http://app.example/'))
    const plainStore = createCookieStore({
      name: uniqueName('plain'),
      keys,
      cookie: { secure: false },
    })
    await fetchHandler(plainStore)(new Request('http://app.example/'))
    assert.deepEqual(warned(), [])
  })

  it('is told for a forwarded plain-HTTP host behind a trusted proxy', async (t) => {
    const warned = warnings(t)
    const store = createCookieStore({ name: uniqueName('secure'), keys })
    await fetchHandler(
      store,
      true,
    )(
      new Request('https://10.0.0.5/', {
        headers: { 'x-forwarded-proto': 'http', 'x-forwarded-host': 'shop.example:80' },
      }),
    )
    assert.equal(warned().length, 1)
    assert.match(warned()[0] ?? '', /shop\.example/)
  })
})

describe('the transport of a request (property)', () => {
  const header = fc.option(
    fc.oneof(
      fc.string(),
      fc.constantFrom('https', 'HTTPS', ' https ', 'http', 'https, http', 'http, https'),
    ),
    { nil: undefined },
  )

  it('without trustProxy, forwarded headers never change it', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.domain(), header, header, (encrypted, host, proto, fhost) => {
        const transport = requestTransport(
          { encrypted, host, forwardedProto: proto, forwardedHost: fhost },
          false,
        )
        assert.equal(transport.secure, encrypted)
        assert.equal(transport.host, host.toLowerCase())
      }),
    )
  })

  it("with trustProxy, it is HTTPS exactly when the first forwarded protocol says 'https'", () => {
    fc.assert(
      fc.property(fc.boolean(), header, (encrypted, proto) => {
        const transport = requestTransport(
          { encrypted, host: 'app.example', forwardedProto: proto, forwardedHost: undefined },
          true,
        )
        const first = proto?.split(',')[0]?.trim().toLowerCase()
        const expected = first === undefined || first === '' ? encrypted : first === 'https'
        assert.equal(transport.secure, expected)
      }),
    )
  })

  it("a Fetch request's protocol and host are what the URL parser reads from its url", () => {
    // The url of a Request as runtimes and frameworks give it: serialized by a URL parser, or
    // built from a Host header (@hono/node-server), with userinfo, escapes, IPv6 and odd cases.
    const authority = fc.oneof(
      fc.domain(),
      fc.ipV4(),
      fc.ipV6().map((ip) => `[${ip}]`),
      fc.constantFrom('user:pw@app.example', 'APP.Example', 'a%2eb', '[::1]', 'localhost'),
    )
    const port = fc.option(fc.integer({ min: 1, max: 65_535 }).map(String), { nil: undefined })
    const path = fc.constantFrom('', '/', '/a?b#c', '?q', '#f', '/x/../y')
    const scheme = fc.constantFrom('http', 'https', 'HTTPS', 'ws', 'wss')
    fc.assert(
      fc.property(scheme, authority, port, path, fc.boolean(), (s, a, p, rest, raw) => {
        const text = `${s}://${a}${p === undefined ? '' : `:${p}`}${rest}`
        let url: URL
        try {
          url = new URL(text)
        } catch {
          return
        }
        const href = raw ? text : url.href
        const transport = fetchTransport({ url: href, headers: new Headers() } as Request, false)
        assert.equal(transport.secure, url.protocol === 'https:', href)
        assert.equal(transport.host, hostWithoutPort(url.host), href)
      }),
      { numRuns: 500 },
    )
  })

  it('no host outside localhost, *.localhost, 127/8 and ::1 counts as loopback', () => {
    fc.assert(
      fc.property(fc.domain(), (host) => {
        const loopback = host === 'localhost' || host.endsWith('.localhost')
        assert.equal(isLoopbackHost(host), loopback)
      }),
    )
    for (const host of ['127.0.0.1', '127.1.2.3', '[::1]', 'localhost.', 'LocalHost']) {
      assert.equal(isLoopbackHost(host), true, host)
    }
    for (const host of ['128.0.0.1', 'localhost.example', '10.0.0.1', '[::2]', 'example.com']) {
      assert.equal(isLoopbackHost(host), false, host)
    }
  })
})
