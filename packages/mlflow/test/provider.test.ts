// The mlflow: provider through core's query API against the emulator: log pages from byte offsets
// with and without Range, unterminated last lines, retries on the wire, runs MLflow made itself.
import { createRunlens, type LogRecord } from '@runlens/core';
import { MockAgent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { TAGS, logArtifactPath, longValuePath } from '../src/conventions.js';
import { mlflowProvider } from '../src/index.js';
import { startMlflowEmulator, type MlflowEmulator } from '../src/testing/index.js';
import { logLines } from './harness.js';

const T0 = Date.UTC(2026, 0, 5, 10, 0, 0);
let emulator: MlflowEmulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

function runlensFor(e: MlflowEmulator, settings: Record<string, unknown> = {}) {
  return createRunlens({
    providers: [mlflowProvider],
    env: { MLFLOW_TRACKING_URI: e.url },
    settings: { mlflow: { logPageBytes: 256, ...settings } },
    retry: { baseDelayMs: 1, maxDelayMs: 5 },
  });
}

async function collect(iterable: AsyncIterable<LogRecord>): Promise<LogRecord[]> {
  const out: LogRecord[] = [];
  for await (const r of iterable) out.push(r);
  return out;
}

const lines = (n: number) => Array.from({ length: n }, (_, i) => ({ timestamp: T0 + i, message: `line ${i} ${'x'.repeat(i % 7)}` }));

describe('mlflow provider', () => {
  it.each([false, true])('reads a node log page by page from byte offsets (Range support: %s), line for line', async (rangeSupport) => {
    emulator = await startMlflowEmulator({ rangeSupport });
    const run = emulator.seedRun({ runName: 'paged', startTime: T0, endTime: T0 + 1000 });
    emulator.putArtifact(run.runId, logArtifactPath('algo-1'), logLines('algo-1', lines(200)));
    const records = await collect(await runlensFor(emulator).logs(`mlflow:${run.runId}`));
    expect(records.map((r) => [r.timestamp, r.message])).toEqual(lines(200).map((l) => [l.timestamp, l.message]));
    const downloads = emulator.requests.filter((r) => r.path.includes('/runlens/logs/'));
    expect(downloads.length).toBeGreaterThan(10); // 256-byte pages
    expect(downloads.some((r) => r.status === 206)).toBe(rangeSupport);
  });

  it('leaves an unterminated last line until the run has ended', async () => {
    emulator = await startMlflowEmulator();
    const run = emulator.seedRun({ runName: 'live', status: 'RUNNING', startTime: T0 });
    emulator.putArtifact(run.runId, logArtifactPath('algo-1'), `${logLines('algo-1', lines(2))}{"timestamp":${T0 + 5},"node":"algo-1","message":"half`);
    const live = await collect(await runlensFor(emulator).logs(`mlflow:${run.runId}`));
    expect(live.map((r) => r.message)).toEqual(lines(2).map((l) => l.message));
    emulator.appendArtifact(run.runId, logArtifactPath('algo-1'), ' done"}');
    emulator.setRunStatus(run.runId, 'FINISHED', T0 + 10);
    const ended = await collect(await runlensFor(emulator).logs(`mlflow:${run.runId}`));
    expect(ended.map((r) => r.message)).toEqual([...lines(2).map((l) => l.message), 'half done']);
  });

  it('a 503 is retried by core: two requests on the wire, one answer', async () => {
    emulator = await startMlflowEmulator();
    const run = emulator.seedRun({ runName: 'flaky', startTime: T0 });
    emulator.faults.inject({ path: 'runs/get', kind: '503', times: 1 });
    const described = await runlensFor(emulator).describe(`mlflow:${run.runId}`);
    expect(described.name).toBe('flaky');
    expect(emulator.requests.filter((r) => r.path.endsWith('/runs/get')).map((r) => r.status)).toEqual([503, 200]);
  });

  it('reads a run MLflow made itself: params, tags without mlflow.*, training and system metrics, no logs', async () => {
    emulator = await startMlflowEmulator();
    const run = emulator.seedRun({
      runName: 'native',
      status: 'FINISHED',
      startTime: T0,
      endTime: T0 + 60_000,
      params: { alpha: '0.5' },
      tags: { 'mlflow.user': 'ann', owner: 'team-a' },
      metrics: [
        { key: 'rmse', value: 0.7, timestamp: T0 + 1, step: 0 },
        { key: 'rmse', value: 0.6, timestamp: T0 + 2, step: 1 },
        { key: 'system/cpu_utilization_percentage', value: 12.5, timestamp: T0 + 10_000, step: 0 },
        { key: 'system/gpu_0_utilization_percentage', value: 80, timestamp: T0 + 10_000, step: 0 },
      ],
    });
    const runlens = runlensFor(emulator);
    const described = await runlens.describe(`mlflow:${run.runId}`);
    expect(described).toMatchObject({ status: 'completed', providerStatus: 'FINISHED', hyperparameters: { alpha: '0.5' }, tags: { owner: 'team-a' }, finalMetrics: { rmse: 0.6 } });
    expect(described.tags).not.toHaveProperty('mlflow.user');
    const { series } = await runlens.metrics(`mlflow:${run.runId}`);
    const byName = Object.fromEntries(series.map((s) => [s.name, s]));
    expect(byName.rmse?.points).toEqual([{ timestamp: T0 + 1, step: 0, value: 0.7 }, { timestamp: T0 + 2, step: 1, value: 0.6 }]);
    expect(byName['cpu.utilization']).toMatchObject({ kind: 'system', unit: 'percent', providerName: 'system/cpu_utilization_percentage' });
    expect(byName['gpu_0_utilization_percentage']).toMatchObject({ kind: 'system', providerName: 'system/gpu_0_utilization_percentage' });
    expect(await collect(await runlens.logs(`mlflow:${run.runId}`))).toEqual([]);
  });

  it('puts back param and tag values too long for MLflow from the artifacts runlens.long_values names', async () => {
    emulator = await startMlflowEmulator();
    const longParam = 'p'.repeat(7000);
    const longTag = 't'.repeat(6000);
    // As runlens copy writes them: not logged, kept whole in artifacts, indexed by MLflow key.
    const run = emulator.seedRun({
      runName: 'long',
      startTime: T0,
      params: { short: '1' },
      tags: { [TAGS.sourceRef]: 'local:./long', [TAGS.sourceProvider]: 'local', [TAGS.keymap]: JSON.stringify({ 'cfg_x_': 'cfg[x]' }), [TAGS.longValues]: JSON.stringify({ params: { 'cfg_x_': longValuePath('params', 'cfg_x_') }, tags: { notes: longValuePath('tags', 'notes') } }) },
    });
    emulator.putArtifact(run.runId, longValuePath('params', 'cfg_x_'), longParam);
    emulator.putArtifact(run.runId, longValuePath('tags', 'notes'), longTag);
    const described = await runlensFor(emulator).describe(`mlflow:${run.runId}`);
    expect(described.hyperparameters).toEqual({ short: '1', 'cfg[x]': longParam });
    expect(described.tags?.notes).toBe(longTag);
  });
});

describe('contract v2', () => {
  it('follow knobs and test hooks are not settings, and bad values fail in core, one line naming the key', () => {
    for (const key of ['statusPollMs', 'streamDiscoveryMs', 'followPollMinMs', 'followPollMaxMs', 'dispatcher']) {
      expect(() => createRunlens({ providers: [mlflowProvider], settings: { mlflow: { [key]: 1 } } }), key).toThrow(new RegExp(`invalid settings for provider 'mlflow': unknown setting '${key}'`));
    }
    expect(() => createRunlens({ providers: [mlflowProvider], settings: { mlflow: { logPageBytes: 0 } } })).toThrow(/logPageBytes: must be at least 1/);
    expect(() => createRunlens({ providers: [mlflowProvider], settings: { mlflow: { trackingUri: 42 } } })).toThrow(/trackingUri \(--tracking-uri\): expected string/);
  });

  it('a run whose artifacts the server does not proxy says per run that it has no artifacts or logs, and why', async () => {
    const agent = new MockAgent();
    agent.disableNetConnect();
    const origin = 'https://mlflow.example.com';
    agent
      .get(origin)
      .intercept({ path: (p) => p.startsWith('/api/2.0/mlflow/runs/get?'), method: 'GET' })
      .reply(200, { run: { info: { run_id: 'r1', run_name: 'on-s3', status: 'FINISHED', start_time: T0, end_time: T0 + 1000, artifact_uri: 's3://bucket/1/r1/artifacts' }, data: { tags: [], params: [], metrics: [] } } })
      .persist();
    const rl = createRunlens({ providers: [mlflowProvider], env: { MLFLOW_TRACKING_URI: origin }, testHooks: { mlflow: { dispatcher: agent } }, retry: { baseDelayMs: 1, maxDelayMs: 5 } });
    try {
      const view = await rl.describeRun('mlflow:r1');
      expect(view.run).toMatchObject({ ref: 'mlflow:r1', provider: 'mlflow', name: 'on-s3' });
      // Run.raw is MLflow's own run document, not the adapter's state.
      expect((view.run.raw as { info: { artifact_uri: string } }).info.artifact_uri).toBe('s3://bucket/1/r1/artifacts');
      expect(view.capabilities.artifacts).toEqual({ available: false, reason: expect.stringContaining("'s3://bucket/1/r1/artifacts'") });
      expect(view.capabilities.logs.available).toBe(false);
      expect(view.capabilities.trainingMetrics.available).toBe(true);
      await expect(rl.artifacts('mlflow:r1')).rejects.toMatchObject({ code: 'Unsupported', message: expect.stringContaining('--serve-artifacts') });
    } finally {
      await rl.close();
      await agent.close();
    }
  });
});
