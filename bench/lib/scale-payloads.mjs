// The session values of the scale rows: ~200 B and ~2 KB (the same objects as every other
// benchmark) and ~16 KB of JSON, which no 4 KB cookie can hold: a server store's case.
import { LARGE, SMALL } from './common.mjs'

function makeHuge() {
  const orders = []
  for (let i = 0; i < 66; i++) {
    const lines = []
    for (let j = 0; j < 4; j++) {
      lines.push({
        sku: `SKU-${String(1000 + i * 37 + j)}`,
        qty: 1 + ((i + j) % 3),
        price: 999 + j * 250,
      })
    }
    orders.push({
      id: `o_${(i * 104729).toString(16).padStart(8, '0')}`,
      placedAt: 1795000000 + i * 3600,
      lines,
    })
  }
  return { ...LARGE, orders, views: 0 }
}

/** Label (the rough JSON size) → frozen session values. */
export const SCALE_PAYLOADS = Object.freeze({
  '200 B': SMALL,
  '2 KB': LARGE,
  '16 KB': Object.freeze(makeHuge()),
})

/** Bytes of the payload's JSON (UTF-8; these are ASCII). */
export function jsonSize(payload) {
  return JSON.stringify(payload).length
}
