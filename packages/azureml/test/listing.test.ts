// Listings never end early with success. ARM's jobs.list and MLflow's artifacts/list page by a
// token alone (nextLink, next_page_token): a token answered with itself cannot be the end of the
// listing, so it is a ProviderError (exit 5) rather than a silently short list or export.
// nock for the ARM client (node:http), undici's MockAgent for the data plane.
import { createRunlens, type Runlens } from '@runlens/core';
import { failureOf as failure } from '@runlens/core/testing';
import nock from 'nock';
import { MockAgent } from 'undici';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { azuremlProvider } from '../src/index.js';

const ARM = 'https://management.azure.com';
const DATA = 'https://eastus.api.azureml.ms';
const SCOPE = '/subscriptions/sub-1/resourceGroups/rg-1/providers/Microsoft.MachineLearningServices/workspaces/ws-1';
const ENV = { AZURE_SUBSCRIPTION_ID: 'sub-1', AZURE_RESOURCE_GROUP: 'rg-1', AZUREML_WORKSPACE_NAME: 'ws-1', AZUREML_ACCESS_TOKEN: 'listing-test-token' };

const job = (name: string) => ({
  id: `${SCOPE}/jobs/${name}`,
  name,
  type: 'Microsoft.MachineLearningServices/workspaces/jobs',
  systemData: { createdAt: '2025-01-02T03:04:05Z' },
  properties: { jobType: 'Command', status: 'Completed', experimentName: 'exp', command: 'python train.py', environmentId: 'azureml:env:1' },
});

describe('azureml listings', () => {
  let agent: MockAgent;
  let runlens: Runlens;

  beforeAll(() => nock.disableNetConnect());
  afterAll(() => {
    nock.enableNetConnect();
    nock.restore();
  });
  beforeEach(() => {
    if (!nock.isActive()) nock.activate();
    agent = new MockAgent();
    agent.disableNetConnect();
    runlens = createRunlens({ providers: [azuremlProvider], env: { ...ENV, AZUREML_DATAPLANE_ENDPOINT: DATA }, testHooks: { azureml: { dispatcher: agent } }, retry: { baseDelayMs: 1, maxDelayMs: 5 } });
  });
  afterEach(async () => {
    nock.cleanAll();
    await runlens.close();
    await agent.close();
  });

  it('jobs.list: a page whose nextLink is the link it was fetched with is a ProviderError', async () => {
    const again = `${ARM}${SCOPE}/jobs?api-version=2022-10-01&$skip=AGAIN`;
    nock(ARM)
      .get(`${SCOPE}/jobs`)
      .query(true)
      .times(2)
      .reply((uri) => [200, { value: uri.includes('$skip=') ? [] : [job('a')], nextLink: again }]);
    // Each listed job reads its Run History details (for the times describe shows).
    agent.get(DATA).intercept({ path: `/history/v1.0${SCOPE}/runs/a/details`, method: 'GET' }).reply(200, { runId: 'a' });
    const error = await failure(runlens.list({ providers: ['azureml'] }));
    expect(error).toMatchObject({ code: 'ProviderError', message: expect.stringMatching(/jobs\.list did not advance: page 2 gave the same token again/) });
  });

  it('artifacts/list: a next_page_token answered with itself is a ProviderError, not a short listing', async () => {
    nock(ARM).get(`${SCOPE}/jobs/job-4`).query(true).reply(200, job('job-4'));
    const data = agent.get(DATA);
    data.intercept({ path: `/history/v1.0${SCOPE}/runs/job-4/details`, method: 'GET' }).reply(200, { runId: 'job-4' });
    data.intercept({ path: `/mlflow/v2.0${SCOPE}/api/2.0/mlflow/runs/get?run_id=job-4`, method: 'GET' }).reply(200, { run: {} });
    const list = (token?: string) => `/mlflow/v2.0${SCOPE}/api/2.0/mlflow/artifacts/list?run_id=job-4${token ? `&page_token=${token}` : ''}`;
    data.intercept({ path: list(), method: 'GET' }).reply(200, { files: [{ path: 'a.txt', is_dir: false, file_size: 1 }], next_page_token: 'p2' });
    data.intercept({ path: list('p2'), method: 'GET' }).reply(200, { files: [], next_page_token: 'p2' });
    const error = await failure(runlens.artifacts('azureml:job-4'));
    expect(error).toMatchObject({ code: 'ProviderError', message: expect.stringMatching(/MLflow artifacts\/list of '\/' did not advance/) });
  });

  it('metric service list: a continuationToken answered with itself is a ProviderError, not fewer series', async () => {
    nock(ARM).get(`${SCOPE}/jobs/job-5`).query(true).reply(200, job('job-5'));
    const data = agent.get(DATA);
    data.intercept({ path: `/history/v1.0${SCOPE}/runs/job-5/details`, method: 'GET' }).reply(200, { runId: 'job-5' });
    data.intercept({ path: `/mlflow/v2.0${SCOPE}/api/2.0/mlflow/runs/get?run_id=job-5`, method: 'GET' }).reply(200, { run: { data: { metrics: [] } } }).persist();
    data.intercept({ path: `/metric/v2.0${SCOPE}/runs/job-5/list`, method: 'POST', body: (b: string) => !b.includes('continuationToken') }).reply(200, { value: [], continuationToken: 'L2' });
    data.intercept({ path: `/metric/v2.0${SCOPE}/runs/job-5/list`, method: 'POST', body: (b: string) => b.includes('L2') }).reply(200, { value: [], continuationToken: 'L2' });
    const error = await failure(runlens.metrics('azureml:job-5'));
    expect(error).toMatchObject({ code: 'ProviderError', message: expect.stringMatching(/metric service list did not advance: page 2/) });
  });
});

