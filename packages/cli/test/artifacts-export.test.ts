import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completedRun, lines, removeDir, runlens, runlensHere, spawns, tempDir, IN_PROCESS_MS } from './helpers.js';

let root: string;
let dir: string;
let ref: string;

beforeAll(() => {
  root = tempDir();
  dir = completedRun(path.join(root, 'completed'));
  ref = `local:${dir}`;
});
afterAll(() => removeDir(root));

const pick = (object: Record<string, unknown>, ...keys: string[]) => Object.fromEntries(keys.map((k) => [k, object[k]]));
const manifest = () => JSON.parse(readFileSync(path.join(dir, 'artifacts.json'), 'utf8')) as { path: string; size: number; sha256: string }[];

describe('runlens artifacts', () => {
  it('lists path, human size and a sha256 prefix', async () => {
    const r = await runlens(['artifacts', ref]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const [header, ...rows] = lines(r.stdout);
    expect(header!.split(/\s+/)).toEqual(['path', 'size', 'sha256']);
    const weights = manifest().find((a) => a.path === 'model/weights.bin')!;
    expect(rows.map((row) => row.split(/\s{2,}/))).toContainEqual(['model/weights.bin', '293 KiB', weights.sha256.slice(0, 12)]);
    expect(rows.map((row) => row.split(/\s{2,}/))).toContainEqual(['metrics.json', '14 B', manifest().find((a) => a.path === 'metrics.json')!.sha256.slice(0, 12)]);
  });

  it('--json prints {"artifacts": [...]}', async () => {
    const r = await runlens(['artifacts', ref, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).artifacts).toEqual(expect.arrayContaining(manifest().map((a) => expect.objectContaining(a))));
  });

  it('--download writes identical bytes and prints a one-line summary', async () => {
    const target = path.join(root, 'download');
    const r = await runlens(['artifacts', ref, '--download', target]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(lines(r.stdout)).toEqual([`downloaded 2 artifacts (293 KiB) to ${target}`]);
    for (const artifact of manifest()) {
      expect(readFileSync(path.join(target, ...artifact.path.split('/'))).equals(readFileSync(path.join(dir, 'artifacts', ...artifact.path.split('/'))))).toBe(true);
    }
  });

  it('--path downloads only the selected artifacts', async () => {
    const target = path.join(root, 'download-one');
    const r = await runlens(['artifacts', ref, '--download', target, '--path', 'model']);
    expect(r.code).toBe(0);
    expect(existsSync(path.join(target, 'model', 'weights.bin'))).toBe(true);
    expect(existsSync(path.join(target, 'metrics.json'))).toBe(false);
  });
});

describe('runlens export', () => {
  it('exports a run, prints a summary, and the copy reads back the same', spawns(1, IN_PROCESS_MS), async () => {
    const out = path.join(root, 'exported');
    const r = await runlens(['export', ref, '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(lines(r.stdout)).toEqual([
      `exported ${ref} to ${out}`,
      '  2 nodes, 7 log records, 2 metric series (13 points), 2 artifacts (293 KiB)',
      `read it back with: runlens describe local:${out}`,
    ]);

    // Reading back is not about the process: in this one, from the sources.
    const [original, copy, logs, originalLogs] = await Promise.all([
      runlensHere(['describe', ref, '--json']),
      runlensHere(['describe', `local:${out}`, '--json']),
      runlensHere(['logs', `local:${out}`]),
      runlensHere(['logs', ref]),
    ]);
    expect(copy.code).toBe(0);
    expect(JSON.parse(copy.stdout)).toMatchObject({ ...pick(JSON.parse(original.stdout), 'name', 'status', 'hyperparameters'), ref: `local:${out}` });
    expect(logs.code).toBe(0);
    expect(logs.stdout).toBe(originalLogs.stdout);
    expect(readFileSync(path.join(out, 'artifacts', 'model', 'weights.bin')).equals(readFileSync(path.join(dir, 'artifacts', 'model', 'weights.bin')))).toBe(true);
  });

  it('refuses a non-empty directory', async () => {
    const r = await runlens(['export', ref, '--out', dir]);
    expect(r.code).toBe(2);
    expect(lines(r.stderr)).toEqual([expect.stringMatching(/^runlens: .*is not empty/)]);
  });
});
