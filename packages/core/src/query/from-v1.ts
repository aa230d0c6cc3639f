// TEMPORARY (issue 12): wraps a contract-v1 provider definition as a v2 one, so adapters not yet
// migrated (SageMaker, ModelArts, Azure ML, MLflow) keep working while core consumes v2 only. The
// lead deletes this file, `spec/v1.ts`'s definition types and the `fromV1` export once every adapter
// is migrated; nothing else depends on it.
//
// What a wrapped adapter does not get from v2 until it is migrated: typed settings (its settings pass
// through unchecked, as in v1, and test hooks are merged into them as v1 expected), a typed handle
// (the handle is the v1 Run itself), per-run capabilities. Follow policy is core's: a wrapped
// provider's v1 knobs serve only as defaults under RunlensOptions.follow (legacyFollowPolicy, read in
// one marked line of runlens.ts) so its tests keep their timing until it is migrated.
import { invalidInput } from '../errors.js';
import type { Run } from '../model/run.js';
import type { ProviderDefinitionV1, ProviderEnvironment, ProviderV1 } from '../spec/v1.js';
import type { FollowPolicy, ProviderDefinition, ProviderV2, RunDocument, RunSummaryDocument, SettingOption, SettingsSpec, TestHooks } from '../spec/v2.js';

export type V1Settings = Readonly<Record<string, unknown>>;

/** Settings of a wrapped adapter: any object, checked by the adapter as in v1. Not a zod schema: core never loads zod (see settings.ts). */
const passThrough = {
  safeParse(input: unknown) {
    return typeof input === 'object' && input !== null && !Array.isArray(input)
      ? { success: true as const, data: input as V1Settings }
      : { success: false as const, error: { issues: [{ code: 'invalid_type', expected: 'object', path: [] }] } };
  },
} as unknown as SettingsSpec<V1Settings>['schema'];

export interface FromV1Options {
  /** The flags and environment variables of the adapter's settings (for the CLI's options and help). */
  readonly options?: readonly SettingOption[];
  readonly refHelp?: string;
  readonly environment?: ProviderDefinition['environment'];
}

/** TEMPORARY: a v1 definition as v2 (see the top of this file). */
export function fromV1(definition: ProviderDefinitionV1, extras: FromV1Options = {}): ProviderDefinition<V1Settings, Run> {
  if ((definition as { specificationVersion?: unknown }).specificationVersion !== 'v1') throw invalidInput(`fromV1: provider '${definition.id}' is not a v1 definition`);
  const v1Environment = (environment: { env: ProviderEnvironment['env']; settings: V1Settings; testHooks?: TestHooks }, rest?: Omit<ProviderEnvironment, 'env' | 'settings'>) =>
    ({ ...rest, env: environment.env, settings: { ...environment.settings, ...environment.testHooks } }) as ProviderEnvironment;
  const wrapped: ProviderDefinition<V1Settings, Run> = {
    specificationVersion: 'v2',
    id: definition.id,
    displayName: definition.displayName,
    capabilities: definition.capabilities,
    settings: { schema: passThrough, options: extras.options ?? [] },
    ...(extras.refHelp ? { refHelp: extras.refHelp } : {}),
    ...(extras.environment ? { environment: extras.environment } : {}),
    ...(definition.claim ? { claim: (text, context) => definition.claim!(text, context) } : {}),
    ...(definition.isConfigured
      ? { isConfigured: (view) => definition.isConfigured!(v1Environment({ env: view.env, settings: view.settings }, { cwd: process.cwd(), requests: undefined as never, debug: () => undefined })) }
      : {}),
    async load(environment) {
      const { env, settings, testHooks, ...rest } = environment;
      return wrap(await definition.load(v1Environment({ env, settings, testHooks }, rest)));
    },
  };
  // A marker by a registered symbol: the suite may load another copy of this module (sources or dist).
  Object.defineProperty(wrapped, WRAPPED, { value: true, enumerable: false });
  return wrapped;
}

const WRAPPED = Symbol.for('runlens.fromV1');

/** TEMPORARY: whether a definition is a wrapped v1 one (the conformance suite skips what v1 cannot do). */
export function isFromV1(definition: object): boolean {
  return (definition as Record<symbol, unknown>)[WRAPPED] === true;
}

const document = (run: Run): RunDocument => {
  const { ref: _ref, provider: _provider, ...doc } = run;
  return doc;
};

const LEGACY_FOLLOW = Symbol.for('runlens.fromV1.follow');

/**
 * TEMPORARY: the follow knobs a wrapped v1 provider set (from its settings, as its tests rely on),
 * used by core as defaults under `RunlensOptions.follow` so those tests keep their timing until the
 * adapter is migrated. No v2 provider has any: follow policy is core's.
 */
export function legacyFollowPolicy(provider: ProviderV2): FollowPolicy | undefined {
  return (provider as unknown as Record<symbol, FollowPolicy | undefined>)[LEGACY_FOLLOW];
}

function wrap(p: ProviderV1): ProviderV2<Run> {
  const logs = p.logs;
  const metrics = p.metrics;
  const artifacts = p.artifacts;
  const legacy: FollowPolicy = {
    ...(p.followPollMs ? { pollMs: p.followPollMs } : {}),
    ...(p.statusPollMs !== undefined ? { statusPollMs: p.statusPollMs } : {}),
    ...(p.streamDiscoveryMs !== undefined ? { streamDiscoveryMs: p.streamDiscoveryMs } : {}),
  };
  const wrapped: ProviderV2<Run> = {
    specificationVersion: 'v2',
    catalog: {
      describe: async (id, options) => {
        const run = await p.catalog.describe(id, options);
        return { run: document(run), handle: run };
      },
      ...(p.catalog.list
        ? {
            list: async function* (filter, options) {
              for await (const page of p.catalog.list!(filter, options)) yield page.map(({ ref: _ref, provider: _provider, ...summary }): RunSummaryDocument => summary);
            },
          }
        : {}),
    },
    ...(logs
      ? {
          logs: {
            kind: 'positioned' as const,
            listStreams: (t, options) => logs.listStreams(t.handle, options),
            readStream: (t, stream, request) => logs.readStream(t.handle, stream, request),
            ...(logs.tailStream ? { tailStream: (t, stream, request) => logs.tailStream!(t.handle, stream, request) } : {}),
          },
        }
      : {}),
    ...(metrics
      ? {
          metrics: {
            listMetrics: (t, options) => metrics.listMetrics(t.handle, options),
            readMetrics: (t, descriptors, request) => metrics.readMetrics(t.handle, descriptors, request),
            ...(metrics.seriesVersions ? { seriesVersions: (t, descriptors, options) => metrics.seriesVersions!(t.handle, descriptors, options) } : {}),
          },
        }
      : {}),
    ...(artifacts
      ? { artifacts: { listArtifacts: (t, options) => artifacts.listArtifacts(t.handle, options), openArtifact: (t, path, options) => artifacts.openArtifact(t.handle, path, options) } }
      : {}),
    ...(p.failureRules ? { failureRules: p.failureRules } : {}),
    ...(p.identity ? { identity: (t) => p.identity!(t.handle) } : {}),
    ...(p.close ? { close: () => p.close!() } : {}),
  };
  Object.defineProperty(wrapped, LEGACY_FOLLOW, { value: legacy, enumerable: false });
  return wrapped;
}
