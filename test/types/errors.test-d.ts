// Type-level tests of the error union: compiled by `tsc -p test/types/tsconfig.json`, never run.
import { expectTypeOf } from 'expect-type'

import {
  isSessionError,
  SessionArgumentError,
  SessionStoreError,
  type AnySessionError,
  type InvalidCookieError,
  type SecureCookieError,
  type SessionErrorCode,
} from '../../src/errors.ts'

declare const caught: unknown

if (isSessionError(caught)) {
  expectTypeOf(caught).toEqualTypeOf<AnySessionError>()
  expectTypeOf(caught.code).toEqualTypeOf<SessionErrorCode>()
  switch (caught.code) {
    case 'ERR_SESSION_STORE':
      expectTypeOf(caught).toEqualTypeOf<SessionStoreError>()
      expectTypeOf(caught.operation).toBeString()
      expectTypeOf(caught.timedOut).toBeBoolean()
      break
    case 'ERR_SESSION_COOKIE_INVALID':
      expectTypeOf(caught).toEqualTypeOf<InvalidCookieError>()
      expectTypeOf(caught.reason).toExtend<string>()
      break
    case 'ERR_SESSION_ARGUMENT':
      expectTypeOf(caught).toEqualTypeOf<SessionArgumentError>()
      expectTypeOf(caught.argument).toBeString()
      break
    case 'ERR_SECURECOOKIE_DECODE':
      expectTypeOf(caught).toEqualTypeOf<SecureCookieError>()
      break
    default:
      break
  }
}

// Every code belongs to a member of the union.
expectTypeOf<AnySessionError['code']>().toEqualTypeOf<SessionErrorCode>()
