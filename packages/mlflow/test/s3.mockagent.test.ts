// What a SageMaker target's S3 artifact requests look like on the wire (undici MockAgent): GetObject
// on the virtual-hosted regional endpoint, SigV4 for service `s3` (no ARN header, the path escaped
// once), `Range` for an offset; listings through the tracking API, made relative to the directory.
import { createRequestContext, RequestBudget } from '@runlens/core';
import { MockAgent } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MlflowClient } from '../src/client.js';
import { mapMlflowError } from '../src/errors.js';
import { authForTarget, parseTrackingTarget, s3AccessForTarget } from '../src/targets.js';
import { objectUrl, s3Access } from '../src/s3-artifacts.js';
import { verifySigv4 } from '../src/testing/index.js';

const ARN = 'arn:aws:sagemaker:eu-west-1:123456789012:mlflow-tracking-server/team-server';
const ENV = { AWS_ACCESS_KEY_ID: 'AKIDS3WIRETEST', AWS_SECRET_ACCESS_KEY: 's3-wire-test-secret-0123456789' };
const INFO = { run_id: 'r1', artifact_uri: 's3://team-bucket/mlflow/7/r1/artifacts' };

let agent: MockAgent;
beforeEach(() => {
  agent = new MockAgent();
  agent.disableNetConnect();
});
afterEach(async () => {
  agent.assertNoPendingInterceptors();
  await agent.close();
});

function client(env: Record<string, string> = ENV): MlflowClient {
  const target = parseTrackingTarget(ARN, env);
  const requests = createRequestContext({ provider: 'mlflow', budget: new RequestBudget(), retry: { baseDelayMs: 1, maxDelayMs: 5, budgetMs: 2_000 }, debug: () => undefined });
  return new MlflowClient({ baseUrl: target.baseUrl, requester: requests.requester({ mapError: mapMlflowError }), auth: authForTarget(target, env), s3: s3AccessForTarget(target, env)!, dispatcher: agent, requestsPerSecond: 10_000 });
}

