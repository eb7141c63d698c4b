// A session store written the way a third party writes one: against the package's public
// exports only. Its sessions are kept in a Map and its cookie carries a signed id. The store
// gets the same treatment an application gives the built-in ones (registry, flash, destroy,
// changes made while a save runs), which proves the store-author API is enough.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'

import type * as Cookies from '../src/cookie.ts'
import type * as Main from '../src/index.ts'
import type { CookieHeader, Session, SessionData, SessionStore } from '../src/index.ts'

// The values come from the built package, through its name (a variable, so the type checker
// does not need dist/ before the build); the types are those of the same entry files.
const mainEntry = 'sessionkit'
const cookieEntry = 'sessionkit/cookie'
const {
  createKeyRing,
  createTokenCodec,
  generateKey,
  generateSessionId,
  InvalidCookieError,
  isValidSessionId,
  Session: SessionClass,
  sessionInternals,
  SessionRegistry,
  SessionSaveError,
  SessionStoreError,
} = (await import(mainEntry)) as typeof Main
const { getCookieValues, serializeDeleteCookie, serializeSetCookie } = (await import(
  cookieEntry
)) as typeof Cookies

interface Stored {
  readonly values: readonly (readonly [string, unknown])[]
  readonly flash: readonly (readonly [string, readonly unknown[]])[]
  readonly createdAt: number
}

interface MapStore<Data extends object, Flash extends object> extends SessionStore<Data, Flash> {
  readonly records: Map<string, Stored>
  /** Records written so far. */
  readonly writes: () => number
  /** Holds every write until the returned function is called. */
  hold(): () => void
  /** Makes every delete fail from now on. */
  failDeletes(): void
}

const DAY_MS = 86_400_000
const cookie = { secure: false }

function createMapStore<Data extends object = SessionData, Flash extends object = SessionData>(
  secret: string,
  name = 'app',
): MapStore<Data, Flash> {
  const codec = createTokenCodec({
    keys: createKeyRing([{ id: 'k1', secret }]),
    format: 'signed',
    purpose: 'map-store',
  })
  const records = new Map<string, Stored>()
  // The deletion cookie a failed save still owes, by session.
  const owed = new WeakMap<object, string>()
  let writes = 0
  let held: Promise<void> | undefined
  let deletesFail = false

  function fresh(loadError?: Main.InvalidCookieError) {
    return new SessionClass<Data, Flash>({ name, isNew: true, createdAt: Date.now(), loadError })
  }

  async function get(header: CookieHeader): Promise<Session<Data, Flash>> {
    const values = getCookieValues(header, name)
    for (const token of values) {
      const opened = await codec.open(name, token)
      if (!opened.ok) continue
      const id = new TextDecoder().decode(opened.payload)
      const record = isValidSessionId(id) ? records.get(id) : undefined
      if (record === undefined) continue
      return new SessionClass<Data, Flash>({
        name,
        id,
        isNew: false,
        createdAt: record.createdAt,
        values: record.values,
        // The session appends to its flash lists: it gets copies, never the stored ones.
        flash: record.flash.map(([key, list]) => [key, [...list]]),
      })
    }
    return values.length === 0 ? fresh() : fresh(new InvalidCookieError('tampered', name))
  }

  async function remove(id: string): Promise<void> {
    await held
    if (deletesFail) throw new SessionStoreError('delete', false, { cause: new Error('down') })
    records.delete(id)
  }

  async function save(session: Session<Data, Flash>): Promise<string | undefined> {
    const state = sessionInternals(session)
    // First: a change made from here on stays pending for the next save.
    state.beginSave()
    owed.delete(session)
    const old = state.id
    if (state.isDestroyed || state.isEmpty) {
      if (old === undefined) {
        state.markSaved()
        return undefined
      }
      const deletion = serializeDeleteCookie(state.name, cookie)
      try {
        await remove(old)
      } catch (error) {
        owed.set(session, deletion)
        throw error
      }
      state.markSaved()
      return deletion
    }
    if (!state.isDirty) return undefined
    // A regeneration (after a login) moves the session to a new id; the old one stops working.
    const id = old === undefined || state.regenerate !== undefined ? generateSessionId() : old
    const { values, flash, createdAt } = state.snapshot()
    await held
    records.set(id, { values: [...values], flash: [...flash], createdAt })
    writes++
    if (id !== old) {
      if (old !== undefined) records.delete(old)
      state.assignId(id)
    }
    const header =
      id === old
        ? undefined
        : serializeSetCookie(
            state.name,
            await codec.seal(state.name, id, { expiresAt: Date.now() + DAY_MS }),
            cookie,
          )
    state.markSaved()
    return header
  }

  return {
    records,
    writes: () => writes,
    hold() {
      let release = (): void => undefined
      held = new Promise((resolve) => {
        release = resolve
      })
      return () => {
        held = undefined
        release()
      }
    },
    failDeletes() {
      deletesFail = true
    },
    name,
    get,
    create: () => fresh(),
    save,
    destroy(session) {
      session.destroy()
      return save(session)
    },
    deletionCookie: (session) => owed.get(session),
  }
}

