// Ids at rest: what each built-in driver holds (the memory driver through everything it was
// given and can give back, the filesystem driver's files, the SQLite table and database file)
// contains no session id, while the store still works: logins, a regeneration with a grace
// window (both cookies load), listing by handle and destroying by handle, which also ends the
// session a regeneration linked. Plus properties of the storage key and the regeneration link.
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'

import fc from 'fast-check'

import type { SessionDriver } from '../src/core/driver.ts'
import { SessionRegistry } from '../src/core/registry.ts'
import type { Session } from '../src/core/session.ts'
import { createMemoryDriver } from '../src/drivers/memory.ts'
import { createFilesystemDriver } from '../src/filesystem.ts'
import {
  createServerStore,
  isSessionHandle,
  isValidSessionId,
  sessionStorageKey,
  SessionArgumentError,
  type ServerStore,
} from '../src/index.ts'
import { createSQLiteDriver } from '../src/sqlite.ts'
import { digest, webDigest } from '../src/lib/crypto/digest.ts'
import { openLink, sealLink } from '../src/stores/server/storage-key.ts'
import { cookiePair, keys } from './support/adapter-harness.ts'
import { availableKinds, openDatabase } from './support/sqlite-databases.ts'

const scratch = mkdtempSync(join(tmpdir(), 'sessionkit-ids-at-rest-'))
after(() => {
  rmSync(scratch, { recursive: true, force: true })
})

interface Visit {
  readonly session: Session
  /** The cookie to send next: the new one if the response set one, else the one sent. */
  readonly cookie: string | undefined
}

async function visit(
  store: ServerStore,
  cookie: string | undefined,
  handler: (session: Session) => void,
): Promise<Visit> {
  const registry = new SessionRegistry(cookie)
  const session = await registry.get(store)
  handler(session)
  await registry.save()
  const [line] = registry.setCookies
  return { session, cookie: line === undefined ? cookie : cookiePair(line) }
}

function idOf(session: Session): string {
  assert.ok(session.id !== undefined && isValidSessionId(session.id))
  return session.id
}

/** A driver that remembers every argument it was given and every result it gave. */
function wireLogged(inner: SessionDriver): { driver: SessionDriver; log: string[] } {
  const log: string[] = []
  const logged =
    <A extends unknown[], R>(name: string, method: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const result = await method(...args)
      log.push(JSON.stringify({ name, args, result }))
      return result
    }
  const driver: SessionDriver = {
    name: inner.name,
    capabilities: inner.capabilities,
    get: logged('get', inner.get.bind(inner)),
    create: logged('create', inner.create.bind(inner)),
    update: logged('update', inner.update.bind(inner)),
    touch: logged('touch', inner.touch.bind(inner)),
    delete: logged('delete', inner.delete.bind(inner)),
    close: () => inner.close(),
  }
  const listByUser = inner.listByUser?.bind(inner)
  const deleteByUser = inner.deleteByUser?.bind(inner)
  const prune = inner.prune?.bind(inner)
  const deleteAll = inner.deleteAll?.bind(inner)
  if (listByUser) Object.assign(driver, { listByUser: logged('list', listByUser) })
  if (deleteByUser) Object.assign(driver, { deleteByUser: logged('del', deleteByUser) })
  if (prune) Object.assign(driver, { prune: logged('prune', prune) })
  if (deleteAll) Object.assign(driver, { deleteAll: logged('all', deleteAll) })
  return { driver, log }
}

/**
 * Logins on two devices, a regeneration with a grace window, then listing and destroying by
 * handle; `dump()` is everything the backend holds, read past the store.
 */
async function scenario(driver: SessionDriver, dump: () => Promise<string>): Promise<void> {
  const store = createServerStore({ name: 'sid', driver, keys, cookie: { secure: false } })
  try {
    const laptop = await visit(store, undefined, (s) => {
      s.set('user', 'alice')
      s.setUser('alice', { device: 'laptop' })
    })
    const phone = await visit(store, undefined, (s) => {
      s.set('user', 'alice')
      s.setUser('alice', { device: 'phone' })
    })
    const rotated = await visit(store, laptop.cookie, (s) => {
      s.regenerate({ grace: 30 })
    })
    const ids = [idOf(laptop.session), idOf(phone.session), idOf(rotated.session)]
    assert.equal(new Set(ids).size, 3)
    // Both laptop cookies work within the window; the old one writes through to its record.
    await visit(store, laptop.cookie, (s) => {
      assert.equal(s.get('user'), 'alice', 'the old cookie within the grace window')
      s.set('late', true)
    })
    await visit(store, rotated.cookie, (s) => {
      assert.equal(s.get('user'), 'alice', 'the new cookie')
    })

    const held = await dump()
    for (const id of ids) assert.ok(!held.includes(id), 'a session id at rest')
    // The dump is real: it holds the records, under their storage keys.
    for (const id of ids) assert.ok(held.includes(await sessionStorageKey(id)), 'a storage key')

    const listed = await store.listByUser('alice')
    assert.equal(listed.length, 3, 'the retired record lives on for the window')
    for (const entry of listed) {
      assert.ok(isSessionHandle(entry.handle))
      assert.equal(isValidSessionId(entry.handle), false, 'a handle is never an id')
      for (const id of ids) assert.ok(!JSON.stringify(entry).includes(id))
    }
    const phoneHandle = await store.handleOf(phone.session)
    assert.ok(phoneHandle !== undefined && listed.some((e) => e.handle === phoneHandle))
    assert.equal(await store.destroyByHandle(phoneHandle), true)
    await visit(store, phone.cookie, (s) => {
      assert.equal(s.loadError?.reason, 'unknown-session', 'the phone, destroyed by handle')
    })
    await assert.rejects(store.destroyById(phoneHandle), SessionArgumentError)
    // Destroying the successor by its handle ends the replaced session too: the link holds
    // the replaced session's storage key.
    const rotatedHandle = await store.handleOf(rotated.session)
    assert.ok(rotatedHandle !== undefined && listed.some((e) => e.handle === rotatedHandle))
    assert.equal(await store.destroyByHandle(rotatedHandle), true)
    for (const cookie of [laptop.cookie, rotated.cookie]) {
      await visit(store, cookie, (s) => {
        assert.equal(s.loadError?.reason, 'unknown-session', 'both laptop cookies end')
      })
    }
    assert.deepEqual(await store.listByUser('alice'), [])
    const left = await dump()
    for (const id of ids) assert.ok(!left.includes(id), 'a session id at rest after the end')
  } finally {
    await store.close()
  }
}

