/**
 * The store contract (gorilla/dghubble `Store`): load the store's session from the request's
 * cookies, create a new one, save it (giving the `Set-Cookie` value to send, if any) and
 * destroy it. A store serves one cookie name, given when it is created. Promise-first; `save`
 * may return synchronously so adapters can write a cookie without a microtask hop where the
 * store allows it.
 *
 * Available from `'sessionkit'`.
 *
 * @module
 */

import type { Awaitable } from '../lib/awaitable.ts'
import type { Session, SessionData } from './session.ts'

/** The request's `Cookie` header: a string, several header lines, or nothing. */
export type CookieHeader = string | readonly string[] | null | undefined

export type { RequestTransport } from './transport.ts'

export interface SessionStore<
  Data extends object = SessionData,
  Flash extends object = SessionData,
> {
  /**
   * The cookie name, given once when the store is created (also every session's `name`). A
   * request holds one session per name: the registry refuses a name bound to two stores.
   */
  readonly name: string
  /**
   * Loads the store's session from the request's cookies. A missing or invalid cookie gives a
   * new session (with `loadError` set when it was invalid): bad client input never throws.
   * Infrastructure failures (a store outage) do throw.
   */
  get(cookieHeader: CookieHeader): Promise<Session<Data, Flash>>
  /** A new, empty session (gorilla `New`). */
  create(): Session<Data, Flash>
  /**
   * Persists the session and returns the `Set-Cookie` value to send, or `undefined` when the
   * client's cookie is already right (an unchanged session writes nothing).
   */
  save(session: Session<Data, Flash>): Awaitable<string | undefined>
  /** Destroys the session and returns the `Set-Cookie` value that deletes the cookie. */
  destroy(session: Session<Data, Flash>): Awaitable<string | undefined>
  /**
   * The `Set-Cookie` value that must still go out after the latest save of `session` failed:
   * the deletion cookie of a session whose removal failed (a logout whose server-side delete
   * did not happen still logs the browser out). `undefined` when there is none, or when the
   * latest save succeeded. The registry asks for it whenever a save rejects, and sends it with
   * the error (`SessionSaveError.setCookies`). Stores whose saves cannot fail halfway omit it.
   */
  deletionCookie?(session: Session<Data, Flash>): string | undefined
}

/**
 * A store that lets a session destroyed in a request be replaced by a fresh one in the same
 * request (go-sessions `AllowReclaim`): after `session.destroy()`, `registry.get(store)`
 * gives a new session instead of the destroyed one. The destroyed session is still deleted at
 * save; the new session's cookie (if it gets one) replaces the deletion cookie.
 */
export interface ReclaimableStore {
  readonly allowReclaim: boolean
}
