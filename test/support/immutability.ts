// Values and flashes a store loads must be immutable: a change made through what a read
// returned must never reach what the next save writes. One scenario, run against every store.
import assert from 'node:assert/strict'

import { DEFAULT_FLASH_KEY, type Session, type SessionStore } from '../../src/index.ts'
import { CookieJar } from './jar.ts'

/** A browser of one: each `next` saves the session and loads what the cookie jar sends back. */
export function browserFor(store: SessionStore) {
  const jar = new CookieJar()
  return {
    fresh: (): Session => store.create(),
    async next(session: Session): Promise<Session> {
      jar.apply(await store.save(session))
      return store.get(jar.header)
    },
  }
}

/** Every object inside `value` is frozen, and a Map refuses `set`, `delete` and `clear`. */
export function assertImmutable(value: unknown, where: string): void {
  if (typeof value !== 'object' || value === null) return
  assert.ok(Object.isFrozen(value), `${where} is not frozen`)
  if (value instanceof Map) {
    const map = value as Map<unknown, unknown>
    assert.throws(() => {
      map.set('changed', 1)
    }, TypeError)
    assert.throws(() => {
      map.delete([...map.keys()][0])
    }, TypeError)
    assert.throws(() => {
      map.clear()
    }, TypeError)
    for (const [key, item] of map) assertImmutable(item, `${where}.get(${String(key)})`)
  }
  for (const [key, item] of Object.entries(value)) assertImmutable(item, `${where}.${key}`)
}

interface Notice {
  text: string
  tags: string[]
}

const NOTICE: Notice = { text: 'Saved!', tags: ['a'] }
const LEVEL = { level: 1 }

/** Tries the changes a handler might make to a flash it read; each must throw. */
function assertRefusesChanges(value: unknown, where: string): void {
  assertImmutable(value, where)
  const notice = value as Notice
  assert.throws(() => {
    notice.text = 'changed'
  }, TypeError)
  assert.throws(() => notice.tags.push('b'), TypeError)
}

/**
 * Flashes loaded by `store` are frozen through every read (`peekFlashes`, `flashes`, and
 * every key of `flashKeys`), and what the next save writes is what was first written.
 */
export async function checkLoadedFlashesAreImmutable(store: SessionStore): Promise<void> {
  const browser = browserFor(store)
  const first = browser.fresh()
  first.addFlash(DEFAULT_FLASH_KEY, NOTICE)
  first.addFlash('level', LEVEL)
  const second = await browser.next(first)
  assertRefusesChanges(second.peekFlashes('_flash').at(-1), 'peekFlashes()')
  assertImmutable(second.peekFlashes('level').at(-1), 'peekFlashes(level)')
  // Another change makes the save write the session again, unread flashes included.
  second.set('touched', true)
  const third = await browser.next(second)
  assert.deepEqual(third.peekFlashes('_flash').at(-1), NOTICE)
  for (const value of third.flashes(DEFAULT_FLASH_KEY)) assertRefusesChanges(value, 'flashes()')
  assertRefusesChanges(third.flashes('_flash').at(-1), 'flashes(_flash)')
  assertImmutable(third.flashes('level').at(-1), 'flashes(level)')
  const all = Object.fromEntries(third.flashKeys().map((key) => [key, third.flashes(key)] as const))
  for (const [key, list] of Object.entries(all)) {
    for (const item of list) assertImmutable(item, `flashes(${key})`)
  }
  // Repeated reads in the request agree with the first.
  assert.deepEqual(third.flashes(DEFAULT_FLASH_KEY), [NOTICE])
  assert.deepEqual(third.flashes('level').at(-1), LEVEL)
}
