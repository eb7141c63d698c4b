// Type-level tests: compiled by `tsc -p test/types/tsconfig.json`, never run.
import { expectTypeOf } from 'expect-type'

import {
  DEFAULT_FLASH_KEY,
  createCookieStore,
  createKeyRing,
  generateKey,
  Session,
  SessionRegistry,
  type CookieStore,
  type KeyRing,
  type Presence,
  type SessionData,
  type SessionStore,
} from '../../src/index.ts'

type Data = { userId: string; count: number; tags?: string[] }
type Flash = { notice: string; errors: { field: string }[] }

declare const session: Session<Data, Flash>

// Values
expectTypeOf(session.get('userId')).toEqualTypeOf<string | undefined>()
expectTypeOf(session.get('count')).toEqualTypeOf<number | undefined>()
expectTypeOf(session.get('tags')).toEqualTypeOf<string[] | undefined>()
session.set('userId', 'u_42')
session.set('count', 1)
// @ts-expect-error a string is not a number
session.set('count', 'x')
// @ts-expect-error unknown key
session.get('nope')
// @ts-expect-error unknown key
session.set('nope', 1)
// @ts-expect-error unknown key
session.has('nope')
// @ts-expect-error unknown key
session.delete('nope')
expectTypeOf(session.keys()).toEqualTypeOf<('userId' | 'count' | 'tags')[]>()
expectTypeOf(session.getAll()).toEqualTypeOf<Readonly<Partial<Data>>>()

// Numeric keys only
expectTypeOf(session.increment('count')).toEqualTypeOf<number>()
expectTypeOf(session.decrement('count', 2)).toEqualTypeOf<number>()
// @ts-expect-error userId is not numeric
session.increment('userId')
// @ts-expect-error tags is not numeric
session.decrement('tags')

// getOk narrows on ok
const presence = session.getOk('userId')
expectTypeOf(presence).toEqualTypeOf<Presence<string>>()
if (presence.ok) {
  expectTypeOf(presence.value).toEqualTypeOf<string>()
} else {
  expectTypeOf(presence.value).toEqualTypeOf<undefined>()
}

// Typed getters
expectTypeOf(session.getString('userId')).toEqualTypeOf<string>()
expectTypeOf(session.getInt('count', 0)).toEqualTypeOf<number>()
// @ts-expect-error the fallback must match the getter
session.getString('userId', 1)

// Flashes
expectTypeOf(session.flashes('notice')).toEqualTypeOf<string[]>()
expectTypeOf(session.flashes('errors')).toEqualTypeOf<{ field: string }[][]>()
expectTypeOf(session.flashes('notice').at(-1)).toEqualTypeOf<string | undefined>()
expectTypeOf(session.peekFlashes('errors').at(-1)).toEqualTypeOf<{ field: string }[] | undefined>()
session.addFlash('notice', 'saved')
session.setFlash('notice', 'saved')
// @ts-expect-error a notice is a string
session.addFlash('notice', 42)
// @ts-expect-error unknown flash key
session.flashes('nope')
// @ts-expect-error Flash declares no '_flash' key, so gorilla's default key is refused
session.addFlash(DEFAULT_FLASH_KEY, 'hi')
// @ts-expect-error the key comes first, always
session.addFlash('saved')
expectTypeOf(session.peekFlashes('notice')).toEqualTypeOf<string[]>()
expectTypeOf(session.flashKeys()).toEqualTypeOf<('notice' | 'errors')[]>()
session.clearFlashes('errors')
// @ts-expect-error unknown flash key
session.clearFlashes('nope')
// @ts-expect-error unknown flash key
session.peekFlashes('nope')

// The default key is typed through a '_flash' entry.
declare const withDefault: Session<Data, { _flash: string }>
expectTypeOf(withDefault.flashes(DEFAULT_FLASH_KEY)).toEqualTypeOf<string[]>()
withDefault.addFlash(DEFAULT_FLASH_KEY, 'hi')

// Untyped sessions accept any key and any value type (checked at run time).
declare const loose: Session
expectTypeOf(loose.get('anything')).toEqualTypeOf<unknown>()
loose.set('anything', { nested: [1] })
loose.increment('counter')
loose.addFlash(DEFAULT_FLASH_KEY, 'hello')

// Interfaces work as data shapes when they extend SessionData.
interface UserData extends SessionData {
  userId: string
}
declare const fromInterface: Session<UserData>
expectTypeOf(fromInterface.get('userId')).toEqualTypeOf<string | undefined>()
// Plain interfaces (no index signature) work too, with their keys checked.
interface PlainUserData {
  userId: string
}
declare const plain: Session<PlainUserData>
expectTypeOf(plain.get('userId')).toEqualTypeOf<string | undefined>()
// @ts-expect-error unknown key of a plain interface
plain.get('nope')
expectTypeOf(
  createCookieStore<PlainUserData>({
    name: 's',
    keys: createKeyRing([{ id: 'k', secret: generateKey() }]),
  }).create(),
).toEqualTypeOf<Session<PlainUserData>>()

// Stores and the registry carry the types through.
const keys: KeyRing = createKeyRing([{ id: 'k1', secret: generateKey() }])
const store = createCookieStore<Data, Flash>({ name: 'sid', keys })
expectTypeOf(store).toEqualTypeOf<CookieStore<Data, Flash>>()
expectTypeOf(store.name).toEqualTypeOf<string>()
// @ts-expect-error the cookie name is given once, when the store is created
createCookieStore({ keys })
// @ts-expect-error the name is the store's, not the load's
void store.get('sid', undefined)
// @ts-expect-error new sessions come from create()
store.new('sid')
expectTypeOf(store).toExtend<SessionStore<Data, Flash>>()
expectTypeOf(store.get(undefined)).toEqualTypeOf<Promise<Session<Data, Flash>>>()
expectTypeOf(store.create()).toEqualTypeOf<Session<Data, Flash>>()
const registry = new SessionRegistry(undefined)
expectTypeOf(registry.get(store)).toEqualTypeOf<Promise<Session<Data, Flash>>>()
expectTypeOf(new SessionRegistry('a=b').save()).toEqualTypeOf<
  readonly string[] | Promise<readonly string[]>
>()

// Key rings need at least one key.
// @ts-expect-error an empty ring
createKeyRing([])
createKeyRing([
  { id: 'new', secret: generateKey() },
  { id: 'old', secret: new Uint8Array(32) },
])
