/**
 * gorilla/securecookie for TypeScript, byte-exact with Go: the same cookie values, the same
 * checks in the same order and the same error texts, so Go and TypeScript services can read
 * and write each other's cookies. Web-standard APIs only (node:crypto is used when present).
 *
 * See `docs/go-interop.md` for the wire format, the Go ↔ TypeScript value mapping and the
 * differences from Go (keys checked at creation, rotated codecs keep their settings, "too
 * long" errors stay typed).
 *
 * Available from `'sessionkit/securecookie'`.
 *
 * @module
 */

export {
  createSecureCookie,
  DEFAULT_SECURECOOKIE_MAX_AGE,
  DEFAULT_SECURECOOKIE_MAX_LENGTH,
  type DecodedSecureCookie,
  type SecureCookie,
  type SecureCookieKey,
  type SecureCookieOptions,
  type SecureCookieSettings,
} from './interop/securecookie/codec.ts'
export {
  codecsFromPairs,
  decodeMulti,
  decodeMultiDetailed,
  encodeMulti,
  type DecodedMulti,
} from './interop/securecookie/multi.ts'
export { SecureCookieMultiError, GO_MESSAGES } from './interop/securecookie/errors.ts'
export { goJsonDecode } from './interop/securecookie/go-json-decode.ts'
export { goJsonEncode } from './interop/securecookie/go-json-encode.ts'
export { goJsonSerializer } from './interop/securecookie/go-json.ts'
export type { GoSerializer } from './interop/securecookie/serializer.ts'
export type { SecureCookieCryptoChoice, SecureCookieHash } from './interop/securecookie/crypto.ts'
export {
  goBase64StdEncode,
  goBase64UrlDecode,
  goBase64UrlEncode,
  type GoBase64Result,
} from './interop/securecookie/base64-go.ts'
export { SecureCookieError, type SecureCookieErrorKind } from './errors.ts'
export {
  createGorillaCookieStore,
  gorillaSessionSerializer,
  type GorillaCookieStore,
  type GorillaCookieStoreOptions,
} from './interop/gorilla-store.ts'
