import { createHash, createHmac } from 'node:crypto';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import {
  canonicalRequest,
  formatSdkDate,
  parseSdkDate,
  signRequest,
  verifySignature,
  type AkSkCredentials,
} from '../src/signer.js';

/** The two pieces of Huawei's published Node.js core that sign a request. */
interface HuaweiRequest {
  endpoint?: string;
  method?: string;
  headers: Record<string, string>;
  queryParams: Record<string, string | string[]>;
  data?: unknown;
}
interface HuaweiSigner {
  sign(request: HuaweiRequest, credential: { getAk(): string; getSk(): string }): Record<string, string>;
}
const require = createRequire(import.meta.url);
const { AKSKSigner } = require('@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner.js') as { AKSKSigner: HuaweiSigner };
const { HttpRequestImpl } = require('@huaweicloud/huaweicloud-sdk-core/http/IHttpRequest.js') as {
  HttpRequestImpl: new () => HuaweiRequest;
};

const AK = 'HPUAEXAMPLEAK0000001';
const SK = 'exampleSecretKey0123456789abcdefghijKLMN';
const NOW = new Date(Date.UTC(2019, 2, 7, 10, 14, 59));
const SDK_DATE = '20190307T101459Z';

interface Case {
  name: string;
  method: string;
  /** What Huawei's signer takes: endpoint + raw (unencoded) path, query as an object. */
  huaweiEndpoint: string;
  huaweiQuery?: Record<string, string | string[]>;
  /** What ours takes: the absolute URL as sent on the wire. */
  url: string;
  headers?: Record<string, string>;
  json?: unknown;
  credentials?: Partial<AkSkCredentials>;
}

const cases: Case[] = [
  {
    name: 'GET without body or query',
    method: 'GET',
    huaweiEndpoint: 'https://modelarts.cn-north-4.myhuaweicloud.com/v2/p1/training-jobs/2cd88daa-31a4-40a8-a58f-d186b0e93e4f',
    url: 'https://modelarts.cn-north-4.myhuaweicloud.com/v2/p1/training-jobs/2cd88daa-31a4-40a8-a58f-d186b0e93e4f',
  },
  {
    name: 'GET with repeated keys and characters needing encoding',
    method: 'GET',
    huaweiEndpoint: 'https://modelarts.cn-north-4.myhuaweicloud.com/v1/p1/training-jobs/182626/versions/278813/log',
    huaweiQuery: {
      log_file: 'job-job-0713-191758.0',
      start_byte: '-1',
      tag: ['zeta', 'a b', 'Alpha'],
      q: 'x=1&y/2+3~*é训练',
    },
    url:
      'https://modelarts.cn-north-4.myhuaweicloud.com/v1/p1/training-jobs/182626/versions/278813/log?' +
      new URLSearchParams([
        ['tag', 'zeta'],
        ['start_byte', '-1'],
        ['q', 'x=1&y/2+3~*é训练'],
        ['tag', 'a b'],
        ['log_file', 'job-job-0713-191758.0'],
        ['tag', 'Alpha'],
      ]).toString(),
  },
  {
    name: 'POST with a JSON body and content-type',
    method: 'POST',
    huaweiEndpoint: 'https://modelarts.cn-north-4.myhuaweicloud.com/v2/p1/training-job-searches',
    url: 'https://modelarts.cn-north-4.myhuaweicloud.com/v2/p1/training-job-searches',
    headers: { 'content-type': 'application/json' },
    json: { offset: 0, limit: 50, filters: [{ key: 'phase', operator: 'in', value: ['Running', 'Failed'] }] },
  },
  {
    name: 'path with reserved and non-ASCII characters',
    method: 'GET',
    huaweiEndpoint: 'https://modelarts.cn-north-4.myhuaweicloud.com/v2/p1/training-jobs/job:1@x+y=z,(a)!$;&~-_./tasks/训练-0',
    url: 'https://modelarts.cn-north-4.myhuaweicloud.com/v2/p1/training-jobs/job:1@x+y=z,(a)!$;&~-_./tasks/%E8%AE%AD%E7%BB%83-0',
  },
  {
    name: 'X-Project-Id and X-Security-Token on a non-default port',
    method: 'GET',
    huaweiEndpoint: 'http://127.0.0.1:8443/v2/p1/training-jobs/abc/tasks/worker-0/logs/preview',
    url: 'http://127.0.0.1:8443/v2/p1/training-jobs/abc/tasks/worker-0/logs/preview',
    headers: { 'X-Language': 'en-us' },
    credentials: { projectId: 'p1', securityToken: 'gQpzdGsTOKEN/with+chars==' },
  },
  {
    name: 'declared payload hash (UNSIGNED-PAYLOAD)',
    method: 'PUT',
    huaweiEndpoint: 'https://modelarts.cn-north-4.myhuaweicloud.com/v2/p1/upload',
    url: 'https://modelarts.cn-north-4.myhuaweicloud.com/v2/p1/upload',
    headers: { 'X-Sdk-Content-Sha256': 'UNSIGNED-PAYLOAD', 'content-type': 'application/octet-stream' },
  },
];

