/**
 * Every error sessionkit throws or reports is a {@link SessionError} with a stable `code`.
 * Branch on `err.code` (or `instanceof`); messages are for people and may change.
 *
 * Messages never contain cookie values, tokens, secrets or session ids.
 *
 * Available from `'sessionkit/errors'` and `'sessionkit'`.
 *
 * @module
 */

/** The stable codes of every sessionkit error. */
export type SessionErrorCode =
  | 'ERR_SESSION_CONFIG'
  | 'ERR_SESSION_COOKIE_OPTION'
  | 'ERR_SESSION_COOKIE_INVALID'
  | 'ERR_SESSION_COOKIE_TOO_LARGE'
  | 'ERR_SESSION_DESTROYED'
  | 'ERR_SESSION_KEY_MISSING'
  | 'ERR_SESSION_VALUE_TYPE'
  | 'ERR_SESSION_VALUE_INVALID'
  | 'ERR_SESSION_ARGUMENT'
  | 'ERR_SESSION_SAVE'
  | 'ERR_SESSION_HEADERS_SENT'
  | 'ERR_SESSION_REGISTRY'
  | 'ERR_SESSION_STORE'
  | 'ERR_SESSION_CONFLICT'
  | 'ERR_SESSION_TOO_LARGE'
  | 'ERR_SECURECOOKIE_DECODE'
  | 'ERR_SECURECOOKIE_USAGE'
  | 'ERR_SECURECOOKIE_INTERNAL'
  | 'ERR_GOB_DECODE'
  | 'ERR_GOB_ENCODE'

/** Base class of every sessionkit error. */
export class SessionError extends Error {
  readonly code: SessionErrorCode

  constructor(code: SessionErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
    this.name = new.target.name
  }

  /** Brand that survives realms (iframes, vm contexts) where `instanceof` fails. */
  readonly isSessionError = true as const
}

/**
 * Invalid setup: a weak or short key, a duplicate key id, a `__Host-` cookie without
 * `secure`, a timeout that is not a positive finite number. Thrown when the store, key ring
 * or codec is created, never per request.
 */
export class SessionConfigError extends SessionError {
  declare readonly code: 'ERR_SESSION_CONFIG'
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_SESSION_CONFIG', message, options)
  }
}

/**
 * A cookie name or attribute that cannot be serialized safely: injection characters,
 * a non-integer Max-Age, an invalid date, a prefix rule broken.
 */
export class CookieOptionError extends SessionError {
  declare readonly code: 'ERR_SESSION_COOKIE_OPTION'
  /** The offending option (`name`, `value`, `path`, `domain`, `maxAge`, …). */
  readonly option: string

  constructor(option: string, message: string) {
    super('ERR_SESSION_COOKIE_OPTION', message)
    this.option = option
  }
}

/** Why a session cookie presented by the client could not be used. */
export type InvalidCookieReason =
  /** Not a token of ours: bad base64url, wrong layout, unknown format version. */
  | 'malformed'
  /** Authentication failed: a changed byte, a wrong key, another cookie name or purpose. */
  | 'tampered'
  /** The token's authenticated expiry (idle or absolute) has passed. */
  | 'expired'
  /** The authenticated issue time lies in the future beyond the clock tolerance. */
  | 'not-yet-valid'
  /** The key id in the token is not (or no longer) in the key ring. */
  | 'unknown-key'
  /** Longer than `maxLength`; rejected before any decoding or crypto. */
  | 'too-large'
  /**
   * Server-side stores: an authentic cookie whose session does not exist (expired, destroyed
   * or never issued here). The id is never adopted; a fresh session gets a new one.
   */
  | 'unknown-session'

/**
 * A session cookie from the client was rejected. This is never thrown out of a load: the
 * load returns a fresh session, sets this error on `session.loadError` and passes it to the
 * `onInvalidCookie` hook (gorilla returns the session and the error together).
 */
export class InvalidCookieError extends SessionError {
  declare readonly code: 'ERR_SESSION_COOKIE_INVALID'
  readonly reason: InvalidCookieReason
  /** Name of the cookie that was rejected. */
  readonly cookieName: string

  constructor(reason: InvalidCookieReason, cookieName: string) {
    super('ERR_SESSION_COOKIE_INVALID', `Session cookie "${cookieName}" rejected: ${reason}`)
    this.reason = reason
    this.cookieName = cookieName
  }
}

/** The serialized `name=value` would exceed the configured limit (bytes). */
export class CookieTooLargeError extends SessionError {
  declare readonly code: 'ERR_SESSION_COOKIE_TOO_LARGE'
  readonly size: number
  readonly limit: number
  readonly cookieName: string

