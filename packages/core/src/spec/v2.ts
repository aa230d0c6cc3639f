// The adapter contract, version 2. Plain types; it imports nothing at runtime (the zod import is
// `import type`). Adapters translate one provider's wire API into these shapes and nothing more:
// identity (`ref`, `provider`), settings validation, merging, following (poll intervals, drains,
// reconnects), cursors, retries and budgets are core's (see docs/architecture.md).
//
// What changed from v1 (issue 12):
// - an adapter's state for a run travels in a typed `handle` (generic over the adapter's own type),
//   not in `Run.raw`, which is only the provider's document shown to users; core stamps `ref` and
//   `provider` on what `describe` and `list` return;
// - settings are typed: each definition exports a zod/mini schema, parsed by core the same way for
//   every provider, plus the CLI flags and environment variables that feed it, with help text; test
//   hooks (an undici dispatcher, a clock) come through a separate, test-only channel;
// - capabilities and warnings per run, from `describe`;
// - three shapes of log source (positioned, query-shaped, stream-shaped), all read by core into
//   exact cursors;
// - no follow knobs on the provider: core's options carry them.
import type { ZodMiniType } from 'zod/mini';
import type { ArtifactBody, ArtifactInfo } from '../model/artifact.js';
import type { LogLines, LogRecord, LogStreamInfo } from '../model/log.js';
import type { PageBuffers } from '../machinery/page-buffers.js';
import type { MetricDescriptor, MetricSeries } from '../model/metric.js';
import type { Run, RunFilter, RunSummary } from '../model/run.js';
import type { Warning } from '../model/warning.js';
import type { FailureRule } from '../failure.js';
import type { RunlensError } from '../errors.js';

// ---------------------------------------------------------------------------------------------
// Core's request machinery and the values that cross the contract

/** A JSON value: adapter positions must survive `JSON.stringify` inside a cursor. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface CallOptions {
  readonly signal?: AbortSignal;
}

export interface ClaimContext {
  readonly cwd: string;
}

/** Core's request machinery: the shared request budget, retries with back-off, error mapping. */
export interface RequestContext {
  /** A requester bound to one error mapper. Create one per adapter instance. */
  requester(options: RequesterOptions): Requester;
  /**
   * Core's retry policy around a step that is more than one request and must not be repeated blindly
   * (e.g. re-checking what a write whose answer was lost already stored before writing the rest).
   * `work` gets the attempt number from 1; its RunlensErrors decide, by `retryable`, whether to go on.
   */
  retry<T>(work: (attempt: number) => Promise<T>, options: { readonly operation: string; readonly signal?: AbortSignal }): Promise<T>;
}

export interface RequesterOptions {
  /** Turns anything a wire call throws into a RunlensError (with `retryable`/`retryAfterMs` set). */
  mapError(error: unknown, call: { operation: string; run?: string }): RunlensError;
}

export interface BudgetSpec {
  /** Shared by every reader in the process: provider, account or project, endpoint and operation. */
  readonly key: string;
  readonly ratePerSecond: number;
  readonly burst?: number;
}

export interface RequestSpec extends CallOptions {
  readonly operation: string;
  readonly budget: BudgetSpec;
  readonly run?: string;
  /** A cap on attempts; by default core retries until the request's time budget runs out. 1 disables retries for a non-idempotent call. */
  readonly maxAttempts?: number;
}

export interface Requester {
  call<T>(spec: RequestSpec, send: (signal: AbortSignal | undefined) => Promise<T>): Promise<T>;
}

export type SpecificationVersionV2 = 'v2';

/** What a provider can ever do (before any run is described: listing, help, `runlens runs`). */
export interface ProviderCapabilitiesV2 {
  readonly list: boolean;
  readonly logs: boolean;
  /** Live following of a running run's logs. */
  readonly follow: boolean;
  readonly systemMetrics: boolean;
  readonly trainingMetrics: boolean;
  readonly artifacts: boolean;
}

/** The features a single run may lack although its provider has them. */
export type RunFeature = 'logs' | 'follow' | 'systemMetrics' | 'trainingMetrics' | 'artifacts';

/** Whether one run has a feature, and why not. */
export interface RunCapability {
  readonly available: boolean;
  /** Why not, in words for the user: "its pods were deleted 3h ago, and with them their logs". */
  readonly reason?: string;
}

/** Per run; a feature left out is as the provider's capabilities say. A run can only narrow them. */
export type RunCapabilities = { readonly [F in RunFeature]?: RunCapability };

// ---------------------------------------------------------------------------------------------
// Settings

