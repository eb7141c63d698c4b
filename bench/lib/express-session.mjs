// express-session as every bench row that compares with it configures it: its MemoryStore, no
// save of unchanged or empty sessions.
import { SECRET_STRING } from './common.mjs'

/** The express-session middleware the HTTP and lost-update rows use. */
export async function expressSessionMiddleware() {
  const { default: session } = await import('express-session')
  return session({
    secret: SECRET_STRING,
    resave: false,
    saveUninitialized: false,
    store: new session.MemoryStore(),
  })
}
