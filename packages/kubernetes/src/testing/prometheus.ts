/**
 * Loopback Prometheus HTTP API emulator: `GET|POST /api/v1/query_range` (prometheus.io/docs/prometheus/latest/querying/api/)
 * over in-memory series, answering a `matrix` in the documented envelope, and the documented errors
 * (400 bad_data for bad parameters, with Prometheus's own messages from web/api/v1/api.go).
 */
import { createServer } from 'node:http';

import { seededRandom } from '@runlens/core/emulator';

import { FaultInjector } from './faults.js';
import { QueryError, matchesAll, parseDurationMs, parseQuery } from './promql.js';
import { PODS } from './resources.js';
import { parseRfc3339 } from './logs.js';
import { RUNNING_HORIZON_MS } from './scenarios.js';

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { KubernetesEmulator } from './emulator.js';
import type { FaultHandle, FaultSpec } from './faults.js';
import type { Query } from './promql.js';

export interface PromSeries {
  readonly labels: Readonly<Record<string, string>>;
  /** [epoch ms, value], ascending. */
  readonly samples: ReadonlyArray<readonly [number, number]>;
}

export interface PrometheusEmulatorOptions {
  port?: number;
  series?: readonly PromSeries[];
  /** Require this bearer token (a Prometheus behind an authenticating proxy). Default: none. */
  token?: string;
  /** Staleness lookback for instant selectors. Default 5 min, Prometheus's default. */
  lookbackMs?: number;
}

export interface PrometheusEmulator {
  readonly url: string;
  readonly port: number;
  /** Queries received, in order (the `query` parameter). */
  readonly queries: readonly string[];
  readonly faults: { inject(spec: FaultSpec): FaultHandle; clear(): void };
  addSeries(series: PromSeries): void;
  close(): Promise<void>;
}

export async function startPrometheusEmulator(options: PrometheusEmulatorOptions = {}): Promise<PrometheusEmulator> {
  const series: PromSeries[] = [...(options.series ?? [])];
  const lookbackMs = options.lookbackMs ?? 5 * 60_000;
  const queries: string[] = [];
  const faults = new FaultInjector();
  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      if (res.headersSent) res.destroy();
      else sendError(res, 500, 'internal', error instanceof Error ? error.message : String(error));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const fault = faults.fire(req.url ?? '/');
    if (fault?.kind === 'slow') await new Promise((resolve) => setTimeout(resolve, fault.delayMs).unref());
    else if (fault?.kind === 'drop') {
      req.socket.destroy();
      return;
    } else if (fault?.kind === 'throttle') {
      // Not Prometheus itself: what a rate-limiting proxy in front of it answers.
      res.setHeader('retry-after', Math.max(1, Math.ceil(fault.delayMs / 1000)));
      sendError(res, 429, 'unavailable', 'too many requests');
      return;
    } else if (fault?.kind === '500') {
      sendError(res, 500, 'internal', 'injected fault');
      return;
    } else if (fault?.kind === '503') {
      sendError(res, 503, 'timeout', 'query timed out in expression evaluation');
      return;
    }
    if (options.token !== undefined && req.headers.authorization !== `Bearer ${options.token}`) {
      res.writeHead(401, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('Unauthorized\n');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== '/api/v1/query_range') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('404 page not found\n');
      return;
    }
    const params = new URLSearchParams(url.searchParams);
    if (req.method === 'POST') {
      for (const [key, value] of new URLSearchParams(await readBody(req))) params.append(key, value);
    } else if (req.method !== 'GET') {
      res.writeHead(405, { allow: 'GET, POST' });
      res.end();
      return;
    }
    answerRange(res, params);
  }

  function answerRange(res: ServerResponse, params: URLSearchParams): void {
    const start = parseTime(params.get('start'));
    if (start === undefined) return sendError(res, 400, 'bad_data', `invalid parameter "start": cannot parse "${params.get('start') ?? ''}" to a valid timestamp`);
    const end = parseTime(params.get('end'));
    if (end === undefined) return sendError(res, 400, 'bad_data', `invalid parameter "end": cannot parse "${params.get('end') ?? ''}" to a valid timestamp`);
    if (end < start) return sendError(res, 400, 'bad_data', 'invalid parameter "end": end timestamp must not be before start time');
    const stepText = params.get('step') ?? '';
    const step = parseStep(stepText);
    if (step === undefined) return sendError(res, 400, 'bad_data', `invalid parameter "step": cannot parse "${stepText}" to a valid duration`);
    if (step <= 0) return sendError(res, 400, 'bad_data', 'invalid parameter "step": zero or negative query resolution step widths are not accepted. Try a positive integer');
    if ((end - start) / step > 11000) return sendError(res, 400, 'bad_data', 'exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)');
    const text = params.get('query') ?? '';
    queries.push(text);
    let query: Query;
    try {
      query = parseQuery(text);
    } catch (error) {
      if (!(error instanceof QueryError)) throw error;
      return sendError(res, 400, 'bad_data', `invalid parameter "query": ${error.message}`);
    }
    sendJson(res, 200, { status: 'success', data: { resultType: 'matrix', result: evaluate(query, series, start, end, step, lookbackMs) } });
  }

  server.on('clientError', (_error, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    queries,
    faults: { inject: (spec) => faults.inject(spec), clear: () => faults.clear() },
    addSeries: (added) => void series.push(added),
    close: () => new Promise<void>((resolve, reject) => {
      server.close((error) => (error === undefined ? resolve() : reject(error)));
      server.closeAllConnections();
    }),
  };
}