function huaweiAuthorization(c: Case): string {
  const request = new HttpRequestImpl();
  request.endpoint = c.huaweiEndpoint;
  request.method = c.method;
  request.queryParams = structuredClone(c.huaweiQuery ?? {});
  request.headers = { ...c.headers, 'X-Sdk-Date': SDK_DATE };
  if (c.credentials?.projectId) request.headers['X-Project-Id'] = c.credentials.projectId;
  if (c.credentials?.securityToken) request.headers['X-Security-Token'] = c.credentials.securityToken;
  if (c.json !== undefined) request.data = c.json;
  const signed = AKSKSigner.sign(request, { getAk: () => AK, getSk: () => SK });
  return signed.Authorization ?? '';
}

function ourHeaders(c: Case): Record<string, string> {
  return signRequest(
    { method: c.method, url: c.url, headers: c.headers ?? {}, ...(c.json === undefined ? {} : { body: JSON.stringify(c.json) }) },
    { accessKey: AK, secretKey: SK, ...c.credentials },
    NOW,
  );
}

describe('signRequest equals Huawei AKSKSigner', () => {
  it.each(cases)('$name', (c) => {
    const ours = ourHeaders(c);
    const theirs = huaweiAuthorization(c);
    expect(theirs).toMatch(/^SDK-HMAC-SHA256 Access=HPUAEXAMPLEAK0000001, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$/);
    expect(ours.Authorization).toBe(theirs);
    expect(ours['X-Sdk-Date']).toBe(SDK_DATE);
  });

  it('adds Host, X-Project-Id and X-Security-Token and signs them', () => {
    const c = cases[4]!;
    const headers = ourHeaders(c);
    expect(headers.Host).toBe('127.0.0.1:8443');
    expect(headers['X-Project-Id']).toBe('p1');
    expect(headers['X-Security-Token']).toBe('gQpzdGsTOKEN/with+chars==');
    expect(headers.Authorization).toContain('SignedHeaders=host;x-language;x-project-id;x-sdk-date;x-security-token,');
  });
});

