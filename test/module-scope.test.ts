// Every store can be created at module scope on Cloudflare Workers, which refuses timers,
// random values and I/O in global scope (workerd itself runs this in runtimes.test.ts). Here
// the same rule is held under Node: while the stores are created, every timer, random source
// and fetch throws; the first request may then use them.
import assert from 'node:assert/strict'
import nodeCrypto from 'node:crypto'
import { describe, it } from 'node:test'

import {
  createCookieStore,
  createKeyRing,
  createMemoryDriver,
  createServerStore,
  createTokenCodec,
  type SessionRecord,
} from '../src/index.ts'
import { createGorillaCookieStore } from '../src/securecookie.ts'
import { KEY_A, KEY_B } from './support/keys.ts'

type Patched = [target: object, key: string, original: unknown]

/** Runs `fn` with the operations workerd forbids in global scope throwing; restores them. */
function asInGlobalScope<T>(fn: () => T): { result: T; refused: string[] } {
  const refused: string[] = []
  const patched: Patched[] = []
  const forbid = (target: object, key: string, label: string): void => {
    patched.push([target, key, (target as Record<string, unknown>)[key]])
    Object.defineProperty(target, key, {
      configurable: true,
      writable: true,
      value: () => {
        refused.push(label)
        throw new Error(`Disallowed operation called within global scope: ${label}`)
      },
    })
  }
  forbid(globalThis, 'setTimeout', 'setTimeout')
  forbid(globalThis, 'setInterval', 'setInterval')
  forbid(globalThis, 'fetch', 'fetch')
  forbid(globalThis.crypto, 'getRandomValues', 'crypto.getRandomValues')
  forbid(nodeCrypto, 'randomFillSync', 'node:crypto randomFillSync')
  forbid(nodeCrypto, 'randomBytes', 'node:crypto randomBytes')
  try {
    return { result: fn(), refused }
  } finally {
    for (const [target, key, original] of patched.reverse()) {
      Object.defineProperty(target, key, { configurable: true, writable: true, value: original })
    }
  }
}

describe('stores created at module scope', () => {
  it('do no timer, random or I/O work until the first request', async () => {
    const { result: stores, refused } = asInGlobalScope(() => {
      const keys = createKeyRing([
        { id: 'a', secret: KEY_A },
        { id: 'b', secret: KEY_B },
      ])
      return {
        auto: createCookieStore({ name: 'auto', keys }),
        node: createCookieStore({ name: 'node', keys, crypto: 'node' }),
        web: createCookieStore({ name: 'web', keys, crypto: 'web', format: 'signed' }),
        server: createServerStore({ name: 'sid', keys, driver: createMemoryDriver() }),
        codec: createTokenCodec({ keys, purpose: 'magic-link' }),
        gorilla: createGorillaCookieStore({ name: 'go', keyPairs: [KEY_A, KEY_B] }),
      }
    })
    assert.deepEqual(refused, [])

    // The first request does what creation put off: a session saved in each store.
    for (const store of [stores.auto, stores.node, stores.web, stores.server, stores.gorilla]) {
      const session = await store.get(undefined)
      session.set('n', 1)
      const cookie = (await store.save(session)) ?? ''
      assert.ok(cookie.startsWith(`${store.name}=`))
      const again = await store.get(cookie.split(';')[0])
      assert.equal(again.get('n'), 1)
    }
    const token = await stores.codec.seal('t', 'x', { expiresAt: Date.now() + 60_000 })
    assert.equal((await stores.codec.open('t', token)).ok, true)
  })

  it('the memory driver starts its sweeper with the first record stored', async () => {
    const { result: driver, refused } = asInGlobalScope(() => createMemoryDriver())
    assert.deepEqual(refused, [])
    const now = Date.now()
    const record = (id: string): SessionRecord => ({
      id,
      values: {},
      flash: {},
      version: 1,
      createdAt: now,
      lastSeenAt: now,
      expiresAt: now + 60_000,
      userKey: undefined,
      meta: undefined,
    })
    const original = globalThis.setInterval
    const started: unknown[] = []
    globalThis.setInterval = ((...args: Parameters<typeof setInterval>) => {
      started.push(args[1])
      return original(...args)
    }) as typeof setInterval
    try {
      await driver.get('a'.repeat(43), now)
      assert.deepEqual(started, [], 'no sweeper for an empty driver')
      await driver.create(record('a'.repeat(43)), now)
      await driver.create(record('b'.repeat(43)), now)
      assert.deepEqual(started, [60_000], 'one sweeper, from the first record')
    } finally {
      globalThis.setInterval = original
      await driver.close()
    }
  })
})
