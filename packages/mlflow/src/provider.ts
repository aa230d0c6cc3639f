// The loaded `mlflow:` provider: runs/get for the run, metrics/get-history for series, the artifacts
// proxy for artifacts and for the logs runlens copy stored as `runlens/logs/<node>.jsonl`.
import {
  RunlensError,
  fileSlug,
  invalidInput,
  providerError,
  unsupported,
  type ArtifactInfo,
  type LogRecord,
  type LogStreamInfo,
  type MetricDescriptor,
  type MetricPoint,
  type MetricSeries,
  type Described,
  type ProviderEnvironmentV2,
  type ProviderV2,
  type Run,
  type RunCapabilities,
  type RunTarget,
} from '@runlens/core';
import type { Dispatcher } from 'undici';
import { MlflowClient, type RunArtifactStore } from './client.js';
import { authForTarget, parseTrackingTarget, s3AccessForTarget, type TrackingTarget } from './targets.js';
import { ARTIFACTS, LOGS_DIR, RUNLENS_DIR, TAGS, parseMetricKey, type SeriesEntry } from './conventions.js';
import { parseNodes, tagMap, toRun, type MlflowHandle } from './convert-run.js';
import type { MlflowSettings } from './settings.js';
import { mapMlflowError } from './errors.js';
import { toNumber, type MlflowMetric, type MlflowRun } from './wire.js';

const DEFAULT_PAGE_BYTES = 1024 * 1024;
const MAX_PAGE_RECORDS = 10_000;
const METRIC_PAGE = 25_000;

type Target = RunTarget<MlflowHandle>;

