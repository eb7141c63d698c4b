/* global module */
// The layer rule of src/, checked by `npm test` (npm run lint). Imports go one way:
//   entry files (src/*.ts) → adapters, testing → stores, interop → core → lib → errors
// Drivers see only the driver contract (core/driver.ts) and lib. src/errors.ts is both an
// entry and the one module every layer may import; it imports nothing.
// Node-only files (the node:http adapter, the filesystem driver, lib/node) are leaves that
// nothing of the web-standard core may import, which keeps tsconfig.core.json's fence true.
// The command line (src/cli/) stands outside the layers, above the entry files: it uses the
// package as an application would, through its public entries and node: modules only, and
// nothing imports it.
const entry = '^src/[^/]+[.]ts$'
const errors = '^src/errors[.]ts$'
const cli = '^src/cli/'
const nodeOnly =
  '^src/(adapters/(node|node-response|express|fastify|koa)[.]ts|drivers/filesystem[.]ts|lib/node/|cli/)'

/** A rule: files under `from` may import only what matches `allowed`. */
function only(name, from, allowed, comment) {
  return {
    name,
    comment,
    severity: 'error',
    from: { path: from },
    to: { path: '^src/', pathNot: [allowed, errors].join('|') },
  }
}

module.exports = {
  forbidden: [
    only('lib-imports-lib', '^src/lib/', '^src/lib/', 'lib/ imports only lib/ and errors'),
    only('core-imports-lib', '^src/core/', '^src/(core|lib)/', 'core/ imports only core/ and lib/'),
    only(
      'stores-import-core',
      '^src/stores/',
      '^src/(stores|core|lib)/',
      'stores/ import only stores/, core/ and lib/',
    ),
    only(
      'interop-imports-stores',
      '^src/interop/',
      '^src/(interop|stores|core|lib)/',
      'interop/ (Go codecs and the gorilla store) imports only interop/, stores/, core/ and lib/',
    ),
    only(
      'drivers-import-contract',
      '^src/drivers/',
      '^src/(core/driver[.]ts|lib/)',
      'a driver imports only the driver contract and lib/',
    ),
    only(
      'adapters-import-stores',
      '^src/adapters/',
      '^src/(adapters|stores|core|lib)/',
      'adapters/ import only adapters/, stores/, core/ and lib/',
    ),
    only(
      'testing-imports-stores',
      '^src/testing/',
      '^src/(testing|stores|core|lib)/',
      'testing/ imports only testing/, stores/, core/ and lib/',
    ),
    {
      name: 'entries-are-not-imported',
      comment: 'entry files are the public surface; inside src/ import the module that owns a name',
      severity: 'error',
      from: { path: '^src/', pathNot: cli },
      to: { path: entry, pathNot: errors },
    },
    {
      name: 'cli-imports-entries',
      comment: 'the command line uses the public entry files (and node: modules), nothing inside',
      severity: 'error',
      from: { path: cli },
      to: { path: '^src/', pathNot: `${cli}|${entry}` },
    },
    {
      name: 'cli-imports-only-node-modules',
      comment: 'besides the package itself, the command line uses node: modules only',
      severity: 'error',
      from: { path: cli },
      to: {
        dependencyTypes: [
          'npm',
          'npm-dev',
          'npm-optional',
          'npm-peer',
          'npm-no-pkg',
          'npm-unknown',
        ],
      },
    },
    {
      name: 'nothing-imports-the-cli',
      severity: 'error',
      from: { path: '^src/', pathNot: cli },
      to: { path: cli },
    },
    {
      name: 'entries-do-not-reach-into-lib',
      comment: 'an entry re-exports from the layer that owns a name; lib/ is never public',
      severity: 'error',
      from: { path: entry },
      to: { path: '^src/lib/' },
    },
    {
      name: 'errors-import-nothing',
      severity: 'error',
      from: { path: errors },
      to: { path: '^src/' },
    },
    {
      name: 'core-stays-web-standard',
      comment: 'outside the node-only leaves, src/ uses web-standard APIs only (no node: modules)',
      severity: 'error',
      from: {
        path: '^src/',
        pathNot: `${nodeOnly}|^src/(node|filesystem|express|fastify|koa)[.]ts$`,
      },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'node-only-files-are-leaves',
      comment: 'nothing but their entry file imports a node-only module',
      severity: 'error',
      from: {
        path: '^src/',
        pathNot: `${nodeOnly}|^src/(node|filesystem|express|fastify|koa)[.]ts$`,
      },
      to: { path: nodeOnly },
    },
    {
      name: 'src-does-not-import-tests',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|bench|example|scripts)/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
}
