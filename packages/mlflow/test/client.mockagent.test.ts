// Request shapes of the MLflow client on the wire (undici MockAgent), checked against MLflow's REST
// reference: paths, methods, query and body fields, auth headers, and how errors are mapped.
import { RunlensError } from '@runlens/core';
import { MockAgent } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { authFromEnv } from '../src/auth.js';
import { proxyRoot, restBaseUrl } from '../src/client.js';
import { testClient } from './support.js';

const ORIGIN = 'https://mlflow.example.com';
const JSON_HEADERS = { headers: { 'content-type': 'application/json' } };

let agent: MockAgent;
beforeEach(() => {
  agent = new MockAgent();
  agent.disableNetConnect();
});
afterEach(async () => {
  agent.assertNoPendingInterceptors();
  await agent.close();
});

const pool = () => agent.get(ORIGIN);
const client = (env: Record<string, string> = {}) => testClient(ORIGIN, { dispatcher: agent, auth: authFromEnv(env) });
const bodyOf = (body: unknown) => JSON.parse(String(body)) as Record<string, unknown>;

describe('mlflow client request shapes', () => {
  it('gets an experiment by name with a bearer token from MLFLOW_TRACKING_TOKEN', async () => {
    pool()
      .intercept({ path: '/api/2.0/mlflow/experiments/get-by-name?experiment_name=runlens%20%2F%20copies', method: 'GET', headers: { authorization: 'Bearer tok-123' } })
      .reply(200, { experiment: { experiment_id: '7', name: 'runlens / copies' } }, JSON_HEADERS);
    const found = await client({ MLFLOW_TRACKING_TOKEN: 'tok-123' }).getExperimentByName('runlens / copies');
    expect(found?.experiment_id).toBe('7');
  });

  it('answers undefined for a missing experiment (404 RESOURCE_DOES_NOT_EXIST)', async () => {
    pool()
      .intercept({ path: /experiments\/get-by-name/, method: 'GET' })
      .reply(404, { error_code: 'RESOURCE_DOES_NOT_EXIST', message: "Could not find experiment with name 'x'" }, JSON_HEADERS);
    expect(await client().getExperimentByName('x')).toBeUndefined();
  });

  it('sends basic auth from MLFLOW_TRACKING_USERNAME/PASSWORD, which MLflow prefers over a token', async () => {
    const basic = `Basic ${Buffer.from('ann:s3cret').toString('base64')}`;
    pool().intercept({ path: '/api/2.0/mlflow/runs/get?run_id=abc', method: 'GET', headers: { authorization: basic } }).reply(200, { run: { info: { run_id: 'abc', experiment_id: '1' } } }, JSON_HEADERS);
    const run = await client({ MLFLOW_TRACKING_USERNAME: 'ann', MLFLOW_TRACKING_PASSWORD: 's3cret', MLFLOW_TRACKING_TOKEN: 'ignored' }).getRun('abc');
    expect(run.info.run_id).toBe('abc');
  });

  it('creates an experiment and a run with its original start time and tags', async () => {
    let experimentBody: Record<string, unknown> = {};
    let runBody: Record<string, unknown> = {};
    pool().intercept({ path: '/api/2.0/mlflow/experiments/create', method: 'POST', headers: { 'content-type': 'application/json' } }).reply(200, (opts) => {
      experimentBody = bodyOf(opts.body);
      return { experiment_id: '3' };
    }, JSON_HEADERS);
    pool().intercept({ path: '/api/2.0/mlflow/runs/create', method: 'POST' }).reply(200, (opts) => {
      runBody = bodyOf(opts.body);
      return { run: { info: { run_id: 'r1', experiment_id: '3', status: 'RUNNING' } } };
    }, JSON_HEADERS);
    const c = client();
    expect(await c.createExperiment('copies')).toBe('3');
    const run = await c.createRun({ experimentId: '3', runName: 'job-1', startTime: 1_700_000_000_123, tags: [{ key: 'runlens.source.ref', value: 'sagemaker:job-1' }] });
    expect(experimentBody).toEqual({ name: 'copies' });
    expect(runBody).toEqual({ experiment_id: '3', run_name: 'job-1', start_time: 1_700_000_000_123, tags: [{ key: 'runlens.source.ref', value: 'sagemaker:job-1' }] });
    expect(run.info.run_id).toBe('r1');
  });

  it('takes a concurrent creator\'s experiment on RESOURCE_ALREADY_EXISTS', async () => {
    pool().intercept({ path: /experiments\/get-by-name/, method: 'GET' }).reply(404, { error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'no' }, JSON_HEADERS);
    pool().intercept({ path: '/api/2.0/mlflow/experiments/create', method: 'POST' }).reply(400, { error_code: 'RESOURCE_ALREADY_EXISTS', message: 'Experiment(name=e) already exists.' }, JSON_HEADERS);
    pool().intercept({ path: /experiments\/get-by-name/, method: 'GET' }).reply(200, { experiment: { experiment_id: '9', name: 'e' } }, JSON_HEADERS);
    expect(await client().ensureExperiment('e')).toBe('9');
  });

  it('updates a run with status and end time, sets a tag, logs a param', async () => {
    const bodies: Record<string, unknown>[] = [];
    const capture = (answer: unknown) => (opts: { body?: unknown }) => {
      bodies.push(bodyOf(opts.body));
      return answer;
    };
    pool().intercept({ path: '/api/2.0/mlflow/runs/update', method: 'POST' }).reply(200, capture({ run_info: { run_id: 'r1', status: 'FAILED', end_time: 5 } }), JSON_HEADERS);
    pool().intercept({ path: '/api/2.0/mlflow/runs/set-tag', method: 'POST' }).reply(200, capture({}), JSON_HEADERS);
    pool().intercept({ path: '/api/2.0/mlflow/runs/log-parameter', method: 'POST' }).reply(200, capture({}), JSON_HEADERS);
    const c = client();
    const info = await c.updateRun({ runId: 'r1', status: 'FAILED', endTime: 5 });
    await c.setTag('r1', 'runlens.source.provider', 'sagemaker');
    await c.logParameter('r1', 'lr', '0.1');
    expect(info?.status).toBe('FAILED');
    expect(bodies).toEqual([
      { run_id: 'r1', status: 'FAILED', end_time: 5 },
      { run_id: 'r1', key: 'runlens.source.provider', value: 'sagemaker' },
      { run_id: 'r1', key: 'lr', value: '0.1' },
    ]);
  });

  it('logs a batch with metrics, params and tags, leaving out empty lists', async () => {
    let body: Record<string, unknown> = {};
    pool().intercept({ path: '/api/2.0/mlflow/runs/log-batch', method: 'POST' }).reply(200, (opts) => {
      body = bodyOf(opts.body);
      return {};
    }, JSON_HEADERS);
    await client().logBatch('r1', { metrics: [{ key: 'loss', value: 0.5, timestamp: 10, step: 1 }], params: [], tags: [{ key: 't', value: 'v' }] });
    expect(body).toEqual({ run_id: 'r1', metrics: [{ key: 'loss', value: 0.5, timestamp: 10, step: 1 }], tags: [{ key: 't', value: 'v' }] });
  });

  it('searches runs by a tag filter, following next_page_token', async () => {
    const bodies: Record<string, unknown>[] = [];
    pool().intercept({ path: '/api/2.0/mlflow/runs/search', method: 'POST' }).reply(200, (opts) => {
      bodies.push(bodyOf(opts.body));
      return { runs: [{ info: { run_id: 'a', experiment_id: '1' } }], next_page_token: 'p2' };
    }, JSON_HEADERS);
    pool().intercept({ path: '/api/2.0/mlflow/runs/search', method: 'POST' }).reply(200, (opts) => {
      bodies.push(bodyOf(opts.body));
      return {};
    }, JSON_HEADERS);
    const pages: string[][] = [];
    for await (const page of client().searchRuns({ experimentIds: ['1'], filter: "tags.`runlens.source.ref` = 'sagemaker:j'", maxResults: 1 })) pages.push(page.map((r) => r.info.run_id));
    expect(pages).toEqual([['a'], []]);
    expect(bodies[0]).toEqual({ experiment_ids: ['1'], filter: "tags.`runlens.source.ref` = 'sagemaker:j'", max_results: 1 });
    expect(bodies[1]).toMatchObject({ page_token: 'p2' });
  });

  it('pages a metric history with max_results and page_token', async () => {
    pool().intercept({ path: '/api/2.0/mlflow/metrics/get-history?run_id=r1&metric_key=val%2Floss&max_results=2', method: 'GET' })
      .reply(200, { metrics: [{ key: 'val/loss', value: 1, timestamp: 1, step: 0 }, { key: 'val/loss', value: 2, timestamp: 2, step: 1 }], next_page_token: 't' }, JSON_HEADERS);
    pool().intercept({ path: '/api/2.0/mlflow/metrics/get-history?run_id=r1&metric_key=val%2Floss&max_results=2&page_token=t', method: 'GET' })
      .reply(200, { metrics: [{ key: 'val/loss', value: 'NaN', timestamp: '3', step: '2' }] }, JSON_HEADERS);
    const points = [];
    for await (const page of client().metricHistory('r1', 'val/loss', 2)) points.push(...page);
    expect(points.map((p) => p.value)).toEqual([1, 2, 'NaN']);
  });

  it('uses the artifacts proxy: list by ?path=, PUT and GET by path with segments encoded', async () => {
    pool().intercept({ path: '/api/2.0/mlflow-artifacts/artifacts?path=1%2Fr1%2Fartifacts%2Fruns%20lens', method: 'GET' })
      .reply(200, { files: [{ path: 'a b.txt', is_dir: false, file_size: 3 }] }, JSON_HEADERS);
    let uploaded = '';
    pool().intercept({ path: '/api/2.0/mlflow-artifacts/artifacts/1/r1/artifacts/runs%20lens/a%20b.txt', method: 'PUT', headers: { 'content-type': 'application/octet-stream' } })
      .reply(200, (opts) => {
        uploaded = String(opts.body);
        return {};
      }, JSON_HEADERS);
    pool().intercept({ path: '/api/2.0/mlflow-artifacts/artifacts/1/r1/artifacts/runs%20lens/a%20b.txt', method: 'GET' }).reply(200, 'abc', { headers: { 'content-length': '3' } });
    const c = client({ MLFLOW_TRACKING_TOKEN: 't' });
    expect(await c.listArtifacts('1/r1/artifacts/runs lens')).toEqual([{ path: 'a b.txt', is_dir: false, file_size: 3 }]);
    await c.uploadArtifact('1/r1/artifacts/runs lens/a b.txt', Buffer.from('abc'));
    const download = await c.downloadArtifact('1/r1/artifacts/runs lens/a b.txt');
    const chunks: Buffer[] = [];
    for await (const chunk of download.body) chunks.push(Buffer.from(chunk));
    expect(uploaded).toBe('abc');
    expect(Buffer.concat(chunks).toString()).toBe('abc');
    expect(download.size).toBe(3);
  });

  it('runs a multipart upload: create on the directory with the file in `path`, parts to presigned URLs without MLflow auth, complete with ETags', async () => {
    let createBody: Record<string, unknown> = {};
    let completeBody: Record<string, unknown> = {};
    pool().intercept({ path: '/api/2.0/mlflow-artifacts/mpu/create/1/r1/artifacts/model', method: 'POST', headers: { authorization: 'Bearer t' } }).reply(200, (opts) => {
      createBody = bodyOf(opts.body);
      return { upload_id: 'u1', credentials: [{ url: 'https://bucket.s3.example.com/k?partNumber=1&X-Amz-Signature=sig', part_number: 1, headers: { 'x-amz-meta-a': 'b' } }] };
    }, JSON_HEADERS);
    agent.get('https://bucket.s3.example.com')
      .intercept({ path: '/k?partNumber=1&X-Amz-Signature=sig', method: 'PUT', headers: (h: Record<string, string>) => h['x-amz-meta-a'] === 'b' && h.authorization === undefined })
      .reply(200, '', { headers: { etag: '"e1"' } });
    pool().intercept({ path: '/api/2.0/mlflow-artifacts/mpu/complete/1/r1/artifacts/model', method: 'POST' }).reply(200, (opts) => {
      completeBody = bodyOf(opts.body);
      return {};
    }, JSON_HEADERS);
    const c = client({ MLFLOW_TRACKING_TOKEN: 't' });
    const created = await c.createMultipartUpload('1/r1/artifacts/model', 'model.bin', 1);
    const part = await c.uploadPart(created.credentials[0]!, Buffer.from('xyz'));
    await c.completeMultipartUpload('1/r1/artifacts/model', 'model.bin', created.uploadId, [part]);
    expect(createBody).toEqual({ path: 'model.bin', num_parts: 1 });
    expect(completeBody).toEqual({ path: 'model.bin', upload_id: 'u1', parts: [{ part_number: 1, etag: '"e1"', url: 'https://bucket.s3.example.com/k?partNumber=1&X-Amz-Signature=sig' }] });
  });
});

