import path from 'node:path';
import { ARCHIVE_FILES, ARCHIVE_FORMAT, ARCHIVE_FORMAT_VERSION, metricFileName, type ArchiveManifest } from '../archive/format.js';
import { JsonlWriter, NodeLogFiles, prepareArchiveDir, safeJoin, streamToFile, writeJson } from '../archive/write.js';
import { invalidInput, providerError, RunlensError, unsupported } from '../errors.js';
import { enrichFailure } from '../failure.js';
import { RequestBudget } from '../machinery/budget.js';
import { createRequestContext } from '../machinery/requests.js';
import type { RetryPolicy } from '../machinery/retry.js';
import type { ArtifactBody, ArtifactInfo } from '../model/artifact.js';
import type { LogQuery, LogRecord, LogStreamInfo } from '../model/log.js';
import type { MetricDescriptor, MetricQuery, MetricSeries } from '../model/metric.js';
import type { Run, RunFilter, RunSummary } from '../model/run.js';
import type { Warning } from '../model/warning.js';
import { redact, registerSecret } from '../redact.js';
import type { RunRef } from '../ref.js';
import type { ProviderCapabilities, ProviderDefinitionV1, ProviderEnvironment, ProviderV1 } from '../spec/v1.js';
import { compareRuns, type Comparison, type CompareOptions } from './compare.js';
import { LogReader } from './logs.js';
import { ProviderRegistry } from './registry.js';

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
  /** Receives redacted diagnostic lines (the CLI's --debug). */
  readonly debug?: (message: string) => void;
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

export interface ExportOptions {
  readonly artifacts?: boolean;
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
  list(options?: ListOptions): Promise<{ runs: RunSummary[]; warnings: Warning[] }>;
  logStreams(ref: string, options?: { signal?: AbortSignal }): Promise<readonly LogStreamInfo[]>;
  logs(ref: string, query?: LogQuery): Promise<LogReader>;
  metricDescriptors(ref: string, options?: { signal?: AbortSignal }): Promise<readonly MetricDescriptor[]>;
  metrics(ref: string, query?: MetricQuery): Promise<MetricsResult>;
  artifacts(ref: string, options?: { signal?: AbortSignal }): Promise<ArtifactInfo[]>;
  openArtifact(ref: string, artifactPath: string, options?: { signal?: AbortSignal }): Promise<ArtifactBody>;
  download(ref: string, dir: string, options?: { paths?: readonly string[]; onProgress?: (p: DownloadProgress) => void; signal?: AbortSignal }): Promise<ArtifactInfo[]>;
  compare(refs: readonly string[], options?: CompareOptions): Promise<Comparison>;
  export(ref: string, dir: string, options?: ExportOptions): Promise<ExportSummary>;
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

