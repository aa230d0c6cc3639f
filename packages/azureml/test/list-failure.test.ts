// A listing's failure category: the same Run History error describe classifies, read by the list
// (which fetches each row's details anyway), never a describe per run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setup, type Setup } from './support.js';

let s: Setup;
beforeAll(async () => {
  s = await setup({ scenarios: true });
});
afterAll(async () => {
  await s.close();
});

describe('azureml list', () => {
  it("gives a failed job's failure category and reason as describe does, and none for the others", async () => {
    const { runs } = await s.runlens.list({ providers: ['azureml'] });
    const failed = runs.find((r) => r.id === 'rl-az-failed')!;
    expect(failed.status).toBe('failed');
    const described = await s.runlens.describe(failed.ref, { evidence: false });
    expect(failed.failure).toEqual({ category: described.failure!.category, reason: described.failure!.reason });
    expect(failed.failure!.category).not.toBe('unknown');
    expect(runs.filter((r) => r.status !== 'failed').every((r) => r.failure === undefined)).toBe(true);
  });
});
