// The shared adapter scenarios on the node:http adapter (withSessions), over real HTTP.
import http from 'node:http'

import { withSessions } from '../src/node.ts'
import { runScenarios, type AdapterHarness } from './support/adapter-scenarios.ts'
import { listenLocal, routeOf, sendNodeReply } from './support/scenario-node.ts'

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
