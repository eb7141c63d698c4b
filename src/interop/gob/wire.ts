// Type definitions as gob sends them: a wireType struct (encoding/gob type.go) encoded with the
// ordinary struct rules, hand-rolled here because it describes every other type.
import { decodeError, type GobReader, type GobWriter } from './bytes.ts'
import { MAX_NAME } from './spec.ts'

export type MarshalerKind = 'gob' | 'binary' | 'text'

export interface WireField {
  readonly name: string
  readonly id: number
}

export type Wire =
  | { readonly kind: 'array'; readonly name: string; readonly elem: number; readonly len: number }
  | { readonly kind: 'slice'; readonly name: string; readonly elem: number }
  | { readonly kind: 'struct'; readonly name: string; readonly fields: readonly WireField[] }
  | { readonly kind: 'map'; readonly name: string; readonly key: number; readonly elem: number }
  | { readonly kind: 'marshaler'; readonly name: string; readonly marshaler: MarshalerKind }

// wireType's field order: ArrayT, SliceT, StructT, MapT, GobEncoderT, BinaryMarshalerT, TextMarshalerT.
const MARSHALERS: readonly MarshalerKind[] = ['gob', 'binary', 'text']

function wireField(wire: Wire): number {
  switch (wire.kind) {
    case 'array':
      return 0
    case 'slice':
      return 1
    case 'struct':
      return 2
    case 'map':
      return 3
    case 'marshaler':
      return 4 + MARSHALERS.indexOf(wire.marshaler)
  }
}

/** Appends `-id` and the wireType, exactly as Go's Encoder.sendActualType does. */
export function writeWire(w: GobWriter, id: number, wire: Wire): void {
  w.int(-id)
  w.uint(wireField(wire) + 1)
  // CommonType{Name, Id}; an empty Name is a zero field and is skipped.
  w.uint(1)
  if (wire.name !== '') {
    w.uint(1)
    w.string(wire.name)
  }
  w.uint(wire.name === '' ? 2 : 1)
  w.int(id)
  w.uint(0)
  switch (wire.kind) {
    case 'array':
      w.uint(1)
      w.int(wire.elem)
      if (wire.len !== 0) {
        w.uint(1)
        w.int(wire.len)
      }
      break
    case 'slice':
      w.uint(1)
      w.int(wire.elem)
      break
    case 'map':
      w.uint(1)
      w.int(wire.key)
      w.uint(1)
      w.int(wire.elem)
      break
    case 'struct':
      if (wire.fields.length > 0) {
        w.uint(1)
        w.uint(wire.fields.length)
        for (const field of wire.fields) {
          if (field.name !== '') {
            w.uint(1)
            w.string(field.name)
          }
          w.uint(field.name === '' ? 2 : 1)
          w.int(field.id)
          w.uint(0)
        }
      }
      break
    case 'marshaler':
      break
  }
  w.uint(0)
  w.uint(0)
}

/** Walks a struct's delta-encoded field numbers; like Go, the end of the message also ends it. */
function readStruct(r: GobReader, fieldCount: number, onField: (field: number) => void): void {
  let field = -1
  while (r.remainingInMessage > 0) {
    const delta = r.uint()
    if (delta === 0) return
    if (delta >= fieldCount - field) decodeError('field number out of range')
    field += delta
    onField(field)
  }
}

export function readTypeId(r: GobReader): number {
  const v = r.intBig()
  if (v < -0x80000000n || v > 0x7fffffffn) decodeError('type id out of range')
  return Number(v)
}

function readName(r: GobReader): string {
  const name = r.string()
  if (name.length > MAX_NAME) decodeError('type name too long')
  return name
}

interface Parts {
  name: string
  elem: number
  key: number
  len: number
  fields: WireField[]
}

/** Reads one wireType; `charge` counts struct fields against the element budget. */
export function readWire(r: GobReader, charge: (n: number) => void): Wire {
  let which = -1
  const parts: Parts = { name: '', elem: 0, key: 0, len: 0, fields: [] }
  readStruct(r, 7, (field) => {
    if (which !== -1) decodeError('type definition with two kinds')
    which = field
    readBody(r, field, parts, charge)
  })
  const { name, elem, key, len, fields } = parts
  switch (which) {
    case 0:
      if (len < 0) decodeError('negative array length')
      return { kind: 'array', name, elem, len }
    case 1:
      return { kind: 'slice', name, elem }
    case 2:
      return { kind: 'struct', name, fields }
    case 3:
      return { kind: 'map', name, key, elem }
    case 4:
      return { kind: 'marshaler', name, marshaler: 'gob' }
    case 5:
      return { kind: 'marshaler', name, marshaler: 'binary' }
    case 6:
      return { kind: 'marshaler', name, marshaler: 'text' }
    default:
      return decodeError('empty type definition')
  }
}

function readBody(r: GobReader, which: number, parts: Parts, charge: (n: number) => void): void {
  // Every kind starts with CommonType; the marshalers have nothing else.
  const fieldCount = which === 0 ? 3 : which === 2 ? 2 : which === 3 ? 3 : which === 1 ? 2 : 1
  readStruct(r, fieldCount, (field) => {
    if (field === 0) {
      readStruct(r, 2, (common) => {
        if (common === 0) parts.name = readName(r)
        else readTypeId(r)
      })
    } else if (which === 2) {
      parts.fields = readFields(r, charge)
    } else if (which === 3 && field === 1) {
      parts.key = readTypeId(r)
    } else if (which === 0 && field === 2) {
      const len = r.intBig()
      if (len < 0n || len > 0x7fffffffn) decodeError('bad array length')
      parts.len = Number(len)
    } else {
      parts.elem = readTypeId(r)
    }
  })
}

function readFields(r: GobReader, charge: (n: number) => void): WireField[] {
  const count = r.uint()
  if (count > r.remainingInMessage) decodeError('field count exceeds message')
  charge(count)
  const fields: WireField[] = []
  for (let i = 0; i < count; i++) {
    const field = { name: '', id: 0 }
    readStruct(r, 2, (f) => {
      if (f === 0) field.name = readName(r)
      else field.id = readTypeId(r)
    })
    fields.push(field)
  }
  return fields
}
