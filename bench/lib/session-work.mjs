// The one unit of work every session contender does per request, written once for each shape
// of session API so that no row does more or less than another: read the session, count
// whether it was loaded or fresh, give a fresh one the shared payload, add one to `views`
// (so every response re-seals or re-saves) and return the new count for the body.
/* global structuredClone */
import { SMALL } from './common.mjs'

/** A sessionkit `Session` (`isNew`, `set`, `increment`). */
export function bumpSessionkit(session, count) {
  count(!session.isNew)
  if (session.isNew) for (const [key, value] of Object.entries(SMALL)) session.set(key, value)
  return session.increment('views')
}

/** A property-bag session (express-session, cookie-session, koa-session). */
export function bumpBag(session, count) {
  count(session.views !== undefined)
  if (session.views === undefined) Object.assign(session, structuredClone(SMALL))
  session.views++
  return session.views
}

/**
 * A `get`/`set` session (@fastify/secure-session, @fastify/session, hono-sessions); a missing
 * key reads as `undefined` or `null` depending on the package.
 */
export function bumpGetSet(session, count) {
  const views = session.get('views')
  const loaded = views !== undefined && views !== null
  count(loaded)
  if (!loaded) {
    for (const [key, value] of Object.entries(structuredClone(SMALL))) session.set(key, value)
  }
  const next = (loaded ? views : 0) + 1
  session.set('views', next)
  return next
}
