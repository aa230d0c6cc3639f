// The emulator validates requests as an MLflow tracking server does: each limit and error code is
// exercised on the wire (raw HTTP), at the limit (accepted) and one past it (rejected).
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BATCH_LOG_REQUEST_SIZE } from '../src/limits.js';
import { MULTIPART_UNSUPPORTED_MESSAGE, startMlflowEmulator, type MlflowEmulator } from '../src/testing/index.js';

let emulator: MlflowEmulator;
beforeAll(async () => {
  emulator = await startMlflowEmulator();
});
afterAll(() => emulator.close());

async function call(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await request(`${emulator.url}${path}`, {
    method,
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
  });
  const text = await response.body.text();
  return { status: response.statusCode, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}
const api = (endpoint: string) => `/api/2.0/mlflow/${endpoint}`;

async function newRun(): Promise<string> {
  const created = await call('POST', api('runs/create'), { experiment_id: '0', start_time: 1_000 });
  expect(created.status).toBe(200);
  return (created.json.run as { info: { run_id: string } }).info.run_id;
}

function expectError(answer: { status: number; json: Record<string, unknown> }, status: number, code: string, message?: RegExp) {
  expect(answer.status).toBe(status);
  expect(answer.json.error_code).toBe(code);
  if (message) expect(String(answer.json.message)).toMatch(message);
}

describe('mlflow emulator: experiments', () => {
  it('creates, finds by name, and refuses a taken name with RESOURCE_ALREADY_EXISTS', async () => {
    const created = await call('POST', api('experiments/create'), { name: 'exp-a' });
    expect(created.status).toBe(200);
    const found = await call('GET', `${api('experiments/get-by-name')}?experiment_name=exp-a`);
    expect((found.json.experiment as { experiment_id: string }).experiment_id).toBe(created.json.experiment_id);
    expectError(await call('POST', api('experiments/create'), { name: 'exp-a' }), 400, 'RESOURCE_ALREADY_EXISTS');
  });

  it('answers a missing experiment with 404 RESOURCE_DOES_NOT_EXIST', async () => {
    expectError(await call('GET', `${api('experiments/get-by-name')}?experiment_name=nope`), 404, 'RESOURCE_DOES_NOT_EXIST');
    expectError(await call('POST', api('runs/create'), { experiment_id: '999' }), 404, 'RESOURCE_DOES_NOT_EXIST', /No Experiment with id=999/);
  });

  it('requires a name', async () => {
    expectError(await call('POST', api('experiments/create'), {}), 400, 'INVALID_PARAMETER_VALUE', /Missing value for required parameter 'name'/);
  });
});

describe('mlflow emulator: runs', () => {
  it('keeps start_time given at create and end_time and status given at update', async () => {
    const runId = await newRun();
    const updated = await call('POST', api('runs/update'), { run_id: runId, status: 'FAILED', end_time: 2_000 });
    expect(updated.json.run_info).toMatchObject({ run_id: runId, status: 'FAILED', start_time: 1_000, end_time: 2_000 });
    const got = await call('GET', `${api('runs/get')}?run_id=${runId}`);
    expect((got.json.run as { info: unknown }).info).toMatchObject({ start_time: 1_000, end_time: 2_000, status: 'FAILED', artifact_uri: `mlflow-artifacts:/0/${runId}/artifacts` });
  });

  it('rejects an unknown status and answers a missing run with RESOURCE_DOES_NOT_EXIST', async () => {
    const runId = await newRun();
    expectError(await call('POST', api('runs/update'), { run_id: runId, status: 'DONE' }), 400, 'INVALID_PARAMETER_VALUE');
    expectError(await call('GET', `${api('runs/get')}?run_id=0123456789abcdef0123456789abcdef`), 404, 'RESOURCE_DOES_NOT_EXIST');
  });

  it('refuses to change a param, accepts the same value again', async () => {
    const runId = await newRun();
    expect((await call('POST', api('runs/log-parameter'), { run_id: runId, key: 'lr', value: '0.1' })).status).toBe(200);
    expect((await call('POST', api('runs/log-parameter'), { run_id: runId, key: 'lr', value: '0.1' })).status).toBe(200);
    expectError(await call('POST', api('runs/log-parameter'), { run_id: runId, key: 'lr', value: '0.2' }), 400, 'INVALID_PARAMETER_VALUE', /Changing param values is not allowed/);
    expectError(await call('POST', api('runs/log-batch'), { run_id: runId, params: [{ key: 'lr', value: '0.3' }] }), 400, 'INVALID_PARAMETER_VALUE', /Changing param values/);
  });

  it('finds a run by a backquoted tag filter', async () => {
    const runId = await newRun();
    await call('POST', api('runs/set-tag'), { run_id: runId, key: 'runlens.source.ref', value: 'sagemaker:job-42' });
    const found = await call('POST', api('runs/search'), { experiment_ids: ['0'], filter: "tags.`runlens.source.ref` = 'sagemaker:job-42'" });
    expect((found.json.runs as { info: { run_id: string } }[]).map((r) => r.info.run_id)).toEqual([runId]);
  });
});

describe('mlflow emulator: keys and values', () => {
  it.each([
    ['metrics/mAP50-95(B)', false],
    ['a@b', false],
    ['../x', false],
    ['/abs', false],
    ['a//b', false],
    ['train/loss', true],
    ['épocha 1.x-y_z', true],
    ['sys:cpu', true],
  ])('key %j accepted: %s', async (key, ok) => {
    const runId = await newRun();
    const answer = await call('POST', api('runs/log-batch'), { run_id: runId, metrics: [{ key, value: 1, timestamp: 1, step: 0 }] });
    if (ok) expect(answer.status).toBe(200);
    else expectError(answer, 400, 'INVALID_PARAMETER_VALUE', /Invalid metric name/);
  });

  it('limits keys to 250 characters', async () => {
    const runId = await newRun();
    expect((await call('POST', api('runs/set-tag'), { run_id: runId, key: 'k'.repeat(250), value: 'v' })).status).toBe(200);
    expectError(await call('POST', api('runs/set-tag'), { run_id: runId, key: 'k'.repeat(251), value: 'v' }), 400, 'INVALID_PARAMETER_VALUE', /exceeded length limit of 250/);
  });

  it('limits param values to 6000 characters and tag values to 5000', async () => {
    const runId = await newRun();
    expect((await call('POST', api('runs/log-parameter'), { run_id: runId, key: 'p1', value: 'x'.repeat(6000) })).status).toBe(200);
    expectError(await call('POST', api('runs/log-parameter'), { run_id: runId, key: 'p2', value: 'x'.repeat(6001) }), 400, 'INVALID_PARAMETER_VALUE', /length limit of 6000/);
    expect((await call('POST', api('runs/set-tag'), { run_id: runId, key: 't1', value: 'x'.repeat(5000) })).status).toBe(200);
    expectError(await call('POST', api('runs/set-tag'), { run_id: runId, key: 't2', value: 'x'.repeat(5001) }), 400, 'INVALID_PARAMETER_VALUE', /length limit of 5000/);
  });

  it('rejects colons when configured as an older server', async () => {
    const old = await startMlflowEmulator({ colonInKeys: false });
    try {
      const created = await request(`${old.url}/api/2.0/mlflow/runs/create`, { method: 'POST', body: JSON.stringify({ experiment_id: '0' }) });
      const runId = ((await created.body.json()) as { run: { info: { run_id: string } } }).run.info.run_id;
      const answer = await request(`${old.url}/api/2.0/mlflow/runs/set-tag`, { method: 'POST', body: JSON.stringify({ run_id: runId, key: 'a:b', value: 'v' }) });
      expect(answer.statusCode).toBe(400);
      expect(((await answer.body.json()) as { error_code: string }).error_code).toBe('INVALID_PARAMETER_VALUE');
    } finally {
      await old.close();
    }
  });
});

describe('mlflow emulator: log-batch limits', () => {
  const metrics = (n: number) => Array.from({ length: n }, (_, i) => ({ key: 'm', value: i, timestamp: i, step: i }));
  const kv = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => ({ key: `${prefix}${i}`, value: 'v' }));

  it('accepts 1000 metrics and refuses 1001', async () => {
    const runId = await newRun();
    expect((await call('POST', api('runs/log-batch'), { run_id: runId, metrics: metrics(1000) })).status).toBe(200);
    expectError(await call('POST', api('runs/log-batch'), { run_id: runId, metrics: metrics(1001) }), 400, 'INVALID_PARAMETER_VALUE', /at most 1000 metrics/);
  });

  it('accepts 100 params and 100 tags and refuses 101 of either', async () => {
    const runId = await newRun();
    expect((await call('POST', api('runs/log-batch'), { run_id: runId, params: kv(100, 'p'), tags: kv(100, 't') })).status).toBe(200);
    expectError(await call('POST', api('runs/log-batch'), { run_id: runId, params: kv(101, 'q') }), 400, 'INVALID_PARAMETER_VALUE', /at most 100 params/);
    expectError(await call('POST', api('runs/log-batch'), { run_id: runId, tags: kv(101, 'u') }), 400, 'INVALID_PARAMETER_VALUE', /at most 100 tags/);
  });

  it('refuses more than 1000 entities in all', async () => {
    const runId = await newRun();
    expectError(await call('POST', api('runs/log-batch'), { run_id: runId, metrics: metrics(901), params: kv(100, 'p') }), 400, 'INVALID_PARAMETER_VALUE', /at most 1000 metrics, params, and tags/);
  });

  it('refuses a request over 1 MB, and stores nothing of it', async () => {
    const runId = await newRun();
    const big = { run_id: runId, tags: [{ key: 'big', value: 'x'.repeat(4000) }], params: [{ key: 'pad', value: 'y' }] };
    const text = JSON.stringify(big);
    const padded = text.replace('"y"', `"${'y'.repeat(MAX_BATCH_LOG_REQUEST_SIZE - text.length + 2)}"`);
    expect(Buffer.byteLength(padded)).toBe(MAX_BATCH_LOG_REQUEST_SIZE + 1);
    expectError(await call('POST', api('runs/log-batch'), padded), 400, 'INVALID_PARAMETER_VALUE', /at most 1000000 bytes/);
    expect(emulator.state.runs.get(runId)!.tags.has('big')).toBe(false);
  });

  it('appends metric points: the same batch twice stores every point twice', async () => {
    const runId = await newRun();
    await call('POST', api('runs/log-batch'), { run_id: runId, metrics: metrics(3) });
    await call('POST', api('runs/log-batch'), { run_id: runId, metrics: metrics(3) });
    const history = await call('GET', `${api('metrics/get-history')}?run_id=${runId}&metric_key=m`);
    expect((history.json.metrics as unknown[]).length).toBe(6);
  });

  it('refuses duplicate param keys in one batch', async () => {
    const runId = await newRun();
    expectError(await call('POST', api('runs/log-batch'), { run_id: runId, params: [{ key: 'a', value: '1' }, { key: 'a', value: '1' }] }), 400, 'INVALID_PARAMETER_VALUE', /Duplicate parameter keys/);
  });

  it('pages get-history with max_results up to 25000 and refuses more', async () => {
    const runId = await newRun();
    await call('POST', api('runs/log-batch'), { run_id: runId, metrics: metrics(5) });
    const first = await call('GET', `${api('metrics/get-history')}?run_id=${runId}&metric_key=m&max_results=2`);
    expect((first.json.metrics as unknown[]).length).toBe(2);
    const second = await call('GET', `${api('metrics/get-history')}?run_id=${runId}&metric_key=m&max_results=2&page_token=${encodeURIComponent(String(first.json.next_page_token))}`);
    expect((second.json.metrics as { step: number }[]).map((m) => m.step)).toEqual([2, 3]);
    expectError(await call('GET', `${api('metrics/get-history')}?run_id=${runId}&metric_key=m&max_results=25001`), 400, 'INVALID_PARAMETER_VALUE');
  });
});

