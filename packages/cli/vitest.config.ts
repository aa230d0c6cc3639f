import { defineProject } from 'vitest/config';

export default defineProject({
  ssr: { resolve: { conditions: ['source'] } },
  // A project does not inherit the root's timeouts; these tests spawn the CLI (hundreds of ms each,
  // seconds on a loaded 2-core machine), several per test.
  test: { include: ['test/**/*.test.ts'], testTimeout: 30_000, hookTimeout: 30_000 },
});
