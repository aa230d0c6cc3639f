// The emulator's run history metric service, in the shapes of azure-ai-ml's generated runhistory
// client: POST runs/{runId}/list (ListMetrics → PaginatedMetricDefinitionList) and POST
// runs/{runId}/full (RetrieveFullFidelityMetricRequest → MetricV2), paged by continuationToken.
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startAzuremlEmulator } from '../src/testing/index.js';

import type { AzuremlEmulator } from '../src/testing/index.js';

interface Definition {
  metricKey: { name: string; columnNames: string[] };
  columns: Record<string, string>;
  properties: { uxMetricType: string };
}

interface MetricV2 {
  name: string;
  columns: Record<string, string>;
  properties: { uxMetricType: string };
  value: { metricId: string; createdUtc: string; step?: number; data: Record<string, unknown> }[];
  continuationToken: string | null;
}

describe('azureml emulator: metric service', () => {
  let emulator: AzuremlEmulator;
  let post: (run: string, op: 'list' | 'full', body?: unknown, token?: string) => Promise<{ status: number; body: unknown }>;

  beforeAll(async () => {
    emulator = await startAzuremlEmulator({ scenarios: true, metricPageMax: 500, metricListPageSize: 3 });
    post = async (run, op, body, token = emulator.token) => {
      const response = await request(`${emulator.url}/metric/v2.0${emulator.scopePath}/runs/${encodeURIComponent(run)}/${op}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.statusCode, body: await response.body.json() };
    };
  });
  afterAll(() => emulator.close());

  it('lists every metric of seed 004 with its column type and UX type, page by page', async () => {
    const first = await post('rl-az-seed004', 'list', {});
    expect(first.status).toBe(200);
    const page1 = first.body as { value: Definition[]; continuationToken: string | null };
    expect(page1.value).toHaveLength(3);
    expect(typeof page1.continuationToken).toBe('string');
    const second = (await post('rl-az-seed004', 'list', { continuationToken: page1.continuationToken })).body as { value: Definition[]; continuationToken: string | null };
    expect(second.continuationToken).toBeNull();
    const all = [...page1.value, ...second.value].map((d) => [d.metricKey.name, d.columns, d.properties.uxMetricType]);
    expect(all).toEqual([
      ['simple integer value', { 'simple integer value': 'int' }, 'azureml.v1.scalar'],
      ['simple float value', { 'simple float value': 'double' }, 'azureml.v1.scalar'],
      ['simple string value', { 'simple string value': 'string' }, 'azureml.v1.scalar'],
      ['chart data points', { 'chart data points': 'int' }, 'azureml.v1.list'],
    ]);
    // the generated client sends no body when given none
    expect((await post('rl-az-seed004', 'list')).status).toBe(200);
  });

  it('serves a string metric and a list (rows without steps) from runs/{runId}/full', async () => {
    const text = (await post('rl-az-seed004', 'full', { metricName: 'simple string value' })).body as MetricV2;
    expect(text.columns).toEqual({ 'simple string value': 'string' });
    expect(text.value.map((v) => [v.data['simple string value'], v.step, v.createdUtc])).toEqual([['this is a string metric', 0, '2024-05-14T12:00:42.002Z']]);
    const list = (await post('rl-az-seed004', 'full', { metricName: 'chart data points' })).body as MetricV2;
    expect(list.properties.uxMetricType).toBe('azureml.v1.list');
    expect(list.value.map((v) => v.data['chart data points'])).toEqual([1, 3, 5, 10, 6, 4]);
    expect(list.value.every((v) => v.step === undefined && v.createdUtc === list.value[0]!.createdUtc)).toBe(true);
    expect(new Set(list.value.map((v) => v.metricId)).size).toBe(6);
    expect(list.continuationToken).toBeNull();
  });

  it('pages a long history at metricPageMax rows, following continuationToken in the body', async () => {
    const rows: MetricV2['value'] = [];
    let token: string | null = null;
    let pages = 0;
    do {
      const page = (await post('rl-az-completed-2node', 'full', { metricName: 'loss', ...(token ? { continuationToken: token } : {}) })).body as MetricV2;
      rows.push(...page.value);
      token = page.continuationToken;
      pages++;
    } while (token !== null && pages < 20);
    expect(pages).toBe(5);
    expect(rows.map((r) => r.step)).toEqual(Array.from({ length: 2400 }, (_, i) => i));
    expect(emulator.requests.filter((r) => r.surface === 'metric').at(-1)!.body).toContain('"continuationToken"');
  });

  it('answers in the Run History error dialect: unknown run or metric 404, no metricName 400, no token 401', async () => {
    const run = await post('no-such-run', 'full', { metricName: 'loss' });
    expect(run.status).toBe(404);
    expect(run.body).toMatchObject({ error: { code: 'UserError', innerError: { code: 'NotFoundError' } } });
    expect((await post('rl-az-seed004', 'full', { metricName: 'nope' })).status).toBe(404);
    expect((await post('rl-az-seed004', 'full', {})).status).toBe(400);
    expect((await post('rl-az-seed004', 'list', {}, 'wrong-token')).status).toBe(401);
  });

  it('keeps numbers logged one by one in MLflow too, but strings and lists only here', async () => {
    emulator.putJob({ name: 'mixed', status: 'Completed' });
    emulator.logMetric('mixed', 'acc', 0.5, 0, 1000);
    emulator.logMetric('mixed', 'acc', 0.75, undefined, 2000);
    emulator.logMetric('mixed', 'labels', ['cat', 'dog']);
    expect(() => emulator.logMetric('mixed', 'acc', 'high')).toThrow(RangeError);
    const acc = (await post('mixed', 'full', { metricName: 'acc' })).body as MetricV2;
    expect(acc.columns).toEqual({ acc: 'double' });
    expect(acc.value.map((v) => [v.step, v.data.acc])).toEqual([[0, 0.5], [1, 0.75]]);
    const labels = (await post('mixed', 'full', { metricName: 'labels' })).body as MetricV2;
    expect([labels.columns, labels.value.map((v) => v.data.labels)]).toEqual([{ labels: 'string' }, ['cat', 'dog']]);
  });
});
