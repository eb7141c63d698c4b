// Responses that leave the prototype chain sessions() saw: a sub-app of another Express copy
// called as a plain function (its init re-prototypes the response), two copies of this
// package on one app, and compression after sessions() with a store that saves
// asynchronously. Each case runs in a fresh process, so it sees the first request's
// installation, whatever ran before it.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, it } from 'node:test'

import type { Observed, Scenario } from './support/express-foreign.ts'

const script = fileURLToPath(new URL('./support/express-foreign.js', import.meta.url))

async function observe(scenario: Scenario): Promise<Observed[]> {
  const { stdout } = await promisify(execFile)(process.execPath, [script, scenario], {
    timeout: 60_000,
  })
  return JSON.parse(stdout) as Observed[]
}

function twice(page: Omit<Observed, 'encoding'> & { encoding?: string | null }): Observed[] {
  const one = { encoding: null, ...page }
  return [one, one]
}

describe('a sub-app of another Express copy, called as a function, sends the response', () => {
  it('Express 5 parent with sessions(), Express 4 sub-app: the cookie is written', async () => {
    assert.deepEqual(
      await observe('express5-parent-express4-sub'),
      twice({ status: 200, body: 'from the sub-app', readBack: { app: 20 } }),
    )
  })

  it('Express 4 parent with sessions(), Express 5 sub-app: the cookie is written', async () => {
    assert.deepEqual(
      await observe('express4-parent-express5-sub'),
      twice({ status: 200, body: 'from the sub-app', readBack: { app: 20 } }),
    )
  })

  it('with a store that saves asynchronously: held, saved, then sent', async () => {
    assert.deepEqual(
      await observe('express5-parent-express4-sub-async-store'),
      twice({ status: 200, body: 'from the sub-app', readBack: { app: 20 } }),
    )
  })

  it('the session changed in the parent before the sub-app sends: the cookie is written', async () => {
    assert.deepEqual(
      await observe('express5-parent-express4-sub-set-in-parent'),
      twice({ status: 200, body: 'from the sub-app', readBack: { app: 21 } }),
    )
  })
})

describe('two copies of sessionkit, each with sessions() on one app', () => {
  it('both cookies are written and read back', async () => {
    assert.deepEqual(
      await observe('two-copies'),
      twice({ status: 200, body: 'two copies', readBack: { app: 30, other: 31 } }),
    )
  })

  it('the second copy on a store that saves asynchronously: both cookies', async () => {
    assert.deepEqual(
      await observe('two-copies-async-store'),
      twice({ status: 200, body: 'two copies', readBack: { app: 30, other: 31 } }),
    )
  })
})

describe('compression after sessions(), a store that saves asynchronously', () => {
  it('the whole gzip body goes out, with the cookie', async () => {
    assert.deepEqual(
      await observe('compression-after-sessions-async-store'),
      twice({
        status: 200,
        body: 'first part, second part, and the end',
        encoding: 'gzip',
        readBack: { app: 40 },
      }),
    )
  })
})
