// Property tests: random Go-typed sessions (sized ints and uints, float32 and float64, strings
// with byte order marks, []byte, registered structs, typed and untyped slices and maps, nested,
// flashes) written by TypeScript or by "Go" (gobEncodeSessionValues, byte-exact with Go's
// encoder per the vectors) come back with every value's Go type, also after TypeScript saves
// the session again without touching them.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'

import {
  GoFloat,
  GoInt,
  GoStruct,
  GoTyped,
  GoUint,
  gobDecodeSessionValues,
  gobEncodeSessionValues,
} from '../src/gob.ts'
import { DEFAULT_FLASH_KEY, SessionValueError } from '../src/index.ts'
import { createSecureCookie } from '../src/securecookie.ts'
import { createGorillaCookieStore, gorillaSessionSerializer } from '../src/interop/gorilla-store.ts'
import { cookieValue, expectCookie } from './support/cookies.ts'
import { decodedSlot, expectedView, goString, goValue } from './support/gob-typed.ts'
import { hex } from './support/gob-vectors.ts'
import { HASH_KEY, TS } from './support/securecookie-vectors.ts'

const NAME = 'session-name'
const now = () => TS * 1000
const store = createGorillaCookieStore({
  name: NAME,
  keyPairs: [HASH_KEY],
  now,
  maxLength: 0,
  crypto: 'node',
})
// Reads a saved cookie the way a Go peer does: securecookie, then gob into Values.
const peer = createSecureCookie({
  hashKey: HASH_KEY,
  serializer: gorillaSessionSerializer,
  now,
  maxLength: 0,
  crypto: 'node',
})

async function peerValues(header: string | undefined): Promise<Map<unknown, unknown>> {
  return (await peer.decode(NAME, cookieValue(expectCookie(header)))) as Map<unknown, unknown>
}

// Session keys: anything but the flash key and the key the tests touch, BOMs included.
const sessionKey = goString.filter((k) => k !== '_flash' && k !== 'touched')
const entries = fc.uniqueArray(fc.tuple(sessionKey, goValue), {
  selector: ([key]) => key,
  maxLength: 5,
})
const flashes = fc.array(goValue, { maxLength: 3 })

function assertSameTypes(
  values: Map<unknown, unknown>,
  written: readonly (readonly [unknown, unknown])[],
  flash: readonly unknown[],
) {
  for (const [key, value] of written) {
    assert.deepStrictEqual(decodedSlot(values, key, values.get(key)), expectedView(value))
  }
  if (flash.length > 0) {
    assert.deepStrictEqual(decodedSlot(values, '_flash', values.get('_flash')), expectedView(flash))
  } else {
    assert.equal(values.has('_flash'), false)
  }
}

describe('gob: Go-typed values round-trip with their Go types (property)', () => {
  it('decode(encode(x)) has x and its Go types in every interface slot; re-encoding is byte-exact', () => {
    fc.assert(
      fc.property(entries, (list) => {
        const bytes = gobEncodeSessionValues(new Map(list))
        const decoded = gobDecodeSessionValues(bytes, { maxDepth: 64 })
        assert.deepStrictEqual(
          [...decoded.keys()],
          list.map(([key]) => key),
        )
        assertSameTypes(decoded, list, [])
        assert.equal(hex(gobEncodeSessionValues(decoded)), hex(bytes))
      }),
      { numRuns: 300 },
    )
  })
})

