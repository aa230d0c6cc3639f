import { createHmac } from 'node:crypto';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callEmulator, SCENARIO, startModelartsEmulator, type ModelartsEmulator } from '../src/testing/index.js';

let emulator: ModelartsEmulator;
let now = Date.UTC(2024, 0, 15, 8, 0, 0);
const TTL = 5 * 60 * 1000;

beforeAll(async () => {
  emulator = await startModelartsEmulator({ scenarios: true, clock: () => now });
});
afterAll(() => emulator.close());

async function logUrl(jobId: string, task: string): Promise<string> {
  const res = await callEmulator(emulator, `/v2/${emulator.projectId}/training-jobs/${jobId}/tasks/${task}/logs/url`);
  expect(res.status).toBe(200);
  return (JSON.parse(res.text) as { obs_url: string }).obs_url;
}

async function preview(jobId: string, task: string): Promise<string> {
  const res = await callEmulator(emulator, `/v2/${emulator.projectId}/training-jobs/${jobId}/tasks/${task}/logs/preview`);
  return (JSON.parse(res.text) as { content: string }).content;
}

describe('log download URL', () => {
  it('is a temporary S3-style URL on the emulator holding the full log', async () => {
    const url = new URL(await logUrl(SCENARIO.completedJobId, 'worker-1'));
    expect(url.origin).toBe(emulator.endpoint);
    expect(url.pathname).toBe(
      `/obs/modelarts-training-log-cn-north-4/${SCENARIO.completedJobId}/worker-1/modelarts-job-${SCENARIO.completedJobId}-worker-1.log`,
    );
    expect(url.searchParams.get('AWSAccessKeyId')).toBe('MAOBSLOGSERVICE00001');
    expect(url.searchParams.get('Expires')).toBe(String(Math.floor((now + TTL) / 1000)));
    expect(url.searchParams.get('Signature')).toMatch(/^[A-Za-z0-9+/]{27}=$/);
    const res = await request(url);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain');
    expect(await res.body.text()).toBe(await preview(SCENARIO.completedJobId, 'worker-1'));
  });

  it('serves byte ranges with 206 and rejects unsatisfiable ones with 416', async () => {
    const url = await logUrl(SCENARIO.completedJobId, 'worker-0');
    const full = Buffer.from(await preview(SCENARIO.completedJobId, 'worker-0'));
    const ranged = await request(url, { headers: { range: 'bytes=10-29' } });
    expect(ranged.statusCode).toBe(206);
    expect(ranged.headers['content-range']).toBe(`bytes 10-29/${full.length}`);
    expect(Buffer.from(await ranged.body.arrayBuffer())).toEqual(full.subarray(10, 30));
    const suffix = await request(url, { headers: { range: 'bytes=-15' } });
    expect(await suffix.body.text()).toBe(full.subarray(full.length - 15).toString());
    const beyond = await request(url, { headers: { range: `bytes=${full.length}-` } });
    expect(beyond.statusCode).toBe(416);
    expect(beyond.headers['content-range']).toBe(`bytes */${full.length}`);
    expect(await beyond.body.text()).toContain('<Code>InvalidRange</Code>');
  });

  it('reads the tail of the 12 MiB lazily generated log by range', async () => {
    const url = await logUrl(SCENARIO.largeLogJobId, 'worker-0');
    const res = await request(url, { headers: { range: 'bytes=-120' } });
    expect(res.headers['content-range']).toBe(`bytes ${SCENARIO.largeLogBytes - 120}-${SCENARIO.largeLogBytes - 1}/${SCENARIO.largeLogBytes}`);
    expect(await res.body.text()).toMatch(/^\[ModelArts Service Log\]\[INFO\]\[2023\/03\/02 \d\d:\d\d:\d\d,\d{3}\] worker-0 step=000104857 loss=0\.\d{6} +\n$/);
  });

  it('expires after obsUrlTtlMs with an S3 AccessDenied "Request has expired"', async () => {
    const url = await logUrl(SCENARIO.failedJobId, 'worker-0');
    now += TTL;
    expect((await request(url)).statusCode).toBe(200);
    now += 1000;
    const res = await request(url);
    expect(res.statusCode).toBe(403);
    const xml = await res.body.text();
    expect(xml).toContain('<Code>AccessDenied</Code><Message>Request has expired</Message>');
    expect(xml).toContain(`<ServerTime>${new Date(now).toISOString()}</ServerTime>`);
  });

  it('rejects a tampered signature and a method the URL was not signed for', async () => {
    const url = new URL(await logUrl(SCENARIO.completedJobId, 'worker-0'));
    const head = await request(url, { method: 'HEAD' });
    expect(head.statusCode).toBe(403);
    await head.body.dump();
    url.searchParams.set('Signature', 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=');
    const res = await request(url);
    expect(res.statusCode).toBe(403);
    expect(await res.body.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
  });

  it('streams a 200 MB lazily generated log without materialising it', async () => {
    const bytes = 200 * 1024 * 1024;
    emulator.seedLargeLog(SCENARIO.runningJobId, 'worker-0', bytes);
    const res = await request(await logUrl(SCENARIO.runningJobId, 'worker-0'), { headers: { range: 'bytes=104857560-104857679' } });
    expect(res.headers['content-range']).toBe(`bytes 104857560-104857679/${bytes}`);
    expect(await res.body.text()).toMatch(/^\[ModelArts Service Log\]\[INFO\]\[[\d/ :,]+\] worker-0 step=000873813 loss=/);
    const whole = await request(await logUrl(SCENARIO.runningJobId, 'worker-0'));
    expect(whole.headers['content-length']).toBe(String(bytes));
    await whole.body.destroy(); // abort mid-stream; the server must not hang
  });
});

describe('OBS artifacts', () => {
  const obs = (path: string) => `${emulator.endpoint}/obs/${SCENARIO.bucket}${path}`;
  /** S3 v2 header signature, written out here from the OBS reference (independent of the adapter's signer). */
  const signed = (path: string, { method = 'GET', scheme = 'AWS', extra = {} as Record<string, string> } = {}) => {
    const resource = `/${SCENARIO.bucket}${path.split('?')[0]}`;
    const date = new Date(now).toUTCString();
    const prefix = scheme === 'OBS' ? 'x-obs-' : 'x-amz-';
    const canonical = Object.keys(extra).filter((k) => k.startsWith(prefix)).sort().map((k) => `${k}:${extra[k]}\n`).join('');
    const signature = createHmac('sha1', emulator.credentials.secretKey).update(`${method}\n\n\n${date}\n${canonical}${resource}`).digest('base64');
    return { ...extra, date, authorization: `${scheme} ${emulator.credentials.accessKey}:${signature}` };
  };

  it('lists output objects with the documented ListObjects form and XML', async () => {
    const res = await request(obs('?prefix=resnet50/output/model/'), { headers: signed('') });
    expect(res.statusCode).toBe(200);
    const xml = await res.body.text();
    expect([...xml.matchAll(/<Key>([^<]+)<\/Key>/g)].map((m) => m[1])).toEqual([
      'resnet50/output/model/config.json',
      'resnet50/output/model/resnet50.pth',
    ]);
    expect(xml).toContain('<Size>4096</Size>');
    expect(xml).toContain('<Marker></Marker>');
    expect(xml).toContain('<IsTruncated>false</IsTruncated>');
    expect(xml).not.toContain('NextMarker');
  });

  it('groups by delimiter and pages with marker and NextMarker, ignoring ListObjectsV2 parameters', async () => {
    const grouped = await (await request(obs('?prefix=resnet50/output/&delimiter=/'), { headers: signed('') })).body.text();
    expect([...grouped.matchAll(/<CommonPrefixes><Prefix>([^<]+)</g)].map((m) => m[1])).toEqual(['resnet50/output/logs/', 'resnet50/output/model/']);
    expect([...grouped.matchAll(/<Key>([^<]+)</g)].map((m) => m[1])).toEqual(['resnet50/output/metrics.json']);

    const keys: string[] = [];
    let marker: string | undefined;
    for (let page = 0; page < 10; page += 1) {
      const query = `?list-type=2&prefix=resnet50/&max-keys=1${marker ? `&marker=${encodeURIComponent(marker)}` : ''}`;
      const xml = await (await request(obs(query), { headers: signed('') })).body.text();
      expect(xml).not.toContain('ContinuationToken');
      keys.push(...[...xml.matchAll(/<Key>([^<]+)</g)].map((m) => m[1] ?? ''));
      marker = /<NextMarker>([^<]+)</.exec(xml)?.[1];
      if (!marker) break;
    }
    expect(keys).toHaveLength(4);
    expect(new Set(keys).size).toBe(4);
  });

  it('serves GET, HEAD and Range for objects', async () => {
    const get = await request(obs('/resnet50/output/model/resnet50.pth'), { headers: signed('/resnet50/output/model/resnet50.pth') });
    const bytes = Buffer.from(await get.body.arrayBuffer());
    expect(bytes.length).toBe(4096);
    expect(bytes[1]).toBe(31);
    expect(get.headers.etag).toMatch(/^"[0-9a-f]{32}"$/);
    const head = await request(obs('/resnet50/output/metrics.json'), { method: 'HEAD', headers: signed('/resnet50/output/metrics.json', { method: 'HEAD' }) });
    expect(head.headers['content-length']).toBe('28');
    expect(head.headers['content-type']).toBe('application/json');
    await head.body.dump();
    const range = await request(obs('/resnet50/output/metrics.json'), { headers: { ...signed('/resnet50/output/metrics.json'), range: 'bytes=1-5' } });
    expect(await range.body.text()).toBe('"top1');
  });

  it('verifies header signatures in both schemes OBS accepts, security tokens included', async () => {
    const path = '/resnet50/output/metrics.json';
    const obsScheme = await request(obs(path), { headers: signed(path, { scheme: 'OBS', extra: { 'x-obs-security-token': 'tok' } }) });
    expect(obsScheme.statusCode).toBe(200);
    await obsScheme.body.dump();
    const awsScheme = await request(obs(path), { headers: signed(path, { extra: { 'x-amz-security-token': 'tok' } }) });
    expect(awsScheme.statusCode).toBe(200);
    await awsScheme.body.dump();
    // The same signature under the other scheme's header prefix does not verify.
    const crossed = signed(path, { extra: { 'x-amz-security-token': 'tok' } });
    const wrong = await request(obs(path), { headers: { ...crossed, authorization: crossed.authorization.replace(/^AWS/, 'OBS') } });
    expect(wrong.statusCode).toBe(403);
    expect(await wrong.body.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
    const tampered = await request(obs('/resnet50/output/model/config.json'), { headers: signed(path) });
    expect(tampered.statusCode).toBe(403);
    expect(await tampered.body.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
    const stale = signed(path);
    const skewed = await request(obs(path), { headers: { ...stale, date: new Date(now - 16 * 60 * 1000).toUTCString() } });
    expect(skewed.statusCode).toBe(403);
    expect(await skewed.body.text()).toContain('<Code>RequestTimeTooSkewed</Code>');
  });

  it('requires the configured AK and answers S3 error codes', async () => {
    const anonymous = await request(obs('/resnet50/output/metrics.json'));
    expect(anonymous.statusCode).toBe(403);
    expect(await anonymous.body.text()).toContain('<Code>AccessDenied</Code>');
    const stranger = await request(obs('/resnet50/output/metrics.json'), { headers: { authorization: 'AWS OTHERKEY:sig' } });
    expect(await stranger.body.text()).toContain('<Code>InvalidAccessKeyId</Code>');
    const missing = await request(obs('/resnet50/output/nope'), { headers: signed('/resnet50/output/nope') });
    expect(missing.statusCode).toBe(404);
    expect(await missing.body.text()).toContain('<Code>NoSuchKey</Code>');
    const noBucket = await request(`${emulator.endpoint}/obs/no-such-bucket/x`, { headers: { ...signed(''), authorization: 'AWS x:y' } });
    expect(noBucket.statusCode).toBe(403);
    await noBucket.body.dump();
  });
});
