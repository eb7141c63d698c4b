// Reads the Go type out of the name an interface value was registered under ("[]int64",
// "map[string]interface {}", "main.User"). The wire only says "int" or "slice of int"; the name
// keeps int64 apart from int, which Go code type-asserting session values depends on.
import { ID, isIntKind, isUintKind } from './spec.ts'
import type { GoTypeSpec } from './values.ts'
import type { Wire } from './wire.ts'

type WireOf = (id: number) => Wire | undefined
type SpecOf = (id: number) => GoTypeSpec | null

interface Cursor {
  readonly text: string
  pos: number
}

/** The spec `name` denotes if it agrees with wire type `id`, else null (the caller falls back). */
export function typeFromName(
  name: string,
  id: number,
  wireOf: WireOf,
  specOf: SpecOf,
): GoTypeSpec | null {
  const cursor = { text: name, pos: 0 }
  const spec = parse(cursor, id, wireOf, specOf)
  return spec && cursor.pos === name.length ? spec : null
}

// Sticky, so matching at the cursor never copies the rest of the name (a name of nested map
// types would otherwise cost its length once per level).
const ARRAY_LENGTH = /\d{1,10}\]/y
const TOKEN = /[^[\] ]+/y

function match(c: Cursor, pattern: RegExp): string | undefined {
  pattern.lastIndex = c.pos
  return pattern.exec(c.text)?.[0]
}

function eat(c: Cursor, token: string): boolean {
  if (!c.text.startsWith(token, c.pos)) return false
  c.pos += token.length
  return true
}

function parse(c: Cursor, id: number, wireOf: WireOf, specOf: SpecOf): GoTypeSpec | null {
  const wire = wireOf(id)
  if (eat(c, '[]')) {
    if (id === ID.bytes) return eat(c, 'uint8') ? 'bytes' : null
    if (wire?.kind !== 'slice') return null
    const elem = parse(c, wire.elem, wireOf, specOf)
    return elem && { slice: elem }
  }
  if (eat(c, '[')) {
    const digits = match(c, ARRAY_LENGTH)
    if (digits === undefined || wire?.kind !== 'array' || Number.parseInt(digits) !== wire.len) {
      return null
    }
    c.pos += digits.length
    const elem = parse(c, wire.elem, wireOf, specOf)
    return elem && { array: elem, len: wire.len }
  }
  if (eat(c, 'map[')) {
    if (wire?.kind !== 'map') return null
    const key = parse(c, wire.key, wireOf, specOf)
    if (!key || !eat(c, ']')) return null
    const elem = parse(c, wire.elem, wireOf, specOf)
    return elem && { map: [key, elem] }
  }
  if (eat(c, 'interface {}')) return id === ID.interface ? 'interface' : null
  const token = match(c, TOKEN)
  if (token === undefined) return null
  c.pos += token.length
  if (token === 'bool') return id === ID.bool ? token : null
  if (token === 'string') return id === ID.string ? token : null
  if (token === 'float64' || token === 'float32') return id === ID.float ? token : null
  if (isIntKind(token)) return id === ID.int ? token : null
  if (isUintKind(token)) return id === ID.uint ? token : null
  // A named type: gob only carries structs and marshalers by name; named slices or maps
  // (type Flags []string) fall back to their structure.
  if (wire?.kind === 'marshaler') return { marshaler: wire.marshaler, name: token }
  const spec = wire?.kind === 'struct' ? specOf(id) : null
  return spec && typeof spec === 'object' && 'struct' in spec
    ? { struct: token, fields: spec.fields }
    : null
}
