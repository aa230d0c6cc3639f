// Request shapes: nock for the ARM client (it goes through node:http), undici's MockAgent for the data
// plane. Exact paths, query parameters (page tokens included) and headers; no SDK retries; the bearer
// token never goes to storage; signed links never reach a message.
import { createRunlens, RunlensError, type Runlens } from '@runlens/core';
import nock from 'nock';
import { MockAgent } from 'undici';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { azuremlProvider } from '../src/index.js';
import { collect } from './support.js';

const ARM = 'https://management.azure.com';
const DATA = 'https://eastus.api.azureml.ms';
const BLOB = 'https://acct.blob.core.windows.net';
const SCOPE = '/subscriptions/sub-1/resourceGroups/rg-1/providers/Microsoft.MachineLearningServices/workspaces/ws-1';
const TOKEN = 'test-bearer-token-0123';
const SAS = 'sv=2021-08-06&st=2025-01-01T00%3A00%3A00Z&se=2099-01-01T00%3A00%3A00Z&sr=b&sp=r&sig=SECRETSIGNATURE';
const ENV = { AZURE_SUBSCRIPTION_ID: 'sub-1', AZURE_RESOURCE_GROUP: 'rg-1', AZUREML_WORKSPACE_NAME: 'ws-1', AZUREML_ACCESS_TOKEN: TOKEN };

const job = (name: string, status: string, createdAt = '2025-01-02T03:04:05Z') => ({
  id: `${SCOPE}/jobs/${name}`,
  name,
  type: 'Microsoft.MachineLearningServices/workspaces/jobs',
  systemData: { createdAt, createdBy: 'someone' },
  properties: {
    jobType: 'Command',
    status,
    displayName: `display ${name}`,
    experimentName: 'exp',
    command: 'python train.py',
    environmentId: 'azureml:env:1',
    resources: { instanceCount: 2, instanceType: 'Standard_NC6s_v3' },
    distribution: { distributionType: 'PyTorch', processCountPerInstance: 2 },
    inputs: { lr: { jobInputType: 'literal', value: '0.1' } },
    tags: { team: 'a' },
  },
});

const details = (name: string) => ({
  runId: name,
  status: 'Failed',
  createdTimeUtc: '2025-01-02T03:04:05Z',
  startTimeUtc: '2025-01-02T03:05:00.5Z',
  endTimeUtc: '2025-01-02T04:00:00Z',
  error: { error: { code: 'UserError', message: 'CUDA out of memory. Tried to allocate 2.00 GiB', innerError: { code: 'OutOfMemory' } } },
  parameters: { epochs: 3 },
  logFiles: { 'user_logs/std_log_process_0.txt': `${BLOB}/azureml/ExperimentRun/dcid.${name}/user_logs/std_log_process_0.txt?${SAS}` },
});