describe('fixed vector (hand-checked)', () => {
  const request = {
    method: 'GET',
    url: 'https://modelarts.cn-north-4.myhuaweicloud.com/v2/0bcc05efb100f2a92f53c011f262dfa0/training-jobs/x?b=2&a=1&a=0',
    headers: {},
  };
  const credentials = { accessKey: 'AK', secretKey: 'SK', projectId: '0bcc05efb100f2a92f53c011f262dfa0' };

  it('produces the expected canonical request and signature', () => {
    const headers = signRequest(request, credentials, NOW);
    const expectedCanonical = [
      'GET',
      '/v2/0bcc05efb100f2a92f53c011f262dfa0/training-jobs/x/',
      'a=0&a=1&b=2',
      'host:modelarts.cn-north-4.myhuaweicloud.com\nx-project-id:0bcc05efb100f2a92f53c011f262dfa0\nx-sdk-date:20190307T101459Z\n',
      'host;x-project-id;x-sdk-date',
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    ].join('\n');
    expect(canonicalRequest({ ...request, headers: omit(headers, 'Authorization') })).toBe(expectedCanonical);
    // Independently: HMAC-SHA256(SK, "SDK-HMAC-SHA256\n<date>\n<sha256(canonical)>").
    const digest = createHash('sha256').update(expectedCanonical).digest('hex');
    expect(digest).toBe('20779e19237162f056f7345ae8ac0607e0aa8aafb772592adc60a3db3a8b47bb');
    const signature = createHmac('sha256', 'SK').update(`SDK-HMAC-SHA256\n20190307T101459Z\n${digest}`).digest('hex');
    expect(headers.Authorization).toBe(
      `SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;x-project-id;x-sdk-date, Signature=${signature}`,
    );
    expect(signature).toBe('699f81a77dfe3273d2af301e59a527f0bce0aa632f1cfc346c7510f9f93c7773');
  });
});

describe('verifySignature', () => {
  const secretFor = (ak: string) => (ak === AK ? SK : undefined);
  const signed = signRequest(
    { method: 'GET', url: 'http://127.0.0.1:9000/v2/p1/training-jobs/j1?x=1', headers: {} },
    { accessKey: AK, secretKey: SK, projectId: 'p1' },
    NOW,
  );
  const arrived = (overrides: Partial<{ url: string; headers: Record<string, string> }> = {}) => ({
    method: 'GET',
    url: overrides.url ?? '/v2/p1/training-jobs/j1?x=1',
    // node lower-cases names and adds headers of its own that are not signed
    headers: { ...lower(signed), connection: 'keep-alive', ...overrides.headers },
  });

  it('accepts what signRequest produced', () => {
    expect(verifySignature(arrived(), secretFor, NOW)).toEqual({ ok: true, accessKey: AK, sdkDate: SDK_DATE });
  });

  it('returns the server canonical request on mismatch', () => {
    const result = verifySignature(arrived({ url: '/v2/p1/training-jobs/j2?x=1' }), secretFor, NOW);
    expect(result).toMatchObject({ ok: false, reason: 'mismatch' });
    if (result.ok || result.reason !== 'mismatch') throw new Error('expected mismatch');
    expect(result.canonicalRequest.split('\n')).toEqual([
      'GET',
      '/v2/p1/training-jobs/j2/',
      'x=1',
      'host:127.0.0.1:9000',
      'x-project-id:p1',
      `x-sdk-date:${SDK_DATE}`,
      '',
      'host;x-project-id;x-sdk-date',
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    ]);
  });

  it('rejects a wrong secret, an unknown key, a stale date and a missing header', () => {
    expect(verifySignature(arrived(), () => 'other', NOW)).toMatchObject({ ok: false, reason: 'mismatch' });
    expect(verifySignature(arrived(), () => undefined, NOW)).toEqual({ ok: false, reason: 'unknown-access-key', accessKey: AK });
    const later = new Date(NOW.getTime() + 15 * 60 * 1000 + 1000);
    expect(verifySignature(arrived(), secretFor, later)).toMatchObject({ ok: false, reason: 'expired', sdkDate: SDK_DATE });
    const noAuth = arrived();
    delete (noAuth.headers as Record<string, string>).authorization;
    expect(verifySignature(noAuth, secretFor, NOW)).toMatchObject({ ok: false, reason: 'malformed' });
  });
});

describe('X-Sdk-Date', () => {
  it('formats and parses UTC basic format', () => {
    expect(formatSdkDate(NOW)).toBe(SDK_DATE);
    expect(parseSdkDate(SDK_DATE)?.getTime()).toBe(NOW.getTime());
    expect(parseSdkDate('2019-03-07T10:14:59Z')).toBeUndefined();
  });
});

function omit(headers: Record<string, string>, name: string): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([k]) => k !== name));
}

function lower(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}
