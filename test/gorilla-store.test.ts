// The gorilla/sessions-compatible cookie store: the Go-made CookieStore/FilesystemStore gob
// vectors (decode, and encode byte-exact), int keys, `_flash` semantics, rotation, maxAge as
// one source of truth, and client garbage never throwing.
import assert from 'node:assert/strict'
import { Buffer } from 'node:buffer'
import { describe, it } from 'node:test'

import {
  GoFloat,
  GoInt,
  GoStruct,
  GoTyped,
  GoUint,
  gobEncode,
  GobTypeIds,
  gobSerializer,
} from '../src/gob.ts'
import {
  DEFAULT_FLASH_KEY,
  InvalidCookieError,
  SessionConfigError,
  SessionValueError,
  type Session,
} from '../src/index.ts'
import {
  codecsFromPairs,
  createSecureCookie,
  goJsonSerializer,
  SecureCookieError,
} from '../src/securecookie.ts'
import {
  createGorillaCookieStore,
  gorillaSessionSerializer,
  type GorillaCookieStoreOptions,
} from '../src/interop/gorilla-store.ts'
import { cookieAttributes, cookieValue, expectCookie } from './support/cookies.ts'
import { decodedSlot } from './support/gob-typed.ts'
import {
  assertImmutable,
  browserFor,
  checkLoadedFlashesAreImmutable,
} from './support/immutability.ts'
import {
  AES256_KEY,
  fixedIv,
  GOB_VECTORS,
  HASH_KEY,
  TS,
  type GorillaGobVector,
} from './support/securecookie-vectors.ts'

const PATHS = ['node', 'web'] as const
const NAME = 'session-name'

// What each Go session (goValue) looks like through the store.
const EXPECTED: Record<
  string,
  { values: Record<string, unknown>; flash?: Record<string, unknown[]> }
> = {
  'README example: foo=bar, 42=43': { values: { foo: 'bar', '42': 43 } },
  'basic types': {
    values: {
      s: 'str',
      b: true,
      i: -7,
      i64: 2 ** 40,
      u: 9,
      f: 3.25,
      bytes: new Uint8Array([1, 2, 3]),
    },
  },
  'slices and maps': {
    values: { roles: ['admin', 'user'], prefs: { theme: 'dark', size: 12 }, ids: [1, 2, 3] },
  },
  'registered struct': {
    values: { user: { ID: 7, Name: 'Ada', Admin: true, Tags: ['a', 'b'] } },
  },
  flashes: {
    values: {},
    flash: { _flash: ['Hello, flash!', 'second'], _notice: ['custom'] },
  },
  'empty session': { values: {} },
}

function storeFor(
  v: GorillaGobVector,
  crypto: 'node' | 'web',
  extra: Partial<GorillaCookieStoreOptions> = {},
) {
  return createGorillaCookieStore({
    name: NAME,
    keyPairs: v.blockKey === undefined ? [v.hashKey] : [v.hashKey, v.blockKey],
    now: () => v.timestamp * 1000,
    randomBytes: fixedIv(v.ivHex),
    flashKeys: ['_flash', '_notice'],
    crypto,
    ...extra,
  })
}

// Session values in insertion order.
function valuesOf(session: Session): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const key of session.keys()) out[key] = session.get(key)
  return out
}

