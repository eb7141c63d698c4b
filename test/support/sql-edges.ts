// Edge cases every SQL driver must survive, through the driver and through createServerStore:
// awkward data (sizes, depths, numbers, hostile keys), user keys that differ only in trailing
// spaces, expiry exactly at `now`, and races between pools (version storms, create races,
// delete/touch/update interleavings, prune and deleteByUser under writes).
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'

import type { SessionDriver, SessionPatch, SessionRecord } from '../../src/core/driver.ts'
import { createKeyRing, generateKey } from '../../src/core/keyring.ts'
import { SessionRegistry } from '../../src/core/registry.ts'
import { SessionSaveError, SessionTooLargeError } from '../../src/errors.ts'
import { generateSessionId } from '../../src/lib/session-id.ts'
import { createServerStore } from '../../src/stores/server.ts'
import { HOUR, record } from './records.ts'

/** Two drivers on one table, each on its own pool (two app instances). */
export interface SqlEdgeSetup {
  readonly driver: SessionDriver & Required<Pick<SessionDriver, 'listByUser' | 'deleteByUser'>>
  readonly other: SessionDriver &
    Required<Pick<SessionDriver, 'listByUser' | 'deleteByUser' | 'prune'>>
  /** Drops the table and ends the pools. */
  close(): Promise<void>
}

export function patch(at: number, extra: Partial<SessionPatch> = {}): SessionPatch {
  return {
    set: {},
    unset: [],
    flashSet: {},
    flashUnset: [],
    lastSeenAt: at,
    expiresAt: at + HOUR,
    ...extra,
  }
}

/** An array nested `n` levels deep around 1. */
export function nested(n: number): unknown {
  let value: unknown = 1
  for (let i = 0; i < n; i++) value = [value]
  return value
}

const HOSTILE_KEYS = [
  "'",
  '"',
  '\\',
  '$',
  '.',
  '[0]',
  '*',
  '$.a',
  'a.b',
  '\u0000',
  'a\u0000b',
  'é',
  '😀',
  '\u2028',
  '__proto__',
  'constructor',
  "x'); DROP TABLE t; --",
  ' ',
  'k ',
]

