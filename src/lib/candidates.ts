// One policy for the values a request sends under a session cookie's name, shared by the
// stores (docs/cookies.md, "Several cookies of one name"):
//
// - Every value is tried. Rejections that need no key (length, base64url, layout, key id)
//   come before any crypto, so the work stays linear in the header, which the parser bounds.
// - Of the values that authenticate, the newest (latest issue time) wins; ties keep header
//   order. The cookie this application wrote last is the one it reads, so a login always
//   takes effect, whatever stale or planted duplicates the browser also sends.
// - A rejection may delete the cookie only when the request showed everything: every value
//   was tried (none skipped by a bound), the parser read the whole header, and no value holds
//   a comma (our tokens never do; one that does is most likely two header lines joined with
//   ", " by the runtime, so the cookie itself may be fine).

import type { CookieCandidates } from './cookie-scan.ts'

/** The values in order, each once: a repeated value has the same outcome. */
export function distinct(values: readonly string[]): readonly string[] {
  // One value (nearly every request) is distinct already: no copy.
  return values.length < 2 ? values : [...new Set(values)]
}

/** A new array, latest `issuedAt` first; equal times keep their order (the sort is stable). */
export function newestFirst<T>(items: readonly T[], issuedAt: (item: T) => number): T[] {
  return [...items].sort((a, b) => issuedAt(b) - issuedAt(a))
}

/** The first failure recorded, in header order: the one a rejection reports. */
export function firstDefined<T>(failures: readonly (T | undefined)[]): T | undefined {
  return failures.find((failure) => failure !== undefined)
}

/** Whether a request whose every value failed may delete the cookie (the policy above). */
export function mayDelete(found: CookieCandidates, everyValueTried: boolean): boolean {
  return everyValueTried && found.complete && !found.values.some((value) => value.includes(','))
}
