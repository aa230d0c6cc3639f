import { defineProject } from 'vitest/config';

export default defineProject({
  ssr: { resolve: { conditions: ['source'] } },
  // Each test starts a server (and some an emulator) and talks HTTP to it: sized for a loaded 2-core machine.
  test: { include: ['test/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 30_000 },
});
