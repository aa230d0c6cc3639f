// mapAwsError on the error shapes the SDK clients produce, and configuration errors.
import { afterEach, describe, expect, it } from 'vitest';
import { createRunlens, resolveSettings } from '@runlens/core';
import { sagemakerProvider } from '../src/index.js';
import { readConfig } from '../src/config.js';
import type { SagemakerSettings } from '../src/index.js';
import { mapAwsError } from '../src/errors.js';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';

const sdkError = (name: string, fields: Record<string, unknown> = {}) => Object.assign(new Error(fields['message'] as string | undefined ?? name), { name, ...fields });
const call = { operation: 'GetLogEvents', run: 'job' };

describe('mapAwsError', () => {
  it.each([
    ['ThrottlingException', 400, 'client', 'Throttled', true],
    ['Throttling', 400, 'client', 'Throttled', true],
    ['SlowDown', 503, 'server', 'Throttled', true],
    ['TooManyRequestsException', 429, 'client', 'Throttled', true],
    ['InternalFailure', 500, 'server', 'ProviderError', true],
    ['ServiceUnavailableException', 503, 'server', 'ProviderError', true],
    ['AccessDeniedException', 400, 'client', 'AuthError', false],
    ['UnrecognizedClientException', 400, 'client', 'AuthError', false],
    ['ExpiredTokenException', 400, 'client', 'AuthError', false],
    ['InvalidSignatureException', 400, 'client', 'AuthError', false],
    ['AccessDenied', 403, 'client', 'AuthError', false],
    ['ResourceNotFoundException', 400, 'client', 'NotFound', false],
    ['NoSuchKey', 404, 'client', 'NotFound', false],
    ['NotFound', 404, 'client', 'NotFound', false],
    ['InvalidParameterException', 400, 'client', 'InvalidInput', false],
    ['SomethingNew', 400, 'client', 'ProviderError', false],
    ['SomethingNewOnTheServer', 502, 'server', 'ProviderError', true],
  ])('%s (HTTP %i) is %s', (name, status, fault, code, retryable) => {
    const error = mapAwsError(sdkError(name, { $metadata: { httpStatusCode: status }, $fault: fault }), call);
    expect([error.code, error.retryable, error.providerCode, error.status]).toEqual([code, retryable, name, status]);
  });

  it('reads a query-compatible code (CloudWatch) from Code', () => {
    const error = mapAwsError(sdkError('ValidationException', { Code: 'ValidationError', $metadata: { httpStatusCode: 400 } }), { operation: 'GetMetricData' });
    expect([error.code, error.providerCode]).toEqual(['InvalidInput', 'ValidationError']);
  });

  it('takes SageMaker’s ValidationException for a missing job as NotFound, only on DescribeTrainingJob', () => {
    const missing = sdkError('ValidationException', { message: 'Requested resource not found.', $metadata: { httpStatusCode: 400 } });
    expect(mapAwsError(missing, { operation: 'DescribeTrainingJob', run: 'x' }).code).toBe('NotFound');
    expect(mapAwsError(missing, { operation: 'ListTrainingJobs' }).code).toBe('InvalidInput');
    const invalid = sdkError('ValidationException', { message: "1 validation error detected: Value 'a_b' at 'trainingJobName' failed to satisfy constraint", $metadata: { httpStatusCode: 400 } });
    expect(mapAwsError(invalid, { operation: 'DescribeTrainingJob' }).code).toBe('InvalidInput');
  });

  it('retries dropped connections and timeouts', () => {
    const reset = mapAwsError(Object.assign(new Error('socket hang up'), { name: 'TimeoutError', code: 'ECONNRESET' }), call);
    expect([reset.code, reset.retryable, reset.providerCode]).toEqual(['ProviderError', true, 'ECONNRESET']);
    const refused = mapAwsError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }), call);
    expect([refused.code, refused.retryable]).toEqual(['ProviderError', true]);
  });

  it('turns missing credentials into AuthError with a hint', () => {
    const error = mapAwsError(sdkError('CredentialsProviderError', { message: 'Could not load credentials from any providers' }), call);
    expect(error.code).toBe('AuthError');
    expect(error.message).toContain('AWS_PROFILE');
  });

  it('keeps the raw SDK response (and its signed request headers) out of the error', () => {
    const raw = sdkError('AccessDeniedException', { $metadata: { httpStatusCode: 400 }, $response: { headers: { authorization: 'AWS4-HMAC-SHA256 Credential=AKIDSECRET/…, Signature=abc' } } });
    const error = mapAwsError(raw, call);
    expect(JSON.stringify(error.cause, Object.getOwnPropertyNames(error.cause))).not.toContain('Signature');
    expect((error.cause as Record<string, unknown>)['$response']).toBeUndefined();
  });
});

