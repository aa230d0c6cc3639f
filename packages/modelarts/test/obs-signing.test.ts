// OBS request signing checked against Huawei's own OBS SDK (esdk-obs-nodejs, a devDependency for this
// test only): the SDK sends its requests to a loopback server that records them, runlens sends the
// same requests to an undici MockAgent, and the two must carry the same method, path, query, Date,
// security token and Authorization. With path-style addressing (forced by the SDK for an IP
// endpoint, chosen with `path_style` otherwise) the SDK signs `AWS AK:sig` over `x-amz-*` headers.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AK, jobDetail, mocked, OBS_ORIGIN, ORIGIN, PROJECT, SK, type Mocked } from './mock.js';

interface ObsSdkClient {
  listObjects(input: { Bucket: string; Prefix?: string; Marker?: string; MaxKeys?: number }): Promise<{ CommonMsg: { Status: number } }>;
  getObject(input: { Bucket: string; Key: string }): Promise<{ CommonMsg: { Status: number } }>;
  close(): void;
}
const require = createRequire(import.meta.url);
const ObsClient = require('esdk-obs-nodejs') as new (options: Record<string, unknown>) => ObsSdkClient;

interface Captured {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
}

const JOB = '2cd88daa-31a4-40a8-a58f-d186b0e93e4f';
const BUCKET = 'my-bucket';
const PREFIX = 'jobs/out/';
const KEYS = ['jobs/out/a b.txt', "jobs/out/ü/é+=&;'()*!.bin"];

let server: Server;
let port = 0;
const captured: Captured[] = [];
let m: Mocked | undefined;

/** One listing page: both keys, truncated after the first one when no marker was sent. */
function listingXml(marker: string | null): string {
  const keys = marker === null ? KEYS.slice(0, 1) : KEYS.slice(1);
  const truncated = marker === null;
  const contents = keys.map((k) => `<Contents><Key>${k.replace(/&/g, '&amp;').replace(/'/g, '&apos;')}</Key><LastModified>2024-01-15T08:00:00.000Z</LastModified><Size>3</Size></Contents>`).join('');
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><ListBucketResult xmlns="http://obs.example.com/doc/2015-06-30/"><Name>${BUCKET}</Name><Prefix>${PREFIX}</Prefix><Marker>${marker ?? ''}</Marker><MaxKeys>1000</MaxKeys><IsTruncated>${truncated}</IsTruncated>${contents}</ListBucketResult>`;
}

beforeAll(async () => {
  server = createServer((req, res) => {
    captured.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers });
    const url = new URL(req.url ?? '/', 'http://loopback');
    if (url.pathname === `/${BUCKET}`) {
      res.writeHead(200, { 'content-type': 'application/xml' });
      res.end(listingXml(url.searchParams.get('marker')));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': '3' });
    res.end(Buffer.from([1, 2, 3]));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterEach(async () => {
  captured.length = 0;
  m?.agent.assertNoPendingInterceptors();
  await m?.close();
  m = undefined;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** The SDK's client; its set-up is asynchronous (initFactory), so wait a turn before using it. */
async function sdk(options: Record<string, unknown>): Promise<ObsSdkClient> {
  const client = new ObsClient({ access_key_id: AK, secret_access_key: SK, max_retry_count: 0, timeout: 20, ...options });
  await new Promise((resolve) => setImmediate(resolve));
  return client;
}

/** What the SDK sends for runlens's three requests: two listing pages and one download. */
async function sdkRequests(options: Record<string, unknown>): Promise<Captured[]> {
  const client = await sdk(options);
  try {
    expect((await client.listObjects({ Bucket: BUCKET, Prefix: PREFIX, MaxKeys: 1000 })).CommonMsg.Status).toBe(200);
    expect((await client.listObjects({ Bucket: BUCKET, Prefix: PREFIX, Marker: KEYS[0], MaxKeys: 1000 })).CommonMsg.Status).toBe(200);
    expect((await client.getObject({ Bucket: BUCKET, Key: KEYS[1]! })).CommonMsg.Status).toBe(200);
  } finally {
    client.close();
  }
  return captured.splice(0);
}

/** What runlens sends for the same requests, signed at the SDK's Date. */
async function runlensRequests(date: string, env: Record<string, string> = {}): Promise<{ method: string; path: string; headers: Record<string, string> }[]> {
  m = mocked({ env, clock: () => Date.parse(date) });
  m.agent
    .get(ORIGIN)
    .intercept({ path: `/v2/${PROJECT}/training-jobs/${JOB}`, method: 'GET' })
    .reply(200, JSON.stringify(jobDetail(JOB, { outputs: [`obs://${BUCKET}/${PREFIX}`] })), { headers: { 'content-type': 'application/json' } })
    .times(2);
  m.agent
    .get(OBS_ORIGIN)
    .intercept({ path: (p) => p.startsWith(`/${BUCKET}?`), method: 'GET' })
    .reply((opts) => {
      const sent = m!.record(OBS_ORIGIN, opts);
      return { statusCode: 200, data: listingXml(new URL(sent.path, OBS_ORIGIN).searchParams.get('marker')) };
    })
    .times(2);
  m.agent
    .get(OBS_ORIGIN)
    .intercept({ path: (p) => p.startsWith(`/${BUCKET}/`), method: 'GET' })
    .reply((opts) => {
      m!.record(OBS_ORIGIN, opts);
      return { statusCode: 200, data: Buffer.from([1, 2, 3]), responseOptions: { headers: { 'content-length': '3' } } };
    });
  const listed = await m.runlens.artifacts(`modelarts:${JOB}`);
  expect(listed.map((a) => a.path)).toEqual(KEYS.map((k) => k.slice(PREFIX.length)));
  const body = await m.runlens.openArtifact(`modelarts:${JOB}`, listed[1]!.path);
  for await (const chunk of body.body) void chunk;
  return m.sent.filter((s) => s.origin === OBS_ORIGIN);
}

