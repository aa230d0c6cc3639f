import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { FAILED_TRACEBACK, startAzuremlEmulator } from '../src/testing/index.js';

import type { AzuremlEmulator } from '../src/testing/index.js';

interface RunDetails {
  runId: string;
  status: string;
  createdTimeUtc: string;
  startTimeUtc: string | null;
  endTimeUtc: string | null;
  target: string;
  compute: { target: string; instanceCount: number; vmSize: string };
  error: { error: { code: string; message: string; details: unknown[]; messageParameters: Record<string, string> } } | null;
  tags: Record<string, string>;
  logFiles: Record<string, string>;
}

async function getJson<T>(url: string, token?: string): Promise<{ status: number; body: T }> {
  const response = await request(url, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
  return { status: response.statusCode, body: (await response.body.json()) as T };
}

async function download(url: string, headers: Record<string, string> = {}, method: 'GET' | 'HEAD' = 'GET') {
  const response = await request(url, { method, headers });
  return { status: response.statusCode, headers: response.headers, text: await response.body.text() };
}

describe('azureml emulator: Run History details and log downloads', () => {
  let now = Date.UTC(2024, 4, 14, 12, 0, 0);
  let emulator: AzuremlEmulator;
  let noRanges: AzuremlEmulator;
  const details = (em: AzuremlEmulator, runId: string) =>
    getJson<RunDetails>(`${em.url}/history/v1.0${em.scopePath}/runs/${runId}/details`, em.token);

  beforeAll(async () => {
    emulator = await startAzuremlEmulator({ scenarios: true, clock: () => now });
    noRanges = await startAzuremlEmulator({ scenarios: true, rangeSupport: false });
  });

  afterAll(async () => {
    await Promise.all([emulator.close(), noRanges.close()]);
  });

  it('details of the 2-node job give times, compute and per-rank log URLs', async () => {
    const { status, body } = await details(emulator, 'rl-az-completed-2node');
    expect(status).toBe(200);
    expect(body.status).toBe('Completed');
    expect(body.createdTimeUtc).toBe('2024-05-14T09:00:00.000Z');
    expect(body.startTimeUtc).toBe('2024-05-14T09:03:12.000Z');
    expect(body.endTimeUtc).toBe('2024-05-14T09:41:55.000Z');
    expect(body.error).toBeNull();
    expect(body.compute).toMatchObject({ target: 'gpu-cluster', instanceCount: 2, vmSize: 'Standard_NC12s_v3' });
    expect(Object.keys(body.logFiles)).toEqual([
      'azureml-logs/70_driver_log.txt',
      'user_logs/std_log_process_0.txt',
      'user_logs/std_log_process_1.txt',
      'user_logs/std_log_process_2.txt',
      'user_logs/std_log_process_3.txt',
    ]);
    const url = new URL(body.logFiles['user_logs/std_log_process_3.txt'] ?? '');
    expect(url.origin).toBe(emulator.url);
    expect(url.pathname).toBe('/blob/azureml/ExperimentRun/dcid.rl-az-completed-2node/user_logs/std_log_process_3.txt');
    expect([...url.searchParams.keys()]).toEqual(['sv', 'st', 'se', 'sr', 'sp', 'sig']);
    expect(url.searchParams.get('sv')).toBe('2021-08-06');
  });

  it('the experiments/{name} variant finds the run only in its experiment', async () => {
    const base = `${emulator.url}/history/v1.0${emulator.scopePath}/experiments`;
    expect((await getJson<RunDetails>(`${base}/runs-lens/runs/rl-az-failed/details`, emulator.token)).status).toBe(404);
    const found = await getJson<RunDetails>(`${base}/runlens-scenarios/runs/rl-az-failed/details`, emulator.token);
    expect(found.body.runId).toBe('rl-az-failed');
  });

  it('a failed run carries RunDetails.error and a traceback in std_log.txt', async () => {
    const { body } = await details(emulator, 'rl-az-failed');
    expect(body.status).toBe('Failed');
    expect(body.error?.error.code).toBe('UserError');
    expect(body.error?.error.message).toContain("User process 'python' exited with status code 1");
    expect(body.error?.error.message).toContain("ModuleNotFoundError: No module named 'torchvision'");
    expect(body.error?.error.messageParameters.exitCode).toBe('1');
    const log = await download(body.logFiles['user_logs/std_log.txt'] ?? '');
    expect(log.status).toBe(200);
    expect(log.text.endsWith(`${FAILED_TRACEBACK}\n`)).toBe(true);
    expect(log.text.split('\n')[0]).toMatch(/^2024-05-14T10:02:05\.000Z INFO +Starting training script/);
  });

  it('a missing run is 404 UserError in the Run History ErrorResponse shape', async () => {
    const { status, body } = await getJson<{ error: { code: string; innerError: { code: string } }; location: string }>(
      `${emulator.url}/history/v1.0${emulator.scopePath}/runs/nope/details`, emulator.token);
    expect(status).toBe(404);
    expect(body.error.code).toBe('UserError');
    expect(body.error.innerError.code).toBe('NotFoundError');
    expect(body.location).toBe('eastus');
  });

  it('requires the bearer token', async () => {
    const missing = await getJson<{ error: { code: string } }>(
      `${emulator.url}/history/v1.0${emulator.scopePath}/runs/rl-az-failed/details`);
    expect(missing.status).toBe(401);
    expect(missing.body.error.code).toBe('AuthenticationFailed');
    const wrong = await getJson<{ error: { code: string } }>(
      `${emulator.url}/history/v1.0${emulator.scopePath}/runs/rl-az-failed/details`, 'stale');
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('InvalidAuthenticationToken');
  });

  it('log URLs honour Range (206, Content-Range), HEAD and If-None-Match', async () => {
    const { body } = await details(emulator, 'rl-az-completed-2node');
    const url = body.logFiles['user_logs/std_log_process_0.txt'] ?? '';
    const whole = await download(url);
    expect(whole.status).toBe(200);
    expect(whole.headers['accept-ranges']).toBe('bytes');
    expect(whole.headers['x-ms-blob-type']).toBe('AppendBlob');
    const size = Number(whole.headers['content-length']);
    expect(size).toBe(Buffer.byteLength(whole.text));
    expect(whole.text.split('\n')[0]).toBe(
      '2024-05-14T09:03:12.000Z INFO    Rank 0 (node 0, local rank 0) starting on 10.0.0.4');
    expect(whole.text).toContain('\n  warnings.warn(_create_warning_msg(\n');

    const tail = await download(url, { range: `bytes=${size - 60}-` });
    expect(tail.status).toBe(206);
    expect(tail.headers['content-range']).toBe(`bytes ${size - 60}-${size - 1}/${size}`);
    expect(tail.text).toBe(whole.text.slice(-60));
    expect(tail.text.endsWith('Training complete; saved outputs/checkpoints/model_final.pt\n')).toBe(true);

    const middle = await download(url, { 'x-ms-range': 'bytes=10-19' });
    expect(middle.status).toBe(206);
    expect(middle.text).toBe(whole.text.slice(10, 20));

    const beyond = await download(url, { range: `bytes=${size}-` });
    expect(beyond.status).toBe(416);
    expect(beyond.headers['content-range']).toBe(`bytes */${size}`);
    expect(beyond.headers['x-ms-error-code']).toBe('InvalidRange');

    const head = await download(url, {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(Number(head.headers['content-length'])).toBe(size);
    expect(head.text).toBe('');

    const etag = String(whole.headers.etag);
    expect((await download(url, { 'if-none-match': etag })).status).toBe(304);
  });

  it('with rangeSupport:false a ranged download answers 200 with the whole body', async () => {
    const { body } = await details(noRanges, 'rl-az-completed-2node');
    const url = body.logFiles['azureml-logs/70_driver_log.txt'] ?? '';
    const ranged = await download(url, { range: 'bytes=100-199' });
    expect(ranged.status).toBe(200);
    expect(ranged.headers['content-range']).toBeUndefined();
    expect(ranged.headers['accept-ranges']).toBeUndefined();
    expect(ranged.text.startsWith('2024-05-14T09:02:52.000Z INFO    Entering Run History Context Manager.\n')).toBe(true);
    expect(ranged.text.endsWith('The activity completed successfully. Finalizing run...\n')).toBe(true);
    expect(noRanges.bytesServed()).toBe(Buffer.byteLength(ranged.text));
  });

  it('blob URLs need a valid SAS: missing, tampered or expired → 403 AuthenticationFailed', async () => {
    const { body } = await details(emulator, 'rl-az-completed-2node');
    const url = new URL(body.logFiles['user_logs/std_log_process_1.txt'] ?? '');
    const bare = await download(`${url.origin}${url.pathname}`);
    expect(bare.status).toBe(403);
    expect(bare.headers['x-ms-error-code']).toBe('AuthenticationFailed');
    expect(bare.text).toContain('<Code>AuthenticationFailed</Code>');

    const tampered = new URL(url);
    tampered.pathname = tampered.pathname.replace('process_1', 'process_2');
    const other = await download(tampered.toString());
    expect(other.status).toBe(403);
    expect(other.text).toContain('<AuthenticationErrorDetail>Signature did not match.</AuthenticationErrorDetail>');

    const withBearer = await download(`${url.origin}${url.pathname}`, { authorization: `Bearer ${emulator.token}` });
    expect(withBearer.status).toBe(403);

    now += 2 * 60 * 60 * 1000;
    const expired = await download(url.toString());
    expect(expired.status).toBe(403);
    expect(expired.text).toContain('Signature not valid in the specified time frame');
    const fresh = await details(emulator, 'rl-az-completed-2node');
    expect((await download(fresh.body.logFiles['user_logs/std_log_process_1.txt'] ?? '')).status).toBe(200);
  });

  it('a running job grows: appended lines, a new rank file, then Finalizing and Completed', async () => {
    const start = await details(emulator, 'rl-az-running');
    expect(start.body.status).toBe('Running');
    expect(start.body.endTimeUtc).toBeNull();
    expect(Object.keys(start.body.logFiles)).toEqual(['user_logs/std_log_process_0.txt', 'user_logs/std_log_process_1.txt']);
    const url0 = start.body.logFiles['user_logs/std_log_process_0.txt'] ?? '';
    const before = await download(url0);
    const size = Buffer.byteLength(before.text);

    emulator.appendLog('rl-az-running', 'user_logs/std_log_process_0.txt', 'step 50 loss 0.61\n');
    emulator.appendLog('rl-az-running', 'user_logs/std_log_process_2.txt', 'late rank 2 joins\n');
    const grown = await download(url0, { range: `bytes=${size}-` });
    expect(grown.status).toBe(206);
    expect(grown.text).toBe('step 50 loss 0.61\n');
    expect(grown.headers.etag).not.toBe(before.headers.etag);

    now = Date.UTC(2024, 4, 14, 13, 0, 0);
    emulator.setStatus('rl-az-running', 'Finalizing');
    const finalizing = await details(emulator, 'rl-az-running');
    expect(finalizing.body.status).toBe('Finalizing');
    expect(finalizing.body.endTimeUtc).toBeNull();
    expect(Object.keys(finalizing.body.logFiles)).toContain('user_logs/std_log_process_2.txt');

    now += 5000;
    emulator.setStatus('rl-az-running', 'Completed');
    const done = await details(emulator, 'rl-az-running');
    expect(done.body.status).toBe('Completed');
    expect(done.body.startTimeUtc).toBe('2024-05-14T11:01:00.000Z');
    expect(done.body.endTimeUtc).toBe('2024-05-14T13:00:05.000Z');
  });

  it('seedGrowingLogs serves generated fixed-width lines and counts bytes served', async () => {
    const logs = emulator.seedGrowingLogs('bench-job', { files: 8, bytesPerFile: 10_000 });
    expect(logs.paths).toHaveLength(8);
    expect(logs.totalBytes()).toBe(8 * 79 * 128);
    const { body } = await details(emulator, 'bench-job');
    expect(Object.keys(body.logFiles)).toEqual([...logs.paths].sort());
    emulator.resetRequests();
    const url = body.logFiles['user_logs/std_log_process_7.txt'] ?? '';
    const first = await download(url);
    expect(first.text.length).toBe(79 * 128);
    expect(first.text.slice(0, 128)).toMatch(/^2024-05-14T09:00:00\.000Z INFO {4}\[rank 7\] step 000000000 loss=2\.050000 .* {2,}\n$/);
    logs.grow(1000);
    expect(logs.totalBytes()).toBe(8 * 87 * 128);
    const more = await download(url, { range: `bytes=${79 * 128}-` });
    expect(more.text.length).toBe(8 * 128);
    expect(more.text.slice(0, 128)).toContain('step 000000079');
    expect(emulator.bytesServed()).toBe(87 * 128);
    expect(emulator.requests.map((r) => r.bytesSent)).toEqual([79 * 128, 8 * 128]);
  });
});
