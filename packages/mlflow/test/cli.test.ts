// The built CLI (node packages/cli/dist/main.js) reading runs from the MLflow emulator, as a user runs it.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, TAGS, logArtifactPath, systemMetricKey } from '../src/conventions.js';
import { startMlflowEmulator, type MlflowEmulator } from '../src/testing/index.js';
import { logLines } from './harness.js';

const REPO = fileURLToPath(new URL('../../..', import.meta.url));
const BIN = path.join(REPO, 'packages/cli/dist/main.js');
const SPAWN = { timeout: 20_000 };
const T0 = Date.UTC(2026, 0, 5, 10, 0, 0);

interface Result {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

let emulator: MlflowEmulator;
let copied: string;
let bigKeymap: string;

function runlens(args: readonly string[], extra: Record<string, string | undefined> = {}): Promise<Result> {
  const env = { ...process.env, MLFLOW_TRACKING_URI: emulator.url, ...emulator.env, NO_COLOR: '1', COLUMNS: '120', FORCE_COLOR: undefined, ...extra };
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: REPO, env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  emulator = await startMlflowEmulator({ auth: { token: 'mlflow-secret-token' } });
  // A run as runlens copy writes it: renamed keys in the key map, failure and source tags, log artifacts.
  const run = emulator.seedRun({
    experiment: 'copies',
    runName: 'yolo-train',
    status: 'FAILED',
    startTime: T0,
    endTime: T0 + 120_000,
    params: { lr0: '0.01', 'batch_size_': '16' },
    tags: {
      team: 'vision',
      [TAGS.sourceRef]: 'sagemaker:yolo-train',
      [TAGS.sourceProvider]: 'sagemaker',
      [TAGS.sourceStatus]: 'Failed',
      [TAGS.failureCategory]: 'out-of-memory',
      [TAGS.failureReason]: 'CUDA out of memory',
      // As the source's describe gave it: log evidence already in, so reading back adds nothing twice.
      [TAGS.failureEvidence]: JSON.stringify(['[algo-1] RuntimeError: CUDA out of memory.']),
      [TAGS.keymap]: JSON.stringify({ 'metrics/mAP50-95_B_': 'metrics/mAP50-95(B)', 'batch_size_': 'batch-size@' }),
    },
    metrics: [
      { key: 'metrics/mAP50-95_B_', value: 0.31, timestamp: T0 + 1000, step: 1 },
      { key: 'metrics/mAP50-95_B_', value: 0.42, timestamp: T0 + 2000, step: 2 },
      { key: systemMetricKey('cpu.utilization', 'algo-1'), value: 55, timestamp: T0 + 1000 },
      { key: systemMetricKey('cpu.utilization', 'algo-1'), value: Number.NaN, timestamp: T0 + 61_000 },
    ],
  });
  copied = run.runId;
  emulator.putArtifact(copied, ARTIFACTS.run, JSON.stringify({ nodes: [{ name: 'algo-1', instanceType: 'ml.g5.xlarge' }, { name: 'algo-2', instanceType: 'ml.g5.xlarge' }] }));
  emulator.putArtifact(copied, logArtifactPath('algo-1'), logLines('algo-1', [{ timestamp: T0 + 10, message: 'epoch 1' }, { timestamp: T0 + 30, message: 'RuntimeError: CUDA out of memory.' }]));
  emulator.putArtifact(copied, logArtifactPath('algo-2'), logLines('algo-2', [{ timestamp: T0 + 20, message: 'epoch 1 on algo-2' }]));
  emulator.putArtifact(copied, 'weights/best.pt', 'weights-bytes');
  // A key map too big for a tag is the artifact runlens/keymap.json, with no tag.
  const big = emulator.seedRun({ experiment: 'copies', runName: 'big', startTime: T0, tags: { [TAGS.sourceRef]: 'local:./big', [TAGS.sourceProvider]: 'local' }, metrics: [{ key: 'loss_x_', value: 1, timestamp: T0, step: 0 }] });
  emulator.putArtifact(big.runId, ARTIFACTS.keymap, `${JSON.stringify({ 'loss_x_': 'loss[x]' })}\n`);
  bigKeymap = big.runId;
});
afterAll(() => emulator?.close());

