// What a copy costs: a big run's series are read a group at a time (its points never held whole) and
// written in the floor of log-batch requests with params and tags riding along; a complete copy is
// recognised from the run's description alone; a copier looks its experiment up once.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runlens } from '@runlens/core';
import { startMlflowEmulator, type MlflowEmulator } from '@runlens/mlflow/testing';
import { ARTIFACTS, copyRuns } from '../src/index.js';
import { download, history, reader, sourceRunlens } from './support.js';

let mlflow: MlflowEmulator;
let scratch: string;
let runlens: Runlens;

beforeAll(async () => {
  mlflow = await startMlflowEmulator();
  scratch = mkdtempSync(path.join(tmpdir(), 'runlens-copy-efficiency-'));
  runlens = sourceRunlens();
});
afterAll(async () => {
  await runlens?.close();
  await mlflow?.close();
  rmSync(scratch, { recursive: true, force: true });
});

const SERIES = 12;
const POINTS = 300;
const PARAMS = 30;

/** A local archive with SERIES training series of POINTS points (names in a non-alphabetical order) and `nodes` nodes' logs. */
function manySeries(name: string, nodes = 1): string {
  const dir = path.join(scratch, name);
  mkdirSync(path.join(dir, 'metrics'), { recursive: true });
  mkdirSync(path.join(dir, 'logs'), { recursive: true });
  const start = Date.parse('2026-10-01T08:00:00Z');
  writeFileSync(
    path.join(dir, 'run.json'),
    JSON.stringify({
      ref: 'local:x',
      provider: 'local',
      id: 'x',
      name,
      status: 'completed',
      providerStatus: 'Completed',
      createdAt: '2026-10-01T07:59:00.000Z',
      startedAt: '2026-10-01T08:00:00.000Z',
      endedAt: '2026-10-01T09:30:00.000Z',
      nodes: Array.from({ length: nodes }, (_, n) => ({ name: `algo-${n + 1}` })),
      hyperparameters: Object.fromEntries(Array.from({ length: PARAMS }, (_, i) => [`hp${i}`, String(i)])),
      raw: {},
    }),
  );
  for (let s = 0; s < SERIES; s++) {
    const series = { name: `m/${(s * 7) % SERIES}`, kind: 'training', providerName: `m/${(s * 7) % SERIES}` };
    const lines = [JSON.stringify({ series }), ...Array.from({ length: POINTS }, (_, i) => JSON.stringify({ timestamp: start + i * 1000, step: i, value: s + i / POINTS }))];
    writeFileSync(path.join(dir, 'metrics', `s${String(s).padStart(2, '0')}.jsonl`), `${lines.join('\n')}\n`);
  }
  for (let n = 1; n <= nodes; n++) {
    const lines = Array.from({ length: 50 }, (_, i) => JSON.stringify({ timestamp: start + i * 100 + n, node: `algo-${n}`, message: `node ${n} line ${i}` }));
    writeFileSync(path.join(dir, 'logs', `algo-${n}.jsonl`), `${lines.join('\n')}\n`);
  }
  return `local:${dir}`;
}

