import { describe, expect, it } from 'vitest';
import { classifyFailure, createRunlens, enrichFailure, isGenericReason, parseDuration, parseTime, redact, registerSecret, RunlensError, type AnyProviderDefinition, type ProviderDefinition } from '../src/index.js';

describe('durations and times', () => {
  const now = Date.UTC(2026, 10, 28, 12, 0, 0);
  it('accepts 30m, 2h, 7d, compound and ISO 8601 forms', () => {
    expect(parseDuration('30m')).toBe(1_800_000);
    expect(parseDuration('2h')).toBe(7_200_000);
    expect(parseDuration('7d')).toBe(604_800_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('PT30M')).toBe(1_800_000);
    expect(parseDuration('P1DT2H')).toBe(93_600_000);
    expect(parseTime('2h', now)).toBe(now - 7_200_000);
    expect(parseTime('2026-11-28T10:00:00Z', now)).toBe(Date.UTC(2026, 10, 28, 10));
    expect(parseTime('2026-11-28', now)).toBe(Date.UTC(2026, 10, 28));
  });
  it('rejects anything else with InvalidInput', () => {
    for (const bad of ['5x', '', 'PT', 'yesterday', '2026-13-45']) {
      const error = (() => {
        try {
          parseTime(bad, now);
        } catch (e) {
          return e;
        }
      })();
      expect(RunlensError.isInstance(error) && error.code, bad).toBe('InvalidInput');
    }
  });
});

describe('redact', () => {
  it('masks signed URL queries, bearer tokens, AK/SK signatures and registered secrets', () => {
    registerSecret('sk-very-secret-value');
    const text = [
      'GET https://bucket.s3.amazonaws.com/model.tar.gz?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAABCDEFGHIJKLMNOP%2F20261128&X-Amz-Signature=abcdef0123456789',
      'https://acct.blob.core.windows.net/logs/std_log.txt?sv=2021-08-06&se=2026-11-28&sr=b&sp=r&sig=Zm9vYmFyYmF6cXV4',
      'Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4eXoifQ.c2lnbmF0dXJlLXBhcnQ',
      'Authorization: SDK-HMAC-SHA256 Access=HPUAEXAMPLEKEY, SignedHeaders=host;x-sdk-date, Signature=0123456789abcdef0123',
      'key AKIAABCDEFGHIJKLMNOP and sk-very-secret-value',
    ].join('\n');
    const out = redact(text);
    for (const secret of ['abcdef0123456789', 'Zm9vYmFyYmF6cXV4', 'eyJhbGciOiJSUzI1NiJ9', '0123456789abcdef0123', 'AKIAABCDEFGHIJKLMNOP', 'sk-very-secret-value', 'HPUAEXAMPLEKEY']) {
      expect(out).not.toContain(secret);
    }
    expect(out).toContain('https://bucket.s3.amazonaws.com/model.tar.gz?[redacted]');
  });
  it('applies to every RunlensError message', () => {
    const error = new RunlensError('ProviderError', 'download failed: https://x.blob.core.windows.net/a?sig=secretsecret&se=1', { provider: 'azureml', run: 'job' });
    expect(error.message).toBe('azureml run job: download failed: https://x.blob.core.windows.net/a?[redacted]');
  });
});

