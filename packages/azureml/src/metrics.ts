// Training metrics through the workspace's MLflow REST endpoint: runs/get names the metrics (and
// holds string metrics as tags), metrics/get-history gives each full history, page by page.
import { paginate, type MetricDescriptor, type MetricPoint, type MetricSeries, type MetricSourceV1, type Run } from '@runlens/core';
import type { AzuremlClient } from './client.js';
import type { JobLocation } from './config.js';
import { STRING_METRIC_TAG } from './convert-run.js';
import type { MlflowMetric, MlflowMetricHistory, MlflowRun } from './wire.js';

/** Histories read at once per run (each still page by page). */
const CONCURRENT_SERIES = 4;

export class AzuremlMetrics implements MetricSourceV1 {
  /** The text of each listed string metric, kept aside so reading it costs no second call. */
  private readonly strings = new WeakMap<MetricDescriptor, { value: string; timestamp: number }>();

  constructor(
    private readonly client: AzuremlClient,
    private readonly locate: (id: string) => JobLocation,
  ) {}

  async listMetrics(run: Run, options: { signal?: AbortSignal } = {}): Promise<MetricDescriptor[]> {
    const mlflow = await this.client.mlflowRun(this.locate(run.id), { run: run.id, ...(options.signal ? { signal: options.signal } : {}) });
    return this.describe(run, mlflow);
  }

  private describe(run: Run, mlflow: MlflowRun): MetricDescriptor[] {
    const descriptors: MetricDescriptor[] = [];
    const seen = new Set<string>();
    for (const metric of mlflow.run?.data?.metrics ?? []) {
      if (!metric.key || seen.has(metric.key)) continue;
      seen.add(metric.key);
      descriptors.push({ name: metric.key, kind: 'training', providerName: metric.key });
    }
    // MLflow stores only numbers: a string metric lives on as the tag `mlflow.log-string.<key>`.
    const at = runTime(run, mlflow);
    for (const tag of mlflow.run?.data?.tags ?? []) {
      if (!tag.key?.startsWith(STRING_METRIC_TAG) || tag.value === undefined) continue;
      const name = tag.key.slice(STRING_METRIC_TAG.length);
      const descriptor: MetricDescriptor = { name, kind: 'training', providerName: tag.key, valueType: 'string', note: 'a string metric, kept by MLflow as a run tag: one point at the run start' };
      this.strings.set(descriptor, { value: tag.value, timestamp: at });
      descriptors.push(descriptor);
    }
    return descriptors.sort((a, b) => a.name.localeCompare(b.name) || (a.valueType ?? '').localeCompare(b.valueType ?? ''));
  }

  async readMetrics(run: Run, descriptors: readonly MetricDescriptor[], request: { signal?: AbortSignal }): Promise<{ series: MetricSeries[] }> {
    const loc = this.locate(run.id);
    const context = { run: run.id, ...(request.signal ? { signal: request.signal } : {}) };
    // String metrics not listed by this instance (descriptors built elsewhere) need the run again.
    let fresh: MetricDescriptor[] | undefined;
    const stringOf = async (descriptor: MetricDescriptor) => {
      const known = this.strings.get(descriptor);
      if (known) return known;
      fresh ??= this.describe(run, await this.client.mlflowRun(loc, context));
      const match = fresh.find((d) => d.providerName === descriptor.providerName && d.valueType === 'string');
      return match ? this.strings.get(match) : undefined;
    };
    const series = await mapLimit(descriptors, CONCURRENT_SERIES, async (descriptor): Promise<MetricSeries> => {
      if (descriptor.valueType === 'string') {
        const value = await stringOf(descriptor);
        return { ...descriptor, points: value ? [{ timestamp: value.timestamp, value: value.value }] : [] };
      }
      const points: MetricPoint[] = [];
      for await (const page of paginate<MlflowMetricHistory>({
        fetch: (token) => this.client.metricHistoryPage(loc, descriptor.providerName, token, context),
        nextToken: (page) => page.next_page_token,
      })) {
        for (const metric of page.metrics ?? []) points.push(toPoint(metric));
      }
      return { ...descriptor, points: sortPoints(points) };
    });
    return { series };
  }
}

/** int64 fields may be JSON numbers or strings; NaN (sent as "NaN") is a missing sample. */
export function toPoint(metric: MlflowMetric): MetricPoint {
  const value = typeof metric.value === 'string' ? Number(metric.value) : metric.value;
  const step = metric.step === undefined ? undefined : Number(metric.step);
  return {
    timestamp: Number(metric.timestamp ?? 0),
    ...(step !== undefined && Number.isFinite(step) ? { step } : {}),
    value: value === undefined || Number.isNaN(value) ? null : value,
  };
}

/** By step, then time; stable, so the server's order is kept among equals. */
function sortPoints(points: MetricPoint[]): MetricPoint[] {
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1]!;
    const b = points[i]!;
    if ((a.step ?? 0) > (b.step ?? 0) || ((a.step ?? 0) === (b.step ?? 0) && a.timestamp > b.timestamp)) {
      return points.map((p, index) => ({ p, index })).sort((x, y) => (x.p.step ?? 0) - (y.p.step ?? 0) || x.p.timestamp - y.p.timestamp || x.index - y.index).map(({ p }) => p);
    }
  }
  return points;
}

function runTime(run: Run, mlflow: MlflowRun): number {
  const start = Number(mlflow.run?.info?.start_time);
  if (Number.isFinite(start) && start > 0) return start;
  const at = Date.parse(run.startedAt ?? run.createdAt ?? '');
  return Number.isNaN(at) ? 0 : at;
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await fn(items[i]!);
      }
    }),
  );
  return results;
}
