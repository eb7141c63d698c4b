// Starts the example: `npm start`, then open the printed URL.
//
//   PORT, HOST      where to listen (default 127.0.0.1:3000)
//   SESSION_KEYS    comma-separated id:secret pairs, primary first; secrets from generateKey()
//   COOKIE_SECURE=1 mark cookies Secure (set it whenever the app is served over HTTPS)

import { createKeyRing, generateKey, type KeyRing, type KeyRingEntry } from '../src/index.ts'
import { createApp } from './app.ts'

const env = process.env
const host = env['HOST'] ?? '127.0.0.1'
const port = Number(env['PORT'] ?? 3000)
if (!Number.isInteger(port) || port < 0 || port > 65_535)
  fail('PORT must be a port number, 0-65535')

// This server speaks plain HTTP on 127.0.0.1 for development, and browsers keep Secure
// cookies away from plain http:// sites, so Secure is opt-in here. Behind HTTPS (production)
// set COOKIE_SECURE=1.
const secure = env['COOKIE_SECURE'] === '1'

const keys = loadKeys(env['SESSION_KEYS'])
const server = createApp({ keys, secure })

server.on('error', (error) => {
  fail(`cannot listen on ${host}:${port}: ${error.message}`)
})
server.listen(port, host, () => {
  const address = server.address()
  const actualPort = typeof address === 'object' && address !== null ? address.port : port
  const shown = host.includes(':') ? `[${host}]` : host
  console.log(`sessionkit example listening on http://${shown}:${actualPort}/`)
  if (!secure) {
    console.log(
      'Cookies are sent without the Secure flag (plain HTTP, development only); behind HTTPS set COOKIE_SECURE=1.',
    )
  }
})

function loadKeys(value: string | undefined): KeyRing {
  if (value === undefined || value.trim() === '') {
    const month = new Date().toISOString().slice(0, 7)
    console.log(
      [
        'SESSION_KEYS is not set: using a random development key generated at start.',
        'Sessions will not survive a restart. To keep them, set for example:',
        `  SESSION_KEYS=${month}:${generateKey()}`,
      ].join('\n'),
    )
    return createKeyRing([{ id: 'dev', secret: generateKey() }])
  }
  const entries: KeyRingEntry[] = value.split(',').map((pair) => {
    const colon = pair.indexOf(':')
    if (colon < 1) fail('SESSION_KEYS must be comma-separated id:secret pairs')
    return { id: pair.slice(0, colon).trim(), secret: pair.slice(colon + 1).trim() }
  })
  const [primary, ...older] = entries
  if (primary === undefined) fail('SESSION_KEYS is empty')
  try {
    return createKeyRing([primary, ...older])
  } catch (error) {
    fail(`SESSION_KEYS: ${error instanceof Error ? error.message : String(error)}`)
  }
}

function fail(message: string): never {
  console.error(message)
  process.exit(1)
}