interface Data {
  user: string
  count: number
  theme: string
}
type Flash = Record<string, string>

/** A browser: keeps the cookies the responses set. */
function browser() {
  const jar = new Map<string, string>()
  return {
    header: () => [...jar].map(([name, value]) => `${name}=${value}`).join('; '),
    apply(setCookies: readonly string[]) {
      for (const line of setCookies) {
        const pair = line.split(';', 1)[0] ?? ''
        const at = pair.indexOf('=')
        const value = pair.slice(at + 1)
        if (value === '' || /;\s*Max-Age=0/i.test(line)) jar.delete(pair.slice(0, at))
        else jar.set(pair.slice(0, at), value)
      }
    },
  }
}

type Browser = ReturnType<typeof browser>

/** One request: loads `name` from `store`, runs `handle`, saves, and keeps the cookies. */
async function request(
  store: SessionStore<Data, Flash>,
  client: Browser,
  handle: (session: Session<Data, Flash>) => void = () => undefined,
) {
  const registry = new SessionRegistry(client.header())
  const session = await registry.get(store)
  handle(session)
  const setCookies = await registry.save()
  client.apply(setCookies)
  return { session, setCookies }
}

describe('a store written against the public exports only', () => {
  it('loads what it saved, under a signed id', async () => {
    const store = createMapStore<Data, Flash>(generateKey())
    const client = browser()
    const first = await request(store, client, (s) => {
      s.set('user', 'u1')
    })
    assert.equal(first.setCookies.length, 1)
    assert.equal(first.session.isNew, false, 'saved')
    const id = first.session.id
    assert.ok(id !== undefined && store.records.has(id))
    const second = await request(store, client)
    assert.equal(second.session.get('user'), 'u1')
    assert.equal(second.session.id, id)
    assert.equal(second.session.isNew, false)
  })

  it('writes only when something changed', async () => {
    const store = createMapStore<Data, Flash>(generateKey())
    const client = browser()
    assert.deepEqual((await request(store, client)).setCookies, [], 'an empty session')
    assert.equal(store.writes(), 0)
    await request(store, client, (s) => {
      s.set('count', 1)
    })
    assert.equal(store.writes(), 1)
    const unchanged = await request(store, client, (s) => {
      assert.equal(s.get('count'), 1)
    })
    assert.deepEqual(unchanged.setCookies, [])
    assert.equal(store.writes(), 1, 'a read writes nothing')
    await request(store, client, (s) => {
      s.increment('count')
    })
    assert.equal(store.writes(), 2)
    assert.equal((await request(store, client)).session.get('count'), 2)
  })

  it('a forged cookie gives a fresh session with the reason', async () => {
    const store = createMapStore<Data, Flash>(generateKey())
    const client = browser()
    await request(store, client, (s) => {
      s.set('user', 'u1')
    })
    const other = createMapStore<Data, Flash>(generateKey())
    await request(other, client, (session) => {
      assert.equal(session.isNew, true)
      assert.equal(session.get('user'), undefined)
      assert.equal(session.loadError?.reason, 'tampered')
    })
  })

  it('destroy removes the record and the cookie', async () => {
    const store = createMapStore<Data, Flash>(generateKey())
    const client = browser()
    const { session } = await request(store, client, (s) => {
      s.set('user', 'u1')
    })
    const id = session.id ?? ''
    const logout = await request(store, client, (s) => {
      s.destroy()
    })
    assert.equal(logout.setCookies.length, 1)
    assert.match(logout.setCookies[0] ?? '', /^app=; .*Max-Age=0/)
    assert.equal(store.records.has(id), false)
    assert.equal(client.header(), '')
    await request(store, client, (after) => {
      assert.equal(after.isNew, true)
    })
  })

  it('a failed logout still logs the browser out, and reports the failure', async () => {
    const store = createMapStore<Data, Flash>(generateKey())
    const client = browser()
    await request(store, client, (s) => {
      s.set('user', 'u1')
    })
    store.failDeletes()
    const registry = new SessionRegistry(client.header())
    ;(await registry.get(store)).destroy()
    await assert.rejects(Promise.resolve(registry.save()), (error: unknown) => {
      assert.ok(error instanceof SessionSaveError)
      assert.ok(error.errors[0]?.error instanceof SessionStoreError)
      assert.equal(error.setCookies.length, 1)
      client.apply(error.setCookies)
      return true
    })
    assert.equal(client.header(), '', 'the deletion cookie went out')
    assert.equal(store.records.size, 1, 'the record could not be deleted')
  })

  it('delivers a flash once: set in one request, read in the next, gone after', async () => {
    const store = createMapStore<Data, Flash>(generateKey())
    const client = browser()
    await request(store, client, (s) => {
      s.set('user', 'u1')
      s.addFlash('notice', 'Welcome back')
    })
    const reading = await request(store, client, (s) => {
      assert.deepEqual(s.flashes('notice'), ['Welcome back'])
      assert.deepEqual(s.flashes('notice'), ['Welcome back'], 'the same within the request')
    })
    assert.equal(reading.session.isDirty, false, 'the read was saved')
    const later = await request(store, client, (s) => {
      assert.deepEqual(s.flashes('notice'), [])
    })
    assert.equal(later.session.get('user'), 'u1')
  })

  it('a regeneration moves the session to a new id and the old one stops working', async () => {
    const store = createMapStore<Data, Flash>(generateKey())
    const client = browser()
    const before = await request(store, client, (s) => {
      s.set('user', 'u1')
    })
    const stale = client.header()
    const after = await request(store, client, (s) => {
      s.regenerate()
    })
    assert.equal(after.setCookies.length, 1)
    assert.notEqual(after.session.id, before.session.id)
    assert.equal((await request(store, client)).session.get('user'), 'u1')
    const old = new SessionRegistry(stale)
    assert.equal((await old.get(store)).isNew, true, 'the old id finds nothing')
  })

  it('a change made while a save runs stays pending and the next save writes it', async () => {
    const store = createMapStore<Data, Flash>(generateKey())
    const client = browser()
    await request(store, client, (s) => {
      s.set('count', 1)
    })
    const registry = new SessionRegistry(client.header())
    const session = await registry.get(store)
    session.set('count', 2)
    const release = store.hold()
    const saving = Promise.resolve(registry.save())
    // The save has begun (and read the session) and waits for its write: change it meanwhile.
    session.set('theme', 'dark')
    release()
    await saving
    assert.equal(session.isDirty, true, 'the late change is still to be saved')
    assert.equal(registry.hasChanges, true)
    await registry.save()
    assert.equal(session.isDirty, false)
    const reloaded = await request(store, client)
    assert.equal(reloaded.session.get('count'), 2)
    assert.equal(reloaded.session.get('theme'), 'dark')
  })

  it('saves with other stores in one registry, each under its own name', async () => {
    const accounts = createMapStore<Data, Flash>(generateKey(), 'auth')
    const preferences = createMapStore<Data, Flash>(generateKey(), 'prefs')
    const client = browser()
    const registry = new SessionRegistry(client.header())
    ;(await registry.get(accounts)).set('user', 'u1')
    ;(await registry.get(preferences)).set('theme', 'dark')
    assert.equal(registry.hasChanges, true)
    const setCookies = await registry.save()
    assert.deepEqual(
      setCookies.map((line) => line.split('=', 1)[0]),
      ['auth', 'prefs'],
    )
    client.apply(setCookies)
    const next = new SessionRegistry(client.header())
    assert.equal((await next.get(accounts)).get('user'), 'u1')
    assert.equal((await next.get(preferences)).get('theme'), 'dark')
    assert.deepEqual(await next.save(), [])
  })
})
