import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import {
  DEFAULT_COOKIE_OPTIONS,
  MAX_COOKIE_AGE,
  assertCookieName,
  cookieByteLength,
  getCookieValues,
  isValidCookieName,
  parseCookieHeader,
  resolveCookieOptions,
  serializeDeleteCookie,
  serializeResolvedSetCookie,
  serializeSetCookie,
} from '../src/core/cookie.ts'
import type { CookieOptions, CookieParseLimits } from '../src/core/cookie.ts'
import { CookieOptionError, SessionError } from '../src/errors.ts'

const NOW = Date.UTC(2025, 0, 1)
const DAY = 86_400_000
const EPOCH = 'Thu, 01 Jan 1970 00:00:00 GMT'

/** Parse result as ordered entries, so null-prototype results compare with plain arrays. */
function entries(
  header: string | readonly string[] | null | undefined,
  limits?: CookieParseLimits,
): [string, string][] {
  const parsed = parseCookieHeader(header, limits)
  assert.equal(Object.getPrototypeOf(parsed), null)
  return Object.entries(parsed)
}

/** Asserts a CookieOptionError with the stable code and the offending option. */
function throwsOption(fn: () => unknown, option: string, message?: RegExp): CookieOptionError {
  let caught: unknown
  try {
    fn()
  } catch (error) {
    caught = error
  }
  assert.ok(
    caught instanceof CookieOptionError,
    `expected a CookieOptionError, got ${String(caught)}`,
  )
  assert.ok(caught instanceof SessionError)
  assert.equal(caught.code, 'ERR_SESSION_COOKIE_OPTION')
  assert.equal(caught.name, 'CookieOptionError')
  assert.equal(caught.option, option, caught.message)
  if (message) assert.match(caught.message, message)
  return caught
}

/** Lets a test pass what plain JavaScript callers could pass. */
function loose(options: object): CookieOptions {
  return options
}

function trimOws(text: string): string {
  return text.replace(/^[ \t]+/, '').replace(/[ \t]+$/, '')
}

/** An independent, obviously-correct model of the parser (no bounds); only ";" separates. */
function referenceValues(header: string, name: string): string[] {
  const values: string[] = []
  for (const segment of header.split(';')) {
    const eq = segment.indexOf('=')
    if (eq === -1 || trimOws(segment.slice(0, eq)) !== name) continue
    let value = trimOws(segment.slice(eq + 1))
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
      value = value.slice(1, -1)
    }
    values.push(value)
  }
  return values
}

const TOKEN_CHARS =
  "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".split('')
const COOKIE_OCTET_CHARS = Array.from({ length: 0x7f }, (_, c) => String.fromCharCode(c)).filter(
  (ch) => ch > ' ' && ch !== '"' && ch !== ',' && ch !== ';' && ch !== '\\' && ch !== '\x7f',
)
const anyCodeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c))