/**
 * One way a setting can be given on the command line or in the environment. The CLI builds its
 * global options and help from these (a flag declared by two providers, `--region`, is one option
 * whose value goes to both); core reads the environment variables. Text from a flag or a variable is
 * turned into a value by `type` before the schema sees it.
 */
export interface SettingOption {
  /** The settings key the value goes to (`region`). */
  readonly key: string;
  /** Long flag without dashes (`region` → `--region <value>`). Undefined: no flag. */
  readonly flag?: string;
  /** The placeholder in help (`region` → `--region <region>`). Default: the flag. */
  readonly valueName?: string;
  /** Environment variables, first set one wins; a flag or a setting given by the caller overrides them. */
  readonly env?: readonly string[];
  /** `list`: comma-separated; `paths`: separated by the platform's path delimiter (`:`). Default `string`. */
  readonly type?: 'string' | 'number' | 'boolean' | 'list' | 'paths';
  /** One line of help (`cloud region for SageMaker jobs`). */
  readonly description: string;
}

/**
 * A provider's settings: one zod/mini schema (core parses every provider's settings with it and
 * fails the same way for all: one `InvalidInput` line naming the provider and the key; use
 * `z.strictObject` so an unknown key fails too), and how flags and environment variables feed it.
 */
export interface SettingsSpec<Settings> {
  readonly schema: ZodMiniType<Settings, unknown>;
  readonly options: readonly SettingOption[];
}

/**
 * Test hooks, never set in production: an adapter's tests pass them through `createRunlens({
 * testHooks })`, which is the only way they reach `load`. Settings never carry them.
 */
export interface TestHooks {
  /** An undici `Dispatcher` (a `MockAgent`) used instead of the adapter's own. */
  readonly dispatcher?: object;
  /** Epoch milliseconds (signing dates, expiry of pre-signed URLs). */
  readonly clock?: () => number;
}

// ---------------------------------------------------------------------------------------------
// The definition and the loaded provider

/**
 * What an adapter package exports (cheaply: no SDK import; the CLI reads `settings.options` for its
 * help). `load` brings in the SDK only when a ref of this provider is used.
 *
 * `Settings` is the parsed output of `settings.schema`; `Handle` is the adapter's own per-run state,
 * returned by `describe` and handed back to every source with the run.
 */
export interface ProviderDefinition<Settings = unknown, Handle = unknown> {
  readonly specificationVersion: 'v2';
  /** The ref prefix: `sagemaker`, `modelarts`, `azureml`, `local`, `k8s`. */
  readonly id: string;
  readonly displayName: string;
  readonly capabilities: ProviderCapabilitiesV2;
  readonly settings: SettingsSpec<Settings>;
  /**
   * One line for the CLI's help on run references (`sagemaker:<job name>, a training job ARN or
   * console URL`). Optional.
   */
  readonly refHelp?: string;
  /** Environment variables the adapter reads itself (credentials through an SDK's chain), for help. */
  readonly environment?: readonly EnvironmentHelp[];
  /**
   * Recognises a native identifier (an ARN, an ARM id, a console URL, a path) and returns the id part
   * of this provider's ref, or undefined. Also offered the id of a `provider:id` ref of this provider,
   * so `azureml:<Studio URL>` means the same as the bare URL. `cwd` is where relative paths resolve.
   */
  claim?(text: string, context: ClaimContext): string | undefined;
  /** Whether enough configuration is present to list runs without being asked by name. */
  isConfigured?(environment: ConfigurationView<Settings>): boolean;
  load(environment: ProviderEnvironmentV2<Settings>): Promise<ProviderV2<Handle>>;
}

export interface EnvironmentHelp {
  /** A variable, several, or a pattern (`AWS_*`). */
  readonly name: string;
  readonly description: string;
}

