/**
 * Go's `encoding/gob`, as gorilla/sessions and gorilla/securecookie use it by default: decode the
 * session values a Go service wrote and write back bytes Go decodes (byte-identical to Go's own
 * output for the same values and type history). Decoding is bounded for untrusted input.
 *
 * Available from `'sessionkit/gob'`.
 *
 * @module
 */
export {
  GoFloat,
  GoInt,
  GoStruct,
  GoTyped,
  GoUint,
  type GoBasicSpec,
  type GoField,
  type GoFloatKind,
  type GoIntKind,
  type GoSerializer,
  type GoTypeSpec,
  type GoUintKind,
  type GobLimits,
} from './interop/gob/values.ts'
export { GobTypeIds } from './interop/gob/type-ids.ts'
export type { GobEncodeOptions } from './interop/gob/encode.ts'
export {
  gobDecode,
  gobDecodeSessionValues,
  gobEncode,
  gobEncodeSessionValues,
  gobSerializer,
} from './interop/gob/session.ts'
export { GobError } from './errors.ts'