function wire(requests: readonly { method: string; path: string; headers: Record<string, string | string[] | undefined> }[]) {
  return requests.map((r) => ({
    method: r.method,
    path: r.path,
    date: r.headers.date,
    token: r.headers['x-amz-security-token'],
    obsToken: r.headers['x-obs-security-token'],
    authorization: r.headers.authorization,
  }));
}

describe('OBS signing against esdk-obs-nodejs', () => {
  it('an IP endpoint: the SDK forces path-style and S3 v2 signing, and runlens sends the same requests', async () => {
    const sdkSent = await sdkRequestsAt(new Date(Date.UTC(2024, 0, 15, 8)).toUTCString(), { server: `http://127.0.0.1:${port}` });
    expect(sdkSent.map((r) => r.path)).toEqual([
      `/${BUCKET}?prefix=jobs/out/&max-keys=1000`,
      `/${BUCKET}?prefix=jobs/out/&marker=jobs/out/a%20b.txt&max-keys=1000`,
      `/${BUCKET}/jobs/out/%C3%BC/%C3%A9%2B%3D%26%3B%27%28%29%2A%21.bin`,
    ]);
    for (const r of sdkSent) expect(r.headers.authorization).toMatch(new RegExp(`^AWS ${AK}:[A-Za-z0-9+/]{27}=$`));
    const ours = await runlensRequests(sdkSent[0]!.headers.date!);
    expect(wire(ours)).toEqual(wire(sdkSent));
  });

  it('a host name with path_style and temporary credentials: x-amz-security-token is sent and signed', async () => {
    const options = { server: `http://localhost:${port}`, path_style: true, security_token: 'temporary-token-0001' };
    const sdkSent = await sdkRequestsAt(new Date(Date.UTC(2024, 0, 15, 8)).toUTCString(), options);
    expect(sdkSent.every((r) => r.headers['x-amz-security-token'] === 'temporary-token-0001')).toBe(true);
    const ours = await runlensRequests(sdkSent[0]!.headers.date!, { HUAWEICLOUD_SDK_SECURITY_TOKEN: 'temporary-token-0001' });
    expect(wire(ours)).toEqual(wire(sdkSent));
  });

  it('is sensitive to what it signs: another secret gives another Authorization', async () => {
    const date = new Date(Date.UTC(2024, 0, 15, 8)).toUTCString();
    const sdkSent = await sdkRequestsAt(date, { server: `http://127.0.0.1:${port}`, secret_access_key: `${SK}x` });
    const ours = await runlensRequests(date);
    expect(ours.map((r) => r.path)).toEqual(sdkSent.map((r) => r.path));
    expect(ours.map((r) => r.headers.authorization)).not.toEqual(sdkSent.map((r) => r.headers.authorization));
  });
});

/**
 * The SDK's requests with every Date fixed to `date`: the SDK reads the real clock, so Date is
 * pinned by replacing global Date for the duration of the calls.
 */
async function sdkRequestsAt(date: string, options: Record<string, unknown>): Promise<Captured[]> {
  const RealDate = globalThis.Date;
  const fixed = RealDate.parse(date);
  class FixedDate extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(fixed);
      else super(...(args as [number]));
    }
    static override now() {
      return fixed;
    }
  }
  globalThis.Date = FixedDate as DateConstructor;
  try {
    return await sdkRequests(options);
  } finally {
    globalThis.Date = RealDate;
  }
}
