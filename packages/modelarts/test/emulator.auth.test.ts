import { createHash } from 'node:crypto';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signRequest } from '../src/signer.js';
import { callEmulator, SCENARIO, startModelartsEmulator, type ModelartsEmulator } from '../src/testing/index.js';

let emulator: ModelartsEmulator;
let jobPath: string;

beforeAll(async () => {
  emulator = await startModelartsEmulator({ scenarios: true });
  jobPath = `/v2/${emulator.projectId}/training-jobs/${SCENARIO.completedJobId}`;
});
afterAll(() => emulator.close());

function errorBody(text: string): { error_code: string; error_msg: string; request_id?: string } {
  return JSON.parse(text) as { error_code: string; error_msg: string; request_id?: string };
}

describe('API Gateway authentication', () => {
  it('accepts a request signed with the configured AK/SK', async () => {
    const res = await callEmulator(emulator, jobPath);
    expect(res.status).toBe(200);
    expect((JSON.parse(res.text) as { metadata: { id: string } }).metadata.id).toBe(SCENARIO.completedJobId);
  });

  it('answers a wrong SK with 401 APIGW.0301 echoing the canonical request with | separators', async () => {
    const now = new Date(emulator.now());
    const res = await callEmulator(emulator, jobPath, { secretKey: 'not-the-secret', now });
    expect(res.status).toBe(401);
    expect(res.headers.server).toBe('api-gateway');
    const body = errorBody(res.text);
    expect(body.error_code).toBe('APIGW.0301');
    expect(body.request_id).toMatch(/^[0-9a-f]{32}$/);
    expect(res.headers['x-request-id']).toBe(body.request_id);
    const host = new URL(emulator.endpoint).host;
    const date = now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
    expect(body.error_msg).toBe(
      'Incorrect IAM authentication information: verify aksk signature fail, canonicalRequest:' +
        `GET|${jobPath}/||host:${host}|x-project-id:${emulator.projectId}|x-sdk-date:${date}||host;x-project-id;x-sdk-date|` +
        'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });

  it('recomputes the payload hash from the body that arrived', async () => {
    const url = `${emulator.endpoint}/v2/${emulator.projectId}/training-job-searches`;
    const signed = signRequest(
      { method: 'POST', url, headers: { 'content-type': 'application/json' }, body: '{"limit":1}' },
      { ...emulator.credentials, projectId: emulator.projectId },
      new Date(emulator.now()),
    );
    const sent = '{"limit":2}';
    const res = await request(url, { method: 'POST', headers: signed, body: sent });
    expect(res.statusCode).toBe(401);
    const body = errorBody(await res.body.text());
    expect(body.error_msg).toContain('|content-type;host;x-project-id;x-sdk-date|');
    expect(body.error_msg.endsWith(createHash('sha256').update(sent).digest('hex'))).toBe(true);
  });

  it('accepts a valid X-Auth-Token and rejects a wrong one', async () => {
    expect((await callEmulator(emulator, jobPath, { auth: 'token' })).status).toBe(200);
    const res = await callEmulator(emulator, jobPath, { auth: 'none', headers: { 'X-Auth-Token': 'forged' } });
    expect(res.status).toBe(401);
    expect(errorBody(res.text)).toMatchObject({ error_code: 'APIGW.0301', error_msg: 'Incorrect IAM authentication information: decrypt token fail' });
  });

  it('rejects a request with no credentials', async () => {
    const res = await callEmulator(emulator, jobPath, { auth: 'none' });
    expect(res.status).toBe(401);
    expect(errorBody(res.text).error_code).toBe('APIGW.0301');
  });

  it('rejects X-Sdk-Date more than 15 minutes off, like the gateway', async () => {
    const stale = new Date(emulator.now() - 16 * 60 * 1000);
    const res = await callEmulator(emulator, jobPath, { now: stale });
    expect(res.status).toBe(401);
    expect(errorBody(res.text).error_msg).toMatch(
      /^Incorrect IAM authentication information: calc aksk signature fail:signature expired, signature time:\d{8}T\d{6}Z,server time:\d{8}T\d{6}Z$/,
    );
    expect((await callEmulator(emulator, jobPath, { now: new Date(emulator.now() - 14 * 60 * 1000) })).status).toBe(200);
  });

  it('rejects an unknown access key', async () => {
    const url = `${emulator.endpoint}${jobPath}`;
    const headers = signRequest({ method: 'GET', url, headers: {} }, { accessKey: 'UNKNOWNAK', secretKey: 'x' }, new Date(emulator.now()));
    const res = await request(url, { headers });
    expect(res.statusCode).toBe(401);
    expect(errorBody(await res.body.text()).error_msg).toBe('Incorrect IAM authentication information: ak UNKNOWNAK not exist');
  });

  it('requires X-Project-Id and the path project to match the account', async () => {
    const url = `${emulator.endpoint}${jobPath}`;
    const headers = signRequest({ method: 'GET', url, headers: {} }, { ...emulator.credentials, projectId: 'someone-else' }, new Date(emulator.now()));
    const res = await request(url, { headers });
    expect(res.statusCode).toBe(401);
    expect(errorBody(await res.body.text()).error_code).toBe('APIGW.0301');

    const otherProject = await callEmulator(emulator, `/v2/someone-else/training-jobs/${SCENARIO.completedJobId}`, { auth: 'token' });
    expect(otherProject.status).toBe(404);
    expect(errorBody(otherProject.text).error_code).toBe('ModelArts.2786');
  });

  it('answers an unknown API with 404 APIGW.0101 before authenticating', async () => {
    const res = await callEmulator(emulator, `/v2/${emulator.projectId}/training-jobs`, { auth: 'none' });
    expect(res.status).toBe(404);
    expect(errorBody(res.text).error_code).toBe('APIGW.0101');
  });

  it('records requests and can forget them', async () => {
    emulator.resetRequests();
    await callEmulator(emulator, `/v2/${emulator.projectId}/training-jobs/${SCENARIO.failedJobId}/events`, { query: { level: 'Error', limit: 5 } });
    expect(emulator.requests).toHaveLength(1);
    const [recorded] = emulator.requests;
    expect(recorded).toMatchObject({
      method: 'GET',
      path: `/v2/${emulator.projectId}/training-jobs/${SCENARIO.failedJobId}/events`,
      query: { level: 'Error', limit: '5' },
    });
    expect(recorded?.headers['x-project-id']).toBe(emulator.projectId);
    expect(recorded?.headers.authorization).toMatch(/^SDK-HMAC-SHA256 Access=/);
    emulator.resetRequests();
    expect(emulator.requests).toHaveLength(0);
  });

  it('exposes SDK-style environment variables', () => {
    expect(emulator.env).toEqual({
      HUAWEICLOUD_SDK_AK: emulator.credentials.accessKey,
      HUAWEICLOUD_SDK_SK: emulator.credentials.secretKey,
      HUAWEICLOUD_SDK_PROJECT_ID: emulator.projectId,
      HUAWEICLOUD_REGION: 'cn-north-4',
      MODELARTS_ENDPOINT: emulator.endpoint,
      HUAWEICLOUD_OBS_ENDPOINT: `${emulator.endpoint}/obs`,
    });
    expect(emulator.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });
});
