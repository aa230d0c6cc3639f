// Error mapping through the emulator's real answers and injected faults: not found, auth failures,
// throttling (retried under core's budget, then Throttled), 5xx and dropped connections, config.
import { createRunlens, type RetryPolicy, type Runlens } from '@runlens/core';
import { failureOf as failure } from '@runlens/core/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { modelartsProvider } from '../src/index.js';
import { SCENARIO, startModelartsEmulator, type ModelartsEmulator } from '../src/testing/index.js';

let emulator: ModelartsEmulator;
const opened: Runlens[] = [];

/** Core's retry policy with a retry budget of 400 ms (not minutes), so requests that never succeed give up quickly. */
function open(env: Record<string, string | undefined> = {}, debug?: (m: string) => void, retry: Partial<RetryPolicy> = {}): Runlens {
  const rl = createRunlens({
    providers: [modelartsProvider],
    env: { ...emulator.env, ...env },
    settings: { modelarts: { requestsPerSecond: 100_000 } },
    retry: { budgetMs: 400, baseDelayMs: 5, maxDelayMs: 30, ...retry },
    ...(debug ? { debug } : {}),
  });
  opened.push(rl);
  return rl;
}

const completed = `modelarts:${SCENARIO.completedJobId}`;

beforeAll(async () => {
  emulator = await startModelartsEmulator({ scenarios: true });
});
afterEach(() => emulator.faults.clear());
afterAll(async () => {
  await Promise.all(opened.map((rl) => rl.close()));
  await emulator.close();
});

describe('not found', () => {
  it('HTTP 400 ModelArts.2775 is NotFound naming the provider and run', async () => {
    const error = await failure(open().describe('modelarts:00000000-0000-4000-8000-000000000000'));
    expect(error).toMatchObject({ code: 'NotFound', providerCode: 'ModelArts.2775', status: 400, retryable: false });
    expect(error.message).toBe('modelarts run 00000000-0000-4000-8000-000000000000: training job not found [ModelArts.2775]');
  });

  it('a missing v1 version is NotFound too', async () => {
    expect(await failure(open().describe('modelarts:182626/1'))).toMatchObject({ code: 'NotFound', providerCode: 'ModelArts.0102' });
  });

  it('a missing artifact is NotFound (OBS NoSuchKey)', async () => {
    expect(await failure(open().openArtifact(completed, 'model/nope.bin'))).toMatchObject({ code: 'NotFound', providerCode: 'NoSuchKey' });
  });

  it('a malformed id is InvalidInput', async () => {
    expect(await failure(open().describe('modelarts:../../etc'))).toMatchObject({ code: 'InvalidInput' });
  });
});

describe('authentication', () => {
  it('a wrong secret key is AuthError APIGW.0301 without the echoed canonical request or any secret', async () => {
    const error = await failure(open({ HUAWEICLOUD_SDK_SK: 'wrong-secret-key-0123456789' }).describe(completed));
    expect(error).toMatchObject({ code: 'AuthError', providerCode: 'APIGW.0301', status: 401 });
    expect(error.message).toContain('Incorrect IAM authentication information: verify aksk signature fail');
    expect(error.message).not.toMatch(/canonicalRequest|x-sdk-date|wrong-secret|Signature=/i);
  });

  it('an unknown access key, a bad IAM token and a foreign project are AuthErrors', async () => {
    expect(await failure(open({ HUAWEICLOUD_SDK_AK: 'UNKNOWNAK00000000000' }).describe(completed))).toMatchObject({ code: 'AuthError', providerCode: 'APIGW.0301' });
    const token = await failure(open({ HUAWEICLOUD_SDK_AK: undefined, HUAWEICLOUD_SDK_SK: undefined, HUAWEICLOUD_SDK_IAM_TOKEN: 'MIIbadTokenValue' }).describe(completed));
    expect(token).toMatchObject({ code: 'AuthError', providerCode: 'APIGW.0301' });
    expect(token.message).not.toContain('MIIbadTokenValue');
    expect(await failure(open({ HUAWEICLOUD_SDK_PROJECT_ID: 'another-project' }).describe(completed))).toMatchObject({ code: 'AuthError' });
  });

  it('an IAM token works for the API (X-Auth-Token)', async () => {
    const run = await open({ HUAWEICLOUD_SDK_AK: undefined, HUAWEICLOUD_SDK_SK: undefined, HUAWEICLOUD_SDK_IAM_TOKEN: emulator.iamToken }).describe(completed);
    expect(run.status).toBe('completed');
  });

  it('missing credentials are an AuthError naming the variables to set', async () => {
    const error = await failure(open({ HUAWEICLOUD_SDK_AK: undefined, HUAWEICLOUD_SDK_SK: undefined }).describe(completed));
    expect(error.code).toBe('AuthError');
    for (const name of ['HUAWEICLOUD_SDK_AK', 'HUAWEICLOUD_SDK_SK', 'HUAWEICLOUD_SDK_IAM_TOKEN']) expect(error.message).toContain(name);
    expect((await failure(open({ HUAWEICLOUD_SDK_PROJECT_ID: undefined }).describe(completed))).message).toContain('HUAWEICLOUD_SDK_PROJECT_ID');
  });

  it('http:// is refused for a non-loopback endpoint (by core, with the settings schema, before any request)', async () => {
    const error = await failure(Promise.resolve().then(() => open({ MODELARTS_ENDPOINT: 'http://modelarts.example.com' }).describe(completed)));
    expect(error.code).toBe('InvalidInput');
    expect(error.message).toContain('--modelarts-endpoint');
    expect(error.message).toContain('https://');
  });

  it('no secret reaches error messages or --debug lines', async () => {
    const lines: string[] = [];
    const secretToken = 'temporary-token-that-must-not-leak';
    const rl = open({ HUAWEICLOUD_SDK_SECURITY_TOKEN: secretToken }, (m) => lines.push(m));
    emulator.faults.inject({ path: SCENARIO.completedJobId, kind: '500', times: 1 });
    await rl.describe(completed);
    await rl.artifacts(completed);
    const error = await failure(open({ HUAWEICLOUD_SDK_SK: 'wrong-secret-key-0123456789', HUAWEICLOUD_SDK_SECURITY_TOKEN: secretToken }, (m) => lines.push(m)).describe(completed));
    const everything = [...lines, error.message].join('\n');
    expect(lines.length).toBeGreaterThan(0);
    for (const secret of [emulator.credentials.secretKey, secretToken, 'wrong-secret-key-0123456789']) expect(everything).not.toContain(secret);
    expect(everything).not.toMatch(/Signature=|AWSAccessKeyId=/);
  });
});

