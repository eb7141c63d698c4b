// Fixed key material for tests. None of these is a real secret: each is 32 bytes drawn once
// from a CSPRNG and written down, so runs are repeatable and the key ring accepts them
// (it refuses patterned keys such as 0x00, 0x01, …).
import { randomBytes } from 'node:crypto'

import { createKeyRing, type KeyRing } from '../../src/index.ts'
import { hexToBytes } from './bytes.ts'

export const KEY_A: Uint8Array = hexToBytes(
  '40753a15e9ff2a5a1ec1d15d093869958bf203b07043162c6ca31745edaa067e',
)
export const KEY_B: Uint8Array = hexToBytes(
  '1a05a7b0ebcbe116b4f5522429fcb5752ab87b00ee7fc92229ec31370b221c2a',
)
export const KEY_C: Uint8Array = hexToBytes(
  '780280bae15e1ea21ae3fd15bcdd51c42779d093770073cc8332b54084fd6ba4',
)

export function randomKey(): Uint8Array {
  return new Uint8Array(randomBytes(32))
}

/** A one-key ring with a fresh random secret. */
export function randomRing(id = 'k1'): KeyRing {
  return createKeyRing([{ id, secret: randomKey() }])
}
