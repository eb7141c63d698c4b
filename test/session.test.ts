import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { inspect } from 'node:util'

import fc from 'fast-check'

import {
  DEFAULT_FLASH_KEY,
  SessionArgumentError,
  SessionDestroyedError,
  SessionKeyMissingError,
  SessionValueError,
  SessionValueTypeError,
  Session,
  type SessionData,
} from '../src/index.ts'
import { harness } from './support/jar.ts'

function isCode(code: string) {
  return (error: unknown): boolean =>
    typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code
}

function valueError(session: Session, key: string, value: unknown): SessionValueError {
  try {
    session.set(key, value)
  } catch (error) {
    assert.ok(
      error instanceof SessionValueError,
      `expected SessionValueError, got ${String(error)}`,
    )
    assert.equal(error.code, 'ERR_SESSION_VALUE_INVALID')
    assert.equal(error.key, key)
    return error
  }
  assert.fail(`set accepted ${inspect(value)}`)
}

function nested(depth: number): unknown {
  let value: unknown = 1
  for (let i = 0; i < depth; i++) value = [value]
  return value
}

/** A snapshot of Object.prototype to detect pollution. */
function prototypeSnapshot(): string {
  return Object.getOwnPropertyNames(Object.prototype)
    .sort()
    .map(
      (name) => `${name}:${typeof Object.getOwnPropertyDescriptor(Object.prototype, name)?.value}`,
    )
    .join(',')
}

const fresh = (): Session => harness().store.create()

