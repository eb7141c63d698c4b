// Type-level tests of the Hono adapter: compiled by `tsc -p test/types/tsconfig.json`.
import { expectTypeOf } from 'expect-type'
import { Hono } from 'hono'
import { createCookieStore, createKeyRing, generateKey, type Session } from '../../src/index.ts'
import {
  session,
  sessions,
  type HonoSessionRegistry,
  type SessionEnv,
  type SessionsEnv,
} from '../../src/hono.ts'

type Data = { userId: string; visits: number }
type Flash = { notice: string }
const keys = createKeyRing([{ id: 'k1', secret: generateKey() }])
const store = createCookieStore<Data, Flash>({ name: 'app', keys })
const prefsStore = createCookieStore<{ theme: 'light' | 'dark' }>({ name: 'prefs', keys })

// Chained: the middleware's variables reach the handlers.
new Hono()
  .use(session(store))
  .use(session(prefsStore, { as: 'prefs' }))
  .get('/', (c) => {
    expectTypeOf(c.var.session).toEqualTypeOf<Session<Data, Flash>>()
    expectTypeOf(c.get('session')).toEqualTypeOf<Session<Data, Flash>>()
    expectTypeOf(c.var.sessions).toEqualTypeOf<HonoSessionRegistry>()
    expectTypeOf(c.var.prefs.get('theme')).toEqualTypeOf<'light' | 'dark' | undefined>()
    expectTypeOf(c.var.session.get('visits')).toEqualTypeOf<number | undefined>()
    // @ts-expect-error visits is a number
    c.var.session.set('visits', 'x')
    return c.text('ok')
  })

// Declared on the app: handlers registered later see the session too.
const app = new Hono<SessionEnv<Data, Flash>>()
app.use(session(store))
app.get('/', (c) => {
  expectTypeOf(c.var.session).toEqualTypeOf<Session<Data, Flash>>()
  return c.text(c.var.session.get('userId') ?? 'anonymous')
})

// Per route.
new Hono().get('/x', session(store, { as: 'auth' }), (c) => {
  expectTypeOf(c.var.auth).toEqualTypeOf<Session<Data, Flash>>()
  // @ts-expect-error the session is `auth` here
  void c.var.session
  return c.text('ok')
})

// The registry alone.
new Hono<SessionsEnv>().use(sessions()).get('/', async (c) => {
  expectTypeOf(await c.var.sessions.get(store)).toEqualTypeOf<Session<Data, Flash>>()
  return c.text('ok')
})
