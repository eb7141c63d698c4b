// `sessionkit inspect`: what a session cookie holds. With keys it verifies and opens the
// cookie as the stores do; without, it shows what anyone holding the cookie can read.

import { parseArgs } from 'node:util'

import type { KeyRing, TokenFormat } from '../index.ts'
import { cookiesFromInput, type CookieInput } from './cookie-input.ts'
import {
  gorillaContent,
  openGorilla,
  readGorilla,
  type GorillaContent,
  type GorillaLayout,
  type GorillaSerializer,
} from './gorilla.ts'
import {
  COMMON_OPTIONS,
  EXIT_FAILURE,
  EXIT_OK,
  failure,
  formatFields,
  isoTime,
  parse,
  usageError,
  writeJson,
  type Command,
  type ExitCode,
  type Io,
} from './io.ts'
import {
  GORILLA_BLOCK_ENV,
  GORILLA_HASH_ENV,
  gorillaKeysFrom,
  keyRingFrom,
  SESSION_KEYS,
  type GorillaPair,
} from './keys.ts'
import { openToken, readToken, tokenContent, type ReadToken, type TokenContent } from './token.ts'

const HELP = `Usage: sessionkit inspect <cookie> [options]

Verifies and opens a session cookie, or shows what can be read without keys. <cookie> is a
value, name=value, a whole 'Cookie: ...' header (every session cookie in it is inspected,
other cookies are skipped) or a 'Set-Cookie: ...' line; '-' reads it from standard input,
which keeps it out of the process list and the shell history.

Recognized formats:
  sessionkit tokens   sealed (AES-256-GCM) or signed (HMAC-SHA256): the cookie store's
                      session cookie and the server store's session id cookie
  gorilla cookies     gorilla/securecookie values, as gorilla/sessions' CookieStore writes
                      them (gob or Go's JSON, encrypted or signed only)

Keys (flags win over the environment):
  --key <id>=<secret>       a key ring entry (id:secret works too); repeat for more keys,
                            the first is the primary. Default: $${SESSION_KEYS}, as
                            comma-separated id:secret pairs, primary first
  --gorilla-hash <key>      gorilla hash key; repeat with --gorilla-block for rotated pairs,
                            in order. Default: $${GORILLA_HASH_ENV}
  --gorilla-block <key>     gorilla block key (omit for signed-only cookies).
                            Default: $${GORILLA_BLOCK_ENV}
                            A gorilla key is hex or base64 (as 'keygen --gorilla' prints
                            them); prefix it with text: for the bytes of the string itself
                            (Go's []byte(os.Getenv(...))), or hex: / base64: to be explicit.
                            Keys on the command line are visible to other local users:
                            prefer the environment.

Options:
  --name <name>             the cookie name (tokens are bound to it); needed for a bare value
                            when keys are given, and picks one cookie out of a header
  --purpose <purpose>       the token purpose: session (the cookie store) or session-id (the
                            server store's id cookie). Default: session, then session-id
  --max-age <seconds>       gorilla: the codec's MaxAge, 0 for no age check (default 2592000)
  --serializer <name>       gorilla: auto, gob or json (default auto: JSON when the values
                            start with '{', else gob)
  --json                    one JSON object: { cookies: [ { name, kind, format, opened,
                            reason, message, keyId, keyIndex, primary, purpose, hash,
                            issuedAt, expiresAt, content } ], skipped: [names] }
                            (see docs/cli.md)
  -h, --help                this help

Without keys: a sessionkit token's header is in the clear (format, key id, issue and expiry
times) and a signed token's payload is readable; a gorilla cookie's timestamp is readable,
and its values too unless it was encrypted. None of it is verified.

Exit codes: 0 every cookie was verified and opened; 1 a cookie did not open (a wrong key,
tampered, expired, malformed, no keys to verify it); 2 usage error.
`

/** Everything inspect says about one cookie. */
export interface CookieReport {
  readonly name: string | null
  readonly kind: 'sessionkit' | 'gorilla' | 'unknown'
  readonly format: TokenFormat | 'encrypted' | null
  /** Verified (MAC, times) and, when encrypted, decrypted. */
  readonly opened: boolean
  /** Why not: the stores' reason (`tampered`, `expired`, ...) or `no-keys`. */
  readonly reason: string | null
  readonly message: string | null
  readonly keyId: string | null
  /** Position of the key (or gorilla pair) that opened it; 0 is the primary. */
  readonly keyIndex: number | null
  readonly primary: boolean | null
  readonly purpose: string | null
  readonly hash: string | null
  readonly issuedAt: string | null
  readonly expiresAt: string | null
  /** Not verified unless `opened`. */
  readonly content: TokenContent | GorillaContent | null
}