describe('mlflow emulator: artifacts proxy', () => {
  it('stores, lists and serves artifacts by proxy path, and refuses `..`', async () => {
    const runId = await newRun();
    const root = `0/${runId}/artifacts`;
    expect((await call('PUT', `/api/2.0/mlflow-artifacts/artifacts/${root}/dir/a.txt`, 'hello')).status).toBe(200);
    const listed = await call('GET', `/api/2.0/mlflow-artifacts/artifacts?path=${encodeURIComponent(root)}`);
    expect(listed.json.files).toEqual([{ path: 'dir', is_dir: true }]);
    const runList = await call('GET', `${api('artifacts/list')}?run_id=${runId}&path=dir`);
    expect(runList.json).toEqual({ root_uri: `mlflow-artifacts:/${root}`, files: [{ path: 'dir/a.txt', is_dir: false, file_size: 5 }] });
    const got = await request(`${emulator.url}/api/2.0/mlflow-artifacts/artifacts/${root}/dir/a.txt`);
    expect(await got.body.text()).toBe('hello');
    expectError(await call('PUT', `/api/2.0/mlflow-artifacts/artifacts/${root}/%2E%2E%2Fx`, 'x'), 400, 'INVALID_PARAMETER_VALUE');
  });

  it('assembles a multipart upload from parts PUT to presigned URLs, in part order', async () => {
    const runId = await newRun();
    const dir = `0/${runId}/artifacts/model`;
    const created = await call('POST', `/api/2.0/mlflow-artifacts/mpu/create/${dir}`, { path: '/tmp/local/model.bin', num_parts: 2 });
    const { upload_id, credentials } = created.json as { upload_id: string; credentials: { url: string; part_number: number }[] };
    const etags: string[] = [];
    for (const [i, text] of ['first-', 'second'].entries()) {
      const put = await request(credentials[i]!.url, { method: 'PUT', body: text });
      await put.body.text();
      etags.push(String(put.headers.etag));
    }
    expectError(await call('POST', `/api/2.0/mlflow-artifacts/mpu/complete/${dir}`, { path: 'model.bin', upload_id, parts: [{ part_number: 1, etag: '"wrong"' }] }), 400, 'INVALID_PARAMETER_VALUE');
    const done = await call('POST', `/api/2.0/mlflow-artifacts/mpu/complete/${dir}`, { path: 'model.bin', upload_id, parts: [{ part_number: 1, etag: etags[0] }, { part_number: 2, etag: etags[1] }] });
    expect(done.status).toBe(200);
    expect(emulator.state.artifacts.get(`${dir}/model.bin`)?.toString()).toBe('first-second');
  });

  it('answers multipart with 501 NOT_IMPLEMENTED and MLflow\'s message when the store cannot', async () => {
    emulator.setMultipart(false);
    try {
      const answer = await call('POST', '/api/2.0/mlflow-artifacts/mpu/create/0/x/artifacts', { path: 'big.bin', num_parts: 2 });
      expectError(answer, 501, 'NOT_IMPLEMENTED');
      expect(String(answer.json.message).startsWith(MULTIPART_UNSUPPORTED_MESSAGE)).toBe(true);
    } finally {
      emulator.setMultipart(true);
    }
  });
});