describe('Session values', () => {
  it('get, set, has, getOk, delete, clear, keys, entries and getAll', () => {
    const session = fresh()
    assert.equal(session.name, 'sid')
    assert.equal(session.get('a'), undefined)
    assert.equal(session.has('a'), false)
    assert.deepEqual(session.getOk('a'), { ok: false, value: undefined })
    session.set('a', 1)
    session.set('b', { nested: ['x', null, true] })
    session.set('n', null)
    assert.equal(session.get('a'), 1)
    assert.deepEqual(session.get('b'), { nested: ['x', null, true] })
    assert.equal(session.has('a'), true)
    assert.deepEqual(session.getOk('a'), { ok: true, value: 1 })
    // A stored null is present, unlike an absent key.
    assert.deepEqual(session.getOk('n'), { ok: true, value: null })
    assert.equal(session.has('n'), true)
    assert.deepEqual(session.keys(), ['a', 'b', 'n'])
    assert.deepEqual(session.entries(), [
      ['a', 1],
      ['b', { nested: ['x', null, true] }],
      ['n', null],
    ])
    assert.deepEqual(session.getAll(), { a: 1, b: { nested: ['x', null, true] }, n: null })
    assert.ok(Object.isFrozen(session.getAll()))
    session.set('a', 2)
    assert.equal(session.get('a'), 2)
    assert.equal(session.delete('a'), true)
    assert.equal(session.delete('a'), false)
    assert.equal(session.has('a'), false)
    session.addFlash(DEFAULT_FLASH_KEY, 'kept')
    session.clear()
    assert.deepEqual(session.keys(), [])
    assert.deepEqual(session.getAll(), {})
    // clear() removes values only; flash messages stay.
    assert.deepEqual(session.flashes(DEFAULT_FLASH_KEY), ['kept'])
  })

  it('stores a copy: changing the object passed to set changes nothing', () => {
    const session = fresh()
    const value = { list: [1, 2], inner: { flag: true } }
    session.set('v', value)
    value.list.push(3)
    value.inner.flag = false
    ;(value as Record<string, unknown>)['added'] = 1
    assert.deepEqual(session.get('v'), { list: [1, 2], inner: { flag: true } })
    session.setImmutable('w', value)
    assert.deepEqual(session.get('w'), { list: [1, 2, 3], inner: { flag: false }, added: 1 })
  })

  it('returns deeply frozen values; mutating them throws', () => {
    const session = fresh()
    session.set('v', { list: [1, { deep: 'x' }] })
    const value = session.get('v') as { list: [number, { deep: string }] }
    assert.ok(
      Object.isFrozen(value) && Object.isFrozen(value.list) && Object.isFrozen(value.list[1]),
    )
    assert.throws(() => {
      value.list.push(2)
    }, TypeError)
    assert.throws(() => {
      value.list[1].deep = 'y'
    }, TypeError)
    assert.throws(() => {
      ;(value as Record<string, unknown>)['x'] = 1
    }, TypeError)
    const all = session.getAll() as { v: typeof value }
    assert.throws(() => {
      ;(all as Record<string, unknown>)['v'] = 1
    }, TypeError)
    assert.deepEqual(session.get('v'), { list: [1, { deep: 'x' }] })
  })

  it('freezes values loaded from a cookie when they are read', async () => {
    const h = harness()
    await h.request((s) => {
      s.set('v', { list: [1, { deep: 'x' }] })
    })
    const { session } = await h.request()
    const value = session.get('v') as { list: [number, { deep: string }] }
    assert.ok(
      Object.isFrozen(value) && Object.isFrozen(value.list) && Object.isFrozen(value.list[1]),
    )
    assert.throws(() => {
      value.list[1].deep = 'y'
    }, TypeError)
    const [[, fromEntries]] = session.entries() as [[string, { list: unknown[] }]]
    assert.ok(Object.isFrozen(fromEntries.list))
    assert.equal(session.isDirty, false)
  })

  it('refuses non-JSON values at set with a path, leaving the old value in place', () => {
    class Point {
      x = 1
    }
    const cycle: Record<string, unknown> = { a: 1 }
    cycle['self'] = cycle
    const cases: [unknown, string][] = [
      [new Date(0), ''],
      [new Map([[1, 2]]), ''],
      [new Set([1]), ''],
      [new Point(), ''],
      [/re/, ''],
      [new Uint8Array(2), ''],
      [1n, ''],
      [() => 1, ''],
      [Symbol('s'), ''],
      [undefined, ''],
      [Number.NaN, ''],
      [Number.POSITIVE_INFINITY, ''],
      [Number.NEGATIVE_INFINITY, ''],
      [cycle, '/self'],
      [{ [Symbol('k')]: 1 }, ''],
      [{ a: { b: new Date(0) } }, '/a/b'],
      [{ list: [1, undefined] }, '/list/1'],
      [[[[Number.NaN]]], '/0/0/0'],
      [{ 'a/b': { 'c~d': 1n } }, '/a~1b/c~0d'],
      [{ '': { x: undefined } }, '//x'],
      [
        {
          f: Object.create(null) as unknown,
          g: new (class Foo {
            y = 2
          })(),
        },
        '/g',
      ],
    ]
    const session = fresh()
    session.set('k', 'old')
    for (const [value, path] of cases) {
      const error = valueError(session, 'k', value)
      assert.equal(error.path, path, inspect(value))
      assert.equal(session.get('k'), 'old')
    }
    // Shared (non-cyclic) references are fine; null-prototype objects are plain data.
    const shared = { x: 1 }
    session.set('k', {
      a: shared,
      b: shared,
      c: Object.assign(Object.create(null) as object, { y: 2 }),
    })
    assert.deepEqual(JSON.stringify(session.get('k')), '{"a":{"x":1},"b":{"x":1},"c":{"y":2}}')
  })

  it('limits nesting to 64 levels', () => {
    const session = fresh()
    session.set('deep', nested(64))
    const error = valueError(session, 'deep', nested(65))
    assert.equal(error.path, '/0'.repeat(64))
    assert.equal(JSON.stringify(session.get('deep')), JSON.stringify(nested(64)))
  })

  it('a failed set of a new key leaves the session clean', () => {
    const session = fresh()
    valueError(session, 'k', new Date())
    assert.equal(session.has('k'), false)
    assert.equal(session.isDirty, false)
  })

  it('increment and decrement: absent counts as 0, other types are an error', () => {
    const session = fresh()
    assert.equal(session.increment('n'), 1)
    assert.equal(session.increment('n', 5), 6)
    assert.equal(session.decrement('n'), 5)
    assert.equal(session.decrement('n', 10), -5)
    assert.equal(session.decrement('m'), -1)
    assert.equal(session.get('n'), -5)
    session.set('s', '3')
    assert.throws(() => session.increment('s'), isCode('ERR_SESSION_VALUE_TYPE'))
    assert.throws(() => session.decrement('s'), SessionValueTypeError)
    session.set('o', { n: 1 })
    assert.throws(() => session.increment('o'), isCode('ERR_SESSION_VALUE_TYPE'))
    assert.equal(session.get('s'), '3')
    // A step that would make the value non-finite is refused like any bad value.
    assert.throws(() => session.increment('n', Number.POSITIVE_INFINITY), SessionValueError)
    assert.throws(() => session.increment('n', Number.NaN), SessionValueError)
    assert.equal(session.get('n'), -5)
  })

  it('typed getters return the value, the fallback when absent, or a typed error', () => {
    const session = fresh()
    session.set('str', 'text')
    session.set('num', 1.5)
    session.set('int', 42)
    session.set('bool', false)
    session.set('nil', null)
    assert.equal(session.getString('str'), 'text')
    assert.equal(session.getNumber('num'), 1.5)
    assert.equal(session.getNumber('int'), 42)
    assert.equal(session.getInt('int'), 42)
    assert.equal(session.getBoolean('bool'), false)
    assert.equal(session.getString('absent', 'fallback'), 'fallback')
    assert.equal(session.getNumber('absent', 0), 0)
    assert.equal(session.getInt('absent', 7), 7)
    assert.equal(session.getBoolean('absent', true), true)
    for (const read of [
      () => session.getString('absent'),
      () => session.getNumber('absent'),
      () => session.getInt('absent'),
      () => session.getBoolean('absent'),
    ]) {
      assert.throws(read, (error: unknown) => {
        assert.ok(error instanceof SessionKeyMissingError)
        assert.equal(error.code, 'ERR_SESSION_KEY_MISSING')
        assert.equal(error.key, 'absent')
        return true
      })
    }
    // The wrong type is an error even with a fallback: values are never coerced.
    const wrong: [() => unknown, string, string][] = [
      [() => session.getString('int', 'x'), 'a string', 'an integer'],
      [() => session.getNumber('str', 0), 'a number', 'a string'],
      [() => session.getInt('num', 0), 'an integer', 'a number'],
      [() => session.getInt('str'), 'an integer', 'a string'],
      [() => session.getBoolean('nil', true), 'a boolean', 'null'],
      [() => session.getString('nil'), 'a string', 'null'],
    ]
    for (const [read, expected, actual] of wrong) {
      assert.throws(read, (error: unknown) => {
        assert.ok(error instanceof SessionValueTypeError)
        assert.equal(error.code, 'ERR_SESSION_VALUE_TYPE')
        assert.equal(error.expected, expected)
        assert.equal(error.actual, actual)
        return true
      })
    }
    session.set('big', 2 ** 53)
    assert.throws(() => session.getInt('big'), isCode('ERR_SESSION_VALUE_TYPE'))
  })

  it('toJSON and inspect never include session data', () => {
    const session = fresh()
    session.set('secret', 'hunter2-is-not-a-key')
    assert.equal(JSON.stringify(session), '{"name":"sid","isNew":true}')
    assert.ok(!JSON.stringify({ session }).includes('hunter2'))
    assert.ok(!inspect(session, { depth: Infinity, showHidden: true }).includes('hunter2'))
  })
})

