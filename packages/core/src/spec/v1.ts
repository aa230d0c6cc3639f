// The adapter contract, version 1: being replaced by v2 (spec/v2.ts, issue 12). Core reads v1
// definitions only through the temporary `fromV1` shim (query/from-v1.ts); this file goes with it.
// The adapter contract, version 1. Plain types; it imports nothing at runtime. Adapters translate one
// provider's wire API into these shapes and nothing more: merging, following, cursors, retries,
// budgets and filtering are core's (see docs/architecture.md).
import type { ArtifactBody, ArtifactInfo } from '../model/artifact.js';
import type { LogRecord, LogStreamInfo } from '../model/log.js';
import type { MetricDescriptor, MetricSeries } from '../model/metric.js';
import type { Run, RunFilter, RunSummary } from '../model/run.js';
import type { Warning } from '../model/warning.js';
import type { RunlensError } from '../errors.js';
import type { FailureRule } from '../failure.js';

export type SpecificationVersion = 'v1';

/** A JSON value: adapter positions must survive `JSON.stringify` inside a cursor. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface CallOptions {
  readonly signal?: AbortSignal;
}

/** What a provider can do. The query API refuses anything flagged false with an `Unsupported` error. */
export interface ProviderCapabilities {
  readonly list: boolean;
  readonly logs: boolean;
  /** Live following of a running run's logs. */
  readonly follow: boolean;
  readonly systemMetrics: boolean;
  readonly trainingMetrics: boolean;
  /** Training metric points carry a step number. */
  readonly metricSteps: boolean;
  readonly artifacts: boolean;
}

/**
 * What an adapter package exports (cheaply: no SDK import). `load` brings in the SDK only when a ref
 * of this provider is used, so the CLI starts fast.
 */
export interface ProviderDefinitionV1 {
  readonly specificationVersion: 'v1';
  /** The ref prefix: `sagemaker`, `modelarts`, `azureml`, `local`. */
  readonly id: string;
  readonly displayName: string;
  readonly capabilities: ProviderCapabilities;
  /**
   * Recognises a native identifier (an ARN, an ARM id, a console URL, a path) and returns the run id
   * in this provider's `provider:id` form, or undefined. Also offered the id of a `provider:id` ref
   * of this provider, so `azureml:<Studio URL>` means the same as the bare URL. `cwd` is where
   * relative paths are resolved.
   */
  claim?(text: string, context: ClaimContext): string | undefined;
  /** Whether enough configuration is present to list runs without being asked by name. */
  isConfigured?(environment: ProviderEnvironment): boolean;
  load(environment: ProviderEnvironment): Promise<ProviderV1>;
}

export interface ClaimContext {
  readonly cwd: string;
}

/** What core hands an adapter when loading it. Adapters read configuration only from here. */
export interface ProviderEnvironment {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Per-provider settings from the caller (`createRunlens({ settings: { sagemaker: {...} } })`). */
  readonly settings: Readonly<Record<string, unknown>>;
  readonly cwd: string;
  readonly requests: RequestContext;
  readonly debug: (message: string) => void;
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

/** A loaded provider. Optional sources are features; capabilities say which the provider has. */
export interface ProviderV1 {
  readonly specificationVersion: 'v1';
  readonly id: string;
  readonly catalog: RunCatalogV1;
  readonly logs?: RunLogSourceV1;
  readonly metrics?: MetricSourceV1;
  readonly artifacts?: ArtifactSourceV1;
  /** Follow polling bounds in ms; core adapts between them. */
  readonly followPollMs?: { readonly min: number; readonly max: number };
  /** How often follow re-describes the run to see whether it ended. */
  readonly statusPollMs?: number;
  /** How often follow looks for streams of nodes that started late. */
  readonly streamDiscoveryMs?: number;
  /**
   * Provider-specific failure patterns (on codes and texts only this provider produces), tried before
   * core's common rules when core classifies a failure from log evidence.
   */
  readonly failureRules?: readonly FailureRule[];
  /**
   * The run's identity, whatever text its ref was typed as (`local:./x` and `local:/abs/x` are one
   * run). Cursors are bound to it. Default: `run.ref`.
   */
  identity?(run: Run): string;
  close?(): Promise<void>;
}

export interface RunCatalogV1 {
  /** `id` is the part after `provider:`. Throws NotFound for an unknown run. */
  describe(id: string, options?: CallOptions): Promise<Run>;
  /** Pages of summaries, newest first where the provider allows it. */
  list?(filter: RunFilter, options?: CallOptions): AsyncIterable<readonly RunSummary[]>;
}

/** Where a read of one stream starts: an adapter-defined, JSON-serialisable position. */
export interface StreamReadRequest extends CallOptions {
  /** Undefined: from the start of the stream (or from `since`). */
  readonly position?: JsonValue;
  readonly since?: number;
  readonly until?: number;
}

export interface LogPage {
  /** In stream order. Records carry the node of their stream. */
  readonly records: readonly LogRecord[];
  /**
   * The position right after this page. Reading again from the position a page was read at must
   * return the same records first (core resumes cursors by skipping those already delivered).
   */
  readonly next: JsonValue;
  /** Nothing more is available now at `next` (more may arrive later while the run is live). */
  readonly caughtUp: boolean;
  /** Why a stream reads short or empty (a log the provider has cleared, for one); the reader passes each on once. */
  readonly warnings?: readonly Warning[];
}

export interface LogTail {
  /** The last `count` records of the stream (before `until`), oldest first. */
  readonly records: readonly LogRecord[];
  /** The position at the end of the stream, where following continues. */
  readonly next: JsonValue;
}

export interface RunLogSourceV1 {
  /** Streams that exist now. A run that has not started writing yet has none; that is not an error. */
  listStreams(run: Run, options?: CallOptions): Promise<readonly LogStreamInfo[]>;
  readStream(run: Run, stream: LogStreamInfo, request: StreamReadRequest): Promise<LogPage>;
  /**
   * Optional: the end of a stream without reading all of it. Returning undefined declines (e.g. an
   * `until` the adapter cannot apply); without a tail from every stream, core reads forward instead.
   */
  tailStream?(run: Run, stream: LogStreamInfo, request: { count: number; until?: number } & CallOptions): Promise<LogTail | undefined>;
}

export interface MetricReadRequest extends CallOptions {
  readonly since?: number;
  readonly until?: number;
}

export interface MetricSourceV1 {
  listMetrics(run: Run, options?: CallOptions): Promise<readonly MetricDescriptor[]>;
  /** Reads the given series (already filtered by core), whole, with every page followed. */
  readMetrics(run: Run, descriptors: readonly MetricDescriptor[], request: MetricReadRequest): Promise<{ series: readonly MetricSeries[]; warnings?: readonly Warning[] }>;
  /**
   * Optional: for each descriptor, a token that changes whenever the series' stored points may have
   * changed (local archives: the file's size, modification time and inode), or undefined when it
   * cannot tell. With it, core may reuse a series of an ended run that it has read (the runlens
   * option `metricCache`); an adapter that has it returns one series per descriptor, in order, from
   * `readMetrics`.
   */
  seriesVersions?(run: Run, descriptors: readonly MetricDescriptor[], options?: CallOptions): Promise<readonly (string | undefined)[]>;
}

export interface ArtifactSourceV1 {
  listArtifacts(run: Run, options?: CallOptions): AsyncIterable<readonly ArtifactInfo[]>;
  /** A byte stream; never the whole file in memory. */
  openArtifact(run: Run, path: string, options?: CallOptions): Promise<ArtifactBody>;
}