type Matrix = Array<{ metric: Record<string, string>; values: Array<[number, string]> }>;

/** Evaluates at start, start+step, … ≤ end (ms); empty series are left out, as Prometheus does. */
function evaluate(query: Query, all: readonly PromSeries[], start: number, end: number, step: number, lookbackMs: number): Matrix {
  const selected = all.filter((candidate) => candidate.labels['__name__'] === query.metric && matchesAll(query.matchers, candidate.labels));
  const out = new Map<string, { metric: Record<string, string>; values: Array<[number, string]> }>();
  for (let t = start; t <= end; t += step) {
    const groups = new Map<string, { metric: Record<string, string>; values: number[] }>();
    for (const one of selected) {
      const value = query.rateWindowMs === undefined ? instant(one, t, lookbackMs) : rate(one, t, query.rateWindowMs);
      if (value === undefined) continue;
      let metric: Record<string, string>;
      if (query.aggregation !== undefined) metric = Object.fromEntries(query.by.filter((label) => one.labels[label] !== undefined).map((label) => [label, one.labels[label]!]));
      else {
        metric = { ...one.labels };
        if (query.rateWindowMs !== undefined) delete metric['__name__']; // functions drop the metric name
      }
      const key = JSON.stringify(Object.entries(metric).sort());
      const group = groups.get(key) ?? { metric, values: [] };
      group.values.push(value);
      groups.set(key, group);
    }
    for (const [key, group] of groups) {
      const value = aggregate(query.aggregation, group.values);
      const row = out.get(key) ?? { metric: group.metric, values: [] };
      row.values.push([Number((t / 1000).toFixed(3)), formatValue(value)]);
      out.set(key, row);
    }
  }
  return [...out.values()].sort((a, b) => (JSON.stringify(a.metric) < JSON.stringify(b.metric) ? -1 : 1));
}

function aggregate(how: Query['aggregation'], values: readonly number[]): number {
  switch (how) {
    case undefined:
      return values[0]!;
    case 'sum':
      return values.reduce((a, b) => a + b, 0);
    case 'avg':
      return values.reduce((a, b) => a + b, 0) / values.length;
    case 'max':
      return Math.max(...values);
    case 'min':
      return Math.min(...values);
  }
}

function instant(series: PromSeries, t: number, lookbackMs: number): number | undefined {
  let found: number | undefined;
  for (const [at, value] of series.samples) {
    if (at > t) break;
    if (at > t - lookbackMs) found = value;
  }
  return found;
}

/**
 * Per-second rate over (t - window, t]: the increase between the first and last samples (counter
 * resets added back) over their distance. Prometheus also extrapolates to the window's edges; the
 * emulator does not, so its rates are the plain slope.
 */