describe('parseCookieHeader', () => {
  it('returns an empty null-prototype object for null, undefined, empty string and empty array', () => {
    assert.deepEqual(entries(null), [])
    assert.deepEqual(entries(undefined), [])
    assert.deepEqual(entries(''), [])
    assert.deepEqual(entries([]), [])
  })

  it('PAR-01: ignores empty segments, nameless pairs, pairs without "=" and trailing separators', () => {
    const table: [string, [string, string][]][] = [
      [';', []],
      ['=', []],
      [';;;', []],
      [',,,', []],
      ['flag', []],
      ['=value', []],
      ['  =value', []],
      ['a=1;', [['a', '1']]],
      ['a=1;;; ;', [['a', '1']]],
      ['; ;a=1', [['a', '1']]],
      [
        'flag; a=1; =x; b=2',
        [
          ['a', '1'],
          ['b', '2'],
        ],
      ],
      ['a=', [['a', '']]],
      ['a=""', [['a', '']]],
    ]
    for (const [header, expected] of table) assert.deepEqual(entries(header), expected, header)
  })

  it('PAR-02: keeps "=" inside values, strips one pair of DQUOTEs and trims OWS', () => {
    const table: [string, [string, string][]][] = [
      ['NID=99=abc', [['NID', '99=abc']]],
      ['a==', [['a', '=']]],
      ['a="v"', [['a', 'v']]],
      ['a=""v""', [['a', '"v"']]],
      ['a="v', [['a', '"v']]],
      ['a=v"', [['a', 'v"']]],
      ['a="', [['a', '"']]],
      [
        'a = 1 ; b\t=\t2\t;\tc=3',
        [
          ['a', '1'],
          ['b', '2'],
          ['c', '3'],
        ],
      ],
      ['a= " v " ', [['a', ' v ']]],
      ['a=x y', [['a', 'x y']]],
    ]
    for (const [header, expected] of table) assert.deepEqual(entries(header), expected, header)
  })

  it('PAR-03: returns malformed percent escapes raw without throwing', () => {
    assert.deepEqual(entries('a=%1; b=%E0%A4%A; c=%ZZ; d=%20x; e=%'), [
      ['a', '%1'],
      ['b', '%E0%A4%A'],
      ['c', '%ZZ'],
      ['d', '%20x'],
      ['e', '%'],
    ])
  })

  it('PAR-04: tolerates non-ASCII, lone surrogates, NUL, CR, LF and DEL in names and values', () => {
    const header = 'é=ü; \uD800=\uDC00; n\0=v\0; c\r\n=v\r\nx; d\x7f=\x7f; 🍪=😀'
    assert.deepEqual(entries(header), [
      ['é', 'ü'],
      ['\uD800', '\uDC00'],
      ['n\0', 'v\0'],
      ['c\r\n', 'v\r\nx'],
      ['d\x7f', '\x7f'],
      ['🍪', '😀'],
    ])
    assert.equal(parseCookieHeader(header)['sid'], undefined)
  })

  it('PAR-05: the first occurrence of a duplicate name wins; getCookieValues returns all', () => {
    assert.deepEqual(entries('sid=A; sid=B; sid=C'), [['sid', 'A']])
    assert.deepEqual(getCookieValues('sid=A; sid=B; sid=C', 'sid'), ['A', 'B', 'C'])
  })

  it('PAR-06: finds cookies in several header lines, joined with "; " (node, HTTP/2) or as an array', () => {
    const expected = [
      ['a', '1'],
      ['sid', 'x'],
      ['b', '2'],
    ]
    assert.deepEqual(entries('a=1; sid=x; b=2'), expected)
    assert.deepEqual(entries(['a=1', 'sid=x; b=2']), expected)
    assert.deepEqual(entries(['a=1;', '', 'sid=x', 'b=2']), expected)
    assert.deepEqual(getCookieValues(['sid=1', 'a=2; sid=3', 'sid=4'], 'sid'), ['1', '3', '4'])
  })

  it('PAR-06: a comma never separates pairs, so lines joined with ", " stay one value', () => {
    // What Chromium sends back for `Set-Cookie: pref=dark,__Host-sid=x` (a comma is a legal
    // value character there): one cookie named pref, never a second __Host-sid.
    assert.deepEqual(entries('pref=dark,__Host-sid=x; __Host-sid=real'), [
      ['pref', 'dark,__Host-sid=x'],
      ['__Host-sid', 'real'],
    ])
    assert.deepEqual(getCookieValues('pref=dark,__Host-sid=x; __Host-sid=real', '__Host-sid'), [
      'real',
    ])
    assert.deepEqual(getCookieValues('pref=dark, __Host-sid=x', '__Host-sid'), [])
    // Two lines joined by the Fetch standard's generic ", " rule are indistinguishable from
    // such a value: the later line is part of the value, and its cookies are not found.
    assert.deepEqual(entries('a=1, sid=x, b=2'), [['a', '1, sid=x, b=2']])
    assert.deepEqual(entries(['a=1, sid=x', 'b=2']), [
      ['a', '1, sid=x'],
      ['b', '2'],
    ])
  })

  it('PAR-07 / PRO-01: native property names are plain own data and Object.prototype is untouched', () => {
    const before = Object.getOwnPropertyNames(Object.prototype).sort()
    const header =
      'hasOwnProperty=1; __proto__=x; constructor=y; prototype=p; toString=z; valueOf=v; __defineGetter__=g'
    const parsed = parseCookieHeader(header)
    assert.equal(Object.getPrototypeOf(parsed), null)
    assert.deepEqual(Object.entries(parsed), [
      ['hasOwnProperty', '1'],
      ['__proto__', 'x'],
      ['constructor', 'y'],
      ['prototype', 'p'],
      ['toString', 'z'],
      ['valueOf', 'v'],
      ['__defineGetter__', 'g'],
    ])
    assert.equal(parsed['__proto__'], 'x')
    assert.deepEqual(Object.getOwnPropertyNames(Object.prototype).sort(), before)
    assert.deepEqual(Object.keys(Object.prototype), [])
    assert.equal(Object.getPrototypeOf({}), Object.prototype)
    assert.equal('constructor' in parseCookieHeader('a=1'), false)
    assert.equal('toString' in parseCookieHeader('a=1'), false)
  })

  it('PAR-08: names are case-sensitive', () => {
    const parsed = parseCookieHeader('SID=upper; sid=lower; Sid=mixed')
    assert.equal(parsed['sid'], 'lower')
    assert.equal(parsed['SID'], 'upper')
    assert.equal(parsed['Sid'], 'mixed')
    assert.equal(parseCookieHeader('__HOST-sid=x')['__Host-sid'], undefined)
    assert.deepEqual(getCookieValues('SID=1; sid=2', 'sid'), ['2'])
  })

  it('PAR-09: prefix look-alikes are kept verbatim and never read as __Host-sid', () => {
    const header =
      '__HOST-sid=1; __host-sid=2; ..Host-sid=3; _[Host-sid=4; __Host_sid=5; __Host.sid=6'
    assert.deepEqual(entries(header), [
      ['__HOST-sid', '1'],
      ['__host-sid', '2'],
      ['..Host-sid', '3'],
      ['_[Host-sid', '4'],
      ['__Host_sid', '5'],
      ['__Host.sid', '6'],
    ])
    assert.deepEqual(getCookieValues(header, '__Host-sid'), [])
    assert.deepEqual(getCookieValues('=__Host-sid=evil', '__Host-sid'), [])
  })

  it('PAR-10: long values are returned whole within maxHeaderLength and dropped, never truncated, beyond it', () => {
    const tenKb = 'v'.repeat(10_000)
    assert.equal(parseCookieHeader(`sid=${tenKb}`)['sid'], tenKb)
    const oneMb = 'v'.repeat(1_000_000)
    assert.deepEqual(entries(`a=1; sid=${oneMb}`), [['a', '1']])
    assert.equal(
      parseCookieHeader(`a=1; sid=${oneMb}`, { maxHeaderLength: 2_000_000 })['sid'],
      oneMb,
    )
    assert.deepEqual(getCookieValues(`sid=${oneMb}`, 'sid'), [])
  })

  it('PAR-13: parses a corpus of realistic Cookie headers', () => {
    const corpus: [string, [string, string][]][] = [
      [
        'NID=511=ZpQ3-lA_xyz; 1P_JAR=2024-01-15-10; AEC=Ackid1Qx; SOCS=CAISHAgBEhJnd3NfMjAyMzEyMDUtMF9SQzIaAmVuIAEaBgiA_LSrBg',
        [
          ['NID', '511=ZpQ3-lA_xyz'],
          ['1P_JAR', '2024-01-15-10'],
          ['AEC', 'Ackid1Qx'],
          ['SOCS', 'CAISHAgBEhJnd3NfMjAyMzEyMDUtMF9SQzIaAmVuIAEaBgiA_LSrBg'],
        ],
      ],
      [
        '_ga=GA1.2.1234567890.1700000000; _gid=GA1.2.987654321.1700000000; _gat_UA-12345-1=1',
        [
          ['_ga', 'GA1.2.1234567890.1700000000'],
          ['_gid', 'GA1.2.987654321.1700000000'],
          ['_gat_UA-12345-1', '1'],
        ],
      ],
      [
        '__cf_bm=abc.def-1700000000-0-AbC/dEf+GhI=; cf_clearance=xYz_123-1700000000-0-150',
        [
          ['__cf_bm', 'abc.def-1700000000-0-AbC/dEf+GhI='],
          ['cf_clearance', 'xYz_123-1700000000-0-150'],
        ],
      ],
      [
        'session="eyJ1c2VyIjoxfQ==.ZXhhbXBsZQ"; theme=dark',
        [
          ['session', 'eyJ1c2VyIjoxfQ==.ZXhhbXBsZQ'],
          ['theme', 'dark'],
        ],
      ],
      [
        'prefs=%7B%22lang%22%3A%22en%22%7D; consent=true',
        [
          ['prefs', '%7B%22lang%22%3A%22en%22%7D'],
          ['consent', 'true'],
        ],
      ],
      [
        'connect.sid=s%3AabcDEF.ghiJKL%2Bmno; csrftoken=Xyz123',
        [
          ['connect.sid', 's%3AabcDEF.ghiJKL%2Bmno'],
          ['csrftoken', 'Xyz123'],
        ],
      ],
      [
        '_myapp_session=BAh7B0kiD3Nlc3Npb25faWQGOgZFVEkiJTNiYjc%3D--a1b2c3d4e5f6; remember_user_token=W1sxXSwi--abc',
        [
          ['_myapp_session', 'BAh7B0kiD3Nlc3Npb25faWQGOgZFVEkiJTNiYjc%3D--a1b2c3d4e5f6'],
          ['remember_user_token', 'W1sxXSwi--abc'],
        ],
      ],
      [
        '__Secure-next-auth.session-token=eyJhbGciOiJkaXIifQ..abc.def.ghi; __Host-next-auth.csrf-token=abc%7Cdef',
        [
          ['__Secure-next-auth.session-token', 'eyJhbGciOiJkaXIifQ..abc.def.ghi'],
          ['__Host-next-auth.csrf-token', 'abc%7Cdef'],
        ],
      ],
      [
        'session-id=123-4567890-1234567; ubid-main=130-1234567-7654321; session-token="ABC+def/ghi=="; i18n-prefs=USD',
        [
          ['session-id', '123-4567890-1234567'],
          ['ubid-main', '130-1234567-7654321'],
          ['session-token', 'ABC+def/ghi=='],
          ['i18n-prefs', 'USD'],
        ],
      ],
      // A client echoing Set-Cookie attributes: they are just more pairs or flags.
      [
        'sid=abc; Path=/; HttpOnly',
        [
          ['sid', 'abc'],
          ['Path', '/'],
        ],
      ],
      // A legacy unencoded comma is part of the value, as browsers send it.
      [
        'tz=Europe/Berlin; list=a,b,c=d',
        [
          ['tz', 'Europe/Berlin'],
          ['list', 'a,b,c=d'],
        ],
      ],
      [
        '  foo = bar  ;\tbaz=qux\t',
        [
          ['foo', 'bar'],
          ['baz', 'qux'],
        ],
      ],
    ]
    for (const [header, expected] of corpus) assert.deepEqual(entries(header), expected, header)
  })

  it('DOS-01: 100k tiny pairs stop at maxPairs', () => {
    const header = 'a=;'.repeat(100_000)
    assert.deepEqual(entries(header), [['a', '']])
    assert.equal(getCookieValues(header, 'a').length, 1000)
    assert.equal(getCookieValues(header, 'a', { maxHeaderLength: Infinity }).length, 1000)
    assert.equal(getCookieValues(header, 'a', { maxPairs: 10 }).length, 10)
  })

  it('DOS-01: 100k distinct names yield at most maxPairs keys, the first ones', () => {
    const header = Array.from({ length: 100_000 }, (_, i) => `k${i}=${i}`).join('; ')
    const parsed = parseCookieHeader(header, { maxHeaderLength: Infinity })
    const keys = Object.keys(parsed)
    assert.equal(keys.length, 1000)
    assert.equal(keys[0], 'k0')
    assert.equal(keys[999], 'k999')
    assert.equal(parsed['k999'], '999')
    assert.equal(parsed['k1000'], undefined)
    const wider = parseCookieHeader(header, { maxPairs: 100_000, maxHeaderLength: Infinity })
    assert.equal(Object.keys(wider).length, 100_000)
    assert.equal(wider['k99999'], '99999')
  })

  it('DOS-01: the session cookie is still found when it comes first in a huge header', () => {
    const header = `sid=ours; ${'x=1; '.repeat(100_000)}`
    assert.equal(parseCookieHeader(header)['sid'], 'ours')
    assert.deepEqual(getCookieValues(header, 'sid'), ['ours'])
    const late = `${'x=1; '.repeat(100_000)}sid=late`
    assert.equal(parseCookieHeader(late)['sid'], undefined)
  })

  it('DOS-03: adversarial shapes (OWS runs, "=" runs, quotes, separators) give the exact result', () => {
    const n = 60_000
    assert.deepEqual(
      entries(`a=${' '.repeat(n)}1${' '.repeat(n)}`, { maxHeaderLength: Infinity }),
      [['a', '1']],
    )
    assert.deepEqual(entries(`${' '.repeat(n)}a=1`), [['a', '1']])
    assert.deepEqual(entries('='.repeat(n)), [])
    assert.deepEqual(entries(`a${'='.repeat(n)}`), [['a', '='.repeat(n - 1)]])
    assert.deepEqual(entries('"'.repeat(n)), [])
    assert.deepEqual(entries(`a=${'"'.repeat(n)}`), [['a', '"'.repeat(n - 2)]])
    assert.deepEqual(entries(';,'.repeat(n)), [])
    assert.deepEqual(entries('\t'.repeat(n)), [])
  })

  it('maxPairs counts pairs over all header lines; ignored segments do not count', () => {
    assert.deepEqual(entries(['a=1; b=2', 'c=3; d=4'], { maxPairs: 3 }), [
      ['a', '1'],
      ['b', '2'],
      ['c', '3'],
    ])
    assert.deepEqual(entries('x; =y; ;; a=1; b=2', { maxPairs: 1 }), [['a', '1']])
    assert.deepEqual(entries('a=1; a=2; b=3', { maxPairs: 2 }), [['a', '1']])
    assert.deepEqual(entries('a=1', { maxPairs: 0 }), [])
  })

  it('maxHeaderLength counts characters over all lines and drops a pair cut by it', () => {
    assert.deepEqual(entries('a=1; b=22', { maxHeaderLength: 8 }), [['a', '1']])
    assert.deepEqual(entries('a=1; b=22', { maxHeaderLength: 9 }), [
      ['a', '1'],
      ['b', '22'],
    ])
    // A separator exactly at the cut proves the pair before it is complete.
    assert.deepEqual(entries('a=1; b=2', { maxHeaderLength: 3 }), [['a', '1']])
    // A comma is no separator: the cut falls inside the one pair `a=1, b=2`, which is dropped.
    assert.deepEqual(entries('a=1, b=2', { maxHeaderLength: 3 }), [])
    assert.deepEqual(entries('a=12', { maxHeaderLength: 3 }), [])
    assert.deepEqual(entries(['a=1', 'b=2'], { maxHeaderLength: 6 }), [
      ['a', '1'],
      ['b', '2'],
    ])
    assert.deepEqual(entries(['a=1', 'b=2'], { maxHeaderLength: 5 }), [['a', '1']])
    assert.deepEqual(entries(['a=1', 'b=2'], { maxHeaderLength: 3 }), [['a', '1']])
    assert.deepEqual(entries('a=1', { maxHeaderLength: 0 }), [])
  })

  it('rejects invalid limits with CookieOptionError and ignores inherited limits', () => {
    throwsOption(() => parseCookieHeader('a=1', { maxPairs: -1 }), 'maxPairs')
    throwsOption(() => parseCookieHeader('a=1', { maxPairs: 1.5 }), 'maxPairs')
    throwsOption(() => parseCookieHeader('a=1', { maxPairs: Number.NaN }), 'maxPairs')
    throwsOption(() => parseCookieHeader('a=1', { maxHeaderLength: -5 }), 'maxHeaderLength')
    throwsOption(() => getCookieValues('a=1', 'zzz', { maxPairs: -1 }), 'maxPairs')
    const inherited: CookieParseLimits = Object.create({
      maxPairs: 0,
      maxHeaderLength: 0,
    }) as object
    assert.deepEqual(entries('a=1', inherited), [['a', '1']])
  })
})

