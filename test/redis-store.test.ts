// The Redis driver against the machine's Redis (127.0.0.1:6379, shared with other test runs:
// every test has its own random prefix and removes only its own keys): the conformance suite
// through node-redis and ioredis, then what only Redis has.
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'

import fc from 'fast-check'
import { Redis } from 'ioredis'
import { createClient } from 'redis'

import { applyPatch, type SessionPatch } from '../src/core/driver.ts'
import { SessionConfigError } from '../src/errors.ts'
import { generateSessionId } from '../src/lib/session-id.ts'
import { createRedisDriver, type RedisDriver, type RedisDriverOptions } from '../src/redis.ts'
import { runStoreConformance } from '../src/testing.ts'
import { HOUR, record } from './support/records.ts'
import { dropPrefix, keysUnder, testPrefix } from './support/redis.ts'
import { startRedis } from './support/redis-server.ts'

const URL = 'redis://127.0.0.1:6379'

const nodeRedis = await createClient({ url: URL }).connect()
const ioredis = new Redis(URL)
after(() => {
  nodeRedis.destroy()
  ioredis.disconnect()
})

const clients = { 'node-redis': nodeRedis, ioredis } as const

for (const [kind, client] of Object.entries(clients)) {
  runStoreConformance<RedisDriver>({
    name: `redis (${kind})`,
    createDriver: () => createRedisDriver({ client, prefix: testPrefix() }),
    cleanup: ({ driver }) => dropPrefix(nodeRedis, driver.prefix),
    test: { describe, it },
    activeResources: () => process.getActiveResourcesInfo(),
    // A real server's round trip on a busy CI machine can take longer than the suite's default
    // 50 ms per-call timeout of its fault tests; the Sentinel and Cluster runs use the same.
    faultTimeout: 250,
  })
}

// ---------------------------------------------------------------------------------------
// What only the Redis driver has. node-redis reads the server directly to check the layout.

const raw = (args: string[]): Promise<unknown> => nodeRedis.sendCommand(args)

function patch(at: number, extra: Partial<SessionPatch> = {}): SessionPatch {
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

/** A driver on a fresh prefix, its keys removed afterwards whatever the test did. */
async function withDriver(
  body: (driver: RedisDriver) => Promise<void>,
  options: Partial<RedisDriverOptions> = {},
): Promise<void> {
  const driver = createRedisDriver({ client: nodeRedis, prefix: testPrefix(), ...options })
  try {
    await body(driver)
  } finally {
    await driver.close()
    await dropPrefix(nodeRedis, driver.prefix)
  }
}

describe('redis driver: options', () => {
  it('prefix: printable ASCII, 1 to 64 characters, no glob characters, braces or backslash', () => {
    for (const prefix of ['a', 'app:sessions:', 'x'.repeat(64), 'A-Z_0.9/|@#$%&+=,;!~^()<>\'"']) {
      assert.equal(createRedisDriver({ client: nodeRedis, prefix }).prefix, prefix)
    }
    const bad = [
      '',
      'x'.repeat(65),
      'a b',
      'a*',
      'a?',
      'a[b',
      'a]',
      'a{',
      'a}',
      'a\\',
      'é',
      'a\n',
      'a\u0000',
    ]
    for (const prefix of bad) {
      assert.throws(
        () => createRedisDriver({ client: nodeRedis, prefix }),
        SessionConfigError,
        prefix,
      )
    }
    assert.throws(
      () => createRedisDriver({ client: nodeRedis, prefix: 42 as unknown as string }),
      SessionConfigError,
    )
  })

  it('expiryGrace and batchSize: bounded integers', () => {
    for (const expiryGrace of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 400 * 86_400_000]) {
      assert.throws(() => createRedisDriver({ client: nodeRedis, expiryGrace }), SessionConfigError)
    }
    for (const batchSize of [0, -1, 2.5, 10_001]) {
      assert.throws(() => createRedisDriver({ client: nodeRedis, batchSize }), SessionConfigError)
    }
    createRedisDriver({ client: nodeRedis, expiryGrace: 0, batchSize: 1 })
  })
})

