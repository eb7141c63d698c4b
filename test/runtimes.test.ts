// Bun, Deno and workerd (the binaries from npm) each serve the shared Fetch app of
// test/runtimes/app.mjs over real HTTP on 127.0.0.1, with every store created at module
// scope; the same scenarios run against each from here with fetch. Bun and Deno also run the
// store conformance suite on the memory driver under their own test runners.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { join } from 'node:path'

import { createMemoryDriver } from '../src/index.ts'
import { CookieJar, parseSetCookie, runStoreConformance } from '../src/testing.ts'
import {
  BUN,
  DENO,
  DENO_FLAGS,
  FIXTURES,
  denoEnv,
  run,
  serveBun,
  serveDeno,
  serveWorkerd,
  tempDir,
  type Served,
} from './support/runtimes.ts'
import { rm } from 'node:fs/promises'

interface Runtime {
  readonly name: string
  readonly serve: () => Promise<Served>
  /** The backends its cookie stores can use, and the one `crypto: 'auto'` picks. */
  readonly backends: readonly ('node' | 'web')[]
  readonly auto: 'node' | 'web'
}

const RUNTIMES: readonly Runtime[] = [
  { name: 'Bun', serve: serveBun, backends: ['node', 'web'], auto: 'node' },
  { name: 'Deno', serve: serveDeno, backends: ['node', 'web'], auto: 'node' },
  // Without the nodejs_compat flag a worker has no node:crypto: Web Crypto it is.
  { name: 'workerd', serve: () => serveWorkerd(), backends: ['web'], auto: 'web' },
  // With it, workerd has process.getBuiltinModule and a node:crypto the fast path can use.
  {
    name: 'workerd (nodejs_compat)',
    serve: () => serveWorkerd(['nodejs_compat']),
    backends: ['node', 'web'],
    auto: 'node',
  },
]

interface Visit {
  readonly visits: number
  readonly isNew: boolean
  readonly loadError: string | null
}

/** A browser of one site: sends the jar's cookies, keeps what responses set. */
class Client {
  readonly jar = new CookieJar()
  readonly base: string

  constructor(base: string) {
    this.base = base
  }

  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers)
    const cookies = this.jar.header
    if (cookies !== undefined) headers.set('cookie', cookies)
    const response = await fetch(this.base + path, { ...init, headers, redirect: 'manual' })
    for (const line of response.headers.getSetCookie()) this.jar.apply(line)
    return response
  }

  async json<T>(path: string, init: RequestInit = {}): Promise<T> {
    const response = await this.request(path, init)
    assert.equal(response.status, 200, `${path}: ${await response.clone().text()}`)
    return (await response.json()) as T
  }

  /** The value of the cookie `name` in the jar. */
  cookie(name: string): string | undefined {
    return this.jar.value(name)
  }
}

function setCookieNames(response: Response): string[] {
  return response.headers.getSetCookie().map((line) => parseSetCookie(line).name)
}

/** The value with one character in the middle changed, still base64url. */
function tamper(value: string): string {
  const at = Math.floor(value.length / 2)
  const swapped = value[at] === 'A' ? 'B' : 'A'
  return value.slice(0, at) + swapped + value.slice(at + 1)
}