describe('azureml request shapes', () => {
  let agent: MockAgent;
  let runlens: Runlens;
  let debug: string[];

  beforeAll(() => {
    nock.disableNetConnect();
  });
  afterAll(() => {
    nock.enableNetConnect();
    nock.restore();
  });
  beforeEach(() => {
    if (!nock.isActive()) nock.activate();
    agent = new MockAgent();
    agent.disableNetConnect();
    debug = [];
    // Core retries until a time budget runs out; capped at 5 attempts here so that the mocks can count them.
    runlens = createRunlens({ providers: [azuremlProvider], env: { ...ENV, AZUREML_DATAPLANE_ENDPOINT: DATA }, testHooks: { azureml: { dispatcher: agent } }, retry: { baseDelayMs: 1, maxDelayMs: 5, maxAttempts: 5 }, debug: (m) => debug.push(m) });
  });
  afterEach(async () => {
    nock.cleanAll();
    await runlens.close();
    await agent.close();
  });

  it('describe: jobs.get on ARM, then Run History details and MLflow runs/get (params too) with the bearer token', async () => {
    const arm = nock(ARM, { reqheaders: { authorization: `Bearer ${TOKEN}` } })
      .get(`${SCOPE}/jobs/job-1`)
      .query({ 'api-version': '2022-10-01' })
      .reply(200, job('job-1', 'Failed'));
    const data = agent.get(DATA);
    data.intercept({ path: `/history/v1.0${SCOPE}/runs/job-1/details`, method: 'GET', headers: { authorization: `Bearer ${TOKEN}` } }).reply(200, details('job-1'));
    const params = [{ key: 'lr', value: '0.05' }, { key: 'seed', value: '7' }];
    data.intercept({ path: `/mlflow/v2.0${SCOPE}/api/2.0/mlflow/runs/get?run_id=job-1`, method: 'GET', headers: { authorization: `Bearer ${TOKEN}` } }).reply(200, { run: { data: { metrics: [{ key: 'loss', value: 0.25, timestamp: 1, step: 9 }], params } } });
    const run = await runlens.describe('azureml:job-1', { evidence: false });
    expect(arm.isDone()).toBe(true);
    agent.assertNoPendingInterceptors();
    expect(run).toMatchObject({
      ref: 'azureml:job-1',
      name: 'display job-1',
      status: 'failed',
      providerStatus: 'Failed',
      createdAt: '2025-01-02T03:04:05.000Z',
      startedAt: '2025-01-02T03:05:00.500Z',
      endedAt: '2025-01-02T04:00:00.000Z',
      // the job input lr=0.1, Run History's epochs, and MLflow's params (which win the clash on lr)
      hyperparameters: { lr: '0.05', epochs: '3', seed: '7' },
      tags: { team: 'a' },
      finalMetrics: { loss: 0.25 },
      failure: { category: 'out-of-memory', code: 'UserError', reason: 'CUDA out of memory. Tried to allocate 2.00 GiB' },
    });
    expect(run.nodes).toEqual(['rank-0', 'rank-1', 'rank-2', 'rank-3'].map((name) => ({ name, instanceType: 'Standard_NC6s_v3' })));
    // The raw record keeps the log links without their signatures.
    expect(JSON.stringify(run.raw)).not.toContain('sig=');
    expect(JSON.stringify(run.raw)).toContain('user_logs/std_log_process_0.txt');
  });

  it('describe by ARM id talks to that workspace, whose data plane comes from its tracking URI', async () => {
    const other = '/subscriptions/sub-2/resourceGroups/rg-2/providers/Microsoft.MachineLearningServices/workspaces/ws-2';
    const local = createRunlens({ providers: [azuremlProvider], env: { AZUREML_ACCESS_TOKEN: TOKEN }, testHooks: { azureml: { dispatcher: agent } }, retry: { baseDelayMs: 1, maxDelayMs: 5 } });
    const arm = nock(ARM)
      .get(other)
      .query({ 'api-version': '2022-10-01' })
      .reply(200, { id: other, name: 'ws-2', properties: { mlFlowTrackingUri: 'azureml://westeurope.api.azureml.ms/mlflow/v1.0' + other, discoveryUrl: 'https://westeurope.api.azureml.ms/discovery' } })
      .get(`${other}/jobs/j-2`)
      .query({ 'api-version': '2022-10-01' })
      .reply(200, job('j-2', 'Running'));
    const data = agent.get('https://westeurope.api.azureml.ms');
    data.intercept({ path: `/history/v1.0${other}/runs/j-2/details`, method: 'GET' }).reply(200, { runId: 'j-2', startTimeUtc: '2025-01-02T03:05:00Z' });
    data.intercept({ path: `/mlflow/v2.0${other}/api/2.0/mlflow/runs/get?run_id=j-2`, method: 'GET' }).reply(200, { run: {} });
    try {
      const run = await local.describe(`https://ml.azure.com/runs/j-2?wsid=${other}&tid=t`);
      expect(run.ref).toBe(`azureml:${other}/jobs/j-2`);
      expect(run.status).toBe('running');
      expect(arm.isDone()).toBe(true);
      agent.assertNoPendingInterceptors();
    } finally {
      await local.close();
    }
  });

  it('list: jobs.list then the nextLink page, filtered by time, name, status', async () => {
    // Each row kept gets its Run History details, for the times describe shows; a job without a record yet keeps ARM's.
    const history: string[] = [];
    agent
      .get(DATA)
      .intercept({ path: (p) => p.startsWith(`/history/v1.0${SCOPE}/runs/`), method: 'GET' })
      .reply(({ path }) => {
        const name = /\/runs\/([^/]+)\/details$/.exec(path)?.[1] ?? '';
        history.push(name);
        if (name === 'b') return { statusCode: 404, data: { error: { code: 'UserError', message: 'Run b was not found' } } };
        const created = { a: '2025-03-01T00:00:00Z', c: '2025-01-01T00:00:00Z', d: '2024-01-01T00:00:00Z' }[name]!;
        const ended = name === 'a' ? {} : { endTimeUtc: name === 'c' ? '2025-01-01T01:00:00Z' : '2024-01-01T02:00:00Z' };
        return { statusCode: 200, data: { runId: name, createdTimeUtc: created, startTimeUtc: created, ...ended } };
      })
      .persist();
    const seen: string[] = [];
    nock(ARM)
      .get(`${SCOPE}/jobs`)
      .query(true)
      .times(2)
      .reply(function (uri) {
        seen.push(uri);
        return uri.includes('$skip=')
          ? [200, { value: [job('c', 'Completed', '2025-01-01T00:00:00Z'), job('d', 'Failed', '2024-01-01T00:00:00Z')] }]
          : [200, { value: [job('a', 'Running', '2025-03-01T00:00:00Z'), job('b', 'Queued', '2025-02-01T00:00:00Z')], nextLink: `${ARM}${SCOPE}/jobs?api-version=2022-10-01&$skip=PAGE-TWO` }];
      });
    const all = await runlens.list({ providers: ['azureml'] });
    expect(all.runs.map((r) => [r.id, r.status, r.endedAt])).toEqual([
      ['a', 'running', undefined],
      ['b', 'pending', undefined],
      ['c', 'completed', '2025-01-01T01:00:00.000Z'],
      ['d', 'failed', '2024-01-01T02:00:00.000Z'],
    ]);
    expect(history.sort()).toEqual(['a', 'b', 'c', 'd']);
    expect(seen[0]).toBe(`${SCOPE}/jobs?api-version=2022-10-01`);
    expect(seen[1]).toContain('$skip=PAGE-TWO');
    expect(new URL(seen[1]!, ARM).searchParams.get('api-version')).toBe('2022-10-01');

    nock(ARM).get(`${SCOPE}/jobs`).query(true).times(2).reply((uri) => (uri.includes('$skip=') ? [200, { value: [job('c', 'Completed', '2025-01-01T00:00:00Z')] }] : [200, { value: [job('a', 'Running', '2025-03-01T00:00:00Z'), job('b', 'Queued', '2025-02-01T00:00:00Z')], nextLink: `${ARM}${SCOPE}/jobs?api-version=2022-10-01&$skip=P2` }]));
    const filtered = await runlens.list({ providers: ['azureml'], since: Date.parse('2025-01-15T00:00:00Z'), status: ['pending', 'completed'], nameContains: 'b' });
    expect(filtered.runs.map((r) => r.id)).toEqual(['b']);
  });

  it('sends each ARM attempt once: retries are core\'s, not the SDK\'s', async () => {
    let calls = 0;
    nock(ARM).get(`${SCOPE}/jobs/job-2`).query(true).times(10).reply(() => {
      calls++;
      return [503, { error: { code: 'ServiceUnavailable', message: 'try later' } }];
    });
    const once = createRunlens({ providers: [azuremlProvider], env: { ...ENV, AZUREML_DATAPLANE_ENDPOINT: DATA }, testHooks: { azureml: { dispatcher: agent } }, retry: { maxAttempts: 1 } });
    agent.get(DATA).intercept({ path: /.*/, method: 'GET' }).reply(404, { error_code: 'RESOURCE_DOES_NOT_EXIST' }).persist();
    try {
      const error = await once.describe('azureml:job-2').catch((e: unknown) => e as RunlensError);
      expect(RunlensError.isInstance(error) && error.code).toBe('ProviderError');
      expect(calls).toBe(1);
    } finally {
      await once.close();
    }
    calls = 0;
    await runlens.describe('azureml:job-2').catch(() => undefined);
    expect(calls).toBe(5);
  });

  it('describe: a run MLflow does not know yet still describes; any other runs/get failure fails describe', async () => {
    nock(ARM).get(`${SCOPE}/jobs/job-8`).query(true).times(2).reply(200, job('job-8', 'Queued'));
    const data = agent.get(DATA);
    data.intercept({ path: `/history/v1.0${SCOPE}/runs/job-8/details`, method: 'GET' }).reply(200, { runId: 'job-8' }).times(2);
    const runsGet = `/mlflow/v2.0${SCOPE}/api/2.0/mlflow/runs/get?run_id=job-8`;
    data.intercept({ path: runsGet, method: 'GET' }).reply(404, { error_code: 'RESOURCE_DOES_NOT_EXIST', message: "Run 'job-8' not found." });
    expect((await runlens.describe('azureml:job-8')).hyperparameters).toEqual({ lr: '0.1' });
    data.intercept({ path: runsGet, method: 'GET' }).reply(403, { error_code: 'PERMISSION_DENIED', message: 'no' });
    const error = await runlens.describe('azureml:job-8').catch((e: unknown) => e as RunlensError);
    expect(RunlensError.isInstance(error) && [error.code, error.providerCode]).toEqual(['AuthError', 'PERMISSION_DENIED']);
  });

  it('describe: an ended job MLflow never knew has no training metrics and no artifacts, per run, and says why', async () => {
    nock(ARM).get(`${SCOPE}/jobs/job-9`).query(true).times(2).reply(200, job('job-9', 'Failed'));
    const data = agent.get(DATA);
    data.intercept({ path: `/history/v1.0${SCOPE}/runs/job-9/details`, method: 'GET' }).reply(200, { runId: 'job-9', status: 'Failed' }).times(2);
    const runsGet = `/mlflow/v2.0${SCOPE}/api/2.0/mlflow/runs/get?run_id=job-9`;
    data.intercept({ path: runsGet, method: 'GET' }).reply(404, { error_code: 'RESOURCE_DOES_NOT_EXIST', message: "Run 'job-9' not found." }).times(2);
    const reason = "the workspace's MLflow tracking has no run for this job";
    const view = await runlens.describeRun('azureml:job-9');
    expect([view.capabilities.trainingMetrics, view.capabilities.artifacts, view.capabilities.logs]).toEqual([{ available: false, reason }, { available: false, reason }, { available: true }]);
    // Nothing more is asked of MLflow or the artifact service: core refuses from the description.
    await expect(runlens.artifacts('azureml:job-9')).rejects.toMatchObject({ code: 'Unsupported', message: expect.stringContaining(`azureml:job-9 has no artifacts: ${reason}`) });
  });

  it('metrics: MLflow numbers from get-history; strings and lists from the metric service list and full calls, every page', async () => {
    nock(ARM).get(`${SCOPE}/jobs/job-3`).query(true).reply(200, job('job-3', 'Completed'));
    const data = agent.get(DATA);
    data.intercept({ path: `/history/v1.0${SCOPE}/runs/job-3/details`, method: 'GET' }).reply(200, { runId: 'job-3' });
    data.intercept({ path: `/mlflow/v2.0${SCOPE}/api/2.0/mlflow/runs/get?run_id=job-3`, method: 'GET' }).reply(200, { run: { info: { start_time: '1000' }, data: { metrics: [{ key: 'acc', value: 0.5, timestamp: 3, step: 2 }] } } }).times(2);
    const history = (token?: string) => `/mlflow/v2.0${SCOPE}/api/2.0/mlflow/metrics/get-history?run_id=job-3&metric_key=acc&max_results=10000${token ? `&page_token=${token}` : ''}`;
    data.intercept({ path: history(), method: 'GET', headers: { authorization: `Bearer ${TOKEN}` } }).reply(200, { metrics: [{ key: 'acc', value: 0.1, timestamp: '1', step: '0' }], next_page_token: 'tok/2+=' });
    data.intercept({ path: history('tok%2F2%2B%3D'), method: 'GET' }).reply(200, { metrics: [{ key: 'acc', value: 'NaN', timestamp: 2, step: 1 }], next_page_token: 'tok3' });
    data.intercept({ path: history('tok3'), method: 'GET' }).reply(200, { metrics: [{ key: 'acc', value: 0.5, timestamp: 3, step: 2 }] });
    // The metric service: POST with a JSON body, the next page asked for by the continuationToken the last one gave.
    const metric = (op: string) => `/metric/v2.0${SCOPE}/runs/job-3/${op}`;
    const json = (expected: unknown) => (body: string) => JSON.stringify(JSON.parse(body)) === JSON.stringify(expected);
    const def = (name: string, type: string, ux = 'azureml.v1.scalar') => ({ metricKey: { namespace: null, name, labels: [], columnNames: [name] }, columns: { [name]: type }, properties: { uxMetricType: ux } });
    const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
    data.intercept({ path: metric('list'), method: 'POST', headers, body: json({}) }).reply(200, { value: [def('acc', 'Double'), def('note', 'String')], continuationToken: 'L2', nextLink: null });
    data.intercept({ path: metric('list'), method: 'POST', body: json({ continuationToken: 'L2' }) }).reply(200, {
      value: [def('chart', 'int', 'azureml.v1.list'), def('done', 'bool'), { metricKey: { name: 'table' }, columns: { a: 'int', b: 'string' }, properties: { uxMetricType: 'azureml.v1.table' } }],
      continuationToken: null,
    });
    data.intercept({ path: metric('full'), method: 'POST', headers, body: json({ metricName: 'note' }) }).reply(200, {
      name: 'note', columns: { note: 'String' }, value: [{ metricId: 'm1', createdUtc: '2025-01-02T03:10:00.5Z', step: 0, data: { note: 'hello' } }], continuationToken: 'F2',
    });
    data.intercept({ path: metric('full'), method: 'POST', body: json({ metricName: 'note', continuationToken: 'F2' }) }).reply(200, {
      name: 'note', value: [{ metricId: 'm2', createdUtc: '2025-01-02T03:11:00Z', step: '1', data: { note: 'world' } }],
    });
    data.intercept({ path: metric('full'), method: 'POST', body: json({ metricName: 'chart' }) }).reply(200, {
      name: 'chart', value: [4, 2, 9].map((v, i) => ({ metricId: `c${i}`, createdUtc: '2025-01-02T03:12:00Z', data: { chart: v } })),
    });
    data.intercept({ path: metric('full'), method: 'POST', body: json({ metricName: 'done' }) }).reply(200, {
      name: 'done', value: [{ metricId: 'd', createdUtc: '2025-01-02T03:13:00Z', step: 0, data: { done: true } }],
    });
    const { series } = await runlens.metrics('azureml:job-3');
    agent.assertNoPendingInterceptors();
    const at = (iso: string) => Date.parse(iso);
    expect(series.map((x) => [x.name, x.valueType ?? 'number', x.points])).toEqual([
      ['acc', 'number', [{ timestamp: 1, step: 0, value: 0.1 }, { timestamp: 2, step: 1, value: null }, { timestamp: 3, step: 2, value: 0.5 }]],
      ['chart', 'number', [4, 2, 9].map((value, step) => ({ timestamp: at('2025-01-02T03:12:00Z'), step, value }))],
      ['done', 'string', [{ timestamp: at('2025-01-02T03:13:00Z'), step: 0, value: 'true' }]],
      ['note', 'string', [{ timestamp: at('2025-01-02T03:10:00.5Z'), step: 0, value: 'hello' }, { timestamp: at('2025-01-02T03:11:00Z'), step: 1, value: 'world' }]],
    ]);
  });

  it('artifacts: artifacts/list per directory and page, contentinfo, then ranged blob reads without the bearer token', async () => {
    nock(ARM).get(`${SCOPE}/jobs/job-4`).query(true).times(2).reply(200, job('job-4', 'Completed'));
    const data = agent.get(DATA);
    data.intercept({ path: `/history/v1.0${SCOPE}/runs/job-4/details`, method: 'GET' }).reply(200, { runId: 'job-4' }).times(2);
    data.intercept({ path: `/mlflow/v2.0${SCOPE}/api/2.0/mlflow/runs/get?run_id=job-4`, method: 'GET' }).reply(200, { run: {} }).times(2);
    const list = (dir: string, token?: string) => `/mlflow/v2.0${SCOPE}/api/2.0/mlflow/artifacts/list?run_id=job-4${dir ? `&path=${encodeURIComponent(dir)}` : ''}${token ? `&page_token=${token}` : ''}`;
    data.intercept({ path: list(''), method: 'GET' }).reply(200, { root_uri: 'x', files: [{ path: 'outputs', is_dir: true }, { path: 'a.txt', is_dir: false, file_size: '3' }] });
    data.intercept({ path: list('outputs'), method: 'GET' }).reply(200, { files: [{ path: 'outputs/m.bin', is_dir: false, file_size: 10 }], next_page_token: 'n2' });
    data.intercept({ path: list('outputs', 'n2'), method: 'GET' }).reply(200, { files: [{ path: 'outputs/z.txt', is_dir: false, file_size: 1 }] });
    const listed = await runlens.artifacts('azureml:job-4');
    expect(listed.map((a) => [a.path, a.size])).toEqual([['a.txt', 3], ['outputs/m.bin', 10], ['outputs/z.txt', 1]]);
    expect(listed[1]!.location).toBe('azureml://subscriptions/sub-1/resourcegroups/rg-1/workspaces/ws-1/datastores/workspaceartifactstore/paths/ExperimentRun/dcid.job-4/outputs/m.bin');

    data.intercept({ path: `/artifact/v2.0${SCOPE}/artifacts/ExperimentRun/dcid.job-4/contentinfo?path=outputs%2Fm.bin`, method: 'GET', headers: { authorization: `Bearer ${TOKEN}` } })
      .reply(200, { contentUri: `${BLOB}/azureml/ExperimentRun/dcid.job-4/outputs/m.bin?${SAS}` });
    const blob = agent.get(BLOB);
    const content = Buffer.from('0123456789');
    const noBearer = (headers: Record<string, string>) => !Object.keys(headers).some((h) => h.toLowerCase() === 'authorization');
    blob.intercept({ path: `/azureml/ExperimentRun/dcid.job-4/outputs/m.bin?${SAS}`, method: 'GET', headers: (h) => noBearer(h) && h.range === 'bytes=0-3' })
      .reply(206, content.subarray(0, 4), { headers: { 'content-range': 'bytes 0-3/10' } });
    blob.intercept({ path: `/azureml/ExperimentRun/dcid.job-4/outputs/m.bin?${SAS}`, method: 'GET', headers: (h) => noBearer(h) && h.range === 'bytes=4-7' })
      .reply(206, content.subarray(4, 8), { headers: { 'content-range': 'bytes 4-7/10' } });
    blob.intercept({ path: `/azureml/ExperimentRun/dcid.job-4/outputs/m.bin?${SAS}`, method: 'GET', headers: (h) => noBearer(h) && h.range === 'bytes=8-11' })
      .reply(206, content.subarray(8), { headers: { 'content-range': 'bytes 8-9/10' } });
    const chunked = createRunlens({ providers: [azuremlProvider], env: { ...ENV, AZUREML_DATAPLANE_ENDPOINT: DATA }, settings: { azureml: { artifactChunkBytes: 4 } }, testHooks: { azureml: { dispatcher: agent } } });
    try {
      const body = await chunked.openArtifact('azureml:job-4', 'outputs/m.bin');
      expect(body.size).toBe(10);
      expect(Buffer.concat(await collect(body.body)).toString()).toBe('0123456789');
      agent.assertNoPendingInterceptors();
    } finally {
      await chunked.close();
    }
  });

  it('logs: details for the links, then Range requests from the byte offset; 416 is the end; no signature in messages', async () => {
    nock(ARM).get(`${SCOPE}/jobs/job-5`).query(true).times(3).reply(200, job('job-5', 'Running'));
    const data = agent.get(DATA);
    data.intercept({ path: `/history/v1.0${SCOPE}/runs/job-5/details`, method: 'GET' }).reply(200, { ...details('job-5'), status: 'Running', error: null }).times(6);
    data.intercept({ path: `/mlflow/v2.0${SCOPE}/api/2.0/mlflow/runs/get?run_id=job-5`, method: 'GET' }).reply(200, { run: {} }).times(3);
    const blob = agent.get(BLOB);
    const path = `/azureml/ExperimentRun/dcid.job-5/user_logs/std_log_process_0.txt?${SAS}`;
    const text = '2025-01-02T03:05:01.000Z hello ü\ncontinued\n2025-01-02T03:05:02.000Z partial';
    blob.intercept({ path, method: 'GET', headers: { range: 'bytes=0-1048575' } }).reply(206, text, { headers: { 'content-range': `bytes 0-${Buffer.byteLength(text) - 1}/${Buffer.byteLength(text)}` } });
    const reader = await runlens.logs('azureml:job-5');
    const records = await collect(reader);
    expect(records.map((r) => [r.timestamp, r.node, r.message])).toEqual([
      [Date.parse('2025-01-02T03:05:01Z'), 'rank-0', 'hello ü'],
      [Date.parse('2025-01-02T03:05:01Z'), 'rank-0', 'continued'],
    ]);
    const offset = Buffer.byteLength('2025-01-02T03:05:01.000Z hello ü\ncontinued\n');
    blob.intercept({ path, method: 'GET', headers: { range: `bytes=${offset}-${offset + 1048575}` } }).reply(416, '<?xml version="1.0"?><Error><Code>InvalidRange</Code></Error>', { headers: { 'content-range': `bytes */${offset}` } });
    // (the server was truncated to the offset: 416 means caught up, not an error)
    expect(await collect(await runlens.logs('azureml:job-5', { cursor: reader.cursor() }))).toEqual([]);
    blob.intercept({ path, method: 'GET' }).reply(500, '<?xml version="1.0"?><Error><Code>InternalError</Code><Message>boom</Message></Error>').times(5);
    const error = await collect(await runlens.logs('azureml:job-5', { cursor: reader.cursor() })).catch((e: unknown) => e as RunlensError);
    expect(RunlensError.isInstance(error) && [error.code, error.providerCode, error.status]).toEqual(['ProviderError', 'InternalError', 500]);
    expect((error as Error).message).not.toContain('SECRETSIGNATURE');
    expect(debug.join('\n')).not.toContain('SECRETSIGNATURE');
    expect(debug.join('\n')).not.toContain(TOKEN);
  });

  it('refuses a log link over plain http to a non-loopback host', async () => {
    nock(ARM).get(`${SCOPE}/jobs/job-7`).query(true).reply(200, job('job-7', 'Completed'));
    const data = agent.get(DATA);
    data.intercept({ path: `/history/v1.0${SCOPE}/runs/job-7/details`, method: 'GET' }).reply(200, { runId: 'job-7', logFiles: { 'user_logs/std_log.txt': `http://acct.blob.core.windows.net/azureml/x/user_logs/std_log.txt?${SAS}` } }).times(2);
    data.intercept({ path: `/mlflow/v2.0${SCOPE}/api/2.0/mlflow/runs/get?run_id=job-7`, method: 'GET' }).reply(200, { run: {} });
    const error = await runlens.logs('azureml:job-7').then((r) => collect(r)).catch((e: unknown) => e as RunlensError);
    expect(RunlensError.isInstance(error) && error.code).toBe('ProviderError');
    expect((error as Error).message).toContain("refusing to fetch log file 'user_logs/std_log.txt' over http://");
    expect((error as Error).message).not.toContain('SECRETSIGNATURE');
  });

  it('maps data-plane 401, 404 and 429 (Retry-After) from their own error bodies', async () => {
    nock(ARM).get(`${SCOPE}/jobs/job-6`).query(true).times(3).reply(200, job('job-6', 'Completed'));
    const data = agent.get(DATA);
    data.intercept({ path: `/history/v1.0${SCOPE}/runs/job-6/details`, method: 'GET' }).reply(200, { runId: 'job-6' }).times(3);
    data.intercept({ path: `/mlflow/v2.0${SCOPE}/api/2.0/mlflow/runs/get?run_id=job-6`, method: 'GET' })
      .reply(401, { error: { code: 'InvalidAuthenticationToken', message: 'The access token is invalid.' } }, { headers: { 'content-type': 'application/json' } });
    data.intercept({ path: `/metric/v2.0${SCOPE}/runs/job-6/list`, method: 'POST' }).reply(200, { value: [] }).persist();
    const auth = await runlens.metrics('azureml:job-6').catch((e: unknown) => e as RunlensError);
    expect(RunlensError.isInstance(auth) && [auth.code, auth.providerCode, auth.status]).toEqual(['AuthError', 'InvalidAuthenticationToken', 401]);

    data.intercept({ path: `/mlflow/v2.0${SCOPE}/api/2.0/mlflow/runs/get?run_id=job-6`, method: 'GET' }).reply(200, { run: {} });
    data.intercept({ path: `/mlflow/v2.0${SCOPE}/api/2.0/mlflow/runs/get?run_id=job-6`, method: 'GET' })
      .reply(429, { error: { code: 'TooManyRequests', message: 'slow down' } }, { headers: { 'retry-after': '0' } }).times(2);
    data.intercept({ path: `/mlflow/v2.0${SCOPE}/api/2.0/mlflow/runs/get?run_id=job-6`, method: 'GET' }).reply(404, { error_code: 'RESOURCE_DOES_NOT_EXIST', message: "Run 'job-6' not found." });
    const missing = await runlens.metrics('azureml:job-6').catch((e: unknown) => e as RunlensError);
    expect(RunlensError.isInstance(missing) && [missing.code, missing.providerCode]).toEqual(['NotFound', 'RESOURCE_DOES_NOT_EXIST']);
    expect(runlens.stats().retries).toBeGreaterThanOrEqual(2);
  });
});
