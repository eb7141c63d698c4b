// typescript-eslint with type-checked rules: the rules that matter most for async, security
// sensitive code (floating promises, misused promises, exhaustive switches) need type info.
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

const nodeOnlyFiles = [
  'src/node.ts',
  'src/lib/crypto/node.ts',
  'src/lib/node/**',
  'src/stores/filesystem.ts',
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
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  ...tseslint.configs.stylisticTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: {
          allowDefaultProject: ['*.js', 'scripts/*.mjs'],
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
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-floating-promises': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
)
