import { createRunlens, type Runlens } from '@runlens/core';
import { interleavedFixture } from '@runlens/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelartsProvider } from '../src/index.js';
import { SCENARIO, SEED_METRICS } from '../src/testing/index.js';
import { FAST_FOLLOW, FAST_SETTINGS, Harness } from './harness.js';

let harness: Harness;
let runlens: Runlens;

beforeAll(async () => {
  harness = await Harness.start({ scenarios: true });
  runlens = createRunlens({ providers: [modelartsProvider], env: harness.env, settings: { modelarts: FAST_SETTINGS }, follow: FAST_FOLLOW });
});
afterAll(async () => {
  await runlens.close();
  await harness.emulator.close();
});

describe('running metrics', () => {
  it('maps the seed-002 example: normalized names, percent, -1 as null, one-minute spacing from the job start', async () => {
    const { run, series } = await runlens.metrics(`modelarts:${SCENARIO.completedJobId}`, { nodes: ['worker-0'] });
    const start = Date.parse(run.startedAt!);
    expect(series.map((s) => [s.name, s.providerName])).toEqual([
      ['cpu.utilization', 'cpuUsage'],
      ['memory.utilization', 'memUsage'],
    ]);
    const cpu = series[0]!;
    expect(cpu).toMatchObject({ node: 'worker-0', kind: 'system', unit: 'percent' });
    expect(cpu.note).toContain('one-minute');
    expect(cpu.points.map((p) => p.value)).toEqual(SEED_METRICS[0]!.value.map((v) => (v === -1 ? null : v)));
    expect(cpu.points.map((p) => p.timestamp)).toEqual(SEED_METRICS[0]!.value.map((_, i) => start + i * 60_000));
  });

  it('leaves out series without a single sample and says so when one is asked for', async () => {
    const result = await runlens.metrics(`modelarts:${SCENARIO.completedJobId}`, { names: ['gpu.utilization'] });
    expect(result.series).toEqual([]);
    expect(result.warnings.map((w) => w.message).join('\n')).toContain("metric 'gpu.utilization' is not exposed");
  });

  it('names all six ModelArts metrics', async () => {
    const id = 'e0000000-0000-4000-8000-00000000aaaa';
    harness.emulator.putJob({ kind: 'job', metadata: { id, name: 'npu', create_time: Date.UTC(2024, 0, 1) }, status: { phase: 'Completed', tasks: ['worker-0'], start_time: Date.UTC(2024, 0, 1, 0, 1) } });
    harness.emulator.setMetrics(id, 'worker-0', ['cpuUsage', 'memUsage', 'gpuUtil', 'gpuMemUsage', 'npuUtil', 'npuMemUsage'].map((metric) => ({ metric, value: [1, -1, 3] })));
    const { series } = await runlens.metrics(`modelarts:${id}`);
    expect(series.map((s) => s.name)).toEqual(['cpu.utilization', 'memory.utilization', 'gpu.utilization', 'gpu.memory.utilization', 'npu.utilization', 'npu.memory.utilization']);
    expect(series.every((s) => s.unit === 'percent' && s.points.map((p) => p.value).join() === '1,,3')).toBe(true);
  });

  it('keeps the gaps of the conformance fixture (cpuUsage seeded with -1)', async () => {
    const fixture = interleavedFixture({ name: 'metrics', nodes: ['worker-0', 'worker-1'], withMetrics: true });
    const ref = harness.seed(fixture);
    const { series } = await runlens.metrics(ref, { names: ['cpu.utilization'] });
    const expected = fixture.metrics!.find((s) => s.name === 'cpu.utilization')!;
    expect(series).toHaveLength(1);
    expect(series[0]!.node).toBe(expected.node);
    expect(series[0]!.points.map((p) => p.value)).toEqual(expected.points.map((p) => p.value));
  });
});