describe('gorilla CookieStore gob vectors', () => {
  it('has 12 CookieStore and 1 FilesystemStore vector', () => {
    assert.equal(GOB_VECTORS.filter((v) => v.kind === 'gorilla-cookiestore-gob').length, 12)
    assert.equal(GOB_VECTORS.filter((v) => v.kind === 'gorilla-filesystemstore-gob').length, 1)
  })

  for (const crypto of PATHS) {
    describe(`[${crypto}]`, () => {
      for (const v of GOB_VECTORS.filter((x) => x.kind === 'gorilla-cookiestore-gob')) {
        const label = `${v.note} (${v.blockKey === undefined ? 'signed' : 'AES-256'})`
        const expected = EXPECTED[v.note]
        assert.ok(expected, v.note)

        it(`${label}: decodes into the session`, async () => {
          const store = storeFor(v, crypto)
          const session = await store.get(`${NAME}=${v.encoded}`)
          assert.equal(session.loadError, undefined)
          assert.equal(session.isNew, false)
          const values = valuesOf(session)
          for (const [key, value] of Object.entries(expected.values)) {
            assert.ok(session.has(key), `missing ${key}`)
            if (value instanceof Uint8Array) continue
            assert.deepStrictEqual(values[key], value, key)
          }
          assert.deepStrictEqual(Object.keys(values).sort(), Object.keys(expected.values).sort())
          for (const [key, list] of Object.entries(expected.flash ?? {})) {
            assert.deepStrictEqual(session.flashes(key), list)
          }
        })
      }

      it('all 12 re-encode byte-exact through the store (one gob type table, like the Go process)', async () => {
        // gob numbers types per process: the Go program encoded the vectors in file order, so
        // one shared GobTypeIds reproduces its ids (main.User, []string, ... ).
        const typeIds = new GobTypeIds()
        const serializer = {
          serialize: (value: unknown) =>
            gobEncode(value, { topLevel: { map: ['interface', 'interface'] }, typeIds }),
          deserialize: (bytes: Uint8Array) => gorillaSessionSerializer.deserialize(bytes),
        }
        let exact = 0
        for (const v of GOB_VECTORS.filter((x) => x.kind === 'gorilla-cookiestore-gob')) {
          const store = storeFor(v, crypto, { serializer })
          const session = await store.get(`${NAME}=${v.encoded}`)
          session.shiftExpiration()
          const header = await store.save(session)
          if (v.note === 'empty session') {
            // An empty session deletes its cookie; the codec alone re-encodes Go's bytes.
            assert.equal(cookieValue(expectCookie(header)), '')
            const codec = createSecureCookie({
              hashKey: v.hashKey,
              ...(v.blockKey === undefined ? {} : { blockKey: v.blockKey }),
              serializer,
              now: () => v.timestamp * 1000,
              randomBytes: fixedIv(v.ivHex),
              crypto,
            })
            assert.equal(await codec.encode(NAME, new Map()), v.encoded, v.note)
          } else {
            assert.equal(cookieValue(expectCookie(header)), v.encoded, `${v.note} ${v.ivHex ?? ''}`)
          }
          exact++
        }
        assert.equal(exact, 12)
      })

      it('with a fresh gob type table per save, type-history-free vectors are byte-exact', async () => {
        for (const v of GOB_VECTORS.filter((x) => x.kind === 'gorilla-cookiestore-gob')) {
          if (
            !['README example: foo=bar, 42=43', 'basic types', 'slices and maps'].includes(v.note)
          ) {
            continue
          }
          const store = storeFor(v, crypto)
          const session = await store.get(`${NAME}=${v.encoded}`)
          session.shiftExpiration()
          assert.equal(cookieValue(expectCookie(await store.save(session))), v.encoded, v.note)
        }
      })

      it('FilesystemStore: the ID cookie (gob string) and the file (Values)', async () => {
        const v = GOB_VECTORS.find((x) => x.kind === 'gorilla-filesystemstore-gob')
        assert.ok(v?.fileData !== undefined)
        const idCodec = createSecureCookie({
          hashKey: v.hashKey,
          serializer: gobSerializer,
          now: () => v.timestamp * 1000,
          crypto,
        })
        const id = await idCodec.decode(NAME, v.encoded)
        assert.equal(id, 'KVKVKVKVKVKVKVKVKVKVKVKVKVKVKVKVKVKVKVKVKVKVKVKVKVKQ')
        assert.equal(await idCodec.encode(NAME, id), v.encoded)
        // The file is a complete securecookie string of the Values, same name in the MAC.
        const store = storeFor(v, crypto)
        const session = await store.get(`${NAME}=${v.fileData}`)
        assert.deepStrictEqual(valuesOf(session), { foo: 'bar', '42': 43 })
      })
    })
  }
})

