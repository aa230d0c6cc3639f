import { createHmac } from 'node:crypto';
import { request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { callEmulator, SCENARIO, startModelartsEmulator, type ModelartsEmulator } from '../src/testing/index.js';

let emulator: ModelartsEmulator;
let detailPath: string;

beforeAll(async () => {
  emulator = await startModelartsEmulator({ scenarios: true });
  detailPath = `/v2/${emulator.projectId}/training-jobs/${SCENARIO.completedJobId}`;
});
afterEach(() => emulator.faults.clear());
afterAll(() => emulator.close());

const statuses = async (count: number, path = detailPath) => {
  const out: number[] = [];
  for (let i = 0; i < count; i += 1) out.push((await callEmulator(emulator, path)).status);
  return out;
};

describe('fault injection', () => {
  it('throttle429: ModelArts.2799 with Retry-After, for `times` requests', async () => {
    emulator.faults.inject({ kind: 'throttle429', times: 2, delayMs: 3000 });
    const first = await callEmulator(emulator, detailPath);
    expect(first.status).toBe(429);
    expect(first.headers['retry-after']).toBe('3');
    expect(JSON.parse(first.text)).toEqual({ error_code: 'ModelArts.2799', error_msg: 'Too many requests' });
    expect(await statuses(2)).toEqual([429, 200]);
  });

  it('throttle2799: same 429 body without Retry-After', async () => {
    emulator.faults.inject({ kind: 'throttle2799', times: 1 });
    const res = await callEmulator(emulator, detailPath);
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toBeUndefined();
    expect(JSON.parse(res.text)).toMatchObject({ error_code: 'ModelArts.2799' });
  });

  it('500 and 503 answer with service and gateway error bodies', async () => {
    emulator.faults.inject({ kind: '500', times: 1 });
    emulator.faults.inject({ kind: '503', times: 1 });
    const internal = await callEmulator(emulator, detailPath);
    expect(internal.status).toBe(500);
    expect(JSON.parse(internal.text)).toEqual({ error_code: 'ModelArts.0010', error_msg: 'Internal service error.' });
    const unavailable = await callEmulator(emulator, detailPath);
    expect(unavailable.status).toBe(503);
    expect(unavailable.headers.server).toBe('api-gateway');
    expect(JSON.parse(unavailable.text)).toMatchObject({ error_code: 'APIGW.0201', request_id: expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect(await statuses(1)).toEqual([200]);
  });

  it('drop closes the connection without an answer', async () => {
    emulator.faults.inject({ kind: 'drop', times: 1 });
    await expect(callEmulator(emulator, detailPath)).rejects.toThrow(/other side closed|socket|ECONNRESET/i);
    expect(await statuses(1)).toEqual([200]);
  });

  it('slow delays the normal answer by delayMs', async () => {
    emulator.faults.inject({ kind: 'slow', times: 1, delayMs: 150 });
    const started = performance.now();
    const res = await callEmulator(emulator, detailPath);
    expect(res.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('every N fires on the Nth, 2Nth, ... matching request only', async () => {
    emulator.faults.inject({ kind: '500', every: 2 });
    expect(await statuses(4)).toEqual([200, 500, 200, 500]);
  });

  it('matches paths by substring or RegExp and leaves others alone', async () => {
    emulator.faults.inject({ kind: '503', path: '/events' });
    emulator.faults.inject({ kind: '500', path: /\/metrics\/worker-1$/ });
    expect(await statuses(1, `${detailPath}/events`)).toEqual([503]);
    expect(await statuses(1, `${detailPath}/metrics/worker-1`)).toEqual([500]);
    expect(await statuses(1, `${detailPath}/metrics/worker-0`)).toEqual([200]);
    emulator.faults.clear();
    expect(await statuses(1, `${detailPath}/events`)).toEqual([200]);
  });

  it('answers S3-style XML under /obs', async () => {
    emulator.faults.inject({ kind: 'throttle429', path: '/obs/' });
    const res = await request(`${emulator.endpoint}/obs/${SCENARIO.bucket}/resnet50/output/metrics.json`);
    expect(res.statusCode).toBe(503);
    expect(await res.body.text()).toContain('<Code>SlowDown</Code>');
  });

  it('cut closes the connection halfway through a normal body', async () => {
    emulator.faults.inject({ kind: 'cut', times: 1, path: '/obs/' });
    const url = `${emulator.endpoint}/obs/${SCENARIO.bucket}/resnet50/output/model/resnet50.pth`;
    // OBS's documented header signature: base64 HMAC-SHA1 over VERB, MD5, type, Date and /bucket/key.
    const date = new Date(emulator.now()).toUTCString();
    const signature = createHmac('sha1', emulator.credentials.secretKey).update(`GET\n\n\n${date}\n/${SCENARIO.bucket}/resnet50/output/model/resnet50.pth`).digest('base64');
    const headers = { date, authorization: `OBS ${emulator.credentials.accessKey}:${signature}` };
    const res = await request(url, { headers });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-length']).toBe('4096');
    await expect(res.body.arrayBuffer()).rejects.toThrow();
    const again = await request(url, { headers });
    expect((await again.body.arrayBuffer()).byteLength).toBe(4096);
  });
});
