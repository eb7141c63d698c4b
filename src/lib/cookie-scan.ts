// The one scanner of untrusted Cookie request headers, shared by `sessionkit/cookie` and the
// stores. Pairs are separated by ";" only (RFC 6265 §4.2.1 and §5.4, rfc6265bis): browsers
// store a cookie value such as `dark,__Host-sid=x` as it was set and send it back whole, so a
// comma is data, and splitting on it would let any cookie smuggle pairs under other names.

/** A Cookie header value, several header lines in order, or nothing. */
export type CookieHeaderLines = string | readonly string[] | null | undefined

export const DEFAULT_MAX_PAIRS = 1000
export const DEFAULT_MAX_HEADER_LENGTH = 65_536

/** What is left to read: pairs and characters, counted over all header lines. */
export interface ScanBudget {
  pairs: number
  chars: number
}

/** Every value sent for one cookie name, and whether the whole header was read for them. */
export interface CookieCandidates {
  readonly values: string[]
  /**
   * False when a bound stopped the scan early: a value of this name may sit in the unread
   * rest, so the request proves nothing about cookies it did not show.
   */
  readonly complete: boolean
}

const TAB = 0x09
const SPACE = 0x20
const DQUOTE = 0x22
const SEMICOLON = 0x3b

/**
 * Told about one well-formed pair: its name is `line.slice(nameStart, nameEnd)` (never empty),
 * its value `line.slice(valueStart, valueEnd)`. Positions rather than strings, so a caller
 * looking for one name slices only the values it wants.
 */
export type PairVisitor = (
  line: string,
  nameStart: number,
  nameEnd: number,
  valueStart: number,
  valueEnd: number,
) => void

export function defaultBudget(): ScanBudget {
  return { pairs: DEFAULT_MAX_PAIRS, chars: DEFAULT_MAX_HEADER_LENGTH }
}

/**
 * The values of cookie `name` in order, within `budget` (the default bounds if omitted).
 * Several header lines are read in order, as if joined with `; ` (RFC 9113 §8.2.3 for
 * HTTP/2's split fields).
 */
export function cookieCandidates(
  header: CookieHeaderLines,
  name: string,
  budget: ScanBudget = defaultBudget(),
): CookieCandidates {
  const values: string[] = []
  if (header === null || header === undefined || name === '') return { values, complete: true }
  // Most requests do not carry a given cookie at all; skip splitting for them.
  const present =
    typeof header === 'string' ? header.includes(name) : header.some((line) => line.includes(name))
  if (!present) return { values, complete: true }
  const complete = scanCookieHeader(header, budget, (line, nameStart, nameEnd, start, end) => {
    if (nameEnd - nameStart === name.length && line.startsWith(name, nameStart)) {
      values.push(line.slice(start, end))
    }
  })
  return { values, complete }
}

/**
 * Calls `visit` for each well-formed pair in order. One pass per line (`indexOf` for the
 * separators), so the cost is linear in the (bounded) input whatever its shape; no regex
 * touches the header.
 *
 * @returns Whether every pair was visited (no bound cut the scan short).
 */
export function scanCookieHeader(
  header: CookieHeaderLines,
  budget: ScanBudget,
  visit: PairVisitor,
): boolean {
  if (header === null || header === undefined) return true
  if (typeof header === 'string') return scanLine(header, budget, visit)
  for (const line of header) {
    if (!scanLine(line, budget, visit)) return false
  }
  return true
}

/** @returns Whether the whole line was read. */
function scanLine(line: string, budget: ScanBudget, visit: PairVisitor): boolean {
  const cut = line.length > budget.chars
  const end = cut ? budget.chars : line.length
  budget.chars -= end
  // A pair that the length budget cuts is dropped, not truncated: a shortened value is a
  // different value. It survives only when a separator sits right at the cut.
  const lastComplete = !cut || line.charCodeAt(end) === SEMICOLON

  // Separators are found with indexOf (native, many times faster than a loop of charCodeAt
  // over a 300-character token). The next "=" is kept while pairs without one go by, so each
  // stretch of the line is searched once however the pairs are shaped: linear work.
  let nextEquals = line.indexOf('=')
  let start = 0
  while (start < end) {
    if (budget.pairs <= 0) return false
    let stop = line.indexOf(';', start)
    if (stop === -1 || stop > end) stop = end
    if (nextEquals !== -1 && nextEquals < start) nextEquals = line.indexOf('=', start)
    if (stop === end && !lastComplete) return false
    if (nextEquals !== -1 && nextEquals < stop && emitPair(line, start, nextEquals, stop, visit)) {
      budget.pairs--
    }
    start = stop + 1
  }
  return !cut
}

/** @returns Whether a pair was emitted (it has a non-empty name). */
function emitPair(
  line: string,
  start: number,
  eq: number,
  stop: number,
  visit: PairVisitor,
): boolean {
  let nameStart = start
  let nameEnd = eq
  while (nameStart < nameEnd && isOws(line.charCodeAt(nameStart))) nameStart++
  while (nameEnd > nameStart && isOws(line.charCodeAt(nameEnd - 1))) nameEnd--
  // rfc6265bis forbids servers to set nameless cookies, so `=value` is never one of ours.
  if (nameStart === nameEnd) return false

  let valueStart = eq + 1
  let valueEnd = stop
  while (valueStart < valueEnd && isOws(line.charCodeAt(valueStart))) valueStart++
  while (valueEnd > valueStart && isOws(line.charCodeAt(valueEnd - 1))) valueEnd--
  // RFC 6265 §4.1.1: cookie-value = *cookie-octet / ( DQUOTE *cookie-octet DQUOTE ).
  if (
    valueEnd - valueStart >= 2 &&
    line.charCodeAt(valueStart) === DQUOTE &&
    line.charCodeAt(valueEnd - 1) === DQUOTE
  ) {
    valueStart++
    valueEnd--
  }
  visit(line, nameStart, nameEnd, valueStart, valueEnd)
  return true
}

function isOws(c: number): boolean {
  return c === SPACE || c === TAB
}
