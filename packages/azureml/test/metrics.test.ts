// Metrics through the emulator's MLflow and metric service endpoints: every kind of seed 004 survives,
// histories are read page by page with every page token, and the series line up with other providers'
// in compare and export. MLflow params show up in describe.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { interleavedFixture } from '@runlens/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedFixture } from './harness.js';
import { setup, type Setup } from './support.js';

describe('azureml metrics', () => {
  let s: Setup;
  let dir: string;

  beforeAll(async () => {
    s = await setup({ scenarios: true, metricPageMax: 100 });
    dir = await mkdtemp(path.join(tmpdir(), 'runlens-azureml-metrics-'));
  });
  afterAll(async () => {
    await s?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('reads the training series of a neutral fixture with their steps, times and values', async () => {
    const fixture = interleavedFixture({ name: 'metrics', nodes: ['rank-0'], withMetrics: { system: false, training: true } });
    seedFixture(s.emulator, 'fixture-metrics', fixture);
    const { series } = await s.runlens.metrics('azureml:fixture-metrics');
    const training = fixture.metrics!.filter((m) => m.kind === 'training');
    expect(series.map((x) => [x.name, x.kind, x.points])).toEqual(training.map((m) => [m.name, 'training', m.points]));
    const only = await s.runlens.metrics('azureml:fixture-metrics', { names: ['loss', 'no-such-metric'] });
    expect(only.series.map((x) => x.name)).toEqual(['loss']);
    expect(only.warnings.map((w) => w.message).join('\n')).toContain('no-such-metric');
  });

  it('keeps every kind of seed 004 metric: integer, float, string and list of numbers', async () => {
    s.emulator.resetRequests();
    const { series } = await s.runlens.metrics('azureml:rl-az-seed004');
    const byName = Object.fromEntries(series.map((x) => [x.name, x]));
    expect(Object.keys(byName).sort()).toEqual(['chart data points', 'simple float value', 'simple integer value', 'simple string value']);
    expect(byName['simple integer value']!.points.map((p) => p.value)).toEqual([7]);
    expect(byName['simple float value']!.points.map((p) => p.value)).toEqual([3.141592]);
    expect(byName['simple string value']).toMatchObject({ valueType: 'string', kind: 'training', providerName: 'simple string value' });
    // the string at the time it was logged (seed: 12 s + 2 ms after the start), not the run's start
    expect(byName['simple string value']!.points).toEqual([{ timestamp: Date.UTC(2024, 4, 14, 12, 0, 42, 2), step: 0, value: 'this is a string metric' }]);
    expect(byName['chart data points']!.points.map((p) => [p.step, p.value])).toEqual([[0, 1], [1, 3], [2, 5], [3, 10], [4, 6], [5, 4]]);
    // numbers MLflow names come from MLflow; the string and the list from the metric service's full-fidelity API
    const full = s.emulator.requests.filter((r) => r.path.endsWith('/full')).map((r) => JSON.parse(r.body ?? '{}').metricName as string);
    expect(full.sort()).toEqual(['chart data points', 'simple string value']);
    const history = s.emulator.requests.filter((r) => r.path.endsWith('/metrics/get-history')).map((r) => r.query.metric_key);
    expect(history.sort()).toEqual(['simple float value', 'simple integer value']);
    // every page of the metric list was read (3 definitions a page)
    expect(s.emulator.requests.filter((r) => r.path.endsWith('/list') && r.surface === 'metric')).toHaveLength(2);
  });

  it('describe shows MLflow params as hyperparameters, merged with the job inputs (MLflow wins a clash)', async () => {
    s.emulator.putJob({ name: 'with-params', status: 'Completed', inputs: { lr: '0.1', epochs: '3' }, params: { lr: '0.05', batch_size: '64' } });
    const run = await s.runlens.describe('azureml:with-params');
    expect(run.hyperparameters).toEqual({ lr: '0.05', epochs: '3', batch_size: '64' });
    // the submitted value MLflow's hides is still in the provider's record
    expect(JSON.stringify(run.raw)).toContain('"jobInputType":"literal","value":"0.1"');
    expect((await s.runlens.describe('azureml:rl-az-completed-2node')).hyperparameters).toEqual({ learning_rate: '0.001', batch_size: '64', epochs: '8', optimizer: 'adamw' });
  });

  it('reads a full history page by page, following every page token', async () => {
    s.emulator.resetRequests();
    const { series } = await s.runlens.metrics('azureml:rl-az-completed-2node', { names: ['loss'] });
    expect(series[0]!.points).toHaveLength(2400);
    expect(series[0]!.points.map((p) => p.step)).toEqual(Array.from({ length: 2400 }, (_, i) => i));
    const calls = s.emulator.requests.filter((r) => r.path.endsWith('/metrics/get-history'));
    expect(calls).toHaveLength(24);
    expect(calls[0]!.query.page_token).toBeUndefined();
    expect(calls.every((c) => c.query.max_results === '10000' && c.query.metric_key === 'loss' && c.query.run_id === 'rl-az-completed-2node')).toBe(true);
    expect(new Set(calls.slice(1).map((c) => c.query.page_token)).size).toBe(23);
  });

  it('exports metrics (string ones too) that read back identically from the archive', async () => {
    const target = path.join(dir, 'seed004');
    await s.runlens.export('azureml:rl-az-seed004', target);
    const a = await s.runlens.metrics('azureml:rl-az-seed004');
    const b = await s.runlens.metrics(`local:${target}`);
    expect(b.series.map((x) => [x.name, x.valueType, x.points])).toEqual(a.series.map((x) => [x.name, x.valueType, x.points]));
  });

  it('compares an Azure ML run with a SageMaker run (from its archive) by metric name', async () => {
    // A SageMaker run as `runlens export` writes it: `train:loss` lines up with Azure ML's `loss`.
    const target = path.join(dir, 'sagemaker');
    await mkdir(path.join(target, 'metrics'), { recursive: true });
    await mkdir(path.join(target, 'logs'), { recursive: true });
    await writeFile(path.join(target, 'run.json'), JSON.stringify({ name: 'sm-job', status: 'completed', providerStatus: 'Completed', startedAt: '2024-05-14T09:00:00Z', endedAt: '2024-05-14T10:00:00Z', nodes: [{ name: 'algo-1' }], hyperparameters: {}, origin: { provider: 'sagemaker', ref: 'sagemaker:sm-job' } }));
    const points = [2.5, 1.2, 0.4, 0.09].map((value, step) => JSON.stringify({ timestamp: Date.UTC(2024, 4, 14, 9, step), step, value }));
    await writeFile(path.join(target, 'metrics', 'train_loss.jsonl'), [JSON.stringify({ series: { name: 'train:loss', kind: 'training', providerName: 'train:loss' } }), ...points].join('\n') + '\n');
    await writeFile(path.join(target, 'artifacts.json'), '[]');
    await writeFile(path.join(target, 'archive.json'), JSON.stringify({ format: 'runlens-run-archive', formatVersion: 1, exportedAt: '2024-05-15T00:00:00Z', source: { ref: 'sagemaker:sm-job', provider: 'sagemaker' } }));
    const comparison = await s.runlens.compare(['azureml:rl-az-completed-2node', `local:${target}`], { metrics: ['loss'] });
    expect(comparison.runs.map((r) => r.provider)).toEqual(['azureml', 'sagemaker']);
    expect(comparison.runs.map((r) => r.metrics.loss?.points)).toEqual([2400, 4]);
    expect(comparison.runs[1]!.metrics.loss!.series).toBe('train:loss');
    expect(comparison.curves[0]!.x).toBe('step');
    expect(comparison.warnings).toEqual([]);
  });
});