describe('redis driver: key layout and expiry', () => {
  it('the keys of one session and of one user index each sit under a hash tag of their own', async () => {
    // CLUSTER KEYSLOT needs a cluster-enabled server: a private one, no cluster formed.
    const server = await startRedis(['--cluster-enabled', 'yes'])
    const client = await createClient({ url: server.url }).connect()
    try {
      const driver = createRedisDriver({ client, prefix: 'app:' })
      const slot = async (key: string) =>
        Number(await client.sendCommand(['CLUSTER', 'KEYSLOT', key]))
      const id = generateSessionId()
      assert.equal(driver.sessionKey(id), `app:s{${id}}`)
      assert.equal(
        await slot(driver.sessionKey(id)),
        await slot(id),
        'the session key hashes on its id',
      )
      const index = await driver.userIndexKey('alice@example.com')
      assert.match(index, /^app:u\{[A-Za-z0-9_-]{43}\}$/)
      assert.ok(!index.includes('alice'), 'the user key is hashed into the index key')
      const tag = index.slice('app:u{'.length, -1)
      assert.equal(await slot(index), await slot(tag))
      // Sessions spread over the slots instead of piling onto the prefix's one.
      const slots = new Set<number>()
      for (let i = 0; i < 20; i++) slots.add(await slot(driver.sessionKey(generateSessionId())))
      assert.ok(slots.size > 10, `20 sessions in ${slots.size} slots`)
    } finally {
      client.destroy()
      await server.stop()
    }
  })

  it('a session is one hash: values and flash as JSON fields, times and version as integers', () =>
    withDriver(async (driver) => {
      const now = Date.now()
      const rec = record(now, {
        values: { cart: [1, 2], 'f:odd': 'a value key that looks like a flash field' },
        flash: { notice: ['saved'] },
        userKey: 'u1',
        meta: { device: 'phone' },
      })
      assert.equal(await driver.create(rec, now), true)
      const hash = (await raw(['HGETALL', driver.sessionKey(rec.id)])) as string[]
      const fields = new Map<string, string>()
      for (let i = 0; i < hash.length; i += 2) fields.set(hash[i] ?? '', hash[i + 1] ?? '')
      assert.deepEqual(Object.fromEntries(fields), {
        version: '1',
        created: String(now),
        seen: String(now),
        expires: String(rec.expiresAt),
        user: 'u1',
        meta: '{"device":"phone"}',
        'v:cart': '[1,2]',
        'v:f:odd': '"a value key that looks like a flash field"',
        'f:notice': '["saved"]',
      })
      assert.deepEqual((await driver.get(rec.id, now))?.values, rec.values)
    }))

  it('native expiry: PEXPIREAT at expiresAt plus the grace, moved by update and touch', () =>
    withDriver(async (driver) => {
      const now = Date.now()
      const rec = record(now)
      const key = driver.sessionKey(rec.id)
      const expireTime = async () => Number(await raw(['PEXPIRETIME', key]))
      await driver.create(rec, now)
      assert.equal(await expireTime(), rec.expiresAt + 60_000, 'after create (default grace)')
      await driver.update(rec.id, patch(now, { expiresAt: now + 2 * HOUR }), now)
      assert.equal(await expireTime(), now + 2 * HOUR + 60_000, 'after update')
      await driver.touch(rec.id, now, now + 3 * HOUR, now)
      assert.equal(await expireTime(), now + 3 * HOUR + 60_000, 'after touch')
      // The driver's verdict is the caller's clock, whatever the TTL says.
      assert.equal(await driver.get(rec.id, now + 3 * HOUR), undefined)
      assert.equal(Number(await raw(['EXISTS', key])), 1, 'still in Redis, within the grace')
    }))

  it('with expiryGrace 0, Redis removes the record at expiresAt by itself', () =>
    withDriver(
      async (driver) => {
        const now = Date.now()
        // Time enough to read the expiry back on a busy machine before Redis acts on it.
        const rec = record(now, { expiresAt: now + 1500, userKey: 'u1' })
        await driver.create(rec, now)
        assert.equal(Number(await raw(['PEXPIRETIME', driver.sessionKey(rec.id)])), now + 1500)
        await new Promise((resolve) => setTimeout(resolve, rec.expiresAt + 20 - Date.now()))
        // EXISTS expires a key past its time on access: no waiting for the active expiry.
        assert.equal(Number(await raw(['EXISTS', driver.sessionKey(rec.id)])), 0)
        assert.deepEqual(await driver.listByUser('u1', now), [], 'and the listing drops it')
        assert.equal(Number(await raw(['EXISTS', await driver.userIndexKey('u1')])), 0)
      },
      { expiryGrace: 0 },
    ))
})

