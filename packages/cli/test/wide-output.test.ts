// Wide runs and many runs stay readable: grouped nodes, short compare headings that wrap to the
// width, node colours that do not depend on which nodes are shown, one precision per column.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { at, completedRun, lines, removeDir, runlens, tempDir, writeArchive } from './helpers.js';

let root: string;
let wide: string;
let completed: string;
const runs: string[] = [];

/** A 64-node run: algo-1…algo-60 on one instance type, then two odd ones and two more of the first type. */
function wideRun(dir: string): string {
  const nodes = [
    ...Array.from({ length: 60 }, (_, i) => ({ name: `algo-${i + 1}`, instanceType: 'ml.p4d.24xlarge' })),
    { name: 'algo-61', instanceType: 'ml.g5.2xlarge' },
    { name: 'algo-62', instanceType: 'ml.g5.2xlarge', status: 'exit 137' },
    { name: 'ps-0', instanceType: 'ml.c5.xlarge' },
    { name: 'ps-1', instanceType: 'ml.c5.xlarge' },
  ];
  return writeArchive(dir, {
    run: {
      name: 'wide',
      status: 'completed',
      createdAt: '2026-01-01T00:00:00Z',
      startedAt: '2026-01-01T00:00:00Z',
      endedAt: '2026-01-01T00:10:00Z',
      nodes,
      hyperparameters: {},
      finalMetrics: { accuracy: 0.9, loss: 0.14908, epochs: 12 },
    },
    logs: Object.fromEntries(
      ['algo-3', 'algo-10', 'algo-11', 'ps-0'].map((node, i) => [node, [{ timestamp: at(i * 1000), node, message: `hello from ${node}` }]]),
    ),
    metrics: [
      { name: 'loss', kind: 'training', points: [0.9, 0.5].map((value, step) => ({ timestamp: at(step * 1000), step, value })) },
      { name: 'cpu.utilization', node: 'algo-1', kind: 'system', unit: 'percent', points: [12.25, 70].map((value, i) => ({ timestamp: at(i * 60_000), value })) },
      { name: 'one', kind: 'training', points: [{ timestamp: at(0), step: 0, value: 3 }] },
    ],
  });
}

beforeAll(() => {
  root = tempDir('rl-');
  wide = `local:${wideRun(path.join(root, 'wide'))}`;
  completed = `local:${completedRun(path.join(root, 'completed'))}`;
  for (const name of ['xgboost-churn-long-name-a', 'xgboost-churn-long-name-b', 'xgboost-churn-long-name-c', 'xgboost-churn-long-name-d']) {
    runs.push(`local:${completedRun(path.join(root, 'some', 'deep', 'folder', name))}`);
  }
});
afterAll(() => removeDir(root));

describe('describe of a run with many nodes', { timeout: 30_000 }, () => {
  it('groups consecutive nodes with the same instance type and status into one line', async () => {
    const r = await runlens(['describe', wide]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ {2}nodes +algo-1…algo-60 \(ml\.p4d\.24xlarge\) ×60\n +algo-61 \(ml\.g5\.2xlarge\)\n +algo-62 \(ml\.g5\.2xlarge, exit 137\)\n +ps-0 \(ml\.c5\.xlarge\)\n +ps-1 \(ml\.c5\.xlarge\)\n\n/m);
    expect(lines(r.stdout).length).toBeLessThan(25);
  });

  it('prints final metrics to one precision', async () => {
    const r = await runlens(['describe', wide]);
    expect(r.stdout).toMatch(/^final metrics\n {2}accuracy +0\.90000\n {2}loss +0\.14908\n {2}epochs +12\.00000$/m);
  });
});

