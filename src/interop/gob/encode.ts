// A gob encoder that writes what Go's Encoder writes, byte for byte: type definitions in Go's
// order, interface values whose new types are announced mid-value (Go flushes the partial message
// when it sends a definition, see encoding/gob encoder.go sendActualType), zero struct fields
// skipped, map entries in the order given.
import { GobError } from '../../errors.ts'
import { encodeError, GobWriter } from './bytes.ts'
import { concrete, describe, inFloat32Range, isPlainObject, unwrap } from './infer.ts'
import { slotHint, type TypeHint } from './provenance.ts'
import { FIRST_USER_ID, inIntRange, isIntKind, isUintKind, MAX_NAME } from './spec.ts'
import { GobTypeIds, wireOf, type TypeEntry } from './type-ids.ts'
import type { GoTypeSpec } from './values.ts'
import { writeWire } from './wire.ts'

export interface GobEncodeOptions {
  /** The Go type of the top-level value (default: its wrapper, decoded type or default mapping). */
  topLevel?: GoTypeSpec
  /** A type id table shared across calls, like one Go process (default: a fresh one per call). */
  typeIds?: GobTypeIds
}

const MAX_VALUE_DEPTH = 1000
const utf8 = new TextEncoder()

export function encodeStream(value: unknown, options?: GobEncodeOptions): Uint8Array {
  try {
    return new Encoder(options?.typeIds ?? new GobTypeIds()).top(value, options?.topLevel)
  } catch (error) {
    if (error instanceof GobError) throw error
    throw new GobError('ERR_GOB_ENCODE', 'gob: cannot encode value', { cause: error })
  }
}

class Encoder {
  private readonly out = new GobWriter()
  private readonly writers: GobWriter[] = [this.out]
  private readonly sent = new Set<TypeEntry>()
  private readonly table: GobTypeIds
  private depth = 0

  constructor(table: GobTypeIds) {
    this.table = table
  }

  private writer(): GobWriter {
    return this.writers.at(-1) ?? this.out
  }

  /** Frames `b` as one message on `w` and empties it, as Go's writeMessage does. */
  private writeMessage(w: GobWriter, b: GobWriter): void {
    w.uint(b.length)
    w.bytes(b.view())
    b.reset()
  }

  top(value: unknown, spec: GoTypeSpec | undefined): Uint8Array {
    if (value === null || value === undefined) encodeError('cannot encode nil at top level')
    const chosen =
      spec === undefined || spec === 'interface'
        ? concrete(value, undefined)
        : { spec, value: unwrap(value) }
    const entry = this.table.entry(chosen.spec)
    const b = new GobWriter()
    this.sendTypeDescriptor(this.writer(), b, entry)
    b.int(entry.id)
    this.encode(b, chosen.value, entry)
    this.writeMessage(this.writer(), b)
    return this.out.view().slice()
  }

  private sendTypeDescriptor(w: GobWriter, b: GobWriter, entry: TypeEntry): void {
    if (!this.sent.has(entry) && !this.sendType(w, b, entry)) this.sent.add(entry)
  }

  /** Definition first, then the types it refers to, depth first (Go's sendActualType). */
  private sendType(w: GobWriter, b: GobWriter, entry: TypeEntry): boolean {
    if (entry.id < FIRST_USER_ID || this.sent.has(entry)) return false
    writeWire(b, entry.id, wireOf(entry))
    this.writeMessage(w, b)
    this.sent.add(entry)
    for (const child of entry.children) this.sendType(w, b, child)
    return true
  }

  /** A complete value: structs bare, anything else behind a zero field delta. */
  private encode(b: GobWriter, value: unknown, entry: TypeEntry): void {
    const spec = entry.spec
    if (typeof spec === 'object' && 'struct' in spec) {
      this.struct(b, value, entry)
    } else {
      b.uint(0)
      this.op(b, value, entry, undefined)
    }
  }

  private op(b: GobWriter, raw: unknown, entry: TypeEntry, hint: TypeHint | undefined): void {
    const spec = entry.spec
    if (spec === 'interface') {
      this.iface(b, raw, hint)
      return
    }
    const value = unwrap(raw)
    if (typeof spec === 'string') {
      this.basic(b, value, spec)
      return
    }
    if (++this.depth > MAX_VALUE_DEPTH) encodeError('value nested too deeply (a cycle?)')
    if ('struct' in spec) this.struct(b, value, entry)
    else if ('marshaler' in spec) this.bytes(b, value)
    else if ('map' in spec) this.map(b, value, entry)
    else this.list(b, value, entry, 'array' in spec ? spec.len : -1)
    this.depth--
  }