describe('runlens CLI on MLflow', () => {
  it('describe restores renamed keys and reports the copied failure, source and nodes; the token never shows', SPAWN, async () => {
    const [text, json] = await Promise.all([runlens(['describe', `mlflow:${copied}`]), runlens(['describe', `mlflow:${copied}`, '--json'])]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/category\s+out-of-memory/);
    const run = JSON.parse(json.stdout);
    expect(run).toMatchObject({
      ref: `mlflow:${copied}`,
      name: 'yolo-train',
      status: 'failed',
      providerStatus: 'Failed',
      startedAt: new Date(T0).toISOString(),
      endedAt: new Date(T0 + 120_000).toISOString(),
      hyperparameters: { lr0: '0.01', 'batch-size@': '16' },
      tags: { team: 'vision' },
      failure: { category: 'out-of-memory', reason: 'CUDA out of memory', evidence: ['[algo-1] RuntimeError: CUDA out of memory.'] },
    });
    expect(run.nodes).toEqual([{ name: 'algo-1', instanceType: 'ml.g5.xlarge' }, { name: 'algo-2', instanceType: 'ml.g5.xlarge' }]);
    // A copy's final metrics are its source's (run.json holds none here); restored metric names: see the metrics test.
    expect(run.finalMetrics).toBeUndefined();
    expect(text.stdout + json.stdout + text.stderr).not.toContain('mlflow-secret-token');
  });

  it('logs merges the node artifacts by time, line for line', SPAWN, async () => {
    const result = await runlens(['logs', `mlflow:${copied}`, '--json']);
    expect(result.code, result.stderr).toBe(0);
    const records = result.stdout.trim().split('\n').map((l) => JSON.parse(l) as { node: string; message: string; timestamp: number });
    expect(records.map((r) => [r.node, r.message, r.timestamp])).toEqual([
      ['algo-1', 'epoch 1', T0 + 10],
      ['algo-2', 'epoch 1 on algo-2', T0 + 20],
      ['algo-1', 'RuntimeError: CUDA out of memory.', T0 + 30],
    ]);
  });

  it('metrics restores the original name and reads a system series per node with gaps as null', SPAWN, async () => {
    const result = await runlens(['metrics', `mlflow:${copied}`, '--json']);
    expect(result.code, result.stderr).toBe(0);
    const out = JSON.parse(result.stdout) as { series: { name: string; node?: string; kind: string; points: { value: unknown; step?: number }[] }[] };
    const map = out.series.find((s) => s.name === 'metrics/mAP50-95(B)');
    expect(map?.points.map((p) => [p.step, p.value])).toEqual([[1, 0.31], [2, 0.42]]);
    const cpu = out.series.find((s) => s.name === 'cpu.utilization');
    expect(cpu).toMatchObject({ node: 'algo-1', kind: 'system' });
    expect(cpu?.points.map((p) => p.value)).toEqual([55, null]);
  });

  it('artifacts lists the run\'s own files, not runlens\'s records', SPAWN, async () => {
    const result = await runlens(['artifacts', `mlflow:${copied}`, '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('weights/best.pt');
    expect(result.stdout).not.toContain('runlens/logs');
  });

  it('reads a key map moved to an artifact, and takes the server from --tracking-uri', SPAWN, async () => {
    const result = await runlens(['metrics', `mlflow:${bigKeymap}`, '--json', '--tracking-uri', emulator.url], { MLFLOW_TRACKING_URI: 'http://127.0.0.1:9/nothing-here' });
    expect(result.code, result.stderr).toBe(0);
    expect((JSON.parse(result.stdout) as { series: { name: string }[] }).series.map((s) => s.name)).toEqual(['loss[x]']);
  });

  it('bad input: no tracking URI (2), a missing run (3), a wrong token (4), each one line', SPAWN, async () => {
    const [noUri, missing, auth] = await Promise.all([
      runlens(['describe', `mlflow:${copied}`], { MLFLOW_TRACKING_URI: undefined }),
      runlens(['describe', 'mlflow:0123456789abcdef0123456789abcdef']),
      runlens(['describe', `mlflow:${copied}`], { MLFLOW_TRACKING_TOKEN: 'wrong-token' }),
    ]);
    expect([noUri.code, missing.code, auth.code]).toEqual([2, 3, 4]);
    for (const r of [noUri, missing, auth]) expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(noUri.stderr).toContain('MLFLOW_TRACKING_URI');
    expect(auth.stderr).not.toContain('wrong-token');
  });
});
