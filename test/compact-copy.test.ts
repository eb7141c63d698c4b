// The memory driver's copies: equal, deep-frozen, never the caller's objects, `__proto__` kept
// as data, and values that are not plain JSON still copied (through structuredClone).
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'

import { flatString, frozenCopy } from '../src/lib/compact-copy.ts'

describe('frozenCopy', () => {
  it('copies plain JSON deep-frozen, without sharing an object with the input', () => {
    const input = { roles: ['admin', 'user'], cart: [{ sku: 'a', qty: 2 }], on: true, none: null }
    const copy = frozenCopy(input)
    assert.deepEqual(copy, input)
    assert.notEqual(copy, input)
    assert.notEqual(copy.roles, input.roles)
    assert.notEqual(copy.cart[0], input.cart[0])
    assert.ok(Object.isFrozen(copy) && Object.isFrozen(copy.roles) && Object.isFrozen(copy.cart[0]))
    input.roles.push('root')
    assert.deepEqual(copy.roles, ['admin', 'user'])
  })

  it('keeps a __proto__ key as data, not as the prototype', () => {
    const input = JSON.parse('{"__proto__": {"admin": true}, "n": 1}') as Record<string, unknown>
    const copy = frozenCopy(input)
    assert.equal(Object.getPrototypeOf(copy), Object.prototype)
    assert.deepEqual(Object.getOwnPropertyDescriptor(copy, '__proto__')?.value, { admin: true })
    assert.equal((copy as { admin?: unknown }).admin, undefined)
  })

  it('copies values that are not plain JSON through structuredClone', () => {
    const bytes = new Uint8Array([1, 2, 3])
    const input = { map: new Map([['k', { v: 1 }]]), bytes }
    const copy = frozenCopy(input)
    assert.notEqual(copy.map, input.map)
    assert.deepEqual([...copy.map], [['k', { v: 1 }]])
    assert.throws(() => copy.map.set('x', { v: 2 }), TypeError)
    assert.notEqual(copy.bytes, bytes)
    assert.deepEqual([...copy.bytes], [1, 2, 3])
  })

  it('returns primitives as they are', () => {
    for (const value of ['text', 0, -1.5, false, null]) assert.equal(frozenCopy(value), value)
  })
})

describe('flatString', () => {
  it('gives the same text', () => {
    let built = ''
    for (let i = 0; i < 11; i++) built += `Ab-${i}`
    assert.equal(flatString(built), built)
    assert.equal(flatString('qu"ote\\'), 'qu"ote\\')
  })
})
