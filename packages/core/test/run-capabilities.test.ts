// Contract v2: per-run capabilities and warnings, core-stamped identity and typed handles, settings
// parsed the same way for every provider, test hooks apart from settings.
import { describe, expect, it } from 'vitest';
import { createRunlens, type ProviderDefinition, type Run, type TestHooks } from '../src/index.js';

interface Handle {
  readonly jobArn: string;
}

function provider(seen: { handles: Handle[]; hooks?: TestHooks; settings?: unknown }): ProviderDefinition<{ zone?: string }, Handle> {
  return {
    specificationVersion: 'v2',
    id: 'kx',
    displayName: 'Test jobs',
    capabilities: { list: true, logs: true, follow: true, systemMetrics: true, trainingMetrics: false, artifacts: true },
    settings: {
      // A schema with zod's safeParse shape (core calls nothing else): `zone` must be a string, nothing else allowed.
      schema: {
        safeParse: (input: Record<string, unknown>) => {
          const unknown = Object.keys(input).filter((k) => k !== 'zone');
          if (unknown.length > 0) return { success: false, error: { issues: [{ code: 'unrecognized_keys', keys: unknown, path: [] }] } };
          if (input.zone !== undefined && typeof input.zone !== 'string') return { success: false, error: { issues: [{ code: 'invalid_type', expected: 'string', path: ['zone'] }] } };
          return { success: true, data: input };
        },
      } as never,
      options: [{ key: 'zone', flag: 'zone', env: ['KX_ZONE'], description: 'zone of the jobs' }],
    },
    load: async (environment) => {
      seen.hooks = environment.testHooks;
      seen.settings = environment.settings;
      return {
        specificationVersion: 'v2',
        catalog: {
          describe: async (id) => ({
            // The adapter returns no ref and no provider: core stamps them.
            run: { id, name: id, status: 'completed', providerStatus: 'Succeeded', nodes: [{ name: 'worker-0' }], hyperparameters: {}, raw: { kind: 'PyTorchJob' } } satisfies Omit<Run, 'ref' | 'provider'>,
            handle: { jobArn: `arn:jobs:${id}` },
            ...(id === 'gone' ? { capabilities: { logs: { available: false, reason: 'its pods were deleted, and their logs with them' }, artifacts: { available: false, reason: 'nothing was uploaded' } }, warnings: [{ type: 'no-data' as const, message: 'pods deleted' }] } : {}),
          }),
          async *list() {
            yield [{ id: 'a', name: 'a', status: 'completed', providerStatus: 'Succeeded', createdAt: '2026-01-01T00:00:00Z' }];
          },
        },
        logs: {
          kind: 'positioned',
          listStreams: async (target) => {
            seen.handles.push(target.handle);
            return [{ id: 'w0', node: 'worker-0' }];
          },
          readStream: async () => ({ records: [{ timestamp: 1, node: 'worker-0', message: 'hello' }], next: 1, caughtUp: true }),
        },
        metrics: { listMetrics: async () => [], readMetrics: async () => ({ series: [] }) },
        artifacts: {
          async *listArtifacts() {
            yield [];
          },
          openArtifact: async () => {
            throw new Error('none');
          },
        },
      };
    },
  };
}

describe('contract v2 in the query API', () => {
  it('stamps ref and provider, and hands the adapter its own handle back', async () => {
    const seen = { handles: [] as Handle[] };
    const runlens = createRunlens({ providers: [provider(seen)], env: {} });
    const run = await runlens.describe('kx:job-1');
    expect(run.ref).toBe('kx:job-1');
    expect(run.provider).toBe('kx');
    expect((await runlens.list()).runs.map((r) => [r.ref, r.provider])).toEqual([['kx:a', 'kx']]);
    const reader = await runlens.logs('kx:job-1');
    for await (const _ of reader);
    expect(seen.handles).toEqual([{ jobArn: 'arn:jobs:job-1' }]);
  });

  it('a run whose logs are gone says why: capabilities per run, a no-data warning, Unsupported with the reason', async () => {
    const runlens = createRunlens({ providers: [provider({ handles: [] })], env: {} });
    const view = await runlens.describeRun('kx:gone');
    expect(view.capabilities.logs).toEqual({ available: false, reason: 'its pods were deleted, and their logs with them' });
    expect(view.capabilities.systemMetrics).toEqual({ available: true });
    expect(view.capabilities.trainingMetrics.available).toBe(false);
    expect(view.warnings).toEqual([{ type: 'no-data', message: 'pods deleted' }]);
    const reader = await runlens.logs('kx:gone');
    const records = [];
    for await (const record of reader) records.push(record);
    expect(records).toEqual([]);
    expect(reader.warnings.map((w) => w.message)).toEqual(['no logs for kx:gone: its pods were deleted, and their logs with them']);
    await expect(runlens.artifacts('kx:gone')).rejects.toMatchObject({ code: 'Unsupported', message: expect.stringContaining('nothing was uploaded') });
    // The run still describes, with no evidence read from logs it does not have.
    expect((await runlens.describe('kx:gone')).status).toBe('completed');
  });

  it('reads settings from declared variables under the caller\'s, and keeps test hooks out of them', async () => {
    const seen: { handles: Handle[]; hooks?: TestHooks; settings?: unknown } = { handles: [] };
    const clock = () => 42;
    const runlens = createRunlens({ providers: [provider(seen)], env: { KX_ZONE: 'from-env' }, testHooks: { kx: { clock } } });
    await runlens.describe('kx:job-1');
    expect(seen.settings).toEqual({ zone: 'from-env' });
    expect(seen.hooks?.clock).toBe(clock);
    const given = { handles: [] as Handle[], settings: undefined as unknown };
    await createRunlens({ providers: [provider(given)], env: { KX_ZONE: 'from-env' }, settings: { kx: { zone: 'given' } } }).describe('kx:job-1');
    expect(given.settings).toEqual({ zone: 'given' });
  });

  it('refuses bad settings in one line naming the provider and the key', () => {
    const make = (settings: Record<string, unknown>) => () => createRunlens({ providers: [provider({ handles: [] })], env: {}, settings: { kx: settings } });
    expect(make({ zone: 3 })).toThrow(/^invalid settings for provider 'kx': zone \(--zone\): expected string$/);
    expect(make({ region: 'x' })).toThrow(/^invalid settings for provider 'kx': unknown setting 'region' \(known: zone\)$/);
  });
});
