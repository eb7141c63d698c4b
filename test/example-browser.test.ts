// End-to-end: the example app (example/app.ts) in a real Chromium, with its login sessions in a
// filesystem store under a temporary directory. Needs /usr/bin/chromium; fails, rather than
// skips, without it.

import { after, afterEach, before, beforeEach, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import type { Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, BrowserContext, Cookie, Page } from 'playwright-core'
import { createApp } from '../example/app.ts'
import { createKeyRing, generateKey, isValidSessionId, sessionStorageKey } from '../src/index.ts'
import { createFilesystemDriver, type FilesystemDriver } from '../src/filesystem.ts'
import { close, launchChromium, listen } from './support/browser.ts'

const DAY = 86_400
// Short enough that a broken page fails fast instead of hanging the suite.
const TIMEOUT = 5_000

// Name with markup in it: the page must show it as text.
const NAME = 'Ada <i>L</i>'

// Another "device" for the same user.
const FIREFOX_ON_WINDOWS =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0'

// One temporary directory for the whole file; each app gets its own store directory in it.
let root: string | undefined
const drivers: FilesystemDriver[] = []

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'sessionkit-example-'))
})

after(async () => {
  await Promise.all(drivers.map((driver) => driver.close()))
  if (root !== undefined) await rm(root, { recursive: true, force: true })
})

/** A filesystem driver in a fresh directory under the temporary root, opened as server.ts does. */
async function newDriver(name: string): Promise<FilesystemDriver> {
  assert.ok(root, 'no temporary directory')
  const driver = createFilesystemDriver({ directory: join(root, name), sweepInterval: 0 })
  drivers.push(driver)
  await driver.prune() // creates the directory
  return driver
}

/** The session record files (the driver keeps them under `<directory>/sessions/*.json`). */
async function recordFiles(driver: FilesystemDriver): Promise<string[]> {
  const names = await readdir(join(driver.directory, 'sessions'))
  return names
    .filter((name) => name.endsWith('.json'))
    .map((name) => join(driver.directory, 'sessions', name))
}

/** The parsed record files, for checking what the server keeps. */
async function records(driver: FilesystemDriver): Promise<{ id: string; values: unknown }[]> {
  const files = await recordFiles(driver)
  return Promise.all(
    files.map(
      async (file) => JSON.parse(await readFile(file, 'utf8')) as { id: string; values: unknown },
    ),
  )
}

/**
 * The session id inside an `app` cookie: a signed token is base64url of
 * `format(1) | kidLength(1) | kid | issuedAt(6) | expiresAt(6) | payload | mac(32)`
 * (docs/format.md), and the payload of a server-side session cookie is its id, nothing else.
 */
function sessionIdOf(cookieValue: string): string {
  const bytes = Buffer.from(cookieValue, 'base64url')
  assert.equal(bytes[0], 0x02, 'a signed token')
  const kidLength = bytes[1] ?? 0
  const payload = bytes.subarray(2 + kidLength + 12, bytes.length - 32).toString('utf8')
  assert.ok(isValidSessionId(payload), 'the cookie carries a session id and nothing else')
  return payload
}

