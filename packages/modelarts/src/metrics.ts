// Running metrics: `GET …/metrics/{task_id}` per task, `{metrics:[{metric, value:[…]}]}`. Each value
// is a one-minute average with no timestamp of its own: point i is placed at job start + i minutes.
// `-1` (no sample) becomes null, never a number.
import type { MetricDescriptor, MetricPoint, MetricSeries, RunTarget, Warning } from '@runlens/core';
import { encode, type ModelartsClient } from './client.js';
import { asArray, asObject, num, str, type Json, type JsonObject } from './json.js';
import type { ModelartsHandle, RawSeries } from './settings.js';

type Target = RunTarget<ModelartsHandle>;

const NAMES: Readonly<Record<string, string>> = {
  cpuUsage: 'cpu.utilization',
  memUsage: 'memory.utilization',
  gpuUtil: 'gpu.utilization',
  gpuMemUsage: 'gpu.memory.utilization',
  npuUtil: 'npu.utilization',
  npuMemUsage: 'npu.memory.utilization',
};

export const METRIC_NOTE = 'one-minute averages; timestamps reconstructed from the job start at one-minute spacing; -1 (no sample) is null';
const MINUTE = 60_000;

export function normalizedName(metric: string): string {
  return NAMES[metric] ?? metric;
}

/** A sample, or null for the `-1` "no sample" marker (and anything that is not a number ≥ 0). */
export function sample(value: unknown): number | null {
  const n = num(value);
  return n === undefined || n < 0 ? null : n;
}

/** v1 versions carry `system_metric_list{cpuUsage, memUsage, gpuUtil}` in their detail (shape UNCONFIRMED). */
export function v1MetricSeries(version: JsonObject): RawSeries[] {
  const list = asObject(version.system_metric_list);
  if (!list) return [];
  return Object.entries(list).map(([metric, values]) => ({ metric, values: asArray(values).map(sample) }));
}

function rawSeries(metrics: Json | undefined): RawSeries[] {
  return asArray(metrics)
    .map(asObject)
    .filter((m) => m !== undefined)
    .map((m) => ({ metric: str(m!.metric) ?? '', values: asArray(m!.value).map(sample) }))
    .filter((m) => m.metric !== '');
}

function descriptor(metric: string, node: string | undefined): MetricDescriptor {
  const name = normalizedName(metric);
  return { name, ...(node !== undefined ? { node } : {}), kind: 'system', ...(NAMES[metric] ? { unit: 'percent' } : {}), providerName: metric, note: METRIC_NOTE };
}

export class Metrics {
  /** One fetch per described run (its handle) and task: listMetrics and readMetrics of one query share it. */
  private readonly cache = new WeakMap<ModelartsHandle, Map<string, Promise<readonly RawSeries[]>>>();

  constructor(private readonly client: ModelartsClient) {}

  private task(t: Target, task: string, signal?: AbortSignal): Promise<readonly RawSeries[]> {
    let perRun = this.cache.get(t.handle);
    if (!perRun) {
      perRun = new Map();
      this.cache.set(t.handle, perRun);
    }
    let pending = perRun.get(task);
    if (!pending) {
      pending = this.client
        .api({ operation: 'ShowTrainingJobMetrics', method: 'GET', path: this.client.projectPath('v2', `/training-jobs/${encode(t.run.id)}/metrics/${encode(task)}`), run: t.run.id, ...(signal ? { signal } : {}) })
        // 204 (ModelArts.2777, not ready yet): no series yet, not an error.
        .then((answer) => (answer.status === 204 ? [] : rawSeries(asObject(answer.json)?.metrics)));
      const map = perRun;
      pending.catch(() => map.delete(task));
      perRun.set(task, pending);
    }
    return pending;
  }

  private async all(t: Target, signal?: AbortSignal): Promise<{ node: string | undefined; series: readonly RawSeries[] }[]> {
    if (t.handle.job.kind === 'v1') return [{ node: undefined, series: t.handle.v1Metrics ?? [] }];
    return Promise.all(t.run.nodes.map(async (node) => ({ node: node.name, series: await this.task(t, node.name, signal) })));
  }

  /** Series with at least one sample (an all-`-1` GPU series on a CPU flavor is not listed). */
  async listMetrics(t: Target, signal?: AbortSignal): Promise<MetricDescriptor[]> {
    const out: MetricDescriptor[] = [];
    for (const { node, series } of await this.all(t, signal)) {
      for (const s of series) if (s.values.some((v) => v !== null)) out.push(descriptor(s.metric, node));
    }
    return out;
  }

  async readMetrics(t: Target, descriptors: readonly MetricDescriptor[], signal?: AbortSignal): Promise<{ series: MetricSeries[]; warnings: Warning[] }> {
    const start = t.handle.startMs;
    const byNode = new Map((await this.all(t, signal)).map((entry) => [entry.node, entry.series]));
    const series: MetricSeries[] = [];
    const warnings: Warning[] = [];
    for (const d of descriptors) {
      const found = byNode.get(d.node)?.find((s) => s.metric === d.providerName);
      if (!found) {
        warnings.push({ type: 'not-found', message: `metric ${d.providerName}${d.node ? ` of ${d.node}` : ''} is no longer reported` });
        continue;
      }
      const points: MetricPoint[] = found.values.map((value, i) => ({ timestamp: start + i * MINUTE, value }));
      series.push({ ...d, points });
    }
    return { series, warnings };
  }
}
