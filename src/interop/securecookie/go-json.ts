// gorilla/securecookie's JSONEncoder: Go's encoding/json on both sides, the encoder in
// go-json-encode.ts and the decoder in go-json-decode.ts.

import { goJsonDecode } from './go-json-decode.ts'
import { goJsonEncode } from './go-json-encode.ts'
import type { GoSerializer } from './serializer.ts'

/**
 * gorilla/securecookie's `JSONEncoder`, byte-exact: Go's `json.Encoder` output on encode,
 * Go's `json.Decoder` semantics on decode.
 */
export const goJsonSerializer: GoSerializer = Object.freeze({
  serialize: goJsonEncode,
  deserialize: goJsonDecode,
})
