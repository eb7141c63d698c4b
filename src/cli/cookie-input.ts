// What `inspect` was given, as cookies: a bare value, `name=value`, a whole `Cookie:` header
// (every cookie in it) or a `Set-Cookie:` line (its cookie; the attributes are ignored).

import { getCookieValues, isValidCookieName, parseCookieHeader } from '../cookie.ts'

export interface CookieInput {
  /** `undefined` for a bare value: then only `--name` can say which cookie it was. */
  readonly name: string | undefined
  readonly value: string
}

const SET_COOKIE_ATTRIBUTES = new Set([
  'expires',
  'max-age',
  'domain',
  'path',
  'secure',
  'httponly',
  'samesite',
  'partitioned',
  'priority',
])

export function cookiesFromInput(input: string): CookieInput[] {
  const text = input.trim()
  const header = /^(set-cookie|cookie)\s*:\s*/i.exec(text)
  if (header !== null) {
    const rest = text.slice(header[0].length)
    return header[1]?.toLowerCase() === 'cookie' ? cookieHeader(rest) : setCookie(rest)
  }
  if (text.includes(';')) return looksLikeSetCookie(text) ? setCookie(text) : cookieHeader(text)
  return [single(text)]
}

/** `name=value` when the part before `=` is a cookie name and the rest is more than padding. */
function single(text: string): CookieInput {
  const eq = text.indexOf('=')
  const name = text.slice(0, eq)
  const value = text.slice(eq + 1)
  // gorilla values end in `=` padding, so `abc==` is a value, `sid=abc==` a pair.
  if (eq > 0 && isValidCookieName(name) && !/^=*$/.test(value)) return { name, value }
  return { name: undefined, value: text }
}

function cookieHeader(header: string): CookieInput[] {
  return Object.keys(parseCookieHeader(header)).flatMap((name) =>
    getCookieValues(header, name).map((value) => ({ name, value })),
  )
}

function setCookie(line: string): CookieInput[] {
  const first = line.split(';')[0] ?? ''
  return cookieHeader(first).slice(0, 1)
}

function looksLikeSetCookie(text: string): boolean {
  return text
    .split(';')
    .slice(1)
    .some((part) => SET_COOKIE_ATTRIBUTES.has((part.split('=')[0] ?? '').trim().toLowerCase()))
}
