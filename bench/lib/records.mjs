// The session records and patches the driver benchmarks write: one shape for every row, so the
// rows differ only in the driver.
const HOUR = 3_600_000

/** A new session record holding `values`, as the server store creates it at `now`. */
export function freshRecord(id, values, now) {
  return {
    id,
    values,
    flash: {},
    version: 1,
    createdAt: now,
    lastSeenAt: now,
    expiresAt: now + HOUR,
    userKey: undefined,
    meta: undefined,
  }
}

/** The one-key patch a request that counts its views saves. */
export function viewsPatch(views, now) {
  return {
    set: { views },
    unset: [],
    flashSet: {},
    flashUnset: [],
    lastSeenAt: now,
    expiresAt: now + HOUR,
  }
}