/** The runlens with every query counted (the real one answers). */
function counting(inner: Runlens): { runlens: Runlens; calls: { method: string; names?: readonly string[] }[] } {
  const calls: { method: string; names?: readonly string[] }[] = [];
  const runlens = new Proxy(inner, {
    get(target, key) {
      const value = Reflect.get(target, key) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const query = args[1] as { names?: readonly string[] } | undefined;
        calls.push({ method: String(key), ...(key === 'metrics' && query?.names ? { names: query.names } : {}) });
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { runlens, calls };
}

const logBatches = () => mlflow.requests.filter((r) => r.path.endsWith('/runs/log-batch'));

describe('what a copy costs', { timeout: 60_000 }, () => {
  it('reads a run with many series a group at a time, and writes it whole in the floor of log-batch requests', async () => {
    const ref = manySeries('grouped');
    const { runlens: spied, calls } = counting(runlens);
    mlflow.resetRequests();
    // About 700 points at once: the first series alone, then two names (600 points) per query.
    const [outcome] = await copyRuns(spied, [ref], { to: mlflow.url, env: {}, experiment: 'grouped', pointsAtOnce: 700 });
    expect(outcome!.status).toBe('created');
    const reads = calls.filter((c) => c.method === 'metrics');
    expect(reads.map((c) => c.names?.length)).toEqual([1, 2, 2, 2, 2, 2, 1]);
    expect(new Set(reads.flatMap((c) => c.names ?? [])).size).toBe(SERIES);

    const client = reader(mlflow.url);
    const run = await client.getRun(outcome!.runId!);
    for (let s = 0; s < SERIES; s++) {
      const points = await history(client, run.info.run_id, `m/${(s * 7) % SERIES}`);
      expect(points.map((p) => [p.step, Number(p.value)])).toEqual(Array.from({ length: POINTS }, (_, i) => [i, s + i / POINTS]));
    }
    // The series' manifest keeps the source's order, whatever order the groups were read in.
    const manifest = JSON.parse((await download(client, run, ARTIFACTS.series)).toString('utf8')) as { name: string; points: number }[];
    const listed = (await runlens.metricDescriptors(ref)).map((d) => d.name);
    expect(manifest.map((m) => m.name)).toEqual(listed);
    expect(manifest.every((m) => m.points === POINTS)).toBe(true);

    // 30 params, the tags and 3,600 points: ⌈entities / 1000⌉ requests, params and tags riding along.
    const w = outcome!.written;
    expect(w.params).toBe(PARAMS);
    expect(w.points).toBe(SERIES * POINTS);
    const sent = logBatches();
    expect(sent).toHaveLength(Math.ceil((w.params + w.tags + w.points) / 1000));
    expect(w.batches).toBe(sent.length);
  });

  it('reads the logs of a run with many nodes a few nodes at a time, each node whole in its file', async () => {
    const ref = manySeries('nodes', 6);
    const { runlens: spied, calls } = counting(runlens);
    const [outcome] = await copyRuns(spied, [ref], { to: mlflow.url, env: {}, experiment: 'nodes' });
    expect(outcome!.status).toBe('created');
    expect(outcome!.written.logFiles).toBe(6);
    expect(outcome!.written.logLines).toBe(6 * 50);
    // One listing for the node names, then 4 nodes and 2 nodes (each pass lists its streams again).
    expect(calls.filter((c) => c.method === 'logStreams' || c.method === 'logs').map((c) => c.method)).toEqual(['logStreams', 'logs', 'logs']);
    const client = reader(mlflow.url);
    const run = await client.getRun(outcome!.runId!);
    for (let n = 1; n <= 6; n++) {
      const text = (await download(client, run, `runlens/logs/algo-${n}.jsonl`)).toString('utf8');
      const lines = text.trimEnd().split('\n').map((l) => JSON.parse(l) as { node: string; message: string });
      expect(lines.map((l) => l.message)).toEqual(Array.from({ length: 50 }, (_, i) => `node ${n} line ${i}`));
      expect(new Set(lines.map((l) => l.node))).toEqual(new Set([`algo-${n}`]));
    }
  });

  it('recognises a complete copy from the run description alone, reading nothing else', async () => {
    const ref = manySeries('complete');
    await copyRuns(runlens, [ref], { to: mlflow.url, env: {}, experiment: 'complete' });
    const { runlens: spied, calls } = counting(runlens);
    const [again] = await copyRuns(spied, [ref], { to: mlflow.url, env: {}, experiment: 'complete' });
    expect(again!.status).toBe('unchanged');
    expect(calls.map((c) => c.method).filter((m) => /^(metrics|metricDescriptors|artifacts|logs|logStreams|openArtifact)$/.test(m))).toEqual([]);
  });

  it('looks the experiment up once for a copier, however many runs it copies', async () => {
    const refs = ['a', 'b', 'c'].map((n) => manySeries(`once-${n}`));
    mlflow.resetRequests();
    const outcomes = await copyRuns(runlens, refs, { to: mlflow.url, env: {}, experiment: 'looked-up-once' });
    expect(outcomes.map((o) => o.status)).toEqual(['created', 'created', 'created']);
    const lookups = mlflow.requests.filter((r) => /\/experiments\/(get-by-name|get|create)$/.test(r.path));
    // The first run: not found, created (ensureExperiment looks once more), read back; then none.
    expect(lookups.map((r) => r.path.replace(/.*\/experiments\//, ''))).toEqual(['get-by-name', 'get-by-name', 'create', 'get']);
    // And one run's whole exchange with the target, experiment aside: find an earlier copy, create the
    // run, 4 log-batch requests (3,600 points, 30 params, the tags), the log, runlens's two files,
    // finish (status, then the complete tag).
    const perRun = mlflow.requests.filter((r) => !/\/experiments\//.test(r.path)).length / refs.length;
    expect(perRun).toBe(1 + 1 + 4 + 1 + 2 + 2);
  });
});
