// The cloud tracking targets: which URI forms parse to which endpoint, what a signed or bearer-
// authorised request looks like on the wire (undici MockAgent), and the emulator flavours that check
// them (an Entra bearer token; a SigV4 signature recomputed from AWS's algorithm, not from our signer).
import { createHash } from 'node:crypto';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { RunlensError } from '@runlens/core';
import { MockAgent, request } from 'undici';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { azureAuth, azureTokenScope } from '../src/auth-azure.js';
import { sigv4Auth } from '../src/auth-sigv4.js';
import { restBaseUrl } from '../src/client.js';
import { authForTarget, parseTrackingTarget } from '../src/targets.js';
import { startMlflowEmulator, verifySigv4, type MlflowEmulator } from '../src/testing/index.js';
import { testClient } from './support.js';

const ARN = 'arn:aws:sagemaker:eu-west-1:123456789012:mlflow-tracking-server/team-server';
const WS = '/mlflow/v1.0/subscriptions/0b1c/resourceGroups/ml-rg/providers/Microsoft.MachineLearningServices/workspaces/ml-ws';
const KEY = { accessKeyId: 'AKIDRUNLENSTEST', secretAccessKey: 'runlens-test-secret-key-0123456789' };
const JSON_HEADERS = { headers: { 'content-type': 'application/json' } };

async function failure(promise: Promise<unknown>): Promise<RunlensError> {
  try {
    await promise;
  } catch (e) {
    if (RunlensError.isInstance(e)) return e;
    throw e;
  }
  throw new Error('expected a failure');
}

describe('tracking URI forms', () => {
  it('maps an Azure ML workspace tracking URI to https with the same path, keeping it as the canonical URI', () => {
    const target = parseTrackingTarget(`azureml://westeurope.api.azureml.ms${WS}/`);
    expect(target).toEqual({ kind: 'azureml', uri: `azureml://westeurope.api.azureml.ms${WS}`, baseUrl: `https://westeurope.api.azureml.ms${WS}` });
    // as `az ml workspace show --query mlflow_tracking_uri` may print it, with a bare `?`
    expect(parseTrackingTarget(`azureml://westeurope.api.azureml.ms${WS}?`).baseUrl).toBe(`https://westeurope.api.azureml.ms${WS}`);
    expect(parseTrackingTarget(`azureml://127.0.0.1:5001${WS}`).baseUrl).toBe(`http://127.0.0.1:5001${WS}`);
    expect(restBaseUrl(`azureml://eastus.api.azureml.ms${WS}`)).toBe(`https://eastus.api.azureml.ms${WS}`);
  });

  it('maps a SageMaker tracking server ARN to its regional endpoint, service and routing header', () => {
    expect(parseTrackingTarget(ARN)).toEqual({
      kind: 'sagemaker',
      uri: ARN,
      baseUrl: 'https://eu-west-1.experiments.sagemaker.aws',
      arn: ARN,
      region: 'eu-west-1',
      service: 'sagemaker-mlflow',
      arnHeader: 'x-mlflow-sm-tracking-server-arn',
    });
    const gov = 'arn:aws-us-gov:sagemaker:us-gov-west-1:123456789012:mlflow-tracking-server/s';
    expect(parseTrackingTarget(gov).baseUrl).toBe('https://us-gov-west-1.experiments.sagemaker.aws');
    const app = parseTrackingTarget('arn:aws:sagemaker:us-east-1:123456789012:mlflow-app/app-abc123');
    expect(app).toMatchObject({ baseUrl: 'https://mlflow.sagemaker.us-east-1.app.aws', service: 'sagemaker', arnHeader: 'x-sm-mlflow-app-arn' });
    expect(parseTrackingTarget(ARN, { SAGEMAKER_MLFLOW_CUSTOM_ENDPOINT: 'http://127.0.0.1:9000/' }).baseUrl).toBe('http://127.0.0.1:9000');
  });

  it('refuses what is none of the forms, in one line naming the option', () => {
    const cases: [string, Record<string, string>, string, RegExp][] = [
      ['ftp://example.com', {}, 'InvalidInput', /^--to: 'ftp:\/\/example\.com' is not a tracking URI/],
      ['azureml://westeurope.api.azureml.ms/mlflow/v1.0/workspaces/w', {}, 'InvalidInput', /is not an Azure ML workspace tracking URI/],
      ['arn:aws:sagemaker:eu-west-1:123456789012:training-job/x', {}, 'InvalidInput', /is not a SageMaker managed MLflow ARN/],
      ['arn:aws-cn:sagemaker:cn-north-1:123456789012:mlflow-tracking-server/x', {}, 'Unsupported', /partition 'aws-cn' is not supported/],
      [ARN, { SAGEMAKER_MLFLOW_CUSTOM_ENDPOINT: 'http://example.com' }, 'InvalidInput', /SAGEMAKER_MLFLOW_CUSTOM_ENDPOINT must be https/],
      ['http://user:pw@example.com', {}, 'InvalidInput', /put credentials in MLFLOW_TRACKING_USERNAME/],
    ];
    for (const [uri, env, code, message] of cases) {
      let error: unknown;
      try {
        parseTrackingTarget(uri, env);
      } catch (e) {
        error = e;
      }
      expect({ uri, code: (error as RunlensError).code }).toEqual({ uri, code });
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toContain('\n');
    }
  });
});