interface Context {
  readonly ring: KeyRing | undefined
  readonly gorilla: readonly GorillaPair[] | undefined
  readonly purposes: readonly string[]
  readonly maxAge: number
  readonly serializer: GorillaSerializer
}

// Well above both stores' 4096-byte default, so a store configured larger still inspects; and
// a bound on what is decoded at all.
const MAX_VALUE_LENGTH = 65_536
const DEFAULT_GORILLA_MAX_AGE = 2_592_000
const PURPOSE = /^[A-Za-z0-9._:-]{1,64}$/
const SERIALIZERS: readonly GorillaSerializer[] = ['auto', 'gob', 'json']

const REASONS: Readonly<Record<string, string>> = {
  malformed: 'not a token of this kind: bad base64, a wrong layout or an unknown format byte',
  tampered: 'authentication failed: a changed byte, a wrong key, or another cookie name or purpose',
  expired: 'its authenticated expiry has passed',
  'not-yet-valid': 'its authenticated issue time lies in the future',
  'too-large': `longer than ${MAX_VALUE_LENGTH} characters; not decoded`,
}

export const inspectCommand: Command = { help: HELP, run: inspect }

async function inspect(args: readonly string[], io: Io): Promise<ExitCode> {
  const { values, positionals } = parse(() =>
    parseArgs({
      args: [...args],
      allowPositionals: true,
      strict: true,
      options: {
        ...COMMON_OPTIONS,
        key: { type: 'string', multiple: true },
        'gorilla-hash': { type: 'string', multiple: true },
        'gorilla-block': { type: 'string', multiple: true },
        name: { type: 'string' },
        purpose: { type: 'string' },
        'max-age': { type: 'string' },
        serializer: { type: 'string' },
      },
    }),
  )
  if (values.help === true) {
    io.out(HELP)
    return EXIT_OK
  }
  const [given, ...extra] = positionals
  if (given === undefined)
    throw usageError('give the cookie to inspect (or - to read it from stdin)')
  if (extra.length > 0) throw usageError('give one cookie argument (quote a whole header)')
  const context: Context = {
    ring: keyRingFrom(values.key ?? [], io.env),
    gorilla: gorillaKeysFrom(values['gorilla-hash'] ?? [], values['gorilla-block'] ?? [], io.env),
    purposes: purposesOf(values.purpose),
    maxAge: maxAgeOf(values['max-age']),
    serializer: serializerOf(values.serializer),
  }
  const input = given === '-' ? await io.readStdin() : given
  const cookies = selectCookies(cookiesFromInput(input), values.name, context)
  const all: CookieReport[] = []
  for (const cookie of cookies) all.push(await inspectCookie(cookie, context))
  // A whole Cookie header holds other cookies too (analytics, preferences): unless none is a
  // session cookie, those are named and set aside rather than failed.
  const known = all.filter((report) => report.kind !== 'unknown')
  const reports = known.length > 0 ? known : all
  const skipped = all.filter((report) => !reports.includes(report)).map((r) => r.name ?? '')
  if (values.json === true) writeJson(io, { cookies: reports, skipped })
  else io.out(reports.map(formatReport).join('\n') + skippedText(skipped))
  const failed = reports.filter((report) => !report.opened)
  for (const report of failed) {
    const which = report.name === null ? 'the cookie' : `cookie "${report.name}"`
    io.err(`sessionkit inspect: ${which} did not open: ${report.reason ?? 'unknown'}\n`)
  }
  return failed.length === 0 ? EXIT_OK : EXIT_FAILURE
}

function skippedText(names: readonly string[]): string {
  if (names.length === 0) return ''
  return `\nskipped (not sessionkit or gorilla cookies): ${names.join(', ')}\n`
}

function purposesOf(purpose: string | undefined): readonly string[] {
  if (purpose === undefined) return ['session', 'session-id']
  if (!PURPOSE.test(purpose))
    throw usageError('a purpose is 1-64 characters of A-Z a-z 0-9 . _ : -')
  return [purpose]
}

function maxAgeOf(text: string | undefined): number {
  if (text === undefined) return DEFAULT_GORILLA_MAX_AGE
  const value = Number(text)
  if (!/^[0-9]+$/.test(text) || !Number.isSafeInteger(value)) {
    throw usageError('--max-age is a whole number of seconds (0: no age check)')
  }
  return value
}

