// End-to-end: the example app (example/app.ts) in a real Chromium. Needs /usr/bin/chromium;
// fails, rather than skips, without it.

import { after, afterEach, before, beforeEach, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { Server } from 'node:http'
import type { Browser, BrowserContext, Cookie, Page } from 'playwright-core'
import { createApp } from '../example/app.ts'
import { createKeyRing, generateKey } from '../src/index.ts'
import { close, launchChromium, listen } from './support/browser.ts'

const DAY = 86_400
// Short enough that a broken page fails fast instead of hanging the suite.
const TIMEOUT = 5_000

// Name with markup in it: the page must show it as text.
const NAME = 'Ada <i>L</i>'

describe('example app in Chromium', () => {
  let server: Server | undefined
  let browser: Browser | undefined
  let base = ''
  let context: BrowserContext
  let page: Page

  before(async () => {
    server = createApp({
      keys: createKeyRing([{ id: 'test', secret: generateKey() }]),
      secure: false,
    })
    base = await listen(server)
    browser = await launchChromium()
  })

  after(async () => {
    await browser?.close()
    if (server !== undefined) await close(server)
  })

  beforeEach(async () => {
    assert.ok(browser, 'Chromium did not start')
    context = await browser.newContext()
    page = await context.newPage()
    page.setDefaultTimeout(TIMEOUT)
  })

  afterEach(async () => {
    await context.close()
  })

  async function cookies(): Promise<Map<string, Cookie>> {
    return new Map((await context.cookies(base)).map((cookie) => [cookie.name, cookie]))
  }

  async function logIn(name: string, remember: boolean): Promise<void> {
    await page.getByLabel('Username').fill(name)
    await page.getByLabel('Password').fill('any password')
    await page.getByLabel('Remember me').setChecked(remember)
    await page.getByRole('button', { name: 'Log in' }).click()
    await page.getByRole('heading', { name: `Hello ${name}` }).waitFor()
  }

  async function counterShows(value: number): Promise<void> {
    await page
      .getByTestId('counter')
      .filter({ hasText: new RegExp(`^${value}$`) })
      .waitFor()
  }

  it('logs in, counts, switches theme and logs out', async () => {
    const response = await page.goto(`${base}/`)
    assert.equal(response?.status(), 200)
    await page.getByRole('heading', { name: 'Log in' }).waitFor()
    assert.equal((await cookies()).size, 0, 'no cookie before anything is stored')

    await logIn(NAME, true)
    assert.equal(await page.getByRole('status').textContent(), `Welcome, ${NAME}!`)
    assert.equal(await page.locator('h2 i').count(), 0, 'the name is escaped, not markup')

    // The flash is shown once; the login survives the reload.
    await page.reload()
    await page.getByRole('heading', { name: `Hello ${NAME}` }).waitFor()
    assert.equal(await page.getByRole('status').count(), 0, 'flash shown only once')
    assert.match((await page.getByTestId('info-app').textContent()) ?? '', /remember me\s+on/)

    await page.getByRole('button', { name: 'Increment' }).click()
    await counterShows(1)
    await page.getByRole('button', { name: 'Increment' }).click()
    await counterShows(2)

    await page.getByRole('button', { name: 'Dark' }).click()
    await page.locator('html[data-theme="dark"]').waitFor({ state: 'attached' })
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor)
    assert.equal(background, 'rgb(22, 23, 26)', 'the dark theme is applied')
    await counterShows(2)

    const now = Date.now() / 1000
    const jar = await cookies()
    assert.deepEqual([...jar.keys()].sort(), ['app', 'prefs'])
    const app = jar.get('app')!
    const prefs = jar.get('prefs')!
    assert.equal(app.httpOnly, true)
    assert.equal(app.sameSite, 'Lax')
    assert.equal(app.secure, false)
    assert.ok(
      app.expires > now + 6 * DAY && app.expires <= now + 7 * DAY + 60,
      `remember-me makes app persistent for 7 days (expires ${app.expires})`,
    )
    assert.equal(prefs.httpOnly, true)
    assert.ok(
      prefs.expires > now + 364 * DAY,
      `prefs persists for a year (expires ${prefs.expires})`,
    )

    // Logging out deletes the app cookie only: the theme stays.
    await page.getByRole('button', { name: 'Log out' }).click()
    await page.getByRole('heading', { name: 'Log in' }).waitFor()
    assert.equal(await page.locator('html').getAttribute('data-theme'), 'dark')
    assert.deepEqual([...(await cookies()).keys()], ['prefs'])

    // Without remember-me the cookie ends with the browser session; the counter starts over.
    await logIn('Grace', false)
    await counterShows(0)
    const session = (await cookies()).get('app')
    assert.equal(session?.expires, -1, 'a browser-session cookie has no expiry')
    assert.match((await page.getByTestId('info-app').textContent()) ?? '', /remember me\s+off/)
  })

  it('starts a fresh session when the app cookie was tampered with', async () => {
    await context.addCookies([{ name: 'app', value: 'garbage', url: base }])
    const response = await page.goto(`${base}/`)
    assert.equal(response?.status(), 200)
    await page.getByRole('heading', { name: 'Log in' }).waitFor()
    assert.match((await page.getByTestId('info-app').textContent()) ?? '', /rejected/)
    assert.equal((await cookies()).has('app'), false, 'the rejected cookie is deleted')

    // A real token with one character changed is rejected too.
    await logIn('Mallory', false)
    const token = (await cookies()).get('app')!.value
    const i = Math.floor(token.length / 2)
    const tampered = token.slice(0, i) + (token[i] === 'A' ? 'B' : 'A') + token.slice(i + 1)
    await context.addCookies([{ name: 'app', value: tampered, url: base }])
    await page.reload()
    await page.getByRole('heading', { name: 'Log in' }).waitFor()
    assert.match((await page.getByTestId('info-app').textContent()) ?? '', /rejected/)
  })
})

