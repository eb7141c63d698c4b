// Sessions in a Next.js `middleware.js`, which Next.js 16 runs on the edge runtime (the other
// fixture's `proxy.js` runs on Node.js), in front of a route handler on the node runtime: the
// app in test/fixtures/next-edge-app built once and served by `next start`, driven over HTTP.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { buildAndServe, type RunningNextApp } from './support/next-app.ts'
import { cookiePair, setCookiesNamed } from './support/adapter-harness.ts'
import { CookieJar } from '../src/testing.ts'

describe('Next.js middleware on the edge runtime (next build + next start)', () => {
  let app: RunningNextApp | undefined
  let base = ''

  before(async () => {
    app = await buildAndServe('test/fixtures/next-edge-app')
    base = app.base
  })

  after(() => {
    app?.close()
  })

  function get(path: string, cookie?: string): Promise<Response> {
    const headers = new Headers()
    if (cookie !== undefined) headers.set('cookie', cookie)
    return fetch(`${base}${path}`, { redirect: 'manual', headers })
  }

  /** The one `app` cookie of a response, as `name=value`. */
  function appCookie(response: Response): string {
    const values = setCookiesNamed(response.headers.getSetCookie(), 'app')
    assert.equal(values.length, 1, `one Set-Cookie for app: ${JSON.stringify(values)}`)
    return cookiePair(values[0] ?? '')
  }

  async function login(user: string): Promise<{ response: Response; cookie: string }> {
    const response = await get(`/area/login?user=${user}`)
    assert.equal(response.status, 303)
    assert.equal(response.headers.get('x-middleware-runtime'), 'edge')
    assert.match(response.headers.get('location') ?? '', /\/area\/whoami$/)
    return { response, cookie: appCookie(response) }
  }

  it('runs the middleware on the edge runtime; without a session it redirects', async () => {
    const anonymous = await get('/area/whoami')
    assert.equal(anonymous.status, 307)
    assert.deepEqual(setCookiesNamed(anonymous.headers.getSetCookie(), 'app'), [])
  })

  it('a session the middleware writes on a redirect reaches the browser', async () => {
    const { response } = await login('ana')
    const [value = ''] = setCookiesNamed(response.headers.getSetCookie(), 'app')
    assert.match(value, /HttpOnly/i)
    assert.match(value, /Path=\//)
  })

  it("the middleware's change reaches the route handler; the handler's cookie, last, carries both", async () => {
    const { cookie } = await login('ana')
    const jar = new CookieJar()
    jar.set('app', cookie.slice('app='.length))
    const first = await get('/area/whoami', jar.header)
    assert.equal(first.status, 200)
    assert.equal(first.headers.get('x-middleware-runtime'), 'edge')
    // The handler sees what the middleware wrote in the same request (hits) and adds its own.
    assert.deepEqual(await first.json(), { user: 'ana', hits: 1, n: 1 })
    const values = first.headers.getSetCookie()
    assert.deepEqual(setCookiesNamed(values, 'own'), ['own=1; Path=/'])
    // Next.js adds the middleware's Set-Cookie to the route handler's response, before the
    // handler's own: two for one name, of which a browser keeps the last, the handler's, which
    // already holds the middleware's change (documented in docs/frameworks.md).
    const app = setCookiesNamed(values, 'app')
    assert.equal(app.length, 2, JSON.stringify(app))
    jar.apply(values)
    assert.equal(jar.value('app'), cookiePair(app[1] ?? '').slice('app='.length))
    const second = await get('/area/whoami', jar.header)
    assert.deepEqual(await second.json(), { user: 'ana', hits: 2, n: 2 })
  })

  it('the middleware destroys the session: the cookie is cleared and the area is closed', async () => {
    const { cookie } = await login('bo')
    const out = await get('/area/logout', cookie)
    assert.equal(out.status, 303)
    const [cleared = ''] = setCookiesNamed(out.headers.getSetCookie(), 'app')
    assert.match(cleared, /^app=;/)
    assert.match(cleared, /Max-Age=0|Expires=Thu, 01 Jan 1970/i)
    const again = await get('/area/whoami', cookiePair(cleared))
    assert.equal(again.status, 307)
  })

  it('a tampered cookie is a fresh session: redirected, nothing leaked', async () => {
    const { cookie } = await login('cy')
    const [name, value = ''] = cookie.split('=')
    const flipped = `${name}=${value.slice(0, -2)}${value.endsWith('AA') ? 'BA' : 'AA'}`
    const response = await get('/area/whoami', flipped)
    assert.equal(response.status, 307)
  })
})
