import { defineProject } from 'vitest/config';
import { sharedTest } from '../../vitest.shared.js';

export default defineProject({
  ssr: { resolve: { conditions: ['source'] } },
  test: { ...sharedTest, include: ['test/**/*.test.ts'] },
});
