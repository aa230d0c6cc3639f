// Reading a metric file: the common point shape fast, everything else through the schema, with the
// same answers either way (only timestamp, step and value kept; a bad point names its file and line).
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRunlens } from '@runlens/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localProvider } from '../src/index.js';

const EXAMPLE = fileURLToPath(new URL('../../../examples/runs/sagemaker-xgboost-completed', import.meta.url));
let root: string;
const runlens = createRunlens({ providers: [localProvider], env: {} });

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'runlens-metrics-read-'));
});
afterAll(async () => {
  await runlens.close();
  await rm(root, { recursive: true, force: true });
});

async function archiveWith(name: string, points: unknown[]): Promise<string> {
  const dir = path.join(root, name);
  await cp(EXAMPLE, dir, { recursive: true });
  const file = path.join(dir, 'metrics', 'train_logloss.jsonl');
  const header = (await readFile(file, 'utf8')).split('\n')[0];
  await writeFile(file, [header, ...points.map((p) => JSON.stringify(p))].join('\n') + '\n');
  return `local:${dir}`;
}

describe('local metric points', () => {
  it('keeps timestamp, step and value, in that order, whatever else a point holds', async () => {
    const ref = await archiveWith('extra', [
      { value: 0.5, timestamp: 1000, step: 1, note: 'dropped' },
      { timestamp: 2000, value: null },
      { timestamp: 3000, step: 3, value: 'text' },
    ]);
    const { series } = await runlens.metrics(ref, { metrics: ['train:logloss'] });
    expect(series[0]!.points).toEqual([
      { timestamp: 1000, step: 1, value: 0.5 },
      { timestamp: 2000, value: null },
      { timestamp: 3000, step: 3, value: 'text' },
    ]);
    expect(Object.keys(series[0]!.points[0]!)).toEqual(['timestamp', 'step', 'value']);
  });

  it.each([
    ['a fractional step', { timestamp: 1000, step: 1.5, value: 1 }],
    ['a missing value', { timestamp: 1000, step: 1 }],
    ['an object value', { timestamp: 1000, value: { x: 1 } }],
    ['a text timestamp', { timestamp: '1000', value: 1 }],
    ['an array', [1000, 1]],
  ])('refuses %s, naming the file and line', async (_what, bad) => {
    const ref = await archiveWith(`bad-${_what.replace(/\W+/g, '-')}`, [{ timestamp: 0, value: 1 }, bad]);
    await expect(runlens.metrics(ref, { metrics: ['train:logloss'] })).rejects.toMatchObject({ code: 'InvalidInput', message: expect.stringMatching(/train_logloss\.jsonl.*line 3|line 3.*train_logloss\.jsonl/) });
  });
});