  const environment = (id: string): ProviderEnvironment => ({
    env,
    settings: options.settings?.[id] ?? {},
    cwd: options.cwd ?? process.cwd(),
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

  const withContext = async <T>(ref: RunRef, work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (e) {
      if (RunlensError.isInstance(e)) throw e.withContext({ provider: ref.provider, run: ref.id });
      throw providerError((e as Error)?.message ?? String(e), { provider: ref.provider, run: ref.id, cause: e });
    }
  };

  const describeRaw = (ref: RunRef, signal?: AbortSignal) => withContext(ref, async () => (await provider(ref.provider)).catalog.describe(ref.id, { signal }));

  const readerFor = async (ref: RunRef, run: Run, query: LogQuery): Promise<LogReader> => {
    const p = await provider(ref.provider);
    if (!p.logs) throw unsupported(`${registry.get(ref.provider).displayName} has no log source`, { provider: ref.provider, run: ref.id });
    return new LogReader({ provider: p, source: p.logs, run, describe: () => describeRaw(ref, query.signal) }, query);
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
    const result = await withContext(ref, () => p.metrics!.readMetrics(run, selected, { since: query.since, until: query.until, signal: query.signal }));
    warnings.push(...(result.warnings ?? []));
    const inWindow = (t: number) => (query.since === undefined || t >= query.since) && (query.until === undefined || t < query.until);
    return { run, series: result.series.map((s) => ({ ...s, points: s.points.filter((pt) => inWindow(pt.timestamp)) })), warnings };
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

  const downloadOf = async (ref: RunRef, run: Run, dir: string, options: { paths?: readonly string[]; onProgress?: (p: DownloadProgress) => void; signal?: AbortSignal }): Promise<ArtifactInfo[]> => {
    const listed = await artifactsOf(ref, run, options.signal);
    const wanted = options.paths;
    const chosen = wanted ? listed.filter((a) => wanted.some((w) => a.path === w || a.path.startsWith(w.endsWith('/') ? w : `${w}/`))) : listed;
    if (wanted && chosen.length === 0) throw invalidInput(`no artifact matches ${wanted.join(', ')}`, { provider: ref.provider, run: ref.id });
    const p = await provider(ref.provider);
    const written: ArtifactInfo[] = [];
    for (const artifact of chosen) {
      const target = safeJoin(dir, artifact.path);
      const body = await withContext(ref, () => p.artifacts!.openArtifact(run, artifact.path, { signal: options.signal }));
      let bytes = 0;
      const total = artifact.size ?? body.size;
      const result = await withContext(ref, () =>
        streamToFile(body, target, (n) => {
          bytes += n;
          options.onProgress?.({ path: artifact.path, bytes, total });
        }),
      );
      if (artifact.sha256 && artifact.sha256 !== result.sha256) throw providerError(`artifact '${artifact.path}' is corrupt: its SHA-256 does not match the listing`, { provider: ref.provider, run: ref.id });
      if (artifact.size !== undefined && artifact.size !== result.size) throw providerError(`artifact '${artifact.path}' is truncated: ${result.size} of ${artifact.size} bytes`, { provider: ref.provider, run: ref.id });
      written.push({ ...artifact, size: result.size, sha256: result.sha256 });
    }
    return written;
  };

  const api: Runlens = {
    providers: () => registry.ids(),
    capabilities: (id) => registry.get(id).capabilities,
    resolve: (text) => registry.resolve(text),

    async describe(text, describeOptions = {}) {
      const ref = registry.resolve(text);
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
          warnings.push({ type: 'degraded', message: `${definition.displayName}: ${e.message}` });
        }
      }
      // ISO 8601 strings order as text (localeCompare would load ICU collation data for nothing).
      runs.sort((a, b) => ((b.createdAt ?? '') < (a.createdAt ?? '') ? -1 : (b.createdAt ?? '') > (a.createdAt ?? '') ? 1 : 0));
      return { runs: listOptions.limit !== undefined ? runs.slice(0, listOptions.limit) : runs, warnings };
    },

    async logStreams(text, streamOptions = {}) {
      const ref = registry.resolve(text);
      capable(ref, 'logs', 'logs');
      const run = await describeRaw(ref, streamOptions.signal);
      const p = await provider(ref.provider);
      return withContext(ref, async () => (p.logs ? p.logs.listStreams(run, streamOptions) : []));
    },

    async logs(text, query = {}) {
      const ref = registry.resolve(text);
      capable(ref, 'logs', 'logs');
      if (query.follow) capable(ref, 'follow', 'following logs (--follow)');
      const run = await describeRaw(ref, query.signal);
      return readerFor(ref, run, query);
    },

    async metricDescriptors(text, descriptorOptions = {}) {
      const ref = registry.resolve(text);
      const p = await provider(ref.provider);
      if (!p.metrics) throw unsupported(`${registry.get(ref.provider).displayName} has no metrics`, { provider: ref.provider, run: ref.id });
      const run = await describeRaw(ref, descriptorOptions.signal);
      return withContext(ref, () => p.metrics!.listMetrics(run, descriptorOptions));
    },

    async metrics(text, query = {}) {
      const ref = registry.resolve(text);
      const caps = registry.get(ref.provider).capabilities;
      if (query.kind === 'system') capable(ref, 'systemMetrics', 'system metrics');
      if (query.kind === 'training') capable(ref, 'trainingMetrics', 'training metrics');
      if (!caps.systemMetrics && !caps.trainingMetrics) capable(ref, 'trainingMetrics', 'metrics');
      return metricsOf(ref, await describeRaw(ref, query.signal), query);
    },

    async artifacts(text, artifactOptions = {}) {
      const ref = registry.resolve(text);
      capable(ref, 'artifacts', 'artifacts');
      return artifactsOf(ref, await describeRaw(ref, artifactOptions.signal), artifactOptions.signal);
    },

    async openArtifact(text, artifactPath, artifactOptions = {}) {
      const ref = registry.resolve(text);
      capable(ref, 'artifacts', 'artifacts');
      const p = await provider(ref.provider);
      const run = await describeRaw(ref, artifactOptions.signal);
      if (!p.artifacts) throw unsupported('no artifact source', { provider: ref.provider, run: ref.id });
      return withContext(ref, () => p.artifacts!.openArtifact(run, artifactPath, artifactOptions));
    },

    async download(text, dir, downloadOptions = {}) {
      const ref = registry.resolve(text);
      capable(ref, 'artifacts', 'artifacts');
      return downloadOf(ref, await describeRaw(ref, downloadOptions.signal), dir, downloadOptions);
    },

    compare: (refs, compareOptions = {}) => compareRuns(api, refs, compareOptions),

    async export(text, dir, exportOptions = {}) {
      const ref = registry.resolve(text);
      const caps = registry.get(ref.provider).capabilities;
      const warnings: Warning[] = [];
      const run = await api.describe(text, { signal: exportOptions.signal });
      await prepareArchiveDir(dir);
      // The copy remembers where it came from (an archive of an archive keeps the first origin).
      await writeJson(path.join(dir, ARCHIVE_FILES.run), { ...run, origin: run.origin ?? { provider: run.provider, ref: run.ref } });

      let logRecords = 0;
      const nodeFiles = new NodeLogFiles(path.join(dir, ARCHIVE_FILES.logsDir));
      if (caps.logs) {
        exportOptions.onProgress?.({ phase: 'logs', detail: 'reading logs' });
        const reader = await readerFor(ref, run, { signal: exportOptions.signal });
        try {
          for await (const record of reader) {
            await nodeFiles.write(record.node, record);
            logRecords++;
          }
        } finally {
          await nodeFiles.close();
        }
        warnings.push(...reader.warnings);
      }

      let seriesCount = 0;
      let points = 0;
      if (caps.systemMetrics || caps.trainingMetrics) {
        exportOptions.onProgress?.({ phase: 'metrics', detail: 'reading metrics' });
        const result = await metricsOf(ref, run, { signal: exportOptions.signal });
        warnings.push(...result.warnings);
        const taken = new Set<string>();
        for (const series of result.series) {
          const { points: seriesPoints, ...descriptor } = series;
          const writer = new JsonlWriter(path.join(dir, ARCHIVE_FILES.metricsDir, metricFileName(descriptor, taken)));
          await writer.write({ series: descriptor });
          for (const point of seriesPoints) await writer.write(point);
          await writer.close();
          seriesCount++;
          points += seriesPoints.length;
        }
      }

      let artifacts: ArtifactInfo[] = [];
      if (caps.artifacts && exportOptions.artifacts !== false) {
        exportOptions.onProgress?.({ phase: 'artifacts', detail: 'downloading artifacts' });
        artifacts = await downloadOf(ref, run, path.join(dir, ARCHIVE_FILES.artifactsDir), { signal: exportOptions.signal });
      }
      await writeJson(
        path.join(dir, ARCHIVE_FILES.artifactManifest),
        artifacts.map((a) => ({ path: a.path, size: a.size, sha256: a.sha256, ...(a.modifiedAt ? { modifiedAt: a.modifiedAt } : {}) })),
      );
      const manifest: ArchiveManifest = {
        format: ARCHIVE_FORMAT,
        formatVersion: ARCHIVE_FORMAT_VERSION,
        exportedAt: new Date().toISOString(),
        source: { ref: run.ref, provider: run.provider },
        counts: { nodes: nodeFiles.nodes, logRecords, series: seriesCount, points, artifacts: artifacts.length, artifactBytes: artifacts.reduce((n, a) => n + (a.size ?? 0), 0) },
      };
      await writeJson(path.join(dir, ARCHIVE_FILES.archive), manifest);
      return { dir, manifest, warnings };
    },

    stats: () => ({ ...stats }),

    async close() {
      const instances = await Promise.allSettled(loaded.values());
      await Promise.all(instances.map((r) => (r.status === 'fulfilled' ? r.value.close?.() : undefined)));
    },
  };
  for (const [key, value] of Object.entries(env)) if (/SECRET|TOKEN|_SK$|PASSWORD|ACCESS_KEY/i.test(key)) registerSecret(value);
  return api;
}

function globToRegExp(glob: string): RegExp {
  return new RegExp(`^${glob.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
}

/** Applies names/nodes/kind filters; a requested name nothing matches becomes a warning, not silence. */
export function selectMetrics(all: readonly MetricDescriptor[], query: MetricQuery, warnings: Warning[], ref: string): MetricDescriptor[] {
  let selected = all.filter((d) => (!query.kind || d.kind === query.kind) && (!query.nodes || d.node === undefined || query.nodes.includes(d.node)));
  if (query.nodes) {
    const nodes = new Set(all.map((d) => d.node).filter(Boolean));
    for (const node of query.nodes) if (!nodes.has(node)) warnings.push({ type: 'not-found', message: `no metrics for node '${node}' in ${ref}` });
  }
  if (query.names && query.names.length > 0) {
    const patterns = query.names.map((n) => ({ name: n, re: globToRegExp(n) }));
    for (const { name, re } of patterns) {
      if (!selected.some((d) => re.test(d.name) || re.test(d.providerName))) {
        warnings.push({ type: 'not-found', message: `metric '${name}' is not exposed by ${ref} (available: ${[...new Set(all.map((d) => d.name))].join(', ') || 'none'})` });
      }
    }
    selected = selected.filter((d) => patterns.some(({ re }) => re.test(d.name) || re.test(d.providerName)));
  }
  return selected;
}

