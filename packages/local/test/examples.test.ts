// The example archives under examples/runs must agree with themselves: a final metric the run states
// is the last sample of its series (scripts/make-examples.mjs derives one from the other).
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRunlens } from '@runlens/core';
import { describe, expect, it } from 'vitest';
import { localProvider } from '../src/index.js';

const EXAMPLES = fileURLToPath(new URL('../../../examples/runs', import.meta.url));
const archives = readdirSync(EXAMPLES, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);

describe('example archives', () => {
  it('exist', () => expect(archives.length).toBeGreaterThan(0));

  it.each(archives)('%s: every final metric is the last value of its series', async (name) => {
    const runlens = createRunlens({ providers: [localProvider] });
    try {
      const ref = `local:${path.join(EXAMPLES, name)}`;
      const run = await runlens.describe(ref);
      const finals = Object.entries(run.finalMetrics ?? {});
      if (finals.length === 0) return;
      const { series } = await runlens.metrics(ref, { names: finals.map(([metric]) => metric) });
      for (const [metric, value] of finals) {
        const own = series.find((s) => s.name === metric && s.node === undefined);
        expect(own, `${name}: '${metric}' has no series`).toBeDefined();
        const last = own!.points.filter((p) => p.value !== null).at(-1)?.value;
        expect(value, `${name}: final '${metric}'`).toBe(last);
      }
    } finally {
      await runlens.close();
    }
  });
});
