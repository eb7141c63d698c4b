// The SQL text of the MySQL / MariaDB driver, and nothing else: every statement it prepares,
// built from constants, the quoted table name (validated here, the one identifier spliced
// in), the validated batch size and counts of `?` placeholders. Data only ever travels as
// bound values. One module, so what reaches the server as SQL can be read in one place.

import { SessionConfigError } from '../../errors.ts'
import type { SessionPatch } from '../patch.ts'
import { asciiJson, shallow, storableUserKey } from './values.ts'

/** What a statement binds: the MySQL driver's `MySQLValue`. */
export type BoundValue = string | number | null

const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/

export const SAME_USER = 'user_key = ? AND CHAR_LENGTH(user_key) = CHAR_LENGTH(?)'

const COLUMNS =
  'id, values_json, flash_json, version, created_at, last_seen_at, expires_at, user_key, meta_json'

/** The table name, validated and quoted: the only identifier ever spliced into SQL. */
export function quoteTable(table: unknown): string {
  if (typeof table !== 'string' || !TABLE_NAME.test(table)) {
    throw new SessionConfigError(
      'table must be 1 to 64 characters of A-Z, a-z, 0-9 and _, not starting with a digit',
    )
  }
  return `\`${table}\``
}

/** The DDL of the session table `t` (quoted). */
export function tableSchema(t: string): string {
  // The id column is ascii_bin, so ids compare byte for byte (no case folding).
  // utf8mb4_bin elsewhere: a user key matches exactly, never case- or accent-insensitively.
  return `CREATE TABLE IF NOT EXISTS ${t} (
  id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  values_json LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  flash_json LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  version BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  last_seen_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  user_key VARCHAR(512) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
  meta_json LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
  PRIMARY KEY (id),
  INDEX expires_at (expires_at),
  INDEX user_key (user_key)
) ENGINE=InnoDB`
}

/** The driver's fixed statements on table `t` (quoted), `batch` rows per batch at most. */
export function statements(t: string, batch: number) {
  return {
    select: `SELECT ${COLUMNS} FROM ${t} WHERE id = ? AND expires_at > ?`,
    insert: `INSERT INTO ${t} (${COLUMNS}) VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?)`,
    // An expired row does not exist as far as the contract goes: create may take its place.
    replace: `UPDATE ${t} SET values_json = ?, flash_json = ?, version = 1, created_at = ?,
      last_seen_at = ?, expires_at = ?, user_key = ?, meta_json = ? WHERE id = ? AND expires_at <= ?`,
    // A touch moves the times and nothing else, so it cannot undo a data write.
    touch: `UPDATE ${t} SET last_seen_at = ?, expires_at = ? WHERE id = ? AND expires_at > ?`,
    remove: `DELETE FROM ${t} WHERE id = ?`,
    // A corrupt row is removed only as it was read: a writer that replaced it meanwhile wins.
    removeCorrupt: `DELETE FROM ${t} WHERE id = ? AND version <=> ? AND last_seen_at <=> ? AND expires_at <=> ?`,
    // `*_bin` collations are PAD SPACE (`'alice' = 'alice '`), so user keys are matched with
    // their length too: another user whose key only adds trailing spaces is not this user.
    listByUser: `SELECT id, created_at, last_seen_at, expires_at, meta_json FROM ${t}
      WHERE ${SAME_USER} AND expires_at > ? ORDER BY created_at, last_seen_at, id`,
    idsByUser: `SELECT id FROM ${t} WHERE ${SAME_USER} AND id <> ? ORDER BY id LIMIT ${batch}`,
    expired: `SELECT id FROM ${t} WHERE expires_at <= ? ORDER BY expires_at LIMIT ${batch}`,
    deleteSome: `DELETE FROM ${t} ORDER BY id LIMIT ${batch}`,
  }
}

/**
 * The DELETE of listed ids that still satisfy `condition` (a constant of the driver's), with
 * `slots` placeholders for the ids, and the SELECT of those of them left.
 */
export function listedStatements(
  t: string,
  slots: number,
  condition: string,
): { readonly remove: string; readonly left: string } {
  const list = `(${marks(slots)})`
  return {
    remove: `DELETE FROM ${t} WHERE id IN ${list} AND ${condition}`,
    left: `SELECT id FROM ${t} WHERE id IN ${list}`,
  }
}

// ---------------------------------------------------------------------------------------
// The per-key UPDATE.

export interface Statement {
  readonly sql: string
  readonly values: BoundValue[]
}

