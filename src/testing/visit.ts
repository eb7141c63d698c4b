// Requests through a registry, as an adapter makes them, with a browser-like cookie jar.

import { SessionRegistry } from '../core/registry.ts'
import type { Session } from '../core/session.ts'
import type { ServerStore } from '../stores/server.ts'
import { check, same } from './assert.ts'
import { CookieJar } from './cookie-jar.ts'

export type TestSession = Session

/** The cookie name of every session the suites make. */
export const NAME = 'sid'

export interface Visit<T> {
  readonly setCookies: readonly string[]
  readonly session: TestSession
  readonly value: T
}

/**
 * One request: loads the session from the jar's cookies, runs `handler`, saves, and applies
 * the response's Set-Cookie values to the jar.
 */
export async function visit<T = undefined>(
  store: ServerStore,
  jar: CookieJar | undefined,
  handler?: (session: TestSession, registry: SessionRegistry) => T | Promise<T>,
): Promise<Visit<T>> {
  const registry = new SessionRegistry(jar?.header)
  const session = await registry.get(store)
  const value = (await handler?.(session, registry)) as T
  const setCookies = [...(await registry.save())]
  jar?.apply(setCookies)
  return { setCookies, session, value }
}

/** Creates a stored session holding `values` and returns the jar with its cookie. */
export async function login(
  store: ServerStore,
  values: Record<string, unknown> = { user: 'u1' },
  user?: { key: string; meta?: Record<string, string> },
): Promise<{ jar: CookieJar; id: string }> {
  const jar = new CookieJar()
  const { session, setCookies } = await visit(store, jar, (s) => {
    for (const [key, value] of Object.entries(values)) s.set(key, value)
    if (user !== undefined) s.setUser(user.key, user.meta)
  })
  same(setCookies.length, 1, 'login: Set-Cookie count')
  check(session.id !== undefined, 'login: the session has an id after its first save')
  return { jar, id: session.id }
}
