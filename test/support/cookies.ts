// Reading Set-Cookie values in tests without depending on the cookie module under test.

/** `name=value` of a Set-Cookie header value. */
export function cookiePair(setCookie: string): string {
  const end = setCookie.indexOf(';')
  return end === -1 ? setCookie : setCookie.slice(0, end)
}

export function cookieName(setCookie: string): string {
  const pair = cookiePair(setCookie)
  return pair.slice(0, pair.indexOf('='))
}

export function cookieValue(setCookie: string): string {
  const pair = cookiePair(setCookie)
  return pair.slice(pair.indexOf('=') + 1)
}

/** Attributes by lower-cased name; flags map to `true`. */
export function cookieAttributes(setCookie: string): Map<string, string | true> {
  const out = new Map<string, string | true>()
  for (const part of setCookie.split(';').slice(1)) {
    const trimmed = part.trim()
    const eq = trimmed.indexOf('=')
    if (eq === -1) out.set(trimmed.toLowerCase(), true)
    else out.set(trimmed.slice(0, eq).toLowerCase(), trimmed.slice(eq + 1))
  }
  return out
}

/** Asserts there is a Set-Cookie value and returns it. */
export function expectCookie(value: string | undefined): string {
  if (value === undefined) throw new Error('expected a Set-Cookie value, got undefined')
  return value
}
