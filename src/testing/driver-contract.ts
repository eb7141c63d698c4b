import type { SessionDriver } from '../core/driver.ts'
import { generateSessionId } from '../lib/session-id.ts'
import { check, refused, refusedAtSetup, same, sameJson } from './assert.ts'
import { HOUR_MS, createSuite, record, type Suite } from './harness.ts'
import { keepAliveTest } from './keep-alive.ts'
import type { StoreConformanceOptions } from './options.ts'

/**
 * Registers the driver-contract suite: the rules of {@link SessionDriver}, each checked by
 * calling the driver directly (exclusive create, update and touch never creating, per-key
 * patches and versions, expiry at `expiresAt`, copies in and out, hostile keys, the user index,
 * listing, close). A capability the driver lacks turns its test into a check that the server
 * store refuses it with `SessionConfigError`.
 */
export function runDriverConformance<Driver extends SessionDriver>(
  options: StoreConformanceOptions<Driver>,
): void {
  const suite = createSuite(options)
  suite.describe(`${suite.name}: driver contract`, () => {
    contractTests(suite)
    if (options.activeResources !== undefined) keepAliveTest(suite, options.activeResources)
  })
}

/** A patch that sets `set` and nothing else, seen at `at`, expiring an hour later. */
function settingPatch(set: Record<string, unknown>, at: number) {
  return { set, unset: [], flashSet: {}, flashUnset: [], lastSeenAt: at, expiresAt: at + HOUR_MS }
}

