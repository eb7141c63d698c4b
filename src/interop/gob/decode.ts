// A gob stream decoder driven only by the type definitions in the stream (no Go registry here),
// bounded for hostile input: every length is checked against the bytes left before anything is
// built, element counts and nesting are capped, and type definitions are limited in number.
// Work is linear in the input plus the element budget: the only output not paid for by input
// bytes is the zero-filled fields of struct values, and every struct value pays its field count
// into the same budget as slice and map elements.
import { GobError } from '../../errors.ts'
import { defineValue } from '../../lib/json-value.ts'
import { decodeError, GobReader, toNumeric, utf8Decode } from './bytes.ts'
import { setContainerType, setSlotHint, type TypeHint } from './provenance.ts'
import { FIRST_USER_ID, ID, MAX_NAME } from './spec.ts'
import { typeFromName } from './type-names.ts'
import type { GobLimits } from './values.ts'
import { readTypeId, readWire, type Wire } from './wire.ts'
import { WireSpecs } from './wire-specs.ts'

type Limits = Required<GobLimits>

const DEFAULT_LIMITS: Limits = {
  maxBytes: 1 << 20,
  maxDepth: 32,
  maxElements: 100_000,
  maxTypes: 256,
}

function resolveLimits(limits: GobLimits | undefined): Limits {
  const out = { ...DEFAULT_LIMITS }
  for (const key of Object.keys(DEFAULT_LIMITS) as (keyof Limits)[]) {
    const value = limits?.[key]
    if (value === undefined) continue
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new GobError('ERR_GOB_DECODE', `gob: limit ${key} must be a non-negative integer`)
    }
    out[key] = value
  }
  return out
}

interface Decoded {
  readonly value: unknown
  readonly hint?: TypeHint | undefined
}

/** The work one decode did, kept up to date even when it throws (tests check it stays linear). */
export interface DecodeMeter {
  /** Values built, elements and fields visited, type definition and type name bytes read. */
  steps: number
  /** What was charged against `maxElements`. */
  elements: number
}

/** Decodes one top-level value, as gorilla's GobEncoder.Deserialize (one Decoder.Decode) does. */
export function decodeStream(bytes: Uint8Array, limits?: GobLimits, meter?: DecodeMeter): Decoded {
  if (!(bytes instanceof Uint8Array)) {
    throw new GobError('ERR_GOB_DECODE', 'gob: input must be a Uint8Array')
  }
  const resolved = resolveLimits(limits)
  if (bytes.length > resolved.maxBytes) decodeError('input exceeds maxBytes')
  try {
    const decoder = new Decoder(bytes, resolved, meter ?? { steps: 0, elements: 0 })
    const id = decoder.typeSequence(false)
    return { value: decoder.value(id), hint: decoder.hintFor(id, undefined) }
  } catch (error) {
    if (error instanceof GobError) throw error
    // A safety net: nothing else should escape, but a hostile stream must never surface as a
    // TypeError or RangeError to the caller.
    throw new GobError('ERR_GOB_DECODE', 'gob: malformed input', { cause: error })
  }
}

export class Decoder {
  private readonly r: GobReader
  private readonly types = new Map<number, Wire>()
  private readonly specs = new WireSpecs(this.types)
  private depth = 0
  private readonly limits: Limits
  private readonly meter: DecodeMeter

  constructor(bytes: Uint8Array, limits: Limits, meter: DecodeMeter) {
    this.r = new GobReader(bytes)
    this.limits = limits
    this.meter = meter
  }

  /** Type definitions up to the next value's type id (Go's decodeTypeSequence). */
  typeSequence(isInterface: boolean): number {
    const r = this.r
    for (;;) {
      this.meter.steps++
      if (r.remainingInMessage === 0) this.nextMessage()
      const id = readTypeId(r)
      if (id >= 0) return id
      this.defineType(-id)
      // Inside an interface value a definition may share its message with the value's byte count.
      if (r.remainingInMessage > 0) {
        if (!isInterface) decodeError('extra data after type definition')
        r.uint()
      }
    }
  }

  private nextMessage(): void {
    const r = this.r
    r.limit = r.data.length
    if (r.pos >= r.data.length) decodeError('unexpected end of stream')
    const length = r.uint()
    if (length > r.remainingInStream) decodeError('message length exceeds input')
    r.limit = r.pos + length
  }

  private defineType(id: number): void {
    if (id < FIRST_USER_ID) decodeError('type definition for a reserved id')
    if (this.types.has(id)) decodeError('duplicate type definition')
    if (this.types.size >= this.limits.maxTypes) decodeError('too many type definitions')
    const start = this.r.pos
    this.types.set(
      id,
      readWire(this.r, (n) => {
        this.charge(n)
      }),
    )
    // Reading a definition is a walk over its bytes.
    this.meter.steps += this.r.pos - start
  }

  private charge(n: number): void {
    this.meter.elements += n
    if (this.meter.elements > this.limits.maxElements) decodeError('too many elements')
  }

  private count(): number {
    const n = this.r.uint()
    // Every element takes at least one byte somewhere in the rest of the stream.
    if (n > this.r.remainingInStream) decodeError('element count exceeds input')
    this.charge(n)
    return n
  }

  private enter(): void {
    if (++this.depth > this.limits.maxDepth) decodeError('nesting exceeds maxDepth')
  }

  /** A complete value: structs bare, everything else behind a zero field delta (Go's decodeValue). */
  value(id: number): unknown {
    const wire = this.types.get(id)
    if (wire?.kind === 'struct') return this.struct(id, wire)
    if (this.r.uint() !== 0) decodeError('non-zero delta for a singleton value')
    return this.decode(id)
  }

