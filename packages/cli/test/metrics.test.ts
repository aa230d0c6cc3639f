import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { at, completedRun, lines, removeDir, runlens, tempDir } from './helpers.js';

let root: string;
let ref: string;

beforeAll(() => {
  root = tempDir();
  ref = `local:${completedRun(path.join(root, 'completed'))}`;
});
afterAll(() => removeDir(root));

describe('runlens metrics', () => {
  it('prints a summary table of the series', async () => {
    const r = await runlens(['metrics', ref]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const [header, ...rows] = lines(r.stdout);
    expect(header!.split(/\s+/)).toEqual(['name', 'node', 'kind', 'unit', 'points', 'last', 'min', 'max']);
    const byName = Object.fromEntries(rows.map((row) => [row.split(/\s+/)[0], row.split(/\s+/)]));
    // Each number column to one precision.
    expect(byName['loss']).toEqual(['loss', '-', 'training', '-', '5', '0.2', '0.2', '0.9']);
    expect(byName['cpu.utilization']).toEqual(['cpu.utilization', 'algo-1', 'system', 'percent', '8', '70.0', '10.0', '70.0']);
  });

  it('--csv prints a header and one row per point, null as an empty cell', async () => {
    const r = await runlens(['metrics', ref, '--csv']);
    expect(r.code).toBe(0);
    const out = lines(r.stdout);
    expect(out[0]).toBe('name,node,kind,unit,timestamp,step,value');
    expect(out).toHaveLength(1 + 5 + 8);
    expect(out).toContain(`loss,,training,,${new Date(at(1000)).toISOString()},1,0.6`);
    expect(out).toContain(`cpu.utilization,algo-1,system,percent,${new Date(at(120_000)).toISOString()},,`);
    expect(out).toContain(`cpu.utilization,algo-1,system,percent,${new Date(at(60_000)).toISOString()},,20`);
  });

  it('--json prints {"series": [...]} with the points as stored', async () => {
    const r = await runlens(['metrics', ref, '--json']);
    expect(r.code).toBe(0);
    const parsed = JSON.parse(r.stdout);
    expect(Object.keys(parsed)).toEqual(['series']);
    const cpu = parsed.series.find((s: { name: string }) => s.name === 'cpu.utilization');
    expect(cpu).toMatchObject({ node: 'algo-1', kind: 'system', unit: 'percent' });
    expect(cpu.points.map((p: { value: number | null }) => p.value)).toEqual([10, 20, null, null, null, 50, 60, 70]);
  });

  it('--metric, --kind and --node select series; an unknown metric is a warning', async () => {
    const loss = await runlens(['metrics', ref, '--metric', 'loss', '--json']);
    expect(JSON.parse(loss.stdout).series.map((s: { name: string }) => s.name)).toEqual(['loss']);
    const system = await runlens(['metrics', ref, '--kind', 'system', '--json']);
    expect(JSON.parse(system.stdout).series.map((s: { name: string }) => s.name)).toEqual(['cpu.utilization']);
    const missing = await runlens(['metrics', ref, '--metric', 'accuracy']);
    expect(missing.code).toBe(0);
    expect(missing.stdout).toBe('no metric series\n');
    expect(lines(missing.stderr)).toEqual([expect.stringMatching(/^warning: metric 'accuracy' is not exposed by /)]);
  });

  it('--plot draws one chart per series, leaving missing samples as a gap', async () => {
    const r = await runlens(['metrics', ref, '--plot']);
    expect(r.code).toBe(0);
    const out = lines(r.stdout);
    const title = out.indexOf('cpu.utilization @ algo-1 (percent)');
    expect(title).toBeGreaterThanOrEqual(0);
    expect(out).toContain('loss');
    const chart: string[] = [];
    for (let i = title + 1; i < out.length && /[┤┼]/.test(out[i]!); i++) chart.push(out[i]!);
    expect(chart.length).toBeGreaterThan(3);
    // Data starts right after the axis; values 2-4 are null, so the columns drawing 2→3, 3→4, 4→5 are empty.
    const axis = chart[0]!.search(/[┤┼]/);
    const column = (k: number) => chart.map((row) => row[axis + 1 + k] ?? ' ').join('');
    expect(column(0).trim()).not.toBe('');
    expect(column(1).trim()).not.toBe('');
    for (const k of [2, 3, 4]) expect(column(k).trim()).toBe('');
    expect(column(5).trim()).not.toBe('');
    expect(chart[0]!.trimStart().startsWith('70')).toBe(true);
    expect(chart[chart.length - 1]!.trimStart().startsWith('10')).toBe(true);
  });
});
