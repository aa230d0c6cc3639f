// Listing archives: what a listing reads (run.json, not a full describe per archive), the failure
// category it carries, and each archive once however the roots overlap.
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRunlens } from '@runlens/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localProvider } from '../src/index.js';

const EXAMPLES = fileURLToPath(new URL('../../../examples/runs', import.meta.url));
let root: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'runlens-list-'));
  await cp(EXAMPLES, path.join(root, 'examples'), { recursive: true });
  // A failed archive without a stored failure (hand-made): its category needs the logs.
  await mkdir(path.join(root, 'more', 'bare-failed', 'logs'), { recursive: true });
  await writeFile(path.join(root, 'more', 'bare-failed', 'run.json'), JSON.stringify({ name: 'bare', status: 'failed', createdAt: '2026-01-01T00:00:00Z' }));
  await writeFile(path.join(root, 'more', 'bare-failed', 'logs', 'algo-1.jsonl'), `${JSON.stringify({ timestamp: 1, node: 'algo-1', message: 'MemoryError: out of memory' })}\n`);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const runlensOver = (roots: string[]) => createRunlens({ providers: [localProvider], cwd: root, env: {}, settings: { local: { roots } } });

describe('local list', () => {
  it("carries a failed archive's stored failure category and reason, the ones describe gives", async () => {
    const runlens = runlensOver(['examples', 'more']);
    const { runs } = await runlens.list({});
    const typo = runs.find((r) => r.name.includes('typo') || r.id.endsWith('sagemaker-hyperparameter-typo'))!;
    expect(typo.status).toBe('failed');
    const described = await runlens.describe(typo.ref);
    expect(typo.failure).toEqual({ category: described.failure!.category, reason: described.failure!.reason });
    expect(typo.failure!.category).toBe('invalid-hyperparameter');
    expect(runs.filter((r) => r.status !== 'failed').every((r) => r.failure === undefined)).toBe(true);
    // No stored failure: none at list time (reading logs per run is describe's job), describe finds it.
    const bare = runs.find((r) => r.name === 'bare')!;
    expect(bare.failure).toBeUndefined();
    expect((await runlens.describe(bare.ref)).failure!.category).toBe('out-of-memory');
  });

  it('lists an incomplete archive from its run.json; describe says what is missing', async () => {
    const dir = path.join(root, 'cut', 'cut-short');
    await cp(path.join(EXAMPLES, 'sagemaker-xgboost-completed'), dir, { recursive: true });
    await rm(path.join(dir, 'logs'), { recursive: true });
    const runlens = runlensOver(['cut']);
    const { runs } = await runlens.list({});
    expect(runs.map((r) => r.status)).toEqual(['completed']);
    await expect(runlens.describe(runs[0]!.ref)).rejects.toThrow(/incomplete archive/);
  });

  it('lists each archive once when one root lies inside another', async () => {
    const once = (await runlensOver(['.']).list({})).runs.map((r) => r.ref).sort();
    expect(once.length).toBeGreaterThanOrEqual(5);
    const { runs } = await runlensOver(['examples', '.', 'more']).list({});
    expect(runs.map((r) => r.ref).sort()).toEqual(once);
  });
});