function filesUnder(directory: string): string {
  const parts: string[] = []
  for (const name of readdirSync(directory, { recursive: true, encoding: 'utf8' })) {
    const path = join(directory, name)
    parts.push(name)
    if (statSync(path).isFile()) parts.push(readFileSync(path, 'latin1'))
  }
  return parts.join('\n')
}

describe('ids at rest: no driver holds a session id', () => {
  it('memory: nothing given to the driver or read back from it holds an id', async () => {
    const inner = createMemoryDriver({ sweepInterval: 0 })
    const { driver, log } = wireLogged(inner)
    await scenario(driver, async () => {
      // Everything the driver can give back: each record under each key it was ever given.
      const keys = new Set<string>()
      for (const line of log) for (const match of line.matchAll(/[\w-]{43}/g)) keys.add(match[0])
      const records = await Promise.all([...keys].map((key) => inner.get(key, Date.now())))
      const listed = await inner.listByUser('alice', Date.now())
      return [...log, JSON.stringify(records), JSON.stringify(listed)].join('\n')
    })
  })

  it('filesystem: no file name or content holds an id', async () => {
    const directory = mkdtempSync(join(scratch, 'fs-'))
    const driver = createFilesystemDriver({ directory, sweepInterval: 0 })
    await scenario(driver, () => Promise.resolve(filesUnder(directory)))
  })

  for (const kind of availableKinds()) {
    it(`SQLite (${kind}): no row, and no byte of the database file, holds an id`, async () => {
      const file = join(mkdtempSync(join(scratch, 'sqlite-')), 'sessions.db')
      const database = openDatabase(kind, file)
      const driver = createSQLiteDriver({ database, sweepInterval: 0 })
      try {
        await scenario(driver, () => {
          const rows = database.prepare('SELECT * FROM sessionkit_sessions').all()
          const bytes = [file, `${file}-wal`, `${file}-journal`]
            .filter((path) => existsSync(path))
            .map((path) => readFileSync(path, 'latin1'))
          return Promise.resolve([JSON.stringify(rows), ...bytes].join('\n'))
        })
      } finally {
        database.close()
      }
    })
  }
})

describe('storage keys and handles', () => {
  const anyId = fc.stringMatching(/^[A-Za-z0-9_-]{43}$/)

  it('the storage key is a function of the id alone, a valid id-shaped key, never the id', async () => {
    await fc.assert(
      fc.asyncProperty(anyId, anyId, async (a, b) => {
        const key = await sessionStorageKey(a)
        assert.equal(await sessionStorageKey(a), key, 'the same id, the same key')
        assert.notEqual(key, a)
        assert.ok(isValidSessionId(key))
        if (a !== b) assert.notEqual(await sessionStorageKey(b), key)
        // Stores with other keys and names agree on it: it depends on nothing else.
        const one = createServerStore({ name: 'one', driver: createMemoryDriver(), keys })
        const handle = await one.handleOf(a)
        assert.equal(handle, `h.${key}`)
        assert.ok(isSessionHandle(handle) && !isValidSessionId(handle))
        await one.close()
      }),
      { numRuns: 200 },
    )
  })

  it('node:crypto and Web Crypto give the same digests (the key does not depend on the runtime)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), async (bytes) => {
        const data = new Uint8Array(bytes)
        for (const algorithm of ['SHA-256', 'SHA-512'] as const) {
          assert.deepEqual(await digest(algorithm, data), await webDigest(algorithm, data))
        }
      }),
      { numRuns: 100 },
    )
  })

  it('refuses what is not a session id', async () => {
    for (const bad of ['', 'short', '../../etc/passwd', `h.${'a'.repeat(43)}`]) {
      await assert.rejects(sessionStorageKey(bad), SessionArgumentError)
    }
  })

  it('a regeneration link opens only with the replaced id, to the successor id', async () => {
    await fc.assert(
      fc.asyncProperty(anyId, anyId, anyId, async (old, next, other) => {
        const nextKey = await sessionStorageKey(next)
        const link = await sealLink(old, next, nextKey)
        assert.ok(!link.includes(old) && !link.includes(next), 'no id in the link')
        assert.equal(await openLink(link, old), next)
        if (other !== old) assert.equal(await openLink(link, other), undefined)
      }),
      { numRuns: 200 },
    )
  })
})