describe('SageMaker artifacts in S3 (MockAgent)', () => {
  it('reads with GetObject signed for s3 in the server\'s region, the key escaped once, Range for an offset', async () => {
    const seen: Record<string, string>[] = [];
    let path = '';
    agent
      .get('https://team-bucket.s3.eu-west-1.amazonaws.com')
      .intercept({ path: '/mlflow/7/r1/artifacts/dir%20a/file%281%29.txt', method: 'GET' })
      .reply((opts) => {
        path = opts.path;
        seen.push(Object.fromEntries(Object.entries(opts.headers as Record<string, string>).map(([k, v]) => [k.toLowerCase(), v])));
        return { statusCode: 206, data: 'tail', responseOptions: { headers: { 'content-length': '4', 'content-range': 'bytes 10-13/14' } } };
      });
    const store = client().artifactStore(INFO);
    expect(store.kind).toBe('s3');
    const got = await store.download('dir a/file(1).txt', { offset: 10 });
    const chunks: Buffer[] = [];
    for await (const c of got.body) chunks.push(Buffer.from(c as Uint8Array));
    expect([Buffer.concat(chunks).toString(), got.skip, got.size]).toEqual(['tail', 0, 4]);
    const headers = seen[0]!;
    expect(headers.range).toBe('bytes=10-');
    expect(headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDS3WIRETEST\/\d{8}\/eu-west-1\/s3\/aws4_request, SignedHeaders=[a-z0-9;-]*host[a-z0-9;-]*, Signature=[0-9a-f]{64}$/);
    expect(headers['x-mlflow-sm-tracking-server-arn']).toBeUndefined();
    const view = { method: 'GET', rawUrl: path, headers: { ...headers, host: 'team-bucket.s3.eu-west-1.amazonaws.com' }, body: Buffer.alloc(0) };
    const expected = { arn: ARN, region: 'eu-west-1', service: 's3', accessKeyId: ENV.AWS_ACCESS_KEY_ID, secretAccessKey: ENV.AWS_SECRET_ACCESS_KEY };
    expect(verifySigv4(view, expected, Date.now(), { s3: true })).toBeUndefined();
    // Signed over the path as sent: a signer that escaped it twice (as for other services) would not pass.
    expect(verifySigv4({ ...view, rawUrl: path.replace(/%/g, '%25') }, expected, Date.now(), { s3: true })?.code).toBe('InvalidSignatureException');
  });

  it('lists through the tracking API (artifacts/list), names relative to the directory, page after page', async () => {
    const pool = agent.get('https://eu-west-1.experiments.sagemaker.aws');
    pool.intercept({ path: '/api/2.0/mlflow/artifacts/list?run_id=r1&path=runlens', method: 'GET' }).reply(200, { root_uri: INFO.artifact_uri, files: [{ path: 'runlens/run.json', is_dir: false, file_size: 12 }], next_page_token: 'p2' }, { headers: { 'content-type': 'application/json' } });
    pool.intercept({ path: '/api/2.0/mlflow/artifacts/list?run_id=r1&path=runlens&page_token=p2', method: 'GET' }).reply(200, { files: [{ path: 'runlens/logs', is_dir: true }] }, { headers: { 'content-type': 'application/json' } });
    const files = await client().artifactStore(INFO).list('runlens');
    expect(files).toEqual([
      { path: 'run.json', is_dir: false, file_size: 12 },
      { path: 'logs', is_dir: true },
    ]);
  });

  it('S3 XML errors: NoSuchKey is NotFound; AccessDenied is AuthError with its message, nothing else from the body', async () => {
    const pool = agent.get('https://team-bucket.s3.eu-west-1.amazonaws.com');
    pool.intercept({ path: '/mlflow/7/r1/artifacts/gone.txt', method: 'GET' }).reply(404, '<?xml version="1.0"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>');
    pool.intercept({ path: '/mlflow/7/r1/artifacts/locked.txt', method: 'GET' }).reply(403, '<?xml version="1.0"?><Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match.</Message><StringToSign>AWS4-HMAC-SHA256 secret-ish</StringToSign></Error>');
    const store = client().artifactStore(INFO);
    const fail = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as { code: string; message: string; providerCode?: string });
    const missing = await fail(store.download('gone.txt'));
    expect([missing?.code, missing?.providerCode]).toEqual(['NotFound', 'NoSuchKey']);
    const denied = await fail(store.download('locked.txt'));
    expect([denied?.code, denied?.providerCode]).toEqual(['AuthError', 'SignatureDoesNotMatch']);
    expect(denied?.message).toContain('The request signature we calculated does not match.');
    expect(denied?.message).not.toContain('StringToSign');
    expect(denied?.message).not.toContain('secret-ish');
  });

  it('endpoint: MLFLOW_S3_ENDPOINT_URL wins over AWS_ENDPOINT_URL_S3, path style; else virtual-hosted; plain http only on loopback', () => {
    expect(objectUrl(s3Access('eu-west-1', ENV), 'b', 'a b/c')).toBe('https://b.s3.eu-west-1.amazonaws.com/a%20b/c');
    expect(objectUrl(s3Access('eu-west-1', { ...ENV, AWS_ENDPOINT_URL_S3: 'https://s3.example', MLFLOW_S3_ENDPOINT_URL: 'http://127.0.0.1:9000/s3/' }), 'b', 'k')).toBe('http://127.0.0.1:9000/s3/b/k');
    expect(() => s3Access('eu-west-1', { ...ENV, MLFLOW_S3_ENDPOINT_URL: 'http://minio.internal:9000' })).toThrow(/https/);
    expect(s3Access('eu-west-1', { ...ENV, SAGEMAKER_PRESIGNED_URL_UPLOAD_ENABLED: 'TRUE' }).presignedUpload).toBe(true);
    expect(s3Access('eu-west-1', ENV).presignedUpload).toBe(false);
  });
});
