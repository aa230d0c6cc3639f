// Issue 9: metric warnings are short and say which filter left a series out; --node takes globs
// like --metric; --list shows what there is; compare says when a metric name is ambiguous.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { at, lines, removeDir, runlens, tempDir, writeArchive, type FixtureSeries } from './helpers.js';

let root: string;
let wide: string;

beforeAll(() => {
  root = tempDir();
  // 60 nodes x 3 system series: 180 series, as a 60-node SageMaker job has.
  const metrics: FixtureSeries[] = [];
  for (let n = 1; n <= 60; n++) {
    for (const name of ['cpu.utilization', 'gpu.utilization', 'memory.utilization']) {
      metrics.push({ name, node: `algo-${n}`, kind: 'system', unit: 'percent', points: [{ timestamp: at(0), value: n }] });
    }
  }
  metrics.push({ name: 'train:logloss', kind: 'training', points: [{ timestamp: at(0), step: 0, value: 0.5 }, { timestamp: at(1000), step: 1, value: 0.4 }] });
  metrics.push({ name: 'validation:logloss', kind: 'training', points: [{ timestamp: at(0), step: 0, value: 0.6 }] });
  wide = `local:${writeArchive(path.join(root, 'wide'), { run: { name: 'wide', status: 'completed', nodes: Array.from({ length: 60 }, (_, i) => ({ name: `algo-${i + 1}` })) }, metrics })}`;
});
afterAll(() => removeDir(root));

describe('metrics selection and its warnings', { timeout: 30_000 }, () => {
  it('--node takes * globs as --metric does, with no contradictory warning', async () => {
    const r = await runlens(['metrics', wide, '--node', 'algo-1*', '--metric', 'cpu.utilization', '--csv']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const nodes = lines(r.stdout).slice(1).map((l) => l.split(',')[1]);
    expect(nodes).toEqual(['algo-1', ...Array.from({ length: 10 }, (_, i) => `algo-${10 + i}`)]);
  });

  it('a metric that exists but not for the selected nodes says so, without claiming it is not exposed', async () => {
    const r = await runlens(['metrics', wide, '--node', 'worker-*', '--metric', 'cpu.utilization']);
    expect(r.code).toBe(0);
    const err = lines(r.stderr);
    expect(err).toEqual([
      expect.stringMatching(/^warning: no metrics for node 'worker-\*' in \S+ \(60 nodes: algo-1, algo-2, algo-3 and 57 more\)$/),
      expect.stringMatching(/^warning: metric 'cpu.utilization' has no series for node 'worker-\*' in \S+ \(it has 60 nodes: algo-1, algo-2, algo-3 and 57 more\)$/),
    ]);
    expect(r.stderr).not.toMatch(/not exposed/);
  });

  it('warnings stay short: how many, a few, and where to see them all', async () => {
    const r = await runlens(['metrics', wide, '--metric', 'accuracy']);
    expect(r.code).toBe(0);
    const err = lines(r.stderr);
    expect(err).toHaveLength(1);
    expect(err[0]).toMatch(/^warning: metric 'accuracy' is not exposed by \S+ \(5 metrics: cpu.utilization, gpu.utilization, memory.utilization and 2 more; 'runlens metrics \S+ --list' lists them\)$/);
    expect(err[0]!.length).toBeLessThan(300);
  });

  it('--list shows every series without points, filtered like a query', async () => {
    const all = await runlens(['metrics', wide, '--list', '--csv']);
    expect(all.code).toBe(0);
    expect(lines(all.stdout)).toHaveLength(1 + 182);
    const some = await runlens(['metrics', wide, '--list', '--node', '*-60', '--kind', 'system', '--json']);
    const listed = JSON.parse(some.stdout).metrics as { name: string; node: string }[];
    expect(listed).toHaveLength(3);
    expect(listed.every((d) => d.node === 'algo-60')).toBe(true);
  });
});

describe('compare with an ambiguous metric name', { timeout: 30_000 }, () => {
  it('says the name is ambiguous and lists the candidates', async () => {
    const r = await runlens(['compare', wide, wide, '--metric', 'logloss']);
    expect(r.code).toBe(0);
    expect(lines(r.stderr)).toEqual([
      expect.stringMatching(/^warning: metric 'logloss' is ambiguous in local:\S+: it matches train:logloss, validation:logloss \(name one with --metric\)$/),
      expect.stringMatching(/^warning: metric 'logloss' is ambiguous in local:\S+: it matches train:logloss, validation:logloss \(name one with --metric\)$/),
    ]);
    const named = await runlens(['compare', wide, wide, '--metric', 'train:logloss']);
    expect(named.stderr).toBe('');
    expect(named.stdout).toMatch(/train:logloss final\s+0\.4\s+0\.4/);
  });

  it("the README's compare example shows a value in every metric row", async () => {
    const { readFileSync } = await import('node:fs');
    const { REPO } = await import('./helpers.js');
    const example = readFileSync(path.join(REPO, 'README.md'), 'utf8').split('\n').find((l) => l.startsWith('runlens compare local:'))!;
    const args = example.replace(/^runlens /, '').split(/\s+/);
    const r = await runlens(args);
    expect(r.code).toBe(0);
    const metricRows = lines(r.stdout).filter((l) => / (final|best) /.test(l));
    expect(metricRows.length).toBeGreaterThan(0);
    for (const row of metricRows) expect(row).toMatch(/\d/);
  });
});
