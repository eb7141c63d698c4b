// Type-checks the TypeScript samples in the docs, so they cannot rot (as the TypeScript handbook
// and Hono's docs do with theirs). Run by `npm test` after the build, since samples import
// 'sessionkit' by its package name and resolve it through the package's own `exports` to dist/.
//
// Every ```ts block in README.md, CONTRIBUTING.md and docs/*.md is either
// - complete: a module of its own (imports, keys from process.env), type-checked in a scratch
//   project that depends on this package like an application would; or
// - a fragment, fenced as ```ts fragment, whose first line is a `// fragment: …` comment saying
//   which complete sample above it it continues; it is only parsed (it uses that sample's names).
// An error is reported at the Markdown file and line of the sample, and fails the check.
// See CONTRIBUTING.md.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, dirname, join, relative, resolve } from 'node:path'
import console from 'node:console'
import process from 'node:process'
import ts from 'typescript'

const root = resolve(import.meta.dirname, '..')
const TS_LANGS = new Set(['ts', 'typescript', 'mts'])
// Samples in other script languages would escape the check: write them in TypeScript.
const UNCHECKED_LANGS = new Set(['js', 'javascript', 'mjs', 'cjs', 'jsx', 'tsx'])
const FRAGMENT_COMMENT = /^\/\/ fragment: \S/
const FRAMEWORKS = ['hono', '@hono/node-server', 'h3', 'next', 'react', '@types/react']

// What an application with a strict tsconfig uses; noUnused* stay off, samples name things to
// show them.
const COMPILER_OPTIONS = {
  target: ts.ScriptTarget.ES2022,
  lib: ['lib.es2023.d.ts'],
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  moduleDetection: ts.ModuleDetectionKind.Force,
  types: ['node'],
  strict: true,
  exactOptionalPropertyTypes: true,
  noUncheckedIndexedAccess: true,
  noImplicitOverride: true,
  noImplicitReturns: true,
  verbatimModuleSyntax: true,
  allowImportingTsExtensions: true,
  skipLibCheck: false,
  noEmit: true,
}

function markdownFiles() {
  const docs = readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => join('docs', name))
  return ['README.md', 'CONTRIBUTING.md', ...docs].filter((file) => existsSync(join(root, file)))
}

/** The fenced code blocks of a Markdown text: info string, first code line (1-based), code. */
function codeBlocks(text) {
  const lines = text.split('\n')
  const blocks = []
  for (let i = 0; i < lines.length; i++) {
    const open = /^\s*(`{3,}|~{3,})\s*([^`]*)$/.exec(lines[i] ?? '')
    if (open === null) continue
    const fence = open[1]
    const [lang = '', ...meta] = (open[2] ?? '').trim().split(/\s+/)
    const start = i + 1
    let end = start
    while (end < lines.length && !isClosing(lines[end] ?? '', fence)) end++
    blocks.push({ lang: lang.toLowerCase(), meta, line: start + 1, code: lines.slice(start, end) })
    i = end
  }
  return blocks
}

function isClosing(line, fence) {
  const trimmed = line.trim()
  return trimmed.startsWith(fence) && /^(`+|~+)$/.test(trimmed) && trimmed[0] === fence[0]
}

function collect() {
  const complete = []
  const fragments = []
  const problems = []
  for (const file of markdownFiles()) {
    let completeSoFar = 0
    for (const block of codeBlocks(readFileSync(join(root, file), 'utf8'))) {
      const where = `${file}:${block.line - 1}`
      if (UNCHECKED_LANGS.has(block.lang)) {
        problems.push(`${where} - a \`\`\`${block.lang} sample is not checked: write it in ts`)
        continue
      }
      if (!TS_LANGS.has(block.lang)) continue
      const unknown = block.meta.filter((word) => word !== 'fragment')
      if (unknown.length > 0) {
        problems.push(`${where} - unknown fence marker "${unknown.join(' ')}" (only "fragment")`)
        continue
      }
      if (!block.meta.includes('fragment')) {
        completeSoFar++
        complete.push({ file, ...block })
        continue
      }
      if (completeSoFar === 0) {
        problems.push(`${where} - a fragment needs a complete sample above it in the same file`)
      } else if (!FRAGMENT_COMMENT.test(block.code[0] ?? '')) {
        problems.push(
          `${file}:${block.line} - a fragment starts with "// fragment: <what it continues>"`,
        )
      }
      fragments.push({ file, ...block })
    }
  }
  return { complete, fragments, problems }
}

/** Fragments use names from the sample they continue: check their syntax only. */
function parseFragments(fragments) {
  const problems = []
  for (const fragment of fragments) {
    const { diagnostics = [] } = ts.transpileModule(fragment.code.join('\n'), {
      reportDiagnostics: true,
      compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext },
      fileName: 'fragment.ts',
    })
    for (const diagnostic of diagnostics) problems.push(format(diagnostic, fragment))
  }
  return problems
}

/**
 * A scratch application: its node_modules holds this package (a symlink, resolved through its
 * `exports` like an installed copy) and the type packages the samples need.
 */
