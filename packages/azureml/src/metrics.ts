// Training metrics. Numbers MLflow knows (runs/get names them) are read from MLflow's
// metrics/get-history, page by page. Everything else the run history metric service lists — strings
// and booleans (`run.log(name, "text")`), lists (`run.log_list`), numbers MLflow does not show — is
// read from the metric service's full-fidelity API (see docs/providers/azureml.md).
import { paginate, type MetricDescriptor, type MetricPoint, type MetricSeries, type MetricSourceV2, type RunTarget } from '@runlens/core';
import type { AzuremlHandle } from './settings.js';
import type { AzuremlClient, CallContext } from './client.js';
import type { JobLocation } from './config.js';
import type { MetricDefinition, MetricDefinitionPage, MetricV2, MetricV2Value, MlflowMetric, MlflowMetricHistory, MlflowRun } from './wire.js';

/** Histories read at once per run (each still page by page). */
const CONCURRENT_SERIES = 4;

/** `MetricValueType`s that hold numbers; `string` and `bool` become text series. */
const NUMERIC_COLUMNS = new Set(['int', 'double', 'float', 'long']);
const TEXT_COLUMNS = new Set(['string', 'bool']);
const LIST_METRIC = 'azureml.v1.list';

/** Where a listed series is read from. */
type Source = { readonly via: 'mlflow' } | { readonly via: 'service'; readonly column: string; readonly list: boolean };

export class AzuremlMetrics implements MetricSourceV2<AzuremlHandle> {
  private readonly sources = new WeakMap<MetricDescriptor, Source>();

  constructor(private readonly client: AzuremlClient) {}

  async listMetrics({ run, handle }: RunTarget<AzuremlHandle>, options: { signal?: AbortSignal } = {}): Promise<MetricDescriptor[]> {
    return this.list(handle.location, { run: run.id, ...(options.signal ? { signal: options.signal } : {}) });
  }

  private async list(loc: JobLocation, context: CallContext): Promise<MetricDescriptor[]> {
    const [mlflow, definitions] = await Promise.all([this.client.mlflowRun(loc, context), this.definitions(loc, context)]);
    return this.describe(mlflow, definitions);
  }

  private async definitions(loc: JobLocation, context: CallContext): Promise<MetricDefinition[]> {
    const all: MetricDefinition[] = [];
    for await (const page of paginate<MetricDefinitionPage>({
      fetch: (token) => this.client.metricDefinitionsPage(loc, token, context),
      nextToken: (page) => page.continuationToken ?? undefined,
      // A token is the only paging signal: one answered with itself cannot be the end.
      stopOnSameToken: 'fail',
      what: 'metric service list',
    })) {
      all.push(...(page.value ?? []));
    }
    return all;
  }