describe('example app over plain HTTP', () => {
  let server: Server | undefined
  let base = ''

  before(async () => {
    server = createApp({
      keys: createKeyRing([{ id: 'test', secret: generateKey() }]),
      secure: false,
    })
    base = await listen(server)
  })

  after(async () => {
    if (server !== undefined) await close(server)
  })

  const form = { 'content-type': 'application/x-www-form-urlencoded' }

  it('answers 404 for an unknown path and 405 with Allow for a wrong method', async () => {
    const missing = await fetch(`${base}/nope`)
    assert.equal(missing.status, 404)
    assert.equal((await fetch(`${base}/constructor`)).status, 404)
    const wrong = await fetch(`${base}/logout`)
    assert.equal(wrong.status, 405)
    assert.equal(wrong.headers.get('allow'), 'POST')
    const put = await fetch(`${base}/`, { method: 'PUT' })
    assert.equal(put.status, 405)
    assert.equal(put.headers.get('allow'), 'GET, HEAD')
  })

  it('refuses a body over 4 KB with 413 and a non-form body with 415', async () => {
    const large = await fetch(`${base}/login`, {
      method: 'POST',
      headers: form,
      body: `username=${'a'.repeat(5000)}`,
    })
    assert.equal(large.status, 413)
    assert.equal(large.headers.get('set-cookie'), null)
    const json = await fetch(`${base}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"username":"a"}',
    })
    assert.equal(json.status, 415)
  })

  it('rejects an invalid login with 400 and sets no cookie', async () => {
    const response = await fetch(`${base}/login`, {
      method: 'POST',
      headers: form,
      body: new URLSearchParams({ username: 'x'.repeat(33), password: 'p' }).toString(),
    })
    assert.equal(response.status, 400)
    assert.equal(response.headers.get('set-cookie'), null)
    assert.equal(response.headers.get('cache-control'), 'no-store')
  })

  it('ends a login after 30 idle minutes unless it was remembered', async () => {
    let time = Date.now()
    const timed = createApp({
      keys: createKeyRing([{ id: 'test', secret: generateKey() }]),
      secure: false,
      now: () => time,
    })
    const url = await listen(timed)
    try {
      const logIn = async (remember: boolean): Promise<string> => {
        const body = `username=ada&password=p${remember ? '&remember=on' : ''}`
        const response = await fetch(`${url}/login`, {
          method: 'POST',
          headers: form,
          body,
          redirect: 'manual',
        })
        return (response.headers.get('set-cookie') ?? '').split(';')[0] ?? ''
      }
      const page = async (cookie: string): Promise<string> =>
        (await fetch(`${url}/`, { headers: { cookie } })).text()

      const plain = await logIn(false)
      const remembered = await logIn(true)
      time += 29 * 60_000
      assert.match(await page(plain), />Hello ada</)
      time += 2 * 60_000
      const expired = await page(plain)
      assert.match(expired, />Log in</)
      assert.match(expired, /rejected \(expired\)/)
      assert.match(await page(remembered), />Hello ada</)
    } finally {
      await close(timed)
    }
  })

  it('redirects a login with 303, a sealed cookie and Cache-Control: no-store', async () => {
    const response = await fetch(`${base}/login`, {
      method: 'POST',
      headers: form,
      body: 'username=ada&password=p',
      redirect: 'manual',
    })
    assert.equal(response.status, 303)
    assert.equal(response.headers.get('location'), '/')
    assert.equal(response.headers.get('cache-control'), 'no-store')
    const cookie = response.headers.get('set-cookie') ?? ''
    assert.match(cookie, /^app=/)
    assert.doesNotMatch(cookie, /ada/i, 'the sealed cookie does not reveal the name')
    assert.match(cookie, /HttpOnly/)
    assert.doesNotMatch(cookie, /Max-Age|Expires/, 'no remember-me: a browser-session cookie')
  })
})