describe('Session flashes', () => {
  it("DEFAULT_FLASH_KEY is gorilla's '_flash'; repeated reads in a request agree", () => {
    const session = fresh()
    assert.equal(DEFAULT_FLASH_KEY, '_flash')
    assert.equal(session.hasFlash(), false)
    session.addFlash(DEFAULT_FLASH_KEY, 'one')
    session.addFlash(DEFAULT_FLASH_KEY, { two: 2 })
    assert.equal(session.hasFlash(), true)
    assert.equal(session.hasFlash('_flash'), true)
    assert.deepEqual(session.flashes(DEFAULT_FLASH_KEY), ['one', { two: 2 }])
    assert.deepEqual(session.flashes(DEFAULT_FLASH_KEY), ['one', { two: 2 }])
    assert.deepEqual(session.flashes('_flash'), ['one', { two: 2 }])
    assert.deepEqual(session.flashes('other'), [])
    // Flash values are data like any other: JSON only.
    assert.throws(() => {
      session.addFlash(DEFAULT_FLASH_KEY, new Date())
    }, isCode('ERR_SESSION_VALUE_INVALID'))
  })

  it('custom keys, setFlash, flashes, peekFlashes, hasFlash, flashKeys, clearFlashes', () => {
    const session = fresh()
    session.addFlash('notice', 'a')
    session.addFlash('notice', 'b')
    assert.equal(session.peekFlashes('notice').at(-1), 'b')
    assert.equal(session.hasFlash('notice'), true)
    assert.equal(session.hasFlash('error'), false)
    session.setFlash('error', 'e1')
    session.setFlash('error', 'e2') // replaces
    assert.equal(session.peekFlashes('error').at(-1), 'e2')
    assert.equal(session.flashes('error').at(-1), 'e2')
    assert.equal(session.flashes('error').at(-1), 'e2') // repeated read in the same request
    assert.equal(session.flashes('absent').at(-1), undefined)
    assert.equal(session.peekFlashes('absent').at(-1), undefined)
    session.addFlash(DEFAULT_FLASH_KEY, 'default')
    assert.deepEqual(
      Object.fromEntries(session.flashKeys().map((key) => [key, session.flashes(key)] as const)),
      {
        error: ['e2'],
        notice: ['a', 'b'],
        _flash: ['default'],
      },
    )
    assert.deepEqual(
      Object.fromEntries(session.flashKeys().map((key) => [key, session.flashes(key)] as const)),
      {
        error: ['e2'],
        notice: ['a', 'b'],
        _flash: ['default'],
      },
    )
    session.addFlash('notice', 'c')
    session.clearFlashes()
    assert.equal(session.hasFlash(), false)
    assert.deepEqual(session.flashes('notice'), [])
    assert.deepEqual(
      Object.fromEntries(session.flashKeys().map((key) => [key, session.flashes(key)] as const)),
      {},
    )
  })

  it('peekFlashes is what flashes would return, unconsumed; flashKeys; clearFlashes(key) clears one key', async () => {
    const h = harness()
    await h.request((s) => {
      s.addFlash('notice', 'a')
      s.addFlash('notice', 'b')
      s.setFlash('error', 'e')
    })
    const peeking = await h.request((s) => {
      assert.deepEqual(s.peekFlashes('notice'), ['a', 'b'])
      assert.deepEqual(s.peekFlashes('notice'), ['a', 'b'])
      assert.deepEqual(s.peekFlashes('absent'), [])
      assert.deepEqual(s.flashKeys(), ['notice', 'error'])
      assert.equal(s.isDirty, false, 'peeking changes nothing')
    })
    assert.equal(peeking.setCookie, undefined)
    await h.request((s) => {
      assert.deepEqual(s.flashes('notice'), ['a', 'b'])
      s.addFlash('notice', 'c')
      // Read in this request, then added: a read key is still listed, and peek sees both.
      assert.deepEqual(s.peekFlashes('notice'), ['a', 'b', 'c'])
      assert.deepEqual(s.flashKeys(), ['notice', 'error'])
      s.clearFlashes('error')
      assert.equal(s.hasFlash('error'), false)
      assert.deepEqual(s.flashKeys(), ['notice'])
      assert.equal(s.hasFlash('notice'), true)
    })
    await h.request((s) => {
      assert.deepEqual(s.flashKeys(), ['notice'], 'the cleared key is gone from the cookie')
      assert.deepEqual(s.flashes('notice'), ['c'])
      s.clearFlashes('absent') // a key with no flash: nothing changes
      assert.deepEqual(s.flashes('notice'), ['c'])
    })
    const { session } = await h.request()
    assert.equal(session.hasFlash(), false)
    assert.deepEqual(session.flashKeys(), [])
  })

  it('clearFlashes(key) of a key with no pending flash changes nothing', () => {
    const session = fresh()
    session.clearFlashes('absent')
    assert.equal(session.isDirty, false)
    session.addFlash('notice', 'a')
    assert.deepEqual(session.flashes('notice'), ['a'])
    session.clearFlashes('notice')
    assert.deepEqual(session.flashes('notice'), [])
    assert.deepEqual(session.flashKeys(), [])
  })

  it('a flash set in one request is read in the next and gone after that read is saved', async () => {
    const h = harness()
    await h.request((s) => {
      s.set('user', 'u1')
      s.addFlash(DEFAULT_FLASH_KEY, 'Saved!')
      s.setFlash('notice', 'n1')
    })
    // A request that does not read the flash leaves it in place.
    const untouched = await h.request((s) => {
      assert.equal(s.hasFlash(), true)
      assert.equal(s.peekFlashes('notice').at(-1), 'n1')
    })
    assert.equal(untouched.setCookie, undefined)
    const reading = await h.request((s) => {
      assert.deepEqual(s.flashes(DEFAULT_FLASH_KEY), ['Saved!'])
      assert.deepEqual(s.flashes(DEFAULT_FLASH_KEY), ['Saved!'])
      assert.equal(s.flashes('notice').at(-1), 'n1')
      assert.equal(s.peekFlashes('notice').at(-1), 'n1')
      assert.equal(s.isDirty, true)
    })
    assert.ok(reading.setCookie !== undefined)
    await h.request((s) => {
      assert.equal(s.hasFlash(), false)
      assert.deepEqual(s.flashes(DEFAULT_FLASH_KEY), [])
      assert.equal(s.flashes('notice').at(-1), undefined)
      assert.equal(s.get('user'), 'u1')
    })
  })

  it('a flash added during the request that reads older ones survives to the next', async () => {
    const h = harness()
    await h.request((s) => {
      s.addFlash(DEFAULT_FLASH_KEY, 'first')
    })
    await h.request((s) => {
      assert.deepEqual(s.flashes(DEFAULT_FLASH_KEY), ['first'])
      s.addFlash(DEFAULT_FLASH_KEY, 'second')
    })
    await h.request((s) => {
      assert.deepEqual(s.flashes(DEFAULT_FLASH_KEY), ['second'])
    })
  })
})

