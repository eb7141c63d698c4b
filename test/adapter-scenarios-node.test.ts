// The shared adapter scenarios on the node:http adapter (withSessions), over real HTTP.
import http from 'node:http'

import { withSessions } from '../src/node.ts'
import { closeServer } from './support/adapter-harness.ts'
import { runScenarios, type AdapterHarness, type StartedApp } from './support/adapter-scenarios.ts'
import { routeOf, sendNodeReply } from './support/scenario-node.ts'

/** Listens on 127.0.0.1 port 0. */
export async function listenLocal(server: http.Server): Promise<StartedApp> {
  await new Promise<void>((resolve) => {
    server.listen(0, '127.0.0.1', resolve)
  })
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no TCP address')
  return { url: `http://127.0.0.1:${address.port}`, close: () => closeServer(server) }
}

const nodeHarness: AdapterHarness = {
  name: 'node:http (withSessions)',
  start(app) {
    const handler = withSessions(
      async (req, res, sessions) => {
        const route = routeOf(app, req.url)
        if (route === undefined) {
          res.statusCode = 404
          res.end()
          return
        }
        const session = await sessions.get(app.store)
        await sendNodeReply(res, await route({ session, sessions, method: req.method ?? 'GET' }))
      },
      { commitOnError: app.commitOnError, onError: app.onError },
    )
    return listenLocal(http.createServer(handler))
  },
}

runScenarios(nodeHarness)
