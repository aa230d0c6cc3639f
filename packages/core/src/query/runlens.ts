import { rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { ARCHIVE_FILES, ARCHIVE_FORMAT, ARCHIVE_FORMAT_VERSION, artifactMatcher, metricFileName, type ArchiveManifest, type SkippedArtifact } from '../archive/format.js';
import { existingFile, hashFile, isSafeArtifactPath, JsonlWriter, NodeLogFiles, placeFile, safeJoin, stageArchive, streamToTemp, writeJson } from '../archive/write.js';
import { invalidInput, notFound, providerError, RunlensError, unsupported } from '../errors.js';
import { onLocalFiles, requirePath } from '../local-files.js';
import { enrichFailure } from '../failure.js';
import { RequestBudget } from '../machinery/budget.js';
import { createRequestContext } from '../machinery/requests.js';
import type { RetryPolicy } from '../machinery/retry.js';
import type { ArtifactBody, ArtifactInfo } from '../model/artifact.js';
import type { LogQuery, LogRecord, LogStreamInfo } from '../model/log.js';
import type { MetricDescriptor, MetricQuery, MetricSeries } from '../model/metric.js';
import { isTerminal, type Run, type RunFilter, type RunSummary } from '../model/run.js';
import { brief, type Warning } from '../model/warning.js';
import { redact, registerSecret } from '../redact.js';
import type { RunRef } from '../ref.js';
import type { AnyProviderDefinition, FollowPolicy, RequestContext, ProviderCapabilitiesV2, ProviderEnvironmentV2, ProviderV2, RunCapabilities, RunFeature, RunTarget, TestHooks } from '../spec/v2.js';
import { formatRef } from '../ref.js';
import { fromQuerySource, fromStreamSource, type NormalizedLogSource } from './log-shapes.js';
import { resolveSettings } from './settings.js';
import { compareRuns, type Comparison, type CompareOptions } from './compare.js';
import { compareNatural, LogReader } from './logs.js';
import { ProviderRegistry } from './registry.js';
import { SeriesCache } from './series-cache.js';
import { columnarSeries, filterColumns } from '../machinery/columns.js';


/** How many descriptions of ended runs one runlens instance keeps (with reuseEndedRunsMs). */
const DESCRIBED_MAX = 256;
export interface RunlensOptions {
  /**
   * Provider definitions, e.g. `[localProvider, sagemakerProvider]`. To collect them from inversify
   * ContainerModules, use `composeProviders` from `@runlens/core/inversify`.
   */
  readonly providers?: readonly AnyProviderDefinition[];
  /** Configuration source for adapters. Defaults to `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * Per-provider settings, keyed by provider id; each is parsed by the provider's schema (over the
   * environment variables it declares). A key that names no registered provider is refused.
   */
  readonly settings?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** TESTS ONLY: hooks per provider id (a MockAgent dispatcher, a clock). Never settings. */
  readonly testHooks?: Readonly<Record<string, TestHooks>>;
  /** Core's follow policy: poll intervals, status and stream discovery intervals, drain delay, reconnect time. */
  readonly follow?: FollowPolicy;
  /**
   * The follow policy for one provider's runs, over `follow`: the composition root's choice, not the
   * adapter's (re-reading a local archive costs nothing; a cloud API has quotas).
   */
  readonly followByProvider?: Readonly<Record<string, FollowPolicy>>;
  readonly cwd?: string;
  /**
   * Core's one retry policy for every wire call: `budgetMs` is how long one request may keep retrying
   * throttling and transient failures (default 3 minutes; the CLI's --retry-budget).
   */
  readonly retry?: Partial<RetryPolicy>;
  /** Default for every follow's `LogQuery.reconnectForMs` (how long to ride out an unreachable provider; 10 minutes if unset). Same as `follow.reconnectForMs`. */
  readonly followReconnectMs?: number;
  /**
   * How long a description of a run that has ended may be reused by this instance (default 0: every
   * query describes the run). A copy or an export asks for it in every part; the CLI sets a minute.
   */
  readonly reuseEndedRunsMs?: number;
  /** Receives redacted diagnostic lines (the CLI's --debug). */
  readonly debug?: (message: string) => void;
  /**
   * Keep metric series of ended runs that this instance has read, up to `maxPoints` points in all
   * (least recently used first out), for providers that version their series (local archives);
   * default: none kept. For long-lived instances that read the same series again (`runlens serve`).
   */
  readonly metricCache?: { readonly maxPoints: number };
  /**
   * Memory for log pages read ahead of the merge, all streams of a read together (default 12 MiB,
   * DEFAULT_READ_AHEAD_BYTES): more keeps more requests in flight on slow links; 0 still lets one
   * page be read ahead at a time.
   */
  readonly readAheadBytes?: number;
}

/** A run with what it can do: per-run capabilities (every feature, resolved) and typed warnings from its description. */
export interface RunView {
  readonly run: Run;
  readonly capabilities: { readonly [F in RunFeature]: { readonly available: boolean; readonly reason?: string } };
  readonly warnings: readonly Warning[];
}

export interface ListOptions extends RunFilter {
  /** Only these providers; default: every configured one. */
  readonly providers?: readonly string[];
  readonly signal?: AbortSignal;
}

export interface MetricsResult {
  readonly run: Run;
  readonly series: readonly MetricSeries[];
  readonly warnings: readonly Warning[];
}

export interface DownloadProgress {
  readonly path: string;
  readonly bytes: number;
  readonly total?: number;
}

export interface DownloadOptions {
  /** Only these files, or everything under these folders. */
  readonly paths?: readonly string[];
  /** Replace files that already exist at the destination (default: refuse, naming the first). */
  readonly overwrite?: boolean;
  /** Keep existing files whose size and checksum match the artifact (see docs/cli.md for which checksum). */
  readonly skipExisting?: boolean;
  readonly onProgress?: (p: DownloadProgress) => void;
  readonly signal?: AbortSignal;
}

export interface DownloadSummary {
  readonly dir: string;
  /** What was written, with the size and SHA-256 of the bytes received. */
  readonly artifacts: readonly ArtifactInfo[];
  /** What was not written: already present (`--skip-existing`) or a path that would leave the directory. */
  readonly skipped: readonly SkippedArtifact[];
  readonly warnings: readonly Warning[];
}

export interface ExportOptions {
  /** `false`: no artifacts; globs: only the artifacts they match (see `artifactMatcher`). Default: all. */
  readonly artifacts?: boolean | readonly string[];
  /** Replace an earlier export at the target (only a directory that is a run archive). */
  readonly overwrite?: boolean;
  readonly onProgress?: (event: { phase: 'logs' | 'metrics' | 'artifacts'; detail: string }) => void;
  readonly signal?: AbortSignal;
}

export interface ExportSummary {
  readonly dir: string;
  readonly manifest: ArchiveManifest;
  readonly warnings: readonly Warning[];
}

export interface Runlens {
  /** Provider ids in registration order. */
  providers(): string[];
  capabilities(provider: string): ProviderCapabilitiesV2;
  resolve(ref: string): RunRef;
  describe(ref: string, options?: { signal?: AbortSignal; evidence?: boolean }): Promise<Run>;
  /** The run (without log evidence) with its per-run capabilities and warnings. */
  describeRun(ref: string, options?: { signal?: AbortSignal }): Promise<RunView>;
  /**
   * What a run this instance described (by `describe` or `describeRun`) can do, without asking the
   * provider again: its per-run capabilities, narrowed from the provider's. A run from elsewhere is
   * described first.
   */
  runCapabilities(run: Run, options?: { signal?: AbortSignal }): Promise<RunView['capabilities']>;
  /**
   * The run's identity, whatever text its ref was typed as (`local:./x` and `local:/abs/x` are one):
   * the provider's `identity(run)`, else `run.ref`. Cursors and copies name runs by it.
   */
  identity(run: Run): Promise<string>;
  list(options?: ListOptions): Promise<{ runs: RunSummary[]; warnings: Warning[] }>;
  logStreams(ref: string, options?: { signal?: AbortSignal }): Promise<readonly LogStreamInfo[]>;
  logs(ref: string, query?: LogQuery): Promise<LogReader>;
  metricDescriptors(ref: string, options?: { signal?: AbortSignal }): Promise<readonly MetricDescriptor[]>;
  metrics(ref: string, query?: MetricQuery): Promise<MetricsResult>;
  artifacts(ref: string, options?: { signal?: AbortSignal }): Promise<ArtifactInfo[]>;
  openArtifact(ref: string, artifactPath: string, options?: { signal?: AbortSignal }): Promise<ArtifactBody>;
  download(ref: string, dir: string, options?: DownloadOptions): Promise<DownloadSummary>;
  compare(refs: readonly string[], options?: CompareOptions): Promise<Comparison>;
  export(ref: string, dir: string, options?: ExportOptions): Promise<ExportSummary>;
  /**
   * Core's request machinery (shared budget, retry policy, debug, stats) for a client that is not a
   * provider: a sink such as `@runlens/copy`'s MLflow target. `scope` names it in debug lines and errors.
   */
  requestContext(scope: string): RequestContext;
  /** Wire calls and retries made so far (for benchmarks and --debug). */
  stats(): { calls: number; retries: number };
  close(): Promise<void>;
}

/** A described run as core keeps it: the stamped run with the adapter's handle, and what the run can do. */
interface Described {
  readonly target: RunTarget<unknown>;
  readonly capabilities: RunCapabilities;
  readonly warnings: readonly Warning[];
}

/** The source of a run whose logs are gone (its per-run capabilities say so): no streams. */
const NO_LOGS: NormalizedLogSource = {
  kind: 'positioned',
  listStreams: async () => [],
  readStream: async () => ({ records: [], next: null, caughtUp: true }),
};

/** How many lines at the end of a failed run's logs are searched for evidence. */
const EVIDENCE_TAIL = 200;

/** The one entry point: a query API over every registered provider. */
export function createRunlens(options: RunlensOptions = {}): Runlens {
  const registry = new ProviderRegistry(options.providers ?? []);
  const env = options.env ?? process.env;
  const debug = (message: string) => options.debug?.(redact(message));
  const budget = new RequestBudget();
  const stats = { calls: 0, retries: 0 };
  const loaded = new Map<string, Promise<ProviderV2>>();
  const follow: FollowPolicy = { ...(options.followReconnectMs !== undefined ? { reconnectForMs: options.followReconnectMs } : {}), ...options.follow };

  const cwd = options.cwd ?? process.cwd();
  const resolveRef = (text: string): RunRef => registry.resolve(text, { cwd });
  // Settings are parsed once per provider, the same way for all (settings.ts); what the caller gave
  // is checked at once, so a bad flag fails before anything is read.
  for (const id of Object.keys(options.settings ?? {})) {
    if (!registry.ids().includes(id)) throw invalidInput(`settings for unknown provider '${id}' (known: ${registry.ids().join(', ') || 'none'})`);
  }
  const parsed = new Map<string, unknown>();
  const settingsOf = (id: string): unknown => {
    if (!parsed.has(id)) parsed.set(id, resolveSettings(registry.get(id), options.settings?.[id], env));
    return parsed.get(id);
  };
  for (const id of Object.keys(options.settings ?? {})) settingsOf(id);
  const environment = (id: string): ProviderEnvironmentV2<unknown> => ({
    env,
    settings: settingsOf(id),
    cwd,
    requests: createRequestContext({ provider: id, budget, retry: options.retry, debug, stats }),
    debug,
    testHooks: options.testHooks?.[id] ?? {},
  });
  const provider = (id: string): Promise<ProviderV2> => {
    let instance = loaded.get(id);
    if (!instance) {
      const definition = registry.get(id);
      instance = (async () => definition.load(environment(id)))();
      loaded.set(id, instance);
    }
    return instance;
  };

  const capable = (ref: RunRef, feature: keyof ProviderCapabilitiesV2, what: string): void => {
    if (!registry.get(ref.provider).capabilities[feature]) {
      throw unsupported(`${registry.get(ref.provider).displayName} does not support ${what}`, { provider: ref.provider, run: ref.id });
    }
  };

  /** A failure of a provider call, named after the run it was about. */
  const contextError = (ref: RunRef, e: unknown): RunlensError =>
    RunlensError.isInstance(e) ? e.withContext({ provider: ref.provider, run: ref.id }) : providerError((e as Error)?.message ?? String(e), { provider: ref.provider, run: ref.id, cause: e });

  const withContext = async <T>(ref: RunRef, work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (e) {
      throw contextError(ref, e);
    }
  };

  // With reuseEndedRunsMs, a run that has ended is described once per that time: a copy asks for its
  // description in every part (metrics, logs, artifacts), which cost SageMaker 8 DescribeTrainingJob
  // calls per copied run, against a quota of 8/s. Running runs are never reused (follow polls their
  // status).
  const reuseMs = options.reuseEndedRunsMs ?? 0;
  const described = new Map<string, { view: Described; at: number }>();
  // The handle of each run object handed out, so `identity(run)` can ask the adapter.
  const handles = new WeakMap<Run, Described>();
  const describeFull = async (ref: RunRef, signal?: AbortSignal): Promise<Described> => {
    const key = `${ref.provider}:${ref.id}`;
    const now = Date.now();
    const cached = described.get(key);
    if (cached && now - cached.at < reuseMs) return cached.view;
    const answer = await withContext(ref, async () => (await provider(ref.provider)).catalog.describe(ref.id, { signal }));
    // Identity is core's: the adapter returns the document, core stamps ref and provider.
    const run: Run = { ...answer.run, ref: formatRef({ provider: ref.provider, id: answer.run.id }), provider: ref.provider };
    const target: RunTarget<unknown> = { run, handle: answer.handle };
    const view: Described = { target, capabilities: answer.capabilities ?? {}, warnings: answer.warnings ?? [] };
    handles.set(run, view);
    if (reuseMs > 0 && isTerminal(run.status)) {
      described.delete(key);
      described.set(key, { view, at: now });
      if (described.size > DESCRIBED_MAX) described.delete(described.keys().next().value!);
    } else described.delete(key);
    return view;
  };
  const describeRaw = async (ref: RunRef, signal?: AbortSignal): Promise<RunTarget<unknown>> => (await describeFull(ref, signal)).target;

  /** Whether this run has a feature its provider has (a run can only narrow the provider's capabilities). */
  const runFeature = (ref: RunRef, view: Described, feature: RunFeature): { available: boolean; reason?: string } => {
    const definition = registry.get(ref.provider);
    if (!definition.capabilities[feature]) return { available: false, reason: `${definition.displayName} does not support ${feature}` };
    const own = view.capabilities[feature];
    return own && !own.available ? { available: false, ...(own.reason ? { reason: own.reason } : {}) } : { available: true };
  };
  const capabilitiesOf = (ref: RunRef, view: Described): RunView['capabilities'] => {
    const features: RunFeature[] = ['logs', 'follow', 'systemMetrics', 'trainingMetrics', 'artifacts'];
    return Object.fromEntries(features.map((f) => [f, runFeature(ref, view, f)])) as RunView['capabilities'];
  };
  const runCapable = (ref: RunRef, view: Described, feature: RunFeature, what: string): void => {
    const state = runFeature(ref, view, feature);
    if (!state.available) throw unsupported(`${view.target.run.ref} has no ${what}${state.reason ? `: ${state.reason}` : ''}`, { provider: ref.provider, run: ref.id });
  };

  const readerFor = async (ref: RunRef, target: RunTarget<unknown>, query: LogQuery): Promise<LogReader> => {
    const p = await provider(ref.provider);
    if (!p.logs) throw unsupported(`${registry.get(ref.provider).displayName} has no log source`, { provider: ref.provider, run: ref.id });
    const logs = p.logs;
    // Query- and stream-shaped sources are read through core's positions (log-shapes.ts).
    const source: NormalizedLogSource = logs.kind === 'query' ? fromQuerySource(logs) : logs.kind === 'stream' ? fromStreamSource(logs, query.signal) : logs;
    return new LogReader(
      { source, target, identity: p.identity?.(target) ?? target.run.ref, describe: () => describeRaw(ref, query.signal), policy: { ...follow, ...options.followByProvider?.[ref.provider] }, ...(options.readAheadBytes !== undefined ? { readAheadBytes: options.readAheadBytes } : {}) },
      query,
    );
  };

  // The query methods below resolve a ref and describe the run once; these do the rest with that run,
  // so composite operations (export) cost one description, not one per part.
  const metricsOf = async (ref: RunRef, target: RunTarget<unknown>, query: MetricQuery): Promise<MetricsResult> => {
    const run = target.run;
    const p = await provider(ref.provider);
    if (!p.metrics) return { run, series: [], warnings: [{ type: 'unsupported', message: `${ref.provider} exposes no metrics` }] };
    const warnings: Warning[] = [];
    const all = await withContext(ref, () => p.metrics!.listMetrics(target, { signal: query.signal }));
    const selected = selectMetrics(all, query, warnings, run.ref);
    if (selected.length === 0) return { run, series: [], warnings };
    const read = await readSeries(ref, p, target, selected, query);
    warnings.push(...read.warnings);
    if (query.since === undefined && query.until === undefined) return { run, series: read.series, warnings };
    const inWindow = (t: number) => (query.since === undefined || t >= query.since) && (query.until === undefined || t < query.until);
    return { run, series: read.series.map((s) => (s.columns ? columnarSeries(s, filterColumns(s.columns, inWindow)) : { ...s, points: s.points.filter((pt) => inWindow(pt.timestamp)) })), warnings };
  };

  // The selected series, from the cache where it holds them (see SeriesCache); the rest from the provider.
  const seriesCache = options.metricCache && options.metricCache.maxPoints > 0 ? new SeriesCache(options.metricCache.maxPoints) : undefined;
  const readSeries = async (ref: RunRef, p: ProviderV2, target: RunTarget<unknown>, selected: readonly MetricDescriptor[], query: MetricQuery): Promise<{ series: readonly MetricSeries[]; warnings: readonly Warning[] }> => {
    const source = p.metrics!;
    const run = target.run;
    const direct = async () => {
      const result = await withContext(ref, () => source.readMetrics(target, selected, { since: query.since, until: query.until, signal: query.signal }));
      return { series: result.series, warnings: result.warnings ?? [] };
    };
    if (!seriesCache || !source.seriesVersions || !isTerminal(run.status)) return direct();
    const versions = await withContext(ref, () => source.seriesVersions!(target, selected, { signal: query.signal }));
    const identity = p.identity?.(target) ?? run.ref;
    const keys = selected.map((d, i) => (versions[i] === undefined ? undefined : JSON.stringify([identity, d.name, d.node ?? null, d.kind, d.providerName, versions[i]])));
    const found = keys.map((key) => (key === undefined ? undefined : seriesCache.get(key)));
    const missing = selected.filter((_, i) => !found[i]);
    // Read whole (no window): what is kept must be the whole series; metricsOf applies the window.
    const result = missing.length === 0 ? { series: [] } : await withContext(ref, () => source.readMetrics(target, missing, { signal: query.signal }));
    // The adapter's promise (one series per descriptor, in order) not kept: nothing is cached, nothing mixed.
    if (result.series.length !== missing.length) return direct();
    const warnings = result.warnings ?? [];
    let next = 0;
    const series = selected.map((descriptor, i) => {
      const cached = found[i];
      if (cached) return 'timestamps' in cached ? columnarSeries(descriptor, cached) : { ...descriptor, points: cached };
      const s = result.series[next++]!;
      // A read that warned is not kept: its warnings would be lost on reuse.
      if (keys[i] !== undefined && warnings.length === 0) seriesCache.set(keys[i]!, s.columns ?? s.points);
      return s;
    });
    return { series, warnings };
  };

  const artifactsOf = async (ref: RunRef, target: RunTarget<unknown>, signal?: AbortSignal): Promise<ArtifactInfo[]> => {
    const p = await provider(ref.provider);
    if (!p.artifacts) return [];
    return withContext(ref, async () => {
      const all: ArtifactInfo[] = [];
      for await (const page of p.artifacts!.listArtifacts(target, { signal })) all.push(...page);
      return all;
    });
  };

  /**
   * Downloads into `dir`. Every destination is checked before the first byte is fetched, so a refusal
   * (a file already there) leaves the destination as it was. Files are streamed to a temporary name
   * and moved into place only once their size and SHA-256 are verified.
   */
  const downloadOf = async (ref: RunRef, source: RunTarget<unknown>, dir: string, options: DownloadOptions & { select?: (path: string) => boolean; side?: string }): Promise<DownloadSummary> => {
    const side = options.side ?? 'download destination';
    requirePath(`the ${side}`, dir);
    const context = { provider: ref.provider, run: ref.id };
    const listed = await artifactsOf(ref, source, options.signal);
    const wanted = options.paths;
    const warnings: Warning[] = [];
    let chosen = wanted ? listed.filter((a) => wanted.some((w) => selectsPath(w, a.path))) : listed;
    if (wanted) {
      const missing = wanted.filter((w) => !listed.some((a) => selectsPath(w, a.path)));
      if (chosen.length === 0) throw notFound(`no artifact matches ${wanted.map((w) => `'${w}'`).join(', ')}`, context);
      for (const w of missing) warnings.push({ type: 'not-found', message: `no artifact matches '${w}'` });
    }
    if (options.select) chosen = chosen.filter((a) => options.select!(a.path));

    const root = path.resolve(dir);
    await onLocalFiles(side, async () => {
      const info = await stat(root).catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? undefined : Promise.reject(e)));
      if (info && !info.isDirectory()) throw invalidInput(`${side}: '${dir}' is a file, not a directory`);
    });

    const skipped: SkippedArtifact[] = [];
    /** `shown` is the destination as the user would write it (`DIR/a/b`), for messages. */
    interface Item { artifact: ArtifactInfo; target: string; shown: string; existing?: { size: number }; compareAfter?: boolean }
    const items: Item[] = [];
    for (const artifact of chosen) {
      if (!isSafeArtifactPath(artifact.path)) {
        skipped.push({ path: artifact.path, reason: 'unsafe path: it would be written outside the target directory' });
        warnings.push({ type: 'degraded', message: `skipped artifact '${artifact.path}': its path would leave the target directory` });
        continue;
      }
      const target = safeJoin(root, artifact.path);
      const shown = path.join(dir, ...artifact.path.split('/'));
      const found = await existingFile(target, side);
      if (found === 'not-a-file') throw invalidInput(`${side}: cannot write artifact '${artifact.path}' to '${shown}': something other than a file is in the way`);
      items.push({ artifact, target, shown, ...(found === 'missing' ? {} : { existing: found }) });
    }

    const present = items.filter((i) => i.existing);
    if (present.length > 0 && !options.overwrite && !options.skipExisting) {
      const more = present.length > 1 ? ` (and ${present.length - 1} more)` : '';
      throw invalidInput(`'${present[0]!.shown}' already exists${more}; pass --overwrite to replace it, or --skip-existing to keep files that already match`, { file: present[0]!.target });
    }
    const todo: Item[] = [];
    if (options.skipExisting) {
      const differing: Item[] = [];
      for (const item of items) {
        if (!item.existing) continue;
        const verdict = await compareExisting(item.artifact, item.target, item.existing, side);
        if (verdict === 'same') skipped.push({ path: item.artifact.path, reason: 'already present with the same size and checksum' });
        else if (verdict === 'unknown') todo.push({ ...item, compareAfter: true });
        else if (options.overwrite) todo.push(item);
        else differing.push(item);
      }
      if (differing.length > 0) {
        const more = differing.length > 1 ? ` (and ${differing.length - 1} more)` : '';
        throw invalidInput(`'${differing[0]!.shown}' already exists and differs from '${differing[0]!.artifact.path}'${more}; pass --overwrite to replace it`, { file: differing[0]!.target });
      }
    } else {
      todo.push(...items.filter((i) => i.existing));
    }
    // Files that can only be compared once downloaded go first: a refusal then comes before any new file.
    todo.push(...items.filter((i) => !i.existing));

    const p = await provider(ref.provider);
    const written: ArtifactInfo[] = [];
    for (const item of todo) {
      const { artifact, target } = item;
      const body = await withContext(ref, () => p.artifacts!.openArtifact(source, artifact.path, { signal: options.signal }));
      let bytes = 0;
      const total = artifact.size ?? body.size;
      const file = await streamToTemp(body, target, {
        side,
        bodyError: (e) => contextError(ref, e),
        onBytes: (n) => {
          bytes += n;
          options.onProgress?.({ path: artifact.path, bytes, total });
        },
      });
      try {
        if (artifact.sha256 && artifact.sha256 !== file.sha256) throw providerError(`artifact '${artifact.path}' is corrupt: its SHA-256 does not match the listing`, context);
        if (artifact.size !== undefined && artifact.size !== file.size) throw providerError(`artifact '${artifact.path}' is truncated: ${file.size} of ${artifact.size} bytes`, context);
        if (item.compareAfter) {
          const same = item.existing!.size === file.size && (await hashFile(target, 'sha256', side)) === file.sha256;
          if (same) {
            await rm(file.temp, { force: true });
            skipped.push({ path: artifact.path, reason: 'already present with the same size and checksum' });
            continue;
          }
          if (!options.overwrite) throw invalidInput(`'${item.shown}' already exists and differs from '${artifact.path}'; pass --overwrite to replace it`, { file: target });
        }
        await placeFile(file.temp, target, side);
      } catch (e) {
        await rm(file.temp, { force: true });
        throw e;
      }
      written.push({ ...artifact, size: file.size, sha256: file.sha256 });
    }
    return { dir, artifacts: written, skipped, warnings };
  };

  const api: Runlens = {
    providers: () => registry.ids(),
    capabilities: (id) => registry.get(id).capabilities,
    resolve: (text) => resolveRef(text),

    async describe(text, describeOptions = {}) {
      const ref = resolveRef(text);
      const view = await describeFull(ref, describeOptions.signal);
      const run = view.target.run;
      if (run.status !== 'failed' || describeOptions.evidence === false || !runFeature(ref, view, 'logs').available) return run;
      // A failed run's reason is often generic or empty; the end of its logs usually says why.
      const rules = (await provider(ref.provider)).failureRules;
      const enriched = (failure: Run['failure']): Run => {
        const out: Run = { ...run, failure };
        handles.set(out, view);
        return out;
      };
      try {
        const reader = await readerFor(ref, view.target, { tail: EVIDENCE_TAIL, signal: describeOptions.signal });
        const tail: LogRecord[] = [];
        for await (const record of reader) tail.push(record);
        return enriched(enrichFailure(run.failure, tail, rules));
      } catch (e) {
        if (RunlensError.isInstance(e) && e.code === 'Interrupted') throw e;
        debug(`evidence from logs unavailable: ${(e as Error).message}`);
        return run.failure ? run : enriched(enrichFailure(undefined, [], rules));
      }
    },

    async describeRun(text, describeOptions = {}) {
      const ref = resolveRef(text);
      const view = await describeFull(ref, describeOptions.signal);
      return { run: view.target.run, capabilities: capabilitiesOf(ref, view), warnings: view.warnings };
    },

    async runCapabilities(run, capabilityOptions = {}) {
      const ref = resolveRef(run.ref);
      return capabilitiesOf(ref, handles.get(run) ?? (await describeFull(ref, capabilityOptions.signal)));
    },

    async identity(run) {
      const p = await provider(run.provider);
      if (!p.identity) return run.ref;
      const target = handles.get(run)?.target ?? (await describeRaw(resolveRef(run.ref)));
      return p.identity(target);
    },

    async list(listOptions = {}) {
      const warnings: Warning[] = [];
      const explicit = listOptions.providers !== undefined;
      const ids = listOptions.providers ?? registry.list().filter((d) => d.isConfigured?.({ settings: settingsOf(d.id), env }) ?? true).map((d) => d.id);
      const runs: RunSummary[] = [];
      for (const id of ids) {
        const definition = registry.get(id);
        if (!definition.capabilities.list) {
          if (explicit) throw unsupported(`${definition.displayName} cannot list runs`, { provider: id });
          continue;
        }
        const p = await provider(id);
        if (!p.catalog.list) continue;
        let count = 0;
        try {
          for await (const page of p.catalog.list(listOptions, { signal: listOptions.signal })) {
            for (const document of page) {
              if (listOptions.status && !listOptions.status.includes(document.status)) continue;
              runs.push({ ...document, ref: formatRef({ provider: id, id: document.id }), provider: id });
              count++;
            }
            if (listOptions.limit !== undefined && count >= listOptions.limit) break;
          }
        } catch (e) {
          if (explicit || !RunlensError.isInstance(e) || e.code === 'Interrupted') throw RunlensError.isInstance(e) ? e.withContext({ provider: id }) : e;
          warnings.push({ type: 'degraded', message: `${definition.displayName}: ${e.message}`, error: e.code });
        }
      }
      // ISO 8601 strings order as text (localeCompare would load ICU collation data for nothing).
      runs.sort((a, b) => ((b.createdAt ?? '') < (a.createdAt ?? '') ? -1 : (b.createdAt ?? '') > (a.createdAt ?? '') ? 1 : 0));
      return { runs: listOptions.limit !== undefined ? runs.slice(0, listOptions.limit) : runs, warnings };
    },

    async logStreams(text, streamOptions = {}) {
      const ref = resolveRef(text);
      capable(ref, 'logs', 'logs');
      const view = await describeFull(ref, streamOptions.signal);
      if (!runFeature(ref, view, 'logs').available) return [];
      const p = await provider(ref.provider);
      return withContext(ref, async () => (p.logs ? p.logs.listStreams(view.target, streamOptions) : []));
    },

    async logs(text, query = {}) {
      const ref = resolveRef(text);
      capable(ref, 'logs', 'logs');
      if (query.follow) capable(ref, 'follow', 'following logs (--follow)');
      const view = await describeFull(ref, query.signal);
      const logs = runFeature(ref, view, 'logs');
      if (!logs.available) {
        // A run whose logs are gone says why rather than printing nothing.
        // (`nodes: []`: no stream to read, and no second, vaguer explanation of the silence.)
        const reader = new LogReader({ source: NO_LOGS, target: view.target, describe: () => describeRaw(ref, query.signal), policy: follow }, { ...query, follow: false, nodes: [] });
        reader.warnings.push({ type: 'no-data', message: `no logs for ${view.target.run.ref}${logs.reason ? `: ${logs.reason}` : ''}` });
        query.onWarning?.(reader.warnings[0]!);
        return reader;
      }
      if (query.follow && !isTerminal(view.target.run.status)) runCapable(ref, view, 'follow', 'live logs to follow');
      return readerFor(ref, view.target, query);
    },

    async metricDescriptors(text, descriptorOptions = {}) {
      const ref = resolveRef(text);
      const p = await provider(ref.provider);
      if (!p.metrics) throw unsupported(`${registry.get(ref.provider).displayName} has no metrics`, { provider: ref.provider, run: ref.id });
      const target = await describeRaw(ref, descriptorOptions.signal);
      return withContext(ref, () => p.metrics!.listMetrics(target, descriptorOptions));
    },

    async metrics(text, query = {}) {
      const ref = resolveRef(text);
      const caps = registry.get(ref.provider).capabilities;
      if (query.kind === 'system') capable(ref, 'systemMetrics', 'system metrics');
      if (query.kind === 'training') capable(ref, 'trainingMetrics', 'training metrics');
      if (!caps.systemMetrics && !caps.trainingMetrics) capable(ref, 'trainingMetrics', 'metrics');
      const view = await describeFull(ref, query.signal);
      const missing = (['systemMetrics', 'trainingMetrics'] as const).filter((f) => caps[f] && !runFeature(ref, view, f).available && (!query.kind || `${query.kind}Metrics` === f));
      const result = await metricsOf(ref, view.target, query);
      if (missing.length === 0) return result;
      // What the run lacks is said, once per feature, beside whatever else it has.
      const notes: Warning[] = missing.map((f) => ({ type: 'unsupported', message: `${view.target.run.ref} has no ${f === 'systemMetrics' ? 'system' : 'training'} metrics${runFeature(ref, view, f).reason ? `: ${runFeature(ref, view, f).reason}` : ''}` }));
      return { ...result, warnings: [...notes, ...result.warnings] };
    },

    async artifacts(text, artifactOptions = {}) {
      const ref = resolveRef(text);
      capable(ref, 'artifacts', 'artifacts');
      const view = await describeFull(ref, artifactOptions.signal);
      runCapable(ref, view, 'artifacts', 'artifacts');
      return artifactsOf(ref, view.target, artifactOptions.signal);
    },

    async openArtifact(text, artifactPath, artifactOptions = {}) {
      const ref = resolveRef(text);
      capable(ref, 'artifacts', 'artifacts');
      const p = await provider(ref.provider);
      const view = await describeFull(ref, artifactOptions.signal);
      runCapable(ref, view, 'artifacts', 'artifacts');
      if (!p.artifacts) throw unsupported('no artifact source', { provider: ref.provider, run: ref.id });
      return withContext(ref, () => p.artifacts!.openArtifact(view.target, artifactPath, artifactOptions));
    },

    async download(text, dir, downloadOptions = {}) {
      const ref = resolveRef(text);
      requirePath('the download destination', dir);
      capable(ref, 'artifacts', 'artifacts');
      const view = await describeFull(ref, downloadOptions.signal);
      runCapable(ref, view, 'artifacts', 'artifacts');
      return downloadOf(ref, view.target, dir, downloadOptions);
    },

    compare: (refs, compareOptions = {}) => compareRuns(api, refs, compareOptions),

    async export(text, dir, exportOptions = {}) {
      const ref = resolveRef(text);
      const caps = registry.get(ref.provider).capabilities;
      const warnings: Warning[] = [];
      const selection = exportOptions.artifacts === false ? 'none' : Array.isArray(exportOptions.artifacts) ? exportOptions.artifacts : 'all';
      const run = await api.describe(text, { signal: exportOptions.signal });
      const view = handles.get(run) ?? (await describeFull(ref, exportOptions.signal));
      const target = view.target;
      // What this run lacks is left out of the archive, and said.
      const has = (feature: RunFeature): boolean => {
        const state = runFeature(ref, view, feature);
        if (!state.available && state.reason && registry.get(ref.provider).capabilities[feature]) warnings.push({ type: 'no-data', message: `exported without ${feature}: ${state.reason}` });
        return state.available;
      };
      // Everything is written beside the target and renamed onto it at the end: an export that fails
      // or is interrupted leaves nothing that reads as an archive.
      const stage = await stageArchive(dir, { replace: exportOptions.overwrite });
      const out = stage.staging;
      const local = <T>(work: () => Promise<T>) => onLocalFiles('export directory', work);
      try {
        let logRecords = 0;
        const nodeFiles = new NodeLogFiles(path.join(out, ARCHIVE_FILES.logsDir));
        if (caps.logs && has('logs')) {
          exportOptions.onProgress?.({ phase: 'logs', detail: 'reading logs' });
          const reader = await readerFor(ref, target, { signal: exportOptions.signal });
          try {
            for await (const record of reader) {
              await local(() => nodeFiles.write(record.node, record));
              logRecords++;
            }
          } finally {
            await local(() => nodeFiles.close());
          }
          warnings.push(...reader.warnings);
        }

        let seriesCount = 0;
        let points = 0;
        const metricFiles: string[] = [];
        if ((caps.systemMetrics && has('systemMetrics')) || (caps.trainingMetrics && has('trainingMetrics'))) {
          exportOptions.onProgress?.({ phase: 'metrics', detail: 'reading metrics' });
          const result = await metricsOf(ref, target, { signal: exportOptions.signal });
          warnings.push(...result.warnings);
          const taken = new Set<string>();
          for (const series of result.series) {
            const { points: seriesPoints, ...descriptor } = series;
            const name = metricFileName(descriptor, taken);
            await local(async () => {
              const writer = new JsonlWriter(path.join(out, ARCHIVE_FILES.metricsDir, name));
              await writer.write({ series: descriptor });
              for (const point of seriesPoints) await writer.write(point);
              await writer.close();
            });
            metricFiles.push(name);
            seriesCount++;
            points += seriesPoints.length;
          }
        }

        let artifacts: readonly ArtifactInfo[] = [];
        let skipped: readonly SkippedArtifact[] = [];
        if (caps.artifacts && selection !== 'none' && has('artifacts')) {
          exportOptions.onProgress?.({ phase: 'artifacts', detail: 'downloading artifacts' });
          const result = await downloadOf(ref, target, path.join(out, ARCHIVE_FILES.artifactsDir), {
            signal: exportOptions.signal,
            side: 'export directory',
            ...(selection === 'all' ? {} : { select: artifactMatcher(selection) }),
          });
          artifacts = result.artifacts;
          skipped = result.skipped;
          warnings.push(...result.warnings);
        }
        const manifest: ArchiveManifest = {
          format: ARCHIVE_FORMAT,
          formatVersion: ARCHIVE_FORMAT_VERSION,
          exportedAt: new Date().toISOString(),
          source: { ref: run.ref, provider: run.provider },
          counts: { nodes: nodeFiles.nodes, logRecords, series: seriesCount, points, artifacts: artifacts.length, artifactBytes: artifacts.reduce((n, a) => n + (a.size ?? 0), 0) },
          files: { logs: nodeFiles.files, metrics: metricFiles.sort() },
          artifacts: { selected: selection, skipped },
        };
        await local(async () => {
          await writeJson(
            path.join(out, ARCHIVE_FILES.artifactManifest),
            artifacts.map((a) => ({ path: a.path, size: a.size, sha256: a.sha256, ...(a.modifiedAt ? { modifiedAt: a.modifiedAt } : {}) })),
          );
          // The copy remembers where it came from (an archive of an archive keeps the first origin).
          await writeJson(path.join(out, ARCHIVE_FILES.run), { ...run, origin: run.origin ?? { provider: run.provider, ref: run.ref } });
          await writeJson(path.join(out, ARCHIVE_FILES.archive), manifest);
        });
        await stage.commit();
        return { dir, manifest, warnings };
      } finally {
        await stage.abandon();
      }
    },

    requestContext: (scope) => createRequestContext({ provider: scope, budget, retry: options.retry, debug, stats }),

    stats: () => ({ ...stats }),

    async close() {
      seriesCache?.clear();
      const instances = await Promise.allSettled(loaded.values());
      await Promise.all(instances.map((r) => (r.status === 'fulfilled' ? r.value.close?.() : undefined)));
    },
  };
  for (const [key, value] of Object.entries(env)) if (/SECRET|TOKEN|_SK$|PASSWORD|ACCESS_KEY/i.test(key)) registerSecret(value);
  return api;
}

