// The example's start-up (example/server.ts, as `npm start` runs it) in a child process: the
// development key without SESSION_KEYS, a clear refusal for an empty or malformed one.

import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { after, describe, it } from 'node:test'
import { generateKey } from '../src/index.ts'

const SERVER = resolve('build/example/server.js')
const sessionDir = mkdtempSync(join(tmpdir(), 'sessionkit-example-start-'))
after(() => {
  rmSync(sessionDir, { recursive: true, force: true })
})

/** Only what is given: no SESSION_KEYS from the environment running the tests. */
function env(extra: Record<string, string>): NodeJS.ProcessEnv {
  return {
    PATH: process.env['PATH'] ?? '',
    HOST: '127.0.0.1',
    PORT: '0',
    SESSION_DIR: sessionDir,
    ...extra,
  }
}

function refusal(sessionKeys: string): { status: number | null; stdout: string; lines: string[] } {
  const result = spawnSync(process.execPath, [SERVER], {
    env: env({ SESSION_KEYS: sessionKeys }),
    encoding: 'utf8',
    timeout: 20_000,
  })
  return {
    status: result.status,
    stdout: result.stdout,
    lines: result.stderr.split('\n').filter(Boolean),
  }
}

/** Starts the server, waits for its URL, fetches the home page and stops it with SIGTERM. */
async function startAndStop(
  extra: Record<string, string>,
): Promise<{ output: string; status: number }> {
  const child = spawn(process.execPath, [SERVER], {
    env: env(extra),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  const url = await new Promise<string>((resolveUrl, reject) => {
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk
      const match = /listening on (http:\/\/\S+)/.exec(output)
      if (match?.[1] !== undefined) resolveUrl(match[1])
    })
    child.once('exit', (code) => {
      reject(new Error(`the server exited (${code}) before listening:\n${output}`))
    })
  })
  const response = await fetch(url)
  assert.equal(response.status, 200)
  assert.match(await response.text(), /<h2>Log in<\/h2>/)
  child.kill('SIGTERM')
  const [code] = (await once(child, 'exit')) as [number | null]
  return { output, status: code ?? -1 }
}

describe('example start-up', () => {
  it('without SESSION_KEYS: starts with a development key and says how to set one', async () => {
    const { output, status } = await startAndStop({})
    assert.match(output, /SESSION_KEYS is not set: using a random development key/)
    assert.match(output, /SESSION_KEYS=\d{4}-\d{2}:[A-Za-z0-9_-]{43}\n/)
    assert.equal(status, 0, 'SIGTERM shuts it down cleanly')
  })

  it('with a valid SESSION_KEYS: starts without the development-key notice', async () => {
    const { output } = await startAndStop({
      SESSION_KEYS: `new:${generateKey()}, old:${generateKey()}`,
    })
    assert.doesNotMatch(output, /development key/)
  })

  for (const [title, value, pattern] of [
    ['empty', '', /^SESSION_KEYS is set but empty: set it to comma-separated id:secret pairs/],
    ['only spaces', '   ', /^SESSION_KEYS is set but empty/],
    [
      'a secret without an id',
      generateKey(),
      /^SESSION_KEYS: entry 1 of 1 is not an id:secret pair/,
    ],
    [
      'a trailing comma',
      `k1:${generateKey()},`,
      /^SESSION_KEYS: entry 2 of 2 is not an id:secret pair/,
    ],
    ['an empty secret', 'k1:', /^SESSION_KEYS: key "k1" has no secret/],
    ['a weak secret', 'k1:password-password-password-pass', /^SESSION_KEYS: .*k1/],
    ['a duplicate id', `k1:${generateKey()},k1:${generateKey()}`, /^SESSION_KEYS: .*k1/],
  ] as const) {
    it(`refuses to start with SESSION_KEYS ${title}, in one line naming the variable`, () => {
      const result = refusal(value)
      assert.equal(result.status, 1)
      assert.equal(result.lines.length, 1, result.lines.join('\n'))
      const [line = ''] = result.lines
      assert.match(line, pattern)
      if (value.length > 8) {
        for (const part of value.split(/[,:]/).filter((p) => p.length > 8)) {
          assert.equal(line.includes(part), false, 'the message never shows a secret')
        }
      }
      assert.doesNotMatch(result.stdout, /listening/)
    })
  }
})
