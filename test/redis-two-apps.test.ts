// Two application processes sharing one Redis, as two instances behind a load balancer: a
// login on one is seen on the other, and a log-out-everywhere on one ends the sessions the
// other serves at their next request. Each process is node:http with the node adapter and a
// server store on the Redis driver (test/support/redis-app.ts).
import assert from 'node:assert/strict'
import { fork, type ChildProcess } from 'node:child_process'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'

import { createClient } from 'redis'

import { generateKey } from '../src/index.ts'
import { dropPrefix, testPrefix } from './support/redis.ts'

const REDIS_URL = 'redis://127.0.0.1:6379'
const prefix = testPrefix('apps')
const apps: { child: ChildProcess; url: string }[] = []

async function startApp(
  env: Record<string, string>,
): Promise<{ child: ChildProcess; url: string }> {
  const child = fork(fileURLToPath(new URL('./support/redis-app.js', import.meta.url)), {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (message) => {
      resolve((message as { port: number }).port)
    })
    child.once('exit', (code) => {
      reject(new Error(`the app exited with ${String(code)}`))
    })
  })
  return { child, url: `http://127.0.0.1:${port}` }
}

before(async () => {
  const env = { REDIS_URL, SESSION_KEY: generateKey(), PREFIX: prefix }
  apps.push(...(await Promise.all([startApp(env), startApp(env)])))
})

after(async () => {
  await Promise.all(
    apps.map(
      ({ child }) =>
        new Promise<void>((resolve) => {
          child.once('exit', () => {
            resolve()
          })
          child.disconnect()
          setTimeout(() => child.kill('SIGKILL'), 2000).unref()
        }),
    ),
  )
  const client = await createClient({ url: REDIS_URL }).connect()
  try {
    await dropPrefix(client, prefix)
  } finally {
    client.destroy()
  }
})

/** A browser with one cookie: it sends what it was last given. */
function browser() {
  let cookie = ''
  return async (url: string, method = 'GET') => {
    const response = await fetch(url, { method, headers: cookie === '' ? {} : { cookie } })
    const set = response.headers.get('set-cookie')
    if (set !== null) cookie = set.split(';')[0] ?? ''
    return { status: response.status, body: await response.text() }
  }
}

describe('redis: two application processes on one Redis', () => {
  it('a login on one is seen on the other; log-out-everywhere on one ends the sessions on the other', async () => {
    const [one, two] = apps as [(typeof apps)[number], (typeof apps)[number]]
    const laptop = browser()
    const phone = browser()
    assert.equal((await laptop(`${one.url}/login?user=alice`, 'POST')).body, 'logged in')
    assert.equal((await phone(`${two.url}/login?user=alice`, 'POST')).body, 'logged in')
    // Each browser bounces between the instances: same session, same counter.
    const seen = [
      JSON.parse((await laptop(`${two.url}/`)).body),
      JSON.parse((await laptop(`${one.url}/`)).body),
      JSON.parse((await phone(`${one.url}/`)).body),
    ] as { user: string | null; visits: number; pid: number }[]
    assert.deepEqual(
      seen.map(({ user, visits }) => ({ user, visits })),
      [
        { user: 'alice', visits: 1 },
        { user: 'alice', visits: 2 },
        { user: 'alice', visits: 1 },
      ],
    )
    assert.notEqual(seen[0]?.pid, seen[1]?.pid, 'served by two processes')
    // The laptop logs out everywhere through instance one...
    assert.deepEqual(JSON.parse((await laptop(`${one.url}/logout-everywhere`, 'POST')).body), {
      ended: 2,
    })
    // ...and the phone's next request, served by instance two, finds no session.
    const after = JSON.parse((await phone(`${two.url}/`)).body) as {
      user: string | null
      visits: number
    }
    assert.deepEqual({ user: after.user, visits: after.visits }, { user: null, visits: 1 })
    const laptopAfter = JSON.parse((await laptop(`${two.url}/`)).body) as { user: string | null }
    assert.equal(laptopAfter.user, null)
  })
})