export function createMlflowProvider(environment: ProviderEnvironmentV2<MlflowSettings>): ProviderV2<MlflowHandle> {
  const settings = environment.settings;
  // MLFLOW_TRACKING_URI arrives here as the trackingUri setting (core reads the variables a definition declares).
  const uri = settings.trackingUri;
  const label = uri !== undefined && uri === environment.env.MLFLOW_TRACKING_URI?.trim() ? 'MLFLOW_TRACKING_URI' : '--tracking-uri';
  let client: MlflowClient | undefined;
  let target: TrackingTarget | undefined;
  const targetOf = (): TrackingTarget => {
    if (!uri) throw invalidInput('no MLflow tracking server: set MLFLOW_TRACKING_URI or pass --tracking-uri', { provider: 'mlflow' });
    return (target ??= parseTrackingTarget(uri, environment.env, label));
  };
  const clientOf = (): MlflowClient => {
    const where = targetOf();
    client ??= new MlflowClient({
      baseUrl: where.baseUrl,
      requester: environment.requests.requester({ mapError: mapMlflowError }),
      auth: authForTarget(where, environment.env),
      ...(where.kind === 'sagemaker' ? { s3: s3AccessForTarget(where, environment.env)! } : {}),
      ...(environment.testHooks.dispatcher ? { dispatcher: environment.testHooks.dispatcher as Dispatcher } : {}),
      ...(settings.requestsPerSecond !== undefined ? { requestsPerSecond: settings.requestsPerSecond } : {}),
    });
    return client;
  };
  const pageBytes = settings.logPageBytes ?? DEFAULT_PAGE_BYTES;
  /** Where the run's artifacts are (the proxy, or S3 behind a SageMaker server); Unsupported, saying why, for a store neither reaches. */
  const storeOf = ({ run, handle }: Target): RunArtifactStore => {
    if ('store' in handle.artifacts) return handle.artifacts.store;
    throw unsupported(handle.artifacts.unavailable, { provider: 'mlflow', run: run.id });
  };
  const artifactsFor = (run: MlflowRun): MlflowHandle['artifacts'] => {
    try {
      return { store: clientOf().artifactStore(run.info) };
    } catch (error) {
      if (RunlensError.isInstance(error) && error.code === 'Unsupported') return { unavailable: error.message };
      throw error;
    }
  };
  /** What a run whose artifacts runlens cannot reach lacks: its artifacts, and the logs runlens copy keeps among them. */
  const capabilitiesOf = (handle: MlflowHandle): RunCapabilities =>
    'unavailable' in handle.artifacts ? { artifacts: { available: false, reason: handle.artifacts.unavailable }, logs: { available: false, reason: handle.artifacts.unavailable } } : {};
  const described = (id: string, handle: Omit<MlflowHandle, 'artifacts'>): Described<MlflowHandle> => {
    const full: MlflowHandle = { ...handle, artifacts: artifactsFor(handle.run) };
    return { run: toRun(id, handle), handle: full, capabilities: capabilitiesOf(full) };
  };

  /** A small artifact's text, or undefined when there is none. */
  const smallArtifact = async (run: MlflowRun, path: string, signal?: AbortSignal): Promise<string | undefined> => {
    try {
      const { body } = await clientOf().artifactStore(run.info).download(path, signal ? { signal } : {});
      const chunks: Buffer[] = [];
      for await (const chunk of body) chunks.push(Buffer.from(chunk as Uint8Array));
      return Buffer.concat(chunks).toString('utf8');
    } catch (error) {
      if (RunlensError.isInstance(error) && (error.code === 'NotFound' || error.code === 'Unsupported')) return undefined;
      throw error;
    }
  };

  const json = (text: string | undefined, what: string, runId: string): unknown => {
    if (text === undefined || text.trim() === '') return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw providerError(`the run's ${what} is not JSON`, { provider: 'mlflow', run: runId });
    }
  };
  const isObject = (value: unknown): value is Record<string, unknown> => Boolean(value) && typeof value === 'object' && !Array.isArray(value);
  const strings = (value: unknown): Record<string, string> => (isObject(value) ? Object.fromEntries(Object.entries(value).filter((e): e is [string, string] => typeof e[1] === 'string')) : {});

  /** The whole values `runlens.long_values` points to, read from their artifacts. */
  const longValuesOf = async (run: MlflowRun, index: unknown, kind: 'params' | 'tags', signal?: AbortSignal): Promise<Record<string, string>> => {
    const entries = Object.entries(strings(isObject(index) ? index[kind] : undefined));
    const values = await Promise.all(entries.map(([, path]) => smallArtifact(run, path, signal)));
    return Object.fromEntries(entries.flatMap(([key], i) => (values[i] === undefined ? [] : [[key, values[i]!]])));
  };

  const describe = async (id: string, options: { signal?: AbortSignal } = {}): Promise<Described<MlflowHandle>> => {
    const signal = options.signal;
    const run = await clientOf().getRun(id, { run: id, ...(signal ? { signal } : {}) });
    const tags = tagMap(run);
    // Only a run runlens copied has runlens's records: MLflow's own runs cost one request.
    if (!tags.has(TAGS.sourceRef)) return described(id, { run, keymap: {}, nodes: [] });
    // What a missing artifact answers through the proxy is unverified: fetch only files the listing shows.
    let present = new Set<string>();
    try {
      const files = await clientOf().artifactStore(run.info).list(RUNLENS_DIR, signal ? { signal } : {});
      present = new Set(files.filter((f) => !f.is_dir).map((f) => `${RUNLENS_DIR}/${f.path}`));
    } catch (error) {
      if (!(RunlensError.isInstance(error) && error.code === 'Unsupported')) throw error;
    }
    const fetch = (path: string) => (present.has(path) ? smallArtifact(run, path, signal) : Promise.resolve(undefined));
    const keymapTag = tags.get(TAGS.keymap);
    const [keymapText, sourceText, seriesText] = await Promise.all([
      keymapTag !== undefined ? Promise.resolve(keymapTag) : fetch(ARTIFACTS.keymap),
      fetch(ARTIFACTS.run),
      fetch(ARTIFACTS.series),
    ]);
    const index = json(tags.get(TAGS.longValues), TAGS.longValues, id);
    const [params, longTags] = await Promise.all([longValuesOf(run, index, 'params', signal), longValuesOf(run, index, 'tags', signal)]);
    const source = json(sourceText, ARTIFACTS.run, id);
    const series = json(seriesText, ARTIFACTS.series, id);
    return described(id, {
      run,
      keymap: strings(json(keymapText, 'key map', id)),
      nodes: parseNodes(isObject(source) ? source.nodes : undefined),
      longValues: { params, tags: longTags },
      ...(isObject(source) ? { source: source as Partial<Run> } : {}),
      ...(Array.isArray(series) ? { series: series.filter((e): e is SeriesEntry => isObject(e) && typeof e.name === 'string' && (e.kind === 'system' || e.kind === 'training')) } : {}),
    });
  };

  // ---- logs ------------------------------------------------------------------------------------

  const listStreams = async (t: Target, options: { signal?: AbortSignal } = {}): Promise<LogStreamInfo[]> => {
    // Artifacts in a store runlens cannot reach: no logs to read (describe said so in the run's capabilities).
    if (!('store' in t.handle.artifacts)) return [];
    const files = await t.handle.artifacts.store.list(LOGS_DIR, options.signal ? { signal: options.signal } : {});
    const bySlug = new Map(t.handle.nodes.map((n) => [fileSlug(n.name), n.name]));
    return files
      .filter((f) => !f.is_dir && f.path.endsWith('.jsonl'))
      .map((f) => {
        const name = f.path.split('/').pop()!;
        const slug = name.slice(0, -'.jsonl'.length);
        const size = toNumber(f.file_size);
        return { id: `${LOGS_DIR}/${name}`, node: bySlug.get(slug) ?? slug, ...(size !== undefined ? { size } : {}) };
      });
  };

  const parseRecord = (line: string, stream: LogStreamInfo, run: Run, offset: number): LogRecord => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      parsed = undefined;
    }
    const record = parsed as Partial<LogRecord> | undefined;
    if (!record || typeof record.timestamp !== 'number' || typeof record.message !== 'string') {
      throw providerError(`log artifact '${stream.id}' holds a line at byte ${offset} that is not a runlens log record`, { provider: 'mlflow', run: run.id });
    }
    return {
      timestamp: record.timestamp,
      node: typeof record.node === 'string' ? record.node : stream.node,
      message: record.message,
      ...(typeof record.stream === 'string' ? { stream: record.stream } : {}),
    };
  };

  const readStream = async (t: Target, stream: LogStreamInfo, request: { position?: unknown; signal?: AbortSignal }) => {
    const start = typeof request.position === 'number' && request.position >= 0 ? request.position : 0;
    const run = t.run;
    const { body, skip } = await storeOf(t).download(stream.id, { offset: start, ...(request.signal ? { signal: request.signal } : {}) });
    const records: LogRecord[] = [];
    let toSkip = skip;
    let pending = Buffer.alloc(0);
    let consumed = 0;
    let full = false;
    for await (const chunk of body) {
      let bytes = Buffer.from(chunk as Uint8Array);
      if (toSkip > 0) {
        if (bytes.byteLength <= toSkip) {
          toSkip -= bytes.byteLength;
          continue;
        }
        bytes = bytes.subarray(toSkip);
        toSkip = 0;
      }
      pending = pending.byteLength ? Buffer.concat([pending, bytes]) : bytes;
      let newline: number;
      while ((newline = pending.indexOf(10)) >= 0) {
        const line = pending.subarray(0, newline).toString('utf8');
        const at = start + consumed;
        pending = pending.subarray(newline + 1);
        consumed += newline + 1;
        if (line.trim() !== '') records.push(parseRecord(line, stream, run, at));
        if (consumed >= pageBytes || records.length >= MAX_PAGE_RECORDS) {
          full = true;
          break;
        }
      }
      if (full) break;
    }
    if (full) body.destroy();
    // An unterminated last line is read once the run has ended (a live writer may still be adding to it).
    else if (pending.byteLength > 0 && pending.toString('utf8').trim() !== '' && (run.status === 'completed' || run.status === 'failed' || run.status === 'stopped')) {
      records.push(parseRecord(pending.toString('utf8'), stream, run, start + consumed));
      consumed += pending.byteLength;
    }
    return { records, next: start + consumed, caughtUp: !full };
  };

  // ---- metrics ---------------------------------------------------------------------------------

  const seriesId = (d: { kind: string; name: string; node?: string }) => `${d.kind}\u0000${d.name}\u0000${d.node ?? ''}`;

  /** The series of a run runlens copied (its manifest), then any other MLflow metric by its key. */
  const catalogOf = ({ handle }: Target): { descriptor: MetricDescriptor; entry?: SeriesEntry; key?: string }[] => {
    const { run: mlflowRun, keymap, series } = handle;
    const out: { descriptor: MetricDescriptor; entry?: SeriesEntry; key?: string }[] = [];
    const covered = new Set<string>();
    for (const entry of series ?? []) {
      if (entry.key === undefined && entry.artifact === undefined) continue;
      const { name, node, kind, unit, providerName, valueType, note } = entry;
      const descriptor: MetricDescriptor = { name, kind, providerName: typeof providerName === 'string' ? providerName : name, ...(node ? { node } : {}), ...(unit ? { unit } : {}), ...(valueType ? { valueType } : {}), ...(note ? { note } : {}) };
      out.push({ descriptor, entry, ...(entry.key !== undefined ? { key: entry.key } : {}) });
      if (entry.key !== undefined) covered.add(entry.key);
    }
    for (const m of mlflowRun.data?.metrics ?? []) {
      if (covered.has(m.key)) continue;
      const parsed = parseMetricKey(keymap[m.key] ?? m.key);
      const normalized = parsed.kind === 'system' && !parsed.name.includes('_');
      out.push({
        descriptor: { name: parsed.name, kind: parsed.kind, providerName: m.key, ...(parsed.node ? { node: parsed.node } : {}), ...(normalized ? { unit: 'percent' } : {}) },
        key: m.key,
      });
    }
    return out;
  };

  const listMetrics = async (t: Target): Promise<MetricDescriptor[]> => catalogOf(t).map((c) => c.descriptor);

  const toPoint = (m: MlflowMetric, steps: boolean): MetricPoint => {
    const raw = m.value;
    // MLflow cannot store a missing sample: runlens copy writes NaN for one, read back as null.
    const value = raw === 'NaN' || (typeof raw === 'number' && Number.isNaN(raw)) ? null : typeof raw === 'number' ? raw : Number(raw);
    const step = toNumber(m.step);
    return { timestamp: toNumber(m.timestamp) ?? 0, ...(steps && step !== undefined ? { step } : {}), value };
  };

  /** A text series runlens copy kept as an artifact in the archive's series format (a header line, then points). */
  const artifactSeries = async ({ run, handle }: Target, path: string, signal?: AbortSignal): Promise<MetricPoint[]> => {
    const text = await smallArtifact(handle.run, path, signal);
    if (text === undefined) throw providerError(`the run's series artifact '${path}' is missing`, { provider: 'mlflow', run: run.id });
    return text.split('\n').slice(1).filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as MetricPoint);
  };

  const readMetrics = async (t: Target, descriptors: readonly MetricDescriptor[], request: { signal?: AbortSignal }) => {
    const run = t.run;
    const catalog = new Map(catalogOf(t).map((c) => [seriesId(c.descriptor), c]));
    const signal = request.signal;
    const series = await Promise.all(
      descriptors.map(async (descriptor): Promise<MetricSeries> => {
        const found = catalog.get(seriesId(descriptor));
        if (found?.entry?.artifact !== undefined && found.key === undefined) return { ...descriptor, points: await artifactSeries(t, found.entry.artifact, signal) };
        const key = found?.key ?? descriptor.providerName;
        // Steps: as the source had them (manifest), else training series keep MLflow's and system ones drop them.
        const steps = found?.entry ? found.entry.steps !== false : descriptor.kind === 'training';
        const points: MetricPoint[] = [];
        for await (const page of clientOf().metricHistory(run.id, key, METRIC_PAGE, { run: run.id, ...(signal ? { signal } : {}) })) {
          for (const m of page) points.push(toPoint(m, steps));
        }
        return { ...descriptor, points };
      }),
    );
    return { series };
  };

  // ---- artifacts -------------------------------------------------------------------------------

  async function* listArtifacts(t: Target, options: { signal?: AbortSignal } = {}): AsyncGenerator<readonly ArtifactInfo[]> {
    const store = storeOf(t);
    const dirs = [''];
    while (dirs.length > 0) {
      const dir = dirs.shift()!;
      const files = await store.list(dir, options.signal ? { signal: options.signal } : {});
      const page: ArtifactInfo[] = [];
      for (const f of files) {
        const path = dir ? `${dir}/${f.path}` : f.path;
        if (f.is_dir) {
          if (path !== RUNLENS_DIR) dirs.push(path); // runlens's own records are not the run's artifacts
          continue;
        }
        const size = toNumber(f.file_size);
        page.push({ path, ...(size !== undefined ? { size } : {}) });
      }
      if (page.length) yield page;
    }
  }

  const openArtifact = async (t: Target, path: string, options: { signal?: AbortSignal } = {}) => {
    const { body, size } = await storeOf(t).download(path, options.signal ? { signal: options.signal } : {});
    return { ...(size !== undefined ? { size } : {}), body };
  };

  return {
    specificationVersion: 'v2',
    // One run seen through two tracking URIs is two runs: cursors name the server too.
    identity: ({ run }) => `mlflow:${uri ? targetOf().uri : ''}#${run.id}`,
    catalog: { describe },
    logs: { kind: 'positioned', listStreams, readStream },
    metrics: { listMetrics, readMetrics },
    artifacts: { listArtifacts, openArtifact },
  };
}

