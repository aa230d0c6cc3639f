import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completedRun, failedRun, lines, removeDir, runlens, tempDir } from './helpers.js';

let root: string;
let a: string;
let b: string;

beforeAll(() => {
  root = tempDir();
  a = `local:${completedRun(path.join(root, 'runs', 'a'))}`;
  b = `local:${failedRun(path.join(root, 'runs', 'b'))}`;
});
afterAll(() => removeDir(root));

describe('runlens compare', () => {
  it('prints a side-by-side table: one column per run', async () => {
    const r = await runlens(['compare', a, b]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const out = lines(r.stdout);
    // Headed by the shortest distinct tails of the refs, mapped back to the refs after the table.
    expect(out[0]!.trim().split(/\s+/)).toEqual(['a', 'b']);
    expect(out.slice(-2)).toEqual([`a  ${a}`, `b  ${b}`]);
    const row = (label: string) => out.find((l) => l.startsWith(`${label} `))?.slice(label.length).trim().split(/\s{2,}/);
    expect(row('name')).toEqual(['fixture-completed', 'fixture-failed']);
    expect(row('provider')).toEqual(['local', 'local']);
    expect(row('status')).toEqual(['completed', 'failed']);
    expect(row('duration')).toEqual(['1h01m03s', '10m00s']);
    expect(row('loss final')).toEqual(['0.2', '0.8']);
    expect(row('loss best')).toEqual(['0.2 (step 4)', '0.8 (step 2)']);
  });

  it('--json prints the Comparison', async () => {
    const r = await runlens(['compare', a, b, '--metric', 'loss', '--json']);
    expect(r.code).toBe(0);
    const comparison = JSON.parse(r.stdout);
    expect(comparison.metrics).toEqual(['loss']);
    expect(comparison.runs.map((run: { ref: string }) => run.ref)).toEqual([a, b]);
    expect(comparison.runs[1].metrics.loss).toMatchObject({ final: 0.8, best: 0.8, bestStep: 2 });
    expect(comparison.curves[0]).toMatchObject({ metric: 'loss', x: 'step' });
  });

  it('--plot draws each metric with one line per run and a legend', async () => {
    const r = await runlens(['compare', a, b, '--plot']);
    expect(r.code).toBe(0);
    const out = lines(r.stdout);
    expect(out[0]).toBe('loss by step');
    expect(out.filter((l) => /[┤┼]/.test(l)).length).toBeGreaterThan(3);
    expect(out.some((l) => l.trim() === `── ${a}`)).toBe(true);
    expect(out.some((l) => l.trim() === `** ${b}`)).toBe(true);
    expect(out.some((l) => /^ {1,}x: 0 → 4 \(step\)$/.test(l))).toBe(true);
  });

  it('needs two runs', async () => {
    const r = await runlens(['compare', a]);
    expect(r.code).toBe(2);
    expect(lines(r.stderr)).toEqual(['runlens: compare needs at least two run references']);
  });
});

describe('runlens runs', () => {
  const env = () => ({ RUNLENS_LOCAL_ROOT: path.join(root, 'runs') });

  it('lists runs newest first: ref, status, created, ended, name', async () => {
    const r = await runlens(['runs'], { env: env() });
    expect(r.code).toBe(0);
    const [header, ...rows] = lines(r.stdout);
    expect(header!.split(/\s+/)).toEqual(['ref', 'status', 'created', 'ended', 'name']);
    expect(rows.map((row) => row.split(/\s+/))).toEqual([
      [b, 'failed', '2026-01-02T00:00:00Z', '2026-01-02T00:10:00Z', 'fixture-failed'],
      [a, 'completed', '2026-01-01T00:00:00Z', '2026-01-01T01:01:03Z', 'fixture-completed'],
    ]);
  });

  it('--json, --status and --limit', async () => {
    const all = await runlens(['runs', '--json'], { env: env() });
    expect(Object.keys(JSON.parse(all.stdout))).toEqual(['runs']);
    expect(JSON.parse(all.stdout).runs.map((s: { name: string }) => s.name)).toEqual(['fixture-failed', 'fixture-completed']);
    // The failure category the HTTP API and the web view's runs table show: the same summary.
    expect(JSON.parse(all.stdout).runs.map((s: { failure?: unknown }) => s.failure)).toEqual([{ category: 'out-of-memory', reason: 'CUDA out of memory' }, undefined]);
    const completed = await runlens(['runs', '--status', 'completed', '--json', '--provider', 'local'], { env: env() });
    expect(JSON.parse(completed.stdout).runs.map((s: { name: string }) => s.name)).toEqual(['fixture-completed']);
    const one = await runlens(['runs', '--limit', '1', '--json'], { env: env() });
    expect(JSON.parse(one.stdout).runs).toHaveLength(1);
  });
});
