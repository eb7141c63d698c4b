/** One Set-Cookie header value, read the way a browser reads it. */
export interface ParsedSetCookie {
  readonly name: string
  readonly value: string
  /** True for an empty value or `Max-Age=0`: the browser drops the cookie. */
  readonly deleted: boolean
  /** Attributes by lower-cased name; a flag (`HttpOnly`) maps to `''`. */
  readonly attributes: ReadonlyMap<string, string>
}

/** Reads one Set-Cookie header value: name, value, attributes, and whether it deletes. */
export function parseSetCookie(line: string): ParsedSetCookie {
  const [pair = '', ...rest] = line.split(';')
  const eq = pair.indexOf('=')
  const name = pair.slice(0, eq).trim()
  const value = pair.slice(eq + 1).trim()
  const attributes = new Map<string, string>()
  for (const part of rest) {
    const at = part.indexOf('=')
    const key = (at < 0 ? part : part.slice(0, at)).trim().toLowerCase()
    attributes.set(key, at < 0 ? '' : part.slice(at + 1).trim())
  }
  const deleted = value === '' || attributes.get('max-age') === '0'
  return { name, value, deleted, attributes }
}

/**
 * A browser's cookie jar for one site, for multi-request tests: `apply` the Set-Cookie values
 * of a response (a deletion removes the cookie), send `header` with the next request.
 * Attributes are not enforced: every cookie goes back on every request.
 */
export class CookieJar {
  readonly #cookies = new Map<string, string>()

  /** The request's Cookie header, or `undefined` when the jar is empty. */
  get header(): string | undefined {
    if (this.#cookies.size === 0) return undefined
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ')
  }

  /** The value of cookie `name`, if the jar holds it. */
  value(name: string): string | undefined {
    return this.#cookies.get(name)
  }

  has(name: string): boolean {
    return this.#cookies.has(name)
  }

  /** Puts a cookie in the jar as if a response had set it (a forged or replayed one, say). */
  set(name: string, value: string): void {
    this.#cookies.set(name, value)
  }

  /** Applies a response's Set-Cookie values, in order. */
  apply(setCookies: string | readonly string[] | undefined): void {
    if (setCookies === undefined) return
    for (const line of typeof setCookies === 'string' ? [setCookies] : setCookies) {
      const parsed = parseSetCookie(line)
      if (parsed.deleted) this.#cookies.delete(parsed.name)
      else this.#cookies.set(parsed.name, parsed.value)
    }
  }

  /** A jar with the same cookies that goes its own way from now on (an old cookie kept back). */
  copy(): CookieJar {
    const jar = new CookieJar()
    for (const [name, value] of this.#cookies) jar.#cookies.set(name, value)
    return jar
  }
}
