import { defineProject } from 'vitest/config';
import { sharedTest } from '../../vitest.shared.js';

export default defineProject({
  ssr: { resolve: { conditions: ['source'] } },
  // Tests start a real redis-server and BullMQ workers (some in child processes).
  test: { include: ['test/**/*.test.ts'], ...sharedTest, testTimeout: 60_000, hookTimeout: 30_000 },
});