describe('gorilla store semantics', () => {
  const readme = GOB_VECTORS.find((v) => v.note.startsWith('README') && v.blockKey === undefined)
  assert.ok(readme)

  for (const crypto of PATHS) {
    describe(`[${crypto}]`, () => {
      let clock = TS * 1000
      const base = (extra: Partial<GorillaCookieStoreOptions> = {}) =>
        createGorillaCookieStore({
          name: NAME,
          keyPairs: [HASH_KEY],
          now: () => clock,
          crypto,
          ...extra,
        })

      it('an int key 42 shows as "42" and is written back as an int key', async () => {
        clock = TS * 1000
        const store = base()
        const session = await store.get(`${NAME}=${readme.encoded}`)
        assert.equal(session.get('42'), 43)
        session.set('foo', 'baz')
        const header = expectCookie(await store.save(session))
        const decoded = await createSecureCookie({
          hashKey: HASH_KEY,
          serializer: gorillaSessionSerializer,
          now: () => clock,
        }).decode(NAME, cookieValue(header))
        assert.deepStrictEqual(
          decoded,
          new Map<unknown, unknown>([
            ['foo', 'baz'],
            [42, 43],
          ]),
        )
      })

      it('an int key colliding with a string key is kept untouched', async () => {
        clock = TS * 1000
        const codec = createSecureCookie({
          hashKey: HASH_KEY,
          serializer: gorillaSessionSerializer,
          now: () => clock,
          crypto,
        })
        const cookie = await codec.encode(
          NAME,
          new Map<string | number, unknown>([
            ['42', 'str'],
            [42, 'int'],
          ]),
        )
        const store = base()
        const session = await store.get(`${NAME}=${cookie}`)
        assert.deepStrictEqual(session.keys(), ['42'])
        assert.equal(session.get('42'), 'str')
        session.set('x', 1)
        const header = expectCookie(await store.save(session))
        assert.deepStrictEqual(
          await codec.decode(NAME, cookieValue(header)),
          new Map<unknown, unknown>([
            ['42', 'str'],
            [42, 'int'],
            ['x', 1],
          ]),
        )
      })

      it('flashes: Go-written flashes are read once; TS flashes are Go flashes', async () => {
        clock = TS * 1000
        const v = GOB_VECTORS.find((x) => x.note === 'flashes' && x.blockKey === undefined)
        assert.ok(v)
        const codec = createSecureCookie({
          hashKey: HASH_KEY,
          serializer: gorillaSessionSerializer,
          now: () => clock,
          crypto,
        })
        // Default flashKeys: only _flash is a flash; _notice stays a value.
        const store = base()
        const session = await store.get(`${NAME}=${v.encoded}`)
        assert.deepStrictEqual(session.get('_notice'), ['custom'])
        assert.deepStrictEqual(session.flashes(DEFAULT_FLASH_KEY), ['Hello, flash!', 'second'])
        assert.deepStrictEqual(session.flashes(DEFAULT_FLASH_KEY), ['Hello, flash!', 'second'])
        const afterRead = expectCookie(await store.save(session))
        assert.deepStrictEqual(
          await codec.decode(NAME, cookieValue(afterRead)),
          new Map([['_notice', ['custom']]]),
        )
        const next = await store.get(`${NAME}=${cookieValue(afterRead)}`)
        assert.deepStrictEqual(next.flashes(DEFAULT_FLASH_KEY), [])
        next.addFlash(DEFAULT_FLASH_KEY, 'from TS')
        next.addFlash('_notice' as never, { level: 'warn' })
        const written = expectCookie(await store.save(next))
        assert.deepStrictEqual(
          await codec.decode(NAME, cookieValue(written)),
          new Map<string, unknown>([
            ['_notice', ['custom', { level: 'warn' }]],
            ['_flash', ['from TS']],
          ]),
        )
      })

      it('cookie attributes: Path=/, HttpOnly, Secure, SameSite=Lax, Max-Age = maxAge', async () => {
        clock = TS * 1000
        const store = base({ maxAge: 3600 })
        assert.equal(store.maxAge, 3600)
        assert.ok(store.codecs.every((c) => c.maxAge === 3600))
        const session = store.create()
        session.set('a', 1)
        const header = expectCookie(await store.save(session))
        const attrs = cookieAttributes(header)
        assert.equal(attrs.get('path'), '/')
        assert.equal(attrs.get('max-age'), '3600')
        assert.equal(attrs.get('expires'), new Date(clock + 3_600_000).toUTCString())
        assert.equal(attrs.get('httponly'), true)
        assert.equal(attrs.get('secure'), true)
        assert.equal(attrs.get('samesite'), 'Lax')
        // The same maxAge bounds the codec: one second too late is expired.
        clock += 3601 * 1000
        const later = await store.get(`${NAME}=${cookieValue(header)}`)
        assert.ok(later.loadError instanceof InvalidCookieError)
        assert.equal(later.loadError.reason, 'expired')
        clock = TS * 1000
      })

      it('maxAge 0 = browser-session cookie without age check; < 0 deletes', async () => {
        clock = TS * 1000
        const store = base({ maxAge: 0 })
        const session = store.create()
        session.set('a', 1)
        const header = expectCookie(await store.save(session))
        assert.equal(cookieAttributes(header).has('max-age'), false)
        clock += 1e9 * 1000
        const later = await store.get(`${NAME}=${cookieValue(header)}`)
        assert.equal(later.get('a'), 1)
        later.setCookieOptions({ maxAge: -1 })
        const deletion = expectCookie(await store.save(later))
        assert.equal(cookieValue(deletion), '')
        assert.equal(cookieAttributes(deletion).get('max-age'), '0')
        clock = TS * 1000
      })

      it('a rotated key is read and the cookie re-encoded with the current key', async () => {
        clock = TS * 1000
        const OLD = 'old-hash-key-old-hash-key-000000'
        const oldStore = createGorillaCookieStore({
          name: NAME,
          keyPairs: [OLD],
          now: () => clock,
          crypto,
        })
        const s1 = oldStore.create()
        s1.set('user', 'ada')
        const oldCookie = cookieValue(expectCookie(await oldStore.save(s1)))
        const store = base({ keyPairs: [HASH_KEY, null, OLD] })
        const s2 = await store.get(`${NAME}=${oldCookie}`)
        assert.equal(s2.get('user'), 'ada')
        const rewritten = cookieValue(expectCookie(await store.save(s2)))
        const fresh = base()
        assert.equal((await fresh.get(`${NAME}=${rewritten}`)).get('user'), 'ada')
        // Unchanged and current: nothing to write.
        const s3 = await store.get(`${NAME}=${rewritten}`)
        assert.equal(await store.save(s3), undefined)
      })

      it('renews an unchanged cookie after renewAfter so its timestamp slides', async () => {
        clock = TS * 1000
        const store = base({ maxAge: 1000, renewAfter: 100 })
        const s = store.create()
        s.set('a', 1)
        const first = cookieValue(expectCookie(await store.save(s)))
        clock += 50_000
        assert.equal(await store.save(await store.get(`${NAME}=${first}`)), undefined)
        clock += 60_000
        const renewed = await store.save(await store.get(`${NAME}=${first}`))
        assert.ok(renewed !== undefined && cookieValue(renewed) !== first)
        clock = TS * 1000
      })

      it('client garbage gives a fresh session with loadError, never a throw', async () => {
        clock = TS * 1000
        const seen: [InvalidCookieError, SecureCookieError][] = []
        const store = base({ maxLength: 200, onInvalidCookie: (e, go) => seen.push([e, go]) })
        const good = store.create()
        good.set('a', 1)
        const cookie = cookieValue(expectCookie(await store.save(good)))
        const cases: [string, InvalidCookieError['reason'], string][] = [
          [
            '!!!',
            'malformed',
            'securecookie: base64 decode failed - caused by: illegal base64 data at input byte 0',
          ],
          [
            cookie.slice(0, -2) + (cookie.endsWith('A=') ? 'B=' : 'A='),
            'tampered',
            'securecookie: the value is not valid',
          ],
          ['x'.repeat(201), 'too-large', 'securecookie: the value is too long: 201'],
        ]
        for (const [value, reason, message] of cases) {
          const session = await store.get(`${NAME}=${value}`)
          assert.equal(session.isNew, true)
          assert.ok(session.loadError instanceof InvalidCookieError)
          assert.equal(session.loadError.reason, reason)
          assert.equal(seen.at(-1)?.[1].goMessage, message)
          // A fresh session with a present bad cookie: saving an empty session deletes it.
          assert.equal(cookieValue(expectCookie(await store.save(session))), '')
        }
        // A JSON cookie under the right key passes the MAC and fails in gob: malformed.
        const json = createSecureCookie({ hashKey: HASH_KEY, now: () => clock, crypto })
        const session = await store.get(`${NAME}=${await json.encode(NAME, { a: 1 })}`)
        assert.equal(session.loadError?.reason, 'malformed')
        assert.match(seen.at(-1)?.[1].goMessage ?? '', /^securecookie: error - caused by: /)
        // Expired beats "not valid" when an older key still authenticates the cookie.
        clock += 40 * 86_400_000
        const expired = await base({ keyPairs: ['other-key', null, HASH_KEY] }).get(
          `${NAME}=${cookie}`,
        )
        assert.equal(expired.loadError?.reason, 'expired')
        clock = TS * 1000
        // The first of several same-name cookies that decodes wins.
        const dup = await store.get(`${NAME}=garbage; ${NAME}=${cookie}`)
        assert.equal(dup.get('a'), 1)
      })

      it('destroy and new', async () => {
        clock = TS * 1000
        const store = base()
        const fresh = store.create()
        assert.equal(await store.save(fresh), undefined)
        const s = await store.get(`${NAME}=${readme.encoded}`)
        const header = expectCookie(await store.destroy(s))
        assert.equal(cookieValue(header), '')
        assert.equal(cookieAttributes(header).get('max-age'), '0')
      })

      it('works with goJsonSerializer (string keys) for TS-to-TS or a Go JSON serializer', async () => {
        clock = TS * 1000
        const store = base({ serializer: goJsonSerializer })
        const s = store.create()
        s.set('user', { id: 1, name: '<Ada>' })
        const cookie = cookieValue(expectCookie(await store.save(s)))
        const decoded = await createSecureCookie({ hashKey: HASH_KEY, now: () => clock }).decode(
          NAME,
          cookie,
        )
        assert.deepStrictEqual(decoded, { user: { id: 1, name: '<Ada>' } })
        assert.deepStrictEqual((await store.get(`${NAME}=${cookie}`)).get('user'), {
          id: 1,
          name: '<Ada>',
        })
      })
    })
  }

  it('checks its configuration', () => {
    assert.throws(() => createGorillaCookieStore({ name: NAME }), SessionConfigError)
    const codecs = codecsFromPairs([HASH_KEY], { maxAge: 60 })
    assert.throws(
      () => createGorillaCookieStore({ name: NAME, keyPairs: [HASH_KEY], codecs }),
      SessionConfigError,
    )
    assert.equal(createGorillaCookieStore({ name: NAME, codecs }).maxAge, 60)
    assert.throws(
      () => createGorillaCookieStore({ name: NAME, codecs, maxAge: 61 }),
      SessionConfigError,
    )
    assert.throws(
      () => createGorillaCookieStore({ name: NAME, keyPairs: [HASH_KEY, 'short'] }),
      SecureCookieError,
    )
    assert.throws(() => createGorillaCookieStore({ name: NAME, keyPairs: [] }), SecureCookieError)
    assert.throws(
      () =>
        createGorillaCookieStore({
          name: NAME,
          keyPairs: [HASH_KEY],
          cookie: { sameSite: 'None', secure: false },
        }),
      Error,
    )
    assert.ok(
      createGorillaCookieStore({ name: NAME, keyPairs: [HASH_KEY, AES256_KEY] }).codecs[0]
        ?.encrypted,
    )
  })
})

