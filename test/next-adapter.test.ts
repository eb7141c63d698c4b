// The Next.js adapter on the real framework: the app in test/fixtures/next-app is built once
// (`next build`, Turbopack) and served (`next start`) on a free port, then driven over real
// HTTP: route handlers (node and edge runtimes), server components, server actions (posted
// the way a form without JavaScript posts them) and the proxy.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { buildAndServe, type RunningNextApp } from './support/next-app.ts'
import { cookiePair, onlySetCookie, setCookiesNamed } from './support/adapter-harness.ts'

describe('Next.js adapter (next build + next start)', () => {
  let app: RunningNextApp | undefined
  let base = ''

  before(async () => {
    app = await buildAndServe()
    base = app.base
  })

  after(() => {
    app?.close()
  })

  function get(path: string, cookie?: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers)
    if (cookie !== undefined) headers.set('cookie', cookie)
    return fetch(`${base}${path}`, { redirect: 'manual', ...init, headers })
  }

  function appCookie(response: Response): string {
    return cookiePair(onlySetCookie(response.headers.getSetCookie(), 'app'))
  }

  async function textOf(response: Response, id: string): Promise<string> {
    const html = await response.text()
    const match = new RegExp(`id="${id}">([^<]*)<`).exec(html)
    assert.ok(match, `no #${id} in ${html.slice(0, 2000)}`)
    return match[1] ?? ''
  }

  async function login(user = 'alice'): Promise<string> {
    const response = await get('/login', undefined, {
      method: 'POST',
      body: new URLSearchParams({ user }),
    })
    assert.equal(response.status, 303)
    return appCookie(response)
  }

  it('a route handler logs in (303, one cookie, no-store); a server component reads it', async () => {
    const response = await get('/login', undefined, {
      method: 'POST',
      body: new URLSearchParams({ user: 'alice' }),
    })
    assert.equal(response.status, 303)
    assert.equal(new URL(response.headers.get('location') ?? '').pathname, '/')
    assert.equal(response.headers.get('cache-control'), 'no-store')
    const cookie = appCookie(response)
    const page = await get('/', cookie)
    assert.equal(page.status, 200)
    const html = await page.text()
    assert.match(html, /id="user">alice</)
    assert.match(html, /id="notice">Welcome!</)
    assert.deepEqual(setCookiesNamed(page.headers.getSetCookie(), 'app'), [])
  })

  it("a route handler's JSON keeps the app's own Set-Cookie; the count survives", async () => {
    const first = await get('/count')
    assert.deepEqual(await first.json(), { n: 1, runtime: 'nodejs' })
    const values = first.headers.getSetCookie()
    assert.deepEqual(setCookiesNamed(values, 'own'), ['own=1; Path=/'])
    const second = await get('/count', appCookie(first))
    assert.deepEqual(await second.json(), { n: 2, runtime: 'nodejs' })
  })

  it('redirect() inside a route handler still commits the session', async () => {
    const response = await get('/count?redirect=1')
    assert.ok([303, 307, 308].includes(response.status), String(response.status))
    const read = await get('/count', appCookie(response))
    assert.deepEqual(await read.json(), { n: 2, runtime: 'nodejs' })
  })

  it('an edge-runtime route handler reads and writes the same sessions', async () => {
    const first = await get('/edge')
    assert.deepEqual(await first.json(), { n: 1, runtime: 'edge' })
    assert.equal(first.headers.get('cache-control'), 'no-store')
    const second = await get('/count', appCookie(first))
    assert.deepEqual(await second.json(), { n: 2, runtime: 'nodejs' })
    const third = await get('/edge', appCookie(second))
    assert.deepEqual(await third.json(), { n: 3, runtime: 'edge' })
  })

  it('a route handler that throws after a change: a 500, nothing committed', async () => {
    const cookie = await login()
    const response = await get('/boom', cookie)
    assert.equal(response.status, 500)
    assert.deepEqual(setCookiesNamed(response.headers.getSetCookie(), 'app'), [])
    assert.match(await (await get('/', cookie)).text(), /id="user">alice</)
  })

  describe('server actions (a form posted without JavaScript)', () => {
    async function actionIds(cookie: string): Promise<string[]> {
      const html = await (await get('/', cookie)).text()
      const ids = [...html.matchAll(/name="(\$ACTION_ID_[^"]+)"/g)].map((match) => match[1] ?? '')
      assert.equal(ids.length, 3, `three actions in ${html.slice(0, 3000)}`)
      return ids
    }

    function post(actionId: string, cookie: string, user: string): Promise<Response> {
      const body = new FormData()
      body.set(actionId, '')
      body.set('user', user)
      return get('/', cookie, { method: 'POST', body })
    }

    it('an action that writes: its cookie comes back, the page shows the change', async () => {
      const cookie = await login()
      const [rename = ''] = await actionIds(cookie)
      const response = await post(rename, cookie, 'bob')
      assert.equal(response.status, 200)
      const renamed = appCookie(response)
      assert.match(await (await get('/', renamed)).text(), /id="user">bob</)
    })

    it('an action that writes, then redirect(): committed, 303', async () => {
      const cookie = await login()
      const [, redirecting = ''] = await actionIds(cookie)
      const response = await post(redirecting, cookie, 'carol')
      assert.equal(response.status, 303)
      assert.match(response.headers.get('location') ?? '', /renamed=1/)
      assert.match(await (await get('/', appCookie(response))).text(), /id="user">carol</)
    })

    it('an action that writes, then throws: nothing committed', async () => {
      const cookie = await login()
      const [, , failing = ''] = await actionIds(cookie)
      const response = await post(failing, cookie, 'mallory')
      assert.ok(response.status >= 500, String(response.status))
      assert.deepEqual(setCookiesNamed(response.headers.getSetCookie(), 'app'), [])
    })
  })

  it('a server component cannot write: save() is refused, no cookie sent', async () => {
    const cookie = await login()
    const response = await get('/readonly', cookie)
    assert.match(await textOf(response, 'outcome'), /^refused: /)
    assert.deepEqual(setCookiesNamed(response.headers.getSetCookie(), 'app'), [])
  })

  it('the proxy reads the session (redirects without one) and writes it', async () => {
    const anonymous = await get('/private')
    assert.equal(anonymous.status, 307)
    const cookie = await login()
    const first = await get('/private', cookie)
    assert.equal(first.status, 200)
    // The page rendered in the same request sees what the proxy wrote.
    assert.equal(await textOf(first, 'visits'), '1')
    const second = await get('/private', appCookie(first))
    assert.equal(await textOf(second, 'visits'), '2')
  })
})
