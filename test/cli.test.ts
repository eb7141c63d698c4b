// The `sessionkit` command line, run as users run it: the built bin in a child process, with
// only the environment each test gives it. Cookies, keys and session stores are made with the
// library itself, so what the CLI reads is what applications write.

import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { after, describe, it } from 'node:test'
import fc from 'fast-check'

import {
  DEFAULT_FLASH_KEY,
  createCookieStore,
  createKeyRing,
  createMemoryDriver,
  createServerStore,
  createTokenCodec,
  generateKey,
  type KeyRing,
  type SessionDriver,
} from '../src/index.ts'
import { createFilesystemDriver } from '../src/filesystem.ts'
import {
  createGorillaCookieStore,
  createSecureCookie,
  goJsonSerializer,
} from '../src/securecookie.ts'
import { createSQLiteDriver } from '../src/sqlite.ts'
import { createRedisDriver } from '../src/redis.ts'
import { createPostgresDriver } from '../src/postgres.ts'
import { createMySQLDriver } from '../src/mysql.ts'
import { loadBetterSqlite3 } from './support/sqlite-databases.ts'
import { dropPrefix, testPrefix } from './support/redis.ts'
import { randomTable } from './support/postgres.ts'
import { createClient } from 'redis'
import pg from 'pg'
import mysql from 'mysql2/promise'

const BIN = resolve('build/src/cli/main.js')
const scratch = mkdtempSync(join(tmpdir(), 'sessionkit-cli-'))
after(() => {
  rmSync(scratch, { recursive: true, force: true })
})

interface Run {
  readonly status: number | null
  readonly stdout: string
  readonly stderr: string
}

interface RunOptions {
  readonly env?: Readonly<Record<string, string>>
  readonly input?: string
  readonly cwd?: string
}

/** Runs the bin with only PATH and `env` in its environment (no SESSION_KEYS from outside). */
function cli(args: readonly string[], options: RunOptions = {}): Run {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    env: { PATH: process.env['PATH'] ?? '', ...options.env },
    cwd: options.cwd ?? scratch,
    input: options.input ?? '',
    encoding: 'utf8',
    timeout: 30_000,
  })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

/** The bin's --json output, after checking the exit code. */
function json(run: Run, status = 0): unknown {
  assert.equal(
    run.status,
    status,
    `exit ${run.status}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`,
  )
  return JSON.parse(run.stdout)
}

function usage(run: Run, pattern: RegExp): void {
  assert.equal(run.status, 2, `exit ${run.status}: ${run.stderr}`)
  assert.match(run.stderr, pattern)
  assert.match(run.stderr, /Run 'sessionkit [a-z ]*--help' for usage/)
}

/** The cookie of a Set-Cookie value, as `name=value`. */
function pair(setCookie: string | undefined): string {
  assert.ok(setCookie !== undefined, 'the store sent a cookie')
  return setCookie.split(';')[0] ?? ''
}

function valueOf(setCookie: string | undefined): string {
  return pair(setCookie).split('=').slice(1).join('=')
}

interface Report {
  readonly name: string | null
  readonly kind: string
  readonly format: string | null
  readonly opened: boolean
  readonly reason: string | null
  readonly message: string | null
  readonly keyId: string | null
  readonly keyIndex: number | null
  readonly primary: boolean | null
  readonly purpose: string | null
  readonly hash: string | null
  readonly issuedAt: string | null
  readonly expiresAt: string | null
  readonly content: Record<string, unknown> | null
}

interface Inspected {
  readonly cookies: readonly Report[]
  readonly skipped: readonly string[]
}

function onlyReport(run: Run, status: number): Report {
  const { cookies } = json(run, status) as Inspected
  assert.equal(cookies.length, 1)
  const [report] = cookies
  assert.ok(report !== undefined)
  return report
}

const SECRET = generateKey()
const OLD_SECRET = generateKey()
const KEY = `2026-11=${SECRET}`
const OLD_KEY = `2026-05=${OLD_SECRET}`
const ring = createKeyRing([
  { id: '2026-11', secret: SECRET },
  { id: '2026-05', secret: OLD_SECRET },
])
const oldRing = createKeyRing([{ id: '2026-05', secret: OLD_SECRET }])

async function cookieStoreCookie(
  keys: KeyRing,
  format: 'sealed' | 'signed' = 'sealed',
  now = Date.now(),
): Promise<string> {
  const store = createCookieStore({ name: 'sess', keys, format, idleTimeout: 3600, now: () => now })
  const session = store.create()
  session.set('userId', 'u_42')
  session.addFlash(DEFAULT_FLASH_KEY, 'Welcome!')
  return pair(await store.save(session))
}

describe('sessionkit (top level)', () => {
  it('is the package bin, compiled with its shebang kept', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { bin: Record<string, string> }
    assert.deepEqual(pkg.bin, { sessionkit: './dist/cli/main.js' })
    assert.ok(readFileSync(BIN, 'utf8').startsWith('#!/usr/bin/env node\n'))
  })

  it('--help lists the commands and the exit codes', () => {
    const run = cli(['--help'])
    assert.equal(run.status, 0)
    for (const word of ['keygen', 'inspect', 'sessions', 'Exit codes', '--json']) {
      assert.ok(run.stdout.includes(word), word)
    }
  })

  it('without a command prints the usage to stderr and exits 2', () => {
    const run = cli([])
    assert.equal(run.status, 2)
    assert.match(run.stderr, /Usage: sessionkit <command>/)
    assert.equal(run.stdout, '')
  })

  it('an unknown command is a usage error', () => {
    usage(cli(['inspekt']), /unknown command "inspekt"/)
  })

  it('help <command> prints the command help', () => {
    const run = cli(['help', 'inspect'])
    assert.equal(run.status, 0)
    assert.match(run.stdout, /^Usage: sessionkit inspect/)
  })

  it('a usage error with --json also prints a JSON error object', () => {
    const out = json(cli(['keygen', '--hex', '--base64', '--json']), 2) as {
      error: { message: string; exitCode: number }
    }
    assert.deepEqual(out.error, { message: 'choose one encoding, not hex and base64', exitCode: 2 })
  })
})