function contractTests({ test }: Suite): void {
  test('create then get gives back the record, at version 1', async ({ inner, clock }) => {
    const rec = record(clock.ms, { userKey: 'u1', meta: { device: 'phone' } })
    same(await inner.create(rec, clock.ms), true, 'create')
    const got = await inner.get(rec.id, clock.ms)
    check(got !== undefined, 'get after create found nothing')
    sameJson(got, rec, 'record')
  })

  test('create is exclusive: an existing id is never overwritten', async ({ inner, clock }) => {
    const rec = record(clock.ms)
    same(await inner.create(rec, clock.ms), true, 'first create')
    same(
      await inner.create({ ...rec, values: { other: true } }, clock.ms),
      false,
      'second create of the same id',
    )
    sameJson((await inner.get(rec.id, clock.ms))?.values, rec.values, 'values after collision')
  })

  test('update and touch never create: a missing id writes nothing', async ({ inner, clock }) => {
    const id = generateSessionId()
    const result = await inner.update(
      id,
      {
        set: { a: 1 },
        unset: [],
        flashSet: {},
        flashUnset: [],
        lastSeenAt: clock.ms,
        expiresAt: clock.ms + HOUR_MS,
      },
      clock.ms,
    )
    same(result.status, 'missing', 'update of a missing id')
    same(
      await inner.touch(id, clock.ms, clock.ms + HOUR_MS, clock.ms),
      false,
      'touch of a missing id',
    )
    same(await inner.get(id, clock.ms), undefined, 'get after update/touch of a missing id')
  })

  test('update applies a per-key patch and bumps the version by one', async ({ inner, clock }) => {
    const rec = record(clock.ms, { values: { a: 1, b: 2, c: 3 }, flash: { x: [1], y: [2] } })
    await inner.create(rec, clock.ms)
    clock.advance(1000)
    const patch = inner.capabilities.patches
      ? { set: { a: 10, d: 4 }, unset: ['b'], flashSet: { z: [3] }, flashUnset: ['x'] }
      : { set: { a: 10, c: 3, d: 4 }, unset: [], flashSet: { y: [2], z: [3] }, flashUnset: [] }
    const result = await inner.update(
      rec.id,
      { ...patch, lastSeenAt: clock.ms, expiresAt: clock.ms + HOUR_MS },
      clock.ms,
    )
    sameJson(result, { status: 'updated', version: 2 }, 'update result')
    const got = await inner.get(rec.id, clock.ms)
    sameJson(got?.values, { a: 10, c: 3, d: 4 }, 'values after the patch')
    sameJson(got?.flash, { y: [2], z: [3] }, 'flash after the patch')
    same(got?.version, 2, 'version')
    same(got?.lastSeenAt, clock.ms, 'lastSeenAt')
    same(got?.expiresAt, clock.ms + HOUR_MS, 'expiresAt')
    same(got?.createdAt, rec.createdAt, 'createdAt')
  })

  test('expectVersion: a match applies, a mismatch is a conflict that writes nothing', async (h) => {
    const { inner, clock } = h
    if (!inner.capabilities.versions) {
      refusedAtSetup(
        () => h.storeWith({ conflicts: 'error' }),
        "conflicts: 'error' must be refused without versions",
      )
      return
    }
    const rec = record(clock.ms)
    await inner.create(rec, clock.ms)
    const patch = settingPatch({ a: 2 }, clock.ms)
    const values = inner.capabilities.patches ? { a: 2 } : { a: 2, b: 'two' }
    const ok = await inner.update(rec.id, { ...patch, set: values, expectVersion: 1 }, clock.ms)
    sameJson(ok, { status: 'updated', version: 2 }, 'update with the right version')
    const stale = await inner.update(
      rec.id,
      { ...patch, set: { ...values, a: 3 }, expectVersion: 1 },
      clock.ms,
    )
    sameJson(stale, { status: 'conflict', version: 2 }, 'update with a stale version')
    same((await inner.get(rec.id, clock.ms))?.values['a'], 2, 'value after the conflict')
  })

  test('touch moves the times only: data and version stay', async ({ inner, clock }) => {
    const rec = record(clock.ms)
    await inner.create(rec, clock.ms)
    clock.advance(5000)
    same(await inner.touch(rec.id, clock.ms, clock.ms + 2 * HOUR_MS, clock.ms), true, 'touch')
    const got = await inner.get(rec.id, clock.ms)
    sameJson(got?.values, rec.values, 'values after touch')
    sameJson(got?.flash, rec.flash, 'flash after touch')
    same(got?.version, 1, 'version after touch')
    same(got?.lastSeenAt, clock.ms, 'lastSeenAt after touch')
    same(got?.expiresAt, clock.ms + 2 * HOUR_MS, 'expiresAt after touch')
  })

  test('a record is gone from expiresAt on, to every method', async ({ inner, clock }) => {
    const rec = record(clock.ms, { userKey: 'u-exp' })
    await inner.create(rec, clock.ms)
    const end = rec.expiresAt
    check((await inner.get(rec.id, end - 1)) !== undefined, 'visible 1 ms before expiresAt')
    same(await inner.get(rec.id, end), undefined, 'get at expiresAt')
    const result = await inner.update(
      rec.id,
      {
        set: { a: 2 },
        unset: [],
        flashSet: {},
        flashUnset: [],
        lastSeenAt: end,
        expiresAt: end + HOUR_MS,
      },
      end,
    )
    same(result.status, 'missing', 'update at expiresAt')
    same(await inner.touch(rec.id, end, end + HOUR_MS, end), false, 'touch at expiresAt')
    if (inner.capabilities.userIndex && inner.listByUser !== undefined) {
      same((await inner.listByUser('u-exp', end)).length, 0, 'listByUser at expiresAt')
    }
    // An expired record does not exist, so creating over it may succeed; it must then be
    // the new record that is visible, never the old data.
    const replaced = await inner.create(
      {
        ...rec,
        values: { fresh: true },
        createdAt: end,
        lastSeenAt: end,
        expiresAt: end + HOUR_MS,
      },
      end,
    )
    const after = await inner.get(rec.id, end)
    if (replaced) sameJson(after?.values, { fresh: true }, 'a record created over an expired one')
    else same(after, undefined, 'an expired record after a refused create')
  })

  test('delete removes a record and says whether there was one', async ({ inner, clock }) => {
    const rec = record(clock.ms)
    await inner.create(rec, clock.ms)
    same(await inner.delete(rec.id), true, 'delete of a record')
    same(await inner.get(rec.id, clock.ms), undefined, 'get after delete')
    same(await inner.delete(rec.id), false, 'second delete')
  })

  // A driver that checks the record is there, then writes it back in a second step, brings
  // back a record deleted in between: a logged-out session alive again. Whichever call lands
  // first, a delete racing an update or a touch leaves nothing.
  test('update and touch racing delete never bring the record back', async ({ inner, clock }) => {
    const patch = settingPatch({ a: 2 }, clock.ms)
    for (let round = 0; round < 8; round++) {
      const rec = record(clock.ms, { values: { a: 1 } })
      await inner.create(rec, clock.ms)
      const write = (): Promise<unknown> =>
        round % 2 === 0
          ? inner.update(rec.id, patch, clock.ms)
          : inner.touch(rec.id, clock.ms, clock.ms + HOUR_MS, clock.ms)
      const remove = (): Promise<unknown> => inner.delete(rec.id)
      await Promise.all(round < 4 ? [write(), remove()] : [remove(), write()])
      same(await inner.get(rec.id, clock.ms), undefined, `round ${round}: get after the race`)
    }
  })

  test('records handed in and out are copies', async ({ inner, clock }) => {
    const values = { list: [1, 2], nested: { deep: 'yes' } }
    const rec = record(clock.ms, { values })
    await inner.create(rec, clock.ms)
    values.list.push(3)
    const got = await inner.get(rec.id, clock.ms)
    sameJson(got?.values, { list: [1, 2], nested: { deep: 'yes' } }, 'stored values')
    const list = got?.values['list']
    if (Array.isArray(list) && !Object.isFrozen(list)) list.push(99)
    sameJson(
      (await inner.get(rec.id, clock.ms))?.values['list'],
      [1, 2],
      'values after mutating a result',
    )
  })

  test('hostile keys (__proto__, constructor) are plain data everywhere', async (h) => {
    const { inner, clock } = h
    const values: Record<string, unknown> = {}
    for (const key of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      Object.defineProperty(values, key, {
        value: key,
        enumerable: true,
        writable: true,
        configurable: true,
      })
    }
    const rec = record(clock.ms, { values, flash: {}, userKey: '__proto__' })
    await inner.create(rec, clock.ms)
    const other = record(clock.ms, { userKey: 'constructor' })
    await inner.create(other, clock.ms)
    const got = await inner.get(rec.id, clock.ms)
    check(got !== undefined, 'record with hostile keys not found')
    same(
      Object.getPrototypeOf(got.values) === Object.prototype ||
        Object.getPrototypeOf(got.values) === null,
      true,
      'values prototype untouched',
    )
    same(
      Object.getOwnPropertyDescriptor(got.values, '__proto__')?.value,
      '__proto__',
      'own __proto__ value',
    )
    same(
      Object.getOwnPropertyDescriptor(got.values, 'constructor')?.value,
      'constructor',
      'own constructor value',
    )
    same(got.userKey, '__proto__', 'userKey')
    // Object.getPrototypeOf, not `__proto__`: Deno has no `__proto__` accessor.
    same(Object.getPrototypeOf({}) === Object.prototype, true, 'plain objects keep their prototype')
    sameJson(Object.keys(Object.prototype), [], 'Object.prototype has no new keys')
    if (inner.capabilities.userIndex && inner.listByUser !== undefined) {
      same((await inner.listByUser('__proto__', clock.ms)).length, 1, 'listByUser(__proto__)')
      same((await inner.listByUser('constructor', clock.ms)).length, 1, 'listByUser(constructor)')
      same((await inner.listByUser('toString', clock.ms)).length, 0, 'listByUser(toString)')
    }
  })

  test('userKey and meta: undefined keeps, null removes', async ({ inner, clock }) => {
    const rec = record(clock.ms, { userKey: 'u1', meta: { device: 'laptop' } })
    await inner.create(rec, clock.ms)
    const base = {
      set: inner.capabilities.patches ? {} : rec.values,
      unset: [],
      flashSet: inner.capabilities.patches ? {} : rec.flash,
      flashUnset: [],
      lastSeenAt: clock.ms,
      expiresAt: clock.ms + HOUR_MS,
    }
    await inner.update(rec.id, base, clock.ms)
    let got = await inner.get(rec.id, clock.ms)
    same(got?.userKey, 'u1', 'userKey kept')
    sameJson(got?.meta, { device: 'laptop' }, 'meta kept')
    await inner.update(rec.id, { ...base, userKey: 'u2', meta: { device: 'phone' } }, clock.ms)
    got = await inner.get(rec.id, clock.ms)
    same(got?.userKey, 'u2', 'userKey changed')
    sameJson(got?.meta, { device: 'phone' }, 'meta changed')
    await inner.update(rec.id, { ...base, userKey: null, meta: null }, clock.ms)
    got = await inner.get(rec.id, clock.ms)
    same(got?.userKey, undefined, 'userKey removed')
    same(got?.meta, undefined, 'meta removed')
    if (inner.capabilities.userIndex && inner.listByUser !== undefined) {
      same((await inner.listByUser('u1', clock.ms)).length, 0, 'old user index entry')
      same((await inner.listByUser('u2', clock.ms)).length, 0, 'removed user index entry')
    }
  })

  test('listByUser and deleteByUser (userIndex)', async (h) => {
    const { inner, clock, store } = h
    if (!inner.capabilities.userIndex) {
      await refused(store.listByUser('u1'), 'listByUser without userIndex')
      await refused(store.destroyByUser('u1'), 'destroyByUser without userIndex')
      return
    }
    check(
      inner.listByUser !== undefined && inner.deleteByUser !== undefined,
      'userIndex drivers implement listByUser and deleteByUser',
    )
    const first = record(clock.ms, { userKey: 'u1', meta: { device: 'a' } })
    await inner.create(first, clock.ms)
    clock.advance(1000)
    const second = record(clock.ms, { userKey: 'u1' })
    await inner.create(second, clock.ms)
    const third = record(clock.ms, { userKey: 'u1' })
    await inner.create(third, clock.ms)
    const foreign = record(clock.ms, { userKey: 'u2' })
    await inner.create(foreign, clock.ms)
    const list = await inner.listByUser('u1', clock.ms)
    same(list.length, 3, 'sessions of u1')
    same(list[0]?.id, first.id, 'oldest first')
    sameJson(
      list[0],
      {
        id: first.id,
        createdAt: first.createdAt,
        lastSeenAt: first.lastSeenAt,
        expiresAt: first.expiresAt,
        meta: { device: 'a' },
      },
      'summary',
    )
    check(!('values' in (list[0] ?? {})), 'a summary never holds the data')
    const removed = await inner.deleteByUser('u1', second.id)
    sameJson([...removed].sort(), [first.id, third.id].sort(), 'removed ids')
    check((await inner.get(second.id, clock.ms)) !== undefined, 'the excepted session stays')
    same(await inner.get(first.id, clock.ms), undefined, 'first is gone')
    check((await inner.get(foreign.id, clock.ms)) !== undefined, "another user's session stays")
    same((await inner.listByUser('nobody', clock.ms)).length, 0, 'unknown user')
  })

  test('prune and deleteAll (listing)', async (h) => {
    const { inner, clock, store } = h
    if (!inner.capabilities.listing) {
      await refused(store.prune(), 'prune without listing')
      await refused(store.destroyAll(), 'destroyAll without listing')
      return
    }
    check(
      inner.prune !== undefined && inner.deleteAll !== undefined,
      'listing drivers implement prune and deleteAll',
    )
    const short = record(clock.ms, { expiresAt: clock.ms + 1000 })
    const long = record(clock.ms)
    await inner.create(short, clock.ms)
    await inner.create(long, clock.ms)
    sameJson(await inner.prune(clock.ms + 999), [], 'prune before any expiry')
    sameJson(await inner.prune(clock.ms + 1000), [short.id], 'prune at the expiry')
    check((await inner.get(long.id, clock.ms)) !== undefined, 'a live record survives prune')
    await inner.create(record(clock.ms), clock.ms)
    same(await inner.deleteAll(), 2, 'deleteAll count')
    same(await inner.get(long.id, clock.ms), undefined, 'get after deleteAll')
  })

  test('close is idempotent', async ({ inner }) => {
    await inner.close()
    await inner.close()
  })
}
