/**
 * The public vocabulary for describing Go types and values from TypeScript. Go's gob format is
 * typed; JavaScript values are not, so these wrappers say which Go type a value must have on the
 * wire when the default mapping (see docs/go-interop.md) would pick the wrong one.
 */

/** Go signed integer kinds. gob sends all of them the same way; only the registered name differs. */
export type GoIntKind = 'int' | 'int8' | 'int16' | 'int32' | 'int64'
/** Go unsigned integer kinds. */
export type GoUintKind = 'uint' | 'uint8' | 'uint16' | 'uint32' | 'uint64'
/** Go float kinds. */
export type GoFloatKind = 'float64' | 'float32'

/** Go types without a type definition on the wire; `bytes` is `[]byte`, `interface` is `interface{}`. */
export type GoBasicSpec =
  GoIntKind | GoUintKind | GoFloatKind | 'bool' | 'string' | 'bytes' | 'interface'

/** One exported struct field, in declaration order. */
export interface GoField {
  readonly name: string
  readonly type: GoTypeSpec
}

/**
 * A Go type. `struct` is the name the type was registered under with `gob.Register` (for example
 * `main.User`); `marshaler` describes a type with its own GobEncode/MarshalBinary/MarshalText
 * encoding (for example `time.Time`, a `gob` marshaler) whose bytes are carried as a Uint8Array.
 */
export type GoTypeSpec =
  | GoBasicSpec
  | { readonly slice: GoTypeSpec }
  | { readonly array: GoTypeSpec; readonly len: number }
  | { readonly map: readonly [GoTypeSpec, GoTypeSpec] }
  | { readonly struct: string; readonly fields: readonly GoField[] }
  | { readonly marshaler: 'gob' | 'binary' | 'text'; readonly name: string }

/** An explicit Go signed integer (plain integer numbers encode as Go `int`). */
export class GoInt {
  readonly value: number | bigint
  readonly kind: GoIntKind

  constructor(value: number | bigint, kind: GoIntKind = 'int') {
    this.value = value
    this.kind = kind
  }
}

/** An explicit Go unsigned integer. */
export class GoUint {
  readonly value: number | bigint
  readonly kind: GoUintKind

  constructor(value: number | bigint, kind: GoUintKind = 'uint') {
    this.value = value
    this.kind = kind
  }
}

/**
 * An explicit Go float (needed for integral floats such as `2.0`, which would encode as `int`).
 * A `float32` is rounded to float32 when encoded; a finite value beyond its range is refused.
 */
export class GoFloat {
  readonly value: number
  readonly kind: GoFloatKind

  constructor(value: number, kind: GoFloatKind = 'float64') {
    this.value = value
    this.kind = kind
  }
}

/** A registered Go struct: `typeName` is its `gob.Register` name, `values` holds its fields by name. */
export class GoStruct {
  readonly typeName: string
  readonly fields: readonly GoField[]
  readonly values: Readonly<Record<string, unknown>>

  constructor(
    typeName: string,
    fields: readonly GoField[],
    values: Readonly<Record<string, unknown>>,
  ) {
    this.typeName = typeName
    this.fields = fields
    this.values = values
  }
}

/** A value with a forced concrete Go type, e.g. `[]string` instead of the default `[]interface {}`. */
export class GoTyped {
  readonly spec: GoTypeSpec
  readonly value: unknown

  constructor(spec: GoTypeSpec, value: unknown) {
    this.spec = spec
    this.value = value
  }
}

/** Bounds for decoding untrusted gob streams. */
export interface GobLimits {
  /** Longest accepted input in bytes (default 1 MiB). */
  maxBytes?: number
  /** Deepest nesting of slices, maps, structs and interfaces (default 32). */
  maxDepth?: number
  /**
   * Total slice, array and map elements, struct field definitions and fields of decoded struct
   * values (sent or zero-filled) across the stream (default 100 000). Decoding work is linear
   * in the input plus this budget.
   */
  maxElements?: number
  /** Type definitions in one stream (default 256). */
  maxTypes?: number
}

/** A pluggable value serializer, the shape gorilla/securecookie's `Serializer` has in Go. */
export interface GoSerializer {
  serialize(value: unknown): Uint8Array
  deserialize(bytes: Uint8Array): unknown
}