function rate(series: PromSeries, t: number, windowMs: number): number | undefined {
  const inWindow = series.samples.filter(([at]) => at > t - windowMs && at <= t);
  if (inWindow.length < 2) return undefined;
  let increase = 0;
  for (let i = 1; i < inWindow.length; i += 1) {
    const delta = inWindow[i]![1] - inWindow[i - 1]![1];
    increase += delta >= 0 ? delta : inWindow[i]![1];
  }
  return increase / ((inWindow.at(-1)![0] - inWindow[0]![0]) / 1000);
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

/** RFC3339 or Unix seconds (with a fraction), as Prometheus accepts; epoch ms. */
function parseTime(text: string | null): number | undefined {
  if (text === null || text === '') return undefined;
  if (/^-?\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  return parseRfc3339(text);
}

/** A float number of seconds or a duration; ms. */
function parseStep(text: string): number | undefined {
  if (/^-?\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  return parseDurationMs(text);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const payload = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': payload.byteLength });
  res.end(payload);
}

function sendError(res: ServerResponse, status: number, errorType: string, error: string): void {
  sendJson(res, status, { status: 'error', errorType, error });
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const SCRAPE_MS = 15_000;

/**
 * Series for the scenario pods, as cAdvisor (via the kubelet) and dcgm-exporter expose them:
 * `container_cpu_usage_seconds_total` (counter), `container_memory_working_set_bytes` (gauge), both
 * also for the pod cgroup with `container=""`; `DCGM_FI_DEV_GPU_UTIL` (0–100) per GPU with the
 * `pod`/`namespace`/`container` labels dcgm-exporter adds in Kubernetes mode. The OOM-killed worker's
 * memory climbs to its limit; a running pod's series end with its logs (RUNNING_HORIZON_MS).
 */
export interface ScenarioSeriesOptions {
  /**
   * Label the GPU series as Prometheus stores them when it scrapes dcgm-exporter without
   * `honor_labels`: the workload's labels become `exported_pod`/`exported_namespace`/`exported_container`
   * and `pod`/`namespace` name the exporter's own pod.
   */
  readonly dcgmExportedLabels?: boolean;
}

export function scenarioSeries(kube: KubernetesEmulator, options: ScenarioSeriesOptions = {}): PromSeries[] {
  const out: PromSeries[] = [];
  const scenarios = kube.scenarios;
  if (scenarios === undefined) return out;
  const random = seededRandom(7);
  for (const pods of Object.values(scenarios.pods)) {
    for (const { name, container } of pods) {
      const object = kube.get(PODS, scenarios.namespace, name);
      const status = (object?.['status'] ?? {}) as { containerStatuses?: Array<{ state?: Record<string, { startedAt?: string; finishedAt?: string; reason?: string }> }> };
      const state = status.containerStatuses?.[0]?.state ?? {};
      const running = state['running'];
      const terminated = state['terminated'];
      const from = Date.parse(running?.startedAt ?? terminated?.startedAt ?? '');
      if (Number.isNaN(from)) continue;
      const to = terminated?.finishedAt === undefined ? from + RUNNING_HORIZON_MS : Date.parse(terminated.finishedAt);
      const oom = terminated?.reason === 'OOMKilled';
      const node = ((object?.['spec'] ?? {}) as { nodeName?: string }).nodeName ?? '';
      const base = { namespace: scenarios.namespace, pod: name };
      const cpu: Array<[number, number]> = [];
      const memory: Array<[number, number]> = [];
      const gpu: Array<[number, number]> = [];
      let used = 0;
      for (let t = Math.ceil(from / SCRAPE_MS) * SCRAPE_MS; t <= to; t += SCRAPE_MS) {
        used += (3.2 + random() * 0.6) * (SCRAPE_MS / 1000);
        cpu.push([t, Number(used.toFixed(3))]);
        const progress = (t - from) / Math.max(1, to - from);
        memory.push([t, Math.round((oom ? 8 + 56 * progress : 18 + random()) * 2 ** 30)]);
        gpu.push([t, Math.round(85 + random() * 12)]);
      }
      out.push(
        { labels: { __name__: 'container_cpu_usage_seconds_total', ...base, container, node, cpu: 'total' }, samples: cpu },
        { labels: { __name__: 'container_cpu_usage_seconds_total', ...base, container: '', node, cpu: 'total' }, samples: cpu.map(([t, v]) => [t, Number((v * 1.02).toFixed(3))]) },
        { labels: { __name__: 'container_memory_working_set_bytes', ...base, container, node }, samples: memory },
        { labels: { __name__: 'container_memory_working_set_bytes', ...base, container: '', node }, samples: memory.map(([t, v]) => [t, v + 40 * 2 ** 20]) },
        { labels: { __name__: 'DCGM_FI_DEV_GPU_UTIL', ...dcgmLabels(base, container, node, options), gpu: '0', UUID: `GPU-${name.length}-0`, device: 'nvidia0', modelName: 'NVIDIA A100-SXM4-80GB', Hostname: node }, samples: gpu },
      );
    }
  }
  return out;
}

function dcgmLabels(base: { namespace: string; pod: string }, container: string, node: string, options: ScenarioSeriesOptions): Record<string, string> {
  if (options.dcgmExportedLabels !== true) return { ...base, container };
  return { exported_namespace: base.namespace, exported_pod: base.pod, exported_container: container, namespace: 'gpu-operator', pod: `nvidia-dcgm-exporter-${node}`, container: 'nvidia-dcgm-exporter' };
}
