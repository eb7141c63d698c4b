// PAR-11: arbitrary Cookie headers, and arbitrary values for our own cookie, through the whole
// request pipeline of each adapter: always a 200, never a 500, never an uncaught exception.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { sessions } from '../src/node.ts'
import { withSessions } from '../src/fetch.ts'
import {
  closeServer,
  cookiePair,
  forEachCrypto,
  makeStore,
  onlySetCookie,
  setCookiesNamed,
  startServer,
  valueOf,
} from './support/adapter-harness.ts'
import type { CryptoMode, TestServer } from './support/adapter-harness.ts'

const RUNS = 50 // per crypto backend, so 100 per adapter and property

const fromCodes = (codes: readonly number[]): fc.Arbitrary<string> =>
  fc.constantFrom(...codes.map((code) => String.fromCharCode(code)))

const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i)

/** What node's HTTP client accepts in a header value: visible ASCII, space and tab. */
const httpChar = fromCodes([0x09, ...range(0x20, 0x7e)])

/** What `new Headers()` accepts: any byte but NUL, CR and LF (outer whitespace is trimmed). */
const headersChar = fromCodes(range(0x01, 0xff).filter((c) => c !== 0x0a && c !== 0x0d))

/** Separators and cookie-ish characters, so generated headers hit the parser's edge cases. */
const cookieSyntax = fc.constantFrom(';', ',', '=', ' ', '"', '\t', '; ', 'app', 'app=')

function cookieHeader(char: fc.Arbitrary<string>): fc.Arbitrary<string> {
  const text = fc.string({ unit: fc.oneof(char, cookieSyntax), maxLength: 200 })
  const name = fc.oneof(
    fc.constantFrom('app', 'APP', ' app', '__proto__', 'constructor', 'hasOwnProperty', ''),
    fc.string({ unit: char, maxLength: 10 }),
  )
  const pairs = fc
    .array(fc.tuple(name, text), { maxLength: 8 })
    .chain((list) =>
      fc
        .constantFrom('; ', ';', ', ', ',')
        .map((separator) => list.map(([n, v]) => `${n}=${v}`).join(separator)),
    )
  return fc.oneof(text, pairs)
}

/** Values for our own cookie: arbitrary text, or a valid token that was damaged. */
function appValue(char: fc.Arbitrary<string>, valid: () => string): fc.Arbitrary<string> {
  const damaged = fc
    .tuple(fc.nat(), fc.constantFrom('flip', 'cut', 'append', 'quote', 'dup'), char)
    .map(([at, how, c]) => {
      const token = valid()
      const i = at % token.length
      switch (how) {
        case 'flip':
          return token.slice(0, i) + (token[i] === 'A' ? 'B' : 'A') + token.slice(i + 1)
        case 'cut':
          return token.slice(0, i)
        case 'append':
          return token + c
        case 'quote':
          return `"${token}"`
        case 'dup':
          return `${token}; app=${token.slice(0, i)}`
      }
    })
  return fc.oneof(fc.string({ unit: char, maxLength: 300 }), damaged)
}

/** Cookie headers that are valid for `new Headers()`: outer whitespace would be trimmed. */
function headerSafe(value: string): string {
  return value.replace(/^[\t ]+|[\t ]+$/g, '')
}

describe('adapter fuzz (PAR-11)', () => {
  describe('node:http adapter', () => {
    forEachCrypto((crypto: CryptoMode) => {
      const store = makeStore(crypto)
      const reported: unknown[] = []
      let server: TestServer
      let valid = ''

      before(async () => {
        server = await startServer(async (req, res) => {
          const session = await sessions(req, res, {
            onError: (error) => reported.push(error),
          }).get(store)
          session.increment('n')
          res.end(String(session.get('n')))
        })
        const response = await fetch(server.url)
        valid = valueOf(cookiePair(onlySetCookie(response.headers.getSetCookie(), 'app')))
      })
      after(async () => {
        await closeServer(server.server)
      })

      async function check(cookie: string): Promise<void> {
        const response = await fetch(server.url, { headers: { cookie } })
        const body = await response.text()
        assert.equal(response.status, 200, body)
        assert.match(body, /^\d+$/)
        assert.equal(setCookiesNamed(response.headers.getSetCookie(), 'app').length, 1)
      }

      it('arbitrary Cookie headers: always 200', async () => {
        await fc.assert(fc.asyncProperty(cookieHeader(httpChar), check), { numRuns: RUNS })
        assert.deepEqual(server.errors, [])
        assert.deepEqual(reported, [])
      })

      it('arbitrary values of our cookie: always 200', async () => {
        const property = fc.asyncProperty(
          appValue(httpChar, () => valid),
          cookieHeader(httpChar),
          async (value, rest) => {
            await check(`app=${value}; ${rest}`)
          },
        )
        await fc.assert(property, { numRuns: RUNS })
        assert.deepEqual(server.errors, [])
        assert.deepEqual(reported, [])
      })
    })
  })

  describe('Fetch adapter', () => {
    forEachCrypto((crypto: CryptoMode) => {
      const store = makeStore(crypto)
      let valid = ''
      const handler = withSessions(async (_request, registry) => {
        const session = await registry.get(store)
        session.increment('n')
        return new Response(String(session.get('n')))
      })

      before(async () => {
        const response = await handler(new Request('http://app.test/'))
        valid = valueOf(cookiePair(onlySetCookie(response.headers.getSetCookie(), 'app')))
      })

      async function check(cookie: string): Promise<void> {
        const request = new Request('http://app.test/', { headers: { cookie: headerSafe(cookie) } })
        const response = await handler(request)
        assert.equal(response.status, 200)
        assert.match(await response.text(), /^\d+$/)
        assert.equal(setCookiesNamed(response.headers.getSetCookie(), 'app').length, 1)
      }

      it('arbitrary Cookie headers: always 200', async () => {
        await fc.assert(fc.asyncProperty(cookieHeader(headersChar), check), { numRuns: RUNS })
      })

      it('arbitrary values of our cookie: always 200', async () => {
        const property = fc.asyncProperty(
          appValue(headersChar, () => valid),
          cookieHeader(headersChar),
          async (value, rest) => {
            await check(`app=${value}; ${rest}`)
          },
        )
        await fc.assert(property, { numRuns: RUNS })
      })

      it('several Cookie entries with arbitrary values: always 200', async () => {
        const property = fc.asyncProperty(
          fc.array(cookieHeader(headersChar), { maxLength: 4 }),
          appValue(headersChar, () => valid),
          async (lines, value) => {
            const headers = new Headers()
            for (const line of [...lines, `app=${value}`])
              headers.append('cookie', headerSafe(line))
            const response = await handler(new Request('http://app.test/', { headers }))
            assert.equal(response.status, 200)
          },
        )
        await fc.assert(property, { numRuns: RUNS })
      })
    })
  })
})
