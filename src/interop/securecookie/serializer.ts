// The serializer contract shared by the securecookie codec, the gorilla store and the gob
// module (gorilla/securecookie `Serializer`). Structural, so the gob module's own
// declaration of the same interface is interchangeable with this one.

/**
 * Turns a value into the bytes a Go program's serializer would write, and back.
 *
 * Errors: throw a `SecureCookieError` (its `goMessage` is used as the cause text) or any
 * `Error` (its `message` is used); the codec wraps it the way gorilla does.
 */
export interface GoSerializer {
  serialize(value: unknown): Uint8Array
  deserialize(bytes: Uint8Array): unknown
}