describe('getCookieValues', () => {
  it('returns every raw, DQUOTE-stripped value for exactly the name, in order', () => {
    assert.deepEqual(getCookieValues('sid=1; other=2; sid="3"; sid = 4 ; sid=%ZZ', 'sid'), [
      '1',
      '3',
      '4',
      '%ZZ',
    ])
    assert.deepEqual(getCookieValues('sid=1 , sid=2', 'sid'), ['1 , sid=2'])
  })

  it('does not match names that merely contain the name, and returns [] when absent', () => {
    assert.deepEqual(getCookieValues('xsid=1; sidx=2; s_id=3; SID=4', 'sid'), [])
    assert.deepEqual(getCookieValues('a=1', 'sid'), [])
    assert.deepEqual(getCookieValues(['a=1', 'b=2'], 'sid'), [])
    assert.deepEqual(getCookieValues('a=sid', 'sid'), [])
    assert.deepEqual(getCookieValues(null, 'sid'), [])
    assert.deepEqual(getCookieValues(undefined, 'sid'), [])
    assert.deepEqual(getCookieValues('=1; a=2', ''), [])
  })

  it('uses the same bounds as parseCookieHeader', () => {
    assert.deepEqual(getCookieValues('a=1; sid=2; sid=3', 'sid', { maxPairs: 2 }), ['2'])
    assert.deepEqual(getCookieValues('sid=1; sid=22', 'sid', { maxHeaderLength: 12 }), ['1'])
    assert.deepEqual(getCookieValues(['sid=1', 'sid=2'], 'sid', { maxHeaderLength: 5 }), ['1'])
  })
})