describe('throttling and transient failures', () => {
  it('429 ModelArts.2799 is retried, honouring Retry-After', async () => {
    // Core waits at least Retry-After (as long as the retry budget allows).
    const rl = open({}, undefined, { budgetMs: 5_000 });
    emulator.faults.inject({ path: `/training-jobs/${SCENARIO.completedJobId}`, kind: 'throttle429', times: 1, delayMs: 1000 });
    const started = performance.now();
    const run = await rl.describe(completed, { evidence: false });
    expect(run.status).toBe('completed');
    expect(performance.now() - started).toBeGreaterThanOrEqual(950);
    expect(rl.stats().retries).toBe(1);
  });

  it('throttling that outlasts the retry budget becomes Throttled with the provider code', async () => {
    const rl = open();
    emulator.faults.inject({ path: `/training-jobs/${SCENARIO.completedJobId}`, kind: 'throttle2799' });
    const error = await failure(rl.describe(completed));
    expect(error).toMatchObject({ code: 'Throttled', providerCode: 'ModelArts.2799', retryable: true });
    expect(error.message).toMatch(/still throttled after \d+ attempts in [\d.]+ m?s \(the retry budget is 400 ms\)/);
    expect(rl.stats().calls).toBe(Number(/after (\d+) attempts/.exec(error.message)![1]));
  });

  it('a Retry-After beyond the retry budget ends the request at once, saying so', async () => {
    const rl = open();
    emulator.faults.inject({ path: `/training-jobs/${SCENARIO.completedJobId}`, kind: 'throttle429', delayMs: 60_000 });
    const error = await failure(rl.describe(completed));
    expect(error).toMatchObject({ code: 'Throttled', providerCode: 'ModelArts.2799' });
    expect(error.message).toMatch(/still throttled after 1 attempt in [\d.]+ m?s, and the service asks to wait 1m00s more: /);
    expect(rl.stats().calls).toBe(1);
  });

  it('5xx and dropped connections are retried, then ProviderError', async () => {
    const rl = open();
    emulator.faults.inject({ path: `/training-jobs/${SCENARIO.completedJobId}`, kind: '500', times: 1 });
    emulator.faults.inject({ path: `/training-jobs/${SCENARIO.completedJobId}`, kind: 'drop', times: 1 });
    expect((await rl.describe(completed)).status).toBe('completed');
    expect(rl.stats().retries).toBe(2);
    emulator.faults.inject({ path: `/training-jobs/${SCENARIO.completedJobId}`, kind: '503' });
    expect(await failure(rl.describe(completed))).toMatchObject({ code: 'ProviderError', providerCode: 'APIGW.0201', retryable: true });
    emulator.faults.clear();
    emulator.faults.inject({ path: `/training-jobs/${SCENARIO.completedJobId}`, kind: 'drop' });
    expect(await failure(rl.describe(completed))).toMatchObject({ code: 'ProviderError', retryable: true });
  });

  it('OBS SlowDown and 500 on artifacts are retried', async () => {
    const rl = open();
    emulator.faults.inject({ path: '/obs/runlens-demo?', kind: 'throttle429', times: 1 });
    emulator.faults.inject({ path: '/obs/runlens-demo/resnet50/output/metrics.json', kind: '500', times: 1 });
    expect((await rl.artifacts(completed)).map((a) => a.path)).toContain('metrics.json');
    const body = await rl.openArtifact(completed, 'metrics.json');
    const chunks: Buffer[] = [];
    for await (const chunk of body.body) chunks.push(Buffer.from(chunk));
    expect(Buffer.concat(chunks).toString()).toBe('{"top1":0.761,"top5":0.929}\n');
    expect(rl.stats().retries).toBe(2);
  });
});