describe('gorilla store: Go types survive TypeScript writes and re-saves (property)', () => {
  it('values and flashes set in TypeScript reach Go with their Go types, and keep them on the next save', async () => {
    await fc.assert(
      fc.asyncProperty(entries, flashes, async (list, flash) => {
        fc.pre(list.length + flash.length > 0) // an empty session writes no cookie
        const session = store.create()
        for (const [key, value] of list) session.set(key, value)
        for (const value of flash) session.addFlash(DEFAULT_FLASH_KEY, value)
        const first = await store.save(session)
        assertSameTypes(await peerValues(first), list, flash)
        // The next request changes something else and leaves the flashes unread.
        const next = await store.get(`${NAME}=${cookieValue(expectCookie(first))}`)
        assert.equal(next.loadError, undefined)
        next.set('touched', 1)
        const second = await peerValues(await store.save(next))
        assertSameTypes(second, [...list, ['touched', 1]], flash)
      }),
      { numRuns: 150 },
    )
  })

  it('values and flashes Go wrote keep their Go types when TypeScript saves the session', async () => {
    await fc.assert(
      fc.asyncProperty(entries, flashes, async (list, flash) => {
        const goWritten = new Map<unknown, unknown>(list)
        if (flash.length > 0) goWritten.set('_flash', flash)
        const cookie = await peer.encode(NAME, goWritten)
        const session = await store.get(`${NAME}=${cookie}`)
        assert.equal(session.loadError, undefined)
        for (const [key] of list) assert.ok(session.has(key))
        session.set('touched', true)
        const saved = await peerValues(await store.save(session))
        assertSameTypes(saved, [...list, ['touched', true]], flash)
      }),
      { numRuns: 150 },
    )
  })

  it('a value set over a key Go wrote either keeps Go’s type or is refused at set(), never at save()', async () => {
    await fc.assert(
      fc.asyncProperty(sessionKey, goValue, goValue, async (key, goSide, tsSide) => {
        const cookie = await peer.encode(NAME, new Map([[key, goSide]]))
        const session = await store.get(`${NAME}=${cookie}`)
        try {
          session.set(key, tsSide)
        } catch (error) {
          assert.ok(error instanceof SessionValueError, String(error))
          assert.equal(error.key, key)
          return
        }
        const saved = await peerValues(await store.save(session))
        const view = decodedSlot(saved, key, saved.get(key))
        const wrapped = expectedView(tsSide)
        // A wrapper says the Go type; a plain value keeps Go's (or is nil).
        const goType = expectedView(goSide).go
        if (tsSide === null) assert.equal(view.go, 'nil')
        else if (isWrapper(tsSide)) assert.deepStrictEqual(view, wrapped)
        else assert.equal(view.go, goType === 'nil' ? wrapped.go : goType)
      }),
      { numRuns: 300 },
    )
  })
})

function isWrapper(value: unknown): boolean {
  return [GoInt, GoUint, GoFloat, GoTyped, GoStruct].some((type) => value instanceof type)
}

describe('gorilla store: the Go type of a key (examples)', () => {
  it('keeps a Go []string while the value fits and refuses another shape at set() naming the key', async () => {
    const cookie = await peer.encode(
      NAME,
      new Map([['roles', new GoTyped({ slice: 'string' }, ['admin'])]]),
    )
    const session = await store.get(`${NAME}=${cookie}`)
    assert.throws(
      () => {
        session.set('roles', [1, 2])
      },
      (error: unknown) =>
        error instanceof SessionValueError &&
        error.key === 'roles' &&
        error.message.includes('Go wrote this key as []string'),
    )
    session.set('roles', ['admin', 'ops'])
    const saved = await peerValues(await store.save(session))
    assert.deepStrictEqual(decodedSlot(saved, 'roles', saved.get('roles')), {
      go: '[]string',
      value: ['admin', 'ops'],
    })
    // A wrapper gives the key another Go type on purpose.
    session.set('roles', new GoTyped({ slice: 'int' }, [1, 2]))
    const retyped = await peerValues(await store.save(session))
    assert.equal(decodedSlot(retyped, 'roles', retyped.get('roles')).go, '[]int')
  })

  it('an int16 Go wrote stays int16; a value out of its range is refused at set()', async () => {
    const cookie = await peer.encode(NAME, new Map([['level', new GoInt(3, 'int16')]]))
    const session = await store.get(`${NAME}=${cookie}`)
    session.set('level', 32767)
    assert.throws(
      () => {
        session.set('level', 32768)
      },
      (error: unknown) => error instanceof SessionValueError && error.key === 'level',
    )
    const saved = await peerValues(await store.save(session))
    assert.deepStrictEqual(decodedSlot(saved, 'level', saved.get('level')), {
      go: 'int16',
      value: 32767,
    })
  })
})