describe('isValidCookieName and assertCookieName', () => {
  it('accepts RFC 7230 tokens', () => {
    for (const name of ['sid', '__Host-sid', 'a', "!#$%&'*+-.^_`|~", 'A1', 'connect.sid']) {
      assert.equal(isValidCookieName(name), true, name)
      assertCookieName(name)
    }
  })

  it('SER-15: rejects empty names, separators, "=", CTLs, space, DQUOTE and non-ASCII', () => {
    const bad = ['', 'a;b', 'a,b', 'a=b', 'a b', 'a\tb', 'a\rb', 'a\nb', 'a\0b', 'a\x7fb', 'a"b']
    bad.push('a(b', 'a)b', 'a/b', 'a:b', 'a@b', 'a[b', 'a\\b', 'a{b', 'é', 'a\u2028', '\uD800')
    for (const name of bad) {
      assert.equal(isValidCookieName(name), false, JSON.stringify(name))
      throwsOption(() => {
        assertCookieName(name)
      }, 'name')
    }
  })

  it('escapes the name in error messages so CR/LF cannot reach logs raw', () => {
    const error = throwsOption(() => {
      assertCookieName('x\r\nSet-Cookie: evil=1')
    }, 'name')
    assert.doesNotMatch(error.message, /[\r\n]/)
  })
})