describe('failure classification', () => {
  it('recognises the seed 003 errors and the other shared categories', () => {
    expect(classifyFailure(["Additional properties are not allowed (u'mini_batch_siz' was unexpected)"])).toBe('invalid-hyperparameter');
    expect(classifyFailure(["AlgorithmError: u'abc' is not valid under any of the given schemas"])).toBe('invalid-hyperparameter');
    expect(classifyFailure(['cannot copy sequence with size 785 to array axis with dimension 784'])).toBe('invalid-input-data');
    expect(classifyFailure(['CapacityError: Unable to provision requested ML compute capacity.'])).toBe('capacity');
    expect(classifyFailure(['RuntimeError: CUDA out of memory. Tried to allocate 2.00 GiB'])).toBe('out-of-memory');
    expect(classifyFailure(['ClientError: AccessDenied when calling GetObject'])).toBe('permission');
    expect(classifyFailure(['MaxRuntimeExceeded'])).toBe('timeout');
    expect(classifyFailure(["ModuleNotFoundError: No module named 'torchvision'"])).toBe('setup');
    expect(classifyFailure(['exit with 2'])).toBe('user-code-error');
    expect(classifyFailure(['something odd'])).toBe('unknown');
  });
  it('takes the reason and category from the logs when the provider gives a generic one', () => {
    expect(isGenericReason('AlgorithmError: See job logs for more information')).toBe(true);
    const failure = enrichFailure({ category: 'unknown', reason: 'AlgorithmError: See job logs for more information', evidence: [] }, [
      { timestamp: 1, node: 'algo-1', message: 'Traceback (most recent call last):' },
      { timestamp: 2, node: 'algo-1', message: '  File "train.py", line 48' },
      { timestamp: 3, node: 'algo-1', message: '[10/17/2017 18:01:04 ERROR 140234860816192 train.py:48] cannot copy sequence with size 785 to array axis with dimension 784' },
    ]);
    expect(failure.category).toBe('invalid-input-data');
    expect(failure.reason).toContain('cannot copy sequence');
    expect(failure.evidence[0]).toBe('[algo-1] Traceback (most recent call last):');
  });
});

describe('registry and refs', () => {
  const fake = (id: string, extra: Partial<ProviderDefinition> = {}): AnyProviderDefinition => ({
    specificationVersion: 'v2',
    id,
    displayName: id,
    capabilities: { list: false, logs: false, follow: false, systemMetrics: false, trainingMetrics: false, artifacts: false },
    settings: { schema: { safeParse: (data: unknown) => ({ success: true, data }) } as unknown as ProviderDefinition['settings']['schema'], options: [] },
    load: async () => {
      throw new Error('not loaded in these tests');
    },
    ...extra,
  });
  const runlens = createRunlens({ providers: [fake('sagemaker', { claim: (t) => /^arn:aws:sagemaker:[^:]+:\d+:training-job\/(.+)$/.exec(t)?.[1] }), fake('local')], env: {} });

  it('resolves provider:id and native ids claimed by an adapter', () => {
    expect(runlens.resolve('sagemaker:my-job')).toEqual({ provider: 'sagemaker', id: 'my-job' });
    expect(runlens.resolve('arn:aws:sagemaker:us-east-1:123456789012:training-job/my-job')).toEqual({ provider: 'sagemaker', id: 'my-job' });
  });
  it('explains malformed refs and unknown providers in one line', () => {
    expect(() => runlens.resolve('nocolon')).toThrow(/malformed run reference 'nocolon'/);
    expect(() => runlens.resolve('foo:bar')).toThrow(/unknown provider 'foo'.*known: sagemaker, local/);
    expect(() => runlens.resolve('sagemaker:')).toThrow(/nothing after 'sagemaker:'/);
  });
  it('refuses an adapter built for another specification version, with a typed error', () => {
    const stale = { ...fake('old'), specificationVersion: 'v0' } as unknown as AnyProviderDefinition;
    const error = (() => {
      try {
        createRunlens({ providers: [stale] });
      } catch (e) {
        return e;
      }
    })();
    expect(RunlensError.isInstance(error) && error.code).toBe('Unsupported');
    expect((error as Error).message).toMatch(/specification "v0"; this @runlens\/core supports v2/);
  });
  it('answers an unsupported request with Unsupported, not an empty result', async () => {
    await expect(runlens.logs('sagemaker:my-job')).rejects.toMatchObject({ code: 'Unsupported' });
    await expect(runlens.artifacts('sagemaker:my-job')).rejects.toMatchObject({ code: 'Unsupported' });
  });
});

describe('hyperparameter rule', () => {
  it('is not fooled by a traceback that merely mentions hyperparameters', () => {
    expect(classifyFailure(['    train(resource_config, hyperparameters, data_config)', 'cannot copy sequence with size 785 to array axis with dimension 784'])).toBe('invalid-input-data');
    expect(classifyFailure(['ValueError: invalid hyperparameter learning_rate=-1'])).toBe('invalid-hyperparameter');
    expect(classifyFailure(['hyperparameter epochs must be a positive integer'])).toBe('invalid-hyperparameter');
  });
});