describe('redis driver: the user index', () => {
  it('listByUser skips and drops entries of vanished sessions; keeps those of live ones', () =>
    withDriver(async (driver) => {
      const now = Date.now()
      const [a, b, c, d] = [0, 1, 2, 3].map((i) => record(now + i, { userKey: 'u1' }))
      for (const rec of [a, b, c, d]) await driver.create(rec!, now)
      const index = await driver.userIndexKey('u1')
      const members = async () => ((await raw(['ZRANGE', index, '0', '-1'])) as string[]).sort()
      // Gone behind the driver's back (as if Redis expired it), moved to another user,
      // expired for the caller's clock, and a member that is no session id at all.
      await raw(['DEL', driver.sessionKey(a!.id)])
      await driver.update(b!.id, patch(now, { userKey: 'u2' }), now)
      await driver.touch(c!.id, now, now + 10, now)
      await raw(['ZADD', index, '0', 'not-a-session-id'])
      const list = await driver.listByUser('u1', now + 10)
      assert.deepEqual(
        list.map((s) => s.id),
        [d!.id],
      )
      // a's entry and the garbage went; b's and c's stay while their sessions exist (b may
      // come back to u1; c is within Redis's grace and a clock may still call it live).
      assert.deepEqual(await members(), [b!.id, c!.id, d!.id].sort())
      assert.deepEqual(
        (await driver.listByUser('u2', now)).map((s) => s.id),
        [b!.id],
      )
    }))

  it('deleteByUser deletes only sessions that still belong to the user, and drops their entries', () =>
    withDriver(async (driver) => {
      const now = Date.now()
      const [a, b, c, keep] = [0, 1, 2, 3].map(() => record(now, { userKey: 'u1' }))
      for (const rec of [a, b, c, keep]) await driver.create(rec!, now)
      await raw(['DEL', driver.sessionKey(a!.id)])
      await driver.update(b!.id, patch(now, { userKey: 'u2' }), now)
      const removed = await driver.deleteByUser('u1', keep!.id)
      assert.deepEqual(removed, [c!.id])
      assert.ok((await driver.get(b!.id, now)) !== undefined, "a session now someone else's stays")
      assert.ok((await driver.get(keep!.id, now)) !== undefined, 'the excepted session stays')
      const index = await driver.userIndexKey('u1')
      assert.deepEqual(
        ((await raw(['ZRANGE', index, '0', '-1'])) as string[]).sort(),
        [b!.id, keep!.id].sort(),
      )
    }))

  it('delete drops the index entry; prune drops entries of sessions Redis expired itself', () =>
    withDriver(async (driver) => {
      const now = Date.now()
      const [a, b, c] = [0, 1, 2].map(() => record(now, { userKey: 'u1' }))
      for (const rec of [a, b, c]) await driver.create(rec!, now)
      const index = await driver.userIndexKey('u1')
      assert.equal(await driver.delete(a!.id), true)
      assert.equal(Number(await raw(['ZCARD', index])), 2)
      await raw(['DEL', driver.sessionKey(b!.id)])
      assert.deepEqual(await driver.prune(now), [], 'nothing expired at now')
      assert.deepEqual(await raw(['ZRANGE', index, '0', '-1']), [c!.id])
      assert.deepEqual(await driver.prune(c!.expiresAt), [c!.id])
      assert.equal(Number(await raw(['EXISTS', index])), 0, 'the emptied index is gone')
    }))
})

