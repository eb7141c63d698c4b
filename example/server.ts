// Starts the example: `npm start`, then open the printed URL.
//
//   PORT, HOST      where to listen (default 127.0.0.1:3000)
//   SESSION_KEYS    comma-separated id:secret pairs, primary first; secrets from generateKey().
//                   Unset: a random development key. Set but empty or malformed: no start.
//   COOKIE_SECURE=1 mark cookies Secure (set it whenever the app is served over HTTPS)
//   SESSION_DIR     where the login sessions are kept (default .sessionkit-dev/sessions in the
//                   current directory, which .gitignore leaves out)

import { resolve } from 'node:path'
import { createKeyRing, generateKey, type KeyRing } from '../src/index.ts'
import { createFilesystemDriver } from '../src/filesystem.ts'
import { createApp } from './app.ts'
import { exampleValue, parseSessionKeys, VARIABLE } from './keys.ts'

const env = process.env
const host = env['HOST'] ?? '127.0.0.1'
const port = Number(env['PORT'] ?? 3000)
if (!Number.isInteger(port) || port < 0 || port > 65_535)
  fail('PORT must be a port number, 0-65535')

// This server speaks plain HTTP on 127.0.0.1 for development, and browsers keep Secure
// cookies away from plain http:// sites, so Secure is opt-in here. Behind HTTPS (production)
// set COOKIE_SECURE=1.
const secure = env['COOKIE_SECURE'] === '1'

const keys = loadKeys(env[VARIABLE])

// The login sessions live on the server, in the filesystem store: one 0600 JSON file per
// session in a 0700 directory. Chosen over SQLite for the example because it needs nothing
// installed or built (SQLite means better-sqlite3, a native module compiled from source, or
// node:sqlite, which only Node >= 22.13 has), works the same on Node 20 and 24, and, like
// SQLite, keeps sessions across restarts.
const directory = resolve(env['SESSION_DIR'] || '.sessionkit-dev/sessions')
const driver = createFilesystemDriver({ directory })
// Opens (creates) the directory now, so a bad SESSION_DIR fails at start rather than at the
// first login, and drops sessions that expired while the server was down.
try {
  await driver.prune()
} catch (error) {
  fail(`SESSION_DIR ${directory}: ${error instanceof Error ? error.message : String(error)}`)
}

const server = createApp({ keys, secure, driver })

server.on('error', (error) => {
  fail(`cannot listen on ${host}:${port}: ${error.message}`)
})
server.listen(port, host, () => {
  const address = server.address()
  const actualPort = typeof address === 'object' && address !== null ? address.port : port
  const shown = host.includes(':') ? `[${host}]` : host
  console.log(`sessionkit example listening on http://${shown}:${actualPort}/`)
  console.log(
    `Login sessions: filesystem store in ${driver.directory} (no native module to build, Node 20 and 24 alike, survives restarts; SESSION_DIR moves it).`,
  )
  if (!secure) {
    console.log(
      'Cookies are sent without the Secure flag (plain HTTP, development only); behind HTTPS set COOKIE_SECURE=1.',
    )
  }
})

// Ctrl-C or a service manager: stop taking requests, let those in flight finish (2 s at most),
// then close the store so no write is cut short. A second signal exits at once.
let stopping = false
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) process.exit(130)
    stopping = true
    console.log(`${signal}: shutting down`)
    const force = setTimeout(() => {
      server.closeAllConnections()
    }, 2000)
    force.unref()
    server.close(() => {
      clearTimeout(force)
      driver.close().then(
        () => process.exit(0),
        (error: unknown) => {
          console.error('closing the session store failed:', error)
          process.exit(1)
        },
      )
    })
    server.closeIdleConnections()
  })
}

function loadKeys(value: string | undefined): KeyRing {
  if (value === undefined) {
    console.log(
      [
        `${VARIABLE} is not set: using a random development key generated at start.`,
        'Session files stay on disk, but cookies signed with this key will not open after a',
        'restart, so everyone is logged out. To keep the logins, set for example:',
        `  ${exampleValue()}`,
      ].join('\n'),
    )
    return createKeyRing([{ id: 'dev', secret: generateKey() }])
  }
  try {
    return parseSessionKeys(value)
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error))
  }
}

function fail(message: string): never {
  console.error(message)
  process.exit(1)
}
