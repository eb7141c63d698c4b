// What a record file of the filesystem driver holds: one JSON object with a format number.
// A file is read back as a session only when it is exactly what a write could have made, and
// its id is the one its name was derived from (a file copied or renamed to another session's
// name is no session); anything else is corrupt, never a guess.

import type { StoredRecord } from '../stored-record.ts'
import { isValidSessionId } from '../session-id.ts'
import { hashSessionId } from './session-layout.ts'

const FORMAT = 1

/** The file's text; throws when it is larger than `maxRecordBytes` in UTF-8. */
export function encodeRecord(record: StoredRecord, maxRecordBytes: number): string {
  const stored: Record<string, unknown> = {
    format: FORMAT,
    id: record.id,
    version: record.version,
    createdAt: record.createdAt,
    lastSeenAt: record.lastSeenAt,
    expiresAt: record.expiresAt,
    values: record.values,
    flash: record.flash,
  }
  if (record.userKey !== undefined) stored['userKey'] = record.userKey
  if (record.meta !== undefined) stored['meta'] = record.meta
  const text = JSON.stringify(stored)
  if (Buffer.byteLength(text) > maxRecordBytes) {
    throw new Error(`The session record exceeds maxRecordBytes (${maxRecordBytes} bytes)`)
  }
  return text
}

// ignoreBOM: a record is exactly what was written; a leading U+FEFF makes it not JSON.
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/** Parses and checks a record file; undefined when anything is off (STO-10, STO-13). */
export function decodeRecord(bytes: Uint8Array, hash: string): StoredRecord | undefined {
  let parsed: unknown
  try {
    parsed = JSON.parse(decoder.decode(bytes))
  } catch {
    return undefined
  }
  if (!isPlainObject(parsed)) return undefined
  const id = own(parsed, 'id')
  if (own(parsed, 'format') !== FORMAT || !isValidSessionId(id) || hashSessionId(id) !== hash) {
    return undefined
  }
  const version = own(parsed, 'version')
  const createdAt = own(parsed, 'createdAt')
  const lastSeenAt = own(parsed, 'lastSeenAt')
  const expiresAt = own(parsed, 'expiresAt')
  const values = own(parsed, 'values')
  const flash = own(parsed, 'flash')
  const userKey = own(parsed, 'userKey')
  const meta = own(parsed, 'meta')
  if (
    typeof version !== 'number' ||
    !Number.isSafeInteger(version) ||
    version < 1 ||
    !isTime(createdAt) ||
    !isTime(lastSeenAt) ||
    !isTime(expiresAt) ||
    !isPlainObject(values) ||
    !isPlainObject(flash) ||
    !Object.values(flash).every((list) => Array.isArray(list)) ||
    (userKey !== undefined && typeof userKey !== 'string') ||
    (meta !== undefined &&
      (!isPlainObject(meta) || !Object.values(meta).every((v) => typeof v === 'string')))
  ) {
    return undefined
  }
  return {
    id,
    values,
    flash: flash as Record<string, readonly unknown[]>,
    version,
    createdAt,
    lastSeenAt,
    expiresAt,
    userKey,
    meta: meta as Record<string, string> | undefined,
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isTime(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value)
}

function own(object: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(object, key) ? object[key] : undefined
}
