// A cookie store and a browser for multi-request tests: the cookie jar is the conformance
// suite's (sessionkit/testing), the one driver authors get.
import {
  createCookieStore,
  createKeyRing,
  type CookieStore,
  type CookieStoreOptions,
  type Session,
  type SessionData,
} from '../../src/index.ts'
import { CookieJar } from '../../src/testing.ts'
import { manualClock, type ManualClock } from './clock.ts'
import { KEY_A } from './keys.ts'

export { CookieJar }

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
