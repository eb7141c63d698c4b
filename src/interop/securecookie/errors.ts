// gorilla/securecookie's error texts and constructors. Every codec error is a
// SecureCookieError whose `goMessage` is the exact text Go's `err.Error()` gives.

import { SecureCookieError, type SecureCookieErrorKind } from '../../errors.ts'

/** gorilla/securecookie's error texts, exactly. */
export interface GoMessages {
  readonly generatingIv: string
  readonly noCodecs: string
  readonly hashKeyNotSet: string
  readonly blockKeyNotSet: string
  readonly tooLong: string
  readonly timestampInvalid: string
  readonly timestampTooNew: string
  readonly timestampExpired: string
  readonly decryptionFailed: string
  readonly macInvalid: string
}

export const GO_MESSAGES: GoMessages = Object.freeze({
  generatingIv: 'securecookie: failed to generate random iv',
  noCodecs: 'securecookie: no codecs provided',
  hashKeyNotSet: 'securecookie: hash key is not set',
  blockKeyNotSet: 'securecookie: block key is not set',
  tooLong: 'securecookie: the value is too long',
  timestampInvalid: 'securecookie: invalid timestamp',
  timestampTooNew: 'securecookie: timestamp is too new',
  timestampExpired: 'securecookie: expired timestamp',
  decryptionFailed: 'securecookie: the value could not be decrypted',
  macInvalid: 'securecookie: the value is not valid',
})

export function scError(
  kind: SecureCookieErrorKind,
  goMessage: string,
  cause?: unknown,
): SecureCookieError {
  return new SecureCookieError(kind, goMessage, cause === undefined ? undefined : { cause })
}

/** The text Go prints for a serializer error (`cookieError{cause: err}`). */
export function causeText(error: unknown): string {
  if (error instanceof SecureCookieError) return error.goMessage
  if (error instanceof Error) return `securecookie: error - caused by: ${error.message}`
  return `securecookie: error - caused by: ${String(error)}`
}

/**
 * gorilla's `MultiError` (EncodeMulti/DecodeMulti): one error per codec tried. The message is
 * Go's: the first message, plus ` (and 1 other error)` / ` (and N other errors)`. `kind` is
 * the first error's kind; `isDecode()`/`isUsage()`/`isInternal()` are true when ANY child is
 * of that kind, as in Go. `errors` (and `cause`) list the children in codec order.
 */
export class SecureCookieMultiError extends SecureCookieError {
  readonly errors: readonly SecureCookieError[]

  constructor(errors: readonly SecureCookieError[]) {
    const first = errors[0]
    let message = first?.goMessage ?? '(0 errors)'
    if (errors.length === 2) message += ' (and 1 other error)'
    else if (errors.length > 2) message += ` (and ${errors.length - 1} other errors)`
    super(first?.kind ?? 'usage', message, { cause: errors })
    this.errors = Object.freeze([...errors])
  }

  override isDecode(): boolean {
    return this.errors.some((e) => e.isDecode())
  }

  override isUsage(): boolean {
    return this.errors.some((e) => e.isUsage())
  }

  override isInternal(): boolean {
    return this.errors.some((e) => e.isInternal())
  }
}
