// A short label for a User-Agent header ('Chrome on Linux'), shown in the list of a user's
// sessions. Deliberately tiny: a label helps a person recognise their devices, it is no
// security signal (any client can send any User-Agent). The result always comes from the
// fixed names below, so no client text is ever stored or shown.

// Checked in order: the first match wins. Order matters because browsers carry each other's
// tokens (Edge and Opera say "Chrome", Chrome says "Safari", Android says "Linux").
const BROWSERS: readonly (readonly [token: string, name: string])[] = [
  ['Edg/', 'Edge'],
  ['EdgA/', 'Edge'],
  ['EdgiOS/', 'Edge'],
  ['OPR/', 'Opera'],
  ['SamsungBrowser/', 'Samsung Internet'],
  ['Firefox/', 'Firefox'],
  ['FxiOS/', 'Firefox'],
  ['CriOS/', 'Chrome'],
  ['HeadlessChrome/', 'Chrome'],
  ['Chrome/', 'Chrome'],
  ['Safari/', 'Safari'],
  ['curl/', 'curl'],
]

const SYSTEMS: readonly (readonly [token: string, name: string])[] = [
  ['Windows', 'Windows'],
  ['Android', 'Android'],
  ['iPhone', 'iOS'],
  ['iPad', 'iPadOS'],
  ['CrOS', 'ChromeOS'],
  ['Mac OS X', 'macOS'],
  ['Macintosh', 'macOS'],
  ['Linux', 'Linux'],
]

// User-Agent headers are rarely longer; looking further only costs time.
const MAX_LENGTH = 512

export function deviceLabel(userAgent: string | undefined): string {
  const ua = (userAgent ?? '').slice(0, MAX_LENGTH)
  const browser = BROWSERS.find(([token]) => ua.includes(token))?.[1]
  const system = SYSTEMS.find(([token]) => ua.includes(token))?.[1]
  if (browser === undefined)
    return system === undefined ? 'Unknown browser' : `A browser on ${system}`
  return system === undefined ? browser : `${browser} on ${system}`
}