/**
 * One `UPDATE` for a patch. The number of `JSON_SET` pairs is rounded up to a power of two
 * (the last pair repeated, which sets the same key to the same value again), so the statement
 * text, and with it the number of prepared statements per connection, stays small.
 */
export function patchStatement(t: string, patch: SessionPatch, id: string, now: number): Statement {
  const values: BoundValue[] = []
  const parts: string[] = []
  const column = (
    name: string,
    set: Readonly<Record<string, unknown>>,
    unset: readonly string[],
  ) => {
    const pairs = Object.entries(set)
    // One slot count for the removed and the set keys, so the text varies with it alone.
    // Removed keys go through JSON_REMOVE, one path each (padded with the set keys, which
    // JSON_SET writes again right after), not one JSON_MERGE_PATCH of nulls: MariaDB 10.11's
    // merge patch keeps some keys when it removes several in another order than stored.
    const removed = [...unset, ...pairs.map(([key]) => key)]
    const slots = removed.length === 0 ? 0 : placeholders(Math.max(pairs.length, unset.length))
    for (let i = 0; i < slots; i++) {
      values.push(jsonPath(removed[Math.min(i, removed.length - 1)] ?? ''))
    }
    const setSlots = pairs.length === 0 ? 0 : slots
    for (let i = 0; i < setSlots; i++) {
      const pair = pairs[Math.min(i, pairs.length - 1)]
      if (pair !== undefined) values.push(jsonPath(pair[0]), asciiJson(shallow(pair[1], 1)))
    }
    const kept = slots === 0 ? name : `JSON_REMOVE(${name}, ${marks(slots)})`
    const sets = ", ?, JSON_EXTRACT(?, '$')".repeat(setSlots)
    parts.push(setSlots === 0 ? `${name} = ${kept}` : `${name} = JSON_SET(${kept}${sets})`)
  }
  column('values_json', patch.set, patch.unset)
  column('flash_json', patch.flashSet, patch.flashUnset)
  parts.push('version = LAST_INSERT_ID(version + 1)', 'last_seen_at = ?', 'expires_at = ?')
  values.push(patch.lastSeenAt, patch.expiresAt)
  // `IF(?, new, old)` rather than an optional assignment: one statement text either way.
  parts.push('user_key = IF(?, ?, user_key)', 'meta_json = IF(?, ?, meta_json)')
  values.push(
    patch.userKey === undefined ? 0 : 1,
    patch.userKey == null ? null : storableUserKey(patch.userKey),
  )
  values.push(patch.meta === undefined ? 0 : 1, patch.meta == null ? null : asciiJson(patch.meta))
  // A row the server can see is corrupt (JSON that is not an object, a version below 1)
  // matches nothing and is removed by the second read; one only the decoder can tell (a flash
  // entry that is not a list) is written to and removed by the next read, unseen. CASE, not
  // AND: MySQL raises an error for invalid JSON in JSON_TYPE, so JSON_VALID must come first.
  values.push(id, now, patch.expectVersion ?? null, patch.expectVersion ?? null)
  return {
    sql: `UPDATE ${t} SET ${parts.join(', ')}
      WHERE id = ? AND expires_at > ? AND (? IS NULL OR version = ?) AND version >= 1
      AND CASE WHEN JSON_VALID(values_json) THEN JSON_TYPE(values_json) END = 'OBJECT'
      AND CASE WHEN JSON_VALID(flash_json) THEN JSON_TYPE(flash_json) END = 'OBJECT'
      AND (meta_json IS NULL
        OR CASE WHEN JSON_VALID(meta_json) THEN JSON_TYPE(meta_json) END = 'OBJECT')`,
    values,
  }
}

/**
 * `$."key"`: a member name in double quotes, escaped as a JSON string, which both MySQL and
 * MariaDB unescape. Quoting makes `.`, `*`, `[`, `$` and spaces plain characters of the name.
 */
function jsonPath(key: string): string {
  return '$.' + asciiJson(key)
}

/** The smallest power of two ≥ n (n ≥ 1). */
export function placeholders(n: number): number {
  let slots = 1
  while (slots < n) slots *= 2
  return slots
}

/** `?, ?, …`: n placeholders. */
function marks(n: number): string {
  return Array.from({ length: n }, () => '?').join(', ')
}

export function pad(ids: readonly string[], slots: number): string[] {
  const out = [...ids]
  const last = ids[ids.length - 1]
  while (last !== undefined && out.length < slots) out.push(last)
  return out
}
