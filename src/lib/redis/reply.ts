// Redis replies as plain strings and maps. The clients answer the same command differently
// (strings or bytes, flat arrays, Maps or objects, by RESP version and client), so every
// reply the driver reads goes through here, and anything else than the expected shape throws.

import { utf8Decode } from '../encoding.ts'

/** A reply's string, from a string, bytes or a number; `undefined` for nil and the rest. */
export function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value
  if (value instanceof Uint8Array) return utf8Decode(value)
  if (typeof value === 'number') return String(value)
  return undefined
}

export function strings(reply: unknown): string[] {
  if (!Array.isArray(reply)) throw new Error('Redis answered with something else than a list')
  return (reply as unknown[]).map(text).filter((item) => item !== undefined)
}

/**
 * A hash as field → value, from a flat array (RESP2, and every client's raw replies), a Map
 * (RESP3 with a Map type mapping) or an object (ioredis's HGETALL, RESP3 defaults).
 */
export function fieldsOf(reply: unknown): Map<string, string> {
  const out = new Map<string, string>()
  const add = (field: unknown, value: unknown) => {
    const f = text(field)
    const v = text(value)
    if (f !== undefined && v !== undefined) out.set(f, v)
  }
  if (reply === null || reply === undefined) return out
  if (Array.isArray(reply)) {
    const list = reply as unknown[]
    for (let i = 0; i + 1 < list.length; i += 2) add(list[i], list[i + 1])
  } else if (reply instanceof Map) {
    for (const [field, value] of reply as Map<unknown, unknown>) add(field, value)
  } else if (typeof reply === 'object') {
    for (const [field, value] of Object.entries(reply)) add(field, value)
  } else {
    throw new Error('Redis answered HGETALL with something else than a hash')
  }
  return out
}

/** A SCAN reply: the next cursor (`'0'` when done) and the keys of this step. */
export function scanReply(reply: unknown): { cursor: string; keys: string[] } {
  if (!Array.isArray(reply) || reply.length !== 2 || !Array.isArray(reply[1])) {
    throw new Error('Redis answered SCAN with something else than a cursor and keys')
  }
  const cursor = text(reply[0]) ?? '0'
  const keys = (reply[1] as unknown[]).map(text).filter((k) => k !== undefined)
  return { cursor, keys }
}
