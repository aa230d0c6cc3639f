// `runs --until` (created before), zone-less times read as UTC, and --since after --until refused.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completedRun, failedRun, lines, removeDir, runlens, tempDir } from './helpers.js';

let root: string;
beforeAll(() => {
  root = tempDir();
  completedRun(path.join(root, 'runs', 'a')); // created 2026-01-01T00:00:00Z
  failedRun(path.join(root, 'runs', 'b')); // created 2026-01-02T00:00:00Z
});
afterAll(() => removeDir(root));

describe('runs --until', { timeout: 30_000 }, () => {
  const env = () => ({ RUNLENS_LOCAL_ROOT: path.join(root, 'runs'), TZ: 'Asia/Tokyo' });
  const names = (stdout: string) => JSON.parse(stdout).runs.map((r: { name: string }) => r.name);

  it('lists only runs created before the time (UTC when no zone is given)', async () => {
    const before = await runlens(['runs', '--until', '2026-01-02T00:00:00', '--json'], { env: env() });
    expect([before.code, before.stderr]).toEqual([0, '']);
    expect(names(before.stdout)).toEqual(['fixture-completed']);
    const window = await runlens(['runs', '--since', '2026-01-01T12:00:00Z', '--until', '2026-01-03', '--json'], { env: env() });
    expect(names(window.stdout)).toEqual(['fixture-failed']);
  });

  it('--since not before --until is a usage error', async () => {
    const r = await runlens(['runs', '--since', '2026-01-03', '--until', '2026-01-02'], { env: env() });
    expect(r.code).toBe(2);
    expect(lines(r.stderr)).toEqual(['runlens: --since must be earlier than --until']);
  });
});
