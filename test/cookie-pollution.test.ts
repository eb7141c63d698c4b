// PRO-06: a polluted Object.prototype must not change what the cookie module emits. Pollution
// is global and would leak into every other test, so it runs in a child process against the
// compiled module.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import {
  parseCookieHeader,
  resolveCookieOptions,
  serializeDeleteCookie,
  serializeSetCookie,
} from '../src/cookie.ts'

const moduleUrl = new URL('../src/cookie.js', import.meta.url).href

interface Observed {
  set: string
  hostSet: string
  setWithOptions: string
  remove: string
  resolved: [string, unknown][]
  parsed: [string, string][]
  parsedLimited: [string, string][]
  parsedHasNullPrototype: boolean
}

/** Everything the child computes, computed the same way in this clean process. */
function observe(): Observed {
  const parsed = parseCookieHeader('a=1; __proto__=x; b=2')
  return {
    set: serializeSetCookie('sid', 'v'),
    hostSet: serializeSetCookie('__Host-sid', 'v', {}),
    setWithOptions: serializeSetCookie('sid', 'v', { maxAge: 60 }),
    remove: serializeDeleteCookie('sid'),
    resolved: Object.entries(resolveCookieOptions('sid', {})),
    parsed: Object.entries(parsed),
    parsedLimited: Object.entries(parseCookieHeader('a=1; b=2', {})),
    parsedHasNullPrototype: Object.getPrototypeOf(parsed) === null,
  }
}

// Node's own module loader misbehaves once Object.prototype.path is set, so the module is
// loaded first and the prototype polluted right after, before any call.
const childScript = `
const c = await import(${JSON.stringify(moduleUrl)})
const pollution = {
  secure: false,
  httpOnly: false,
  sameSite: 'None',
  domain: 'evil.com',
  path: '/x',
  partitioned: true,
  priority: 'High',
  maxAge: 5,
  expires: new Date(0),
  maxPairs: 0,
  maxHeaderLength: 0,
}
for (const [key, value] of Object.entries(pollution)) Object.prototype[key] = value
if (({}).secure !== false) throw new Error('pollution did not apply')
const parsed = c.parseCookieHeader('a=1; __proto__=x; b=2')
const observed = {
  set: c.serializeSetCookie('sid', 'v'),
  hostSet: c.serializeSetCookie('__Host-sid', 'v', {}),
  setWithOptions: c.serializeSetCookie('sid', 'v', { maxAge: 60 }),
  remove: c.serializeDeleteCookie('sid'),
  resolved: Object.entries(c.resolveCookieOptions('sid', {})),
  parsed: Object.entries(parsed),
  parsedLimited: Object.entries(c.parseCookieHeader('a=1; b=2', {})),
  parsedHasNullPrototype: Object.getPrototypeOf(parsed) === null,
}
// JSON.stringify and Object.entries read own properties only, so the pollution itself is
// not serialized here.
process.stdout.write(JSON.stringify(observed))
`

function runChild(
  script: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '--eval', script], {
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 20_000,
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (code) => {
      resolve({ code, stdout, stderr })
    })
  })
}

describe('prototype pollution (child process)', () => {
  it('PRO-06: a polluted Object.prototype changes no Set-Cookie, option or parse result', async () => {
    const { code, stdout, stderr } = await runChild(childScript)
    assert.equal(code, 0, stderr)
    const polluted: unknown = JSON.parse(stdout)
    const clean = observe()
    assert.deepEqual(polluted, JSON.parse(JSON.stringify(clean)))
    assert.equal(clean.set, 'sid=v; Path=/; HttpOnly; Secure; SameSite=Lax')
    assert.equal(clean.hostSet, '__Host-sid=v; Path=/; HttpOnly; Secure; SameSite=Lax')
    assert.equal(clean.setWithOptions, 'sid=v; Path=/; Max-Age=60; HttpOnly; Secure; SameSite=Lax')
    assert.equal(
      clean.remove,
      'sid=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Secure; SameSite=Lax',
    )
    assert.deepEqual(clean.parsed, [
      ['a', '1'],
      ['__proto__', 'x'],
      ['b', '2'],
    ])
    assert.equal(clean.parsedHasNullPrototype, true)
  })
})
