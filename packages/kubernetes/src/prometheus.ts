// System metrics of a run's pods from Prometheus (`POST /api/v1/query_range`, prometheus.io/docs/
// prometheus/latest/querying/api/): cAdvisor's container CPU and memory (google/cadvisor docs/storage/
// prometheus.md) and dcgm-exporter's GPU utilisation, one query per metric for all of a run's pods,
// normalised to core's names in percent like the other providers: CPU and memory as a percentage of
// the pod's limits (when every container sets one), GPU as the average over the pod's GPUs.
import { Agent, request } from 'undici';

import { parseRetryAfter } from '@runlens/core';

import { apiError, MalformedAnswer } from './errors.js';

import type { MetricDescriptor, MetricPoint, MetricSeries, Requester } from '@runlens/core';
import type { Dispatcher } from 'undici';

export interface PrometheusClientOptions {
  readonly url: string;
  readonly requester: Requester;
  readonly dispatcher?: Dispatcher;
  readonly clock?: () => number;
  /** Sent as `Authorization: Bearer` (a Prometheus behind an authenticating proxy). */
  readonly token?: string;
}

export interface MatrixRow {
  readonly metric: Readonly<Record<string, string>>;
  readonly values: ReadonlyArray<readonly [number, string]>;
}

/** Prometheus refuses more than 11,000 points per series (web/api/v1/api.go). */
const MAX_POINTS = 11_000;
/** The scrape interval most setups use; no finer step is asked for. */
const MIN_STEP_S = 15;

export class PrometheusClient {
  private readonly base: string;
  private readonly host: string;
  private readonly clock: () => number;
  private readonly own: Agent | undefined;
  private readonly dispatcher: Dispatcher;

  constructor(private readonly options: PrometheusClientOptions) {
    this.base = options.url.replace(/\/+$/, '');
    this.host = new URL(this.base).host;
    this.clock = options.clock ?? Date.now;
    if (options.dispatcher !== undefined) this.dispatcher = options.dispatcher;
    else {
      this.own = new Agent({ connections: 8, keepAliveTimeout: 10_000 });
      this.dispatcher = this.own;
    }
  }

  /** A range query (form-encoded POST: a run's pod list makes long queries). Times in epoch ms. */
  async queryRange(query: string, startMs: number, endMs: number, stepS: number, options: { run?: string; signal?: AbortSignal } = {}): Promise<MatrixRow[]> {
    const operation = 'QueryRange';
    return this.options.requester.call(
      { operation, budget: { key: `prometheus:${this.host}:${operation}`, ratePerSecond: 10, burst: 20 }, ...(options.run === undefined ? {} : { run: options.run }), ...(options.signal === undefined ? {} : { signal: options.signal }) },
      async (signal) => {
        const body = new URLSearchParams({ query, start: (startMs / 1000).toFixed(3), end: (endMs / 1000).toFixed(3), step: String(stepS) }).toString();
        const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', 'user-agent': 'runlens-kubernetes' };
        if (this.options.token !== undefined) headers['authorization'] = `Bearer ${this.options.token}`;
        const res = await request(`${this.base}/api/v1/query_range`, { method: 'POST', headers, body, dispatcher: this.dispatcher, ...(signal === undefined ? {} : { signal }), headersTimeout: 120_000, bodyTimeout: 120_000 });
        const text = await res.body.text();
        if (res.statusCode < 200 || res.statusCode >= 300) throw apiError('prometheus', operation, res.statusCode, text, parseRetryAfter(res.headers['retry-after'], this.clock()));
        let parsed: { status?: string; data?: { resultType?: string; result?: MatrixRow[] } };
        try {
          parsed = JSON.parse(text) as typeof parsed;
        } catch {
          throw new MalformedAnswer(`Prometheus answered HTTP ${res.statusCode} with a body that is not JSON`);
        }
        if (parsed.status !== 'success' || parsed.data?.resultType !== 'matrix' || !Array.isArray(parsed.data.result)) {
          throw new MalformedAnswer(`Prometheus answered without a matrix (status ${String(parsed.status)}, resultType ${String(parsed.data?.resultType)})`);
        }
        return parsed.data.result;
      },
    );
  }

  async close(): Promise<void> {
    await this.own?.close();
  }
}

/** A step that keeps a range under Prometheus's point limit, never finer than a usual scrape interval. */
export function stepFor(startMs: number, endMs: number): number {
  return Math.max(MIN_STEP_S, Math.ceil((endMs - startMs) / 1000 / (MAX_POINTS - 1)));
}

