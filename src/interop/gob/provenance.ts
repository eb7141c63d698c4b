// Decoded values remember their Go types out of band, so a session read from Go and written back
// keeps `int64`, `uint`, `[]string` or `main.User` where Go code type-asserts them. WeakMaps keep
// the values themselves plain (deepEqual-able, JSON-able) and let the records die with them.
import type { GoTypeSpec } from './values.ts'

/** The concrete type found in an interface slot, with the name it was registered under. */
export interface TypeHint {
  readonly spec: GoTypeSpec
  readonly name: string
}

/** Hints for a container's interface slots, by index, property name or map key. */
export interface SlotHint {
  key?: TypeHint | undefined
  value?: TypeHint | undefined
}

const containerTypes = new WeakMap<object, GoTypeSpec>()
const slotHints = new WeakMap<object, Map<unknown, SlotHint>>()

export function setContainerType(value: object, spec: GoTypeSpec): void {
  containerTypes.set(value, spec)
}

export function containerType(value: unknown): GoTypeSpec | undefined {
  return typeof value === 'object' && value !== null ? containerTypes.get(value) : undefined
}

export function setSlotHint(container: object, slot: unknown, hint: SlotHint): void {
  let slots = slotHints.get(container)
  if (!slots) {
    slots = new Map()
    slotHints.set(container, slots)
  }
  slots.set(slot, hint)
}

export function slotHint(container: object, slot: unknown): SlotHint | undefined {
  return slotHints.get(container)?.get(slot)
}

/**
 * Appends `items` to `out` with the interface-slot hints of `from` (the decoded list the items
 * came from) wherever `from` still holds the same item at the same index, so a copied or
 * concatenated list keeps `int64(5)` an int64.
 */
export function appendWithHints(out: unknown[], items: readonly unknown[], from: unknown): void {
  const source = Array.isArray(from) ? (from as readonly unknown[]) : undefined
  items.forEach((item, i) => {
    const hint =
      source !== undefined && Object.is(source[i], item) ? slotHint(source, i) : undefined
    if (hint !== undefined) setSlotHint(out, out.length, hint)
    out.push(item)
  })
}
