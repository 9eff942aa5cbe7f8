import { fileURLToPath } from 'node:url'
import { defaultServerConditions } from 'vite'
import { defineConfig } from 'vitest/config'

// Runs only the plugin contract suite (see candidate.contract.ts), against the workspace sources.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  ssr: { resolve: { conditions: ['source', ...defaultServerConditions] } },
  resolve: { conditions: ['source'] },
  test: {
    include: ['candidate.contract.ts'],
    setupFiles: [fileURLToPath(new URL('../../vitest.setup.ts', import.meta.url))],
    testTimeout: 20_000,
  },
})
