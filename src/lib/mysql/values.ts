// Session data as the MySQL driver binds it: JSON text in ASCII, no deeper than MariaDB's JSON
// functions take, and user keys the connection cannot turn into another user's. Kept apart
// from the SQL text (./sql.ts), which never holds data: this is what the bound values may be.

// MariaDB's JSON functions refuse documents nested 32 levels deep or more (MySQL's limit is
// 100), and a refused document would make every later `update` of the session miss. So the
// driver refuses such data itself, at create and at update, before anything is written.
const MAX_DEPTH = 31

// JSON.stringify writes `\uXXXX` only for control characters and for lone surrogates (which
// no UTF-8 text can hold: MySQL and MariaDB reject them as broken JSON).
const LONE_SURROGATE = /(?<!\\)(?:\\\\)*\\ud[89a-f]/
const NON_ASCII = /[\u007f-\uffff]/g

/**
 * JSON text in ASCII only (`\uXXXX` for the rest), so it reaches the server intact whatever
 * the connection's character set. A lone surrogate is refused here, before anything is sent:
 * the server would refuse the whole document.
 */
export function asciiJson(value: unknown): string {
  const text = JSON.stringify(value)
  if (LONE_SURROGATE.test(text)) {
    throw new Error(
      'The MySQL driver cannot store a string or key holding a lone UTF-16 surrogate (MySQL and MariaDB refuse it in JSON)',
    )
  }
  return text.replace(NON_ASCII, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'))
}

/**
 * `value` itself, after checking that, placed `level` levels below the top of its column's
 * document, it nests no deeper than {@link MAX_DEPTH}. Iterative, so no input overflows the
 * stack.
 */
export function shallow<T>(value: T, level: number): T {
  const pending: [unknown, number][] = [[value, level + 1]]
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [item, depth] = next
    if (typeof item !== 'object' || item === null) continue
    if (depth > MAX_DEPTH) {
      throw new Error(
        `The MySQL driver cannot store data nested more than ${MAX_DEPTH} levels deep (MariaDB's JSON functions refuse it)`,
      )
    }
    for (const child of Object.values(item)) pending.push([child, depth + 1])
  }
  return value
}

// With the `u` flag a class of surrogates matches only unpaired ones.
const LONE_SURROGATE_TEXT = /[\ud800-\udfff]/u

/** Whether text holds a lone UTF-16 surrogate, which the connection would send as U+FFFD. */
export function hasLoneSurrogate(text: string): boolean {
  return LONE_SURROGATE_TEXT.test(text)
}

/**
 * A user key as stored. One with a lone surrogate is refused: the connection would send it as
 * U+FFFD, so `'a\ud800'` and `'a\udc00'` would become one user.
 */
export function storableUserKey(userKey: string): string {
  if (hasLoneSurrogate(userKey)) {
    throw new Error('The MySQL driver cannot store a user key holding a lone UTF-16 surrogate')
  }
  return userKey
}
