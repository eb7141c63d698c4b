// `npm run docs`: the API reference, generated from the doc comments of every subpath export
// into build-docs/ (git-ignored). The entry points come from package.json's `exports`, so a new
// subpath is documented without editing this file. Warnings fail the run.
import { readFileSync } from 'node:fs'

const { exports } = JSON.parse(readFileSync('package.json', 'utf8'))

// ./dist/sqlite.d.ts -> ./src/sqlite.ts
const entryPoints = Object.values(exports)
  .filter((target) => typeof target === 'object')
  .map((target) => target.types.replace(/^\.\/dist\//, './src/').replace(/\.d\.ts$/, '.ts'))

/** @type {Partial<import('typedoc').TypeDocOptions>} */
export default {
  name: 'sessionkit',
  entryPoints,
  tsconfig: './tsconfig.build.json',
  out: './build-docs',
  readme: 'none',
  treatWarningsAsErrors: true,
  treatValidationWarningsAsErrors: true,
  validation: { notExported: true, invalidLink: true, rewrittenLink: true, notDocumented: false },
  // Internal helper types that public signatures mention: shown by name, not documented.
  intentionallyNotExported: [
    'src/interop/securecookie/errors.ts:GoMessages',
    'src/lib/awaitable.ts:Awaitable',
    'src/interop/gob/type-ids.ts:TypeEntry',
    'src/testing/options.ts:Body',
  ],
  // npm run typecheck has checked the sources already.
  skipErrorChecking: true,
  excludePrivate: true,
  excludeInternal: true,
  githubPages: false,
  sourceLinkTemplate: 'https://github.com/sessionkit/sessionkit/blob/main/{path}#L{line}',
  disableGit: true,
}
