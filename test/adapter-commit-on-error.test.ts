// The throw-after-change rule where the shared scenarios do not reach: the Fetch adapter's
// withSessions (no framework error response of its own) and cookies a handler wrote to the
// headers itself (an explicit save) before it threw.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'

import { withSessions as withFetchSessions } from '../src/fetch.ts'
import { withSessions } from '../src/node.ts'
import {
  cookiePair,
  forEachCrypto,
  makeStore,
  setCookiesNamed,
  useServers,
} from './support/adapter-harness.ts'

forEachCrypto((crypto) => {
  describe('Fetch withSessions, a handler that throws after a change', () => {
    it('lets the error through and saves nothing by default', async () => {
      const store = makeStore(crypto)
      const errors: unknown[] = []
      const handler = withFetchSessions(
        async (_request, sessions) => {
          ;(await sessions.get(store)).set('n', 1)
          throw new Error('handler failed')
        },
        { onError: (error) => errors.push(error) },
      )
      await assert.rejects(handler(new Request('http://x/')), /handler failed/)
      await new Promise((resolve) => setTimeout(resolve, 5))
      assert.deepEqual(errors, [], 'a discarded change is not reported as late')
    })

    it('with commitOnError answers a 500 carrying the saved session, the error to onError', async () => {
      const store = makeStore(crypto)
      const errors: unknown[] = []
      const handler = withFetchSessions(
        async (_request, sessions) => {
          ;(await sessions.get(store)).set('n', 7)
          throw new Error('handler failed')
        },
        { commitOnError: true, onError: (error) => errors.push(error) },
      )
      const response = await handler(new Request('http://x/'))
      assert.equal(response.status, 500)
      assert.equal(response.headers.get('cache-control'), 'no-store')
      const pair = cookiePair(setCookiesNamed(response.headers.getSetCookie(), 'app')[0] ?? '')
      const session = await store.get(pair)
      assert.equal(session.get('n'), 7)
      assert.equal(errors.length, 1)
      assert.match(String(errors[0]), /handler failed/)
    })
  })

  describe('node withSessions, cookies saved explicitly before the throw', () => {
    const serve = useServers()
    it('are taken back from the 500 (default) and kept with commitOnError', async () => {
      const store = makeStore(crypto)
      for (const commitOnError of [false, true]) {
        const { url } = await serve(
          withSessions(
            async (_req, res, sessions) => {
              ;(await sessions.get(store)).set('n', 1)
              await sessions.save() // writes the cookie into res's headers
              res.setHeader('X-Saved', 'yes')
              throw new Error('handler failed')
            },
            { commitOnError, onError: () => undefined },
          ),
        )
        const response = await fetch(url)
        assert.equal(response.status, 500)
        const ours = setCookiesNamed(response.headers.getSetCookie(), 'app')
        assert.equal(ours.length, commitOnError ? 1 : 0, `commitOnError: ${commitOnError}`)
      }
    })
  })
})