/** A PromQL double-quoted string holding an RE2 alternation that matches exactly these names. */
export function alternation(names: readonly string[]): string {
  const regex = names.map((name) => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
  return `"${regex.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export type SystemMetric = 'cpu' | 'memory' | 'gpu';

/**
 * The queries (docs/providers/kubernetes.md, "Prometheus"). `container!=""` leaves out the pod-level
 * cgroup series, which would count every container twice. The GPU query has a second form for a
 * dcgm-exporter scraped without `honor_labels`, whose workload labels arrive as `exported_*`.
 */
export function metricQuery(metric: SystemMetric, namespace: string, pods: readonly string[], stepS: number, exported = false): string {
  const ns = JSON.stringify(namespace);
  const re = alternation(pods);
  switch (metric) {
    case 'cpu':
      return `sum by (pod) (rate(container_cpu_usage_seconds_total{namespace=${ns},pod=~${re},container!=""}[${rateWindowS(stepS)}s]))`;
    case 'memory':
      return `sum by (pod) (container_memory_working_set_bytes{namespace=${ns},pod=~${re},container!=""})`;
    case 'gpu':
      return exported
        ? `avg by (exported_pod) (DCGM_FI_DEV_GPU_UTIL{exported_namespace=${ns},exported_pod=~${re}})`
        : `avg by (pod) (DCGM_FI_DEV_GPU_UTIL{namespace=${ns},pod=~${re}})`;
  }
}

/** At least a minute (four 15 s scrapes: `rate` needs two samples in its window), else four steps. */
export function rateWindowS(stepS: number): number {
  return Math.max(60, 4 * stepS);
}

/** Kubernetes resource quantities (`4`, `500m`, `64Gi`, `8G`, `1e3`) as numbers; undefined if unreadable. */
export function parseQuantity(text: string | number | undefined): number | undefined {
  if (typeof text === 'number') return text;
  if (text === undefined) return undefined;
  const match = /^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$/.exec(text.trim());
  if (match === null) return undefined;
  const factors: Record<string, number> = {
    n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
    Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
  };
  return Number(match[1]) * (match[2] === undefined ? 1 : factors[match[2]]!);
}

interface ContainerResources {
  readonly resources?: { readonly limits?: Readonly<Record<string, string | number>>; readonly requests?: Readonly<Record<string, string | number>> };
}

export interface PodLimits {
  /** Cores; undefined unless every container sets a CPU limit. */
  readonly cpu?: number;
  readonly memory?: number;
  /** `nvidia.com/gpu` limits summed (0: the pod asks for no GPU). */
  readonly gpus: number;
}

export function podLimits(containers: readonly ContainerResources[]): PodLimits {
  const sum = (key: string): number | undefined => {
    let total = 0;
    for (const container of containers) {
      const value = parseQuantity(container.resources?.limits?.[key]);
      if (value === undefined) return undefined;
      total += value;
    }
    return containers.length === 0 ? undefined : total;
  };
  const gpus = containers.reduce((total, container) => total + (parseQuantity(container.resources?.limits?.['nvidia.com/gpu']) ?? 0), 0);
  const cpu = sum('cpu');
  const memory = sum('memory');
  return { ...(cpu === undefined || cpu <= 0 ? {} : { cpu }), ...(memory === undefined || memory <= 0 ? {} : { memory }), gpus };
}

/** The descriptor of one pod's metric, normalised where its limits allow. */
export function describeMetric(metric: SystemMetric, node: string, limits: PodLimits): MetricDescriptor {
  switch (metric) {
    case 'cpu':
      return limits.cpu === undefined
        ? { name: 'cpu.utilization', node, kind: 'system', unit: 'percent', providerName: 'container_cpu_usage_seconds_total', note: 'rate of container_cpu_usage_seconds_total summed over the pod\'s containers; no CPU limit on every container, so percent of one core (0-100 x cores)' }
        : { name: 'cpu.utilization', node, kind: 'system', unit: 'percent', providerName: 'container_cpu_usage_seconds_total', note: `rate of container_cpu_usage_seconds_total summed over the pod's containers, divided by its CPU limit of ${round(limits.cpu)} cores to 0-100 %` };
    case 'memory':
      return limits.memory === undefined
        ? { name: 'memory.working_set', node, kind: 'system', unit: 'bytes', providerName: 'container_memory_working_set_bytes', note: 'working set bytes summed over the pod\'s containers; no memory limit on every container, so not a percentage' }
        : { name: 'memory.utilization', node, kind: 'system', unit: 'percent', providerName: 'container_memory_working_set_bytes', note: `working set summed over the pod's containers, divided by its memory limit of ${round(limits.memory / 2 ** 30)} GiB to 0-100 %` };
    case 'gpu':
      return { name: 'gpu.utilization', node, kind: 'system', unit: 'percent', providerName: 'DCGM_FI_DEV_GPU_UTIL', note: `DCGM_FI_DEV_GPU_UTIL averaged over the pod's ${limits.gpus} GPU${limits.gpus === 1 ? '' : 's'}` };
  }
}

/** Prometheus's [unix seconds, "value"] pairs as points, scaled; NaN and ±Inf become null (no sample). */
export function pointsOf(row: MatrixRow, scale: number): MetricPoint[] {
  return row.values.map(([seconds, text]) => {
    const value = Number(text);
    return { timestamp: Math.round(seconds * 1000), value: Number.isFinite(value) ? value * scale : null };
  });
}

export function seriesOf(descriptor: MetricDescriptor, row: MatrixRow | undefined, limits: PodLimits, metric: SystemMetric): MetricSeries {
  let scale = 1;
  if (metric === 'cpu') scale = limits.cpu === undefined ? 100 : 100 / limits.cpu;
  if (metric === 'memory' && limits.memory !== undefined) scale = 100 / limits.memory;
  return { ...descriptor, points: row === undefined ? [] : pointsOf(row, scale) };
}

function round(value: number): string {
  return String(Math.round(value * 100) / 100);
}