describe('compare of many runs with long refs', { timeout: 30_000 }, () => {
  it('heads columns with the shortest distinct tails of the refs and maps them to refs in a legend', async () => {
    const r = await runlens(['compare', ...runs], { env: { COLUMNS: undefined } });
    expect(r.code).toBe(0);
    const out = lines(r.stdout);
    // Piped without COLUMNS: one table, every run on each row.
    expect(out[0]!.trim().split(/\s+/)).toEqual(['xgboost-churn-long-name-a', 'xgboost-churn-long-name-b', 'xgboost-churn-long-name-c', 'xgboost-churn-long-name-d']);
    expect(out.find((l) => l.startsWith('loss final'))!.split(/\s+/).slice(2)).toEqual(['0.2', '0.2', '0.2', '0.2']);
    for (const ref of runs) expect(out).toContain(`${path.basename(ref)}  ${ref}`);
  });

  it('wraps the run columns to COLUMNS, each block repeating the row labels', async () => {
    const r = await runlens(['compare', ...runs], { env: { COLUMNS: '80' } });
    expect(r.code).toBe(0);
    const out = lines(r.stdout);
    const table = out.slice(0, out.findIndex((l) => l.startsWith('xgboost-churn-long-name-a ')));
    for (const line of table) expect(line.length).toBeLessThanOrEqual(80);
    expect(table.filter((l) => l.startsWith('loss final')).length).toBeGreaterThanOrEqual(2);
    const headings = table.filter((l) => l.startsWith(' ')).flatMap((l) => l.trim().split(/\s+/));
    expect(headings).toEqual(['xgboost-churn-long-name-a', 'xgboost-churn-long-name-b', 'xgboost-churn-long-name-c', 'xgboost-churn-long-name-d']);
  });

  it('tells runs apart by a longer tail when their last parts are the same', async () => {
    const r = await runlens(['compare', completed, `local:${path.join(root, 'wide')}`, `local:${path.join(root, 'some', 'deep', 'folder', 'xgboost-churn-long-name-a')}`], { env: { COLUMNS: undefined } });
    expect(r.code).toBe(0);
    expect(lines(r.stdout)[0]!.trim().split(/\s+/)).toEqual(['completed', 'wide', 'xgboost-churn-long-name-a']);
    const same = await runlens(['compare', completed, completed]);
    expect(lines(same.stdout)[0]!.trim().split(/\s+/)).toEqual(['[1]', '[2]']);
  });
});

describe('node colours', { timeout: 30_000 }, () => {
  const colourOf = (stdout: string, node: string) => new RegExp(`(\\x1b\\[[0-9;]+m)${node}\\b`).exec(stdout)?.[1];

  it('are the same for a node whichever other nodes are shown', async () => {
    const env = { NO_COLOR: undefined, FORCE_COLOR: '1' };
    const all = await runlens(['logs', wide], { env });
    const one = await runlens(['logs', wide, '--node', 'algo-11'], { env });
    const two = await runlens(['logs', wide, '--node', 'algo-11', '--node', 'ps-0'], { env });
    expect(all.code).toBe(0);
    const colour = colourOf(all.stdout, 'algo-11');
    expect(colour).toBeDefined();
    expect(colourOf(one.stdout, 'algo-11')).toBe(colour);
    expect(colourOf(two.stdout, 'algo-11')).toBe(colour);
    // Neighbours differ.
    expect(colourOf(all.stdout, 'algo-10')).not.toBe(colour);
  });
});

describe('numbers in a column', { timeout: 30_000 }, () => {
  it('metrics: last, min and max each to one precision', async () => {
    const r = await runlens(['metrics', wide]);
    expect(r.code).toBe(0);
    const rows = Object.fromEntries(lines(r.stdout).slice(1).map((l) => [l.split(/\s+/)[0], l.split(/\s+/).slice(-3)]));
    // last: 0.5, 70, 3; min: 0.5, 12.25, 3; max: 0.9, 70, 3.
    expect(rows['loss']).toEqual(['0.5', '0.50', '0.9']);
    expect(rows['cpu.utilization']).toEqual(['70.0', '12.25', '70.0']);
    expect(rows['one']).toEqual(['3.0', '3.00', '3.0']);
  });

  it('metrics --plot says 1 point, not 1 points', async () => {
    const r = await runlens(['metrics', wide, '--metric', 'one', '--plot']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ {2}1 point, /m);
    expect(r.stdout).not.toMatch(/1 points/);
  });
});

describe('one value, one source', { timeout: 30_000 }, () => {
  it('the xgboost example states the final logloss its own series ends with', async () => {
    const ref = 'local:./examples/runs/sagemaker-xgboost-completed';
    const run = JSON.parse((await runlens(['describe', ref, '--json'])).stdout) as { finalMetrics: Record<string, number> };
    const { series } = JSON.parse((await runlens(['metrics', ref, '--kind', 'training', '--json'])).stdout) as { series: { name: string; points: { value: number }[] }[] };
    expect(Object.keys(run.finalMetrics).sort()).toEqual(['train:logloss', 'validation:logloss']);
    for (const s of series) expect(run.finalMetrics[s.name]).toBe(s.points.at(-1)!.value);
    const text = await runlens(['describe', ref]);
    expect(text.stdout).toMatch(/^ {2}train:logloss +0\.14908$/m);
  });
});