describe('Session lifecycle', () => {
  it('destroy is terminal: every data method throws ERR_SESSION_DESTROYED', () => {
    const session = fresh()
    session.set('a', 1)
    session.addFlash(DEFAULT_FLASH_KEY, 'x')
    session.destroy()
    assert.equal(session.isDestroyed, true)
    assert.equal(session.name, 'sid')
    assert.deepEqual(session.toJSON(), { name: 'sid', isNew: true })
    const args: Record<string, readonly unknown[]> = {
      get: ['a'],
      getOk: ['a'],
      has: ['a'],
      set: ['a', 2],
      setImmutable: ['a', 2],
      delete: ['a'],
      clear: [],
      keys: [],
      entries: [],
      getAll: [],
      increment: ['a'],
      decrement: ['a'],
      getString: ['a', 'x'],
      getNumber: ['a', 1],
      getInt: ['a', 1],
      getBoolean: ['a', true],
      addFlash: ['k', 'y'],
      flashes: ['k'],
      setFlash: ['k', 'v'],
      peekFlashes: ['k'],
      hasFlash: [],
      flashKeys: [],
      clearFlashes: [],
      setCookieOptions: [{ maxAge: 10 }],
      rememberMe: [true],
      shiftExpiration: [],
      updateExpiration: [60],
    }
    // Every public method except destroy and toJSON, so a method added later is covered too
    // (called without arguments unless listed above).
    const methods = Object.getOwnPropertyNames(Session.prototype).filter(
      (name) =>
        typeof Object.getOwnPropertyDescriptor(Session.prototype, name)?.value === 'function' &&
        !['constructor', 'destroy', 'toJSON'].includes(name),
    )
    for (const name of Object.keys(args)) assert.ok(methods.includes(name), name)
    for (const name of methods) {
      const method = Reflect.get(session, name) as (...rest: unknown[]) => unknown
      assert.throws(
        () => Reflect.apply(method, session, args[name] ?? []),
        (error: unknown) =>
          error instanceof SessionDestroyedError &&
          (error as { code: unknown }).code === 'ERR_SESSION_DESTROYED',
        name,
      )
    }
    // Destroying twice is harmless.
    session.destroy()
    assert.equal(session.isDestroyed, true)
  })

  it('a bad argument is a SessionArgumentError naming it, never a session-value error', () => {
    const session = fresh()
    const cases: [string, () => void][] = [
      [
        'grace',
        () => {
          session.regenerate({ grace: 400 })
        },
      ],
      [
        'maxAge',
        () => {
          session.setCookieOptions({ maxAge: 1.5 })
        },
      ],
      [
        'maxAge',
        () => {
          session.rememberMe(true, Number.NaN)
        },
      ],
      [
        'seconds',
        () => {
          session.updateExpiration(0)
        },
      ],
    ]
    for (const [argument, call] of cases) {
      assert.throws(call, (error: unknown) => {
        assert.ok(error instanceof SessionArgumentError, argument)
        assert.ok(!(error instanceof SessionValueTypeError), argument)
        assert.equal(error.code, 'ERR_SESSION_ARGUMENT')
        assert.equal(error.argument, argument)
        assert.match(error.message, new RegExp(`^Invalid ${argument}: expected `))
        assert.ok(!error.message.includes('Session key'), error.message)
        return true
      })
    }
    assert.equal(session.isDirty, false, 'a refused call changes nothing')
  })

  it('regenerate checks its options: grace 0-300 seconds, newLifetime a boolean', () => {
    const session = fresh()
    const argumentError = (argument: string) => (error: unknown) => {
      assert.ok(error instanceof SessionArgumentError)
      assert.equal(error.code, 'ERR_SESSION_ARGUMENT')
      assert.equal(error.argument, argument)
      return true
    }
    for (const options of [{ grace: -1 }, { grace: 301 }, { grace: 1.5 }, { grace: Number.NaN }]) {
      assert.throws(() => {
        session.regenerate(options)
      }, argumentError('grace'))
    }
    for (const newLifetime of ['yes', 1, {}] as unknown as boolean[]) {
      assert.throws(() => {
        session.regenerate({ newLifetime })
      }, argumentError('newLifetime'))
    }
    assert.equal(session.isDirty, false, 'a refused regenerate changes nothing')
    session.regenerate({ grace: 300, newLifetime: true })
    assert.equal(session.isDirty, true)
  })

  it('dirty tracking: clean after load, dirty after a change, an unchanged session writes nothing', async () => {
    const h = harness()
    const created = h.store.create()
    assert.equal(created.isDirty, false)
    assert.equal(created.isNew, true)
    created.delete('absent')
    created.clear()
    assert.equal(created.isDirty, false)
    created.set('a', 1)
    assert.equal(created.isDirty, true)
    const setCookie = await h.store.save(created)
    assert.ok(setCookie !== undefined)
    assert.equal(created.isDirty, false)
    assert.equal(created.isNew, false)
    h.jar.apply(setCookie)

    const { session, setCookie: none } = await h.request((s) => {
      assert.equal(s.isDirty, false)
      assert.equal(s.isNew, false)
      assert.equal(s.get('a'), 1)
      s.getAll()
      s.getOk('a')
      s.has('a')
      s.delete('absent')
      assert.equal(s.isDirty, false)
    })
    assert.equal(none, undefined)
    assert.equal(session.isDirty, false)
    const changed = await h.request((s) => {
      s.set('a', 2)
      assert.equal(s.isDirty, true)
    })
    assert.ok(changed.setCookie !== undefined)
    assert.equal(changed.session.isDirty, false)
  })

  it('PRO-02/05: keys named like prototype or API members round-trip as plain data', async () => {
    const before = prototypeSnapshot()
    const keys = [
      '__proto__',
      'constructor',
      'prototype',
      'toJSON',
      'then',
      'save',
      'destroy',
      'get',
      'set',
      'hasOwnProperty',
      'toString',
      'valueOf',
      'isNew',
      'id',
      'cookie',
    ]
    const h = harness()
    await h.request((s) => {
      for (const key of keys) s.set(key, { isAdmin: true, key })
      s.set('nested', JSON.parse('{"__proto__":{"isAdmin":true},"a":1}') as unknown)
      s.addFlash('__proto__', { isAdmin: true })
      s.addFlash('constructor', 'c')
    })
    const { session } = await h.request()
    assert.equal(session.hasFlash('__proto__'), true)
    const flashes = Object.fromEntries(
      session.flashKeys().map((key) => [key, session.flashes(key)] as const),
    )
    assert.equal(Object.getPrototypeOf(flashes), Object.prototype)
    assert.deepEqual(Object.keys(flashes).sort(), ['__proto__', 'constructor'])
    assert.deepEqual(Object.getOwnPropertyDescriptor(flashes, '__proto__')?.value, [
      { isAdmin: true },
    ])
    assert.deepEqual(Object.getOwnPropertyDescriptor(flashes, 'constructor')?.value, ['c'])
    for (const key of keys) assert.deepEqual(session.get(key), { isAdmin: true, key })
    assert.deepEqual(session.keys().sort(), [...keys, 'nested'].sort())
    assert.equal(session.get('isAdmin'), undefined)
    assert.equal(session.has('isAdmin'), false)
    const nestedValue = session.get('nested') as Record<string, unknown>
    assert.equal(Object.getPrototypeOf(nestedValue), Object.prototype)
    assert.ok(Object.hasOwn(nestedValue, '__proto__'))
    assert.deepEqual(Object.getOwnPropertyDescriptor(nestedValue, '__proto__')?.value, {
      isAdmin: true,
    })
    assert.equal(nestedValue['isAdmin'], undefined)
    assert.equal('isAdmin' in nestedValue, false)
    const all = session.getAll() as Record<string, unknown>
    assert.equal(Object.getPrototypeOf(all), Object.prototype)
    assert.ok(Object.hasOwn(all, '__proto__'))
    assert.equal(all['isAdmin'], undefined)
    // Methods are not shadowed, and the session is not thenable.
    assert.equal(typeof session.destroy, 'function')
    assert.equal(typeof session.get, 'function')
    assert.equal((session as unknown as { then?: unknown }).then, undefined)
    assert.equal(await Promise.resolve(session), session)
    assert.equal(({} as Record<string, unknown>)['isAdmin'], undefined)
    assert.equal(prototypeSnapshot(), before)
  })

  it('PRO-04: any dictionary of JSON values round-trips through a cookie (property)', async () => {
    const before = prototypeSnapshot()
    const h = harness({ maxLength: 1_000_000 })
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 4 }), { maxKeys: 8 }),
        async (data) => {
          const session = h.store.create()
          for (const [key, value] of Object.entries(data)) session.set(key, value)
          const setCookie = await h.store.save(session)
          const loaded = await h.store.get(setCookie?.split(';')[0])
          const entries = Object.entries(data)
          assert.equal(loaded.loadError, undefined)
          assert.deepEqual(loaded.keys().sort(), entries.map(([key]) => key).sort())
          for (const [key, value] of entries) {
            // JSON.stringify: -0 becomes 0 in JSON, which is the documented value model.
            assert.equal(JSON.stringify(loaded.get(key)), JSON.stringify(value), key)
          }
        },
      ),
      { numRuns: 100 },
    )
    assert.equal(prototypeSnapshot(), before)
    assert.equal(({} as Record<string, unknown>)['isAdmin'], undefined)
  })
})

describe('Session typing at run time', () => {
  it('works with a typed data and flash shape', () => {
    interface Data extends SessionData {
      userId: string
      count: number
    }
    interface Flash extends SessionData {
      notice: string
    }
    const session = harness<Data, Flash>().store.create()
    session.set('userId', 'u1')
    assert.equal(session.increment('count'), 1)
    session.addFlash('notice', 'hello')
    assert.deepEqual(session.flashes('notice'), ['hello'])
    assert.equal(session.get('userId'), 'u1')
  })
})