  private decode(id: number): unknown {
    const r = this.r
    this.meter.steps++
    switch (id) {
      case ID.bool:
        return r.uintBig() !== 0n
      case ID.int:
        return toNumeric(r.intBig())
      case ID.uint:
        return toNumeric(r.uintBig())
      case ID.float:
        return r.float()
      case ID.bytes:
        return r.lengthPrefixed().slice()
      case ID.string:
        return r.string()
      case ID.interface:
        return this.iface().value
    }
    const wire = this.types.get(id)
    if (!wire) {
      return decodeError(
        id === ID.complex ? 'complex numbers are not supported' : 'unknown type id',
      )
    }
    switch (wire.kind) {
      case 'struct':
        return this.struct(id, wire)
      case 'marshaler':
        return this.track(id, r.lengthPrefixed().slice())
      case 'slice':
      case 'array':
        return this.list(id, wire.elem, wire.kind === 'array' ? wire.len : -1)
      case 'map':
        return this.map(id, wire.key, wire.elem)
    }
  }

  private slot(id: number): Decoded {
    return id === ID.interface ? this.iface() : { value: this.decode(id) }
  }

  private list(id: number, elem: number, len: number): unknown[] {
    this.enter()
    const n = this.count()
    if (len >= 0 && n !== len) decodeError('array length mismatch')
    const out: unknown[] = []
    for (let i = 0; i < n; i++) {
      this.meter.steps++
      const { value, hint } = this.slot(elem)
      if (hint) setSlotHint(out, i, { value: hint })
      out.push(value)
    }
    this.depth--
    return this.track(id, out)
  }

  private map(id: number, keyId: number, elemId: number): object {
    this.enter()
    const n = this.count()
    const out = keyId === ID.string ? {} : new Map<unknown, unknown>()
    for (let i = 0; i < n; i++) {
      this.meter.steps++
      const key = this.slot(keyId)
      const value = this.slot(elemId)
      if (out instanceof Map) out.set(key.value, value.value)
      else defineData(out, key.value as string, value.value)
      if (key.hint || value.hint) {
        setSlotHint(out, key.value, { key: key.hint, value: value.hint })
      }
    }
    this.depth--
    return this.track(id, out)
  }

  private struct(id: number, wire: Extract<Wire, { kind: 'struct' }>): object {
    this.enter()
    // Every field of every value is built, sent or not: a type defined once with many fields
    // must not make each one-byte value cost that many steps for free.
    this.charge(wire.fields.length)
    const r = this.r
    const present = new Map<number, unknown>()
    const out = {}
    let field = -1
    while (r.remainingInMessage > 0) {
      this.meter.steps++
      const delta = r.uint()
      if (delta === 0) break
      if (delta >= wire.fields.length - field) decodeError('field number out of range')
      field += delta
      const f = wire.fields[field]
      if (!f) return decodeError('field number out of range')
      const { value, hint } = this.slot(f.id)
      if (hint) setSlotHint(out, f.name, { value: hint })
      present.set(field, value)
    }
    // Absent fields were Go zero values, which gob does not send.
    wire.fields.forEach((f, i) => {
      this.meter.steps++
      defineData(out, f.name, present.has(i) ? present.get(i) : this.zero(f.id))
    })
    this.depth--
    return this.track(id, out)
  }

  private zero(id: number): unknown {
    switch (id) {
      case ID.bool:
        return false
      case ID.int:
      case ID.uint:
      case ID.float:
        return 0
      case ID.bytes:
        return new Uint8Array(0)
      case ID.string:
        return ''
      case ID.interface:
        return null
    }
    const wire = this.types.get(id)
    if (!wire) return decodeError('unknown type id')
    return wire.kind === 'slice' || wire.kind === 'array' ? this.track(id, []) : null
  }

  private iface(): Decoded {
    const r = this.r
    const length = r.uint()
    if (length > r.remainingInMessage) decodeError('type name exceeds message')
    if (length === 0) return { value: null }
    if (length > MAX_NAME) decodeError('type name too long')
    const name = utf8Decode(r.data.subarray(r.pos, r.pos + length))
    r.pos += length
    // The name is decoded here and parsed once more by hintFor, both linear in its length.
    this.meter.steps += 2 * length
    this.enter()
    const id = this.typeSequence(true)
    r.uint() // the value's byte count; Go ignores it too (nested definitions make it partial)
    const value = this.value(id)
    this.depth--
    const hint = this.hintFor(id, name)
    if (hint && typeof value === 'object' && value !== null) setContainerType(value, hint.spec)
    return { value, hint }
  }

  /** The Go type of a value with wire type `id`, refined by its registered name when known. */
  hintFor(id: number, name: string | undefined): TypeHint | undefined {
    const fromName =
      name === undefined
        ? null
        : typeFromName(
            name,
            id,
            (i) => this.types.get(i),
            (i) => this.specs.spec(i),
          )
    const spec = fromName ?? this.specs.spec(id)
    return spec ? { spec, name: name ?? '' } : undefined
  }

  private track<T extends object>(id: number, value: T): T {
    const spec = this.specs.spec(id)
    if (spec) setContainerType(value, spec)
    return value
  }
}

/** Own data property even for "__proto__": never a prototype change. */
function defineData(target: object, key: string, value: unknown): void {
  defineValue(target as Record<string, unknown>, key, value)
}