describe('gorilla store keeps Go types across a TypeScript write', () => {
  it('a changed int64 stays int64 and uint stays uint; a new array is []interface{}', async () => {
    const v = GOB_VECTORS.find((x) => x.note === 'basic types' && x.blockKey === undefined)
    const w = GOB_VECTORS.find((x) => x.note === 'slices and maps' && x.blockKey === undefined)
    assert.ok(v && w)
    const inner = (cookie: string): string => {
      const raw = Buffer.from(cookie, 'base64url').toString('latin1')
      return Buffer.from(raw.split('|')[1] ?? '', 'base64url').toString('latin1')
    }
    const store = storeFor(v, 'node')
    const session = await store.get(`${NAME}=${v.encoded}`)
    session.set('i64', 5)
    session.set('u', 10)
    const gob = inner(cookieValue(expectCookie(await store.save(session))))
    assert.match(gob, /int64/)
    assert.match(gob, /uint/)
    const wStore = storeFor(w, 'node')
    const s2 = await wStore.get(`${NAME}=${w.encoded}`)
    // A key Go wrote keeps its Go type while the new value fits it ([]string stays []string);
    // another shape is refused at set(), and GoTyped says which Go type to use instead.
    s2.set('roles', ['root'])
    assert.ok(
      inner(cookieValue(expectCookie(await wStore.save(s2)))).includes('roles\u0008[]string'),
    )
    assert.throws(
      () => {
        s2.set('roles', ['root', 1])
      },
      { code: 'ERR_SESSION_VALUE_INVALID', key: 'roles' },
    )
    s2.set('roles', new GoTyped({ slice: 'interface' }, ['root', 1]))
    const gob2 = inner(cookieValue(expectCookie(await wStore.save(s2))))
    assert.ok(gob2.includes('roles\u000e[]interface {}'))
  })

  it('Go-typed values set from TypeScript reach Go with their types, and read back', async () => {
    const v = GOB_VECTORS.find((x) => x.note === 'registered struct' && x.blockKey === undefined)
    assert.ok(v)
    const store = storeFor(v, 'node')
    const session = store.create()
    const user = new GoStruct(
      'main.User',
      [
        { name: 'ID', type: 'int' },
        { name: 'Name', type: 'string' },
        { name: 'Admin', type: 'bool' },
        { name: 'Tags', type: { slice: 'string' } },
      ],
      { ID: 7, Name: 'Ada', Admin: true, Tags: ['a', 'b'] },
    )
    session.set('user', user)
    session.set('roles', new GoTyped({ slice: 'string' }, ['admin']))
    session.set('big', new GoInt(2n ** 62n, 'int64'))
    session.set('raw', new Uint8Array([1, 2, 3]))
    const cookie = expectCookie(await store.save(session))
    const raw = Buffer.from(cookieValue(cookie), 'base64url').toString('latin1')
    const gob = Buffer.from(raw.split('|')[1] ?? '', 'base64url').toString('latin1')
    for (const name of ['main.User', '[]string', 'int64', '[]uint8'])
      assert.ok(gob.includes(name), name)
    const loaded = await storeFor(v, 'node').get(`${NAME}=${cookieValue(cookie)}`)
    assert.deepEqual(loaded.get('user'), { ID: 7, Name: 'Ada', Admin: true, Tags: ['a', 'b'] })
    assert.deepEqual(loaded.get('roles'), ['admin'])
    assert.equal(loaded.get('big'), 2n ** 62n)
    assert.deepEqual(loaded.get('raw'), new Uint8Array([1, 2, 3]))
  })

  it('values that gob cannot carry are refused at set', () => {
    const v = GOB_VECTORS.find((x) => x.note === 'basic types' && x.blockKey === undefined)
    assert.ok(v)
    const session = storeFor(v, 'node').create()
    assert.throws(
      () => {
        session.set('when', new Date())
      },
      { code: 'ERR_SESSION_VALUE_INVALID' },
    )
    assert.throws(
      () => {
        session.set('f', () => 1)
      },
      { code: 'ERR_SESSION_VALUE_INVALID' },
    )
  })
})