describe('resolveCookieOptions', () => {
  it('returns the frozen secure defaults', () => {
    assert.ok(Object.isFrozen(DEFAULT_COOKIE_OPTIONS))
    assert.deepEqual(
      { ...DEFAULT_COOKIE_OPTIONS },
      {
        path: '/',
        domain: undefined,
        secure: true,
        httpOnly: true,
        sameSite: 'Lax',
        partitioned: false,
        priority: undefined,
      },
    )
    const resolved = resolveCookieOptions('sid')
    assert.ok(Object.isFrozen(resolved))
    assert.deepEqual({ ...resolved }, { ...DEFAULT_COOKIE_OPTIONS })
    assert.equal(MAX_COOKIE_AGE, 34_560_000)
    assert.equal(MAX_COOKIE_AGE, 400 * 24 * 60 * 60)
  })

  it('applies own options over the base and ignores undefined ones', () => {
    const base = resolveCookieOptions('sid', { path: '/app', sameSite: 'Strict', secure: false })
    assert.deepEqual(
      { ...resolveCookieOptions('sid', { httpOnly: false, priority: 'High' }, base) },
      {
        path: '/app',
        domain: undefined,
        secure: false,
        httpOnly: false,
        sameSite: 'Strict',
        partitioned: false,
        priority: 'High',
      },
    )
    assert.equal(resolveCookieOptions('sid', loose({ path: undefined }), base).path, '/app')
    assert.equal(resolveCookieOptions('sid', { sameSite: false }).sameSite, false)
  })

  it('PRO-06 (in process): inherited option properties are ignored', () => {
    const polluted = {
      secure: false,
      httpOnly: false,
      sameSite: 'None',
      domain: 'evil.com',
      path: '/x',
      partitioned: true,
      priority: 'High',
    }
    const options: CookieOptions = Object.create(polluted) as object
    assert.deepEqual({ ...resolveCookieOptions('sid', options) }, { ...DEFAULT_COOKIE_OPTIONS })
    const viaJson: CookieOptions = JSON.parse(
      '{"__proto__":{"secure":false,"path":"/x"}}',
    ) as object
    assert.deepEqual({ ...resolveCookieOptions('sid', viaJson) }, { ...DEFAULT_COOKIE_OPTIONS })
    assert.equal(
      serializeSetCookie('sid', 'v', options),
      'sid=v; Path=/; HttpOnly; Secure; SameSite=Lax',
    )
  })

  it('strips exactly one leading dot from the domain', () => {
    assert.equal(resolveCookieOptions('sid', { domain: '.example.com' }).domain, 'example.com')
    assert.equal(
      resolveCookieOptions('sid', { domain: 'Sub.Example-1.com' }).domain,
      'Sub.Example-1.com',
    )
    assert.equal(resolveCookieOptions('sid', { domain: 'localhost' }).domain, 'localhost')
    assert.equal(resolveCookieOptions('sid', { domain: '127.0.0.1' }).domain, '127.0.0.1')
    throwsOption(() => resolveCookieOptions('sid', { domain: '..example.com' }), 'domain')
  })

  it('SER-15: rejects paths that do not start with "/", carry separators, CTLs, space or non-ASCII, or exceed 1024 bytes', () => {
    const bad = ['', 'app', ' /', '/a;b', '/a,b', '/a b', '/a\rb', '/a\nb', '/a\0b', '/a\x7f', '/é']
    bad.push('/a\tb', '/\u2028')
    for (const path of bad) throwsOption(() => resolveCookieOptions('sid', { path }), 'path')
    assert.equal(
      resolveCookieOptions('sid', { path: '/a-b_c.d~e/%20/=x' }).path,
      '/a-b_c.d~e/%20/=x',
    )
    const longest = `/${'a'.repeat(1023)}`
    assert.equal(resolveCookieOptions('sid', { path: longest }).path, longest)
    throwsOption(() => resolveCookieOptions('sid', { path: `${longest}a` }), 'path', /1024/)
  })

  it('SER-15: rejects domains with separators, CTLs, space, brackets, bad labels or over 253 characters', () => {
    const bad = ['', '.', 'a;b.com', 'a,b.com', 'a b.com', 'a\r\n.com', 'a\0.com', 'exämple.com']
    bad.push('[::1]', '::1', 'a..b', 'a.com.', '-a.com', 'a-.com', 'a_b.com', 'a/b', 'a=b')
    bad.push(`${'a'.repeat(64)}.com`)
    for (const domain of bad) throwsOption(() => resolveCookieOptions('sid', { domain }), 'domain')
    const label = 'a'.repeat(63)
    const longest = [label, label, label, 'a'.repeat(61)].join('.')
    assert.equal(longest.length, 253)
    assert.equal(resolveCookieOptions('sid', { domain: longest }).domain, longest)
    throwsOption(() => resolveCookieOptions('sid', { domain: `${longest}a` }), 'domain')
    assert.equal(resolveCookieOptions('sid', { domain: `.${longest}` }).domain, longest)
  })

  it('SER-04: SameSite=None requires secure', () => {
    throwsOption(
      () => resolveCookieOptions('sid', { sameSite: 'None', secure: false }),
      'sameSite',
      /secure/,
    )
    assert.equal(resolveCookieOptions('sid', { sameSite: 'None' }).sameSite, 'None')
    const insecureBase = resolveCookieOptions('sid', { secure: false })
    throwsOption(() => resolveCookieOptions('sid', { sameSite: 'None' }, insecureBase), 'sameSite')
  })

  it('SER-04: partitioned implies Secure and contradicts an explicit secure: false', () => {
    const insecureBase = resolveCookieOptions('sid', { secure: false })
    assert.equal(resolveCookieOptions('sid', { partitioned: true }, insecureBase).secure, true)
    assert.equal(
      serializeSetCookie('sid', 'v', { partitioned: true, sameSite: 'None' }),
      'sid=v; Path=/; HttpOnly; Secure; SameSite=None; Partitioned',
    )
    throwsOption(
      () => resolveCookieOptions('sid', { partitioned: true, secure: false }),
      'partitioned',
      /secure/,
    )
  })

  it('rejects unknown sameSite and priority values and non-boolean flags', () => {
    throwsOption(() => resolveCookieOptions('sid', loose({ sameSite: 'lax' })), 'sameSite')
    throwsOption(() => resolveCookieOptions('sid', loose({ sameSite: true })), 'sameSite')
    throwsOption(() => resolveCookieOptions('sid', loose({ priority: 'high' })), 'priority')
    throwsOption(() => resolveCookieOptions('sid', loose({ secure: 'yes' })), 'secure')
    throwsOption(() => resolveCookieOptions('sid', loose({ httpOnly: 1 })), 'httpOnly')
    throwsOption(() => resolveCookieOptions('sid', loose({ partitioned: 'true' })), 'partitioned')
    throwsOption(() => resolveCookieOptions('sid', loose({ path: 1 })), 'path')
    throwsOption(() => resolveCookieOptions('sid', loose({ domain: 1 })), 'domain')
  })

  it('SER-02: __Host- requires secure, path "/" and no domain', () => {
    assert.equal(resolveCookieOptions('__Host-sid').path, '/')
    throwsOption(
      () => resolveCookieOptions('__Host-sid', { secure: false }),
      'secure',
      /__Host-.*secure/,
    )
    throwsOption(() => resolveCookieOptions('__Host-sid', { path: '/app' }), 'path', /path "\/"/)
    throwsOption(
      () => resolveCookieOptions('__Host-sid', { domain: 'example.com' }),
      'domain',
      /no domain/,
    )
    assert.equal(resolveCookieOptions('__Host-sid', { httpOnly: false }).httpOnly, false)
  })

  it('SER-03: __Secure- requires secure and nothing else', () => {
    throwsOption(
      () => resolveCookieOptions('__Secure-sid', { secure: false }),
      'secure',
      /__Secure-/,
    )
    const resolved = resolveCookieOptions('__Secure-sid', {
      path: '/app',
      domain: 'example.com',
      httpOnly: false,
    })
    assert.equal(resolved.path, '/app')
    assert.equal(resolved.domain, 'example.com')
  })

  it('__Http- requires secure and httpOnly; __Host-Http- also requires path "/" and no domain', () => {
    throwsOption(() => resolveCookieOptions('__Http-sid', { httpOnly: false }), 'httpOnly')
    throwsOption(() => resolveCookieOptions('__Http-sid', { secure: false }), 'secure')
    assert.equal(resolveCookieOptions('__Http-sid', { path: '/app' }).path, '/app')
    throwsOption(() => resolveCookieOptions('__Host-Http-sid', { httpOnly: false }), 'httpOnly')
    throwsOption(() => resolveCookieOptions('__Host-Http-sid', { secure: false }), 'secure')
    throwsOption(() => resolveCookieOptions('__Host-Http-sid', { path: '/a' }), 'path')
    throwsOption(() => resolveCookieOptions('__Host-Http-sid', { domain: 'a.com' }), 'domain')
    assert.equal(resolveCookieOptions('__Host-Http-sid').httpOnly, true)
  })

  it('matches prefixes case-insensitively, as browsers do', () => {
    throwsOption(() => resolveCookieOptions('__SECURE-sid', { secure: false }), 'secure')
    throwsOption(() => resolveCookieOptions('__secure-sid', { secure: false }), 'secure')
    throwsOption(() => resolveCookieOptions('__HOST-sid', { path: '/a' }), 'path')
    throwsOption(() => resolveCookieOptions('__host-sid', { domain: 'a.com' }), 'domain')
    throwsOption(() => resolveCookieOptions('__hTtP-sid', { httpOnly: false }), 'httpOnly')
    throwsOption(() => resolveCookieOptions('__HOST-HTTP-sid', { httpOnly: false }), 'httpOnly')
    assert.equal(resolveCookieOptions('_Host-sid', { secure: false }).secure, false)
    assert.equal(resolveCookieOptions('Host-sid', { path: '/a' }).path, '/a')
  })
})