  private describe(mlflow: MlflowRun, definitions: readonly MetricDefinition[]): MetricDescriptor[] {
    const byName = new Map<string, MetricDescriptor>();
    for (const metric of mlflow.run?.data?.metrics ?? []) {
      if (!metric.key || byName.has(metric.key)) continue;
      const descriptor: MetricDescriptor = { name: metric.key, kind: 'training', providerName: metric.key };
      this.sources.set(descriptor, { via: 'mlflow' });
      byName.set(metric.key, descriptor);
    }
    for (const definition of definitions) {
      const name = definition.metricKey?.name;
      const columns = Object.entries(definition.columns ?? {});
      // Tables (several columns) and artifact-backed metrics (images, confusion matrices) are not series.
      if (!name || columns.length !== 1) continue;
      const [column, rawType] = columns[0]!;
      const type = rawType.toLowerCase();
      const numeric = NUMERIC_COLUMNS.has(type);
      if (!numeric && !TEXT_COLUMNS.has(type)) continue;
      const list = definition.properties?.uxMetricType === LIST_METRIC;
      // A number MLflow already names is read from MLflow (same values, cheaper paging).
      if (numeric && !list && byName.has(name)) continue;
      const note = list
        ? 'logged as a list (run.log_list): one point per element, its position as the step'
        : numeric ? undefined : type === 'bool' ? 'a boolean metric, as text' : 'a string metric';
      const descriptor: MetricDescriptor = { name, kind: 'training', providerName: name, ...(numeric ? {} : { valueType: 'string' as const }), ...(note ? { note } : {}) };
      this.sources.set(descriptor, { via: 'service', column, list });
      byName.set(name, descriptor);
    }
    return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  async readMetrics({ run, handle }: RunTarget<AzuremlHandle>, descriptors: readonly MetricDescriptor[], request: { signal?: AbortSignal }): Promise<{ series: MetricSeries[] }> {
    const loc = handle.location;
    const context = { run: run.id, ...(request.signal ? { signal: request.signal } : {}) };
    // Descriptors not listed by this instance (built elsewhere) need the listing again to know their source.
    let fresh: Promise<MetricDescriptor[]> | undefined;
    const sourceOf = async (descriptor: MetricDescriptor): Promise<Source | undefined> => {
      const known = this.sources.get(descriptor);
      if (known) return known;
      fresh ??= this.list(loc, context);
      const match = (await fresh).find((d) => d.providerName === descriptor.providerName && (d.valueType ?? 'number') === (descriptor.valueType ?? 'number'));
      return match ? this.sources.get(match) : undefined;
    };
    const series = await mapLimit(descriptors, CONCURRENT_SERIES, async (descriptor): Promise<MetricSeries> => {
      const source = await sourceOf(descriptor);
      if (source === undefined) return { ...descriptor, points: [] };
      const points = source.via === 'mlflow' ? await this.mlflowHistory(loc, descriptor.providerName, context) : await this.serviceHistory(loc, descriptor, source, context);
      return { ...descriptor, points: sortPoints(points) };
    });
    return { series };
  }

  private async mlflowHistory(loc: JobLocation, key: string, context: CallContext): Promise<MetricPoint[]> {
    const points: MetricPoint[] = [];
    for await (const page of paginate<MlflowMetricHistory>({
      fetch: (token) => this.client.metricHistoryPage(loc, key, token, context),
      nextToken: (page) => page.next_page_token,
      stopOnSameToken: 'fail',
      what: `MLflow metrics/get-history of '${key}'`,
    })) {
      for (const metric of page.metrics ?? []) points.push(toPoint(metric));
    }
    return points;
  }

  private async serviceHistory(loc: JobLocation, descriptor: MetricDescriptor, source: Extract<Source, { via: 'service' }>, context: CallContext): Promise<MetricPoint[]> {
    const points: MetricPoint[] = [];
    for await (const page of paginate<MetricV2>({
      fetch: (token) => this.client.fullMetricPage(loc, descriptor.providerName, token, context),
      nextToken: (page) => page.continuationToken ?? undefined,
      stopOnSameToken: 'fail',
      what: `metric service full of '${descriptor.providerName}'`,
    })) {
      for (const row of page.value ?? []) {
        // A list's elements carry no step: their position in the list is the step.
        points.push(rowPoint(row, source.column, descriptor.valueType === 'string', source.list ? points.length : undefined));
      }
    }
    return points;
  }
}

/** A metric service row → a point: `createdUtc` as the time, the column's value as text or number. */
export function rowPoint(row: MetricV2Value, column: string, text: boolean, position?: number): MetricPoint {
  const raw = row.data?.[column];
  const parsedStep = row.step === undefined || row.step === null ? undefined : Number(row.step);
  const step = parsedStep !== undefined && Number.isFinite(parsedStep) ? parsedStep : position;
  const at = Date.parse(row.createdUtc ?? '');
  let value: number | string | null;
  if (raw === undefined || raw === null) value = null;
  else if (text) value = typeof raw === 'string' ? raw : String(raw);
  else {
    const n = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw) : Number.NaN;
    value = Number.isNaN(n) ? null : n;
  }
  return { timestamp: Number.isNaN(at) ? 0 : at, ...(step !== undefined ? { step } : {}), value };
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
