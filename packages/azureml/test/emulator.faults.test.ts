import { request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { startAzuremlEmulator } from '../src/testing/index.js';

import type { AzuremlEmulator } from '../src/testing/index.js';

describe('azureml emulator: fault injection', () => {
  let emulator: AzuremlEmulator;
  let auth: Record<string, string>;
  let armJob: string;
  let details: string;
  let runsGet: string;

  beforeAll(async () => {
    emulator = await startAzuremlEmulator({ scenarios: true });
    auth = { authorization: `Bearer ${emulator.token}` };
    armJob = `${emulator.url}${emulator.scopePath}/jobs/rl-az-failed?api-version=2022-10-01`;
    details = `${emulator.url}/history/v1.0${emulator.scopePath}/runs/rl-az-failed/details`;
    runsGet = `${emulator.url}/mlflow/v2.0${emulator.scopePath}/api/2.0/mlflow/runs/get?run_id=rl-az-failed`;
  });

  afterEach(() => {
    emulator.faults.clear();
  });

  afterAll(async () => {
    await emulator.close();
  });

  async function call(url: string, headers: Record<string, string> = auth) {
    const response = await request(url, { headers });
    return { status: response.statusCode, headers: response.headers, text: await response.body.text() };
  }

  async function logUrl(): Promise<string> {
    const body = JSON.parse((await call(details)).text) as { logFiles: Record<string, string> };
    return body.logFiles['user_logs/std_log.txt'] ?? '';
  }

  it('throttle: ARM and the data-plane gateway answer 429 TooManyRequests with Retry-After', async () => {
    emulator.faults.inject({ path: /\/jobs\/|\/mlflow\//, kind: 'throttle', delayMs: 1500 });
    const arm = await call(armJob);
    expect(arm.status).toBe(429);
    expect(arm.headers['retry-after']).toBe('2');
    expect(JSON.parse(arm.text).error.code).toBe('TooManyRequests');
    const mlflow = await call(runsGet);
    expect(mlflow.status).toBe(429);
    expect(JSON.parse(mlflow.text).error.code).toBe('TooManyRequests');
    expect((await call(details)).status).toBe(200);
  });

  it('throttle on a blob is Azure Storage 503 ServerBusy', async () => {
    const url = await logUrl();
    emulator.faults.inject({ path: '/blob/', kind: 'throttle', delayMs: 1000 });
    const blob = await call(url, {});
    expect(blob.status).toBe(503);
    expect(blob.headers['retry-after']).toBe('1');
    expect(blob.headers['x-ms-error-code']).toBe('ServerBusy');
    expect(blob.text).toContain('<Code>ServerBusy</Code>');
  });

  it('500 speaks each surface dialect', async () => {
    emulator.faults.inject({ kind: '500' });
    expect(JSON.parse((await call(armJob)).text).error.code).toBe('InternalServerError');
    const history = await call(details);
    expect(history.status).toBe(500);
    expect(JSON.parse(history.text).error.code).toBe('ServiceError');
    const mlflow = await call(runsGet);
    expect(mlflow.status).toBe(500);
    expect(JSON.parse(mlflow.text).error_code).toBe('INTERNAL_ERROR');
  });

  it('503 on ARM, MLflow and blobs', async () => {
    const url = await logUrl();
    emulator.faults.inject({ kind: '503' });
    const arm = await call(armJob);
    expect(arm.status).toBe(503);
    expect(JSON.parse(arm.text).error.code).toBe('ServiceUnavailable');
    expect(JSON.parse((await call(runsGet)).text).error_code).toBe('TEMPORARILY_UNAVAILABLE');
    const blob = await call(url, {});
    expect(blob.status).toBe(503);
    expect(blob.headers['x-ms-error-code']).toBe('ServerBusy');
  });

  it('drop closes the connection without a response', async () => {
    emulator.resetRequests();
    emulator.faults.inject({ path: '/details', kind: 'drop', times: 1 });
    await expect(call(details)).rejects.toThrow(/other side closed|socket|ECONNRESET/i);
    expect(emulator.requests[0]?.status).toBe(0);
    expect((await call(details)).status).toBe(200);
  });

  it('slow delays the answer by delayMs and still answers', async () => {
    emulator.faults.inject({ path: 'runs/get', kind: 'slow', delayMs: 150 });
    const started = performance.now();
    const slow = await call(runsGet);
    expect(slow.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('every and times select which matching requests fail; cancel() retires a fault', async () => {
    const fault = emulator.faults.inject({ path: '/jobs/', kind: '500', every: 2, times: 2 });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i += 1) statuses.push((await call(armJob)).status);
    expect(statuses).toEqual([200, 500, 200, 500, 200, 200]);
    expect(fault.hits).toBe(2);

    const forever = emulator.faults.inject({ path: '/jobs/', kind: '503' });
    expect((await call(armJob)).status).toBe(503);
    forever.cancel();
    expect((await call(armJob)).status).toBe(200);
  });

  it('faults fire before authentication, like a gateway', async () => {
    emulator.faults.inject({ path: '/jobs/', kind: 'throttle', times: 1, delayMs: 0 });
    const anonymous = await call(armJob, {});
    expect(anonymous.status).toBe(429);
    expect(anonymous.headers['retry-after']).toBe('0');
    expect((await call(armJob, {})).status).toBe(401);
  });
});
