// The per-session cookie attributes an application sets (`session.setCookieOptions`), apart
// from the session's state so that the store-facing view can name them without a cycle.

/** Per-session overrides of how the cookie is written (gorilla `session.Options`). */
export interface SessionCookieOverrides {
  /**
   * Cookie persistence in seconds, with gorilla's meaning: `0` = a browser-session cookie
   * (no Max-Age), `> 0` = persistent for that long (capped by the session's expiry),
   * `< 0` = delete the cookie now. Remembered in the session (remember-me).
   */
  maxAge?: number
  path?: string
  domain?: string
  secure?: boolean
  httpOnly?: boolean
  sameSite?: 'Strict' | 'Lax' | 'None' | false
  partitioned?: boolean
}