  private basic(b: GobWriter, value: unknown, spec: GoTypeSpec & string): void {
    if (spec === 'bool') {
      if (typeof value !== 'boolean') mismatch(spec, value)
      b.uint(value ? 1 : 0)
    } else if (spec === 'string') {
      if (typeof value !== 'string') mismatch(spec, value)
      b.string(value)
    } else if (spec === 'bytes') {
      this.bytes(b, value)
    } else if (spec === 'float64' || spec === 'float32') {
      if (typeof value !== 'number') mismatch(spec, value)
      // Rounding would make it ±Infinity: a changed value, so refused like an int out of range.
      if (spec === 'float32' && !inFloat32Range(value))
        encodeError('value out of range for float32')
      b.float(spec === 'float32' ? Math.fround(value) : value)
    } else if (isIntKind(spec) || isUintKind(spec)) {
      const v = typeof value === 'number' && Number.isSafeInteger(value) ? BigInt(value) : value
      if (typeof v !== 'bigint') mismatch(spec, value)
      if (!inIntRange(spec, v)) encodeError(`value out of range for ${spec}`)
      if (isUintKind(spec)) b.uint(v)
      else b.int(v)
    }
  }

  private bytes(b: GobWriter, value: unknown): void {
    if (!(value instanceof Uint8Array)) mismatch('[]byte', value)
    b.uint(value.length)
    b.bytes(value)
  }

  private list(b: GobWriter, value: unknown, entry: TypeEntry, len: number): void {
    if (!Array.isArray(value)) return mismatch('slice', value)
    if (len >= 0 && value.length !== len) encodeError('array length mismatch')
    const elem = part(entry, 0)
    b.uint(value.length)
    value.forEach((item, i) => {
      this.op(b, item, elem, slotHint(value, i)?.value)
    })
  }

  private map(b: GobWriter, value: unknown, entry: TypeEntry): void {
    const [keyEntry, elemEntry] = [part(entry, 0), part(entry, 1)]
    const entries: [unknown, unknown][] =
      value instanceof Map
        ? [...(value as Map<unknown, unknown>)]
        : isPlainObject(value)
          ? Object.entries(value)
          : mismatch('map', value)
    b.uint(entries.length)
    for (const [key, item] of entries) {
      const hint = slotHint(value as object, key)
      this.op(b, key, keyEntry, hint?.key)
      this.op(b, item, elemEntry, hint?.value)
    }
  }

  private struct(b: GobWriter, raw: unknown, entry: TypeEntry): void {
    const value = unwrap(raw)
    if (!isPlainObject(value)) return mismatch('struct', value)
    const spec = entry.spec as Extract<GoTypeSpec, { struct: string }>
    // A key that is no field would be dropped without a trace.
    const names = new Set(spec.fields.map((f) => f.name))
    const stray = Object.keys(value).find((name) => !names.has(name))
    if (stray !== undefined) {
      encodeError(`${spec.struct.slice(0, 100)} has no field ${JSON.stringify(stray.slice(0, 64))}`)
    }
    let last = -1
    spec.fields.forEach((field, i) => {
      const item = Object.hasOwn(value, field.name) ? value[field.name] : undefined
      if (isZero(field.type, unwrap(item))) return
      b.uint(i - last)
      last = i
      this.op(b, item, part(entry, i), slotHint(value, field.name)?.value)
    })
    b.uint(0)
  }

  /** Go's encodeInterface: name, definitions if new, type id, then the value as its own message. */
  private iface(b: GobWriter, value: unknown, hint: TypeHint | undefined): void {
    if (value === null || value === undefined) {
      b.uint(0)
      return
    }
    const chosen = concrete(value, hint)
    const name = utf8.encode(chosen.name)
    if (name.length === 0 || name.length > MAX_NAME) encodeError('invalid registered type name')
    const entry = this.table.entry(chosen.spec)
    b.uint(name.length)
    b.bytes(name)
    this.sendTypeDescriptor(this.writer(), b, entry)
    b.int(entry.id)
    this.writers.push(b)
    const data = new GobWriter()
    this.encode(data, chosen.value, entry)
    this.writers.pop()
    this.writeMessage(b, data)
  }
}

/** Struct fields holding Go zero values are not sent (nil maps are; empty ones are sent). */
function isZero(spec: GoTypeSpec, value: unknown): boolean {
  if (value === undefined || value === null) return true
  if (typeof spec === 'string') {
    if (spec === 'interface') return false
    if (spec === 'bytes') return value instanceof Uint8Array && value.length === 0
    return value === false || value === '' || value === 0 || value === 0n
  }
  if ('slice' in spec) return Array.isArray(value) && value.length === 0
  return false
}

function part(entry: TypeEntry, index: number): TypeEntry {
  return entry.children[index] ?? encodeError('inconsistent type table')
}

function mismatch(expected: string, value: unknown): never {
  return encodeError(`expected a ${expected}, got a ${describe(value)}`)
}
