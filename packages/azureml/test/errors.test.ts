// Error mapping and fault tolerance through the emulator's fault injection: not found, auth,
// throttling (retried, then Throttled), 5xx (retried, then ProviderError), dropped connections; and no
// log line lost or repeated while faults fire, across cursor resumes too.
import { RunlensError } from '@runlens/core';
import { failureOf as failure } from '@runlens/core/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { collect, referenceTimeline, setup, strip, type Setup } from './support.js';

const T = Date.UTC(2025, 5, 1, 7);
const iso = (ms: number) => new Date(ms).toISOString();

/** How many attempts a request that gave up says it made. */
const attemptsIn = (error: RunlensError) => Number(/after (\d+) attempts?/.exec(error.message)?.[1]);

describe('azureml error mapping', { timeout: 15_000 }, () => {
  let s: Setup;
  /** For the requests that never succeed: a retry budget of 1.5 s instead of minutes. */
  const brief = () => s.with({}, {}, { budgetMs: 1_500 });

  beforeAll(async () => {
    s = await setup({ scenarios: true });
  });
  afterEach(() => s.emulator.faults.clear());
  afterAll(() => s?.close());

  it('maps a missing job to NotFound with the service code and no URL', async () => {
    const error = await failure(s.runlens.describe('azureml:no-such-job'));
    expect(error.code).toBe('NotFound');
    expect(error.status).toBe(404);
    expect(error.providerCode).toBe('UserError');
    expect(error.message).toBe("azureml run no-such-job: job 'no-such-job' not found in workspace 'rl-emulator-ws' [UserError]");
    const elsewhere = await failure(s.runlens.describe(`azureml:/subscriptions/${s.emulator.subscriptionId}/resourceGroups/other-rg/providers/Microsoft.MachineLearningServices/workspaces/ws/jobs/x`));
    expect(elsewhere.code).toBe('NotFound');
    expect(elsewhere.providerCode).toBe('ResourceGroupNotFound');
    expect(elsewhere.message).toContain("workspace 'ws' (resource group 'other-rg'");
  });

  it('maps a missing artifact and an unknown metric run to NotFound', async () => {
    expect((await failure(s.runlens.openArtifact('azureml:rl-az-seed004', 'outputs/nope.bin'))).code).toBe('NotFound');
  });

  it('maps a rejected token to AuthError (HTTP 401), without the token in the message', async () => {
    const wrong = s.with({}, { AZUREML_ACCESS_TOKEN: 'not-the-right-token-123' });
    const error = await failure(wrong.describe('azureml:rl-az-completed-2node'));
    expect(error.code).toBe('AuthError');
    expect(error.status).toBe(401);
    expect(error.providerCode).toBe('InvalidAuthenticationToken');
    expect(error.message).not.toContain('not-the-right-token-123');
  });

  it('retries ARM throttling (429 with Retry-After) through core, the SDK sending each attempt once', async () => {
    s.emulator.resetRequests();
    const fault = s.emulator.faults.inject({ path: '/jobs/rl-az-failed', kind: 'throttle', times: 2, delayMs: 0 });
    const run = await s.runlens.describe('azureml:rl-az-failed', { evidence: false });
    expect(run.status).toBe('failed');
    expect(fault.hits).toBe(2);
    expect(s.emulator.requests.filter((r) => r.path.endsWith('/jobs/rl-az-failed')).map((r) => r.status)).toEqual([429, 429, 200]);
  });

  it('gives up on lasting throttling with Throttled, keeping the code and Retry-After', async () => {
    s.emulator.resetRequests();
    s.emulator.faults.inject({ path: '/jobs/rl-az-failed', kind: 'throttle', delayMs: 1000 });
    const error = await failure(brief().describe('azureml:rl-az-failed'));
    expect(error.code).toBe('Throttled');
    expect(error.providerCode).toBe('TooManyRequests');
    expect((error.cause as RunlensError).retryAfterMs).toBe(1000);
    // Each attempt waited the Retry-After; the one that would have passed the 1.5 s budget was not made.
    expect(error.message).toMatch(/still throttled after \d+ attempts? in [\d.]+ m?s, and the service asks to wait 1\.0 s more: /);
    // core's attempts, and not one more from the SDK
    expect(s.emulator.requests.filter((r) => r.path.endsWith('/jobs/rl-az-failed'))).toHaveLength(attemptsIn(error));
  });

  it('retries 5xx from Run History and MLflow, then gives up with ProviderError', async () => {
    s.emulator.faults.inject({ path: '/history/', kind: '503', times: 2 });
    s.emulator.faults.inject({ path: 'metrics/get-history', kind: '500', times: 2 });
    const { series } = await s.runlens.metrics('azureml:rl-az-running');
    expect(series.find((x) => x.name === 'loss')?.points).toHaveLength(50);
    s.emulator.faults.clear();
    s.emulator.faults.inject({ path: '/history/', kind: '500' });
    const error = await failure(brief().describe('azureml:rl-az-running'));
    expect(error.code).toBe('ProviderError');
    expect(error.status).toBe(500);
    expect(error.providerCode).toBe('ServiceError');
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/still failing after \d+ attempts in [\d.]+ s \(the retry budget is 1\.5 s\)/);
  });

  it('reads string and list metrics through clustered metric service faults, every value once', async () => {
    const clean = await s.runlens.metrics('azureml:rl-az-seed004');
    s.emulator.resetRequests();
    // four faults in a row on the metric service: two throttles, a 503 and a dropped connection
    const faults = [
      s.emulator.faults.inject({ path: '/metric/v2.0/', kind: 'throttle', times: 2, delayMs: 0 }),
      s.emulator.faults.inject({ path: '/metric/v2.0/', kind: '503', times: 1 }),
      s.emulator.faults.inject({ path: '/metric/v2.0/', kind: 'drop', times: 1 }),
    ];
    const faulty = await s.runlens.metrics('azureml:rl-az-seed004');
    expect(faulty.series).toEqual(clean.series);
    expect(faults.map((f) => f.hits)).toEqual([2, 1, 1]);
    expect(s.emulator.requests.filter((r) => r.surface === 'metric' && r.status === 200).length).toBeGreaterThanOrEqual(4);
  });

  it('maps storage throttling (503 ServerBusy) to Throttled and dropped connections to retryable ProviderErrors', async () => {
    const quick = brief();
    s.emulator.faults.inject({ path: '/blob/', kind: 'throttle' });
    const throttledError = await failure(quick.logs('azureml:rl-az-failed').then((r) => collect(r)));
    expect(throttledError.code).toBe('Throttled');
    expect(throttledError.providerCode).toBe('ServerBusy');
    s.emulator.faults.clear();
    s.emulator.faults.inject({ path: '/blob/', kind: 'drop' });
    const dropped = await failure(quick.logs('azureml:rl-az-failed').then((r) => collect(r)));
    expect(dropped.code).toBe('ProviderError');
    expect(dropped.retryable).toBe(true);
    expect(dropped.message).not.toMatch(/sig=|se=/);
  });
});

