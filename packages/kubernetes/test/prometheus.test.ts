import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { SCENARIO_BASE_MS, scenarioSeries, startKubernetesEmulator, startPrometheusEmulator } from '../src/testing/index.js';

import type { KubernetesEmulator, PrometheusEmulator } from '../src/testing/index.js';

type Matrix = Array<{ metric: Record<string, string>; values: Array<[number, string]> }>;

describe('Prometheus emulator: /api/v1/query_range', () => {
  let kube: KubernetesEmulator;
  let prom: PrometheusEmulator;
  // The completed job trains from about 09:00:10 to 09:19:55 UTC on 2026-11-30.
  const start = (SCENARIO_BASE_MS + 60_000) / 1000;
  const end = (SCENARIO_BASE_MS + 18 * 60_000) / 1000;

  beforeAll(async () => {
    kube = await startKubernetesEmulator({ scenarios: true });
    prom = await startPrometheusEmulator({ series: scenarioSeries(kube) });
  });
  afterAll(async () => {
    await prom.close();
    await kube.close();
  });

  async function range(query: string, params: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown> }> {
    const search = new URLSearchParams({ query, start: String(start), end: String(end), step: '60s', ...params });
    const response = await fetch(`${prom.url}/api/v1/query_range?${search}`);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  function matrix(body: Record<string, unknown>): Matrix {
    expect(body['status']).toBe('success');
    const data = body['data'] as { resultType: string; result: Matrix };
    expect(data.resultType).toBe('matrix');
    return data.result;
  }

  it('answers per-pod CPU (cores) from a rate over container counters, one point per step', async () => {
    const result = matrix((await range('sum by (pod) (rate(container_cpu_usage_seconds_total{namespace="ml",pod=~"bert-finetune-.*",container!=""}[5m]))')).body);
    expect(result.map((row) => row.metric)).toEqual(['master-0', 'worker-0', 'worker-1', 'worker-2', 'worker-3'].map((node) => ({ pod: `bert-finetune-${node}` })));
    for (const row of result) {
      // From the first step with two samples in the window to `end`, every 60 s.
      expect(row.values.at(-1)![0]).toBe(end);
      for (let i = 1; i < row.values.length; i += 1) expect(row.values[i]![0] - row.values[i - 1]![0]).toBe(60);
      for (const [, value] of row.values) {
        expect(Number(value)).toBeGreaterThan(3);
        expect(Number(value)).toBeLessThan(4);
      }
    }
  });

  it('keeps the pod cgroup series out with container!="" and in without it', async () => {
    const containers = matrix((await range('sum by (pod) (container_memory_working_set_bytes{namespace="ml",pod="bert-finetune-worker-0",container!=""})')).body);
    const withPod = matrix((await range('sum by (pod) (container_memory_working_set_bytes{namespace="ml",pod="bert-finetune-worker-0"})')).body);
    const a = Number(containers[0]!.values[0]![1]);
    const b = Number(withPod[0]!.values[0]![1]);
    expect(b - a).toBeGreaterThan(a); // pod cgroup roughly doubles the sum
  });

  it('shows the OOM-killed worker’s memory climbing to its end', async () => {
    const oomStart = (SCENARIO_BASE_MS + 60 * 60_000 + 30_000) / 1000;
    const result = matrix((await range('max by (pod) (container_memory_working_set_bytes{namespace="ml",pod="resnet-oom-worker-1",container="pytorch"})', {
      start: String(oomStart),
      end: String(oomStart + 6 * 60),
      step: '30s',
    })).body);
    const values = result[0]!.values.map(([, value]) => Number(value));
    expect(values.length).toBe(13);
    for (let i = 1; i < values.length; i += 1) expect(values[i]!).toBeGreaterThan(values[i - 1]!);
    expect(values.at(-1)!).toBeGreaterThan(50 * 2 ** 30);
  });

  it('answers DCGM GPU utilisation per pod, and the raw series with all labels when not aggregated', async () => {
    const avg = matrix((await range('avg by (pod) (DCGM_FI_DEV_GPU_UTIL{namespace="ml",pod=~"bert-finetune-worker-[01]"})')).body);
    expect(avg).toHaveLength(2);
    for (const [, value] of avg[0]!.values) expect(Number(value)).toBeGreaterThanOrEqual(85);
    const raw = matrix((await range('DCGM_FI_DEV_GPU_UTIL{pod="bert-finetune-worker-0"}')).body);
    expect(raw[0]!.metric).toMatchObject({ __name__: 'DCGM_FI_DEV_GPU_UTIL', pod: 'bert-finetune-worker-0', namespace: 'ml', gpu: '0' });
  });

  it('can label GPU series the way a scrape without honor_labels stores them', async () => {
    const exported = await startPrometheusEmulator({ series: scenarioSeries(kube, { dcgmExportedLabels: true }) });
    try {
      const search = new URLSearchParams({ query: 'avg by (exported_pod) (DCGM_FI_DEV_GPU_UTIL{exported_namespace="ml",exported_pod=~"bert-finetune-worker-[01]"})', start: String(start), end: String(end), step: '60s' });
      const body = (await (await fetch(`${exported.url}/api/v1/query_range?${search}`)).json()) as Record<string, unknown>;
      expect(matrix(body).map((row) => row.metric)).toEqual([{ exported_pod: 'bert-finetune-worker-0' }, { exported_pod: 'bert-finetune-worker-1' }]);
      const byPod = new URLSearchParams({ ...Object.fromEntries(search), query: 'avg by (pod) (DCGM_FI_DEV_GPU_UTIL{namespace="ml",pod=~"bert-finetune-worker-[01]"})' });
      expect(matrix((await (await fetch(`${exported.url}/api/v1/query_range?${byPod}`)).json()) as Record<string, unknown>)).toEqual([]);
    } finally {
      await exported.close();
    }
  });

  it('accepts RFC3339 times, duration steps and a form-encoded POST', async () => {
    const query = 'sum by (pod) (container_memory_working_set_bytes{pod="shard-eval-0-x",container!=""})';
    const iso = await range(query, { start: new Date(start * 1000).toISOString(), end: new Date(end * 1000).toISOString(), step: '1m' });
    expect(matrix(iso.body)).toEqual([]); // no such pod: an empty matrix, not an error
    const response = await fetch(`${prom.url}/api/v1/query_range`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ query: 'sum by (pod) (container_memory_working_set_bytes{pod="bert-finetune-master-0",container!=""})', start: String(start), end: String(end), step: '120' }),
    });
    const posted = matrix((await response.json()) as Record<string, unknown>);
    expect(posted[0]!.values[1]![0] - posted[0]!.values[0]![0]).toBe(120);
  });

  it('answers bad parameters with 400 bad_data and Prometheus’s messages', async () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{ start: 'soon' }, 'invalid parameter "start": cannot parse "soon" to a valid timestamp'],
      [{ end: String(start - 60) }, 'invalid parameter "end": end timestamp must not be before start time'],
      [{ step: '0' }, 'invalid parameter "step": zero or negative query resolution step widths are not accepted. Try a positive integer'],
      [{ step: '1s', end: String(start + 11_001) }, 'exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)'],
    ];
    for (const [params, message] of cases) {
      const answer = await range('up', params);
      expect(answer.status).toBe(400);
      expect(answer.body).toEqual({ status: 'error', errorType: 'bad_data', error: message });
    }
    const unsupported = await range('histogram_quantile(0.9, x)');
    expect(unsupported.status).toBe(400);
    expect(unsupported.body['errorType']).toBe('bad_data');
  });

  it('injects faults in Prometheus’s error envelope', async () => {
    prom.faults.inject({ kind: '503', times: 1 });
    const answer = await range('up');
    expect(answer.status).toBe(503);
    expect(answer.body).toMatchObject({ status: 'error', errorType: 'timeout' });
  });
});