  constructor(cookieName: string, size: number, limit: number) {
    super(
      'ERR_SESSION_COOKIE_TOO_LARGE',
      `Cookie "${cookieName}" would be ${size} bytes, over the limit of ${limit}`,
    )
    this.size = size
    this.limit = limit
    this.cookieName = cookieName
  }
}

/** The session was destroyed; a destroyed session cannot be read or written again. */
export class SessionDestroyedError extends SessionError {
  declare readonly code: 'ERR_SESSION_DESTROYED'
  constructor(sessionName: string) {
    super('ERR_SESSION_DESTROYED', `Session "${sessionName}" was destroyed`)
  }
}

/** A typed getter was called for an absent key without a default. */
export class SessionKeyMissingError extends SessionError {
  declare readonly code: 'ERR_SESSION_KEY_MISSING'
  readonly key: string

  constructor(key: string) {
    super('ERR_SESSION_KEY_MISSING', `Session key "${key}" is not set`)
    this.key = key
  }
}

/** A typed getter found a value of another type; values are never coerced. */
export class SessionValueTypeError extends SessionError {
  declare readonly code: 'ERR_SESSION_VALUE_TYPE'
  readonly key: string
  readonly expected: string
  readonly actual: string

  constructor(key: string, expected: string, actual: string) {
    super('ERR_SESSION_VALUE_TYPE', `Session key "${key}" holds ${actual}, not ${expected}`)
    this.key = key
    this.expected = expected
    this.actual = actual
  }
}

/**
 * A value given to `set` cannot be stored: only JSON values are allowed (null, booleans,
 * finite numbers, strings, arrays and plain objects), without cycles or excessive depth.
 */
export class SessionValueError extends SessionError {
  declare readonly code: 'ERR_SESSION_VALUE_INVALID'
  readonly key: string
  /** Where inside the value the problem is, as a JSON-pointer-like path. */
  readonly path: string

  constructor(key: string, path: string, problem: string) {
    super('ERR_SESSION_VALUE_INVALID', `Session key "${key}" at ${path || '/'}: ${problem}`)
    this.key = key
    this.path = path
  }
}

/**
 * A method was called with an argument it does not accept (`regenerate({ grace: 400 })`, a
 * `maxAge` of `1.5`, an empty user key). A programming error, never caused by client input.
 */
export class SessionArgumentError extends SessionError {
  declare readonly code: 'ERR_SESSION_ARGUMENT'
  /** The argument or option at fault (`grace`, `maxAge`, `userKey`, …). */
  readonly argument: string

  constructor(argument: string, expected: string) {
    super('ERR_SESSION_ARGUMENT', `Invalid ${argument}: expected ${expected}`)
    this.argument = argument
  }
}

/** One or more sessions of a request could not be saved; every failure is in `errors`. */
export class SessionSaveError extends SessionError {
  declare readonly code: 'ERR_SESSION_SAVE'
  readonly errors: readonly { readonly sessionName: string; readonly error: unknown }[]
  /**
   * `Set-Cookie` values to send even though the save failed: the deletion cookie of a
   * destroyed session whose server record could not be deleted (the client is logged out and
   * the failure is still reported). Empty otherwise.
   */
  readonly setCookies: readonly string[]

  constructor(
    errors: readonly { readonly sessionName: string; readonly error: unknown }[],
    setCookies: readonly string[] = [],
  ) {
    const names = errors.map((e) => `"${e.sessionName}"`).join(', ')
    const first = errors[0]?.error
    super(
      'ERR_SESSION_SAVE',
      `Could not save session${errors.length === 1 ? '' : 's'} ${names}` +
        (first instanceof Error ? `: ${first.message}` : ''),
      { cause: first },
    )
    this.errors = errors
    this.setCookies = setCookies
  }
}

/** A session changed after the response headers were sent, so its cookie cannot be written. */
export class HeadersSentError extends SessionError {
  declare readonly code: 'ERR_SESSION_HEADERS_SENT'
  constructor(detail: string) {
    super('ERR_SESSION_HEADERS_SENT', `Response headers already sent: ${detail}`)
  }
}

/** What a store was doing when it failed. */
export type StoreOperation =
  | 'get'
  | 'create'
  | 'update'
  | 'touch'
  | 'delete'
  | 'deleteByUser'
  | 'listByUser'
  | 'deleteAll'
  | 'prune'
  | 'close'

/**
 * A session store failed or did not answer in time. Requests fail closed: no fresh session is
 * issued over the user's cookie and nothing is silently dropped.
 */
export class SessionStoreError extends SessionError {
  declare readonly code: 'ERR_SESSION_STORE'
  readonly operation: StoreOperation
  /** True when the store did not answer within the configured timeout. */
  readonly timedOut: boolean

