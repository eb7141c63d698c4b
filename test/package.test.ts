// Packaging and platform policy: what a user installing the package relies on.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'

interface PackageJson {
  readonly license: string
  readonly keywords: readonly string[]
  readonly homepage: string
  readonly bugs: { readonly url: string }
  readonly repository: { readonly type: string; readonly url: string }
  readonly files: readonly string[]
  readonly scripts: Readonly<Record<string, string>>
  readonly engines: { readonly node: string }
  readonly exports: Readonly<
    Record<string, string | { readonly types: string; readonly default: string }>
  >
  readonly dependencies?: Readonly<Record<string, string>>
}

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as PackageJson

function versionAtLeast(version: string, minimum: string): boolean {
  const have = version.replace(/^v/, '').split('.').map(Number)
  const want = minimum.split('.').map(Number)
  for (let i = 0; i < 3; i++) {
    const a = have[i] ?? 0
    const b = want[i] ?? 0
    if (a !== b) return a > b
  }
  return true
}

describe('package policy', () => {
  it('requires Node >= 20.20.2 (Web Crypto HMAC timing fix, CVE-2026-21713) and runs on it', () => {
    assert.equal(pkg.engines.node, '>=20.20.2')
    assert.ok(versionAtLeast(process.version, '20.20.2'), `running on ${process.version}`)
  })

  it('is ready for the registry: licence, changelog, links, a build before packing', () => {
    assert.equal(pkg.license, 'MIT')
    assert.match(
      readFileSync('LICENSE', 'utf8'),
      /^MIT License\n\nCopyright \(c\) \d{4} sessionkit contributors\n/,
    )
    const changelog = readFileSync('CHANGELOG.md', 'utf8')
    assert.match(changelog, /keepachangelog\.com/)
    assert.match(changelog, /^## \[Unreleased\]$/m)
    const repository = 'https://github.com/sessionkit/sessionkit'
    assert.deepEqual(pkg.repository, { type: 'git', url: `git+${repository}.git` })
    assert.equal(pkg.homepage, `${repository}#readme`)
    assert.equal(pkg.bugs.url, `${repository}/issues`)
    assert.ok(pkg.keywords.includes('session') && pkg.keywords.includes('cookie'))
    // A clean clone has no dist/: without prepack, npm pack would ship README and package.json.
    assert.equal(pkg.scripts['prepack'], 'npm run build')
    // src/ ships so the source and declaration maps resolve (go to definition lands in it).
    assert.deepEqual([...pkg.files].sort(), ['CHANGELOG.md', 'dist', 'src'])
  })

  it('links the README to absolute URLs, which also work on the registry page', () => {
    const readme = readFileSync('README.md', 'utf8')
    const relative = [...readme.matchAll(/\]\((?!https:\/\/|#)([^)]+)\)/g)].map((m) => m[1])
    assert.deepEqual(relative, [])
  })

  it('has no runtime dependencies', () => {
    assert.deepEqual(Object.keys(pkg.dependencies ?? {}), [])
  })

  it('every subpath export loads from the built package with its types beside it', async () => {
    const subpaths = Object.keys(pkg.exports).filter((key) => key !== './package.json')
    assert.ok(subpaths.length >= 5)
    for (const subpath of subpaths) {
      const target = pkg.exports[subpath]
      assert.ok(typeof target === 'object', `${subpath} maps to types and default`)
      assert.doesNotThrow(() => readFileSync(target.types), `${subpath}: ${target.types} exists`)
      const specifier = subpath === '.' ? 'sessionkit' : `sessionkit/${subpath.slice(2)}`
      const loaded = (await import(specifier)) as Record<string, unknown>
      assert.ok(Object.keys(loaded).length > 0, `${specifier} exports something`)
    }
  })

  it('the main entry exposes the documented API', async () => {
    // Through the package name, as a user imports it (a variable, so the type checker does not
    // need dist/ to exist before the build).
    const packageName = 'sessionkit'
    const main = (await import(packageName)) as Record<string, unknown>
    for (const name of [
      'createKeyRing',
      'generateKey',
      'createTokenCodec',
      'createCookieStore',
      'SessionRegistry',
      'Session',
      'SessionError',
      'isSessionError',
    ]) {
      assert.equal(typeof main[name], 'function', name)
    }
  })
})