export function runSqlEdgeCases(label: string, open: () => Promise<SqlEdgeSetup>): void {
  describe(`${label}: edge cases`, () => {
    let setup: SqlEdgeSetup
    let driver: SqlEdgeSetup['driver']
    let other: SqlEdgeSetup['other']
    before(async () => {
      setup = await open()
      driver = setup.driver
      other = setup.other
    })
    after(async () => {
      await setup.close()
    })

    it('hostile keys in set, unset, flashSet and flashUnset stay exact, one by one', async () => {
      const rec = record(1000, { values: { keep: 1 } })
      assert.equal(await driver.create(rec, 1000), true)
      const values: Record<string, unknown> = {}
      const flash: Record<string, unknown[]> = {}
      for (const [i, key] of HOSTILE_KEYS.entries()) {
        Object.defineProperty(values, key, { value: i, enumerable: true, writable: true })
        Object.defineProperty(flash, key, { value: [key], enumerable: true, writable: true })
      }
      await driver.update(rec.id, patch(1001, { set: values, flashSet: flash }), 1001)
      let got = await driver.get(rec.id, 1001)
      assert.deepEqual(got?.values, { keep: 1, ...values })
      assert.deepEqual(got.flash, flash)
      assert.equal(Object.getPrototypeOf(got.values), Object.prototype)
      // Removing each key removes that key only (no path or prefix confusion).
      const left: Record<string, unknown> = { keep: 1, ...values }
      const leftFlash: Record<string, unknown[]> = { ...flash }
      for (const key of HOSTILE_KEYS) {
        await driver.update(rec.id, patch(1002, { unset: [key], flashUnset: [key] }), 1002)
        Reflect.deleteProperty(left, key)
        Reflect.deleteProperty(leftFlash, key)
        got = await driver.get(rec.id, 1002)
        assert.deepEqual(got?.values, left, `unset ${JSON.stringify(key)}`)
        assert.deepEqual(got.flash, leftFlash, `flashUnset ${JSON.stringify(key)}`)
      }
      assert.deepEqual(got.values, { keep: 1 })
    })

    it('numbers at the edges of a double and long strings round-trip, by create and by update', async () => {
      const numbers = {
        max: Number.MAX_VALUE,
        big: 1e308,
        tiny: 5e-324,
        negTiny: -5e-324,
        safe: Number.MAX_SAFE_INTEGER,
        negSafe: Number.MIN_SAFE_INTEGER,
        huge: 1e21,
        frac: 0.1 + 0.2,
        negZero: -0,
        small: -1.5e-7,
      }
      // JSON itself writes -0 as 0.
      const expected = { ...numbers, negZero: 0 }
      const rec = record(1000, { values: numbers })
      await driver.create(rec, 1000)
      assert.deepEqual((await driver.get(rec.id, 1000))?.values, expected)
      const text = 'é😀\'"\\\u0000'.repeat(50_000) + 'x'.repeat(1_000_000)
      await driver.update(rec.id, patch(1001, { set: { ...numbers, text } }), 1001)
      const got = await driver.get(rec.id, 1001)
      assert.deepEqual(got?.values, { ...expected, text })
      assert.ok(Object.is((got.values as { negZero: number }).negZero, 0))
    })

    it('labels of 120 kB (non-ASCII) and a 512-character user key are stored whole', async () => {
      const meta = { device: '😀é'.repeat(20_000), other: '\'"\\$.[*' }
      const userKey = '😀'.repeat(256)
      const rec = record(1000, { meta, userKey })
      assert.equal(await driver.create(rec, 1000), true)
      assert.deepEqual((await driver.get(rec.id, 1000))?.meta, meta)
      const relabelled = { device: 'é'.repeat(60_000) }
      await driver.update(rec.id, patch(1001, { meta: relabelled }), 1001)
      assert.deepEqual((await driver.listByUser(userKey, 1001))[0]?.meta, relabelled)
    })

    it('wide data: 300 keys set in one update, then removed in one update', async () => {
      const rec = record(1000)
      await driver.create(rec, 1000)
      const wide = Object.fromEntries(
        Array.from({ length: 300 }, (_, i) => [`k${i}`, { i, s: 'v'.repeat(i % 7) }]),
      )
      assert.equal(
        (await driver.update(rec.id, patch(1001, { set: wide }), 1001)).status,
        'updated',
      )
      assert.deepEqual((await driver.get(rec.id, 1001))?.values, { ...rec.values, ...wide })
      await driver.update(rec.id, patch(1002, { unset: Object.keys(wide) }), 1002)
      assert.deepEqual((await driver.get(rec.id, 1002))?.values, rec.values)
    })

    it('data nested 30 levels below a key is stored; deeper is refused or stored, never a silent miss', async () => {
      const rec = record(1000, { values: { deep: nested(30) }, flash: { f: [nested(29)] } })
      assert.equal(await driver.create(rec, 1000), true)
      const updated = await driver.update(rec.id, patch(1001, { set: { also: nested(30) } }), 1001)
      assert.deepEqual(updated, { status: 'updated', version: 2 })
      assert.deepEqual((await driver.get(rec.id, 1001))?.values, {
        deep: nested(30),
        also: nested(30),
      })
      // Deeper data: either stored and updatable like any other, or refused up front; an
      // accepted session whose every later update misses would lose the user's writes.
      const deeper = record(1000, { values: { deep: nested(40) } })
      const created = await driver.create(deeper, 1000).then(
        (ok) => ok,
        () => 'refused' as const,
      )
      if (created === 'refused') {
        assert.equal(await driver.get(deeper.id, 1000), undefined)
      } else {
        assert.equal(created, true)
        assert.deepEqual(await driver.update(deeper.id, patch(1001, { set: { y: 1 } }), 1001), {
          status: 'updated',
          version: 2,
        })
      }
      const set = await driver
        .update(rec.id, patch(1002, { set: { deep: nested(40) } }), 1002)
        .then(
          (result) => result,
          () => 'refused' as const,
        )
      const after = await driver.get(rec.id, 1002)
      if (set === 'refused') {
        assert.equal(after?.version, 2)
        assert.deepEqual(after.values['deep'], nested(30))
      } else {
        assert.deepEqual(set, { status: 'updated', version: 3 })
        assert.deepEqual(after?.values['deep'], nested(40))
      }
      assert.deepEqual(
        (await driver.update(rec.id, patch(1003, { set: { z: 1 } }), 1003)).status,
        'updated',
      )
    })

    it('user keys that differ only by trailing spaces, case or accents are different users', async () => {
      const keys = ['alice', 'alice ', 'alice  ', 'Alice', 'alicé', 'al\'ice"; --', 'ü'.repeat(512)]
      const ids = new Map<string, string>()
      for (const userKey of keys) {
        const rec = record(1000, { userKey, meta: { device: `${userKey}'"\\😀\u0000` } })
        await driver.create(rec, 1000)
        ids.set(userKey, rec.id)
      }
      for (const userKey of keys) {
        const listed = await driver.listByUser(userKey, 1000)
        assert.deepEqual(
          listed.map((s) => s.id),
          [ids.get(userKey)],
          `listByUser(${JSON.stringify(userKey)})`,
        )
        assert.deepEqual(listed[0]?.meta, { device: `${userKey}'"\\😀\u0000` })
        assert.equal((await driver.get(ids.get(userKey) ?? '', 1000))?.userKey, userKey)
      }
      assert.deepEqual(await driver.deleteByUser('alice'), [ids.get('alice')])
      for (const userKey of keys.slice(1)) {
        assert.ok((await driver.get(ids.get(userKey) ?? '', 1000)) !== undefined, userKey)
      }
      assert.deepEqual(await driver.deleteByUser('alice '), [ids.get('alice ')])
      assert.equal((await driver.listByUser('alice  ', 1000)).length, 1)
    })

    it('through the store: log-out-everywhere of "bob" leaves "bob " logged in', async () => {
      const now = { ms: 5_000_000 }
      const store = createServerStore({
        name: 'sid',
        driver,
        keys: createKeyRing([{ id: 'k', secret: generateKey() }]),
        cookie: { secure: false },
        now: () => now.ms,
      })
      const login = async (userKey: string): Promise<string> => {
        const registry = new SessionRegistry(undefined)
        const session = await registry.get(store)
        session.setUser(userKey, { device: 'd' })
        session.set('who', userKey)
        const [cookie] = await registry.save()
        return (cookie ?? '').split(';')[0] ?? ''
      }
      const bob = await login('bob')
      const bobSpace = await login('bob ')
      assert.equal((await store.listByUser('bob')).length, 1)
      assert.equal((await store.destroyByUser('bob')).length, 1)
      const load = async (cookie: string) =>
        (await new SessionRegistry(cookie).get(store)).get('who')
      assert.equal(await load(bob), undefined)
      assert.equal(await load(bobSpace), 'bob ')
    })

    it('through the store: values near maxSessionBytes are saved; over it, refused and nothing written', async () => {
      const now = { ms: 6_000_000 }
      const store = createServerStore({
        name: 'sid',
        driver,
        keys: createKeyRing([{ id: 'k', secret: generateKey() }]),
        cookie: { secure: false },
        maxSessionBytes: 4096,
        now: () => now.ms,
      })
      const registry = new SessionRegistry(undefined)
      const session = await registry.get(store)
      session.set('text', '😀'.repeat(600))
      const [cookie] = await registry.save()
      const jar = (cookie ?? '').split(';')[0] ?? ''
      const again = new SessionRegistry(jar)
      const loaded = await again.get(store)
      assert.equal(loaded.get('text'), '😀'.repeat(600))
      let error: unknown
      try {
        loaded.set('more', 'x'.repeat(5000))
        await again.save()
      } catch (caught) {
        error = caught
      }
      assert.ok(
        error instanceof SessionTooLargeError ||
          (error instanceof SessionSaveError &&
            error.errors.some((e) => e.error instanceof SessionTooLargeError)),
        String(error),
      )
      const third = await new SessionRegistry(jar).get(store)
      assert.equal(third.get('text'), '😀'.repeat(600))
      assert.equal(third.get('more'), undefined)
    })

    it('expiresAt === now is gone for get, update, touch and listByUser; prune and create take it', async () => {
      const at = 2_000_000
      const rec = record(at - HOUR, { expiresAt: at, userKey: 'expiring-user' })
      await driver.create(rec, at - HOUR)
      assert.ok((await driver.get(rec.id, at - 1)) !== undefined)
      assert.equal(await driver.get(rec.id, at), undefined)
      assert.equal(await driver.touch(rec.id, at, at + HOUR, at), false)
      assert.deepEqual(await driver.update(rec.id, patch(at), at), { status: 'missing' })
      assert.deepEqual(await driver.update(rec.id, patch(at, { expectVersion: 1 }), at), {
        status: 'missing',
      })
      assert.deepEqual(await driver.listByUser('expiring-user', at), [])
      // Nothing moved the row: still expiring at `at`.
      assert.ok((await driver.get(rec.id, at - 1)) !== undefined)
      assert.equal(await driver.create(record(at, { id: rec.id, values: { n: 2 } }), at), true)
      const fresh = await driver.get(rec.id, at)
      assert.deepEqual(fresh?.values, { n: 2 })
      assert.equal(fresh.version, 1)
      assert.equal(fresh.userKey, undefined)
      const gone = record(at - HOUR, { expiresAt: at })
      await driver.create(gone, at - HOUR)
      assert.ok((await other.prune(at)).includes(gone.id))
      assert.equal(await driver.get(gone.id, at - 1), undefined)
    })

    it('an update storm with expectVersion across two pools: one winner per version, no lost write', async () => {
      const rec = record(1000, { values: {} })
      await driver.create(rec, 1000)
      let version = 1
      const winners: string[] = []
      for (let round = 0; round < 8; round++) {
        const contenders = Array.from({ length: 12 }, (_, i) => `r${round}w${i}`)
        const results = await Promise.all(
          contenders.map((name, i) =>
            (i % 2 === 0 ? driver : other).update(
              rec.id,
              patch(1001 + round, { set: { [`round${round}`]: name }, expectVersion: version }),
              1001 + round,
            ),
          ),
        )
        const won = results.flatMap((r, i) => (r.status === 'updated' ? [contenders[i]] : []))
        assert.equal(won.length, 1, `round ${round}: ${JSON.stringify(results)}`)
        for (const r of results) {
          if (r.status === 'updated') assert.equal(r.version, version + 1)
          else assert.deepEqual(r, { status: 'conflict', version: version + 1 })
        }
        version += 1
        winners.push(won[0] ?? '')
      }
      const got = await driver.get(rec.id, 2000)
      assert.equal(got?.version, 9)
      assert.deepEqual(
        got.values,
        Object.fromEntries(winners.map((name, round) => [`round${round}`, name])),
      )
    })

    it('unconditional patches from two pools: every key lands, versions are 2..n+1 with no gaps', async () => {
      const rec = record(1000, { values: {} })
      await driver.create(rec, 1000)
      const n = 40
      const results = await Promise.all(
        Array.from({ length: n }, (_, i) =>
          (i % 2 === 0 ? driver : other).update(
            rec.id,
            patch(1001, { set: { [`k${i}`]: i }, flashSet: { [`f${i}`]: [i] } }),
            1001,
          ),
        ),
      )
      const versions = results.map((r) => (r.status === 'updated' ? r.version : -1))
      assert.deepEqual(
        [...versions].sort((a, b) => a - b),
        Array.from({ length: n }, (_, i) => i + 2),
      )
      const got = await driver.get(rec.id, 1001)
      assert.equal(got?.version, n + 1)
      assert.equal(Object.keys(got.values).length, n)
      assert.equal(Object.keys(got.flash).length, n)
    })

    it('first saves of one id racing on two pools: exactly one wins and its data is stored', async () => {
      for (let round = 0; round < 5; round++) {
        const id = generateSessionId()
        const results = await Promise.all(
          Array.from({ length: 16 }, (_, i) =>
            (i % 2 === 0 ? driver : other).create(record(1000, { id, values: { who: i } }), 1000),
          ),
        )
        const winners = results.flatMap((ok, i) => (ok ? [i] : []))
        assert.equal(winners.length, 1, JSON.stringify(results))
        assert.deepEqual((await driver.get(id, 1000))?.values, { who: winners[0] })
      }
    })

    it('delete racing touches and updates: once deleted, nothing brings the session back', async () => {
      for (let round = 0; round < 5; round++) {
        const rec = record(1000)
        await driver.create(rec, 1000)
        const calls: Promise<unknown>[] = []
        for (let i = 0; i < 10; i++) {
          const d = i % 2 === 0 ? driver : other
          calls.push(d.touch(rec.id, 1001 + i, 1001 + i + HOUR, 1001))
          calls.push(d.update(rec.id, patch(1001 + i, { set: { [`k${i}`]: i } }), 1001))
          if (i === 5) calls.push(other.delete(rec.id))
        }
        await Promise.all(calls)
        assert.equal(await driver.get(rec.id, 1002), undefined)
        assert.equal(await other.touch(rec.id, 1003, 1003 + HOUR, 1003), false)
        assert.deepEqual(await driver.update(rec.id, patch(1003), 1003), { status: 'missing' })
        assert.equal(await driver.get(rec.id, 1003), undefined)
      }
    })

    it('a touch never undoes an update that raced it', async () => {
      const rec = record(1000, { values: {} })
      await driver.create(rec, 1000)
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          i % 2 === 0
            ? driver.update(rec.id, patch(1001, { set: { [`k${i}`]: i } }), 1001)
            : other.touch(rec.id, 1001 + i, 1001 + i + HOUR, 1001),
        ),
      )
      const got = await driver.get(rec.id, 1001)
      assert.equal(got?.version, 11)
      assert.equal(Object.keys(got.values).length, 10)
    })

    it('prune during updates removes only expired rows and loses no live write', async () => {
      const at = 3_000_000
      const live = Array.from({ length: 10 }, () => record(at, { values: {} }))
      const dead = Array.from({ length: 30 }, () => record(at - HOUR, { expiresAt: at - 1 }))
      for (const rec of [...live, ...dead]) await driver.create(rec, at - HOUR)
      const pruned: string[][] = []
      await Promise.all([
        ...live.flatMap((rec) =>
          Array.from({ length: 3 }, (_, i) =>
            driver.update(rec.id, patch(at, { set: { [`k${i}`]: i } }), at),
          ),
        ),
        other.prune(at).then((ids) => pruned.push(ids)),
        driver.prune?.(at).then((ids) => pruned.push(ids)),
      ])
      const all = pruned.flat()
      const deadIds = new Set(dead.map((r) => r.id))
      for (const id of all) assert.ok(deadIds.has(id), 'pruned a live row')
      for (const rec of live) {
        const got = await driver.get(rec.id, at)
        assert.equal(got?.version, 4)
        assert.deepEqual(got.values, { k0: 0, k1: 1, k2: 2 })
      }
      // Whatever the two pruners split between them, the expired rows are all gone.
      assert.deepEqual(await other.prune(at), [])
      for (const rec of dead) assert.equal(await driver.get(rec.id, at - HOUR), undefined)
    })

    it('deleteByUser while sessions of that user are being created: every listed id is gone', async () => {
      const userKey = `racer-${generateSessionId().slice(0, 8)}`
      const created: SessionRecord[] = []
      const deleted: string[] = []
      const work: Promise<unknown>[] = []
      for (let i = 0; i < 20; i++) {
        const rec = record(1000, { userKey })
        created.push(rec)
        work.push((i % 2 === 0 ? driver : other).create(rec, 1000))
        if (i % 5 === 0) work.push(other.deleteByUser(userKey).then((ids) => deleted.push(...ids)))
      }
      await Promise.all(work)
      const ids = new Set(created.map((r) => r.id))
      for (const id of deleted) {
        assert.ok(ids.has(id))
        assert.equal(await driver.get(id, 1000), undefined)
      }
      const left = await driver.listByUser(userKey, 1000)
      assert.equal(left.length + new Set(deleted).size, created.length)
      const last = await driver.deleteByUser(userKey)
      assert.equal(last.length, left.length)
      assert.deepEqual(await driver.listByUser(userKey, 1000), [])
    })
  })
}
