import { defineConfig } from 'vitest/config'

// This folder's own config, so vitest does not pick up a parent folder's.
export default defineConfig({ test: { include: ['*.test.mjs'] } })
