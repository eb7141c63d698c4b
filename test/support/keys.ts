// Fixed key material for tests. None of these is a real secret.
import { randomBytes } from 'node:crypto'

import { createKeyRing, type KeyRing } from '../../src/index.ts'

/** 0x00, 0x01, …, 0x1f. */
export const KEY_A: Uint8Array = Uint8Array.from({ length: 32 }, (_, i) => i)
/** 0xa0, 0xa1, …, 0xbf. */
export const KEY_B: Uint8Array = Uint8Array.from({ length: 32 }, (_, i) => 0xa0 + i)
/** 0xff, 0xfe, …, 0xe0. */
export const KEY_C: Uint8Array = Uint8Array.from({ length: 32 }, (_, i) => 0xff - i)

export function randomKey(): Uint8Array {
  return new Uint8Array(randomBytes(32))
}

/** A one-key ring with a fresh random secret. */
export function randomRing(id = 'k1'): KeyRing {
  return createKeyRing([{ id, secret: randomKey() }])
}
