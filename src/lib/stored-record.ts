// The JSON columns of a stored session (values, flash, labels) read back, as every server-side
// driver reads them: anything but the expected shape is corrupt, never a guess. JSON.parse
// defines own properties, so a `__proto__` key stays plain data and never reaches a prototype.
// Only text is parsed; each driver turns its backend's column type into text (or not) first.

/** A JSON object's text as the object; `undefined` for anything but text of a plain object. */
export function parseStoredObject(text: unknown): Record<string, unknown> | undefined {
  if (typeof text !== 'string') return undefined
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return undefined
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined
  return parsed as Record<string, unknown>
}

/** Flash lists by key; `undefined` when not an object of arrays. */
export function parseStoredFlash(text: unknown): Record<string, readonly unknown[]> | undefined {
  const parsed = parseStoredObject(text)
  if (parsed === undefined) return undefined
  for (const list of Object.values(parsed)) if (!Array.isArray(list)) return undefined
  return parsed as Record<string, readonly unknown[]>
}

/**
 * Labels, frozen. `null` (SQL NULL) → absent (`undefined`); anything but a string map → corrupt
 * (`false`). Whether another value means "absent" too is the driver's to decide before this.
 */
export function parseStoredMeta(
  text: unknown,
): Readonly<Record<string, string>> | undefined | false {
  if (text === null) return undefined
  const parsed = parseStoredObject(text)
  if (parsed === undefined) return false
  for (const label of Object.values(parsed)) if (typeof label !== 'string') return false
  return Object.freeze(parsed as Record<string, string>)
}

// lib cannot import core, so the shapes of core's SessionSummary and SessionRecord are spelled
// out here (the drivers' return types check that they agree).
interface StoredSummary {
  readonly id: string
  readonly createdAt: number
  readonly lastSeenAt: number
  readonly expiresAt: number
  readonly meta: Readonly<Record<string, string>> | undefined
}

/** The parts of a session list entry as a driver read them; `undefined`/`false` = corrupt. */
export interface StoredSummaryParts {
  readonly id: unknown
  readonly createdAt: number | undefined
  readonly lastSeenAt: number | undefined
  readonly expiresAt: number | undefined
  readonly meta: Readonly<Record<string, string>> | undefined | false
}

/** A list entry (a `SessionSummary`), or `undefined` when any part is corrupt. */
export function storedSummary(parts: StoredSummaryParts): StoredSummary | undefined {
  const { id, createdAt, lastSeenAt, expiresAt, meta } = parts
  if (
    typeof id !== 'string' ||
    createdAt === undefined ||
    lastSeenAt === undefined ||
    expiresAt === undefined ||
    meta === false
  ) {
    return undefined
  }
  return { id, createdAt, lastSeenAt, expiresAt, meta }
}

/** The parts of a stored session as a driver read them; `undefined`/`false` = corrupt. */
export interface StoredRecordParts {
  readonly values: Record<string, unknown> | undefined
  readonly flash: Record<string, readonly unknown[]> | undefined
  readonly version: number | undefined
  readonly createdAt: number | undefined
  readonly lastSeenAt: number | undefined
  readonly expiresAt: number | undefined
  /** `undefined` for none; `false` for a column that is neither text nor NULL. */
  readonly userKey: string | undefined | false
  readonly meta: Readonly<Record<string, string>> | undefined | false
}

/** A record (a `SessionRecord`), or `undefined` when any part is corrupt. */
export function storedRecord(id: string, parts: StoredRecordParts): StoredRecord | undefined {
  const { values, flash, version, createdAt, lastSeenAt, expiresAt, userKey, meta } = parts
  if (
    values === undefined ||
    flash === undefined ||
    version === undefined ||
    version < 1 ||
    createdAt === undefined ||
    lastSeenAt === undefined ||
    expiresAt === undefined ||
    userKey === false ||
    meta === false
  ) {
    return undefined
  }
  return { id, values, flash, version, createdAt, lastSeenAt, expiresAt, userKey, meta }
}

/** A stored record's list entry: its summary fields, none of its data. */
export function summaryOf(record: StoredSummary): StoredSummary {
  return {
    id: record.id,
    createdAt: record.createdAt,
    lastSeenAt: record.lastSeenAt,
    expiresAt: record.expiresAt,
    meta: record.meta,
  }
}

/** The order of a user's session list: oldest first, then least recently seen, then by id. */
export function bySessionAge(a: StoredSummary, b: StoredSummary): number {
  return (
    a.createdAt - b.createdAt ||
    a.lastSeenAt - b.lastSeenAt ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  )
}

export interface StoredRecord extends StoredSummary {
  readonly values: Record<string, unknown>
  readonly flash: Record<string, readonly unknown[]>
  readonly version: number
  readonly userKey: string | undefined
}
