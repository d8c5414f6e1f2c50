import { defineConfig } from 'vitest/config';

// `npm run record-histories`: writes recorded workflow histories for the replay test.
export default defineConfig({
  test: {
    include: ['test/replay/record-histories.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 300_000,
    hookTimeout: 180_000,
  },
});