describe('serializeSetCookie', () => {
  it('SER-01: writes Path=/, HttpOnly, Secure and SameSite=Lax by default', () => {
    assert.equal(
      serializeSetCookie('sid', 'abc'),
      'sid=abc; Path=/; HttpOnly; Secure; SameSite=Lax',
    )
    assert.equal(
      serializeSetCookie('__Host-sid', 'abc'),
      '__Host-sid=abc; Path=/; HttpOnly; Secure; SameSite=Lax',
    )
  })

  it('SER-07: emits every attribute once, in canonical order', () => {
    const header = serializeSetCookie(
      'sid',
      'abc',
      {
        priority: 'High',
        partitioned: true,
        sameSite: 'None',
        secure: true,
        httpOnly: true,
        expires: new Date(NOW + DAY),
        maxAge: 86_400,
        domain: 'example.com',
        path: '/app',
      },
      NOW,
    )
    assert.equal(
      header,
      'sid=abc; Path=/app; Domain=example.com; Max-Age=86400; Expires=Thu, 02 Jan 2025 00:00:00 GMT; HttpOnly; Secure; SameSite=None; Partitioned; Priority=High',
    )
    const names = header
      .split('; ')
      .slice(1)
      .map((attribute) => attribute.split('=')[0])
    assert.equal(new Set(names).size, names.length)
  })

  it('omits attributes that are off and accepts resolved options as input', () => {
    const resolved = resolveCookieOptions('sid', {
      secure: false,
      httpOnly: false,
      sameSite: false,
    })
    assert.equal(serializeSetCookie('sid', 'v', resolved), 'sid=v; Path=/')
    assert.equal(
      serializeSetCookie('sid', 'v', { ...resolved, priority: 'Low' }),
      'sid=v; Path=/; Priority=Low',
    )
  })

  it('SER-09: without maxAge and expires it is a session cookie, and Expires is never derived from maxAge', () => {
    const session = serializeSetCookie('sid', 'v', {}, NOW)
    assert.doesNotMatch(session, /Max-Age|Expires/)
    assert.equal(
      serializeSetCookie('sid', 'v', { maxAge: 60 }, NOW),
      'sid=v; Path=/; Max-Age=60; HttpOnly; Secure; SameSite=Lax',
    )
    assert.equal(
      serializeSetCookie('sid', 'v', { expires: new Date(0) }, NOW),
      `sid=v; Path=/; Expires=${EPOCH}; HttpOnly; Secure; SameSite=Lax`,
    )
  })

  it('SER-11: clamps Max-Age and Expires to 400 days', () => {
    assert.match(serializeSetCookie('sid', 'v', { maxAge: MAX_COOKIE_AGE }), /Max-Age=34560000;/)
    assert.match(
      serializeSetCookie('sid', 'v', { maxAge: MAX_COOKIE_AGE + 1 }),
      /Max-Age=34560000;/,
    )
    assert.match(
      serializeSetCookie('sid', 'v', { maxAge: Number.MAX_SAFE_INTEGER }),
      /Max-Age=34560000;/,
    )
    const limit = new Date(NOW + 400 * DAY).toUTCString()
    assert.equal(limit, 'Thu, 05 Feb 2026 00:00:00 GMT')
    assert.match(
      serializeSetCookie('sid', 'v', { expires: new Date(NOW + 401 * DAY) }, NOW),
      /Expires=Thu, 05 Feb 2026 00:00:00 GMT;/,
    )
    assert.match(
      serializeSetCookie('sid', 'v', { expires: new Date(8.64e15) }, NOW),
      new RegExp(`Expires=${limit};`),
    )
    assert.match(
      serializeSetCookie('sid', 'v', { expires: new Date(NOW + 399 * DAY) }, NOW),
      /Expires=Wed, 04 Feb 2026 00:00:00 GMT;/,
    )
  })

  it('SER-12: Max-Age must be a safe integer >= 0; 0 is allowed', () => {
    for (const maxAge of [1.5, Number.NaN, Infinity, -Infinity, -1, 2 ** 53, -0.5]) {
      throwsOption(() => serializeSetCookie('sid', 'v', { maxAge }), 'maxAge', /integer/)
    }
    throwsOption(() => serializeSetCookie('sid', 'v', loose({ maxAge: '60' })), 'maxAge')
    assert.match(serializeSetCookie('sid', 'v', { maxAge: 0 }), /; Max-Age=0;/)
  })

  it('SER-12: Expires must be a valid Date in or after 1601', () => {
    throwsOption(() => serializeSetCookie('sid', 'v', { expires: new Date(Number.NaN) }), 'expires')
    throwsOption(
      () =>
        serializeSetCookie('sid', 'v', { expires: new Date(Date.UTC(1600, 11, 31, 23, 59, 59)) }),
      'expires',
      /1601/,
    )
    throwsOption(() => serializeSetCookie('sid', 'v', loose({ expires: 0 })), 'expires')
    throwsOption(() => serializeSetCookie('sid', 'v', loose({ expires: '2030-01-01' })), 'expires')
    assert.match(
      serializeSetCookie('sid', 'v', { expires: new Date(Date.UTC(1601, 0, 1)) }, NOW),
      /Expires=Mon, 01 Jan 1601 00:00:00 GMT;/,
    )
    throwsOption(
      () => serializeSetCookie('sid', 'v', { expires: new Date(NOW) }, Number.NaN),
      'nowMs',
    )
  })

  it('SER-15: refuses injection through the name, path or domain', () => {
    throwsOption(() => serializeSetCookie('sid\r\nSet-Cookie: a', 'v'), 'name')
    throwsOption(() => serializeSetCookie('sid;', 'v'), 'name')
    throwsOption(() => serializeSetCookie('sid=x', 'v'), 'name')
    throwsOption(() => serializeSetCookie('', 'v'), 'name')
    throwsOption(() => serializeSetCookie('sid', 'v', { path: '/; Domain=evil.com' }), 'path')
    throwsOption(() => serializeSetCookie('sid', 'v', { path: '/\r\nX-Evil: 1' }), 'path')
    throwsOption(() => serializeSetCookie('sid', 'v', { domain: 'a.com; Secure' }), 'domain')
    throwsOption(() => serializeSetCookie('sid', 'v', { domain: 'a.com\nX: y' }), 'domain')
    throwsOption(() => serializeSetCookie('sid', 'v', { domain: 'a.com,b.com' }), 'domain')
  })

  it('SER-17: the value must be cookie-octets, and errors never contain it', () => {
    const secret = 'TOPSECRET'
    for (const value of [
      ` ${secret}`,
      `${secret};x`,
      `${secret},x`,
      `"${secret}"`,
      `${secret}\\`,
    ]) {
      const error = throwsOption(() => serializeSetCookie('sid', value), 'value', /cookie-octets/)
      assert.doesNotMatch(error.message, /TOPSECRET/)
      assert.match(error.message, /"sid"/)
    }
    for (const value of [`${secret}\r\n`, `${secret}\0`, `${secret}\x7f`, `${secret}é`]) {
      const error = throwsOption(() => serializeSetCookie('sid', value), 'value')
      assert.doesNotMatch(error.message, /TOPSECRET/)
    }
  })

  it('accepts an empty value and every cookie-octet', () => {
    assert.equal(
      serializeSetCookie('sid', '', { sameSite: false }),
      'sid=; Path=/; HttpOnly; Secure',
    )
    const all = COOKIE_OCTET_CHARS.join('')
    assert.equal(all.length, 90)
    assert.ok(serializeSetCookie('sid', all).startsWith(`sid=${all}; Path=/`))
  })

  it('SER-02 / SER-03 / SER-04 hold through serializeSetCookie too', () => {
    throwsOption(() => serializeSetCookie('__Host-sid', 'v', { domain: 'example.com' }), 'domain')
    throwsOption(() => serializeSetCookie('__Host-sid', 'v', { path: '/x' }), 'path')
    throwsOption(() => serializeSetCookie('__Host-sid', 'v', { secure: false }), 'secure')
    throwsOption(() => serializeSetCookie('__Secure-sid', 'v', { secure: false }), 'secure')
    throwsOption(
      () => serializeSetCookie('sid', 'v', { sameSite: 'None', secure: false }),
      'sameSite',
    )
    throwsOption(
      () => serializeSetCookie('sid', 'v', { partitioned: true, secure: false }),
      'partitioned',
    )
  })
})

