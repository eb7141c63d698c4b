// The store's view of a session (sessionInternals): the live, read-only `values` and `flash`
// a store serializes within its save call, beside the `snapshot()` copy, and a session made
// from a parsed JSON record of values.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'

import { Session, sessionInternals } from '../src/index.ts'

function loaded(values: Record<string, unknown>): Session {
  return new Session({ name: 'sid', isNew: false, createdAt: 1_000, values })
}

describe('SessionInternals.values and flash', () => {
  it('show the values as they are now, where a snapshot keeps those of its time', () => {
    const session = loaded({ a: 1 })
    const state = sessionInternals(session)
    const before = state.snapshot()
    session.set('b', 'two')
    session.delete('a')
    assert.deepEqual([...state.values], [['b', 'two']])
    assert.deepEqual([...before.values], [['a', 1]])
    assert.deepEqual([...state.values], [...state.snapshot().values])
  })

  it('give the pending flash lists, and none once they are read', () => {
    const session = loaded({})
    const state = sessionInternals(session)
    assert.equal(state.flash.size, 0)
    session.addFlash('notice', 'saved')
    session.addFlash('notice', 'again')
    assert.deepEqual([...state.flash], [['notice', ['saved', 'again']]])
    assert.deepEqual(session.flashes('notice'), ['saved', 'again'])
    assert.equal(state.flash.size, 0)
  })

  it('cannot be written through: the empty flash view of every session refuses a set', () => {
    const state = sessionInternals(loaded({}))
    const flash = state.flash as Map<string, unknown[]>
    assert.throws(() => flash.set('planted', ['x']), TypeError)
    assert.equal(sessionInternals(loaded({})).flash.size, 0)
  })
})

describe('SessionInit.values as a record', () => {
  it('takes every own key of a parsed JSON object, "__proto__" as data', () => {
    const parsed: unknown = JSON.parse('{"__proto__":{"polluted":true},"a":1,"constructor":2}')
    const session = loaded(parsed as Record<string, unknown>)
    assert.deepEqual(session.keys().sort(), ['__proto__', 'a', 'constructor'])
    assert.deepEqual(session.get('__proto__'), { polluted: true })
    assert.equal(session.get('constructor'), 2)
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined)
  })

  it('reads a record and a list of pairs alike, and copies neither', () => {
    const record: Record<string, unknown> = { a: 1, b: [2] }
    const fromRecord = loaded(record)
    const fromPairs = new Session({
      name: 'sid',
      isNew: false,
      createdAt: 1_000,
      values: Object.entries(record),
    })
    assert.deepEqual(fromRecord.getAll(), fromPairs.getAll())
    record['c'] = 3
    assert.equal(fromRecord.has('c'), false)
  })

  it('freezes a loaded object when it is first read, and leaves numbers as they are', () => {
    const session = loaded({ cart: { items: [1] }, views: 4 })
    const cart = session.get('cart') as { items: number[] }
    assert.ok(Object.isFrozen(cart) && Object.isFrozen(cart.items))
    assert.equal(session.increment('views'), 5)
    assert.equal(session.get('views'), 5)
  })
})
