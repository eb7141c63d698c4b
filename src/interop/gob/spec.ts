// Facts about Go types that gob's wire format depends on: predefined type ids, the names
// gob.Register gives types (reflect's String()), and the bare names type definitions carry.
import { encodeError } from './bytes.ts'
import type { GoBasicSpec, GoIntKind, GoTypeSpec, GoUintKind } from './values.ts'

/** Predefined ids (encoding/gob type.go); user types start at 65. */
export const ID = {
  bool: 1,
  int: 2,
  uint: 3,
  float: 4,
  bytes: 5,
  string: 6,
  complex: 7,
  interface: 8,
} as const
export const FIRST_USER_ID = 65
/** Longest type name Go's decoder accepts in an interface value. */
export const MAX_NAME = 1024

const INT_KINDS: readonly string[] = ['int', 'int8', 'int16', 'int32', 'int64']
const UINT_KINDS: readonly string[] = ['uint', 'uint8', 'uint16', 'uint32', 'uint64', 'uintptr']

export function isIntKind(spec: unknown): spec is GoIntKind {
  return typeof spec === 'string' && INT_KINDS.includes(spec)
}

export function isUintKind(spec: unknown): spec is GoUintKind {
  return typeof spec === 'string' && UINT_KINDS.includes(spec)
}

const BIT_SIZE: Readonly<Record<string, bigint>> = {
  int: 64n,
  int8: 8n,
  int16: 16n,
  int32: 32n,
  int64: 64n,
  uint: 64n,
  uint8: 8n,
  uint16: 16n,
  uint32: 32n,
  uint64: 64n,
  uintptr: 64n,
}

/** Go's range check for an integer kind (Go int is 64-bit on every platform gorilla runs on). */
export function inIntRange(kind: string, v: bigint): boolean {
  const bits = BIT_SIZE[kind] ?? 64n
  if (isUintKind(kind)) return v >= 0n && v < 1n << bits
  return v >= -(1n << (bits - 1n)) && v < 1n << (bits - 1n)
}

/** The predefined id of a type without a definition, or undefined for composite types. */
export function builtinId(spec: GoTypeSpec): number | undefined {
  if (typeof spec !== 'string') return undefined
  if (spec === 'bool') return ID.bool
  if (isIntKind(spec)) return ID.int
  if (isUintKind(spec)) return ID.uint
  if (spec === 'float32' || spec === 'float64') return ID.float
  if (spec === 'bytes') return ID.bytes
  if (spec === 'string') return ID.string
  return ID.interface
}

export function isBasic(spec: GoTypeSpec): spec is GoBasicSpec {
  return typeof spec === 'string'
}

/** reflect.Type.Name(): the bare name of a named type ("User" for main.User), "" otherwise. */
export function bareName(spec: GoTypeSpec): string {
  if (typeof spec === 'string') return ''
  const full = 'struct' in spec ? spec.struct : 'marshaler' in spec ? spec.name : ''
  return full.slice(full.lastIndexOf('.') + 1).replace(/^\*+/, '')
}

/**
 * The name gob.Register gives a type: the registered name for structs and marshalers, else
 * reflect's String() ("[]interface {}", "map[string]interface {}", "[]uint8"). Bounded, because a
 * shared sub-type can make the string exponentially long while the type graph stays small.
 */
export function registeredName(spec: GoTypeSpec): string {
  if (typeof spec !== 'string') {
    if ('struct' in spec) return spec.struct
    if ('marshaler' in spec) return spec.name
  }
  return reflectString(spec)
}

/** reflect's String(): named types show the package name, not the import path. */
export function reflectString(spec: GoTypeSpec): string {
  const out = { text: '' }
  appendString(spec, out)
  return out.text
}

function appendString(spec: GoTypeSpec, out: { text: string }): void {
  if (out.text.length > MAX_NAME) encodeError('type name too long')
  if (typeof spec === 'string') {
    out.text += spec === 'bytes' ? '[]uint8' : spec === 'interface' ? 'interface {}' : spec
  } else if ('slice' in spec) {
    out.text += '[]'
    appendString(spec.slice, out)
  } else if ('array' in spec) {
    out.text += `[${spec.len}]`
    appendString(spec.array, out)
  } else if ('map' in spec) {
    out.text += 'map['
    appendString(spec.map[0], out)
    out.text += ']'
    appendString(spec.map[1], out)
  } else {
    const full = 'struct' in spec ? spec.struct : spec.name
    out.text += full.slice(full.lastIndexOf('/') + 1)
  }
  if (out.text.length > MAX_NAME) encodeError('type name too long')
}