describe('mlflow emulator: auth, prefixes and faults', () => {
  it('requires the configured token (401 without it) and serves under an Azure ML style prefix', async () => {
    const prefix = '/mlflow/v1.0/subscriptions/s/resourceGroups/g/providers/Microsoft.MachineLearningServices/workspaces/w';
    const secured = await startMlflowEmulator({ auth: { token: 'tkn' }, pathPrefix: prefix });
    try {
      expect(secured.url.endsWith(prefix)).toBe(true);
      const without = await request(`${secured.url}/api/2.0/mlflow/experiments/get?experiment_id=0`);
      await without.body.text();
      expect(without.statusCode).toBe(401);
      const withToken = await request(`${secured.url}/api/2.0/mlflow/experiments/get?experiment_id=0`, { headers: { authorization: 'Bearer tkn' } });
      expect(((await withToken.body.json()) as { experiment: { name: string } }).experiment.name).toBe('Default');
      expect(secured.env).toMatchObject({ MLFLOW_TRACKING_URI: secured.url, MLFLOW_TRACKING_TOKEN: 'tkn' });
    } finally {
      await secured.close();
    }
  });

  // The SageMaker and Azure flavours (signature and token checks): targets.test.ts.

  it('renders injected faults in MLflow\'s dialect, and a partial fault leaves half a batch behind', async () => {
    const runId = await newRun();
    emulator.faults.inject({ path: 'runs/get', kind: 'throttle', times: 1, delayMs: 2000 });
    const throttled = await request(`${emulator.url}${api('runs/get')}?run_id=${runId}`);
    expect(throttled.statusCode).toBe(429);
    expect(throttled.headers['retry-after']).toBe('2');
    expect(((await throttled.body.json()) as { error_code: string }).error_code).toBe('REQUEST_LIMIT_EXCEEDED');
    emulator.faults.inject({ path: 'log-batch', kind: 'partial', times: 1 });
    const partial = await call('POST', api('runs/log-batch'), { run_id: runId, metrics: metrics4() });
    expectError(partial, 500, 'INTERNAL_ERROR');
    expect(emulator.state.runs.get(runId)!.metrics.get('m')!.length).toBe(2);
  });

  it('refuses writes on a read-only server with 403', async () => {
    emulator.setReadOnly(true);
    try {
      expectError(await call('POST', api('experiments/create'), { name: 'ro' }), 403, 'PERMISSION_DENIED');
    } finally {
      emulator.setReadOnly(false);
    }
  });
});

function metrics4() {
  return [0, 1, 2, 3].map((i) => ({ key: 'm', value: i, timestamp: i, step: i }));
}