  constructor(operation: StoreOperation, timedOut: boolean, options?: { cause?: unknown }) {
    const cause = options?.cause
    super(
      'ERR_SESSION_STORE',
      timedOut
        ? `Session store ${operation} timed out`
        : `Session store ${operation} failed` +
            (cause instanceof Error ? `: ${cause.message}` : ''),
      options === undefined || !('cause' in options) ? undefined : { cause },
    )
    this.operation = operation
    this.timedOut = timedOut
  }
}

/**
 * Optimistic versioning: the session changed in the store since this request loaded it, and
 * the store was configured to report conflicts rather than merge per key.
 */
export class SessionConflictError extends SessionError {
  declare readonly code: 'ERR_SESSION_CONFLICT'
  readonly sessionName: string

  constructor(sessionName: string) {
    super('ERR_SESSION_CONFLICT', `Session "${sessionName}" was changed by another request`)
    this.sessionName = sessionName
  }
}

/**
 * A server-side session grew past the store's `maxSessionBytes`: nothing was written. `size`
 * and `limit` are bytes of the record's JSON (values, flashes, user key and labels).
 */
export class SessionTooLargeError extends SessionError {
  declare readonly code: 'ERR_SESSION_TOO_LARGE'
  readonly sessionName: string
  readonly size: number
  readonly limit: number

  constructor(sessionName: string, size: number, limit: number) {
    super(
      'ERR_SESSION_TOO_LARGE',
      `Session "${sessionName}" would take ${size} bytes, over the limit of ${limit}`,
    )
    this.sessionName = sessionName
    this.size = size
    this.limit = limit
  }
}

/** Registry misuse: one session name bound to two different stores in one request. */
export class SessionRegistryError extends SessionError {
  declare readonly code: 'ERR_SESSION_REGISTRY'
  constructor(message: string) {
    super('ERR_SESSION_REGISTRY', message)
  }
}

/** The three kinds of gorilla/securecookie errors (`IsDecode`, `IsUsage`, `IsInternal`). */
export type SecureCookieErrorKind = 'decode' | 'usage' | 'internal'

const SECURECOOKIE_CODES = {
  decode: 'ERR_SECURECOOKIE_DECODE',
  usage: 'ERR_SECURECOOKIE_USAGE',
  internal: 'ERR_SECURECOOKIE_INTERNAL',
} as const

/**
 * A gorilla/securecookie-compatible codec error. `code` tells the kind the way Go's
 * `IsDecode`/`IsUsage`/`IsInternal` do; `goMessage` is the exact text gorilla would log
 * (for example `securecookie: the value is not valid`).
 */
export class SecureCookieError extends SessionError {
  declare readonly code: (typeof SECURECOOKIE_CODES)[SecureCookieErrorKind]
  readonly kind: SecureCookieErrorKind
  readonly goMessage: string

  constructor(kind: SecureCookieErrorKind, goMessage: string, options?: { cause?: unknown }) {
    super(SECURECOOKIE_CODES[kind], goMessage, options)
    this.kind = kind
    this.goMessage = goMessage
  }

  isDecode(): boolean {
    return this.kind === 'decode'
  }

  isUsage(): boolean {
    return this.kind === 'usage'
  }

  isInternal(): boolean {
    return this.kind === 'internal'
  }
}

/** A gob stream could not be decoded (hostile or corrupt input) or a value not encoded. */
export class GobError extends SessionError {
  declare readonly code: 'ERR_GOB_DECODE' | 'ERR_GOB_ENCODE'

  // Narrows the accepted codes to the two gob ones.
  // eslint-disable-next-line @typescript-eslint/no-useless-constructor
  constructor(
    code: 'ERR_GOB_DECODE' | 'ERR_GOB_ENCODE',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options)
  }
}

/** Cross-realm guard for sessionkit errors. */
export function isSessionError(value: unknown): value is AnySessionError {
  return (
    value instanceof SessionError ||
    (typeof value === 'object' &&
      value !== null &&
      (value as { isSessionError?: unknown }).isSessionError === true &&
      typeof (value as { code?: unknown }).code === 'string')
  )
}

/**
 * Every error sessionkit throws, as a union: narrowing on `code` gives the class, so a
 * `switch (error.code)` sees each class's own fields.
 */
export type AnySessionError =
  | SessionConfigError
  | CookieOptionError
  | InvalidCookieError
  | CookieTooLargeError
  | SessionDestroyedError
  | SessionKeyMissingError
  | SessionValueTypeError
  | SessionValueError
  | SessionArgumentError
  | SessionSaveError
  | HeadersSentError
  | SessionStoreError
  | SessionConflictError
  | SessionTooLargeError
  | SessionRegistryError
  | SecureCookieError
  | GobError
