// `npm test`'s package check: what `npm pack` makes of a clean clone is the package users get.
// A copy of the working tree without ignored files (so no dist/: prepack has to build it) is
// packed; the tarball must hold every export with its declarations and both kinds of maps, the
// sources those maps point to, README, LICENSE and CHANGELOG, and nothing from the repository's
// tooling; every export must load from it in a scratch application; the `sessionkit` bin must be
// in it, executable, and run from there by its shebang; and publint and Are the Types Wrong
// (ESM-only profile: the package has no CommonJS build) must accept it.
import { execFileSync, spawnSync } from 'node:child_process'
import { accessSync, constants, copyFileSync, existsSync, mkdirSync, mkdtempSync } from 'node:fs'
import { readFileSync } from 'node:fs'
import { readdirSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
import console from 'node:console'
import process from 'node:process'

const root = resolve(import.meta.dirname, '..')
const REQUIRED = ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md']
// Top-level entries a package may hold; anything else (test/, bench/, example/, scripts/, …)
// leaked in through `files`.
const ALLOWED_TOP = new Set([...REQUIRED, 'dist', 'src'])

const problems = []

function run(command, args, options = {}) {
  return execFileSync(command, args, { encoding: 'utf8', stdio: 'pipe', ...options })
}

/** Every file below `dir`, relative to it, with `/` separators. */
function walk(dir, prefix = '') {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    const rel = prefix === '' ? name : `${prefix}/${name}`
    return statSync(path).isDirectory() ? walk(path, rel) : [rel]
  })
}

/** A copy of the working tree as a fresh clone would have it: tracked and new files only. */
function cleanCopy(dest) {
  let listed
  try {
    listed = run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
      cwd: root,
    })
  } catch {
    throw new Error('the package check copies a git checkout; run it in a clone of the repository')
  }
  for (const file of listed.split('\0')) {
    // Listed but deleted in the working tree: a clone of the next commit would not have it.
    if (file === '' || !existsSync(join(root, file))) continue
    mkdirSync(dirname(join(dest, file)), { recursive: true })
    copyFileSync(join(root, file), join(dest, file))
  }
  symlinkSync(join(root, 'node_modules'), join(dest, 'node_modules'), 'dir')
}

function pack(copy, dest) {
  // prepack builds dist/ in the copy; its output goes to the console, not into the tarball name.
  const result = spawnSync('npm', ['pack', '--pack-destination', dest, '--silent'], {
    cwd: copy,
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  })
  if (result.status !== 0) throw new Error(`npm pack failed:\n${result.stdout}`)
  const tarballs = readdirSync(dest).filter((name) => name.endsWith('.tgz'))
  if (tarballs.length !== 1) throw new Error(`npm pack made ${tarballs.length} tarballs`)
  return join(dest, tarballs[0])
}