describe('sessionkit keygen', () => {
  it('--help documents the encodings, --id, --gorilla and the exit codes', () => {
    const run = cli(['keygen', '--help'])
    assert.equal(run.status, 0)
    for (const flag of ['--hex', '--base64', '--base64url', '--id', '--gorilla', '--json']) {
      assert.ok(run.stdout.includes(flag), flag)
    }
    assert.match(run.stdout, /Exit codes/)
  })

  it('prints a base64url key by default that createKeyRing accepts, a new one each time', () => {
    const first = cli(['keygen'])
    const second = cli(['keygen'])
    assert.equal(first.status, 0)
    const key = first.stdout.trim()
    assert.match(key, /^[A-Za-z0-9_-]{43}$/)
    assert.notEqual(key, second.stdout.trim())
    assert.doesNotThrow(() => createKeyRing([{ id: 'k', secret: key }]))
  })

  for (const [flag, pattern, bytes] of [
    ['--hex', /^[0-9a-f]{64}$/, 32],
    ['--base64', /^[A-Za-z0-9+/]{43}=$/, 32],
    ['--base64url', /^[A-Za-z0-9_-]{43}$/, 32],
  ] as const) {
    it(`${flag} prints 32 random bytes in that encoding, accepted by createKeyRing`, () => {
      const out = json(cli(['keygen', flag, '--json'])) as { secret: string; encoding: string }
      assert.equal(out.encoding, flag.slice(2))
      assert.match(out.secret, pattern)
      const encoding = flag === '--hex' ? 'hex' : 'base64'
      assert.equal(Buffer.from(out.secret, encoding).length, bytes)
      assert.doesNotThrow(() => createKeyRing([{ id: 'k', secret: out.secret }]))
    })
  }

  it('--id prints the entry, its SESSION_KEY_<ID> line and a SESSION_KEYS line', () => {
    const run = cli(['keygen', '--id', '2026-11'])
    assert.equal(run.status, 0)
    const [entryLine, envLine, keysLine, ...rest] = run.stdout.trimEnd().split('\n')
    assert.deepEqual(rest, [])
    const entry = JSON.parse(entryLine ?? '') as { id: string; secret: string }
    assert.equal(entry.id, '2026-11')
    assert.equal(envLine, `SESSION_KEY_2026_11=${entry.secret}`)
    assert.equal(keysLine, `SESSION_KEYS=2026-11:${entry.secret}`)
    assert.doesNotThrow(() => createKeyRing([entry]))
  })

  it('--id --hex --json gives id, secret, encoding and the variable name', () => {
    const out = json(cli(['keygen', '--id', 'web.v2', '--hex', '--json'])) as {
      id: string
      secret: string
      encoding: string
      env: string
    }
    assert.deepEqual(Object.keys(out).sort(), ['encoding', 'env', 'id', 'secret'])
    assert.equal(out.env, 'SESSION_KEY_WEB_V2')
    assert.match(out.secret, /^[0-9a-f]{64}$/)
    assert.doesNotThrow(() => createKeyRing([{ id: out.id, secret: out.secret }]))
  })

  it('refuses a key id the key ring would refuse (exit 2)', () => {
    usage(cli(['keygen', '--id', 'not valid!']), /Key id "not valid!" must be 1-32 characters/)
  })

  it('--gorilla prints a 64-byte hash key and a 32-byte block key (hex by default)', async () => {
    const run = cli(['keygen', '--gorilla'])
    assert.equal(run.status, 0)
    const match =
      /^SESSIONKIT_GORILLA_HASH_KEY=([0-9a-f]{128})\nSESSIONKIT_GORILLA_BLOCK_KEY=([0-9a-f]{64})\n$/.exec(
        run.stdout,
      )
    assert.ok(match !== null, run.stdout)
    const hashKey = Buffer.from(match[1] ?? '', 'hex')
    const blockKey = Buffer.from(match[2] ?? '', 'hex')
    // A working securecookie pair (AES-256 needs exactly 32 bytes).
    const codec = createSecureCookie({ hashKey, blockKey })
    assert.deepEqual(await codec.decode('s', await codec.encode('s', { a: 1 })), { a: 1 })
    for (const secret of [match[1] ?? '', match[2] ?? '']) {
      assert.doesNotThrow(() => createKeyRing([{ id: 'k', secret }]))
    }
  })

  it('--gorilla --base64 --json gives both keys in standard base64', () => {
    const out = json(cli(['keygen', '--gorilla', '--base64', '--json'])) as {
      hashKey: string
      blockKey: string
      encoding: string
    }
    assert.equal(out.encoding, 'base64')
    assert.equal(Buffer.from(out.hashKey, 'base64').length, 64)
    assert.equal(Buffer.from(out.blockKey, 'base64').length, 32)
    assert.match(out.hashKey, /^[A-Za-z0-9+/]+=*$/)
    for (const secret of [out.hashKey, out.blockKey]) {
      assert.doesNotThrow(() => createKeyRing([{ id: 'k', secret }]))
    }
  })

  it('usage errors exit 2: two encodings, --gorilla with --id, an argument, an unknown flag', () => {
    usage(cli(['keygen', '--hex', '--base64']), /choose one encoding/)
    usage(cli(['keygen', '--gorilla', '--id', 'x']), /--id is for key ring entries/)
    usage(cli(['keygen', 'extra']), /unexpected argument "extra"/)
    usage(cli(['keygen', '--bits', '128']), /Unknown option '--bits'/)
  })
})