for (const runtime of RUNTIMES) {
  describe(`${runtime.name} serving the Fetch scenarios`, () => {
    let served: Served | undefined
    const client = (): Client => {
      assert.ok(served, `${runtime.name} is not serving`)
      return new Client(served.base)
    }

    before(async () => {
      served = await runtime.serve()
    })
    after(async () => {
      await served?.stop()
    })

    it('started with every store created at module scope, and names its crypto backend', async () => {
      const info = await client().json<{ backends: string[]; auto: string }>('/info')
      assert.deepEqual([...info.backends].sort(), [...runtime.backends].sort())
      assert.equal(info.auto, runtime.auto)
      assert.doesNotMatch(served?.log() ?? '', /Disallowed operation|Uncaught/)
    })

    for (const backend of [...runtime.backends, 'auto'] as const) {
      it(`cookie store on the ${backend} backend: a session across requests`, async () => {
        const browser = client()
        const first = await browser.request(`/cookie/${backend}/visit`)
        const [line] = first.headers.getSetCookie()
        assert.ok(line !== undefined, 'a Set-Cookie')
        const parsed = parseSetCookie(line)
        assert.equal(parsed.name, backend)
        assert.ok(parsed.attributes.has('httponly') && parsed.attributes.has('secure'))
        assert.equal(parsed.attributes.get('samesite'), 'Lax')
        assert.equal(first.headers.get('cache-control'), 'no-store')
        assert.deepEqual(await first.json(), { visits: 1, isNew: true, loadError: null })
        const second = await browser.json<Visit>(`/cookie/${backend}/visit`)
        assert.deepEqual(second, { visits: 2, isNew: false, loadError: null })
      })

      it(`cookie store on the ${backend} backend: a tampered cookie gives a fresh session`, async () => {
        const browser = client()
        await browser.json(`/cookie/${backend}/visit`)
        await browser.json(`/cookie/${backend}/visit`)
        const value = browser.cookie(backend)
        assert.ok(value !== undefined)
        const response = await fetch(`${browser.base}/cookie/${backend}/visit`, {
          headers: { cookie: `${backend}=${tamper(value)}` },
        })
        assert.deepEqual(await response.json(), {
          visits: 1,
          isNew: true,
          loadError: 'tampered',
        })
      })
    }

    for (const backend of [...runtime.backends, 'auto'] as const) {
      // Decoders that skip whitespace or accept padding (Buffer's, Uint8Array.fromBase64 on
      // these runtimes) read the same bytes from such a token: the strict one must refuse it.
      it(`cookie store on the ${backend} backend: a token with whitespace or padding added is refused`, async () => {
        const browser = client()
        await browser.json(`/cookie/${backend}/visit`)
        const value = browser.cookie(backend)
        assert.ok(value !== undefined)
        const half = Math.floor(value.length / 2)
        for (const changed of [
          `${value.slice(0, half)} ${value.slice(half)}`,
          `${value.slice(0, half)}\t${value.slice(half)}`,
          `${value}==`,
        ]) {
          const response = await fetch(`${browser.base}/cookie/${backend}/visit`, {
            headers: { cookie: `${backend}=${changed}` },
          })
          assert.deepEqual(
            await response.json(),
            { visits: 1, isNew: true, loadError: 'malformed' },
            JSON.stringify(changed),
          )
        }
      })
    }

    it('keys named after Object.prototype members are plain data', async () => {
      const browser = client()
      const backend = runtime.auto
      await browser.request(`/cookie/${backend}/hostile`, { method: 'POST' })
      const read = await browser.json<Record<string, unknown>>(`/cookie/${backend}/hostile`)
      assert.deepEqual(read, {
        proto: { polluted: true },
        ctor: 'data',
        keys: ['__proto__', 'constructor'],
        clean: true,
      })
    })

    it('server store on the memory driver: data kept, routine saves send no cookie', async () => {
      const browser = client()
      const first = await browser.request('/server/visit')
      assert.deepEqual(setCookieNames(first), ['sid'])
      assert.deepEqual(await first.json(), { visits: 1, isNew: true, loadError: null })
      const second = await browser.request('/server/visit')
      assert.deepEqual(setCookieNames(second), [])
      assert.deepEqual(await second.json(), { visits: 2, isNew: false, loadError: null })
    })

    it('regenerate: a new id with the data; the old cookie loads nothing', async () => {
      const browser = client()
      await browser.json('/server/visit')
      const before = browser.cookie('sid')
      const regenerated = await browser.request('/server/regenerate')
      assert.deepEqual(setCookieNames(regenerated), ['sid'])
      assert.deepEqual(await regenerated.json(), { visits: 2, isNew: false, loadError: null })
      const after = browser.cookie('sid')
      assert.ok(before !== undefined && after !== undefined && after !== before)
      assert.deepEqual(await browser.json('/server/visit'), {
        visits: 3,
        isNew: false,
        loadError: null,
      })
      const old = await fetch(`${browser.base}/server/visit`, {
        headers: { cookie: `sid=${before}` },
      })
      const fresh = (await old.json()) as Visit
      assert.equal(fresh.visits, 1)
      assert.equal(fresh.isNew, true)
    })

    it('logout: the session is gone and its cookie deleted', async () => {
      const browser = client()
      await browser.json('/server/visit')
      const value = browser.cookie('sid')
      const logout = await browser.request('/server/logout')
      const [line] = logout.headers.getSetCookie()
      assert.ok(line !== undefined && parseSetCookie(line).deleted)
      assert.equal(browser.cookie('sid'), undefined)
      const replay = await fetch(`${browser.base}/server/visit`, {
        headers: { cookie: `sid=${value ?? ''}` },
      })
      assert.equal(((await replay.json()) as Visit).visits, 1)
    })

    it('flash: set before a redirect, read once after it', async () => {
      const browser = client()
      const redirect = await browser.request('/flash/set')
      assert.equal(redirect.status, 303)
      assert.deepEqual(setCookieNames(redirect), ['sid'])
      assert.deepEqual(await browser.json('/flash/read'), { notices: ['saved', 'twice'] })
      assert.deepEqual(await browser.json('/flash/read'), { notices: [] })
    })

    it("secure: 'auto' over plain HTTP: the cookie is not Secure, and still read back", async () => {
      const browser = client()
      const first = await browser.request('/secure-auto')
      const [line] = first.headers.getSetCookie()
      assert.ok(line !== undefined)
      assert.equal(parseSetCookie(line).attributes.has('secure'), false)
      await first.body?.cancel()
      assert.equal((await browser.json<Visit>('/secure-auto')).visits, 2)
    })

    it('several named sessions: one Set-Cookie per name, each read back', async () => {
      const browser = client()
      const first = await browser.request('/multi')
      assert.deepEqual(setCookieNames(first).sort(), ['prefs', 'sid', 'web'])
      assert.deepEqual(await first.json(), { web: 1, prefs: 'dark', sid: 1 })
      assert.deepEqual(await browser.json('/multi'), { web: 2, prefs: 'dark', sid: 2 })
    })

    it('Hono (sessionkit/hono): a session in a handler, a login redirect with a regenerated id and a flash', async () => {
      const browser = client()
      assert.deepEqual(await browser.json('/hono/visit'), {
        visits: 1,
        isNew: true,
        loadError: null,
      })
      assert.deepEqual(await browser.json('/hono/visit'), {
        visits: 2,
        isNew: false,
        loadError: null,
      })
      await browser.json('/server/visit')
      const before = browser.cookie('sid')
      const login = await browser.request('/hono/login', { method: 'POST' })
      assert.equal(login.status, 303)
      assert.equal(login.headers.get('location'), '/hono/me')
      assert.notEqual(browser.cookie('sid'), before)
      assert.deepEqual(await browser.json('/hono/me'), { user: 'ada', notices: ['welcome'] })
      assert.deepEqual(await browser.json('/hono/me'), { user: 'ada', notices: [] })
    })
  })
}

