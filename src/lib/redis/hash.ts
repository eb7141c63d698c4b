// A session as the fields of its Redis hash, and back: `version`, `created`, `seen`,
// `expires`, `user`, `meta`, and `v:<key>` / `f:<key>` holding each value and flash list as
// JSON. The scripts (./scripts.ts) read and write the same names. lib cannot import core, so
// the parts of core's SessionRecord used here are spelled out (as ../stored-record.ts does);
// the driver passes and returns core's types, which checks that these fit them.

import { defineValue } from '../json-value.ts'
import type { SessionPatch } from '../patch.ts'
import { parseStoredMeta, storedSummary } from '../stored-record.ts'

type Labels = Readonly<Record<string, string>>

/** The parts of a record a new hash holds. */
interface RecordFields {
  readonly values: Readonly<Record<string, unknown>>
  readonly flash: Readonly<Record<string, readonly unknown[]>>
  readonly createdAt: number
  readonly lastSeenAt: number
  readonly expiresAt: number
  readonly userKey: string | undefined
  readonly meta: Labels | undefined
}

/** A record read back from its hash. */
interface HashRecord extends Omit<RecordFields, 'values' | 'flash'> {
  readonly id: string
  readonly values: Record<string, unknown>
  readonly flash: Record<string, readonly unknown[]>
  readonly version: number
}

/** The fields a session list reads (HMGET), in the order {@link decodeSummary} takes them. */
export const SUMMARY_FIELDS = ['created', 'seen', 'expires', 'user', 'meta'] as const

/** A new hash's fields and values, as HSET takes them. */
export function encode(record: RecordFields): string[] {
  const out = [
    'version',
    '1',
    'created',
    String(record.createdAt),
    'seen',
    String(record.lastSeenAt),
    'expires',
    String(record.expiresAt),
  ]
  if (record.userKey !== undefined) out.push('user', record.userKey)
  if (record.meta !== undefined) out.push('meta', JSON.stringify(record.meta))
  pushFields(out, 'v:', record.values)
  pushFields(out, 'f:', record.flash)
  return out
}

function pushFields(out: string[], head: string, map: Readonly<Record<string, unknown>>): void {
  for (const [key, value] of Object.entries(map)) {
    const json = JSON.stringify(value) as string | undefined
    // As in a JSON object: a key whose value has no JSON form is left out.
    if (json !== undefined) out.push(head + key, json)
  }
}

/** The ARGV of the UPDATE script after its key, for a patch. */
export function updateArgs(patch: SessionPatch, now: number, expireAt: string): string[] {
  const unset = [...patch.unset.map((key) => `v:${key}`), ...patch.flashUnset.map((k) => `f:${k}`)]
  const set: string[] = []
  pushFields(set, 'v:', patch.set)
  pushFields(set, 'f:', patch.flashSet)
  const user = patch.userKey
  const meta = patch.meta
  return [
    String(now),
    patch.expectVersion === undefined ? '' : String(patch.expectVersion),
    String(patch.lastSeenAt),
    String(patch.expiresAt),
    expireAt,
    user === undefined ? 'k' : user === null ? 'd' : 's',
    user ?? '',
    meta === undefined ? 'k' : meta === null ? 'd' : 's',
    meta === undefined || meta === null ? '' : JSON.stringify(meta),
    String(unset.length),
    ...unset,
    ...set,
  ]
}

function integer(value: string | undefined): number | undefined {
  if (value === undefined || !/^-?[0-9]{1,16}$/.test(value)) return undefined
  const n = Number(value)
  return Number.isSafeInteger(n) ? n : undefined
}

function parseJson(value: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(value) as unknown }
  } catch {
    return { ok: false }
  }
}

/** `undefined` → absent; anything but a JSON map of strings → corrupt (`false`). */
function parseMeta(value: string | undefined): Labels | undefined | false {
  return value === undefined ? undefined : parseStoredMeta(value)
}

/** The record a hash holds, or `undefined` when any part of it is corrupt. */
export function decode(id: string, fields: ReadonlyMap<string, string>): HashRecord | undefined {
  const version = integer(fields.get('version'))
  const createdAt = integer(fields.get('created'))
  const lastSeenAt = integer(fields.get('seen'))
  const expiresAt = integer(fields.get('expires'))
  const meta = parseMeta(fields.get('meta'))
  if (
    version === undefined ||
    version < 1 ||
    createdAt === undefined ||
    lastSeenAt === undefined ||
    expiresAt === undefined ||
    meta === false
  ) {
    return undefined
  }
  const values: Record<string, unknown> = {}
  const flash: Record<string, readonly unknown[]> = {}
  for (const [field, json] of fields) {
    const isValue = field.startsWith('v:')
    if (!isValue && !field.startsWith('f:')) continue
    const parsed = parseJson(json)
    if (!parsed.ok) return undefined
    if (isValue) defineValue(values, field.slice(2), parsed.value)
    else if (Array.isArray(parsed.value)) defineValue(flash, field.slice(2), parsed.value)
    else return undefined
  }
  return {
    id,
    values,
    flash,
    version,
    createdAt,
    lastSeenAt,
    expiresAt,
    userKey: fields.get('user'),
    meta,
  }
}

/** HMGET created seen expires user meta, as a summary; `undefined` when corrupt. */
export function decodeSummary(
  id: string,
  row: readonly (string | undefined)[],
): ReturnType<typeof storedSummary> {
  const createdAt = integer(row[0])
  const lastSeenAt = integer(row[1])
  const expiresAt = integer(row[2])
  const meta = parseMeta(row[4])
  return storedSummary({ id, createdAt, lastSeenAt, expiresAt, meta })
}
