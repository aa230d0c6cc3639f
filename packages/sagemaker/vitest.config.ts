import { defineProject } from 'vitest/config';

export default defineProject({
  ssr: { resolve: { conditions: ['source'] } },
  // A project does not inherit the root's timeouts; the CLI tests spawn the built CLI against the
  // emulator, seconds per spawn on a loaded 2-core machine.
  test: { include: ['test/**/*.test.ts'], testTimeout: 30_000, hookTimeout: 30_000 },
});
