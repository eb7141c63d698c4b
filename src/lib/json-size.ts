// The size of a value as UTF-8 JSON, without building the bytes: a size cap should not
// allocate three times the session to measure it.

/** Bytes of `JSON.stringify(value)` in UTF-8. */
export function jsonBytes(value: unknown): number {
  const text = JSON.stringify(value)
  let bytes = text.length
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i)
    if (unit < 0x80) continue
    if (unit < 0x800) {
      bytes += 1
    } else if ((unit & 0xfc00) === 0xd800 && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      // A surrogate pair: two UTF-16 units, four bytes. JSON.stringify escapes lone
      // surrogates, so every other unit here is a whole character.
      bytes += 2
      i++
    } else {
      bytes += 2
    }
  }
  return bytes
}