describe('request shapes (MockAgent)', () => {
  let agent: MockAgent;
  beforeEach(() => {
    agent = new MockAgent();
    agent.disableNetConnect();
  });
  afterEach(async () => {
    agent.assertNoPendingInterceptors();
    await agent.close();
  });

  it('Azure ML: a bearer token for the management audience, fetched once for many requests', async () => {
    const asked: string[] = [];
    const credential: TokenCredential = {
      getToken: async (scopes): Promise<AccessToken> => {
        asked.push(String(scopes));
        return { token: 'entra-token-abc', expiresOnTimestamp: Date.now() + 3_600_000 };
      },
    };
    const target = parseTrackingTarget(`azureml://westeurope.api.azureml.ms${WS}`);
    const pool = agent.get('https://westeurope.api.azureml.ms');
    pool.intercept({ path: `${WS}/api/2.0/mlflow/experiments/get-by-name?experiment_name=runlens%2Fsagemaker`, method: 'GET', headers: { authorization: 'Bearer entra-token-abc' } }).reply(200, { experiment: { experiment_id: 'e1', name: 'runlens/sagemaker' } }, JSON_HEADERS);
    pool.intercept({ path: `${WS}/api/2.0/mlflow/runs/get?run_id=r1`, method: 'GET', headers: { authorization: 'Bearer entra-token-abc' } }).reply(200, { run: { info: { run_id: 'r1', experiment_id: 'e1' } } }, JSON_HEADERS);
    const client = testClient(target.baseUrl, { dispatcher: agent, auth: azureAuth({}, credential) });
    expect((await client.getExperimentByName('runlens/sagemaker'))?.experiment_id).toBe('e1');
    expect((await client.getRun('r1')).info.run_id).toBe('r1');
    expect(asked).toEqual(['https://management.azure.com/.default']);
    expect(azureTokenScope({ AZUREML_ARM_ENDPOINT: 'https://management.usgovcloudapi.net/' })).toBe('https://management.usgovcloudapi.net/.default');
    expect(azureTokenScope({ AZUREML_TOKEN_SCOPE: 'https://ml.azure.com/.default' })).toBe('https://ml.azure.com/.default');
  });

  it('Azure ML: AZUREML_ACCESS_TOKEN is used as is; a credential that fails is one AuthError line', async () => {
    const target = parseTrackingTarget(`azureml://westeurope.api.azureml.ms${WS}`);
    agent.get('https://westeurope.api.azureml.ms').intercept({ path: `${WS}/api/2.0/mlflow/runs/get?run_id=r1`, method: 'GET', headers: { authorization: 'Bearer fixed-token-xyz' } }).reply(200, { run: { info: { run_id: 'r1' } } }, JSON_HEADERS);
    await testClient(target.baseUrl, { dispatcher: agent, auth: authForTarget(target, { AZUREML_ACCESS_TOKEN: 'fixed-token-xyz' }) }).getRun('r1');
    const broken: TokenCredential = {
      getToken: () => Promise.reject(Object.assign(new Error('DefaultAzureCredential failed to retrieve a token from the included credentials.\nAttempted credentials:\n\tEnvironmentCredential: …'), { name: 'AggregateAuthenticationError' })),
    };
    const e = await failure(testClient(target.baseUrl, { dispatcher: agent, auth: azureAuth({}, broken) }).getRun('r1'));
    expect(e.code).toBe('AuthError');
    expect(e.message).toMatch(/: Azure credentials: DefaultAzureCredential failed to retrieve a token/);
    expect(e.message).not.toContain('\n');
  });

  it('SageMaker: SigV4 for sagemaker-mlflow in the ARN\'s region, the ARN header signed, the body hashed, %20 in the query', async () => {
    const target = parseTrackingTarget(ARN);
    if (target.kind !== 'sagemaker') throw new Error('not a SageMaker target');
    const now = new Date('2026-12-02T12:00:00Z');
    const auth = sigv4Auth({ region: target.region, service: target.service, headers: { [target.arnHeader]: target.arn }, env: {}, credentials: async () => KEY, now: () => now });
    const seen: { path: string; method: string; headers: Record<string, string>; body: Buffer }[] = [];
    const pool = agent.get('https://eu-west-1.experiments.sagemaker.aws');
    const capture = (status: number, answer: object) => (opts: { path: string; method: string; headers?: unknown; body?: unknown }) => {
      seen.push({ path: opts.path, method: opts.method, headers: Object.fromEntries(Object.entries(opts.headers as Record<string, string>).map(([k, v]) => [k.toLowerCase(), v])), body: Buffer.from(opts.body === undefined || opts.body === null ? '' : String(opts.body)) });
      return { statusCode: status, data: JSON.stringify(answer), responseOptions: JSON_HEADERS };
    };
    pool.intercept({ path: '/api/2.0/mlflow/experiments/get-by-name?experiment_name=my%20exp%20%28v2%29', method: 'GET' }).reply(capture(200, { experiment: { experiment_id: '4', name: 'my exp (v2)' } }));
    pool.intercept({ path: '/api/2.0/mlflow/runs/create', method: 'POST' }).reply(capture(200, { run: { info: { run_id: 'r9', experiment_id: '4' } } }));
    const client = testClient(target.baseUrl, { dispatcher: agent, auth });
    await client.getExperimentByName('my exp (v2)');
    await client.createRun({ experimentId: '4', runName: 'copied', startTime: 1_700_000_000_000 });

    expect(seen).toHaveLength(2);
    for (const req of seen) {
      expect(req.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDRUNLENSTEST\/20261202\/eu-west-1\/sagemaker-mlflow\/aws4_request, SignedHeaders=[a-z0-9;-]*host;[a-z0-9;-]*x-mlflow-sm-tracking-server-arn[a-z0-9;-]*, Signature=[0-9a-f]{64}$/);
      expect(req.headers['x-mlflow-sm-tracking-server-arn']).toBe(ARN);
      expect(req.headers['x-amz-date']).toBe('20261202T120000Z');
      expect(req.headers['x-amz-content-sha256']).toBe(createHash('sha256').update(req.body).digest('hex'));
      // Independent check: the signature recomputed from AWS's algorithm over what was sent.
      const view = { method: req.method, rawUrl: req.path, headers: { ...req.headers, host: 'eu-west-1.experiments.sagemaker.aws' }, body: req.body };
      expect(verifySigv4(view, { arn: ARN, region: 'eu-west-1', ...KEY }, now.getTime())).toBeUndefined();
      expect(verifySigv4(view, { arn: ARN, region: 'eu-west-1', ...KEY, secretAccessKey: 'other' }, now.getTime())?.code).toBe('InvalidSignatureException');
    }
    expect(JSON.stringify(seen.map((s) => s.headers))).not.toContain(KEY.secretAccessKey);
  });

  it('Azure ML: a token about to expire is renewed, one at a time for concurrent requests', async () => {
    let issued = 0;
    const credential: TokenCredential = {
      getToken: async (): Promise<AccessToken> => {
        issued += 1;
        // The first token has 4 minutes left: inside the 5-minute margin, so it is used once and then renewed.
        return { token: `entra-${issued}`, expiresOnTimestamp: Date.now() + (issued === 1 ? 240_000 : 3_600_000) };
      },
    };
    const auth = azureAuth({}, credential);
    const first = await auth.headers({ method: 'GET', url: 'https://h/x' });
    const [a, b] = await Promise.all([auth.headers({ method: 'GET', url: 'https://h/x' }), auth.headers({ method: 'GET', url: 'https://h/x' })]);
    expect([first.authorization, a.authorization, b.authorization, issued]).toEqual(['Bearer entra-1', 'Bearer entra-2', 'Bearer entra-2', 2]);
  });

  it('SageMaker: no credentials anywhere is one AuthError line, before any request', async () => {
    const target = parseTrackingTarget(ARN);
    if (target.kind !== 'sagemaker') throw new Error('not a SageMaker target');
    const auth = sigv4Auth({ region: target.region, service: target.service, headers: {}, env: {}, credentials: () => Promise.reject(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' })) });
    const e = await failure(testClient(target.baseUrl, { dispatcher: agent, auth }).getRun('r1'));
    expect([e.code, e.message]).toEqual(['AuthError', expect.stringMatching(/: AWS credentials: Could not load credentials from any providers/)]);
  });
});

describe('emulator flavours', () => {
  let azure: MlflowEmulator;
  let sagemaker: MlflowEmulator;
  beforeAll(async () => {
    [azure, sagemaker] = await Promise.all([startMlflowEmulator({ auth: { azure: { token: 'emulated-entra-token' } }, pathPrefix: WS }), startMlflowEmulator({ auth: { sigv4: { arn: ARN, region: 'eu-west-1', ...KEY } } })]);
  });
  afterAll(async () => {
    await Promise.all([azure?.close(), sagemaker?.close()]);
  });

  it('Azure: named azureml://, served under the workspace path, a wrong or missing token refused in Azure\'s shape', async () => {
    expect(azure.trackingUri).toBe(`azureml://127.0.0.1:${azure.port}${WS}`);
    expect(azure.env).toMatchObject({ MLFLOW_TRACKING_URI: azure.trackingUri, AZUREML_ACCESS_TOKEN: 'emulated-entra-token' });
    const target = parseTrackingTarget(azure.trackingUri, azure.env);
    const ok = testClient(target.baseUrl, { auth: authForTarget(target, azure.env) });
    expect((await ok.getExperimentByName('Default'))?.experiment_id).toBe('0');
    const raw = await request(`${azure.url}/api/2.0/mlflow/experiments/get?experiment_id=0`);
    expect([raw.statusCode, await raw.body.json()]).toEqual([401, { error: { code: 'AuthenticationFailed', message: expect.stringContaining("'Authorization' header is missing") } }]);
    const e = await failure(testClient(target.baseUrl, { auth: authForTarget(target, { AZUREML_ACCESS_TOKEN: 'stale-token' }) }).getRun('x'));
    expect([e.code, e.status, e.providerCode]).toEqual(['AuthError', 401, 'InvalidAuthenticationToken']);
    expect(e.message).not.toContain('stale-token');
  });

  it('SageMaker: a request signed with the right key passes; a wrong secret, region, ARN or a `+` in the query does not', async () => {
    expect(sagemaker.trackingUri).toBe(ARN);
    expect(sagemaker.env).toMatchObject({ MLFLOW_TRACKING_URI: ARN, SAGEMAKER_MLFLOW_CUSTOM_ENDPOINT: `http://127.0.0.1:${sagemaker.port}`, AWS_ACCESS_KEY_ID: KEY.accessKeyId });
    const target = parseTrackingTarget(ARN, sagemaker.env);
    if (target.kind !== 'sagemaker') throw new Error('not a SageMaker target');
    const signed = (env: Record<string, string>, over: Partial<typeof target> = {}) => {
      const t = { ...target, ...over };
      return testClient(t.baseUrl, { auth: sigv4Auth({ region: t.region, service: t.service, headers: { [t.arnHeader]: t.arn }, env }) });
    };
    const ok = signed(sagemaker.env);
    expect((await ok.getExperimentByName('Default'))?.experiment_id).toBe('0');
    const experimentId = await ok.ensureExperiment('name with spaces & (parens)');
    expect((await ok.getExperimentByName('name with spaces & (parens)'))?.experiment_id).toBe(experimentId);

    const refusals: [string, () => Promise<unknown>][] = [
      ['InvalidSignatureException', () => signed({ ...sagemaker.env, AWS_SECRET_ACCESS_KEY: 'not-the-secret' }).getRun('x')],
      ['UnrecognizedClientException', () => signed({ ...sagemaker.env, AWS_ACCESS_KEY_ID: 'AKIDUNKNOWN' }).getRun('x')],
      ['InvalidSignatureException', () => signed(sagemaker.env, { region: 'us-east-1' }).getRun('x')],
      ['InvalidSignatureException', () => signed(sagemaker.env, { service: 'sagemaker' }).getRun('x')],
      ['AccessDeniedException', () => signed(sagemaker.env, { arn: ARN.replace('team-server', 'other') }).getRun('x')],
    ];
    for (const [code, call] of refusals) {
      const e = await failure(call());
      expect({ code: e.code, status: e.status, providerCode: e.providerCode }).toEqual({ code: 'AuthError', status: 403, providerCode: code });
      expect(e.message).not.toContain('not-the-secret');
    }
    // Temporary credentials: the session token is sent (and signed) as x-amz-security-token.
    const temporary = await startMlflowEmulator({ auth: { sigv4: { arn: ARN, region: 'eu-west-1', ...KEY, sessionToken: 'session-token-xyz' } } });
    try {
      const t = parseTrackingTarget(ARN, temporary.env);
      expect((await testClient(t.baseUrl, { auth: authForTarget(t, temporary.env) }).getExperimentByName('Default'))?.experiment_id).toBe('0');
      const e = await failure(testClient(t.baseUrl, { auth: authForTarget(t, { ...temporary.env, AWS_SESSION_TOKEN: '' }) }).getRun('x'));
      expect([e.code, e.providerCode]).toEqual(['AuthError', 'UnrecognizedClientException']);
    } finally {
      await temporary.close();
    }

    // An MLflow app ARN: signed for service `sagemaker`, routed by x-sm-mlflow-app-arn.
    const appArn = 'arn:aws:sagemaker:eu-west-1:123456789012:mlflow-app/app-0123abcd';
    const app = await startMlflowEmulator({ auth: { sigv4: { arn: appArn, region: 'eu-west-1', service: 'sagemaker', arnHeader: 'x-sm-mlflow-app-arn', ...KEY } } });
    try {
      const t = parseTrackingTarget(appArn, app.env);
      expect((await testClient(t.baseUrl, { auth: authForTarget(t, app.env) }).getExperimentByName('Default'))?.experiment_id).toBe('0');
    } finally {
      await app.close();
    }

    const unsigned = await request(`${sagemaker.url}/api/2.0/mlflow/experiments/get?experiment_id=0`);
    expect([unsigned.statusCode, unsigned.headers['x-amzn-errortype'], await unsigned.body.json()]).toEqual([403, expect.stringMatching(/^MissingAuthenticationTokenException/), { message: 'Missing Authentication Token' }]);

    // What botocore signs is the URL as sent: a `+` for a space is signed as `+` by the server's
    // canonicalisation, so a client that signs the decoded space and sends `+` is refused.
    const auth = sigv4Auth({ region: 'eu-west-1', service: 'sagemaker-mlflow', headers: { [target.arnHeader]: ARN }, env: sagemaker.env });
    const url = `${sagemaker.url}/api/2.0/mlflow/experiments/get-by-name?experiment_name=a+b`;
    const headers = await auth.headers({ method: 'GET', url });
    const plus = await request(url, { headers });
    expect([plus.statusCode, ((await plus.body.json()) as { message: string }).message]).toEqual([403, expect.stringContaining('signature we calculated does not match')]);
  });
});
