// The two stores of the scale rows, in-process (no HTTP): the cookie store and the server
// store on the memory driver, and one request on each: store.get(Cookie header) → increment
// `views` → store.save, as every session handler of the benchmarks does.
import { Buffer } from 'node:buffer'
import { COOKIE_NAME, KEY_B64URL } from './common.mjs'
import { openDriver } from './drivers.mjs'

const sk = await import('../../dist/index.js')
const keys = sk.createKeyRing([{ id: 'k1', secret: KEY_B64URL }])

export function cookieStore() {
  return sk.createCookieStore({ name: COOKIE_NAME, keys })
}

/**
 * The server store on a memory driver holding up to `maxSessions` (the driver's documented
 * option; its default of 10 000 would evict most of a million), sweeper off as in every
 * benchmark (bench/lib/drivers.mjs).
 */
export async function memoryStore(maxSessions) {
  const driver = await openDriver('memory', { maxSessions })
  return sk.createServerStore({ name: COOKIE_NAME, driver, keys })
}

/** The Set-Cookie's `name=value`: the next request's Cookie header. */
export function cookieOf(setCookie) {
  if (setCookie === undefined) return undefined
  const end = setCookie.indexOf(';')
  return end < 0 ? setCookie : setCookie.slice(0, end)
}

/** A new session holding `values`, saved: its Cookie header. */
export async function newSession(store, values) {
  const session = store.create()
  for (const [key, value] of Object.entries(values)) session.set(key, value)
  const header = cookieOf(await store.save(session))
  if (header === undefined) throw new Error('a new session was saved without a cookie')
  return header
}

/** Whether `values` fit in the store's cookie: undefined, or the size it would have. */
export async function cookieOverflow(store, values) {
  try {
    await newSession(store, values)
    return undefined
  } catch (error) {
    if (error instanceof sk.CookieTooLargeError) return { size: error.size, limit: error.limit }
    throw error
  }
}

/** One request: the session of `header`, one more view, saved; the Set-Cookie, if any. */
export async function request(store, header) {
  const session = await store.get(header)
  if (session.isNew) throw new Error('the request lost its session')
  session.increment('views')
  return store.save(session)
}

/** Requests that carry each response's cookie into the next request (one client). */
export function chained(store, header) {
  let current = header
  return async () => {
    current = cookieOf(await request(store, current)) ?? current
  }
}

/**
 * A copy of `text` in a string of its own: a slice would keep the whole Set-Cookie alive, and
 * the cost of the kept headers is measured (and subtracted) as flat strings.
 */
export function flat(text) {
  return Buffer.from(text, 'latin1').toString('latin1')
}

/**
 * Fills the store with `count` sessions of `values` (each with its own `userId`), `batch` saves
 * in flight at a time: their Cookie headers.
 */
export async function fill(store, values, count, batch = 1000) {
  const headers = new Array(count)
  for (let start = 0; start < count; start += batch) {
    const saves = []
    for (let i = start; i < Math.min(count, start + batch); i++) {
      const session = newSession(store, { ...values, userId: `u_${i}` })
      saves.push(session.then((header) => (headers[i] = flat(header))))
    }
    await Promise.all(saves)
  }
  return headers
}
