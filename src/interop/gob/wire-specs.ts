// The Go type each wire type id stands for, so decoded values can remember their Go types.
// Memoized per stream; recursion through a struct refers back to the struct, other cycles
// (type T []T, which GoTypeSpec cannot express) give null.
import { ID } from './spec.ts'
import type { GoField, GoTypeSpec } from './values.ts'
import type { Wire } from './wire.ts'

const BUILTIN_SPECS = new Map<number, GoTypeSpec>([
  [ID.bool, 'bool'],
  [ID.int, 'int'],
  [ID.uint, 'uint'],
  [ID.float, 'float64'],
  [ID.bytes, 'bytes'],
  [ID.string, 'string'],
  [ID.interface, 'interface'],
])

export class WireSpecs {
  private readonly types: ReadonlyMap<number, Wire>
  private readonly specs = new Map<number, GoTypeSpec | null>()

  constructor(types: ReadonlyMap<number, Wire>) {
    this.types = types
  }

  /** The Go type a wire type describes; null for cycles without a struct and for complex. */
  spec(id: number, visiting: Set<number> = new Set<number>()): GoTypeSpec | null {
    const builtin = BUILTIN_SPECS.get(id)
    if (builtin !== undefined) return builtin
    const memo = this.specs.get(id)
    if (memo !== undefined) return memo
    const wire = this.types.get(id)
    if (!wire || visiting.has(id)) return null
    visiting.add(id)
    let out: GoTypeSpec | null = null
    switch (wire.kind) {
      case 'slice':
      case 'array': {
        const elem = this.spec(wire.elem, visiting)
        if (elem) out = wire.kind === 'slice' ? { slice: elem } : { array: elem, len: wire.len }
        break
      }
      case 'map': {
        const key = this.spec(wire.key, visiting)
        const elem = this.spec(wire.elem, visiting)
        if (key && elem) out = { map: [key, elem] }
        break
      }
      case 'marshaler':
        out = { marshaler: wire.marshaler, name: wire.name }
        break
      case 'struct': {
        // Installed before its fields so recursive structs refer to themselves.
        const fields: GoField[] = []
        out = { struct: wire.name, fields }
        this.specs.set(id, out)
        for (const f of wire.fields) {
          const type = this.spec(f.id, visiting)
          if (!type) {
            out = null
            break
          }
          fields.push({ name: f.name, type })
        }
        break
      }
    }
    visiting.delete(id)
    this.specs.set(id, out)
    return out
  }
}
