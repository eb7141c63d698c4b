// Hand-built gob streams for hostile tests, written from the format description (encoding/gob
// doc.go) rather than with the encoder under test.
export type Bytes = readonly number[]

/** An unsigned int: one byte below 128, else the negated byte count and big-endian bytes. */
export function u(value: number | bigint): number[] {
  let v = BigInt(value)
  if (v < 128n) return [Number(v)]
  const out: number[] = []
  while (v > 0n) {
    out.unshift(Number(v & 0xffn))
    v >>= 8n
  }
  return [256 - out.length, ...out]
}

/** A signed int: the sign in the low bit. */
export function i(value: number | bigint): number[] {
  const v = BigInt(value)
  return u(v < 0n ? ((-v - 1n) << 1n) | 1n : v << 1n)
}

export function str(text: string): number[] {
  const bytes = [...new TextEncoder().encode(text)]
  return [...u(bytes.length), ...bytes]
}

/** A message: its byte count, then the bytes. */
export function msg(...parts: Bytes[]): number[] {
  const body = parts.flat()
  return [...u(body.length), ...body]
}

export function stream(...messages: Bytes[]): Uint8Array {
  return Uint8Array.from(messages.flat())
}

/** `-id` and a wireType for a slice type `[]elem` (no name). */
export function sliceDef(id: number, elem: number): number[] {
  return [...i(-id), 2, 1, 2, ...i(id), 0, 1, ...i(elem), 0, 0]
}

/** `-id` and a wireType for `map[key]elem`. */
export function mapDef(id: number, key: number, elem: number): number[] {
  return [...i(-id), 4, 1, 2, ...i(id), 0, 1, ...i(key), 1, ...i(elem), 0, 0]
}

/** `-id` and a wireType for a struct with the given (name, type id) fields. */
export function structDef(id: number, name: string, fields: readonly [string, number][]): number[] {
  const body = fields.flatMap(([field, type]) => [1, ...str(field), 1, ...i(type), 0])
  return [...i(-id), 3, 1, 1, ...str(name), 1, ...i(id), 0, 1, ...u(fields.length), ...body, 0, 0]
}
