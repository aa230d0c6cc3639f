import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { SEED004_ARTIFACT_TEXT, patternBody, startAzuremlEmulator } from '../src/testing/index.js';

import type { AzuremlEmulator } from '../src/testing/index.js';

interface Metric {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}

interface RunResponse {
  run: {
    info: { run_id: string; run_uuid: string; run_name: string; status: string; start_time: number; end_time?: number; artifact_uri: string; lifecycle_stage: string };
    data: { metrics?: Metric[]; params?: { key: string; value: string }[]; tags?: { key: string; value: string }[] };
  };
}

interface HistoryPage {
  metrics?: Metric[];
  next_page_token?: string;
}

interface ArtifactPage {
  root_uri: string;
  files?: { path: string; is_dir: boolean; file_size?: number }[];
  next_page_token?: string;
}

describe('azureml emulator: MLflow REST and artifacts', () => {
  let emulator: AzuremlEmulator;
  let mlflow: (path: string, version?: string) => Promise<{ status: number; body: unknown }>;

  beforeAll(async () => {
    emulator = await startAzuremlEmulator({ scenarios: true, metricPageMax: 500, artifactPageSize: 2 });
    mlflow = async (path, version = 'v2.0') => {
      const response = await request(`${emulator.url}/mlflow/${version}${emulator.scopePath}/api/2.0/mlflow/${path}`, {
        headers: { authorization: `Bearer ${emulator.token}` },
      });
      return { status: response.statusCode, body: await response.body.json() };
    };
  });

  afterAll(async () => {
    await emulator.close();
  });

  const history = async (query: string): Promise<{ pages: HistoryPage[]; points: Metric[] }> => {
    const pages: HistoryPage[] = [];
    let token: string | undefined;
    do {
      const tokenPart = token === undefined ? '' : `&page_token=${encodeURIComponent(token)}`;
      const { status, body } = await mlflow(`metrics/get-history?${query}${tokenPart}`);
      expect(status).toBe(200);
      const page = body as HistoryPage;
      pages.push(page);
      token = page.next_page_token;
    } while (token !== undefined && pages.length < 50);
    return { pages, points: pages.flatMap((page) => page.metrics ?? []) };
  };

  it('runs/get gives info and only the latest value per metric key', async () => {
    const { status, body } = await mlflow('runs/get?run_id=rl-az-completed-2node');
    const { info, data } = (body as RunResponse).run;
    expect(status).toBe(200);
    expect(info).toMatchObject({
      run_id: 'rl-az-completed-2node',
      run_uuid: 'rl-az-completed-2node',
      run_name: 'resnet50-imagenet-2node',
      status: 'FINISHED',
      start_time: Date.UTC(2024, 4, 14, 9, 3, 12),
      end_time: Date.UTC(2024, 4, 14, 9, 41, 55),
      lifecycle_stage: 'active',
    });
    expect(info.artifact_uri).toMatch(/^azureml:\/\/127\.0\.0\.1:\d+\/mlflow\/v2\.0\/subscriptions\/.*\/runs\/rl-az-completed-2node\/artifacts$/);
    expect(data.metrics).toEqual([
      { key: 'loss', value: 0.110881, timestamp: 1715679581100, step: 2399 },
      { key: 'accuracy', value: 0.919005, timestamp: 1715679581100, step: 2399 },
    ]);
    expect(data.params).toContainEqual({ key: 'learning_rate', value: '0.001' });
  });

  it('the seed 004 metrics: MLflow holds the numbers logged one by one, not the string or the list', async () => {
    const { body } = await mlflow('runs/get?run_id=rl-az-seed004');
    const { data } = (body as RunResponse).run;
    const latest = Object.fromEntries((data.metrics ?? []).map((m) => [m.key, m.value]));
    expect(latest).toEqual({ 'simple integer value': 7, 'simple float value': 3.141592 });
    expect((data.tags ?? []).map((t) => t.key).filter((k) => !k.startsWith('mlflow.') && k !== 'scenario')).toEqual([]);
    expect((data.tags ?? []).some((t) => t.value === 'this is a string metric')).toBe(false);
    const chart = await history('run_id=rl-az-seed004&metric_key=chart%20data%20points');
    expect(chart.points).toEqual([]);
  });

  it('get-history pages with page_token until it is absent; max_results is capped at metricPageMax', async () => {
    const paged = await history('run_id=rl-az-completed-2node&metric_key=accuracy&max_results=700');
    expect(paged.pages.map((page) => page.metrics?.length)).toEqual([500, 500, 500, 500, 400]);
    expect(paged.points).toHaveLength(2400);
    expect(paged.points[0]).toEqual({ key: 'accuracy', value: 0.102108, timestamp: 1715677422000, step: 0 });
    expect(paged.points.map((p) => p.step)).toEqual(Array.from({ length: 2400 }, (_, i) => i));
    expect(paged.pages.at(-1)?.next_page_token).toBeUndefined();
  });

  it('get-history without max_results returns everything in one response', async () => {
    const all = await history('run_id=rl-az-completed-2node&metric_key=loss');
    expect(all.pages).toHaveLength(1);
    expect(all.points).toHaveLength(2400);
    expect(all.points.at(-1)).toEqual({ key: 'loss', value: 0.110881, timestamp: 1715679581100, step: 2399 });
  });

  it('get-history of an unknown key is an empty object (proto3 omits empty lists)', async () => {
    const { status, body } = await mlflow('metrics/get-history?run_id=rl-az-failed&metric_key=loss');
    expect(status).toBe(200);
    expect(body).toEqual({});
  });

  it('logMetric on a running job: auto-incremented steps show up in history and runs/get', async () => {
    emulator.logMetric('rl-az-running', 'loss', 0.5, undefined, 1_715_690_000_000);
    emulator.logMetric('rl-az-running', 'loss', 0.49, undefined, 1_715_690_001_000);
    const { points } = await history('run_id=rl-az-running&metric_key=loss&max_results=20');
    expect(points).toHaveLength(52);
    expect(points.slice(-2)).toEqual([
      { key: 'loss', value: 0.5, timestamp: 1_715_690_000_000, step: 50 },
      { key: 'loss', value: 0.49, timestamp: 1_715_690_001_000, step: 51 },
    ]);
    const { body } = await mlflow('runs/get?run_id=rl-az-running', 'v1.0');
    expect((body as RunResponse).run.info.status).toBe('RUNNING');
    expect((body as RunResponse).run.info.end_time).toBeUndefined();
    expect((body as RunResponse).run.data.metrics?.[0]?.value).toBe(0.49);
  });

  it('artifacts/list pages through direct children of a path', async () => {
    const list = async (path: string): Promise<ArtifactPage[]> => {
      const pages: ArtifactPage[] = [];
      let token: string | undefined;
      do {
        const tokenPart = token === undefined ? '' : `&page_token=${encodeURIComponent(token)}`;
        const { body } = await mlflow(`artifacts/list?run_id=rl-az-seed004&path=${encodeURIComponent(path)}${tokenPart}`);
        pages.push(body as ArtifactPage);
        token = (body as ArtifactPage).next_page_token;
      } while (token !== undefined && pages.length < 20);
      return pages;
    };
    const root = await list('');
    expect(root.flatMap((page) => page.files ?? [])).toEqual([
      { path: 'outputs', is_dir: true },
      { path: 'user_logs', is_dir: true },
    ]);
    const outputs = await list('outputs');
    expect(outputs).toHaveLength(1);
    expect(outputs[0]?.files).toEqual([
      { path: 'outputs/model.pkl', is_dir: false, file_size: 1024 },
      { path: 'outputs/notes', is_dir: true },
    ]);
    const twoNode = await mlflow('artifacts/list?run_id=rl-az-completed-2node&path=user_logs');
    const page1 = twoNode.body as ArtifactPage;
    expect(page1.files?.map((f) => f.path)).toEqual(['user_logs/std_log_process_0.txt', 'user_logs/std_log_process_1.txt']);
    expect(page1.next_page_token).toBeTypeOf('string');
    expect(page1.root_uri).toMatch(/\/runs\/rl-az-completed-2node\/artifacts$/);
  });

  it('a missing run is 404 RESOURCE_DOES_NOT_EXIST; a missing bearer is 401', async () => {
    const missing = await mlflow('runs/get?run_id=nope');
    expect(missing).toEqual({ status: 404, body: { error_code: 'RESOURCE_DOES_NOT_EXIST', message: "Run 'nope' not found." } });
    const bad = await mlflow('metrics/get-history?run_id=rl-az-failed');
    expect(bad.status).toBe(400);
    expect((bad.body as { error_code: string }).error_code).toBe('INVALID_PARAMETER_VALUE');
    const anonymous = await request(`${emulator.url}/mlflow/v2.0${emulator.scopePath}/api/2.0/mlflow/runs/get?run_id=rl-az-failed`);
    expect(anonymous.statusCode).toBe(401);
    expect(((await anonymous.body.json()) as { error: { code: string } }).error.code).toBe('AuthenticationFailed');
  });

  it('the artifact service hands out a SAS contentUri that downloads the seed text', async () => {
    const base = `${emulator.url}/artifact/v2.0${emulator.scopePath}/artifacts/ExperimentRun/dcid.rl-az-seed004`;
    const auth = { authorization: `Bearer ${emulator.token}` };
    const info = await request(`${base}/contentinfo?path=outputs/notes/artifact-path.txt`, { headers: auth });
    const body = (await info.body.json()) as { contentUri: string; origin: string; container: string; path: string };
    expect(info.statusCode).toBe(200);
    expect(body).toMatchObject({ origin: 'ExperimentRun', container: 'dcid.rl-az-seed004', path: 'outputs/notes/artifact-path.txt' });
    const blob = await request(body.contentUri);
    expect(blob.statusCode).toBe(200);
    expect(await blob.body.text()).toBe(SEED004_ARTIFACT_TEXT);

    const content = await request(`${base}/content?path=outputs/model.pkl`, { headers: { ...auth, range: 'bytes=0-2' } });
    expect(content.statusCode).toBe(206);
    expect([...new Uint8Array(await content.body.arrayBuffer())]).toEqual([0x80, 0x04, 0x95]);

    const missing = await request(`${base}/contentinfo?path=outputs/nope.bin`, { headers: auth });
    expect(missing.statusCode).toBe(404);
    await missing.body.dump();
  });

  it('a 500 MB lazily generated artifact is served by range without materialising it', async () => {
    const base = `${emulator.url}/artifact/v2.0${emulator.scopePath}/artifacts/ExperimentRun/dcid.rl-az-completed-2node`;
    const info = await request(`${base}/contentinfo?path=outputs/checkpoints/model_final.pt`, {
      headers: { authorization: `Bearer ${emulator.token}` },
    });
    const { contentUri } = (await info.body.json()) as { contentUri: string };
    const size = 500 * 1024 * 1024;
    const head = await request(contentUri, { method: 'HEAD' });
    await head.body.dump();
    expect(Number(head.headers['content-length'])).toBe(size);
    const tail = await request(contentUri, { headers: { range: `bytes=${size - 16}-` } });
    expect(tail.statusCode).toBe(206);
    const bytes = new Uint8Array(await tail.body.arrayBuffer());
    expect(bytes).toEqual(patternBody(size, 7).generate(size - 16, 16));
  });

  it('outputs/ artifacts must be smaller than 512 MB', () => {
    emulator.putJob({ name: 'artifact-limits', status: 'Completed' });
    expect(() => emulator.putArtifact('artifact-limits', 'outputs/huge.bin', patternBody(512 * 1024 * 1024, 1)))
      .toThrow(RangeError);
    expect(() => emulator.putArtifact('artifact-limits', 'outputs/almost.bin', patternBody(512 * 1024 * 1024 - 1, 1)))
      .not.toThrow();
  });
});
