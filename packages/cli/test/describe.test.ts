import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completedRun, EXAMPLES, failedRun, lines, removeDir, runlens, tempDir } from './helpers.js';

let root: string;
let completed: string;
let failed: string;

beforeAll(() => {
  root = tempDir();
  completed = `local:${completedRun(path.join(root, 'completed'))}`;
  failed = `local:${failedRun(path.join(root, 'failed'))}`;
});
afterAll(() => removeDir(root));

describe('runlens describe', () => {
  it('prints a readable block for a completed run', async () => {
    const r = await runlens(['describe', completed]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const out = lines(r.stdout);
    expect(out[0]).toBe('fixture-completed');
    expect(r.stdout).toMatch(new RegExp(`^  ref +${completed.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`, 'm'));
    expect(r.stdout).toMatch(/^ {2}status +completed \(Completed\)$/m);
    expect(r.stdout).toMatch(/^ {2}created +2026-01-01T00:00:00Z$/m);
    expect(r.stdout).toMatch(/^ {2}ended +2026-01-01T01:01:03Z$/m);
    expect(r.stdout).toMatch(/^ {2}duration +1h01m03s$/m);
    expect(r.stdout).toMatch(/^ {2}nodes +algo-1 \(ml\.m5\.large\)\n +algo-10$/m);
    expect(r.stdout).toMatch(/^hyperparameters\n {2}epochs +5\n {2}lr +0\.01$/m);
    expect(r.stdout).toMatch(/^final metrics\n {2}loss +0\.2$/m);
    expect(r.stdout).toMatch(/^timeline\n {2}2026-01-01T00:00:00Z {2}Starting +Preparing the instances\n {2}2026-01-01T01:01:03Z {2}Completed$/m);
    expect(r.stdout).not.toMatch(/^failure$/m);
  });

  it('shows the failure category, reason and evidence of a failed run', async () => {
    const r = await runlens(['describe', failed]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ {2}status +failed \(Failed\)$/m);
    expect(r.stdout).toMatch(/^failure\n {2}category +out-of-memory\n {2}reason +CUDA out of memory\n {2}evidence\n {4}\[algo-1\] RuntimeError: CUDA out of memory$/m);
  });

  it('--json prints the Run object with a 2-space indent', async () => {
    const r = await runlens(['describe', completed, '--json']);
    expect(r.code).toBe(0);
    const run = JSON.parse(r.stdout);
    expect(run).toMatchObject({ ref: completed, provider: 'local', name: 'fixture-completed', status: 'completed', hyperparameters: { lr: '0.01', epochs: '5' } });
    expect(run.nodes.map((n: { name: string }) => n.name)).toEqual(['algo-1', 'algo-10']);
    expect(r.stdout).toBe(`${JSON.stringify(run, null, 2)}\n`);
  });

  it('accepts a bare ./path as a local ref', async () => {
    const r = await runlens(['describe', `./${path.relative(process.cwd(), completed.slice('local:'.length))}`, '--json'], { cwd: process.cwd() });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).name).toBe('fixture-completed');
  });

  it.skipIf(!existsSync(path.join(EXAMPLES, 'sagemaker-hyperparameter-typo')))('explains the example SageMaker hyperparameter typo', async () => {
    const r = await runlens(['describe', 'local:./examples/runs/sagemaker-hyperparameter-typo']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ {2}status +failed/m);
    expect(r.stdout).toMatch(/^ {2}category +invalid-hyperparameter$/m);
    expect(r.stdout).toContain('mini_batch_siz');
  });
});