describe('serializeDeleteCookie', () => {
  it('SER-16: writes Max-Age=0 and the epoch with the same scope, ignoring maxAge and expires', () => {
    assert.equal(
      serializeDeleteCookie('sid'),
      `sid=; Path=/; Max-Age=0; Expires=${EPOCH}; HttpOnly; Secure; SameSite=Lax`,
    )
    assert.equal(
      serializeDeleteCookie('sid', {
        path: '/app',
        domain: '.example.com',
        maxAge: 3600,
        expires: new Date(NOW + DAY),
        sameSite: 'None',
        partitioned: true,
        priority: 'High',
      }),
      `sid=; Path=/app; Domain=example.com; Max-Age=0; Expires=${EPOCH}; HttpOnly; Secure; SameSite=None; Partitioned`,
    )
  })

  it('SER-16: keeps the prefix rules and validates the scope', () => {
    assert.equal(
      serializeDeleteCookie('__Host-sid'),
      `__Host-sid=; Path=/; Max-Age=0; Expires=${EPOCH}; HttpOnly; Secure; SameSite=Lax`,
    )
    throwsOption(() => serializeDeleteCookie('__Host-sid', { path: '/app' }), 'path')
    throwsOption(() => serializeDeleteCookie('sid', { domain: 'a.com; x' }), 'domain')
    throwsOption(() => serializeDeleteCookie('bad name'), 'name')
  })
})

describe('cookieByteLength', () => {
  it('counts UTF-8 bytes of name=value', () => {
    assert.equal(cookieByteLength('sid', 'abc'), 7)
    assert.equal(cookieByteLength('a', ''), 2)
    assert.equal(cookieByteLength('a', 'é'), 4)
    assert.equal(cookieByteLength('a', '€'), 5)
    assert.equal(cookieByteLength('a', '😀'), 6)
    assert.equal(cookieByteLength('a', '\uD800'), 5)
    assert.equal(cookieByteLength('a', '\uDC00\uD800'), 8)
    assert.equal(cookieByteLength('sid', 'v'.repeat(4092)), 4096)
  })
})