describe('redis driver: prefixes and hostile data', () => {
  it('deleteAll and prune never touch keys outside the prefix, even under a longer prefix', async () => {
    const prefix = testPrefix()
    const ours = createRedisDriver({ client: nodeRedis, prefix })
    const longer = createRedisDriver({ client: nodeRedis, prefix: `${prefix}x:` })
    const strays = [`${prefix}s`, `${prefix}other`, `${prefix}s-{x}`, prefix.slice(0, -1)]
    try {
      const now = Date.now()
      for (const key of strays) await raw(['SET', key, 'not ours'])
      const mine = record(now, { userKey: 'u1' })
      const theirs = record(now, { userKey: 'u1', expiresAt: now + 1 })
      await ours.create(mine, now)
      await longer.create(theirs, now)
      assert.deepEqual(await ours.prune(now + HOUR), [mine.id])
      await ours.create(record(now, { userKey: 'u1' }), now)
      assert.equal(await ours.deleteAll(), 1)
      assert.deepEqual(
        (await keysUnder(nodeRedis, prefix)).filter((k) => k.startsWith(`${prefix}x:`)).length,
        2,
      )
      assert.ok((await longer.get(theirs.id, now)) !== undefined, "the longer prefix's session")
      for (const key of strays) assert.equal(await raw(['GET', key]), 'not ours', key)
    } finally {
      await dropPrefix(nodeRedis, prefix)
      await raw(['UNLINK', prefix.slice(0, -1)])
    }
  })

  it('hostile keys and values stay data: Lua-looking text, JSON-breaking text, __proto__', () =>
    withDriver(async (driver) => {
      const now = Date.now()
      const values: Record<string, unknown> = {}
      const hostile = [
        '__proto__',
        'constructor',
        "]]) redis.call('FLUSHALL') --",
        '"},{"__proto__":{"polluted":true}}',
        'line\nbreak\r\n*1\r\n$8\r\nFLUSHALL\r\n',
        'v:',
        'f:',
        '',
        '💥',
      ]
      for (const key of hostile) {
        Object.defineProperty(values, key, {
          value: { key },
          enumerable: true,
          writable: true,
          configurable: true,
        })
      }
      const rec = record(now, {
        values,
        flash: JSON.parse('{"__proto__":[{"key":"x"}]}') as Record<string, unknown[]>,
      })
      await driver.create(rec, now)
      const got = await driver.get(rec.id, now)
      assert.ok(got !== undefined)
      assert.equal(Object.getPrototypeOf(got.values), Object.prototype)
      assert.deepEqual(Object.keys(got.values).sort(), [...hostile].sort())
      for (const k of hostile)
        assert.deepEqual(Object.getOwnPropertyDescriptor(got.values, k)?.value, { key: k })
      assert.deepEqual(Object.getOwnPropertyDescriptor(got.flash, '__proto__')?.value, [
        { key: 'x' },
      ])
      assert.equal(({} as Record<string, unknown>)['polluted'], undefined)
      const result = await driver.update(
        rec.id,
        patch(now, {
          unset: hostile.slice(0, 4),
          set: JSON.parse('{"__proto__":1}') as Record<string, unknown>,
        }),
        now,
      )
      assert.deepEqual(result, { status: 'updated', version: 2 })
      const after = await driver.get(rec.id, now)
      assert.deepEqual(
        Object.keys(after?.values ?? {}).sort(),
        ['__proto__', ...hostile.slice(4)].sort(),
      )
      assert.equal(Object.getOwnPropertyDescriptor(after?.values, '__proto__')?.value, 1)
    }))

  it('thousands of keys in one create and one patch (the scripts take them in chunks)', () =>
    withDriver(async (driver) => {
      const now = Date.now()
      const values: Record<string, number> = {}
      for (let i = 0; i < 5000; i++) values[`k${i}`] = i
      const rec = record(now, { values })
      await driver.create(rec, now)
      const unset = Object.keys(values).slice(0, 4500)
      const set: Record<string, number> = {}
      for (let i = 0; i < 3000; i++) set[`n${i}`] = -i
      assert.equal((await driver.update(rec.id, patch(now, { unset, set }), now)).status, 'updated')
      const got = await driver.get(rec.id, now)
      assert.equal(Object.keys(got?.values ?? {}).length, 500 + 3000)
      assert.equal(got?.values['k4999'], 4999)
      assert.equal(got.values['n2999'], -2999)
    }))

  it('a corrupt record is no session and is removed, whatever is broken in it', () =>
    withDriver(async (driver) => {
      const now = Date.now()
      const good = [
        'version',
        '1',
        'created',
        String(now),
        'seen',
        String(now),
        'expires',
        String(now + HOUR),
      ]
      const broken: string[][] = [
        ['version', 'x', ...good.slice(2)],
        good.slice(2),
        [...good, 'v:a', '{not json'],
        [...good, 'f:a', '"not a list"'],
        [...good, 'meta', '{"device":1}'],
      ]
      for (const fields of broken) {
        const id = generateSessionId()
        await raw(['HSET', driver.sessionKey(id), ...fields])
        assert.equal(await driver.get(id, now), undefined, fields.join(' '))
        assert.equal(Number(await raw(['EXISTS', driver.sessionKey(id)])), 0, fields.join(' '))
      }
      const wrongType = generateSessionId()
      await raw(['SET', driver.sessionKey(wrongType), 'a string, not a hash'])
      assert.equal(await driver.get(wrongType, now), undefined)
      assert.equal(Number(await raw(['EXISTS', driver.sessionKey(wrongType)])), 0)
      // A create over a corrupt record (no expiry to respect) replaces it.
      const over = generateSessionId()
      await raw(['HSET', driver.sessionKey(over), 'junk', '1'])
      assert.equal(await driver.create(record(now, { id: over }), now), true)
      assert.equal((await driver.get(over, now))?.values['a'], 1)
    }))

  it('ids that are not session ids never reach Redis', () =>
    withDriver(async (driver) => {
      const now = Date.now()
      for (const id of [
        '*',
        'a?',
        '[x]',
        'a b',
        `${'a'.repeat(42)}}`,
        `${'a'.repeat(42)}*`,
        'x'.repeat(4096),
      ]) {
        assert.equal(await driver.get(id, now), undefined)
        assert.deepEqual(await driver.update(id, patch(now), now), { status: 'missing' })
        assert.equal(await driver.touch(id, now, now + HOUR, now), false)
        assert.equal(await driver.delete(id), false)
        await assert.rejects(driver.create(record(now, { id }), now), TypeError)
      }
      assert.deepEqual(await keysUnder(nodeRedis, driver.prefix), [])
    }))

  it('a node-redis client speaking RESP3 (maps instead of flat arrays) works the same', async () => {
    const resp3 = await createClient({ url: URL, RESP: 3 }).connect()
    const driver = createRedisDriver({ client: resp3, prefix: testPrefix() })
    try {
      const now = Date.now()
      const values = JSON.parse('{"__proto__":{"a":1},"b":[2]}') as Record<string, unknown>
      const rec = record(now, { values, userKey: 'u1', meta: { device: 'x' } })
      await driver.create(rec, now)
      const got = await driver.get(rec.id, now)
      assert.ok(got !== undefined)
      assert.deepEqual({ ...got, values: undefined }, { ...rec, values: undefined })
      assert.deepEqual(Object.getOwnPropertyDescriptor(got.values, '__proto__')?.value, { a: 1 })
      assert.deepEqual(got.values['b'], [2])
      assert.equal(Object.getPrototypeOf(got.values), Object.prototype)
      assert.deepEqual(
        (await driver.listByUser('u1', now)).map((s) => s.id),
        [rec.id],
      )
      assert.deepEqual(await driver.update(rec.id, patch(now, { unset: ['b'] }), now), {
        status: 'updated',
        version: 2,
      })
    } finally {
      await driver.close()
      await dropPrefix(nodeRedis, driver.prefix)
      resp3.destroy()
    }
  })

  it('a closed driver rejects every call; the client stays open', async () => {
    const driver = createRedisDriver({ client: nodeRedis, prefix: testPrefix() })
    await driver.close()
    await assert.rejects(driver.get(generateSessionId(), Date.now()))
    await assert.rejects(driver.deleteAll())
    assert.equal(await nodeRedis.ping(), 'PONG')
  })
})

