// The synchronous-or-not helpers that let the node:crypto path stay synchronous.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { runInNewContext } from 'node:vm'

import { all, isPromise, then } from '../src/lib/awaitable.ts'

describe('awaitable', () => {
  it('a promise from another realm is a promise (as in an edge sandbox), plain values are not', async () => {
    const foreign = runInNewContext('Promise.resolve(7)') as Promise<number>
    assert.equal(foreign instanceof Promise, false, 'the premise: another realm')
    assert.equal(isPromise(foreign), true)
    assert.equal(await then(foreign, (n) => n + 1), 8)
    assert.deepEqual(await all([1, foreign]), [1, 7])
    for (const plain of [0, '', 'then', null, undefined, {}, { then: 1 }, new Uint8Array(1)]) {
      assert.equal(isPromise(plain), false, typeof plain)
    }
    assert.deepEqual(all([1, 2]), [1, 2])
    assert.equal(
      then(1, (n) => n + 1),
      2,
    )
  })
})