describe('example app in Chromium', () => {
  let server: Server | undefined
  let browser: Browser | undefined
  let driver: FilesystemDriver
  let base = ''
  let context: BrowserContext
  let page: Page
  // Extra contexts a test opens (other devices); closed after each test.
  let extra: BrowserContext[] = []

  before(async () => {
    driver = await newDriver('browser')
    server = createApp({
      keys: createKeyRing([{ id: 'test', secret: generateKey() }]),
      secure: false,
      driver,
    })
    base = await listen(server)
    browser = await launchChromium()
  })

  after(async () => {
    await browser?.close()
    if (server !== undefined) await close(server)
  })

  beforeEach(async () => {
    ;({ context, page } = await open())
  })

  afterEach(async () => {
    await Promise.all([context, ...extra].map((c) => c.close()))
    extra = []
  })

  async function open(userAgent?: string): Promise<{ context: BrowserContext; page: Page }> {
    assert.ok(browser, 'Chromium did not start')
    const opened = await browser.newContext(userAgent === undefined ? {} : { userAgent })
    const newPage = await opened.newPage()
    newPage.setDefaultTimeout(TIMEOUT)
    return { context: opened, page: newPage }
  }

  /** Another browser (its own cookie jar): a second device. */
  async function device(userAgent?: string): Promise<Page> {
    const opened = await open(userAgent)
    extra.push(opened.context)
    await opened.page.goto(`${base}/`)
    return opened.page
  }

  async function cookies(of: BrowserContext = context): Promise<Map<string, Cookie>> {
    return new Map((await of.cookies(base)).map((cookie) => [cookie.name, cookie]))
  }

  async function appCookie(of: BrowserContext = context): Promise<Cookie> {
    const cookie = (await cookies(of)).get('app')
    assert.ok(cookie, 'an app cookie')
    return cookie
  }

  async function logIn(name: string, remember: boolean, on: Page = page): Promise<void> {
    await on.getByLabel('Username').fill(name)
    await on.getByLabel('Password').fill('any password')
    await on.getByLabel('Remember me').setChecked(remember)
    await on.getByRole('button', { name: 'Log in' }).click()
    await on.getByRole('heading', { name: `Hello ${name}` }).waitFor()
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
    const filesBefore = (await recordFiles(driver)).length

    await logIn(NAME, true)
    assert.equal(await page.getByRole('status').textContent(), `Welcome, ${NAME}!`)
    assert.equal(await page.locator('h2 i').count(), 0, 'the name is escaped, not markup')

    // The cookie is a signed id; the data is in the session's file on the server.
    const loggedIn = await appCookie()
    assert.equal(loggedIn.httpOnly, true)
    const id = sessionIdOf(loggedIn.value)
    assert.doesNotMatch(Buffer.from(loggedIn.value, 'base64url').toString('latin1'), /Ada/)
    assert.equal((await recordFiles(driver)).length, filesBefore + 1, 'the login made one file')
    // The server keeps the id's storage key, never the id itself.
    const key = await sessionStorageKey(id)
    const record = (await records(driver)).find((r) => r.id === key)
    assert.ok(record, 'the cookie id names a session on the server')
    assert.ok(
      !(await recordFiles(driver)).some((f) => f.includes(id)),
      'no session id in a file name',
    )
    assert.equal((record.values as { name?: unknown }).name, NAME)

    // The flash is shown once; the login survives the reload.
    await page.reload()
    await page.getByRole('heading', { name: `Hello ${NAME}` }).waitFor()
    assert.equal(await page.getByRole('status').count(), 0, 'flash shown only once')
    const info = (await page.getByTestId('info-app').textContent()) ?? ''
    assert.match(info, /server-side \(store: filesystem\)/)
    assert.match(info, /remember me\s+on/)

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
    assert.equal(app.value, loggedIn.value, 'counting and theming keep the same session cookie')
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

    // Logging out deletes the server record and the app cookie only: the theme stays. The
    // confirmation came in the visitor's sealed cookie, which reading it emptied and deleted.
    await page.getByRole('button', { name: 'Log out' }).click()
    await page.getByRole('heading', { name: 'Log in' }).waitFor()
    assert.equal(await page.getByRole('status').textContent(), 'You have been logged out.')
    assert.equal(await page.locator('html').getAttribute('data-theme'), 'dark')
    assert.deepEqual([...(await cookies()).keys()], ['prefs'])
    await page.reload()
    await page.getByRole('heading', { name: 'Log in' }).waitFor()
    assert.equal(await page.getByRole('status').count(), 0, 'the confirmation is shown once')
    assert.equal((await recordFiles(driver)).length, filesBefore, 'logout removed the file')
    assert.equal(
      (await records(driver)).find((r) => r.id === key),
      undefined,
    )

    // Without remember-me the cookie ends with the browser session; the counter starts over.
    await logIn('Grace', false)
    await counterShows(0)
    const session = (await cookies()).get('app')
    assert.equal(session?.expires, -1, 'a browser-session cookie has no expiry')
    assert.notEqual(sessionIdOf(session.value), id, 'a new login, a new session id')
    assert.match((await page.getByTestId('info-app').textContent()) ?? '', /remember me\s+off/)
  })

  it('sends a failed login back to the form with the error once, without a re-post on reload', async () => {
    await page.goto(`${base}/`)
    const files = (await recordFiles(driver)).length
    // Spaces pass the form's `required` check; the server trims them and refuses the name.
    await page.getByLabel('Username').fill('   ')
    await page.getByLabel('Password').fill('any password')
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url() === `${base}/login`),
      page.getByRole('button', { name: 'Log in' }).click(),
    ])
    assert.equal(response.status(), 303, 'the POST answers with a redirect, not a page')
    const alert = page.getByRole('alert')
    await alert.waitFor()
    assert.match((await alert.textContent()) ?? '', /Enter a username of 1 to 32 characters/)
    assert.equal(new URL(page.url()).pathname, '/')
    assert.equal((await recordFiles(driver)).length, files, 'a failed login stores nothing')
    assert.equal((await cookies()).has('app'), false)

    // The page on screen came from a GET: reloading it posts nothing and the message is gone.
    const requests: string[] = []
    page.on('request', (request) => requests.push(`${request.method()} ${request.url()}`))
    await page.reload()
    await page.getByRole('heading', { name: 'Log in' }).waitFor()
    assert.deepEqual(requests, [`GET ${base}/`])
    assert.equal(await page.getByRole('alert').count(), 0)
    assert.equal((await cookies()).has('guest'), false, 'the emptied guest cookie was deleted')
  })

  it('keeps notes in a sealed cookie session and nothing on the server', async () => {
    const response = await page.goto(`${base}/notes`)
    assert.equal(response?.status(), 200)
    await page.getByRole('heading', { name: 'Notes in a cookie session' }).waitFor()
    await page.getByTestId('no-notes').waitFor()
    assert.match((await page.getByTestId('cookie-size').textContent()) ?? '', /No guest cookie yet/)
    const files = (await recordFiles(driver)).length

    const addNote = async (text: string): Promise<void> => {
      await page.getByLabel('Note').fill(text)
      await page.getByRole('button', { name: 'Add note' }).click()
      await page.getByRole('listitem').filter({ hasText: text }).waitFor()
    }
    await addNote('<b>milk</b>')
    assert.equal(await page.locator('ol.notes b').count(), 0, 'a note is text, not markup')

    // The whole session is in the cookie, sealed: format byte 0x01, and the note is not readable.
    const guest = (await cookies()).get('guest')
    assert.ok(guest, 'a guest cookie')
    assert.equal(guest.httpOnly, true)
    assert.equal(guest.expires, -1, 'the default: a browser-session cookie')
    const bytes = Buffer.from(guest.value, 'base64url')
    assert.equal(bytes[0], 0x01, 'a sealed token')
    assert.doesNotMatch(bytes.toString('latin1'), /milk/)
    assert.equal((await recordFiles(driver)).length, files, 'nothing stored on the server')
    const size = (await page.getByTestId('cookie-size').textContent()) ?? ''
    assert.match(
      size,
      new RegExp(`guest cookie: ${'guest='.length + guest.value.length} bytes of the 4096`),
    )

    for (const note of ['eggs', 'flour', 'sugar', 'butter', 'salt']) await addNote(note)
    const items = await page.locator('ol.notes li').allTextContents()
    assert.deepEqual(items, ['eggs', 'flour', 'sugar', 'butter', 'salt'], 'the newest five')
    await page.getByRole('link', { name: 'Home' }).click()
    assert.match(
      (await page.getByTestId('info-guest').textContent()) ?? '',
      /sealed cookie.*5 notes/s,
    )

    // Clearing replaces the cookie, but a copy of the old one still opens: a cookie session
    // cannot be ended from the server, unlike the login session.
    const copy = (await cookies()).get('guest')!.value
    await page.getByRole('link', { name: 'Notes' }).click()
    await page.getByRole('button', { name: 'Clear notes' }).click()
    await page.getByRole('status').filter({ hasText: 'Notes cleared.' }).waitFor()
    await page.getByTestId('no-notes').waitFor()
    assert.equal((await cookies()).has('guest'), false, 'empty again: the cookie is deleted')
    const other = await device()
    await other.context().addCookies([{ name: 'guest', value: copy, url: base }])
    await other.goto(`${base}/notes`)
    assert.equal(await other.locator('ol.notes li').count(), 5)
  })

  it('shows 404 and 405 pages with a way back, and styled links', async () => {
    const missing = await page.goto(`${base}/nope`)
    assert.equal(missing?.status(), 404)
    await page.getByRole('heading', { name: '404 Not Found' }).waitFor()
    assert.equal(await page.getByTestId('error-detail').textContent(), 'There is no page at /nope.')
    const back = page.getByRole('link', { name: 'Back to the home page' })
    // Links use the theme's accent colour, not the browser's default blue.
    const color = await back.evaluate((a) => getComputedStyle(a).color)
    assert.equal(color, 'rgb(36, 88, 214)')
    await back.click()
    await page.getByRole('heading', { name: 'Log in' }).waitFor()
    const home = page.getByRole('navigation').getByRole('link', { name: 'Home' })
    assert.equal(await home.getAttribute('aria-current'), 'page')

    const wrong = await page.goto(`${base}/logout`)
    assert.equal(wrong?.status(), 405)
    await page.getByRole('heading', { name: '405 Method Not Allowed' }).waitFor()
    assert.equal(
      await page.getByTestId('error-detail').textContent(),
      '/logout answers POST requests only.',
    )
  })

  it('gives a logged-in session a new id when someone logs in over it', async () => {
    await page.goto(`${base}/`)
    await logIn('Eve', false)
    const before = await appCookie()
    const beforeId = sessionIdOf(before.value)
    const files = (await recordFiles(driver)).length

    // The login form is not shown while logged in; post it as the browser would.
    const response = await page.request.post(`${base}/login`, {
      form: { username: 'Frank', password: 'p' },
      maxRedirects: 0,
    })
    assert.equal(response.status(), 303)
    const after = await appCookie()
    assert.notEqual(after.value, before.value, 'the cookie changed at login')
    assert.notEqual(sessionIdOf(after.value), beforeId, 'regenerate: a new session id')
    assert.equal((await recordFiles(driver)).length, files, 'the old record was replaced')
    const beforeKey = await sessionStorageKey(beforeId)
    assert.equal(
      (await records(driver)).find((r) => r.id === beforeKey),
      undefined,
    )
    await page.reload()
    await page.getByRole('heading', { name: 'Hello Frank' }).waitFor()

    // The pre-login cookie opens nothing any more.
    const other = await device()
    await other.context().addCookies([{ name: 'app', value: before.value, url: base }])
    await other.reload()
    await other.getByRole('heading', { name: 'Log in' }).waitFor()
    assert.match(
      (await other.getByTestId('info-app').textContent()) ?? '',
      /rejected \(unknown-session\)/,
    )
  })

  it('lists the sessions of a user and logs out the others', async () => {
    await page.goto(`${base}/`)
    const files = (await recordFiles(driver)).length
    await logIn('Ada', false)
    const firefox = await device(FIREFOX_ON_WINDOWS)
    await logIn('Ada', true, firefox)
    // Someone else, who must stay logged in.
    const bob = await device()
    await logIn('Bob', false, bob)
    assert.equal((await recordFiles(driver)).length, files + 3)

    await page.getByRole('link', { name: 'Your active sessions' }).click()
    await page.getByRole('heading', { name: 'Active sessions of Ada' }).waitFor()
    const items = page.getByRole('listitem')
    assert.equal(await items.count(), 2, 'both of Ada’s sessions, not Bob’s')
    const current = items.filter({ hasText: 'this browser' })
    assert.equal(await current.count(), 1)
    assert.match((await current.textContent()) ?? '', /Chrome on Linux/)
    const otherItem = items.filter({ hasNotText: 'this browser' })
    assert.match((await otherItem.textContent()) ?? '', /Firefox on Windows/)
    assert.equal(await page.locator('time').count(), 6, 'created, last seen, expires for each')

    // The page never shows a session id.
    const content = await page.content()
    for (const ctx of [context, firefox.context(), bob.context()]) {
      assert.equal(content.includes(sessionIdOf((await appCookie(ctx)).value)), false)
    }

    await page.getByRole('button', { name: 'Log out other sessions' }).click()
    await page.getByRole('status').filter({ hasText: 'Logged out 1 other session.' }).waitFor()
    assert.equal(await page.getByRole('listitem').count(), 1)
    assert.equal(await page.getByRole('button', { name: 'Log out other sessions' }).count(), 0)
    assert.equal((await recordFiles(driver)).length, files + 2, 'one file removed')

    // The other device is logged out at its next request; this one and Bob are not.
    await firefox.reload()
    await firefox.getByRole('heading', { name: 'Log in' }).waitFor()
    assert.match((await firefox.getByTestId('info-app').textContent()) ?? '', /unknown-session/)
    await page.goto(`${base}/`)
    await page.getByRole('heading', { name: 'Hello Ada' }).waitFor()
    await bob.reload()
    await bob.getByRole('heading', { name: 'Hello Bob' }).waitFor()
  })

  it('sends a logged-out visitor from /sessions to the home page', async () => {
    const response = await page.goto(`${base}/sessions`)
    assert.equal(response?.status(), 200)
    assert.equal(new URL(page.url()).pathname, '/')
    await page.getByRole('heading', { name: 'Log in' }).waitFor()
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
    const token = (await appCookie()).value
    const i = Math.floor(token.length / 2)
    const tampered = token.slice(0, i) + (token[i] === 'A' ? 'B' : 'A') + token.slice(i + 1)
    await context.addCookies([{ name: 'app', value: tampered, url: base }])
    await page.reload()
    await page.getByRole('heading', { name: 'Log in' }).waitFor()
    assert.match((await page.getByTestId('info-app').textContent()) ?? '', /rejected \(tampered\)/)
  })
})

