import { defaultServerConditions } from 'vite'
import { defineConfig } from 'vitest/config'

// Tests run against `src/` through the `source` export condition, so no build is needed first.
export default defineConfig({
  ssr: { resolve: { conditions: ['source', ...defaultServerConditions] } },
  resolve: { conditions: ['source'] },
  oxc: { decorator: { legacy: true, emitDecoratorMetadata: true } },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'harness/test/**/*.test.ts', 'test/**/*.test.ts'],
    setupFiles: ['./vitest.setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    coverage: {
      provider: 'v8',
      include: ['packages/*/src/**/*.ts', 'harness/src/**/*.ts'],
      exclude: ['**/*.d.ts', '**/testing/**'],
      reporter: ['text-summary', 'json-summary'],
    },
  },
})