describe('configuration', () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  });

  it('reads region, endpoints and keys from the environment it is given, in the SDK’s precedence', () => {
    // AWS_REGION / AWS_DEFAULT_REGION reach the adapter as the `region` setting, through core (settings.ts).
    const settings = (env: Record<string, string>, given: Record<string, unknown> = {}) => resolveSettings(sagemakerProvider, given, env) as SagemakerSettings;
    const env = { AWS_DEFAULT_REGION: 'eu-west-1', AWS_ENDPOINT_URL: 'http://all', AWS_ENDPOINT_URL_S3: 'http://s3', AWS_ACCESS_KEY_ID: 'AKID', AWS_SECRET_ACCESS_KEY: 'secret', AWS_SESSION_TOKEN: 'token' };
    const config = readConfig({ env, settings: settings(env) });
    expect(config.region).toBe('eu-west-1');
    expect([config.endpoint('S3'), config.endpoint('CLOUDWATCH_LOGS')]).toEqual(['http://s3', 'http://all']);
    expect(config.credentials).toEqual({ accessKeyId: 'AKID', secretAccessKey: 'secret', sessionToken: 'token' });
    const both = { AWS_REGION: 'ap-south-1', AWS_DEFAULT_REGION: 'eu-west-1' };
    expect(readConfig({ env: both, settings: settings(both) }).region).toBe('ap-south-1');
    const ignoredEnv = { AWS_ENDPOINT_URL: 'http://all', AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true', AWS_REGION: 'eu-west-1' };
    const ignored = readConfig({ env: ignoredEnv, settings: settings(ignoredEnv, { region: 'us-west-2' }) });
    expect([ignored.endpoint('SAGEMAKER'), ignored.region]).toEqual([undefined, 'us-west-2']);
  });

  it('rejects bad settings through core: one InvalidInput line naming the provider and the key', () => {
    const fails = (settings: Record<string, unknown>, message: RegExp) => {
      let error: unknown;
      try {
        createRunlens({ providers: [sagemakerProvider], env: {}, settings: { sagemaker: settings } });
      } catch (e) {
        error = e;
      }
      expect(error).toMatchObject({ code: 'InvalidInput', message: expect.stringMatching(message) });
      expect((error as Error).message).not.toContain('\n');
    };
    fails({ metricPeriodSeconds: 45 }, /invalid settings for provider 'sagemaker': metricPeriodSeconds: must be 1, 5, 10, 20, 30 or a multiple of 60$/);
    fails({ rates: { GetLogEvents: -1 } }, /rates\.GetLogEvents: must be a positive number of requests per second/);
    fails({ rates: { GetLogEvent: 5 } }, /unknown setting 'GetLogEvent'/);
    fails({ region: 42 }, /region \(--region\): expected string/);
    fails({ endpoint: 'localhost:4566' }, /endpoint: must be an http\(s\) URL/);
    // Follow polling is core's policy now (RunlensOptions.follow): the old knobs are unknown settings.
    fails({ statusPollMs: 50 }, /unknown setting 'statusPollMs'/);
    // Test hooks are not settings either.
    fails({ clock: 1 }, /unknown setting 'clock'/);
  });

  it('says how to set a region when none is configured anywhere', async () => {
    for (const key of ['AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_PROFILE']) delete process.env[key];
    process.env['AWS_CONFIG_FILE'] = '/nonexistent/runlens-test-config';
    process.env['AWS_SHARED_CREDENTIALS_FILE'] = '/nonexistent/runlens-test-credentials';
    const runlens = createRunlens({ providers: [sagemakerProvider], env: { AWS_ACCESS_KEY_ID: 'AKID', AWS_SECRET_ACCESS_KEY: 'secret', AWS_ENDPOINT_URL: 'http://127.0.0.1:9' } });
    await expect(runlens.describe('sagemaker:some-job')).rejects.toMatchObject({ code: 'InvalidInput', message: expect.stringContaining('no AWS region configured') });
    await runlens.close();
  });

  it('rejects a ref that is neither a job name nor an ARN', async () => {
    const runlens = createRunlens({ providers: [sagemakerProvider], env: { AWS_REGION: 'us-east-1' } });
    await expect(runlens.describe('sagemaker:not_a_job/name')).rejects.toMatchObject({ code: 'InvalidInput' });
    await runlens.close();
  });
});
