// A stored session for driver-level tests: a fresh id, one value, an hour to live.
import type { SessionRecord } from '../../src/core/driver.ts'
import { generateSessionId } from '../../src/lib/session-id.ts'

export const HOUR = 3_600_000

export function record(at: number, extra: Partial<SessionRecord> = {}): SessionRecord {
  return {
    id: generateSessionId(),
    values: { a: 1 },
    flash: {},
    version: 1,
    createdAt: at,
    lastSeenAt: at,
    expiresAt: at + HOUR,
    userKey: undefined,
    meta: undefined,
    ...extra,
  }
}
