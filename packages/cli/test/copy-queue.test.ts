// Bulk copy over BullMQ with a real redis-server, real `runlens worker` processes and the MLflow
// emulator: a worker killed in the middle of a copy, another worker finishing it, and the target
// holding each run once with no metric point or log line twice. Also the local journal of a bulk copy.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startMlflowEmulator, type MlflowEmulator } from '@runlens/mlflow/testing';
import { REDIS_SERVER, REDIS_SKIP_REASON, REQUIRE_REDIS, startRedis, type TestRedis } from '@runlens/queue/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { at, BIN, cliEnv, completedRun, lines, removeDir, runlens, tempDir, writeArchive } from './helpers.js';

it('has a redis-server for the queue tests', (context) => {
  if (REDIS_SERVER) return;
  if (REQUIRE_REDIS) throw new Error(`RUNLENS_REQUIRE_REDIS=1 but ${REDIS_SKIP_REASON}`);
  console.warn(`copy --queue tests skipped: ${REDIS_SKIP_REASON}`);
  context.skip(REDIS_SKIP_REASON);
});

const BIG = 30_000;

interface MlflowRunInfo {
  info: { run_id: string; status: string; start_time: number; end_time?: number };
  data: { tags?: { key: string; value: string }[] };
}

describe.skipIf(!REDIS_SERVER)('copy --queue and runlens worker', { timeout: 120_000 }, () => {
  let root: string;
  let archives: string;
  let redis: TestRedis;
  let mlflow: MlflowEmulator;
  const workers: ChildProcess[] = [];

  beforeAll(async () => {
    root = tempDir('runlens-copy-queue-');
    archives = path.join(root, 'runs');
    for (const name of ['a', 'b', 'c']) completedRun(path.join(archives, name));
    // One run with a long log and a long metric history: its copy takes long enough to be cut.
    writeArchive(path.join(archives, 'big'), {
      run: { name: 'big', status: 'completed', createdAt: '2026-01-02T00:00:00Z', startedAt: '2026-01-02T00:00:00Z', endedAt: '2026-01-02T02:00:00Z', nodes: [{ name: 'algo-1' }] },
      logs: { 'algo-1': Array.from({ length: BIG }, (_, i) => ({ timestamp: at(i), node: 'algo-1', message: `line ${i} loss=${(1 / (i + 1)).toFixed(6)}` })) },
      metrics: [{ name: 'loss', kind: 'training', points: Array.from({ length: BIG }, (_, step) => ({ timestamp: at(step), step, value: 1 / (step + 1) })) }],
    });
    [redis, mlflow] = await Promise.all([startRedis(), startMlflowEmulator()]);
  });
  afterAll(async () => {
    for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL');
    await Promise.all([redis?.stop(), mlflow?.close()]);
    removeDir(root);
  });

  const env = (extra: Record<string, string> = {}) => ({ RUNLENS_LOCAL_ROOT: archives, XDG_STATE_HOME: path.join(root, 'state'), ...extra });

  function worker(...args: string[]): ChildProcess & { seen: () => string } {
    const child = spawn(process.execPath, [BIN, 'worker', '--queue', redis.url, '--json', ...args], { env: cliEnv(env()), stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout!.on('data', (d) => (text += d));
    child.stderr!.on('data', (d) => (text += d));
    workers.push(child);
    return Object.assign(child, { seen: () => text });
  }

  async function mlflowApi<T>(route: string, body: unknown): Promise<T> {
    const response = await fetch(`${mlflow.url}/api/2.0/mlflow/${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(response.status, route).toBe(200);
    return (await response.json()) as T;
  }

  async function copiesOf(experiment: string): Promise<Map<string, MlflowRunInfo[]>> {
    const { experiment: e } = await (await fetch(`${mlflow.url}/api/2.0/mlflow/experiments/get-by-name?experiment_name=${encodeURIComponent(experiment)}`)).json() as { experiment: { experiment_id: string } };
    const { runs = [] } = await mlflowApi<{ runs?: MlflowRunInfo[] }>('runs/search', { experiment_ids: [e.experiment_id], max_results: 1000 });
    const bySource = new Map<string, MlflowRunInfo[]>();
    for (const run of runs) {
      const source = run.data.tags?.find((t) => t.key === 'runlens.source.ref')?.value ?? '?';
      bySource.set(source, [...(bySource.get(source) ?? []), run]);
    }
    return bySource;
  }

  it("a worker killed mid-copy loses nothing: another takes its run over and the target holds each run once", async () => {
    // A short lock, so that its run is taken over soon after it dies.
    const first = worker('--concurrency', '1', '--lock', '1s');
    await once(first.stderr!, 'data'); // its "copying queued runs" line: the worker is listening
    const queued = await runlens(['copy', '--provider', 'local', '--to', mlflow.url, '--experiment', 'queued', '--queue', redis.url, '--no-wait'], { env: env() });
    expect(queued.code, queued.stderr).toBe(0);
    expect(lines(queued.stderr)).toEqual([expect.stringMatching(/^queued 4 runs on redis:\/\/127\.0\.0\.1:\d+ \(4 new\); `runlens worker --queue redis:\/\/127\.0\.0\.1:\d+` copies them$/)]);
    // Kill it once the big run's metric history is being written: mid-copy.
    // (Only the big run's batches are that large: 1,000 points each.)
    while (mlflow.requests.filter((r) => r.path.endsWith('/runs/log-batch') && r.bodyBytes > 20_000).length < 3) await new Promise((r) => setTimeout(r, 20));
    first.kill('SIGKILL');
    await once(first, 'exit');
    // Cut indeed: the big run's copy exists, unfinished.
    const cut = [...(await copiesOf('queued'))].find(([source]) => source.endsWith('/big'))![1];
    expect(cut).toHaveLength(1);
    expect(cut[0]!.data.tags?.find((t) => t.key === 'runlens.copy.complete')).toBeUndefined();

    // A lock long enough to hold on a loaded machine; it checks for lapsed locks every 2.5 s.
    worker('--concurrency', '2', '--lock', '5s');
    // The same command again, waiting this time: nothing new is queued, and it reports every run.
    const waited = await runlens(['copy', '--provider', 'local', '--to', mlflow.url, '--experiment', 'queued', '--queue', redis.url, '--json'], { env: env() });
    expect(waited.code, waited.stderr).toBe(0);
    expect(waited.stderr).toMatch(/\(4 already queued or done\)/);
    const outcomes = lines(waited.stdout).map((l) => JSON.parse(l) as { source: string; status: string; runId: string });
    expect(outcomes).toHaveLength(4);

    const copies = await copiesOf('queued');
    expect([...copies.values()].map((runs) => runs.length)).toEqual([1, 1, 1, 1]);
    const big = [...copies].find(([source]) => source.endsWith('/big'))![1][0]!;
    expect(big.data.tags?.find((t) => t.key === 'runlens.copy.complete')).toBeDefined();
    // Every point once, in order, although the first worker died while logging them.
    const steps: number[] = [];
    for (let token = ''; ; ) {
      const page = (await (await fetch(`${mlflow.url}/api/2.0/mlflow/metrics/get-history?run_id=${big.info.run_id}&metric_key=loss${token ? `&page_token=${encodeURIComponent(token)}` : ''}`)).json()) as { metrics?: { step: number }[]; next_page_token?: string };
      steps.push(...(page.metrics ?? []).map((m) => m.step));
      if (!page.next_page_token) break;
      token = page.next_page_token;
    }
    expect(steps).toEqual(Array.from({ length: BIG }, (_, i) => i));
  });

  it('a bulk copy journals each run, and the rerun skips them by the journal', async () => {
    const journal = path.join(root, 'journal.jsonl');
    const first = await runlens(['copy', '--provider', 'local', '--to', mlflow.url, '--experiment', 'journaled', '--journal', journal], { env: env() });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/copy: 4 runs: 4 created; journal: /);
    expect(readFileSync(journal, 'utf8').trim().split('\n')).toHaveLength(4);
    mlflow.resetRequests();
    const again = await runlens(['copy', '--provider', 'local', '--to', mlflow.url, '--experiment', 'journaled', '--journal', journal], { env: env() });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/copy: 4 runs: 4 skipped \(done, per the journal\)/);
    // Nothing but the check that the target is an MLflow server.
    expect(mlflow.requests.map((r) => r.path)).toEqual([expect.stringMatching(/experiments\/search$/)]);
    expect([...(await copiesOf('journaled')).values()].map((runs) => runs.length)).toEqual([1, 1, 1, 1]);
  });

  it('refuses bad combinations and a wrong queue URL with one line and exit 2; an unreachable Redis is exit 5', async () => {
    const both = await runlens(['copy', 'local:x', '--provider', 'local', '--to', mlflow.url], { env: env() });
    expect([both.code, lines(both.stderr)]).toEqual([2, ['runlens: copy: give run references or --provider, not both']]);
    const neither = await runlens(['copy', '--to', mlflow.url], { env: env() });
    expect([neither.code, lines(neither.stderr)]).toEqual([2, ['runlens: copy: give run references, or select runs with --provider']]);
    const scheme = await runlens(['worker', '--queue', 'http://127.0.0.1:6379'], { env: env() });
    expect([scheme.code, lines(scheme.stderr)]).toEqual([2, ["runlens: --queue must be a redis:// or rediss:// URL, not http://…"]]);
    const down = await runlens(['copy', '--provider', 'local', '--to', mlflow.url, '--queue', 'redis://:hunter2-secret@127.0.0.1:1'], { env: env() });
    expect(down.code).toBe(5);
    expect(lines(down.stderr)).toEqual([expect.stringMatching(/^runlens: cannot reach Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:1: /)]);
    expect(down.stderr).not.toContain('hunter2-secret');
  });
});