describe('example app over plain HTTP', () => {
  let server: Server | undefined
  let base = ''

  before(async () => {
    server = createApp({
      keys: createKeyRing([{ id: 'test', secret: generateKey() }]),
      secure: false,
      driver: await newDriver('http'),
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
    const others = await fetch(`${base}/sessions/logout-others`)
    assert.equal(others.status, 405)
    assert.equal(others.headers.get('allow'), 'POST')
    const notes = await fetch(`${base}/notes`, { method: 'DELETE' })
    assert.equal(notes.status, 405)
    assert.equal(notes.headers.get('allow'), 'GET, HEAD, POST')
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

  it('redirects an invalid login to the form, the error and name in a sealed flash cookie', async () => {
    const response = await fetch(`${base}/login`, {
      method: 'POST',
      headers: form,
      body: new URLSearchParams({ username: 'x'.repeat(33), password: 'p' }).toString(),
      redirect: 'manual',
    })
    assert.equal(response.status, 303)
    assert.equal(response.headers.get('location'), '/')
    assert.equal(response.headers.get('cache-control'), 'no-store')
    const setCookies = response.headers.getSetCookie()
    assert.equal(setCookies.length, 1, 'no app cookie: a failed login starts no session')
    const [guest = ''] = setCookies
    assert.match(guest, /^guest=/)
    const value = guest.slice('guest='.length).split(';')[0] ?? ''
    assert.doesNotMatch(Buffer.from(value, 'base64url').toString('latin1'), /xxxx/, 'sealed')

    // The form shows the message and the name (cut to the 32 allowed) once.
    const page = await fetch(`${base}/`, { headers: { cookie: `guest=${value}` } })
    const body = await page.text()
    assert.match(body, /role="alert">Enter a username of 1 to 32 characters and a password\./)
    assert.match(body, new RegExp(`value="${'x'.repeat(32)}"`))
    assert.match(page.headers.get('set-cookie') ?? '', /^guest=; .*Max-Age=0/, 'read, then deleted')
  })

  it('redirects a logged-out POST to /sessions/logout-others without touching anything', async () => {
    const response = await fetch(`${base}/sessions/logout-others`, {
      method: 'POST',
      headers: form,
      body: '',
      redirect: 'manual',
    })
    assert.equal(response.status, 303)
    assert.equal(response.headers.get('location'), '/')
    assert.equal(response.headers.get('set-cookie'), null)
  })

  it('ends a login after 30 idle minutes unless it was remembered', async () => {
    let time = Date.now()
    const timed = createApp({
      keys: createKeyRing([{ id: 'test', secret: generateKey() }]),
      secure: false,
      driver: await newDriver('timed'),
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
      // Each request restarts the idle window (on the server: the cookie is not resent).
      time += 29 * 60_000
      assert.match(await page(plain), />Hello ada</)
      time += 31 * 60_000
      // The cookie is still authentic, but the server forgot the session.
      const expired = await page(plain)
      assert.match(expired, />Log in</)
      assert.match(expired, /rejected \(unknown-session\)/)
      assert.match(await page(remembered), />Hello ada</)
    } finally {
      await close(timed)
    }
  })

  it('redirects a login with 303, a signed-id cookie and Cache-Control: no-store', async () => {
    const response = await fetch(`${base}/login`, {
      method: 'POST',
      headers: form,
      body: 'username=ada_lovelace_1815&password=p',
      redirect: 'manual',
    })
    assert.equal(response.status, 303)
    assert.equal(response.headers.get('location'), '/')
    assert.equal(response.headers.get('cache-control'), 'no-store')
    const cookie = response.headers.get('set-cookie') ?? ''
    assert.match(cookie, /^app=/)
    const value = cookie.slice('app='.length).split(';')[0] ?? ''
    sessionIdOf(value)
    assert.doesNotMatch(
      Buffer.from(value, 'base64url').toString('latin1'),
      /lovelace/,
      'the cookie does not reveal the name',
    )
    assert.match(cookie, /HttpOnly/)
    assert.doesNotMatch(cookie, /Max-Age|Expires/, 'no remember-me: a browser-session cookie')
  })
})
