// ESLint 9 flat config: typescript-eslint's type-aware rules over every package, the harness, tools and examples.
import js from '@eslint/js'
import globals from 'globals'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  {
    ignores: [
      '**/dist/**', '**/.tsbuild/**', '**/.generated/**', '**/node_modules/**', 'docs/api/**', 'coverage/**',
      'reports/**', '.pack-check/**', 'examples/benchmark-your-plugin/report/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: {
        // The root vitest files belong to no tsconfig project.
        projectService: { allowDefaultProject: ['vitest.config.ts', 'vitest.setup.ts'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      // Relaying a caught `unknown` or an `AbortSignal.reason` is fine; a literal non-Error reason is not (the
      // same line only-throw-error draws by default).
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingAny: true, allowThrowingUnknown: true }],
      // A leading `_` marks a parameter kept for a signature's shape.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // Tests, and the kernel's contract suites (vitest code shipped in src/testing): vitest idioms fight these rules
    // (`expect.any(...)` and `expect.objectContaining` are `any`, `expect(obj.method)` is unbound, async stubs of
    // async contracts need no await, parsed JSON is read as `any`). Floating and misused promises stay errors here.
    files: ['**/test/**', '**/*.test.*', 'harness/contract/**', 'packages/kernel/src/testing/**'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/require-await': 'off',
    },
  },
  { files: ['**/*.js', '**/*.mjs', '**/*.cjs'], ...tseslint.configs.disableTypeChecked },
)