describe('sessionkit inspect: sessionkit tokens', () => {
  it('--help documents the keys, the options, the formats and the exit codes', () => {
    const run = cli(['inspect', '--help'])
    assert.equal(run.status, 0)
    for (const word of [
      '--key',
      'SESSION_KEYS',
      '--gorilla-hash',
      '--gorilla-block',
      'SESSIONKIT_GORILLA_HASH_KEY',
      '--name',
      '--purpose',
      '--max-age',
      '--serializer',
      '--json',
      'Exit codes',
    ]) {
      assert.ok(run.stdout.includes(word), word)
    }
  })

  it('opens a sealed cookie store cookie: header, primary key, values and flashes', async () => {
    const now = Date.now()
    const cookie = await cookieStoreCookie(ring, 'sealed', now)
    const report = onlyReport(cli(['inspect', cookie, '--key', KEY, '--key', OLD_KEY, '--json']), 0)
    assert.deepEqual(report, {
      name: 'sess',
      kind: 'sessionkit',
      format: 'sealed',
      opened: true,
      reason: null,
      message: null,
      keyId: '2026-11',
      keyIndex: 0,
      primary: true,
      purpose: 'session',
      hash: null,
      issuedAt: new Date(now).toISOString(),
      expiresAt: new Date(now + 3_600_000).toISOString(),
      content: {
        type: 'cookie-session',
        values: { userId: 'u_42' },
        flashes: { _flash: ['Welcome!'] },
        createdAt: new Date(now).toISOString(),
        maxAge: null,
        idleTimeout: null,
      },
    })
  })

  it('prints the same as text: fields, status and values', async () => {
    const cookie = await cookieStoreCookie(ring)
    const run = cli(['inspect', cookie, '--key', KEY])
    assert.equal(run.status, 0, run.stderr)
    assert.match(run.stdout, /^cookie: +sess$/m)
    assert.match(run.stdout, /^kind: +sessionkit token, sealed \(AES-256-GCM\)$/m)
    assert.match(run.stdout, /^key id: +2026-11 \(primary\)$/m)
    assert.match(run.stdout, /^status: +opened$/m)
    assert.match(run.stdout, /^values: +\{"userId":"u_42"\}$/m)
    assert.match(run.stdout, /^flashes: +\{"_flash":\["Welcome!"\]\}$/m)
    assert.equal(run.stderr, '')
  })

  it('reads the cookie as a value with --name, a Cookie header, a Set-Cookie line and stdin', async () => {
    const store = createCookieStore({ name: 'sess', keys: ring })
    const session = store.create()
    session.set('userId', 'u_42')
    const setCookie = await store.save(session)
    const value = valueOf(setCookie)
    const inputs: [string[], string][] = [
      [[value, '--name', 'sess'], ''],
      [[`sess=${value}`], ''],
      [[`Cookie: theme=dark; sess=${value}; _ga=GA1.2.3`], ''],
      [[`Set-Cookie: ${setCookie ?? ''}`], ''],
      [[setCookie ?? ''], ''],
      [['-', '--name', 'sess'], `${value}\n`],
    ]
    for (const [args, input] of inputs) {
      const out = json(cli(['inspect', ...args, '--key', KEY, '--json'], { input })) as Inspected
      assert.equal(out.cookies.length, 1, args.join(' '))
      assert.equal(out.cookies[0]?.name, 'sess')
      assert.deepEqual(out.cookies[0].content?.['values'], { userId: 'u_42' })
      const skipped = args[0]?.startsWith('Cookie:') === true ? ['theme', '_ga'] : []
      assert.deepEqual(out.skipped, skipped)
    }
  })

  it('takes the keys from SESSION_KEYS (id:secret pairs, as the example app reads them)', async () => {
    const cookie = await cookieStoreCookie(ring)
    const env = { SESSION_KEYS: `2026-11:${SECRET},2026-05:${OLD_SECRET}` }
    const report = onlyReport(cli(['inspect', cookie, '--json'], { env }), 0)
    assert.equal(report.opened, true)
    assert.equal(report.primary, true)
  })

  it('--key flags win over SESSION_KEYS', async () => {
    const cookie = await cookieStoreCookie(ring)
    const env = { SESSION_KEYS: `2026-11:${generateKey()}` }
    assert.equal(onlyReport(cli(['inspect', cookie, '--json'], { env }), 1).reason, 'tampered')
    assert.equal(
      onlyReport(cli(['inspect', cookie, '--key', KEY, '--json'], { env }), 0).opened,
      true,
    )
  })

  it('tells a cookie sealed with an older key: not the primary, its position in the ring', async () => {
    const cookie = await cookieStoreCookie(oldRing)
    const report = onlyReport(cli(['inspect', cookie, '--key', KEY, '--key', OLD_KEY, '--json']), 0)
    assert.equal(report.keyId, '2026-05')
    assert.equal(report.keyIndex, 1)
    assert.equal(report.primary, false)
    const text = cli(['inspect', cookie, '--key', KEY, '--key', OLD_KEY])
    assert.match(text.stdout, /^key id: +2026-05 \(not the primary/m)
  })

  it('without keys shows the clear header of a sealed token and says why it cannot open', async () => {
    const now = Date.now()
    const cookie = await cookieStoreCookie(ring, 'sealed', now)
    const run = cli(['inspect', cookie, '--json'])
    const report = onlyReport(run, 1)
    assert.equal(report.format, 'sealed')
    assert.equal(report.keyId, '2026-11')
    assert.equal(report.issuedAt, new Date(now).toISOString())
    assert.equal(report.expiresAt, new Date(now + 3_600_000).toISOString())
    assert.equal(report.opened, false)
    assert.equal(report.reason, 'no-keys')
    assert.match(report.message ?? '', /encrypted/)
    assert.equal(report.content, null)
    assert.equal(report.primary, null)
    assert.match(run.stderr, /cookie "sess" did not open: no-keys/)
  })

  it('without keys shows a signed token payload, marked as not verified', async () => {
    const cookie = await cookieStoreCookie(ring, 'signed')
    const report = onlyReport(cli(['inspect', cookie, '--json']), 1)
    assert.equal(report.format, 'signed')
    assert.equal(report.reason, 'no-keys')
    assert.deepEqual(report.content?.['values'], { userId: 'u_42' })
    const text = cli(['inspect', cookie])
    assert.equal(text.status, 1)
    assert.match(text.stdout, /^values \(not verified\): +\{"userId":"u_42"\}$/m)
    assert.match(text.stdout, /^kind: +sessionkit token, signed \(HMAC-SHA256\)$/m)
  })

  it('opens a signed cookie store cookie with its key', async () => {
    const cookie = await cookieStoreCookie(ring, 'signed')
    const report = onlyReport(cli(['inspect', cookie, '--key', KEY, '--json']), 0)
    assert.equal(report.format, 'signed')
    assert.equal(report.opened, true)
    assert.deepEqual(report.content?.['flashes'], { _flash: ['Welcome!'] })
  })

  it("opens the server store's id cookie: purpose session-id and the session id", async () => {
    const driver = createMemoryDriver()
    const store = createServerStore({ name: 'sid', driver, keys: ring })
    const session = store.create()
    session.set('userId', 'u_42')
    session.setUser('u_42')
    const cookie = pair(await store.save(session))
    const report = onlyReport(cli(['inspect', cookie, '--key', KEY, '--json']), 0)
    assert.equal(report.format, 'signed')
    assert.equal(report.purpose, 'session-id')
    assert.deepEqual(report.content, { type: 'session-id', sessionId: session.id })
    const explicit = cli(['inspect', cookie, '--key', KEY, '--purpose', 'session-id', '--json'])
    assert.equal(onlyReport(explicit, 0).purpose, 'session-id')
    // Bound to its purpose: as a cookie store token it does not authenticate.
    const wrong = cli(['inspect', cookie, '--key', KEY, '--purpose', 'session', '--json'])
    assert.equal(onlyReport(wrong, 1).reason, 'tampered')
    // Without keys the id is readable (signed), not verified.
    const bare = onlyReport(cli(['inspect', cookie, '--json']), 1)
    assert.equal(bare.content?.['sessionId'], session.id)
    await store.close()
  })

  it('a wrong key: tampered, exit 1, the reason on stderr', async () => {
    const cookie = await cookieStoreCookie(ring)
    const run = cli(['inspect', cookie, '--key', `2026-11=${generateKey()}`, '--json'])
    const report = onlyReport(run, 1)
    assert.equal(report.reason, 'tampered')
    assert.match(report.message ?? '', /authentication failed/)
    assert.equal(report.content, null)
    assert.match(run.stderr, /cookie "sess" did not open: tampered/)
    const text = cli(['inspect', cookie, '--key', `2026-11=${generateKey()}`])
    assert.match(text.stdout, /^status: +not opened \(tampered\)$/m)
  })

  it('a key id missing from the ring: unknown-key, naming the ids given', async () => {
    const cookie = await cookieStoreCookie(oldRing)
    const report = onlyReport(cli(['inspect', cookie, '--key', KEY, '--json']), 1)
    assert.equal(report.reason, 'unknown-key')
    assert.equal(report.message, 'key id "2026-05" is not among the keys given (2026-11)')
  })

  it('a changed byte: tampered', async () => {
    const cookie = await cookieStoreCookie(ring)
    const [name, value = ''] = cookie.split('=')
    const at = 40
    const swapped = value[at] === 'A' ? 'B' : 'A'
    const tampered = `${name ?? ''}=${value.slice(0, at)}${swapped}${value.slice(at + 1)}`
    assert.equal(
      onlyReport(cli(['inspect', tampered, '--key', KEY, '--json']), 1).reason,
      'tampered',
    )
  })

  it('another cookie name: tampered (tokens are bound to their name)', async () => {
    const cookie = await cookieStoreCookie(ring)
    const run = cli(['inspect', valueOf(cookie), '--name', 'other', '--key', KEY, '--json'])
    assert.equal(onlyReport(run, 1).reason, 'tampered')
  })

  it('an expired token: expired, with its times', async () => {
    const codec = createTokenCodec({ keys: ring, purpose: 'session' })
    const issuedAt = Date.now() - 7_200_000
    const expiresAt = issuedAt + 3_600_000
    const payload = JSON.stringify({ v: { a: 1 }, c: issuedAt })
    const token = await codec.seal('sess', payload, { issuedAt, expiresAt })
    const report = onlyReport(cli(['inspect', `sess=${token}`, '--key', KEY, '--json']), 1)
    assert.equal(report.reason, 'expired')
    assert.equal(report.issuedAt, new Date(issuedAt).toISOString())
    assert.equal(report.expiresAt, new Date(expiresAt).toISOString())
  })

  it('a token of another purpose opens with --purpose and shows its payload as text', async () => {
    const codec = createTokenCodec({ keys: ring, format: 'signed', purpose: 'magic-link' })
    const token = await codec.seal('link', 'user=42', { expiresAt: Date.now() + 60_000 })
    const run = cli(['inspect', `link=${token}`, '--key', KEY, '--purpose', 'magic-link', '--json'])
    assert.deepEqual(onlyReport(run, 0).content, { type: 'text', text: 'user=42' })
    const without = cli(['inspect', `link=${token}`, '--key', KEY, '--json'])
    assert.equal(onlyReport(without, 1).reason, 'tampered')
  })

  it('malformed input: exit 1 with the reason; an over-long value is not decoded', () => {
    for (const value of ['not-a-token!', 'AAAA', 'x'.repeat(5)]) {
      const report = onlyReport(cli(['inspect', `sess=${value}`, '--key', KEY, '--json']), 1)
      assert.equal(report.kind, 'unknown')
      assert.equal(report.reason, 'malformed', value)
    }
    const long = onlyReport(cli(['inspect', `sess=${'A'.repeat(70_000)}`, '--json']), 1)
    assert.equal(long.reason, 'too-large')
  })

  it('a Cookie header without session cookies reports them as malformed', () => {
    const out = json(cli(['inspect', 'Cookie: theme=dark; lang=en', '--json']), 1) as Inspected
    assert.deepEqual(
      out.cookies.map((report) => [report.name, report.reason]),
      [
        ['theme', 'malformed'],
        ['lang', 'malformed'],
      ],
    )
  })

  it('--name picks one cookie out of a header, and fails when it is not there', async () => {
    const cookie = await cookieStoreCookie(ring)
    const header = `Cookie: ${cookie}; other=${valueOf(cookie)}`
    const out = json(
      cli(['inspect', header, '--name', 'sess', '--key', KEY, '--json']),
    ) as Inspected
    assert.deepEqual(
      out.cookies.map((report) => report.name),
      ['sess'],
    )
    const missing = cli(['inspect', header, '--name', 'nope', '--key', KEY])
    assert.equal(missing.status, 1)
    assert.match(missing.stderr, /no cookie named "nope" in the input/)
  })

  it('never opens a changed token and reports every garbage value (property)', async () => {
    const server = createServerStore({ name: 'sess', driver: createMemoryDriver(), keys: ring })
    const session = server.create()
    session.set('a', 1)
    const tokens = [
      valueOf(await cookieStoreCookie(ring)),
      valueOf(await cookieStoreCookie(ring, 'signed')),
      valueOf(await cookieStoreCookie(oldRing)),
      valueOf(await server.save(session)),
    ]
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.split('')
    // One character replaced by another: the token is not the one that was made.
    const changed = fc
      .record({
        token: fc.constantFrom(...tokens),
        at: fc.nat(),
        step: fc.integer({ min: 1, max: 63 }),
      })
      .map(({ token, at, step }) => {
        const i = at % token.length
        const next = alphabet[(alphabet.indexOf(token[i] ?? 'A') + step) % alphabet.length] ?? 'A'
        return token.slice(0, i) + next + token.slice(i + 1)
      })
    const garbage = fc.string({
      unit: fc.constantFrom(...alphabet, '=', '|', '+', '/'),
      minLength: 1,
      maxLength: 300,
    })
    // Shaped like gorilla values (timestamp|payload|mac), with a random MAC.
    const gorillaLike = fc
      .tuple(
        fc.nat(),
        fc.uint8Array({ maxLength: 80 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
      )
      .map(([ts, payload, mac]) => {
        const inner = Buffer.from(payload)
          .toString('base64')
          .replaceAll('+', '-')
          .replaceAll('/', '_')
        const raw = Buffer.concat([Buffer.from(`${ts}|${inner}|`), mac])
        return raw.toString('base64').replaceAll('+', '-').replaceAll('/', '_')
      })
    const gorillaFlags = ['--gorilla-hash', 'ab'.repeat(32)]
    fc.assert(
      fc.property(
        fc.array(fc.oneof(changed, garbage, gorillaLike), { minLength: 30, maxLength: 60 }),
        (values) => {
          const input = `Cookie: ${values.map((value) => `sess=${value}`).join('; ')}`
          const run = cli(
            ['inspect', '-', '--key', KEY, '--key', OLD_KEY, ...gorillaFlags, '--json'],
            {
              input,
            },
          )
          const out = json(run, 1) as Inspected
          assert.equal(out.cookies.length + out.skipped.length, values.length)
          for (const report of out.cookies) {
            assert.equal(report.opened, false)
            assert.ok(
              ['malformed', 'tampered', 'unknown-key'].includes(report.reason ?? ''),
              report.reason ?? '',
            )
          }
        },
      ),
      { numRuns: 4 },
    )
    await server.close()
  })

  it('usage errors exit 2', async () => {
    const cookie = await cookieStoreCookie(ring)
    usage(cli(['inspect']), /give the cookie to inspect/)
    usage(cli(['inspect', 'a', 'b']), /give one cookie argument/)
    usage(cli(['inspect', '']), /no cookie in the input/)
    usage(cli(['inspect', valueOf(cookie), '--key', KEY]), /give --name/)
    usage(cli(['inspect', cookie, '--purpose', 'no spaces']), /a purpose is 1-64 characters/)
    usage(cli(['inspect', cookie, '--serializer', 'xml']), /--serializer is auto, gob or json/)
    usage(cli(['inspect', cookie, '--max-age=-1']), /--max-age is a whole number/)
    usage(cli(['inspect', cookie, '--key', 'no-separator']), /--key: key 1 is not an id:secret/)
    usage(cli(['inspect', cookie, '--keys', KEY]), /Unknown option '--keys'/)
    usage(cli(['inspect', cookie], { env: { SESSION_KEYS: ' ' } }), /SESSION_KEYS is set but empty/)
  })

  it('a weak key is refused (exit 2) with the key ring message, never echoing the secret', async () => {
    const cookie = await cookieStoreCookie(ring)
    const secret = 'correct horse battery staple'
    const run = cli(['inspect', cookie, '--key', `pw=${secret}`])
    usage(run, /--key: The `secret` of key "pw"/)
    assert.ok(!run.stderr.includes(secret))
    const env = cli(['inspect', cookie], { env: { SESSION_KEYS: `k1:${'ab'.repeat(32)}` } })
    usage(env, /SESSION_KEYS: The `secret` of key "k1" is not random/)
  })
})

describe('sessionkit inspect: gorilla cookies', () => {
  const hashKey = Buffer.from(generateKey(), 'base64url').toString('hex').repeat(2)
  const blockKey = Buffer.from(generateKey(), 'base64url').toString('hex')
  const gorillaFlags = ['--gorilla-hash', hashKey, '--gorilla-block', blockKey]

  async function gorillaCookie(
    options: { json?: boolean; signedOnly?: boolean; now?: number } = {},
  ): Promise<string> {
    const keyPairs = [
      Buffer.from(hashKey, 'hex'),
      options.signedOnly === true ? null : Buffer.from(blockKey, 'hex'),
    ]
    const store = createGorillaCookieStore({
      name: 'session',
      keyPairs,
      ...(options.json === true ? { serializer: goJsonSerializer } : {}),
      ...(options.now === undefined ? {} : { now: () => options.now ?? 0 }),
    })
    const session = store.create()
    session.set('user', 'alice')
    session.set('visits', 3)
    session.addFlash(DEFAULT_FLASH_KEY, 'Saved')
    return pair(await store.save(session))
  }

  it('opens a gob cookie (gorilla/sessions default): values, flashes, the timestamp', async () => {
    const now = Date.now()
    const cookie = await gorillaCookie({ now })
    const report = onlyReport(cli(['inspect', cookie, ...gorillaFlags, '--json']), 0)
    const issued = Math.floor(now / 1000) * 1000
    assert.deepEqual(report, {
      name: 'session',
      kind: 'gorilla',
      format: 'encrypted',
      opened: true,
      reason: null,
      message: null,
      keyId: null,
      keyIndex: 0,
      primary: true,
      purpose: null,
      hash: 'sha256',
      issuedAt: new Date(issued).toISOString(),
      expiresAt: new Date(issued + 2_592_000_000).toISOString(),
      content: {
        type: 'gorilla-values',
        serializer: 'gob',
        values: { user: 'alice', visits: 3 },
        flashes: { _flash: ['Saved'] },
      },
    })
  })

  it('opens a Go JSON cookie', async () => {
    const cookie = await gorillaCookie({ json: true })
    const report = onlyReport(cli(['inspect', cookie, ...gorillaFlags, '--json']), 0)
    assert.equal(report.content?.['serializer'], 'json')
    assert.deepEqual(report.content['values'], { user: 'alice', visits: 3 })
    const forced = cli(['inspect', cookie, ...gorillaFlags, '--serializer', 'gob', '--json'])
    assert.equal(onlyReport(forced, 1).reason, 'malformed')
  })

  it('prints the gorilla fields as text', async () => {
    const cookie = await gorillaCookie()
    const run = cli(['inspect', cookie, ...gorillaFlags])
    assert.equal(run.status, 0, run.stderr)
    assert.match(run.stdout, /^kind: +gorilla securecookie, encrypted \(HMAC-SHA-256\)$/m)
    assert.match(run.stdout, /^key pair: +1 \(primary\)$/m)
    assert.match(run.stdout, /^serializer: +gob$/m)
    assert.match(run.stdout, /^values: +\{"user":"alice","visits":3\}$/m)
  })

  it('takes the keys from SESSIONKIT_GORILLA_HASH_KEY and _BLOCK_KEY, hex or base64', async () => {
    const cookie = await gorillaCookie()
    for (const [hash, block] of [
      [hashKey, blockKey],
      [
        Buffer.from(hashKey, 'hex').toString('base64'),
        Buffer.from(blockKey, 'hex').toString('base64'),
      ],
      [`hex:${hashKey}`, `base64:${Buffer.from(blockKey, 'hex').toString('base64url')}`],
    ] as const) {
      const env = { SESSIONKIT_GORILLA_HASH_KEY: hash, SESSIONKIT_GORILLA_BLOCK_KEY: block }
      assert.equal(onlyReport(cli(['inspect', cookie, '--json'], { env }), 0).opened, true)
    }
  })

  it("text: keys are the string's own bytes, as Go's []byte(os.Getenv(...))", async () => {
    const store = createGorillaCookieStore({
      name: 'session',
      keyPairs: ['a-hash-key-from-go', '0123456789abcdef'],
    })
    const session = store.create()
    session.set('user', 'bob')
    const cookie = pair(await store.save(session))
    const flags = [
      '--gorilla-hash',
      'text:a-hash-key-from-go',
      '--gorilla-block',
      'text:0123456789abcdef',
    ]
    assert.equal(onlyReport(cli(['inspect', cookie, ...flags, '--json']), 0).opened, true)
  })

  it('finds the pair that wrote it among rotated pairs', async () => {
    const cookie = await gorillaCookie()
    const newer = Buffer.from(generateKey(), 'base64url').toString('hex')
    const flags = [...['--gorilla-hash', newer, '--gorilla-block', newer], ...gorillaFlags]
    const report = onlyReport(cli(['inspect', cookie, ...flags, '--json']), 0)
    assert.equal(report.keyIndex, 1)
    assert.equal(report.primary, false)
  })

  it('without keys: the timestamp, and no values for an encrypted cookie', async () => {
    const now = Date.now()
    const cookie = await gorillaCookie({ now })
    const report = onlyReport(cli(['inspect', cookie, '--json']), 1)
    assert.equal(report.kind, 'gorilla')
    assert.equal(report.format, null)
    assert.equal(report.reason, 'no-keys')
    assert.equal(report.issuedAt, new Date(Math.floor(now / 1000) * 1000).toISOString())
    assert.equal(report.content, null)
    assert.match(report.message ?? '', /encrypted/)
  })

  it('without keys: the values of a signed-only cookie, not verified', async () => {
    const cookie = await gorillaCookie({ signedOnly: true })
    const report = onlyReport(cli(['inspect', cookie, '--json']), 1)
    assert.equal(report.format, 'signed')
    assert.equal(report.reason, 'no-keys')
    assert.deepEqual(report.content?.['values'], { user: 'alice', visits: 3 })
    const opened = onlyReport(cli(['inspect', cookie, '--gorilla-hash', hashKey, '--json']), 0)
    assert.equal(opened.format, 'signed')
  })

  it("a wrong key: tampered, with gorilla's message", async () => {
    const cookie = await gorillaCookie()
    const other = Buffer.from(generateKey(), 'base64url').toString('hex')
    const run = cli([
      'inspect',
      cookie,
      '--gorilla-hash',
      other,
      '--gorilla-block',
      blockKey,
      '--json',
    ])
    const report = onlyReport(run, 1)
    assert.equal(report.reason, 'tampered')
    assert.equal(report.message, 'securecookie: the value is not valid')
  })

  it('older than --max-age: expired', async () => {
    const cookie = await gorillaCookie({ now: Date.now() - 3_600_000 })
    const run = cli(['inspect', cookie, ...gorillaFlags, '--max-age', '60', '--json'])
    const report = onlyReport(run, 1)
    assert.equal(report.reason, 'expired')
    assert.equal(report.message, 'securecookie: expired timestamp')
    assert.equal(onlyReport(cli(['inspect', cookie, ...gorillaFlags, '--json']), 0).opened, true)
  })

  it('usage errors: a block key of the wrong size, a block key without a hash key', async () => {
    const cookie = await gorillaCookie()
    usage(
      cli(['inspect', cookie, '--gorilla-hash', hashKey, '--gorilla-block', 'abcd']),
      /crypto\/aes: invalid key size 2/,
    )
    usage(cli(['inspect', cookie, '--gorilla-block', blockKey]), /needs a hash key/)
  })
})

describe('sessionkit sessions', () => {
  const DAY = 86_400_000

  /** Fills a store: two sessions of u1 (with labels), one of u2, one of u3 already expired. */
  async function fill(driver: SessionDriver): Promise<Filled> {
    const keys = createKeyRing([{ id: 'k', secret: generateKey() }])
    const store = createServerStore({ name: 'sid', driver, keys })
    const past = createServerStore({ name: 'sid', driver, keys, now: () => Date.now() - 2 * DAY })
    const u1Ids: string[] = []
    for (const [target, user, device] of [
      [store, 'u1', 'Firefox'],
      [store, 'u1', 'Phone'],
      [store, 'u2', 'Laptop'],
      [past, 'u3', 'Old'],
    ] as const) {
      const session = target.create()
      session.set('n', 1)
      session.setUser(user, { device })
      await target.save(session)
      if (user === 'u1') u1Ids.push(String(session.id))
    }
    const u1 = (await store.listByUser('u1')).map((summary) => summary.handle)
    const u2 = (await store.listByUser('u2')).map((summary) => summary.handle)
    return { u1, u2, u1Ids }
  }

  /** The handles of the sessions of u1 and u2 (oldest first), and the ids of u1's. */
  interface Filled {
    readonly u1: string[]
    readonly u2: string[]
    readonly u1Ids: string[]
  }

  interface Listed {
    readonly user: string
    readonly sessions: readonly {
      readonly handle: string
      readonly createdAt: string
      readonly lastSeenAt: string
      readonly expiresAt: string
      readonly meta: Readonly<Record<string, string>> | null
    }[]
  }

  /** `expired`: how many expired sessions prune finds (Redis removes them itself, by TTL). */
  function exercise(flags: readonly string[], ids: Filled, options: RunOptions = {}, expired = 1) {
    const listed = json(
      cli(['sessions', 'list', '--user', 'u1', ...flags, '--json'], options),
    ) as Listed
    assert.equal(listed.user, 'u1')
    assert.deepEqual(
      listed.sessions.map((s) => s.handle),
      ids.u1,
    )
    for (const s of listed.sessions) assert.deepEqual(Object.keys(s).includes('id'), false)
    assert.deepEqual(
      listed.sessions.map((s) => s.meta),
      [{ device: 'Firefox' }, { device: 'Phone' }],
    )
    for (const s of listed.sessions) {
      assert.ok(Date.parse(s.createdAt) <= Date.parse(s.lastSeenAt))
      assert.ok(Date.parse(s.expiresAt) > Date.now())
    }
    const text = cli(['sessions', 'list', '--user', 'u1', ...flags], options)
    assert.equal(text.status, 0, text.stderr)
    assert.match(text.stdout, /^2 sessions of user "u1":$/m)
    for (const handle of ids.u1) assert.ok(text.stdout.includes(handle))
    for (const id of ids.u1Ids) assert.ok(!text.stdout.includes(id), 'no session id is listed')
    assert.match(text.stdout, /labels: +\{"device":"Phone"\}/)

    const [first = '', second = ''] = ids.u1
    assert.deepEqual(
      json(cli(['sessions', 'destroy', '--handle', first, ...flags, '--json'], options)),
      {
        destroyed: 1,
      },
    )
    const again = cli(['sessions', 'destroy', '--handle', first, ...flags], options)
    assert.equal(again.status, 1)
    assert.match(again.stderr, /no session with that handle/)
    // Its id names the same session, now gone.
    const byId = cli(['sessions', 'destroy', `--id=${ids.u1Ids[0] ?? ''}`, ...flags], options)
    assert.equal(byId.status, 1)
    assert.match(byId.stderr, /no session with that id/)
    const mixed = cli(['sessions', 'destroy', `--id=${second}`, ...flags], options)
    assert.equal(mixed.status, 2, 'a handle given as --id is a usage error')
    assert.match(mixed.stderr, /use --handle/)
    const after = json(
      cli(['sessions', 'list', '--user', 'u1', ...flags, '--json'], options),
    ) as Listed
    assert.deepEqual(
      after.sessions.map((s) => s.handle),
      [second],
    )

    const byUser = cli(['sessions', 'destroy', '--user', 'u2', ...flags], options)
    assert.equal(byUser.status, 0, byUser.stderr)
    assert.equal(byUser.stdout, 'destroyed 1 session\n')
    const none = json(
      cli(['sessions', 'list', '--user', 'u2', ...flags, '--json'], options),
    ) as Listed
    assert.deepEqual(none.sessions, [])
    assert.equal(
      cli(['sessions', 'list', '--user', 'u2', ...flags], options).stdout,
      'no sessions of user "u2"\n',
    )

    assert.deepEqual(json(cli(['sessions', 'prune', ...flags, '--json'], options)), {
      pruned: expired,
    })
    assert.equal(
      cli(['sessions', 'prune', ...flags], options).stdout,
      'pruned 0 expired sessions\n',
    )
  }

  it('--help documents the commands, the drivers, the config file and the exit codes', () => {
    const run = cli(['sessions', '--help'])
    assert.equal(run.status, 0)
    for (const word of [
      'list',
      'destroy',
      'prune',
      '--config',
      '--driver',
      '--directory',
      '--database',
      '--table',
      'Redis',
      '--url',
      '--prefix',
      'SESSIONKIT_STORE_URL',
      'Exit codes',
    ]) {
      assert.ok(run.stdout.includes(word), word)
    }
    for (const command of ['list', 'destroy', 'prune']) {
      const help = cli(['sessions', command, '--help'])
      assert.equal(help.status, 0)
      assert.match(help.stdout, new RegExp(`^Usage: sessionkit sessions ${command}`))
    }
  })

  it('lists, destroys and prunes the sessions of a filesystem driver', async () => {
    const directory = mkdtempSync(join(scratch, 'fs-'))
    const driver = createFilesystemDriver({ directory, sweepInterval: 0 })
    const ids = await fill(driver)
    await driver.close()
    exercise(['--driver', 'filesystem', '--directory', directory], ids)
  })

  it('reads the driver from a config file, ./sessionkit.config.json by default', async () => {
    const project = mkdtempSync(join(scratch, 'project-'))
    const directory = join(project, 'sessions')
    const driver = createFilesystemDriver({ directory, sweepInterval: 0 })
    const ids = await fill(driver)
    await driver.close()
    // The path is relative to the file, so the file works from any directory.
    const config = { driver: 'filesystem', directory: 'sessions' }
    writeFileSync(join(project, 'sessionkit.config.json'), JSON.stringify(config))
    const listed = json(
      cli(['sessions', 'list', '--user', 'u2', '--json'], { cwd: project }),
    ) as Listed
    assert.deepEqual(
      listed.sessions.map((s) => s.handle),
      ids.u2,
    )
    exercise(['--config', join(project, 'sessionkit.config.json')], ids)
  })

  it('lists, destroys and prunes the sessions of a SQLite database', async () => {
    const file = join(mkdtempSync(join(scratch, 'sqlite-')), 'sessions.db')
    const Database = loadBetterSqlite3()
    const database = new Database(file)
    const driver = createSQLiteDriver({ database, sweepInterval: 0 })
    const ids = await fill(driver)
    await driver.close()
    database.close()
    exercise(['--driver', 'sqlite', '--database', file], ids)
    const config = join(scratch, 'sqlite.config.json')
    writeFileSync(config, JSON.stringify({ driver: 'sqlite', database: file }))
    const listed = json(
      cli(['sessions', 'list', '--user', 'u1', '--config', config, '--json']),
    ) as Listed
    assert.equal(listed.sessions.length, 1)
    const byId = cli(['sessions', 'destroy', `--id=${ids.u1Ids[1] ?? ''}`, '--config', config])
    assert.equal(byId.stdout, 'destroyed 1 session\n', byId.stderr)
    const gone = json(
      cli(['sessions', 'list', '--user', 'u1', '--config', config, '--json']),
    ) as Listed
    assert.deepEqual(gone.sessions, [])
    // A table that is not there is an error, not a new table.
    const other = cli(['sessions', 'prune', '--config', config, '--table', 'other_sessions'])
    assert.equal(other.status, 1)
    assert.match(other.stderr, /no such table/)
  })

  it('lists, destroys and prunes the sessions of a Redis server (node-redis from a URL)', async () => {
    const url = 'redis://127.0.0.1:6379'
    const client = createClient({ url })
    await client.connect()
    const prefix = testPrefix('cli')
    try {
      const driver = createRedisDriver({ client, prefix })
      const ids = await fill(driver)
      await driver.close()
      exercise(['--driver', 'redis', '--url', url, '--prefix', prefix], ids, {}, 0)
      // The URL may come from the environment instead (no password in the process list).
      const fromEnv = cli(
        ['sessions', 'list', '--user', 'u1', '--driver', 'redis', '--prefix', prefix],
        {
          env: { SESSIONKIT_STORE_URL: url },
        },
      )
      assert.equal(fromEnv.status, 0, fromEnv.stderr)
      assert.match(fromEnv.stdout, /^1 session of user "u1":$/m)
      // Another prefix is another store: none of these sessions are in it.
      const other = cli([
        'sessions',
        'list',
        '--user',
        'u1',
        '--driver',
        'redis',
        '--url',
        url,
        '--prefix',
        `${prefix}other:`,
      ])
      assert.equal(other.stdout, 'no sessions of user "u1"\n', other.stderr)
    } finally {
      await dropPrefix(client, prefix)
      await client.quit()
    }
  })

  it('lists, destroys and prunes the sessions of a PostgreSQL table (pg from a URL)', async () => {
    const url = 'postgres://postgres@127.0.0.1:5432/test'
    const pool = new pg.Pool({ connectionString: url, max: 2 })
    const table = randomTable('sk_cli')
    try {
      const driver = createPostgresDriver({ client: pool, table })
      await driver.migrate()
      const ids = await fill(driver)
      await driver.close()
      const config = join(scratch, 'postgres.config.json')
      writeFileSync(config, JSON.stringify({ driver: 'postgresql', url, table }))
      exercise(['--config', config], ids)
      const missing = cli(['sessions', 'prune', '--config', config, '--table', `${table}_none`])
      assert.equal(missing.status, 1)
      assert.match(missing.stderr, /does not exist/)
    } finally {
      await pool.query(`DROP TABLE IF EXISTS ${table}`)
      await pool.end()
    }
  })

  it('lists, destroys and prunes the sessions of a MySQL/MariaDB table (mysql2 from a URL)', async () => {
    const url = 'mysql://root@127.0.0.1:3306/test'
    const pool = mysql.createPool({ uri: url, connectionLimit: 2 })
    const table = randomTable('sk_cli')
    try {
      const driver = createMySQLDriver({ client: pool, table })
      await driver.migrate()
      const ids = await fill(driver)
      await driver.close()
      exercise(['--driver', 'mariadb', '--url', url, '--table', table], ids)
      const missing = cli([
        'sessions',
        'prune',
        '--driver',
        'mysql',
        '--url',
        url,
        '--table',
        `${table}_none`,
      ])
      assert.equal(missing.status, 1)
      assert.match(missing.stderr, /doesn't exist/)
    } finally {
      await pool.query(`DROP TABLE IF EXISTS ${table}`)
      await pool.end()
    }
  })

  it('a server that cannot be reached is a failure (exit 1), its password never printed', () => {
    // A port nothing listens on: connection refused at once, no retry loop.
    for (const [driver, url] of [
      ['redis', 'redis://:hunter2secret@127.0.0.1:1'],
      ['postgres', 'postgres://me:hunter2secret@127.0.0.1:1/test'],
      ['mysql', 'mysql://me:hunter2secret@127.0.0.1:1/test'],
    ] as const) {
      const run = cli(['sessions', 'prune', '--driver', driver, '--url', url])
      assert.equal(run.status, 1, `${driver}: ${run.stderr}`)
      assert.match(run.stderr, new RegExp(`cannot connect to ${driver} at `))
      assert.match(run.stderr, /ECONNREFUSED/)
      assert.ok(!run.stderr.includes('hunter2secret'), `${driver} printed the password`)
      assert.ok(!run.stdout.includes('hunter2secret'))
    }
  })

  it('a missing directory or database file is a failure (exit 1), and nothing is created', () => {
    const missing = join(scratch, 'does-not-exist')
    const fs = cli(['sessions', 'prune', '--driver', 'filesystem', '--directory', missing])
    assert.equal(fs.status, 1)
    assert.match(fs.stderr, /no directory/)
    const db = cli(['sessions', 'prune', '--driver', 'sqlite', '--database', `${missing}.db`])
    assert.equal(db.status, 1)
    assert.match(db.stderr, /no database file/)
    const listing = spawnSync('ls', [scratch], { encoding: 'utf8' }).stdout
    assert.ok(!listing.includes('does-not-exist'))
  })

  it('usage and configuration errors exit 2', () => {
    const dir = ['--driver', 'filesystem', '--directory', scratch]
    usage(cli(['sessions']), /give a command/)
    usage(cli(['sessions', 'show']), /unknown command "show"/)
    usage(cli(['sessions', 'list', ...dir]), /list needs --user/)
    usage(cli(['sessions', 'destroy', ...dir]), /--user <userKey>, --handle <handle> or --id <id>/)
    usage(cli(['sessions', 'destroy', '--handle', 'h.short', ...dir]), /--handle is a handle/)
    usage(cli(['sessions', 'destroy', '--user', 'u', '--id', 'x', ...dir]), /one of them/)
    usage(cli(['sessions', 'destroy', '--id', 'short', ...dir]), /--id is a session id/)
    // A base64url id may start with '-', which parseArgs takes for an option: say what to write.
    usage(
      cli(['sessions', 'destroy', '--id', `-${'A'.repeat(42)}`, ...dir]),
      /write --id=<value> for a value that starts with '-'/,
    )
    usage(cli(['sessions', 'prune', '--user', 'u', ...dir]), /prune takes none of/)
    usage(cli(['sessions', 'prune']), /no driver/)
    usage(cli(['sessions', 'prune', '--driver', 'redis']), /the redis driver needs --url/)
    usage(cli(['sessions', 'prune', '--driver', 'postgres']), /SESSIONKIT_STORE_URL/)
    usage(
      cli(['sessions', 'prune', '--driver', 'postgres', '--url', 'postgres://x', '--prefix', 'p:']),
      /--prefix is not a setting of the postgres driver/,
    )
    usage(
      cli(['sessions', 'prune', '--driver', 'sqlite', '--database', 'x.db', '--directory', 'd']),
      /--directory is not a setting of the sqlite driver/,
    )
    usage(
      cli([
        'sessions',
        'prune',
        '--driver',
        'redis',
        '--url',
        'redis://127.0.0.1:6379',
        '--prefix',
        'has space',
      ]),
      /prefix/,
    )
    usage(cli(['sessions', 'prune', '--driver', 'dynamo']), /unknown driver "dynamo"/)
    usage(cli(['sessions', 'prune', '--driver', 'filesystem']), /needs --directory/)
    usage(cli(['sessions', 'prune', '--driver', 'sqlite']), /needs --database/)
    usage(cli(['sessions', 'list', '--user', 'x'.repeat(600), ...dir]), /userKey/)
    const bad = join(scratch, 'bad.config.json')
    writeFileSync(bad, '{ "driver": "filesystem", "dir": "x" }')
    usage(cli(['sessions', 'prune', '--config', bad]), /unknown setting "dir"/)
    writeFileSync(bad, '{ not json')
    usage(cli(['sessions', 'prune', '--config', bad]), /is not JSON/)
    usage(
      cli(['sessions', 'prune', '--config', join(scratch, 'none.json')]),
      /cannot read the config file/,
    )
  })
})