/** How many tests the conformance suite registers (with the keep-alive check). */
function conformanceCount(): number {
  let count = 0
  runStoreConformance({
    name: 'memory',
    createDriver: ({ now }) => createMemoryDriver({ now }),
    test: {
      describe: (_name, fn) => {
        fn()
      },
      it: () => {
        count++
      },
    },
    activeResources: () => [],
  })
  return count
}

describe('the store conformance suite on the memory driver', () => {
  const expected = conformanceCount()

  it(`passes on Bun (bun:test): all ${expected} tests`, async () => {
    const result = await run(BUN, ['test', join(FIXTURES, 'conformance-bun.mjs')], {
      ...process.env,
      NO_COLOR: '1',
    })
    const output = result.stdout + result.stderr
    assert.equal(result.code, 0, output)
    assert.match(output, new RegExp(`^\\s*${expected} pass$`, 'm'), output)
    assert.match(output, /^\s*0 fail$/m, output)
  })

  it(`passes on Deno (Deno.test): all ${expected} tests`, async () => {
    const dir = await tempDir('deno')
    try {
      const result = await run(
        DENO,
        // --no-check: imported by name from inside the repository, dist/ is local code to
        // Deno, whose checker does not map the declarations' `.ts` specifiers to `.d.ts` as
        // it does inside node_modules (an installed copy type-checks).
        ['test', ...DENO_FLAGS, '--no-check', join(FIXTURES, 'conformance-deno.mjs')],
        denoEnv(dir),
      )
      const output = result.stdout + result.stderr
      assert.equal(result.code, 0, output)
      assert.match(output, new RegExp(`ok \\| ${expected} passed \\| 0 failed`), output)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