describe('gorilla store: Go types in mixed Go and TypeScript sessions', () => {
  const clock = () => TS * 1000
  const store = createGorillaCookieStore({
    name: NAME,
    keyPairs: [HASH_KEY],
    now: clock,
    crypto: 'node',
  })
  // Stands in for the Go service: gob is byte-exact with Go's encoder (see the vectors above).
  const goPeer = createSecureCookie({
    hashKey: HASH_KEY,
    serializer: gorillaSessionSerializer,
    now: clock,
    crypto: 'node',
  })
  const goRead = async (header: string | undefined) =>
    (await goPeer.decode(NAME, cookieValue(expectCookie(header)))) as Map<unknown, unknown>
  const typeOf = (values: Map<unknown, unknown>, key: unknown) =>
    decodedSlot(values, key, values.get(key)).go

  it('an int8 set first does not range-check a later int (one Go type per number kind)', async () => {
    const session = store.create()
    session.set('level', new GoInt(3, 'int8'))
    session.set('visits', 1000)
    session.set('ratio', new GoFloat(0.25, 'float32'))
    session.set('share', 0.1)
    const values = await goRead(await store.save(session))
    assert.deepStrictEqual(
      ['level', 'visits', 'ratio', 'share'].map((key) => [typeOf(values, key), values.get(key)]),
      [
        ['int8', 3],
        ['int', 1000],
        ['float32', 0.25],
        ['float64', 0.1],
      ],
    )
  })

  for (const order of [
    ['level', 'visits'],
    ['visits', 'level'],
  ]) {
    it(`Go wrote {level: int16, visits: int} (${order.join(' first, ')}): Node increments visits`, async () => {
      const written = new Map<string, unknown>([
        ['level', new GoInt(2, 'int16')],
        ['visits', 41],
      ])
      const cookie = await goPeer.encode(NAME, new Map(order.map((key) => [key, written.get(key)])))
      const session = await store.get(`${NAME}=${cookie}`)
      // Beyond int16: with one entry per wire family, an int16 seen first range-checked it.
      assert.equal(session.increment('visits', 100_000), 100_041)
      const values = await goRead(await store.save(session))
      assert.deepStrictEqual(
        ['level', 'visits'].map((key) => [typeOf(values, key), values.get(key)]),
        [
          ['int16', 2],
          ['int', 100_041],
        ],
      )
    })
  }

  it('a session key with a leading U+FEFF keeps it', async () => {
    const cookie = await goPeer.encode(NAME, new Map([['\ufeffkey', '\ufeffvalue']]))
    const session = await store.get(`${NAME}=${cookie}`)
    assert.deepStrictEqual(session.keys(), ['\ufeffkey'])
    assert.equal(session.get('\ufeffkey'), '\ufeffvalue')
    session.set('\ufeffother', '\ufeff')
    const values = await goRead(await store.save(session))
    assert.deepStrictEqual(
      [...values],
      [
        ['\ufeffkey', '\ufeffvalue'],
        ['\ufeffother', '\ufeff'],
      ],
    )
  })

  it('flashes Go wrote and Node did not read keep the Go types of their elements', async () => {
    const flash = [
      new GoInt(5, 'int64'),
      new GoUint(2n ** 64n - 1n, 'uint64'),
      new GoInt(-1, 'int8'),
    ]
    const cookie = await goPeer.encode(
      NAME,
      new Map<string, unknown>([
        ['_flash', flash],
        ['user', 'ada'],
      ]),
    )
    const session = await store.get(`${NAME}=${cookie}`)
    session.set('user', 'grace')
    const header = await store.save(session)
    const values = await goRead(header)
    assert.deepStrictEqual(decodedSlot(values, '_flash', values.get('_flash')), {
      go: '[]interface {}',
      value: [
        { go: 'int64', value: 5 },
        { go: 'uint64', value: 2n ** 64n - 1n },
        { go: 'int8', value: -1 },
      ],
    })
    // A flash Node adds is appended; Go's elements keep their types.
    const next = await store.get(`${NAME}=${cookieValue(expectCookie(header))}`)
    next.addFlash(DEFAULT_FLASH_KEY, 7)
    const appended = await goRead(await store.save(next))
    assert.deepStrictEqual(
      (decodedSlot(appended, '_flash', appended.get('_flash')).value as { go: string }[]).map(
        (slot) => slot.go,
      ),
      ['int64', 'uint64', 'int8', 'int'],
    )
  })

  it('a bool key and an int key beyond 2^53 do not make the session malformed', async () => {
    const cookie = await goPeer.encode(
      NAME,
      new Map<unknown, unknown>([
        [true, 'bool key'],
        [2n ** 60n, 'big int key'],
        [new GoUint(7, 'uint8'), 'uint8 key'],
        [1.5, 'float key'],
        ['user', 'ada'],
      ]),
    )
    const session = await store.get(`${NAME}=${cookie}`)
    assert.equal(session.loadError, undefined)
    // Int keys show as their decimal text; keys of other Go types are kept but not shown.
    assert.deepStrictEqual(session.keys(), [String(2n ** 60n), '7', 'user'])
    assert.equal(session.get(String(2n ** 60n)), 'big int key')
    session.set('7', 'changed')
    const values = await goRead(await store.save(session))
    assert.deepStrictEqual(
      [...values],
      [
        [true, 'bool key'],
        [2n ** 60n, 'big int key'],
        [7, 'changed'],
        [1.5, 'float key'],
        ['user', 'ada'],
      ],
    )
    const keyTypes = [...values.keys()].map((key) => decodedSlot(values, key, key, true).go)
    assert.deepStrictEqual(keyTypes, ['bool', 'int', 'uint8', 'float64', 'string'])
  })

  it('values the next save could not write are refused at set(), naming the key', () => {
    const session = store.create()
    const refused: [string, unknown][] = [
      ['big', 2n ** 63n],
      ['tiny', new GoInt(128, 'int8')],
      ['neg', new GoUint(-1)],
      ['far', new GoFloat(1e39, 'float32')],
      ['names', new GoTyped({ slice: 'string' }, ['a', 1])],
      ['user', new GoStruct('main.User', [{ name: 'ID', type: 'int' }], { ID: 1, Email: 'x' })],
    ]
    for (const [key, value] of refused) {
      assert.throws(
        () => {
          session.set(key, value)
        },
        (error: unknown) =>
          error instanceof SessionValueError &&
          error.key === key &&
          error.message.includes(`"${key}"`),
        key,
      )
      assert.equal(session.has(key), false)
    }
    // The same checks for flashes; within range, all of them are fine.
    assert.throws(() => {
      session.addFlash(DEFAULT_FLASH_KEY, 2n ** 63n)
    }, SessionValueError)
    session.set('big', new GoUint(2n ** 63n, 'uint64'))
    session.addFlash(DEFAULT_FLASH_KEY, new GoInt(-(2n ** 63n), 'int64'))
  })
})