/** `--path` semantics: a file by its exact path, or everything under a folder. */
function selectsPath(wanted: string, artifactPath: string): boolean {
  return artifactPath === wanted || artifactPath.startsWith(wanted.endsWith('/') ? wanted : `${wanted}/`);
}

/** Whether a file already at the destination is the artifact: by size, then the provider's checksum. */
async function compareExisting(artifact: ArtifactInfo, file: string, existing: { size: number }, side: string): Promise<'same' | 'differs' | 'unknown'> {
  if (artifact.size !== undefined && artifact.size !== existing.size) return 'differs';
  if (artifact.sha256) return (await hashFile(file, 'sha256', side)) === artifact.sha256 ? 'same' : 'differs';
  // An ETag of 32 hex digits is the content's MD5 only for single-part uploads without SSE-KMS/SSE-C,
  // which a listing does not say: a match proves the content, a mismatch proves nothing.
  if (artifact.md5 && (await hashFile(file, 'md5', side)) === artifact.md5) return 'same';
  return 'unknown';
}

/** `*` matches any run of characters; everything else is literal. */
export function globToRegExp(glob: string): RegExp {
  return new RegExp(`^${glob.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
}

/**
 * Applies names/nodes/kind filters (names and nodes take `*` globs). What selects nothing becomes one
 * short warning that says which filter left it out, never a listing of everything there is.
 */
export function selectMetrics(all: readonly MetricDescriptor[], query: MetricQuery, warnings: Warning[], ref: string): MetricDescriptor[] {
  const nodes = query.nodes?.map((n) => ({ text: n, re: globToRegExp(n) }));
  const names = query.names && query.names.length > 0 ? query.names.map((n) => ({ text: n, re: globToRegExp(n) })) : undefined;
  const named = (d: MetricDescriptor, re: RegExp) => re.test(d.name) || re.test(d.providerName);
  const kindOk = (d: MetricDescriptor) => !query.kind || d.kind === query.kind;
  // A series of the whole run (a training metric without a node) belongs to every node.
  const nodeOk = (d: MetricDescriptor) => !nodes || d.node === undefined || nodes.some(({ re }) => re.test(d.node!));
  const hint = `'runlens metrics ${ref} --list' lists them`;
  const uniq = (values: readonly (string | undefined)[]) => [...new Set(values.filter((v): v is string => v !== undefined))].sort(compareNatural);

  if (nodes) {
    const known = uniq(all.map((d) => d.node));
    for (const { text, re } of nodes) {
      if (!known.some((n) => re.test(n))) warnings.push({ type: 'not-found', message: `no metrics for node '${text}' in ${ref} (${known.length > 0 ? brief(known, 'nodes') : 'its metrics have no nodes'})` });
    }
  }
  if (names) {
    for (const { text, re } of names) {
      const exposed = all.filter((d) => named(d, re));
      if (exposed.length === 0) {
        const available = uniq(all.map((d) => d.name));
        warnings.push({ type: 'not-found', message: `metric '${text}' is not exposed by ${ref} (${available.length > 0 ? `${brief(available, 'metrics')}; ${hint}` : 'it has no metrics'})` });
      } else if (!exposed.some((d) => kindOk(d) && nodeOk(d))) {
        const why = [query.kind && !exposed.some(kindOk) ? `of kind ${query.kind}` : undefined, nodes ? `for node ${nodes.map((n) => `'${n.text}'`).join(', ')}` : undefined].filter(Boolean).join(' ');
        const where = uniq(exposed.map((d) => d.node));
        warnings.push({ type: 'not-found', message: `metric '${text}' has no series ${why} in ${ref}${where.length > 0 ? ` (it has ${brief(where, 'nodes')})` : ''}` });
      }
    }
  }
  return all.filter((d) => kindOk(d) && nodeOk(d) && (!names || names.some(({ re }) => named(d, re))));
}