function checkContents(dir, pkg) {
  const files = new Set(walk(dir))
  for (const file of REQUIRED) if (!files.has(file)) problems.push(`missing ${file}`)
  for (const file of files) {
    const top = file.split('/')[0]
    if (!ALLOWED_TOP.has(top)) problems.push(`unexpected file ${file}`)
  }
  for (const [subpath, target] of Object.entries(pkg.exports)) {
    if (typeof target !== 'object') continue
    const expected = [target.types, `${target.types}.map`, target.default, `${target.default}.map`]
    for (const path of expected.map((p) => p.replace(/^\.\//, ''))) {
      if (!files.has(path)) problems.push(`export ${subpath}: missing ${path}`)
    }
  }
  const maps = [...files].filter((file) => file.endsWith('.map'))
  for (const file of files) {
    const needsMap = file.startsWith('dist/') && /\.(d\.ts|js)$/.test(file)
    if (needsMap && !files.has(`${file}.map`)) problems.push(`${file} has no map`)
  }
  // The maps point at src/: it must be shipped, or "go to definition" ends in a .d.ts.
  for (const map of maps) {
    const { sources = [] } = JSON.parse(readFileSync(join(dir, map), 'utf8'))
    for (const source of sources) {
      const target = relative(dir, resolve(dir, dirname(map), source)).replaceAll('\\', '/')
      if (!files.has(target)) problems.push(`${map}: source ${source} is not in the package`)
    }
  }
  return { files, maps }
}

/** Every export loads from the unpacked package, as an application imports it. */
function checkImports(packageDir, pkg, scratch) {
  const modules = join(scratch, 'node_modules')
  mkdirSync(modules, { recursive: true })
  renameSync(packageDir, join(modules, pkg.name))
  writeFileSync(join(scratch, 'package.json'), '{ "private": true, "type": "module" }\n')
  const specifiers = Object.entries(pkg.exports)
    .filter(([, target]) => typeof target === 'object')
    .map(([subpath]) => (subpath === '.' ? pkg.name : `${pkg.name}/${subpath.slice(2)}`))
  const script = `for (const s of ${JSON.stringify(specifiers)}) await import(s)\n`
  writeFileSync(join(scratch, 'imports.mjs'), script)
  const result = spawnSync(process.execPath, ['imports.mjs'], { cwd: scratch, encoding: 'utf8' })
  if (result.status !== 0) problems.push(`an export does not load:\n${result.stderr}`)
  return specifiers.length
}

/**
 * Every bin is in the package, executable, and runs from the installed package by its shebang
 * (as npx starts it): `keygen --json` must print a key.
 */
function checkBins(installedDir, pkg) {
  const bins = Object.entries(pkg.bin ?? {})
  if (bins.length === 0) problems.push('no bin in package.json')
  for (const [name, target] of bins) {
    const path = join(installedDir, target)
    if (!existsSync(path)) {
      problems.push(`bin ${name}: missing ${target}`)
      continue
    }
    try {
      accessSync(path, constants.X_OK)
    } catch {
      problems.push(`bin ${name}: ${target} is not executable`)
      continue
    }
    if (!readFileSync(path, 'utf8').startsWith('#!/usr/bin/env node\n')) {
      problems.push(`bin ${name}: ${target} does not start with #!/usr/bin/env node`)
    }
    const result = spawnSync(path, ['keygen', '--json'], { encoding: 'utf8' })
    let secret
    try {
      secret = JSON.parse(result.stdout).secret
    } catch {
      secret = undefined
    }
    if (result.status !== 0 || typeof secret !== 'string') {
      problems.push(`bin ${name} does not run from the package:\n${result.stderr}`)
    }
  }
  return bins.length
}

function lint(tarball) {
  const bin = join(root, 'node_modules/.bin')
  const tools = [
    ['publint', ['run', tarball, '--strict']],
    ['attw', [tarball, '--profile', 'esm-only', '--no-emoji', '--no-color']],
  ]
  for (const [tool, args] of tools) {
    const result = spawnSync(join(bin, tool), args, { encoding: 'utf8', cwd: root })
    if (result.status !== 0) {
      problems.push(`${tool} rejects the package:\n${result.stdout}${result.stderr}`)
    }
  }
}

const work = mkdtempSync(join(tmpdir(), 'sessionkit-pack-'))
try {
  const copy = join(work, 'clone')
  cleanCopy(copy)
  if (existsSync(join(copy, 'dist'))) throw new Error('the clean copy already has dist/')
  const tarball = pack(copy, work)
  const unpacked = join(work, 'unpacked')
  mkdirSync(unpacked)
  run('tar', ['-xzf', tarball, '-C', unpacked])
  const packageDir = join(unpacked, 'package')
  const pkg = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'))
  const { files, maps } = checkContents(packageDir, pkg)
  lint(tarball)
  const app = join(work, 'app')
  const exports = checkImports(packageDir, pkg, app)
  const bins = checkBins(join(app, 'node_modules', pkg.name), pkg)
  if (problems.length > 0) {
    for (const problem of problems) console.error(`package: ${problem}`)
    process.exit(1)
  }
  const kb = Math.round(statSync(tarball).size / 1024)
  console.log(
    `package: ${pkg.name}-${pkg.version}.tgz from a clean copy, ${files.size} files (${maps.length} maps), ${kb} kB; ${exports} exports load; ${bins} bin runs; publint and attw (esm-only) accept it`,
  )
} finally {
  rmSync(work, { recursive: true, force: true })
}