function scratchProject(dir) {
  writeFileSync(join(dir, 'package.json'), '{ "private": true, "type": "module" }\n')
  const modules = join(dir, 'node_modules')
  mkdirSync(join(modules, '@types'), { recursive: true })
  symlinkSync(root, join(modules, 'sessionkit'), 'dir')
  symlinkSync(join(root, 'node_modules/@types/node'), join(modules, '@types/node'), 'dir')
  // The frameworks the adapter samples import (optional peers, dev dependencies here).
  for (const name of FRAMEWORKS) {
    const target = join(root, 'node_modules', name)
    if (!existsSync(target)) continue
    mkdirSync(join(modules, dirname(name)), { recursive: true })
    symlinkSync(target, join(modules, name), 'dir')
  }
  // better-sqlite3 ships no types and @types/better-sqlite3 is not a dev dependency: stand in
  // with the part of its API the SQLite sample uses, unless the real types are installed.
  const sqliteTypes = join(root, 'node_modules/@types/better-sqlite3')
  if (existsSync(sqliteTypes)) {
    symlinkSync(sqliteTypes, join(modules, '@types/better-sqlite3'), 'dir')
  } else {
    mkdirSync(join(modules, 'better-sqlite3'))
    writeFileSync(join(modules, 'better-sqlite3/package.json'), '{ "types": "index.d.ts" }\n')
    writeFileSync(
      join(modules, 'better-sqlite3/index.d.ts'),
      readFileSync(join(import.meta.dirname, 'better-sqlite3.d.ts')),
    )
  }
}

// Frameworks whose own declarations use the DOM's types (BodyInit, HeadersInit, …), as their
// apps' tsconfig does: their samples are checked with the DOM lib besides. Those declarations
// do not all pass this strict configuration themselves (their apps use skipLibCheck), so
// errors inside a framework's own files are left out; ours and the samples' are kept.
const DOM_FRAMEWORK_IMPORT = /from ['"](h3|next|react)(\/[^'"]*)?['"]/
// Bundler resolution too, as in a Next.js app: `next/headers` has no `exports` map.
const DOM_COMPILER_OPTIONS = {
  ...COMPILER_OPTIONS,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  lib: [...COMPILER_OPTIONS.lib, 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
}

function typecheckAll(samples) {
  const usesDom = (sample) => sample.code.some((line) => DOM_FRAMEWORK_IMPORT.test(line))
  const web = samples.filter(usesDom)
  const rest = samples.filter((sample) => !usesDom(sample))
  return [
    ...typecheck(rest, COMPILER_OPTIONS),
    ...(web.length > 0 ? typecheck(web, DOM_COMPILER_OPTIONS, isFrameworkFile) : []),
  ]
}

function isFrameworkFile(fileName) {
  return fileName.includes('/node_modules/') && !fileName.startsWith(join(root, 'dist'))
}

function typecheck(samples, options, ignoreFile = () => false) {
  const dir = mkdtempSync(join(tmpdir(), 'sessionkit-docs-'))
  try {
    scratchProject(dir)
    const byPath = new Map()
    for (const sample of samples) {
      const name = `${sample.file.replace(/[/.]/g, '_')}_${sample.line}.ts`
      const path = join(dir, name)
      writeFileSync(path, sample.code.join('\n') + '\n')
      byPath.set(path, sample)
    }
    const program = ts.createProgram([...byPath.keys()], options)
    const diagnostics = ts
      .getPreEmitDiagnostics(program)
      .filter(
        (diagnostic) => diagnostic.file === undefined || !ignoreFile(diagnostic.file.fileName),
      )
    return diagnostics.map((diagnostic) => {
      const sample = diagnostic.file && byPath.get(resolve(diagnostic.file.fileName))
      return format(diagnostic, sample, dir)
    })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** `README.md:42:7 - error TS2304: Cannot find name 'x'.`, at the sample's place in the doc. */
function format(diagnostic, sample, dir) {
  const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n  ')
  const text = `error TS${diagnostic.code}: ${message}`
  if (diagnostic.file === undefined || diagnostic.start === undefined) return text
  const { line, character } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start)
  if (sample === undefined) {
    const where = dir === undefined ? basename(diagnostic.file.fileName) : diagnostic.file.fileName
    return `${relative(root, where)}:${line + 1}:${character + 1} - ${text}`
  }
  return `${sample.file}:${sample.line + line}:${character + 1} - ${text}`
}

/** Orders `file:line:…` messages by file, then line number. */
function byPlace(a, b) {
  const [fileA = '', lineA = '0'] = a.split(':')
  const [fileB = '', lineB = '0'] = b.split(':')
  return fileA.localeCompare(fileB) || Number(lineA) - Number(lineB)
}

const { complete, fragments, problems } = collect()
problems.push(...parseFragments(fragments), ...typecheckAll(complete))
if (problems.length > 0) {
  for (const problem of problems.sort(byPlace)) console.error(problem)
  console.error(`docs: ${problems.length} problem(s) in the TypeScript samples`)
  process.exit(1)
}
const files = new Set([...complete, ...fragments].map((sample) => sample.file))
console.log(
  `docs: ${complete.length} TypeScript samples type-checked, ${fragments.length} fragments parsed (${[...files].join(', ')})`,
)