describe('redis driver: patches against the reference', () => {
  it('any values and any per-key patch: what Redis stores is what applyPatch computes', () =>
    withDriver(async (driver) => {
      const now = Date.now()
      const json = (value: unknown): unknown => JSON.parse(JSON.stringify(value))
      const keyName = fc.oneof(
        fc.string(),
        fc.constantFrom('__proto__', 'constructor', 'v:', 'f:x', ''),
      )
      const map = fc.dictionary(keyName, fc.jsonValue(), { maxKeys: 8 })
      const flash = fc.dictionary(keyName, fc.array(fc.jsonValue(), { maxLength: 3 }), {
        maxKeys: 4,
      })
      await fc.assert(
        fc.asyncProperty(
          map,
          flash,
          map,
          fc.array(keyName),
          flash,
          async (values, flashes, set, unset, flashSet) => {
            const rec = record(now, { values, flash: flashes })
            await driver.create(rec, now)
            const change = patch(now + 1, { set, unset, flashSet, flashUnset: unset.slice(0, 1) })
            const result = await driver.update(rec.id, change, now + 1)
            assert.deepEqual(result, { status: 'updated', version: 2 })
            const expected = applyPatch(rec, change)
            const got = await driver.get(rec.id, now + 1)
            assert.deepEqual(json(got?.values), json(expected.values))
            assert.deepEqual(json(got?.flash), json(expected.flash))
            await driver.delete(rec.id)
          },
        ),
        { numRuns: 60 },
      )
    }))
})
