// typescript-eslint with type-checked rules: the rules that matter most for async, security
// sensitive code (floating promises, misused promises, exhaustive switches) need type info.
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

// The node-only leaves (the layer rule in .dependency-cruiser.cjs keeps the rest of src/ from
// importing them) and the command line, src/cli/, a Node program on the public entries.
// lib/crypto/node.ts is not one: it reaches node:crypto at run time through
// process.getBuiltinModule and uses structural types only.
const nodeOnlyFiles = [
  'src/node.ts',
  'src/adapters/node.ts',
  'src/adapters/node-response.ts',
  'src/express.ts',
  'src/adapters/express.ts',
  'src/fastify.ts',
  'src/adapters/fastify.ts',
  'src/koa.ts',
  'src/adapters/koa.ts',
  'src/filesystem.ts',
  'src/drivers/filesystem.ts',
  'src/lib/node/**',
  'src/cli/**',
]

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'build/**',
      'build-example/**',
      'build-docs/**',
      'node_modules/**',
      'test/types/**',
      // A Next.js app the Next.js adapter test builds (plain JavaScript, JSX).
      'test/fixtures/next-app/**',
      'test/fixtures/next-edge-app/**',
      'test/fixtures/next-scenario-app/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  ...tseslint.configs.stylisticTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: {
          allowDefaultProject: ['*.js', '*.cjs', 'scripts/*.mjs'],
        },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/consistent-type-exports': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true },
      ],
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-unnecessary-condition': [
        'error',
        { allowConstantLoopConditions: true },
      ],
      '@typescript-eslint/prefer-nullish-coalescing': 'off',
      '@typescript-eslint/no-invalid-void-type': 'off',
      '@typescript-eslint/unified-signatures': 'off',
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: nodeOnlyFiles,
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['node:*'], message: 'The core uses web-standard APIs only.' }] },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'Buffer', message: 'The core uses Uint8Array.' },
        { name: 'process', message: 'The core does not touch process.' },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // Run as they are by Bun, Deno and workerd (test/runtimes.test.ts): web globals and theirs.
    files: ['test/runtimes/*.mjs'],
    languageOptions: {
      globals: {
        Bun: 'readonly',
        Deno: 'readonly',
        Response: 'readonly',
        URL: 'readonly',
        console: 'readonly',
      },
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-floating-promises': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
)
