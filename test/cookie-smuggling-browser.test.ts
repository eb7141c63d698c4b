// A real Chromium keeps `Set-Cookie: pref=dark,__Host-sid=<token>` (no Secure, as a plain-HTTP
// response or a sibling subdomain could send it) as one cookie named `pref` and sends it back
// whole. sessionkit must read it as that one cookie: never as a second `__Host-sid`.
import assert from 'node:assert/strict'
import http from 'node:http'
import { after, before, describe, it } from 'node:test'
import type { Browser, BrowserContext } from 'playwright-core'

import { createCookieStore, type SessionData, type SessionStore } from '../src/index.ts'
import { withSessions } from '../src/node.ts'
import { createMemoryDriver } from '../src/drivers/memory.ts'
import { createServerStore } from '../src/stores/server.ts'
import { keys } from './support/adapter-harness.ts'
import { close, launchChromium, listen } from './support/browser.ts'

interface AppData extends SessionData {
  user: string
}

const NAME = '__Host-sid'

/**
 * `/login?user=x` logs in; `/plant?v=…` and `/account/plant?v=…` answer a foreign cookie
 * carrying `v` after a comma (scoped to `/` or to `/account`); every other path shows the user.
 */
function app(store: SessionStore<AppData>): http.Server {
  return http.createServer(
    withSessions(async (req, res, sessions) => {
      const url = new URL(req.url ?? '/', 'http://app.test')
      if (url.pathname.endsWith('/plant')) {
        const path = url.pathname === '/plant' ? '/' : '/account'
        res.setHeader('Set-Cookie', `pref=dark,${url.searchParams.get('v') ?? ''}; Path=${path}`)
        res.end('planted')
        return
      }
      const session = await sessions.get(store)
      if (url.pathname === '/login') {
        session.regenerate()
        session.set('user', url.searchParams.get('user') ?? '')
      }
      res.end(session.get('user') ?? 'anonymous')
    }),
  )
}

const STORES: readonly [string, () => SessionStore<AppData>][] = [
  ['cookie store', () => createCookieStore<AppData>({ name: NAME, keys, crypto: 'node' })],
  [
    'server store',
    () =>
      createServerStore<AppData>({
        name: NAME,
        driver: createMemoryDriver({ sweepInterval: 0 }),
        keys,
      }),
  ],
]

for (const [title, makeStore] of STORES) {
  describe(`comma-smuggled cookies in Chromium: ${title}`, () => {
    let browser: Browser | undefined
    let server: http.Server | undefined
    let base = ''

    before(async () => {
      server = app(makeStore())
      base = await listen(server)
      browser = await launchChromium()
    })

    after(async () => {
      await browser?.close()
      if (server !== undefined) await close(server)
    })

    async function context(): Promise<BrowserContext> {
      assert.ok(browser, 'Chromium did not start')
      return browser.newContext()
    }

    // Through a page, so Chromium's own network stack builds the Cookie header.
    async function visit(of: BrowserContext, path: string): Promise<string> {
      const page = of.pages()[0] ?? (await of.newPage())
      const response = await page.goto(`${base}${path}`)
      assert.equal(response?.status(), 200)
      return (await page.textContent('body')) ?? ''
    }

    async function sessionCookie(of: BrowserContext): Promise<string | undefined> {
      return (await of.cookies(base)).find((cookie) => cookie.name === NAME)?.value
    }

    it("a planted pref=dark,__Host-sid=<attacker's token> never swaps the victim's session", async () => {
      const attacker = await context()
      const victim = await context()
      try {
        assert.equal(await visit(attacker, '/login?user=mallory'), 'mallory')
        const token = await sessionCookie(attacker)
        assert.ok(token !== undefined)
        // Planted before the victim logs in: Chromium sends the older `pref` cookie first.
        await visit(victim, `/plant?v=${encodeURIComponent(`${NAME}=${token}`)}`)
        assert.equal(await visit(victim, '/login?user=alice'), 'alice')
        const stored = await victim.cookies(base)
        assert.equal(
          stored.find((cookie) => cookie.name === 'pref')?.value,
          `dark,${NAME}=${token}`,
        )
        assert.equal(await visit(victim, '/'), 'alice')
        assert.equal(await visit(victim, '/login?user=alice'), 'alice')
        assert.equal(await visit(victim, '/'), 'alice')
        // A live token planted after the login on a longer path: sent first on /account pages.
        assert.equal(await visit(attacker, '/login?user=mallory'), 'mallory')
        const live = await sessionCookie(attacker)
        assert.ok(live !== undefined)
        await visit(victim, `/account/plant?v=${encodeURIComponent(`${NAME}=${live}`)}`)
        assert.equal(await visit(victim, '/account/settings'), 'alice')
      } finally {
        await Promise.all([attacker.close(), victim.close()])
      }
    })

    it('four junk values smuggled on a longer path neither log out nor delete the cookie', async () => {
      const victim = await context()
      try {
        await visit(victim, '/login?user=alice')
        const before = await sessionCookie(victim)
        assert.ok(before !== undefined)
        // Scoped to /account, so Chromium sends it before __Host-sid on those pages.
        const junk = ['a', 'b', 'c', 'd'].map((v) => `${NAME}=${v}`).join(',')
        await visit(victim, `/account/plant?v=${encodeURIComponent(junk)}`)
        assert.equal(await visit(victim, '/account/settings'), 'alice')
        assert.equal(await sessionCookie(victim), before, 'the real __Host-sid cookie is kept')
      } finally {
        await victim.close()
      }
    })
  })
}