function serializerOf(text: string | undefined): GorillaSerializer {
  if (text === undefined) return 'auto'
  const found = SERIALIZERS.find((name) => name === text)
  if (found === undefined) throw usageError('--serializer is auto, gob or json')
  return found
}

function selectCookies(
  cookies: readonly CookieInput[],
  name: string | undefined,
  context: Context,
): CookieInput[] {
  if (cookies.length === 0 || cookies.every((cookie) => cookie.value === '')) {
    throw usageError('no cookie in the input')
  }
  if (name === undefined) {
    const hasKeys = context.ring !== undefined || context.gorilla !== undefined
    if (hasKeys && cookies.some((cookie) => cookie.name === undefined)) {
      throw usageError(
        'a cookie is bound to its name: give --name <cookie name>, or pass name=value',
      )
    }
    return [...cookies]
  }
  const named = cookies
    .map((cookie) => ({ name: cookie.name ?? name, value: cookie.value }))
    .filter((cookie) => cookie.name === name)
  if (named.length === 0) throw failure(`no cookie named "${name}" in the input`)
  return named
}

async function inspectCookie(cookie: CookieInput, context: Context): Promise<CookieReport> {
  const base = emptyReport(cookie.name ?? null)
  if (cookie.value.length > MAX_VALUE_LENGTH) return rejected(base, 'too-large')
  const gorilla = readGorilla(cookie.value)
  if (gorilla !== undefined) return inspectGorilla(cookie, gorilla, context)
  const token = readToken(cookie.value)
  if (token !== undefined) return inspectToken(cookie, token, context)
  return {
    ...base,
    reason: 'malformed',
    message:
      'neither a sessionkit token (unpadded base64url, format byte 1 or 2) nor a gorilla cookie (base64url of timestamp|value|mac)',
  }
}

function emptyReport(name: string | null): CookieReport {
  return {
    name,
    kind: 'unknown',
    format: null,
    opened: false,
    reason: null,
    message: null,
    keyId: null,
    keyIndex: null,
    primary: null,
    purpose: null,
    hash: null,
    issuedAt: null,
    expiresAt: null,
    content: null,
  }
}

function rejected(report: CookieReport, reason: string, message?: string): CookieReport {
  return { ...report, opened: false, reason, message: message ?? REASONS[reason] ?? null }
}

async function inspectToken(
  cookie: CookieInput,
  token: ReadToken,
  context: Context,
): Promise<CookieReport> {
  const { header, clearPayload } = token
  const given = context.purposes.length === 1 ? context.purposes[0] : undefined
  const report: CookieReport = {
    ...emptyReport(cookie.name ?? null),
    kind: 'sessionkit',
    format: header.format,
    keyId: header.keyId,
    issuedAt: isoTime(header.issuedAt),
    expiresAt: isoTime(header.expiresAt),
    content: clearPayload === undefined ? null : tokenContent(clearPayload, given),
  }
  const ring = context.ring
  if (ring === undefined || cookie.name === undefined) {
    const hidden =
      header.format === 'sealed'
        ? 'no keys, so the payload (encrypted) cannot be read nor the token verified'
        : 'no keys, so the payload (readable) is not verified'
    return rejected(report, 'no-keys', `${hidden}: give --key or set $${SESSION_KEYS}`)
  }
  if (!ring.has(header.keyId)) {
    return rejected(report, 'unknown-key', unknownKeyMessage(header.keyId, ring))
  }
  const outcome = await openToken(
    cookie.name,
    cookie.value,
    header.format,
    ring,
    context.purposes,
    MAX_VALUE_LENGTH,
  )
  if (!outcome.ok) return rejected(report, outcome.reason)
  const { opened, purpose } = outcome
  return {
    ...report,
    opened: true,
    keyIndex: ring.ids.indexOf(opened.keyId),
    primary: !opened.rotated,
    purpose,
    content: tokenContent(opened.payload, purpose),
  }
}

function unknownKeyMessage(keyId: string, ring: KeyRing): string {
  return `key id "${keyId}" is not among the keys given (${ring.ids.join(', ')})`
}

