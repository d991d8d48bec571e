import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: files run in parallel, each against its own database (SQLite in memory, a PostgreSQL schema).
    pool: 'forks',
    reporters: ['default'],
  },
});