describe('azureml storage links that keep failing', () => {
  let s: Setup;
  let now = Date.UTC(2025, 0, 1);

  beforeAll(async () => {
    // Every read of the clock is two hours later: each link has expired by the time it is used.
    s = await setup({ clock: () => (now += 2 * 3_600_000) });
    s.emulator.putJob({ name: 'always-expired', status: 'Completed', instanceCount: 1 });
    s.emulator.setLog('always-expired', 'user_logs/std_log.txt', 'a line\n');
  });
  afterAll(() => s?.close());

  it('fetches fresh links once, then reports AuthError (403) without the signed link', async () => {
    s.emulator.resetRequests();
    const error = await failure(s.runlens.logs('azureml:always-expired').then((r) => collect(r)));
    expect(error.code).toBe('AuthError');
    expect(error.status).toBe(403);
    expect(error.providerCode).toBe('AuthenticationFailed');
    expect(error.message).toContain("log file 'user_logs/std_log.txt'");
    expect(error.message).not.toMatch(/sig=|se=|sv=|\/blob\//);
    // one listing for the streams, one more for fresh links after the first 403, and no retry of a 403
    expect(s.emulator.requests.filter((r) => r.surface === 'blob').map((r) => r.status)).toEqual([403, 403]);
  });
});

describe('azureml logs under faults', { timeout: 20_000 }, () => {
  let s: Setup;
  const files: Record<string, { node: string; text: string }> = {};
  for (let r = 0; r < 3; r++) {
    let text = '';
    for (let i = 0; i < 150; i++) {
      text += `${iso(T + i * 100 + (i % 2 ? r : 0))} rank ${r} line ${i} ✓\n`;
      if (i % 10 === 3) text += `  continuation of ${i} ✓\n`;
    }
    files[`user_logs/std_log_process_${r}.txt`] = { node: `rank-${r}`, text };
  }
  const expected = referenceTimeline(files, T);

  beforeAll(async () => {
    // Faults fire on many requests here; core's time budget rides them out, so only a lost line can fail the test.
    // Rates high enough that the adaptive budget's slow-downs under constant injected throttling stay short.
    s = await setup({}, { logPageBytes: 512, requestsPerSecond: 10_000 });
    s.emulator.putJob({ name: 'faulty', status: 'Completed', instanceCount: 3, startedAt: T, endedAt: T + 60_000 });
    for (const [path, file] of Object.entries(files)) s.emulator.setLog('faulty', path, file.text);
  });
  afterEach(() => s.emulator.faults.clear());
  afterAll(() => s?.close());

  it('loses and repeats no line while storage throttles, fails and drops connections', async () => {
    s.emulator.resetRequests();
    const faults = [
      s.emulator.faults.inject({ path: '/blob/', kind: 'throttle', every: 3, times: 20, delayMs: 0 }),
      s.emulator.faults.inject({ path: '/blob/', kind: '500', every: 5, times: 10 }),
      s.emulator.faults.inject({ path: '/blob/', kind: 'drop', every: 7, times: 8 }),
      s.emulator.faults.inject({ path: '/history/', kind: '503', every: 2, times: 3 }),
    ];
    expect(strip(await collect(await s.runlens.logs('azureml:faulty')))).toEqual(expected);
    expect(faults.every((f) => f.hits > 0)).toBe(true);
  });

  it('loses and repeats no line when one rank\'s log meets a throttle, a reset, a 503, a 500 and another throttle in a row', async () => {
    // Three ranks read in parallel; each cluster lands on one ranged read of rank 1 and its retries.
    s.emulator.resetRequests();
    const cluster = s.emulator.faults.inject({ path: 'std_log_process_1.txt', sequence: ['throttle', 'drop', '503', '500', 'throttle'], every: 3, times: 3, delayMs: 0 });
    const longer = s.emulator.faults.inject({ path: 'std_log_process_2.txt', sequence: ['500', 'throttle', 'throttle', 'drop', '503', 'throttle', '500', 'throttle'], times: 1, delayMs: 0 });
    s.emulator.faults.inject({ path: '/history/', sequence: ['503', 'throttle', 'drop', '500', 'throttle', '503'], times: 1, delayMs: 0 });
    s.emulator.faults.inject({ path: '/blob/', kind: 'drop', every: 9 });
    expect(strip(await collect(await s.runlens.logs('azureml:faulty')))).toEqual(expected);
    expect([cluster.hits, longer.hits]).toEqual([15, 8]);
    // A cluster is one request retried: the same Range five times in a row, then once more to succeed.
    const ranges = s.emulator.requests.filter((r) => r.path.includes('std_log_process_1.txt')).map((r) => `${r.headers['range'] ?? 'whole'}`);
    const firstCluster = ranges.slice(2, 8);
    expect(new Set(firstCluster).size).toBe(1);
  });

  it('resumes cursors exactly while faults fire', async () => {
    s.emulator.faults.inject({ path: '/blob/', kind: 'drop', every: 4 });
    s.emulator.faults.inject({ path: '/blob/', kind: 'throttle', every: 5, delayMs: 0 });
    for (const cut of [1, 150, 299, expected.length - 1]) {
      const reader = await s.runlens.logs('azureml:faulty');
      const first = await collect(reader, cut);
      const rest = await collect(await s.runlens.logs('azureml:faulty', { cursor: reader.cursor() }));
      expect(strip([...first, ...rest]), `cut ${cut}`).toEqual(expected);
    }
  });

  it('follows through faults and ends with the run, each line once', async () => {
    s.emulator.putJob({ name: 'faulty-live', status: 'Running', instanceCount: 2, startedAt: T });
    s.emulator.setLog('faulty-live', 'user_logs/std_log_process_0.txt', `${iso(T)} zero 0\n`);
    s.emulator.faults.inject({ path: '/blob/', kind: 'drop', every: 3 });
    s.emulator.faults.inject({ path: '/history/', kind: 'throttle', every: 4, delayMs: 0 });
    s.emulator.faults.inject({ path: '/jobs/', kind: '503', every: 3 });
    const reader = await s.runlens.logs('azureml:faulty-live', { follow: true, pollIntervalMs: { min: 10, max: 20 } });
    const seen: string[] = [];
    let n = 0;
    for await (const record of reader) {
      seen.push(record.message);
      if (n < 20) {
        n++;
        s.emulator.appendLog('faulty-live', `user_logs/std_log_process_${n % 2}.txt`, `${iso(T + n)} ${n % 2 ? 'one' : 'zero'} ${n}\n`);
        if (n === 20) s.emulator.setStatus('faulty-live', 'Completed');
      }
    }
    expect(seen).toEqual(Array.from({ length: 21 }, (_, i) => `${i % 2 ? 'one' : 'zero'} ${i}`));
  });
});
