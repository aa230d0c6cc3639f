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
import type { ProviderCapabilities, ProviderDefinitionV1, ProviderEnvironment, ProviderV1, RequestContext } from '../spec/v1.js';
import { compareRuns, type Comparison, type CompareOptions } from './compare.js';
import { compareNatural, LogReader } from './logs.js';
import { ProviderRegistry } from './registry.js';
import { SeriesCache } from './series-cache.js';


/** How many descriptions of ended runs one runlens instance keeps (with reuseEndedRunsMs). */
const DESCRIBED_MAX = 256;
export interface RunlensOptions {
  /**
   * Provider definitions, e.g. `[localProvider, sagemakerProvider]`. To collect them from inversify
   * ContainerModules, use `composeProviders` from `@runlens/core/inversify`.
   */
  readonly providers?: readonly ProviderDefinitionV1[];
  /** Configuration source for adapters. Defaults to `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Per-provider settings, keyed by provider id. */
  readonly settings?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly cwd?: string;
  /**
   * Core's one retry policy for every wire call: `budgetMs` is how long one request may keep retrying
   * throttling and transient failures (default 3 minutes; the CLI's --retry-budget).
   */
  readonly retry?: Partial<RetryPolicy>;
  /** Default for every follow's `LogQuery.reconnectForMs` (how long to ride out an unreachable provider; 10 minutes if unset). */
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
   * Memory for log pages read ahead of the merge, all streams of a read together (default 20 MiB,
   * DEFAULT_READ_AHEAD_BYTES): more keeps more requests in flight on slow links; 0 still lets one
   * page be read ahead at a time.
   */
  readonly readAheadBytes?: number;
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
  capabilities(provider: string): ProviderCapabilities;
  resolve(ref: string): RunRef;
  describe(ref: string, options?: { signal?: AbortSignal; evidence?: boolean }): Promise<Run>;
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

/** How many lines at the end of a failed run's logs are searched for evidence. */
const EVIDENCE_TAIL = 200;

/** The one entry point: a query API over every registered provider. */
export function createRunlens(options: RunlensOptions = {}): Runlens {
  const registry = new ProviderRegistry(options.providers ?? []);
  const env = options.env ?? process.env;
  const debug = (message: string) => options.debug?.(redact(message));
  const budget = new RequestBudget();
  const stats = { calls: 0, retries: 0 };
  const loaded = new Map<string, Promise<ProviderV1>>();

  const cwd = options.cwd ?? process.cwd();
  const resolveRef = (text: string): RunRef => registry.resolve(text, { cwd });
  const environment = (id: string): ProviderEnvironment => ({
    env,
    settings: options.settings?.[id] ?? {},
    cwd,
    requests: createRequestContext({ provider: id, budget, retry: options.retry, debug, stats }),
    debug,
  });
  const provider = (id: string): Promise<ProviderV1> => {
    let instance = loaded.get(id);
    if (!instance) {
      instance = registry.get(id).load(environment(id));
      loaded.set(id, instance);
    }
    return instance;
  };

  const capable = (ref: RunRef, feature: keyof ProviderCapabilities, what: string): void => {
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
  const described = new Map<string, { run: Run; at: number }>();
  const describeRaw = async (ref: RunRef, signal?: AbortSignal): Promise<Run> => {
    const key = `${ref.provider}:${ref.id}`;
    const now = Date.now();
    const cached = described.get(key);
    if (cached && now - cached.at < reuseMs) return cached.run;
    const run = await withContext(ref, async () => (await provider(ref.provider)).catalog.describe(ref.id, { signal }));
    if (reuseMs > 0 && isTerminal(run.status)) {
      described.delete(key);
      described.set(key, { run, at: now });
      if (described.size > DESCRIBED_MAX) described.delete(described.keys().next().value!);
    } else described.delete(key);
    return run;
  };

  const readerFor = async (ref: RunRef, run: Run, query: LogQuery): Promise<LogReader> => {
    const p = await provider(ref.provider);
    if (!p.logs) throw unsupported(`${registry.get(ref.provider).displayName} has no log source`, { provider: ref.provider, run: ref.id });
    const reconnectForMs = query.reconnectForMs ?? options.followReconnectMs;
    return new LogReader(
      { provider: p, source: p.logs, run, describe: () => describeRaw(ref, query.signal), ...(options.readAheadBytes !== undefined ? { readAheadBytes: options.readAheadBytes } : {}) },
      reconnectForMs === undefined ? query : { ...query, reconnectForMs },
    );
  };

  // The query methods below resolve a ref and describe the run once; these do the rest with that run,
  // so composite operations (export) cost one description, not one per part.
  const metricsOf = async (ref: RunRef, run: Run, query: MetricQuery): Promise<MetricsResult> => {
    const p = await provider(ref.provider);
    if (!p.metrics) return { run, series: [], warnings: [{ type: 'unsupported', message: `${ref.provider} exposes no metrics` }] };
    const warnings: Warning[] = [];
    const all = await withContext(ref, () => p.metrics!.listMetrics(run, { signal: query.signal }));
    const selected = selectMetrics(all, query, warnings, run.ref);
    if (selected.length === 0) return { run, series: [], warnings };
    const read = await readSeries(ref, p, run, selected, query);
    warnings.push(...read.warnings);
    if (query.since === undefined && query.until === undefined) return { run, series: read.series, warnings };
    const inWindow = (t: number) => (query.since === undefined || t >= query.since) && (query.until === undefined || t < query.until);
    return { run, series: read.series.map((s) => ({ ...s, points: s.points.filter((pt) => inWindow(pt.timestamp)) })), warnings };
  };

  // The selected series, from the cache where it holds them (see SeriesCache); the rest from the provider.
  const seriesCache = options.metricCache && options.metricCache.maxPoints > 0 ? new SeriesCache(options.metricCache.maxPoints) : undefined;
  const readSeries = async (ref: RunRef, p: ProviderV1, run: Run, selected: readonly MetricDescriptor[], query: MetricQuery): Promise<{ series: readonly MetricSeries[]; warnings: readonly Warning[] }> => {
    const source = p.metrics!;
    const direct = async () => {
      const result = await withContext(ref, () => source.readMetrics(run, selected, { since: query.since, until: query.until, signal: query.signal }));
      return { series: result.series, warnings: result.warnings ?? [] };
    };
    if (!seriesCache || !source.seriesVersions || !isTerminal(run.status)) return direct();
    const versions = await withContext(ref, () => source.seriesVersions!(run, selected, { signal: query.signal }));
    const identity = p.identity?.(run) ?? run.ref;
    const keys = selected.map((d, i) => (versions[i] === undefined ? undefined : JSON.stringify([identity, d.name, d.node ?? null, d.kind, d.providerName, versions[i]])));
    const found = keys.map((key) => (key === undefined ? undefined : seriesCache.get(key)));
    const missing = selected.filter((_, i) => !found[i]);
    // Read whole (no window): what is kept must be the whole series; metricsOf applies the window.
    const result = missing.length === 0 ? { series: [] } : await withContext(ref, () => source.readMetrics(run, missing, { signal: query.signal }));
    // The adapter's promise (one series per descriptor, in order) not kept: nothing is cached, nothing mixed.
    if (result.series.length !== missing.length) return direct();
    const warnings = result.warnings ?? [];
    let next = 0;
    const series = selected.map((descriptor, i) => {
      const cached = found[i];
      if (cached) return { ...descriptor, points: cached };
      const s = result.series[next++]!;
      // A read that warned is not kept: its warnings would be lost on reuse.
      if (keys[i] !== undefined && warnings.length === 0) seriesCache.set(keys[i]!, s.points);
      return s;
    });
    return { series, warnings };
  };

  const artifactsOf = async (ref: RunRef, run: Run, signal?: AbortSignal): Promise<ArtifactInfo[]> => {
    const p = await provider(ref.provider);
    if (!p.artifacts) return [];
    return withContext(ref, async () => {
      const all: ArtifactInfo[] = [];
      for await (const page of p.artifacts!.listArtifacts(run, { signal })) all.push(...page);
      return all;
    });
  };

  /**
   * Downloads into `dir`. Every destination is checked before the first byte is fetched, so a refusal
   * (a file already there) leaves the destination as it was. Files are streamed to a temporary name
   * and moved into place only once their size and SHA-256 are verified.
   */
  const downloadOf = async (ref: RunRef, run: Run, dir: string, options: DownloadOptions & { select?: (path: string) => boolean; side?: string }): Promise<DownloadSummary> => {
    const side = options.side ?? 'download destination';
    requirePath(`the ${side}`, dir);
    const context = { provider: ref.provider, run: ref.id };
    const listed = await artifactsOf(ref, run, options.signal);
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
      const body = await withContext(ref, () => p.artifacts!.openArtifact(run, artifact.path, { signal: options.signal }));
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
      const run = await describeRaw(ref, describeOptions.signal);
      if (run.status !== 'failed' || describeOptions.evidence === false || !registry.get(ref.provider).capabilities.logs) return run;
      // A failed run's reason is often generic or empty; the end of its logs usually says why.
      const rules = (await provider(ref.provider)).failureRules;
      try {
        const reader = await readerFor(ref, run, { tail: EVIDENCE_TAIL, signal: describeOptions.signal });
        const tail: LogRecord[] = [];
        for await (const record of reader) tail.push(record);
        return { ...run, failure: enrichFailure(run.failure, tail, rules) };
      } catch (e) {
        if (RunlensError.isInstance(e) && e.code === 'Interrupted') throw e;
        debug(`evidence from logs unavailable: ${(e as Error).message}`);
        return run.failure ? run : { ...run, failure: enrichFailure(undefined, [], rules) };
      }
    },

    async identity(run) {
      const p = await provider(run.provider);
      return p.identity?.(run) ?? run.ref;
    },

    async list(listOptions = {}) {
      const warnings: Warning[] = [];
      const explicit = listOptions.providers !== undefined;
      const ids = listOptions.providers ?? registry.list().filter((d) => d.isConfigured?.(environment(d.id)) ?? true).map((d) => d.id);
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
            for (const summary of page) {
              if (listOptions.status && !listOptions.status.includes(summary.status)) continue;
              runs.push(summary);
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
      const run = await describeRaw(ref, streamOptions.signal);
      const p = await provider(ref.provider);
      return withContext(ref, async () => (p.logs ? p.logs.listStreams(run, streamOptions) : []));
    },

    async logs(text, query = {}) {
      const ref = resolveRef(text);
      capable(ref, 'logs', 'logs');
      if (query.follow) capable(ref, 'follow', 'following logs (--follow)');
      const run = await describeRaw(ref, query.signal);
      return readerFor(ref, run, query);
    },

    async metricDescriptors(text, descriptorOptions = {}) {
      const ref = resolveRef(text);
      const p = await provider(ref.provider);
      if (!p.metrics) throw unsupported(`${registry.get(ref.provider).displayName} has no metrics`, { provider: ref.provider, run: ref.id });
      const run = await describeRaw(ref, descriptorOptions.signal);
      return withContext(ref, () => p.metrics!.listMetrics(run, descriptorOptions));
    },

    async metrics(text, query = {}) {
      const ref = resolveRef(text);
      const caps = registry.get(ref.provider).capabilities;
      if (query.kind === 'system') capable(ref, 'systemMetrics', 'system metrics');
      if (query.kind === 'training') capable(ref, 'trainingMetrics', 'training metrics');
      if (!caps.systemMetrics && !caps.trainingMetrics) capable(ref, 'trainingMetrics', 'metrics');
      return metricsOf(ref, await describeRaw(ref, query.signal), query);
    },

    async artifacts(text, artifactOptions = {}) {
      const ref = resolveRef(text);
      capable(ref, 'artifacts', 'artifacts');
      return artifactsOf(ref, await describeRaw(ref, artifactOptions.signal), artifactOptions.signal);
    },

    async openArtifact(text, artifactPath, artifactOptions = {}) {
      const ref = resolveRef(text);
      capable(ref, 'artifacts', 'artifacts');
      const p = await provider(ref.provider);
      const run = await describeRaw(ref, artifactOptions.signal);
      if (!p.artifacts) throw unsupported('no artifact source', { provider: ref.provider, run: ref.id });
      return withContext(ref, () => p.artifacts!.openArtifact(run, artifactPath, artifactOptions));
    },

    async download(text, dir, downloadOptions = {}) {
      const ref = resolveRef(text);
      requirePath('the download destination', dir);
      capable(ref, 'artifacts', 'artifacts');
      return downloadOf(ref, await describeRaw(ref, downloadOptions.signal), dir, downloadOptions);
    },

    compare: (refs, compareOptions = {}) => compareRuns(api, refs, compareOptions),

    async export(text, dir, exportOptions = {}) {
      const ref = resolveRef(text);
      const caps = registry.get(ref.provider).capabilities;
      const warnings: Warning[] = [];
      const selection = exportOptions.artifacts === false ? 'none' : Array.isArray(exportOptions.artifacts) ? exportOptions.artifacts : 'all';
      const run = await api.describe(text, { signal: exportOptions.signal });
      // Everything is written beside the target and renamed onto it at the end: an export that fails
      // or is interrupted leaves nothing that reads as an archive.
      const stage = await stageArchive(dir, { replace: exportOptions.overwrite });
      const out = stage.staging;
      const local = <T>(work: () => Promise<T>) => onLocalFiles('export directory', work);
      try {
        let logRecords = 0;
        const nodeFiles = new NodeLogFiles(path.join(out, ARCHIVE_FILES.logsDir));
        if (caps.logs) {
          exportOptions.onProgress?.({ phase: 'logs', detail: 'reading logs' });
          const reader = await readerFor(ref, run, { signal: exportOptions.signal });
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
        if (caps.systemMetrics || caps.trainingMetrics) {
          exportOptions.onProgress?.({ phase: 'metrics', detail: 'reading metrics' });
          const result = await metricsOf(ref, run, { signal: exportOptions.signal });
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
        if (caps.artifacts && selection !== 'none') {
          exportOptions.onProgress?.({ phase: 'artifacts', detail: 'downloading artifacts' });
          const result = await downloadOf(ref, run, path.join(out, ARCHIVE_FILES.artifactsDir), {
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