async function inspectGorilla(
  cookie: CookieInput,
  layout: GorillaLayout,
  context: Context,
): Promise<CookieReport> {
  const issued = layout.timestamp * 1000
  const readable = gorillaContent(layout.payload, context.serializer)
  const report: CookieReport = {
    ...emptyReport(cookie.name ?? null),
    kind: 'gorilla',
    // Without keys a payload that decodes was only signed; one that does not is encrypted,
    // or written with a serializer other than gob and Go's JSON.
    format: readable === undefined ? null : 'signed',
    hash: layout.hash ?? null,
    issuedAt: isoTime(issued),
    expiresAt: context.maxAge === 0 ? null : isoTime(issued + context.maxAge * 1000),
    content: readable ?? null,
  }
  const pairs = context.gorilla
  if (pairs === undefined || cookie.name === undefined) {
    const hidden =
      readable === undefined
        ? 'no keys, so the values (encrypted, or neither gob nor JSON) cannot be read nor the cookie verified'
        : 'no keys, so the values (readable: the cookie is only signed) are not verified'
    return rejected(report, 'no-keys', `${hidden}: give --gorilla-hash or set $${GORILLA_HASH_ENV}`)
  }
  const outcome = await openGorilla(cookie.name, cookie.value, pairs, {
    hash: layout.hash ?? 'sha256',
    maxAge: context.maxAge,
  })
  if (!outcome.ok) return rejected(report, outcome.reason, outcome.goMessage)
  const encrypted = pairs[outcome.pair]?.blockKey !== undefined
  const content = gorillaContent(outcome.payload, context.serializer)
  const opened: CookieReport = {
    ...report,
    format: encrypted ? 'encrypted' : 'signed',
    keyIndex: outcome.pair,
    primary: outcome.pair === 0,
    content: content ?? null,
  }
  if (content === undefined) {
    return rejected(opened, 'malformed', 'authentic, but the values are neither gob nor Go JSON')
  }
  return { ...opened, opened: true }
}

function formatReport(report: CookieReport): string {
  const fields: [string, string][] = []
  if (report.name !== null) fields.push(['cookie', report.name])
  fields.push(['kind', kindText(report)])
  if (report.keyId !== null) fields.push(['key id', report.keyId + keyNote(report)])
  else if (report.keyIndex !== null) {
    fields.push(['key pair', `${report.keyIndex + 1}${keyNote(report)}`])
  }
  if (report.purpose !== null) fields.push(['purpose', report.purpose])
  if (report.issuedAt !== null) {
    fields.push([report.kind === 'gorilla' ? 'timestamp' : 'issued at', report.issuedAt])
  }
  if (report.expiresAt !== null) fields.push(['expires at', report.expiresAt])
  fields.push(['status', report.opened ? 'opened' : `not opened (${report.reason ?? 'unknown'})`])
  if (report.message !== null) fields.push(['why', report.message])
  if (report.content !== null) fields.push(...contentFields(report.content, report.opened))
  return formatFields(fields)
}

function kindText(report: CookieReport): string {
  if (report.kind === 'unknown') return 'unknown'
  if (report.kind === 'sessionkit') {
    const suite = report.format === 'sealed' ? 'AES-256-GCM' : 'HMAC-SHA256'
    return `sessionkit token, ${report.format ?? ''} (${suite})`
  }
  const hash = (report.hash ?? 'unknown hash').toUpperCase()
  const format = report.format ?? 'encrypted or unreadable values'
  return `gorilla securecookie, ${format} (HMAC-${hash.replace(/^SHA/, 'SHA-')})`
}

function keyNote(report: CookieReport): string {
  if (report.primary === null) return ''
  return report.primary ? ' (primary)' : ' (not the primary: the store re-seals it)'
}

function contentFields(
  content: TokenContent | GorillaContent,
  verified: boolean,
): [string, string][] {
  const note = verified ? '' : ' (not verified)'
  switch (content.type) {
    case 'cookie-session': {
      const fields: [string, string][] = [
        [`values${note}`, JSON.stringify(content.values)],
        [`flashes${note}`, JSON.stringify(content.flashes)],
      ]
      if (content.createdAt !== null) fields.push(['created at', content.createdAt])
      if (content.maxAge !== null) fields.push(['max age', `${content.maxAge} s`])
      if (content.idleTimeout !== null) fields.push(['idle timeout', `${content.idleTimeout} s`])
      return fields
    }
    case 'session-id':
      return [[`session id${note}`, content.sessionId]]
    case 'text':
      return [[`payload${note}`, JSON.stringify(content.text)]]
    case 'bytes':
      return [[`payload${note}`, `${content.base64url} (base64url)`]]
    case 'gorilla-values':
      return [
        ['serializer', content.serializer],
        [`values${note}`, JSON.stringify(content.values)],
        [`flashes${note}`, JSON.stringify(content.flashes)],
      ]
  }
}