describe('mlflow client error mapping', () => {
  const failWith = (status: number, body: unknown, headers: Record<string, string> = {}) =>
    pool().intercept({ path: /runs\/get/, method: 'GET' }).reply(status, body as object, { headers: { 'content-type': 'application/json', ...headers } });
  const codeOf = async (promise: Promise<unknown>) => {
    try {
      await promise;
    } catch (e) {
      expect(RunlensError.isInstance(e)).toBe(true);
      return e as RunlensError;
    }
    throw new Error('expected a failure');
  };

  it('RESOURCE_DOES_NOT_EXIST is NotFound, naming the run', async () => {
    failWith(404, { error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'Run with id=zz not found' });
    const e = await codeOf(client().getRun('zz'));
    expect(e.code).toBe('NotFound');
    expect(e.message).toContain("run 'zz'");
  });

  it('INVALID_PARAMETER_VALUE is InvalidInput, not retried', async () => {
    failWith(400, { error_code: 'INVALID_PARAMETER_VALUE', message: 'bad' });
    const e = await codeOf(client().getRun('zz'));
    expect(e.code).toBe('InvalidInput');
    expect(e.providerCode).toBe('INVALID_PARAMETER_VALUE');
  });

  it.each([401, 403])('HTTP %i is AuthError and the token never reaches the message', async (status) => {
    failWith(status, '<html>nope</html>');
    const e = await codeOf(client({ MLFLOW_TRACKING_TOKEN: 'very-secret-token' }).getRun('zz'));
    expect(e.code).toBe('AuthError');
    expect(e.message).not.toContain('very-secret-token');
  });

  it('429 and 503 are retried by core until an answer comes', async () => {
    failWith(429, { error_code: 'REQUEST_LIMIT_EXCEEDED', message: 'slow down' }, { 'retry-after': '0' });
    failWith(503, { error_code: 'TEMPORARILY_UNAVAILABLE', message: 'later' });
    pool().intercept({ path: /runs\/get/, method: 'GET' }).reply(200, { run: { info: { run_id: 'ok', experiment_id: '0' } } }, JSON_HEADERS);
    const stats = { calls: 0, retries: 0 };
    const run = await testClient(ORIGIN, { dispatcher: agent, stats }).getRun('ok');
    expect(run.info.run_id).toBe('ok');
    expect(stats).toEqual({ calls: 3, retries: 2 });
  });

  it('501 NOT_IMPLEMENTED on multipart create is Unsupported, sent once', async () => {
    pool().intercept({ path: /mpu\/create/, method: 'POST' }).reply(501, { error_code: 'NOT_IMPLEMENTED', message: 'Multipart upload is not supported for the current artifact repository' }, JSON_HEADERS);
    const e = await codeOf(client().createMultipartUpload('1/r/artifacts', 'big.bin', 3));
    expect(e.code).toBe('Unsupported');
  });

  it('a 404 without an MLflow body says the target may not be an MLflow server', async () => {
    failWith(404, '<html>Not Found</html>');
    const e = await codeOf(client().getRun('zz'));
    expect(e.code).toBe('NotFound');
    expect(e.message).toContain('MLflow tracking server');
  });
});

describe('tracking URIs and artifact roots', () => {
  it('maps an Azure ML workspace tracking URI to https', () => {
    const uri = 'azureml://eastus.api.azureml.ms/mlflow/v1.0/subscriptions/s/resourceGroups/g/providers/Microsoft.MachineLearningServices/workspaces/w';
    expect(restBaseUrl(uri)).toBe(`https://${uri.slice('azureml://'.length)}`);
    expect(restBaseUrl('http://127.0.0.1:5000/')).toBe('http://127.0.0.1:5000');
  });

  it('finds the proxy path of a run artifact root, and refuses a store the server does not proxy', () => {
    expect(proxyRoot('mlflow-artifacts:/1/abc/artifacts')).toBe('1/abc/artifacts');
    expect(proxyRoot('mlflow-artifacts://host:5000/1/abc/artifacts')).toBe('1/abc/artifacts');
    expect(proxyRoot('http://h:5000/api/2.0/mlflow-artifacts/artifacts/1/abc/artifacts')).toBe('1/abc/artifacts');
    expect(() => proxyRoot('s3://bucket/1/abc/artifacts')).toThrow(/does not serve/);
  });
});