describe('gorilla store: loaded values are immutable', () => {
  const store = () =>
    createGorillaCookieStore({
      name: NAME,
      keyPairs: [HASH_KEY],
      flashKeys: ['_flash', 'level', 'bytes'],
      now: () => TS * 1000,
      crypto: 'node',
    })

  it('flashes read from a cookie are frozen, and a change attempt never reaches the next save', async () => {
    await checkLoadedFlashesAreImmutable(store())
  })

  it('a Go map or []byte, as a value or a flash, never changes through what a read returned', async () => {
    const browser = browserFor(store())
    const first = browser.fresh()
    first.set('prefs', new Map<unknown, unknown>([[1, 'one']]))
    first.set('raw', Uint8Array.of(1, 2, 3))
    first.addFlash(DEFAULT_FLASH_KEY, new Map<unknown, unknown>([[2, 'two']]))
    first.addFlash('bytes', Uint8Array.of(4, 5))
    // Set in this request: the stored copies are as immutable as loaded ones.
    assertImmutable(first.get('prefs'), 'prefs')
    ;(first.get('raw') as Uint8Array).fill(9)
    const second = await browser.next(first)
    assertImmutable(second.get('prefs'), 'prefs')
    assertImmutable(second.peekFlashes('_flash').at(-1), 'peekFlashes()')
    ;(second.get('raw') as Uint8Array).fill(9)
    ;(second.peekFlashes('bytes').at(-1) as Uint8Array).fill(9)
    assert.deepEqual(second.get('raw'), Uint8Array.of(1, 2, 3))
    second.set('touched', true)
    const third = await browser.next(second)
    assert.deepEqual(third.get('prefs'), new Map([[1, 'one']]))
    assert.deepEqual(third.get('raw'), Uint8Array.of(1, 2, 3))
    ;(third.flashes('bytes')[0] as Uint8Array).fill(9)
    assert.deepEqual(third.flashes('bytes'), [Uint8Array.of(4, 5)])
    assert.deepEqual(third.flashes(DEFAULT_FLASH_KEY), [new Map([[2, 'two']])])
  })
})