describe('properties', () => {
  it('parseCookieHeader never throws and returns a null-prototype object for arbitrary input', () => {
    const line = fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: anyCodeUnit }))
    fc.assert(
      fc.property(fc.oneof(line, fc.array(line)), (header) => {
        const parsed = parseCookieHeader(header)
        assert.equal(Object.getPrototypeOf(parsed), null)
        for (const value of Object.values(parsed)) assert.equal(typeof value, 'string')
      }),
      { numRuns: 300 },
    )
  })

  it('serialize then parse round-trips any token name and cookie-octet value', () => {
    const name = fc.string({ unit: fc.constantFrom(...TOKEN_CHARS), minLength: 1 })
    const value = fc.string({ unit: fc.constantFrom(...COOKIE_OCTET_CHARS) })
    fc.assert(
      fc.property(name, value, (n, v) => {
        const header = serializeSetCookie(n, v)
        const pair = header.slice(0, header.indexOf('; Path=/'))
        assert.equal(pair, `${n}=${v}`)
        assert.equal(parseCookieHeader(pair)[n], v)
        assert.deepEqual(getCookieValues(`${pair}; ${pair}`, n), [v, v])
        assert.deepEqual(getCookieValues([pair, pair], n), [v, v])
      }),
      { numRuns: 300 },
    )
  })

  it('a header of serialized pairs, joined with ";" or sent as lines, parses back to those pairs', () => {
    const name = fc.string({ unit: fc.constantFrom(...TOKEN_CHARS), minLength: 1, maxLength: 6 })
    const value = fc.string({ unit: fc.constantFrom(...COOKIE_OCTET_CHARS) })
    const pairs = fc.array(fc.tuple(fc.oneof(name, fc.constant('sid')), value), { maxLength: 20 })
    fc.assert(
      fc.property(pairs, fc.constantFrom('; ', ';'), (list, separator) => {
        const sent = list.map(([n, v]) => {
          const header = serializeSetCookie(n, v)
          return header.slice(0, header.indexOf('; Path=/'))
        })
        for (const [n] of list) {
          const expected = list.filter(([other]) => other === n).map(([, v]) => v)
          assert.deepEqual(getCookieValues(sent.join(separator), n), expected)
          assert.deepEqual(getCookieValues(sent, n), expected)
          assert.equal(parseCookieHeader(sent.join(separator))[n], expected[0])
        }
      }),
      { numRuns: 300 },
    )
  })

  it('a comma is data: a value holding commas and "name=value" text stays one pair', () => {
    const name = fc.string({ unit: fc.constantFrom(...TOKEN_CHARS), minLength: 1, maxLength: 6 })
    const valueChar = fc.constantFrom(...COOKIE_OCTET_CHARS, ',', ' ', '=')
    const smuggled = fc.array(
      fc.tuple(fc.oneof(name, fc.constant('__Host-sid')), fc.string({ unit: valueChar })),
      {
        maxLength: 8,
      },
    )
    fc.assert(
      fc.property(name, smuggled, fc.constantFrom(',', ', '), (n, inside, comma) => {
        // What a browser sends back for `Set-Cookie: n=x,a=1,__Host-sid=2`: one cookie.
        const value = ['x', ...inside.map(([m, w]) => `${m}=${w}`)].join(comma)
        const header = `${n}=${value}`
        const parsed = parseCookieHeader(header)
        assert.deepEqual(Object.keys(parsed), [n])
        assert.equal(parsed[n], trimOws(value))
        for (const [m] of inside) {
          if (m !== n) assert.deepEqual(getCookieValues(header, m), [])
        }
      }),
      { numRuns: 300 },
    )
  })

  it('several header lines read exactly like the lines joined with "; "', () => {
    const line = fc.string({ unit: fc.constantFrom('s', 'i', 'd', '=', ';', ',', ' ', '"', 'a') })
    fc.assert(
      fc.property(
        fc.array(line, { maxLength: 6 }),
        fc.constantFrom('sid', 'a', 's'),
        (lines, n) => {
          assert.deepEqual(getCookieValues(lines, n), getCookieValues(lines.join('; '), n))
          assert.deepEqual(
            Object.entries(parseCookieHeader(lines)),
            Object.entries(parseCookieHeader(lines.join('; '))),
          )
        },
      ),
      { numRuns: 300 },
    )
  })

  it('serializeSetCookie either throws CookieOptionError or emits no CR, LF or NUL', () => {
    const text = fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary-ascii' }))
    fc.assert(
      fc.property(text, fc.option(text), fc.option(text), (name, path, domain) => {
        const options: CookieOptions = {}
        if (path !== null) options.path = path
        if (domain !== null) options.domain = domain
        let header: string
        try {
          header = serializeSetCookie(name, 'v', options)
        } catch (error) {
          assert.ok(error instanceof CookieOptionError)
          assert.equal(error.code, 'ERR_SESSION_COOKIE_OPTION')
          return
        }
        assert.doesNotMatch(header, /[\r\n\0]/)
        assert.match(header, /^[\x21-\x7e]+(?:; [\x21-\x7e]+(?: [\x21-\x7e]+)*)*$/)
      }),
      { numRuns: 300 },
    )
  })

  it('getCookieValues equals the filter of a reference split', () => {
    const names = ['sid', 'SID', 'a', 'sid2', '__Host-sid']
    const valueChar = fc.constantFrom('a', 'b', '=', '"', ' ', '\t', '%', 's', 'i', 'd')
    const pair = fc.tuple(
      fc.constantFrom('', ' ', '\t', '  '),
      fc.constantFrom(...names, ''),
      fc.constantFrom('', ' '),
      fc.constantFrom('=', '', '=='),
      fc.string({ unit: valueChar, maxLength: 8 }),
    )
    const separator = fc.constantFrom(';', ',', '; ', ', ', ';;', ' ;')
    const header = fc.oneof(
      fc
        .array(fc.tuple(pair, separator), { maxLength: 20 })
        .map((parts) =>
          parts.map(([[pre, n, mid, eq, v], sep]) => `${pre}${n}${mid}${eq}${v}${sep}`).join(''),
        ),
      fc.string({ unit: fc.constantFrom('s', 'i', 'd', '=', ';', ',', ' ', '"', 'a') }),
    )
    fc.assert(
      fc.property(header, fc.constantFrom(...names), (h, n) => {
        assert.deepEqual(getCookieValues(h, n), referenceValues(h, n))
        assert.equal(parseCookieHeader(h)[n], referenceValues(h, n)[0])
      }),
      { numRuns: 300 },
    )
  })

  it('a maxHeaderLength cut keeps exactly the pairs before it, as a reference split of the prefix', () => {
    const names = ['sid', 'a']
    const header = fc.string({ unit: fc.constantFrom('s', 'i', 'd', 'a', '=', ';', ' ', '"') })
    fc.assert(
      fc.property(header, fc.nat({ max: 40 }), fc.constantFrom(...names), (h, limit, n) => {
        let read = h
        if (h.length > limit) {
          const prefix = h.slice(0, limit)
          // A pair the cut shortens is dropped; one that ends right at the cut is kept.
          read = h[limit] === ';' ? prefix : prefix.slice(0, prefix.lastIndexOf(';') + 1)
        }
        const limits = { maxHeaderLength: limit }
        assert.deepEqual(getCookieValues(h, n, limits), referenceValues(read, n))
        assert.equal(parseCookieHeader(h, limits)[n], referenceValues(read, n)[0])
      }),
      { numRuns: 500 },
    )
  })

  it('cookieByteLength equals the TextEncoder byte count', () => {
    const encoder = new TextEncoder()
    const text = fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: anyCodeUnit }))
    fc.assert(
      fc.property(text, text, (name, value) => {
        assert.equal(cookieByteLength(name, value), encoder.encode(`${name}=${value}`).length)
      }),
      { numRuns: 300 },
    )
  })
})

describe("serializeResolvedSetCookie (the stores' fast path)", () => {
  it('writes what serializeSetCookie writes for the same resolved options', () => {
    const now = Date.UTC(2026, 10, 22)
    const resolved = resolveCookieOptions('__Host-sid', { sameSite: 'Strict' })
    assert.equal(
      serializeResolvedSetCookie('__Host-sid', 'abc', resolved, 3600, now),
      serializeSetCookie(
        '__Host-sid',
        'abc',
        { ...resolved, maxAge: 3600, expires: new Date(now + 3_600_000) },
        now,
      ),
    )
    assert.equal(
      serializeResolvedSetCookie('sid', 'abc', resolveCookieOptions('sid'), undefined, now),
      'sid=abc; Path=/; HttpOnly; Secure; SameSite=Lax',
    )
  })

  it('clamps Max-Age and Expires to 400 days and refuses a bad Max-Age', () => {
    const now = Date.UTC(2026, 10, 22)
    const header = serializeResolvedSetCookie('sid', 'v', resolveCookieOptions('sid'), 10 ** 9, now)
    assert.match(header, /; Max-Age=34560000;/)
    assert.match(header, new RegExp(`; Expires=${new Date(now + 34_560_000_000).toUTCString()};`))
    assert.throws(
      () => serializeResolvedSetCookie('sid', 'v', resolveCookieOptions('sid'), 1.5, now),
      { code: 'ERR_SESSION_COOKIE_OPTION' },
    )
  })
})
