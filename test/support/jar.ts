// A minimal browser cookie jar for multi-request tests: applies Set-Cookie values (a deletion
// removes the cookie) and sends back `name=value` pairs.
import {
  createCookieStore,
  createKeyRing,
  type CookieStore,
  type CookieStoreOptions,
  type Session,
  type SessionData,
} from '../../src/index.ts'
import { manualClock, type ManualClock } from './clock.ts'
import { cookieAttributes, cookieName, cookieValue } from './cookies.ts'
import { KEY_A } from './keys.ts'

export class CookieJar {
  readonly #cookies = new Map<string, string>()

  /** The request's Cookie header, or `undefined` when the jar is empty. */
  get header(): string | undefined {
    if (this.#cookies.size === 0) return undefined
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ')
  }

  value(name: string): string | undefined {
    return this.#cookies.get(name)
  }

  has(name: string): boolean {
    return this.#cookies.has(name)
  }

  set(name: string, value: string): void {
    this.#cookies.set(name, value)
  }

  apply(setCookie: string | readonly string[] | undefined): void {
    if (setCookie === undefined) return
    for (const line of typeof setCookie === 'string' ? [setCookie] : setCookie) {
      const name = cookieName(line)
      const maxAge = cookieAttributes(line).get('max-age')
      if (maxAge === '0' || cookieValue(line) === '') this.#cookies.delete(name)
      else this.#cookies.set(name, cookieValue(line))
    }
  }
}

export interface Harness<Data extends SessionData, Flash extends SessionData> {
  readonly clock: ManualClock
  readonly store: CookieStore<Data, Flash>
  readonly jar: CookieJar
  /**
   * One request: loads the store's session from the jar, runs `handler`, saves and stores the
   * Set-Cookie in the jar. Returns the session and the Set-Cookie value (if any).
   */
  request(
    handler?: (session: Session<Data, Flash>) => void,
  ): Promise<{ session: Session<Data, Flash>; setCookie: string | undefined }>
}

export const TEST_RING = createKeyRing([{ id: 'k1', secret: KEY_A }])

/** A cookie store for the name `sid` (unless `options.name` says otherwise) and its jar. */
export function harness<
  Data extends SessionData = SessionData,
  Flash extends SessionData = SessionData,
>(options: Partial<CookieStoreOptions> = {}): Harness<Data, Flash> {
  const clock = manualClock()
  const store = createCookieStore<Data, Flash>({
    name: 'sid',
    keys: TEST_RING,
    now: clock.now,
    crypto: 'node',
    ...options,
  })
  const jar = new CookieJar()
  return {
    clock,
    store,
    jar,
    async request(handler) {
      const session = await store.get(jar.header)
      handler?.(session)
      const setCookie = await store.save(session)
      jar.apply(setCookie)
      return { session, setCookie }
    },
  }
}