describe('awkward artifact paths through the emulator', () => {
  it('paths with spaces, non-ASCII characters and deep directories list over small pages and download byte for byte', async () => {
    nock.enableNetConnect('127.0.0.1');
    const { startAzuremlEmulator } = await import('../src/testing/index.js');
    const emulator = await startAzuremlEmulator({ artifactPageSize: 2 });
    const rl = createRunlens({ providers: [azuremlProvider], env: { ...emulator.env }, retry: { baseDelayMs: 1, maxDelayMs: 5 } });
    try {
      emulator.putJob({ name: 'awkward-paths', status: 'Completed', instanceCount: 1, processCountPerInstance: 1, createdAt: Date.UTC(2025, 0, 2), startedAt: Date.UTC(2025, 0, 2), endedAt: Date.UTC(2025, 0, 2, 1) });
      const deep = Array.from({ length: 10 }, (_, i) => `level-${i}`).join('/');
      const bodies: Record<string, Buffer> = {
        'outputs/with space.txt': Buffer.from('space\n'),
        'outputs/ünïcödé/数据 集/模型.bin': Buffer.from([0, 255, 1, 254, 0x80, 0x0a, 0x0d]),
        "outputs/odd!'()*&=+;,@$#%[].txt": Buffer.from('punctuation'),
        [`outputs/${deep}/leaf.json`]: Buffer.from('{"deep":true}'),
        'outputs/emoji 🚀.txt': Buffer.from('rocket'),
      };
      for (const [path, body] of Object.entries(bodies)) emulator.putArtifact('awkward-paths', path, body);
      const listed = await rl.artifacts('azureml:awkward-paths');
      expect(listed.map((a) => a.path).sort()).toEqual(Object.keys(bodies).sort());
      for (const artifact of listed) {
        const body = await rl.openArtifact('azureml:awkward-paths', artifact.path);
        const chunks: Uint8Array[] = [];
        for await (const chunk of body.body) chunks.push(chunk);
        expect(Buffer.concat(chunks)).toEqual(bodies[artifact.path]);
      }
    } finally {
      await rl.close();
      await emulator.close();
      nock.disableNetConnect();
    }
  });
});
