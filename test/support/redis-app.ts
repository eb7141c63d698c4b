// One application instance for the two-process test: node:http, the node adapter and a
// server store on the Redis driver, on a loopback port the OS picks (sent to the parent).
// Environment: REDIS_URL, SESSION_KEY, PREFIX.
import http from 'node:http'

import { createClient } from 'redis'

import { createKeyRing, createServerStore } from '../../src/index.ts'
import { getSessions } from '../../src/node.ts'
import { createRedisDriver } from '../../src/redis.ts'

const client = await createClient({ url: process.env['REDIS_URL'] ?? '' }).connect()
const keys = createKeyRing([{ id: 'k1', secret: process.env['SESSION_KEY'] ?? '' }])
const store = createServerStore<{ user: string; visits: number }>({
  name: 'sid',
  driver: createRedisDriver({ client, prefix: process.env['PREFIX'] ?? '' }),
  keys,
  cookie: { secure: false },
})

const server = http.createServer((req, res) => {
  void (async () => {
    const session = await getSessions(req, res).get(store)
    const url = new URL(req.url ?? '/', 'http://app')
    if (req.method === 'POST' && url.pathname === '/login') {
      const user = url.searchParams.get('user') ?? ''
      session.regenerate({ newLifetime: true })
      session.set('user', user)
      session.setUser(user, { device: String(process.pid) })
      res.end('logged in')
    } else if (req.method === 'POST' && url.pathname === '/logout-everywhere') {
      const user = session.userKey
      const ended = user === undefined ? 0 : (await store.destroyByUser(user)).length
      res.end(JSON.stringify({ ended }))
    } else {
      const visits = session.increment('visits')
      res.end(JSON.stringify({ user: session.get('user') ?? null, visits, pid: process.pid }))
    }
  })().catch((error: unknown) => {
    res.statusCode = 500
    res.end(String(error))
  })
})

server.listen(0, '127.0.0.1', () => {
  const address = server.address()
  process.send?.({ port: typeof address === 'object' && address !== null ? address.port : 0 })
})

process.on('disconnect', () => {
  server.close()
  server.closeAllConnections()
  client.destroy()
})
