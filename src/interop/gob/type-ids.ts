// Go numbers types per process, not per stream: the first type a program ever encodes gets id 65,
// the next new one 66, and so on (encoding/gob type.go newTypeObject). A GobTypeIds instance plays
// that process-wide table, so sharing one across encodes reproduces a Go program's exact bytes.
import { encodeError } from './bytes.ts'
import { bareName, builtinId, reflectString } from './spec.ts'
import type { GoTypeSpec } from './values.ts'
import type { Wire } from './wire.ts'

/** One Go type as the table knows it; children are element, key/element or field types. */
export interface TypeEntry {
  id: number
  readonly spec: GoTypeSpec
  readonly name: string
  readonly children: TypeEntry[]
}

const MAX_SPEC_DEPTH = 100

/**
 * Go's process-wide type id table. Pass the same instance to several `gobEncode` calls to number
 * types the way one Go process would; by default every call starts a fresh table (ids from 65).
 */
export class GobTypeIds {
  #next = 64
  readonly #types = new Map<string, TypeEntry>()
  readonly #keys = new WeakMap<object, string>()
  readonly #interned = new Map<string, number>()
  // Keyed by Go type, not by wire id: int8 and int share id 2 on the wire, but range checks
  // and float32 rounding belong to the Go type of each value.
  readonly #builtins = new Map<GoTypeSpec, TypeEntry>()

  /** The entry for `spec`, defining it (and its parts) on first use like Go's getTypeInfo. */
  entry(spec: GoTypeSpec): TypeEntry {
    return this.#get(bareName(spec), spec, 0)
  }

  #setId(entry: TypeEntry): void {
    if (entry.id === 0) entry.id = ++this.#next
    if (this.#next > 0x7fffffff) encodeError('too many types')
  }

  #get(name: string, spec: GoTypeSpec, depth: number): TypeEntry {
    if (depth > MAX_SPEC_DEPTH) encodeError('type nested too deeply')
    const builtin = builtinId(spec)
    if (builtin !== undefined) {
      let entry = this.#builtins.get(spec)
      if (!entry) {
        entry = { id: builtin, spec, name: '', children: [] }
        this.#builtins.set(spec, entry)
      }
      return entry
    }
    const key = this.#key(spec, depth)
    const known = this.#types.get(key)
    if (known) return known
    const entry: TypeEntry = { id: 0, spec, name, children: [] }
    // Installed before its parts so recursive struct types terminate, as in Go.
    this.#types.set(key, entry)
    const child = (childName: string, childSpec: GoTypeSpec): TypeEntry =>
      this.#get(childName, childSpec, depth + 1)
    if (typeof spec === 'string') return encodeError('unexpected basic type')
    if ('struct' in spec) {
      // Structs take their id before their fields; unnamed field types are named by String().
      this.#setId(entry)
      for (const field of spec.fields) {
        const part = child(bareName(field.type) || reflectString(field.type), field.type)
        this.#setId(part)
        entry.children.push(part)
      }
    } else if ('marshaler' in spec) {
      this.#setId(entry)
    } else if ('slice' in spec) {
      entry.children.push(child(bareName(spec.slice), spec.slice))
      this.#setId(entry)
      for (const elem of entry.children) this.#setId(elem)
    } else if ('array' in spec) {
      entry.children.push(child('', spec.array))
      this.#setId(entry)
    } else {
      // Maps, arrays and slices take their id after their parts (Go keeps that historical order).
      entry.children.push(child('', spec.map[0]), child('', spec.map[1]))
      this.#setId(entry)
    }
    return entry
  }

  /** A short identity per distinct Go type; interning keeps it short for deeply shared types. */
  #key(spec: GoTypeSpec, depth: number): string {
    if (depth > MAX_SPEC_DEPTH) encodeError('type nested too deeply')
    if (typeof spec === 'string') return spec
    const memo = this.#keys.get(spec)
    if (memo !== undefined) return memo
    const part = (s: GoTypeSpec): number => {
      const k = this.#key(s, depth + 1)
      let n = this.#interned.get(k)
      if (n === undefined) {
        n = this.#interned.size
        this.#interned.set(k, n)
      }
      return n
    }
    let key: string
    if ('struct' in spec) key = `S${JSON.stringify([spec.struct, spec.fields.map((f) => f.name)])}`
    else if ('marshaler' in spec) key = `X${spec.marshaler}:${spec.name}`
    else if ('slice' in spec) key = `s${part(spec.slice)}`
    else if ('array' in spec) key = `a${spec.len}:${part(spec.array)}`
    else key = `m${part(spec.map[0])}:${part(spec.map[1])}`
    this.#keys.set(spec, key)
    return key
  }
}

/** The wireType for a defined entry. */
export function wireOf(entry: TypeEntry): Wire {
  const spec = entry.spec
  const id = (index: number): number => entry.children[index]?.id ?? encodeError('bad type entry')
  if (typeof spec === 'string') return encodeError('basic types have no definition')
  if ('struct' in spec) {
    return {
      kind: 'struct',
      name: entry.name,
      fields: spec.fields.map((f, i) => ({ name: f.name, id: id(i) })),
    }
  }
  if ('marshaler' in spec) {
    return { kind: 'marshaler', name: entry.name, marshaler: spec.marshaler }
  }
  if ('slice' in spec) return { kind: 'slice', name: entry.name, elem: id(0) }
  if ('array' in spec) return { kind: 'array', name: entry.name, elem: id(0), len: spec.len }
  return { kind: 'map', name: entry.name, key: id(0), elem: id(1) }
}