/** Parsed settings and the environment, for `isConfigured` (before anything is loaded). */
export interface ConfigurationView<Settings> {
  readonly settings: Settings;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** What core hands an adapter when loading it. Adapters read configuration only from here. */
export interface ProviderEnvironmentV2<Settings> extends ConfigurationView<Settings> {
  readonly cwd: string;
  readonly requests: RequestContext;
  readonly debug: (message: string) => void;
  /** Empty outside tests. */
  readonly testHooks: TestHooks;
}

/** A run as an adapter describes it: everything but the identity core stamps. */
export type RunDocument = Omit<Run, 'ref' | 'provider'>;
/** A listed run as an adapter returns it (core stamps `ref` and `provider`). */
export type RunSummaryDocument = Omit<RunSummary, 'ref' | 'provider'>;

/** What `describe` returns: the run, the adapter's handle for it, and what this run can do. */
export interface Described<Handle> {
  readonly run: RunDocument;
  readonly handle: Handle;
  readonly capabilities?: RunCapabilities;
  /** Typed notes on the run as a whole (a run whose pods are gone: `no-data`, with why). */
  readonly warnings?: readonly Warning[];
}

/** A described run as core hands it back to a source: the run (with `ref`) and the adapter's handle. */
export interface RunTarget<Handle> {
  readonly run: Run;
  readonly handle: Handle;
}

export interface ProviderV2<Handle = unknown> {
  readonly specificationVersion: 'v2';
  readonly catalog: RunCatalogV2<Handle>;
  readonly logs?: LogSourceV2<Handle>;
  readonly metrics?: MetricSourceV2<Handle>;
  readonly artifacts?: ArtifactSourceV2<Handle>;
  /** Provider-specific failure patterns, tried before core's common rules. */
  readonly failureRules?: readonly FailureRule[];
  /** The run's identity whatever text its ref was typed as (cursors are bound to it). Default: `run.ref`. */
  identity?(target: RunTarget<Handle>): string;
  close?(): Promise<void>;
}

export interface RunCatalogV2<Handle> {
  /** `id` is the part after `provider:`. Throws NotFound for an unknown run. */
  describe(id: string, options?: CallOptions): Promise<Described<Handle>>;
  /** Pages of summaries, newest first where the provider allows it. */
  list?(filter: RunFilter, options?: CallOptions): AsyncIterable<readonly RunSummaryDocument[]>;
}

// ---------------------------------------------------------------------------------------------
// Logs: three shapes of source. Core reads each into the same merged, filtered, followed timeline
// with exact cursors; an adapter implements the one its wire API has.

export type LogSourceV2<Handle> = PositionedLogSource<Handle> | QueryLogSource<Handle> | StreamLogSource<Handle>;

/** Streams that exist now. A run that has not started writing yet has none; that is not an error. */
interface StreamLister<Handle> {
  listStreams(target: RunTarget<Handle>, options?: CallOptions): Promise<readonly LogStreamInfo[]>;
}

/**
 * Per-stream logs that can be re-read from a stored position (CloudWatch tokens, blob byte offsets,
 * OBS object offsets, local files).
 */
export interface PositionedLogSource<Handle> extends StreamLister<Handle> {
  readonly kind: 'positioned';
  readStream(target: RunTarget<Handle>, stream: LogStreamInfo, request: StreamReadRequestV2): Promise<LogPageV2>;
  /** Optional: the end of a stream without reading all of it; undefined declines (core reads forward). */
  tailStream?(target: RunTarget<Handle>, stream: LogStreamInfo, request: { readonly count: number; readonly until?: number } & CallOptions): Promise<LogTailV2 | undefined>;
}

export interface StreamReadRequestV2 extends CallOptions {
  /** Undefined: from the start of the stream (or from `since`). */
  readonly position?: JsonValue;
  readonly since?: number;
  readonly until?: number;
  /**
   * Where to put the bytes of a page given as LogLines whose bytes are the page's own (not shared
   * with other pages): core gives them back once the consumer has had every record of the page, and
   * they serve later pages. Given only to reads whose consumer keeps no record (LogQuery.ephemeral).
   */
  readonly pageBuffers?: PageBuffers;
}

export interface LogPageV2 {
  /**
   * In stream order. Reading again from the position a page was read at must return the same records
   * first. An adapter that reads bytes gives LogLines (columns over the page's bytes): core holds pages
   * for seconds before merging them, and columns keep that memory off the JS heap (see LogLines).
   */
  readonly records: readonly LogRecord[] | LogLines;
  readonly next: JsonValue;
  /** Nothing more is available now at `next`. */
  readonly caughtUp: boolean;
  readonly warnings?: readonly Warning[];
}

export interface LogTailV2 {
  readonly records: readonly LogRecord[];
  readonly next: JsonValue;
}

/**
 * Query-shaped logs: a filter plus a page token, as Google Cloud Logging's `entries:list`. Each
 * stream is one filter (its `id` is the adapter's to interpret). Pages come in timestamp order;
 * page tokens live only as long as one reading pass (core never puts one in a cursor): core resumes
 * from a timestamp and a count of records already delivered at that timestamp, and drops records
 * it has delivered (a `since` rounded down by the provider returns some again).
 */
export interface QueryLogSource<Handle> extends StreamLister<Handle> {
  readonly kind: 'query';
  query(target: RunTarget<Handle>, stream: LogStreamInfo, request: LogQueryRequest): Promise<LogQueryPage>;
}

export interface LogQueryRequest extends CallOptions {
  /** Records at or after this epoch ms (the provider may round it down; core drops what it had). */
  readonly since?: number;
  /** Records before this epoch ms. */
  readonly until?: number;
  /** Continue the query a previous page of this pass started. */
  readonly pageToken?: string;
  /** A hint; the provider may return fewer or more. */
  readonly pageSize: number;
}

export interface LogQueryPage {
  /** Ascending by timestamp (ties in the provider's order, which must be stable). */
  readonly records: readonly LogRecord[];
  /** More now: undefined means the query is exhausted for the moment. */
  readonly nextPageToken?: string;
  readonly warnings?: readonly Warning[];
}

/**
 * Stream-shaped logs: a long-lived connection that delivers lines as they are written, as
 * Kubernetes' `pods/{pod}/log?follow=true&timestamps=true`. Core keeps one connection per stream
 * while following and reopens it from the exact point delivered when the server drops it (kubectl's
 * idle drop) or the network fails; without follow, the connection ends at the end of the log.
 */
export interface StreamLogSource<Handle> extends StreamLister<Handle> {
  readonly kind: 'stream';
  /**
   * Granularity of `since` on the wire in ms (Kubernetes' `sinceTime` is whole seconds: 1000).
   * Core asks from the start of that unit and drops what it had delivered. Default 1.
   */
  readonly sinceGranularityMs?: number;
  /**
   * Opens the stream. Batches of records in stream order (ascending timestamps); the iterable ends
   * when the connection does. Aborting `signal` closes it. Errors are thrown from the iteration.
   */
  open(target: RunTarget<Handle>, stream: LogStreamInfo, request: StreamOpenRequest): AsyncIterable<readonly LogRecord[]>;
}

export interface StreamOpenRequest extends CallOptions {
  /** From this epoch ms, already rounded down to `sinceGranularityMs`. Undefined: from the start. */
  readonly since?: number;
  /** Keep the connection open for lines written later. */
  readonly follow: boolean;
}

// ---------------------------------------------------------------------------------------------
// Metrics and artifacts: whole series and byte streams, each call given the run target.

export interface MetricReadRequestV2 extends CallOptions {
  readonly since?: number;
  readonly until?: number;
}

export interface MetricSourceV2<Handle> {
  listMetrics(target: RunTarget<Handle>, options?: CallOptions): Promise<readonly MetricDescriptor[]>;
  /** Reads the given series (already filtered by core), whole, with every page followed. */
  readMetrics(target: RunTarget<Handle>, descriptors: readonly MetricDescriptor[], request: MetricReadRequestV2): Promise<{ series: readonly MetricSeries[]; warnings?: readonly Warning[] }>;
  /**
   * Optional: for each descriptor, a token that changes whenever the series' stored points may have
   * changed (local archives: size, modification time, inode), or undefined when it cannot tell. With
   * it core may reuse a series of an ended run it has read (`metricCache`); an adapter that has it
   * returns one series per descriptor, in order, from `readMetrics`.
   */
  seriesVersions?(target: RunTarget<Handle>, descriptors: readonly MetricDescriptor[], options?: CallOptions): Promise<readonly (string | undefined)[]>;
}

export interface ArtifactSourceV2<Handle> {
  listArtifacts(target: RunTarget<Handle>, options?: CallOptions): AsyncIterable<readonly ArtifactInfo[]>;
  /** A byte stream; never the whole file in memory. */
  openArtifact(target: RunTarget<Handle>, path: string, options?: CallOptions): Promise<ArtifactBody>;
}

/** Any definition, whatever its settings and handle types (what registries and the CLI hold). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyProviderDefinition = ProviderDefinition<any, any>;

/** Follow policy, core's (RunlensOptions.follow); no provider sets it. */
export interface FollowPolicy {
  /** Poll interval bounds in ms for positioned and query-shaped sources; core adapts between them. Default 2s–30s. */
  readonly pollMs?: { readonly min: number; readonly max: number };
  /** How often a follow re-describes the run to see whether it ended. Default max(poll min, 5s). */
  readonly statusPollMs?: number;
  /** How often a follow looks for streams of nodes that started late. Default max(poll min, 10s). */
  readonly streamDiscoveryMs?: number;
  /** After a run ends, how long to wait before the last drain (lines reach providers late). Default poll min. */
  readonly drainDelayMs?: number;
  /** How long to ride out an unreachable provider (LogQuery.reconnectForMs overrides). Default 10 minutes. */
  readonly reconnectForMs?: number;
}
