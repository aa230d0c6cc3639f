// `runlens copy`: one source run into one MLflow run, idempotent and resumable.
//
// The earlier copy of a source run is found by its `runlens.source.ref` tag; what it already holds is
// read back and only the rest is written: params and tags that are missing or differ, each metric's
// points after those the target already has (the target's own history length per key is the resume
// point, so no point is ever logged twice), artifacts and log files missing or of another size. The
// run is marked complete (`runlens.copy.complete`) only after everything else, so an interrupted copy
// is recognisable and finished by the next run of the same command. docs/migration.md explains it all.
import { compareNatural, fileSlug, isTerminal, RunlensError, seriesColumns, seriesDescriptor, seriesLength, type MetricSeries, type RequestContext, type Runlens, type Warning } from '@runlens/core';
import {
  MAX_PARAM_VAL_LENGTH,
  MAX_TAG_VAL_LENGTH,
  codePoints,
  parseS3Uri,
  proxyRoot,
  type KeyRules,
  type KeyValue,
  type MlflowExperiment,
  type MlflowMetric,
  type MlflowRun,
} from '@runlens/mlflow/client';
import { BatchPacker, MLFLOW_BATCH_LIMITS, type Batch, type BatchLimits } from './batches.js';
import { KeyMapper, type KeyMap } from './keys.js';
import { ARTIFACTS, endTime, mlflowStatus, runTags, seriesKey, startTime, TAGS } from './mapping.js';
import { logArtifactPath, longValuePath } from '@runlens/mlflow';
import { describeSource, readSeriesGroups, readSourceParts, seriesId, spoolLogs, type SourceParts, type SourceRun } from './source.js';
import { openTarget, probeTarget, type Target, type TargetOptions } from './target.js';
import { ArtifactUploader, DEFAULT_UPLOAD, type UploadSource } from './upload.js';

export interface CopyOptions extends TargetOptions {
  /** The tracking URI (`http(s)://host[:port]`). */
  readonly to: string;
  /** Experiment name; default `runlens/<provider>` of the source (see `defaultExperiment`). */
  readonly experiment?: string;
  /** Read the source and the target, write nothing, and say what would be written. */
  readonly dryRun?: boolean;
  readonly signal?: AbortSignal;
  readonly onProgress?: (event: CopyProgress) => void;
  readonly onWarning?: (warning: Warning & { ref: string }) => void;
  /** Whether the target accepts `:` in keys (MLflow ≥ 2.16 does; default true). */
  readonly keyRules?: KeyRules;
  readonly upload?: Partial<typeof DEFAULT_UPLOAD>;
  /** Lower limits than MLflow's (tests); never higher. */
  readonly batchLimits?: Partial<BatchLimits>;
  /** Where log files are spooled before upload (default: the OS temporary directory). */
  readonly tmpDir?: string;
  /** About how many metric points a copy holds at once (default POINTS_HELD_AT_ONCE; tests go lower). */
  readonly pointsAtOnce?: number;
}

export interface CopyProgress {
  readonly ref: string;
  readonly phase: 'source' | 'target' | 'params' | 'tags' | 'metrics' | 'logs' | 'artifacts' | 'finish';
  readonly detail: string;
}

export interface CopyCounts {
  params: number;
  tags: number;
  series: number;
  points: number;
  batches: number;
  artifacts: number;
  artifactBytes: number;
  logFiles: number;
  logLines: number;
}

export type CopyStatus = 'created' | 'resumed' | 'updated' | 'unchanged' | 'planned' | 'failed';

export interface CopyOutcome {
  /** The ref as given. */
  readonly source: string;
  readonly sourceRef?: string;
  /**
   * `created`: a new MLflow run; `resumed`: an unfinished copy completed; `updated`: a complete copy of
   * a source that was still running, brought up to date; `unchanged`: already complete;
   * `planned`: --dry-run; `failed`: see `error`.
   */
  readonly status: CopyStatus;
  readonly experimentId?: string;
  readonly experiment?: string;
  readonly runId?: string;
  /** What this copy wrote (or, for a dry run, would write). */
  readonly written: CopyCounts;
  /** What the target already had. */
  readonly present: CopyCounts;
  readonly warnings: readonly string[];
  readonly error?: { readonly code: string; readonly message: string };
}

export const zero = (): CopyCounts => ({ params: 0, tags: 0, series: 0, points: 0, batches: 0, artifacts: 0, artifactBytes: 0, logFiles: 0, logLines: 0 });

/** `runlens/<provider>`, the provider being the one the run was first read from (a local archive's origin). */
export function defaultExperiment(source: Pick<SourceRun, 'run'>): string {
  return `runlens/${source.run.origin?.provider ?? source.run.provider}`;
}

/** Copies each ref in turn; one failure does not stop the others (each outcome says how it went). */
export async function copyRuns(runlens: Runlens, refs: readonly string[], options: CopyOptions): Promise<CopyOutcome[]> {
  const copier = await openCopier(runlens, options);
  const outcomes: CopyOutcome[] = [];
  for (const ref of refs) outcomes.push(await copier.copy(ref));
  return outcomes;
}

/** A target checked once, then any number of runs copied into it (in turn or at once). */
export interface Copier {
  /** One run's copy; a provider or target failure is an outcome with `error`, an interrupt throws. */
  copy(ref: string, options?: { readonly signal?: AbortSignal }): Promise<CopyOutcome>;
}

export async function openCopier(runlens: Runlens, options: CopyOptions): Promise<Copier> {
  const target = openTarget(runlens, options.to, options);
  await probeTarget(target, options.signal);
  const experiments = new ExperimentCache();
  return {
    async copy(ref, call = {}) {
      const signal = call.signal ?? options.signal;
      const copier = new RunCopier(runlens, target, ref, signal === options.signal ? options : { ...options, signal }, experiments);
      try {
        return await copier.copy();
      } catch (e) {
        // An interrupt stops everything; the next run of the command finishes what this one started.
        if (signal?.aborted || (RunlensError.isInstance(e) && e.code === 'Interrupted')) throw e;
        if (!RunlensError.isInstance(e)) throw e;
        return copier.failed(e);
      }
    },
  };
}

/**
 * The experiments a copier has found, by name: looked up once, not once per run (a bulk copy of small
 * runs spent a request per run on it). Only experiments that exist are kept, and one a run could not
 * be created in is forgotten (deleted meanwhile), so the next run looks again.
 */
class ExperimentCache {
  private readonly found = new Map<string, MlflowExperiment>();

  async lookup(client: Target['client'], name: string, call: { signal?: AbortSignal }): Promise<MlflowExperiment | undefined> {
    const known = this.found.get(name);
    if (known) return known;
    const experiment = await client.getExperimentByName(name, call);
    if (experiment && (experiment.lifecycle_stage ?? 'active') === 'active') this.found.set(name, experiment);
    return experiment;
  }

  remember(experiment: MlflowExperiment): void {
    this.found.set(experiment.name, experiment);
  }

  forget(name: string): void {
    this.found.delete(name);
  }
}

/** The metric entry of a batch with where it sits in its series (for reconciling a failed batch). */
interface PendingMetric {
  readonly wire: MlflowMetric;
  readonly index: number;
}

class RunCopier {
  private readonly written = zero();
  private readonly present = zero();
  private readonly warnings: string[] = [];
  private readonly call: { signal?: AbortSignal };
  private sourceRef?: string;
  private experimentId?: string;
  private experimentName?: string;
  private runId?: string;
  private readonly limits: BatchLimits;
  private readonly requests: RequestContext;

  constructor(
    private readonly runlens: Runlens,
    private readonly target: Target,
    private readonly ref: string,
    private readonly options: CopyOptions,
    private readonly experiments: ExperimentCache = new ExperimentCache(),
  ) {
    this.call = options.signal ? { signal: options.signal } : {};
    this.requests = runlens.requestContext('mlflow');
    const limits: Record<keyof BatchLimits, number> = { ...MLFLOW_BATCH_LIMITS, ...options.batchLimits };
    for (const key of Object.keys(limits) as (keyof BatchLimits)[]) limits[key] = Math.min(limits[key], MLFLOW_BATCH_LIMITS[key]);
    this.limits = limits;
  }

  private get client() {
    return this.target.client;
  }

  private progress(phase: CopyProgress['phase'], detail: string): void {
    this.options.onProgress?.({ ref: this.ref, phase, detail });
  }

  private warn(message: string): void {
    this.warnings.push(message);
    this.options.onWarning?.({ type: 'degraded', message, ref: this.ref });
  }

  failed(error: RunlensError): CopyOutcome {
    return {
      ...this.outcome('failed'),
      error: { code: error.code, message: error.message },
    };
  }

  private outcome(status: CopyStatus): CopyOutcome {
    return {
      source: this.ref,
      ...(this.sourceRef ? { sourceRef: this.sourceRef } : {}),
      status,
      ...(this.experimentId !== undefined ? { experimentId: this.experimentId } : {}),
      ...(this.experimentName !== undefined ? { experiment: this.experimentName } : {}),
      ...(this.runId ? { runId: this.runId } : {}),
      written: this.written,
      present: this.present,
      warnings: this.warnings,
    };
  }

  async copy(): Promise<CopyOutcome> {
    const dry = this.options.dryRun === true;
    this.progress('source', 'describing the source run');
    const source = await describeSource(this.runlens, this.ref, this.options.signal);
    this.sourceRef = source.identity;
    const run = source.run;

    // The target before the rest of the source: a copy that is already complete costs no more reads.
    this.progress('target', 'finding the experiment and an earlier copy');
    const name = this.options.experiment ?? defaultExperiment(source);
    this.experimentName = name;
    const experiment = await this.experiments.lookup(this.client, name, this.call);
    if (experiment) this.checkArtifactStore(experiment);
    let existing = experiment ? await this.findCopy(String(experiment.experiment_id), source.identity) : undefined;
    if (experiment) this.experimentId = String(experiment.experiment_id);

    if (existing && existing.data?.tags?.some((t) => t.key === TAGS.complete)) {
      const copiedStatus = existing.data.tags.find((t) => t.key === TAGS.status)?.value;
      const copiedProviderStatus = existing.data.tags.find((t) => t.key === TAGS.sourceStatus)?.value;
      this.runId = existing.info.run_id;
      if (copiedStatus !== undefined && isTerminal(copiedStatus as never) && copiedStatus === run.status && copiedProviderStatus === run.providerStatus) {
        return this.outcome('unchanged');
      }
    }
    const wasComplete = existing?.data?.tags?.some((t) => t.key === TAGS.complete) === true;

    this.progress('source', 'listing the source run\'s metrics and artifacts');
    const parts = await readSourceParts(this.runlens, source, this.options.signal);
    // Every key the run will write, so the mapping is settled before the first write.
    const numeric = parts.descriptors.filter((d) => d.valueType !== 'string');
    const tags = runTags(run, source.identity);
    const earlierMap = existing ? await this.earlierKeymap(existing) : {};
    const mapper = new KeyMapper(
      [...Object.keys(run.hyperparameters), ...tags.map(([k]) => k), ...numeric.map(seriesKey)],
      earlierMap,
      this.options.keyRules,
    );

    if (dry) return this.plan(source, parts, mapper, tags, existing);

    if (!experiment) {
      this.progress('target', `creating experiment '${name}'`);
      this.experimentId = await this.client.ensureExperiment(name, this.call);
      const created = await this.client.getExperiment(this.experimentId, this.call);
      this.checkArtifactStore(created);
      this.experiments.remember(created);
      // A concurrent copy may have created both: look again before creating a run.
      existing = await this.findCopy(this.experimentId, source.identity);
    }
    let status: CopyStatus;
    if (existing) {
      this.runId = existing.info.run_id;
      status = wasComplete ? 'updated' : 'resumed';
      // A source that was still running is copied again; until that ends the copy is not complete.
      if (wasComplete) {
        await this.client.deleteTag(this.runId, TAGS.complete, this.call).catch((e: unknown) => {
          // Another copy of the same run took it off first: the goal is reached.
          if (!(RunlensError.isInstance(e) && e.code === 'NotFound')) throw e;
        });
      }
    } else {
      this.progress('target', 'creating the run');
      // The source tag is set in the same request, so even a copy cut off right after this is found again.
      const start = startTime(run);
      existing = await this.client
        .createRun(
          {
            experimentId: this.experimentId!,
            runName: run.name,
            ...(start !== undefined ? { startTime: start } : {}),
            tags: [{ key: TAGS.sourceRef, value: source.identity }],
          },
          this.call,
        )
        .catch((e: unknown) => {
          // The experiment may be gone (deleted since it was looked up): the next run looks again.
          this.experiments.forget(name);
          throw e;
        });
      this.runId = existing.info.run_id;
      status = 'created';
    }
    const runId = this.runId!;
    const state = status === 'created' ? existing : await this.client.getRun(runId, this.call);
    const proxyUploader = new ArtifactUploader(this.client, { ...uploadSettings(this.options), ...this.call });
    // Through the proxy (`mlflow-artifacts:`), or (SageMaker) into the run's S3 root; paths are relative to the run's artifact root.
    const inS3 = this.target.kind === 'sagemaker' && parseS3Uri(state.info.artifact_uri) !== undefined;
    const artifactRoot = inS3 ? '' : proxyRoot(state.info.artifact_uri, runId);
    const uploader = {
      upload: (path: string, source: UploadSource) =>
        inS3 ? this.client.uploadToS3(state.info, path, source, { ...this.call, ...s3UploadSettings(this.options) }) : proxyUploader.upload(`${artifactRoot}/${path}`, source),
    };
    const targetFiles = status === 'created' ? new Map<string, number>() : await this.listTargetArtifacts(runId);

    const longValues: { params: Record<string, string>; tags: Record<string, string> } = { params: {}, tags: {} };
    /** A small file of runlens's own; `always` rewrites it even when one of the same size is there. */
    const putText = async (artifactPath: string, text: string, always = false) => {
      const bytes = Buffer.from(text, 'utf8');
      if (!always && targetFiles.get(artifactPath) === bytes.byteLength) return;
      await uploader.upload(artifactPath, { size: bytes.byteLength, open: () => once(bytes) });
    };

    // Params: MLflow never changes a logged param; one already there with another value is reported.
    // A value longer than MLflow allows is kept whole as an artifact and not logged (the convention
    // the mlflow: reader follows: runlens.long_values indexes it and describe puts it back).
    this.progress('params', `${Object.keys(run.hyperparameters).length} params`);
    const have = new Map((state.data?.params ?? []).map((p) => [p.key, p.value]));
    const params: KeyValue[] = [];
    for (const [original, whole] of Object.entries(run.hyperparameters)) {
      const key = mapper.key(original);
      const value = whole;
      if (codePoints(whole) > MAX_PARAM_VAL_LENGTH) {
        const file = longValuePath('params', key);
        longValues.params[key] = file;
        this.warn(`param '${original}' is ${codePoints(whole)} characters, more than MLflow's ${MAX_PARAM_VAL_LENGTH}: kept whole as artifact ${file}, not logged as a param`);
        await putText(file, whole);
        continue;
      }
      const there = have.get(key);
      if (there === value) {
        this.present.params++;
        continue;
      }
      if (there !== undefined) {
        this.warn(`param '${original}' already holds another value in the target run (MLflow params cannot change): kept '${there.slice(0, 80)}'`);
        continue;
      }
      params.push({ key, value });
    }
    // Params and tags ride in the log-batch requests of the metrics (≤ 100 of each per request), so a
    // small run's params, tags and points are one request.
    const batches = new LogBatcher(runId, this.limits, (batch) => this.sendBatch(runId, batch));
    batches.queue('params', params);

    // Tags, with the key map and the long-value index; `complete` comes last of all.
    this.progress('tags', `${tags.length} tags`);
    const haveTags = new Map((state.data?.tags ?? []).map((t) => [t.key, t.value]));
    const tagList: KeyValue[] = [];
    const addTag = async (key: string, whole: string, original = key) => {
      const value = whole;
      if (codePoints(whole) > MAX_TAG_VAL_LENGTH) {
        const file = longValuePath('tags', key);
        longValues.tags[key] = file;
        this.warn(`tag '${original}' is ${codePoints(whole)} characters, more than MLflow's ${MAX_TAG_VAL_LENGTH}: kept whole as artifact ${file}, not set as a tag`);
        await putText(file, whole);
        return;
      }
      if (haveTags.get(key) === value) {
        this.present.tags++;
        return;
      }
      tagList.push({ key, value });
    };
    for (const [original, value] of tags) await addTag(mapper.key(original), value, original);
    if (mapper.size > 0) {
      // A key map too long for a tag is the artifact runlens/keymap.json instead (and no tag).
      const text = JSON.stringify(mapper.map);
      if (codePoints(text) <= MAX_TAG_VAL_LENGTH) await addTag(TAGS.keymap, text);
      else await putText(ARTIFACTS.keymap, `${text}\n`, true);
    }
    if (Object.keys(longValues.params).length + Object.keys(longValues.tags).length > 0) {
      const index = JSON.stringify(longValues);
      if (codePoints(index) > MAX_TAG_VAL_LENGTH) throw new RunlensError('InvalidInput', `the run has too many values longer than MLflow allows to index them in one tag (${codePoints(index)} characters)`, {});
      await addTag(TAGS.longValues, index);
    }
    batches.queue('tags', tagList);

    // Metrics: each series after the points the target already has, packed across series, read a
    // group of series at a time (a run's million points are never held whole).
    const latest = new Set((state.data?.metrics ?? []).map((m) => m.key));
    const manifest = new Map<string, object>();
    for await (const group of readSeriesGroups(this.runlens, this.ref, parts.descriptors, { ...this.call, ...(this.options.pointsAtOnce ? { pointsAtOnce: this.options.pointsAtOnce } : {}) })) {
      for (const w of group.warnings) this.warn(w.message);
      for (const series of group.series) {
        this.options.signal?.throwIfAborted();
        const descriptor = series;
        const key = descriptor.valueType === 'string' ? undefined : mapper.key(seriesKey(descriptor));
        const described = seriesDescriptor(series);
        if (key === undefined) {
          // MLflow metrics are numbers: a string series is kept as an artifact in the archive's series format.
          const file = `${ARTIFACTS.metricsDir}/${fileSlug(descriptor.node ? `${descriptor.name}@${descriptor.node}` : descriptor.name)}.jsonl`;
          const text = [JSON.stringify({ series: described }), ...series.points.map((p) => JSON.stringify(p))].join('\n') + '\n';
          await putText(file, text);
          manifest.set(seriesId(series), { ...described, artifact: file, steps: series.points.some((p) => p.step !== undefined), points: series.points.length });
          this.warn(`metric '${descriptor.name}' holds text values, which MLflow metrics cannot: kept as artifact ${file}`);
          continue;
        }
        // A series read as columns (local archives) is sent from them: no object per point is built.
        const points = numericPoints(series);
        manifest.set(seriesId(series), { ...described, key, steps: points.hasSteps, points: points.length });
        const already = latest.has(key) ? await this.historyLength(runId, key) : 0;
        this.present.points += Math.min(already, points.length);
        if (already > points.length) this.warn(`metric '${key}' has ${already} points in the target, more than the ${points.length} of the source: left as it is`);
        this.progress('metrics', `${key}: ${Math.max(0, points.length - already)} of ${points.length} points`);
        this.written.series += already < points.length ? 1 : 0;
        for (let i = already; i < points.length; i++) await batches.metric({ wire: points.wire(key, i), index: i });
      }
    }
    await batches.finish();

    // Logs: one JSON-lines artifact per node.
    if ((await this.runlens.runCapabilities(run, this.call)).logs.available) {
      this.progress('logs', 'reading the logs');
      const spooled = await spoolLogs(this.runlens, this.ref, { ...this.call, nodes: run.nodes.length, ...(this.options.tmpDir ? { tmp: this.options.tmpDir } : {}) });
      try {
        for (const w of spooled.warnings) if (w.type !== 'no-data') this.warn(w.message);
        spooled.logs.sort((a, b) => compareNatural(a.node, b.node));
        const taken = new Set<string>();
        for (const log of spooled.logs) {
          // Two nodes with one file-safe name get a suffix: the reader goes by each line's `node`.
          let file = logArtifactPath(log.node);
          for (let i = 2; taken.has(file); i++) file = logArtifactPath(log.node).replace(/\.jsonl$/, `-${i}.jsonl`);
          taken.add(file);
          if (targetFiles.get(file) === log.size) {
            this.present.logFiles++;
            this.present.logLines += log.lines;
            continue;
          }
          this.progress('logs', `${log.node}: ${log.lines} lines`);
          await uploader.upload(file, { size: log.size, open: () => log.open() });
          this.written.logFiles++;
          this.written.logLines += log.lines;
        }
      } finally {
        await spooled.dispose();
      }
    }

    // Artifacts, streamed from the source.
    for (const artifact of parts.artifacts) {
      this.options.signal?.throwIfAborted();
      if (!isSafePath(artifact.path) || artifact.path === ARTIFACTS.root || artifact.path.startsWith(`${ARTIFACTS.root}/`)) {
        this.warn(`artifact '${artifact.path}' not copied: ${isSafePath(artifact.path) ? `runlens keeps its own files under ${ARTIFACTS.root}/` : 'its path would leave the run'}`);
        continue;
      }
      const there = targetFiles.get(artifact.path);
      if (there !== undefined && artifact.size !== undefined && there === artifact.size) {
        this.present.artifacts++;
        this.present.artifactBytes += there;
        continue;
      }
      this.progress('artifacts', `${artifact.path}${artifact.size !== undefined ? ` (${artifact.size} bytes)` : ''}`);
      const source: UploadSource = {
        ...(artifact.size !== undefined ? { size: artifact.size } : {}),
        open: async () => {
          const body = await this.runlens.openArtifact(this.ref, artifact.path, this.call);
          return body.body;
        },
      };
      await uploader.upload(artifact.path, source);
      this.written.artifacts++;
      this.written.artifactBytes += artifact.size ?? 0;
    }

    // What the run is, for readers that restore runlens's own view (the mlflow: provider): each
    // series' descriptor (and whether it had steps), and the whole Run.
    // In the source's order of series, whatever order the groups were read in.
    const order = new Map(parts.descriptors.map((d, i) => [seriesId(d), i]));
    const listed = [...manifest].sort(([a], [b]) => (order.get(a) ?? order.size) - (order.get(b) ?? order.size)).map(([, entry]) => entry);
    await putText(ARTIFACTS.series, `${JSON.stringify(listed)}\n`, true);
    await putText(ARTIFACTS.run, `${JSON.stringify({ ...run, origin: run.origin ?? { provider: run.provider, ref: run.ref } }, null, 1)}\n`, true);

    this.progress('finish', 'setting status and end time');
    const end = endTime(run);
    await this.client.updateRun({ runId, status: mlflowStatus(run.status), ...(end !== undefined ? { endTime: end } : {}), runName: run.name }, this.call);
    await this.client.setTag(runId, TAGS.complete, new Date().toISOString(), this.call);
    return this.outcome(status);
  }

  /** --dry-run: what would be written, from the source and what the target already has. */
  private async plan(source: SourceRun, parts: SourceParts, mapper: KeyMapper, tags: [string, string][], existing: MlflowRun | undefined): Promise<CopyOutcome> {
    const state = existing ? await this.client.getRun(existing.info.run_id, this.call) : undefined;
    if (existing) this.runId = existing.info.run_id;
    const haveParams = new Map((state?.data?.params ?? []).map((p) => [p.key, p.value]));
    const haveTags = new Map((state?.data?.tags ?? []).map((t) => [t.key, t.value]));
    for (const [original, value] of Object.entries(source.run.hyperparameters)) {
      const key = mapper.key(original);
      if (codePoints(value) > MAX_PARAM_VAL_LENGTH) this.warn(`param '${original}' is ${codePoints(value)} characters, more than MLflow's ${MAX_PARAM_VAL_LENGTH}: would be kept whole as an artifact`);
      else if (haveParams.get(key) === value) this.present.params++;
      else this.written.params++;
    }
    for (const [original, value] of tags) {
      const key = mapper.key(original);
      if (codePoints(value) > MAX_TAG_VAL_LENGTH) this.warn(`tag '${original}' is ${codePoints(value)} characters, more than MLflow's ${MAX_TAG_VAL_LENGTH}: would be kept whole as an artifact`);
      else if (haveTags.get(key) === value) this.present.tags++;
      else this.written.tags++;
    }
    for (const [mlflowKey, original] of Object.entries(mapper.map)) this.warn(`key '${original}' would be written as '${mlflowKey}' (MLflow does not accept it as it is)`);
    const latest = new Set((state?.data?.metrics ?? []).map((m) => m.key));
    let points = 0;
    for await (const group of readSeriesGroups(this.runlens, this.ref, parts.descriptors, this.call)) {
      for (const series of group.series) {
        if (series.valueType === 'string') {
          this.warn(`metric '${series.name}' holds text values: would be kept as an artifact`);
          continue;
        }
        const key = mapper.key(seriesKey(series));
        const total = seriesLength(series);
        const already = latest.has(key) ? Math.min(total, await this.historyLength(existing!.info.run_id, key)) : 0;
        this.present.points += already;
        if (total > already) {
          this.written.series++;
          points += total - already;
        }
      }
    }
    this.written.points = points;
    const { params, tags: tagCount } = this.written;
    const requests = [points / this.limits.metrics, params / this.limits.params, tagCount / this.limits.tags, (points + params + tagCount) / this.limits.entities];
    this.written.batches = Math.max(0, ...requests.map((n) => Math.ceil(n)));
    const targetFiles = existing ? await this.listTargetArtifacts(existing.info.run_id) : new Map<string, number>();
    for (const artifact of parts.artifacts) {
      if (artifact.size !== undefined && targetFiles.get(artifact.path) === artifact.size) {
        this.present.artifacts++;
        this.present.artifactBytes += artifact.size;
      } else {
        this.written.artifacts++;
        this.written.artifactBytes += artifact.size ?? 0;
      }
    }
    if ((await this.runlens.runCapabilities(source.run, this.call)).logs.available) {
      const nodes = await this.runlens.logStreams(this.ref, this.call);
      this.written.logFiles = new Set(nodes.map((s) => s.node)).size;
    }
    return this.outcome('planned');
  }

  /** The copy of `identity` in the experiment, if any; the complete one wins, then the oldest. */
  private async findCopy(experimentId: string, identity: string): Promise<MlflowRun | undefined> {
    const quote = !identity.includes("'") ? "'" : !identity.includes('"') ? '"' : undefined;
    const filter = quote ? `tags.\`${TAGS.sourceRef}\` = ${quote}${identity}${quote}` : undefined;
    const found: MlflowRun[] = [];
    for await (const page of this.client.searchRuns({ experimentIds: [experimentId], ...(filter ? { filter } : {}), maxResults: 100 }, this.call)) {
      // The filter is a hint; the tag decides.
      found.push(...page.filter((r) => r.data?.tags?.some((t) => t.key === TAGS.sourceRef && t.value === identity)));
    }
    if (found.length === 0) return undefined;
    const complete = (r: MlflowRun) => r.data?.tags?.some((t) => t.key === TAGS.complete) === true;
    found.sort((a, b) => Number(complete(b)) - Number(complete(a)) || Number(a.info.start_time ?? 0) - Number(b.info.start_time ?? 0) || a.info.run_id.localeCompare(b.info.run_id));
    if (found.length > 1) this.warn(`${found.length} runs in the experiment are copies of ${identity}: completing ${found[0]!.info.run_id}`);
    return found[0];
  }

  private async earlierKeymap(run: MlflowRun): Promise<KeyMap> {
    const tag = run.data?.tags?.find((t) => t.key === TAGS.keymap)?.value;
    const parse = (text: string): KeyMap => {
      try {
        const value = JSON.parse(text) as unknown;
        return value && typeof value === 'object' ? (value as KeyMap) : {};
      } catch {
        return {};
      }
    };
    if (tag) return parse(tag);
    // No tag: the map may be the artifact runlens/keymap.json (too long for a tag).
    const store = this.client.artifactStore(run.info);
    try {
      // What the proxy answers for a missing file is not documented: look before fetching.
      const listed = await store.list(ARTIFACTS.root, this.call);
      if (!listed.some((f) => `${ARTIFACTS.root}/${f.path}` === ARTIFACTS.keymap || f.path === ARTIFACTS.keymap)) return {};
      const body = await store.download(ARTIFACTS.keymap, this.call);
      const chunks: Buffer[] = [];
      for await (const chunk of body.body) chunks.push(Buffer.from(chunk));
      return parse(Buffer.concat(chunks).toString('utf8'));
    } catch (e) {
      if (RunlensError.isInstance(e) && e.code === 'NotFound') return {};
      throw e;
    }
  }

  /** How many points the target holds for `key` (the resume point of its series). */
  private async historyLength(runId: string, key: string): Promise<number> {
    let n = 0;
    for await (const page of this.client.metricHistory(runId, key, undefined, this.call)) n += page.length;
    return n;
  }

  /** Every file of the run's artifacts, with its size (the proxy's listing, directory by directory). */
  private async listTargetArtifacts(runId: string): Promise<Map<string, number>> {
    const files = new Map<string, number>();
    const walk = async (dir: string | undefined): Promise<void> => {
      let token: string | undefined;
      do {
        const page = await this.client.listRunArtifactsPage(runId, dir, token, this.call);
        for (const f of page.items) {
          if (f.is_dir) await walk(f.path);
          else files.set(f.path, Number(f.file_size ?? -1));
        }
        token = page.nextPageToken;
      } while (token);
    };
    await walk(undefined);
    return files;
  }

  private checkArtifactStore(experiment: MlflowExperiment): void {
    const location = experiment.artifact_location ?? '';
    // A SageMaker tracking server's experiments keep artifacts in S3: written there (presigned or signed PUTs), read back with GetObject.
    if (this.target.kind === 'sagemaker' && parseS3Uri(location)) return;
    if (location !== '' && !location.startsWith('mlflow-artifacts:')) {
      // Azure ML workspaces keep artifacts in their own store, whose upload API is not public (docs/providers/mlflow.md); S3 only behind a SageMaker target.
      const how = /^azureml:/i.test(location) ? "uploading to Azure ML's artifact store is not done: its API is not publicly documented" : /^s3:/i.test(location) ? 'S3 roots are written only for SageMaker managed MLflow targets (an ARN)' : 'mlflow server --serve-artifacts, the default since MLflow 2.0';
      throw new RunlensError('Unsupported', `experiment '${experiment.name}' keeps artifacts at ${location.replace(/\?.*$/, '')}, which runlens cannot reach through the tracking server: it uploads through the artifacts proxy (${how})`, {});
    }
  }

  /**
   * One log-batch request. Params and tags are safe to send again; metric points are not (a batch
   * whose answer was lost may have been stored, and metrics append): before each retry the target's
   * history length of every key in the batch says which of its points are still missing, and only
   * those are sent again.
   */
  private async sendBatch(runId: string, batch: Batch<PendingMetric>): Promise<void> {
    let pending = batch.metrics;
    await this.requests.retry(
      async (attempt) => {
        if (attempt > 1 && pending.length > 0) pending = await this.stillMissing(runId, pending);
        if (pending.length + batch.params.length + batch.tags.length === 0) return;
        await this.client.logBatch(runId, { metrics: pending.map((m) => m.wire), params: batch.params, tags: batch.tags }, { ...this.call, maxAttempts: 1 });
        this.written.points += pending.length;
      },
      { operation: 'copy metrics (log-batch)', ...this.call },
    );
    this.written.params += batch.params.length;
    this.written.tags += batch.tags.length;
    this.written.batches++;
  }

  private async stillMissing(runId: string, metrics: readonly PendingMetric[]): Promise<PendingMetric[]> {
    const stored = new Map<string, number>();
    for (const key of new Set(metrics.map((m) => m.wire.key))) stored.set(key, await this.historyLength(runId, key));
    return metrics.filter((m) => m.index >= stored.get(m.wire.key)!);
  }
}

/**
 * Fills log-batch requests with metric points and lets params and tags ride along: each new request
 * takes up to the limit of the params and tags still waiting before points fill the rest, and those
 * left when the points are done go in requests of their own. The requests reach MLflow's floor,
 * max(⌈params/100⌉, ⌈tags/100⌉, ⌈all entities/1000⌉), where the byte limit allows.
 */
class LogBatcher {
  private readonly packer: BatchPacker<PendingMetric>;
  private readonly waiting: { params: KeyValue[]; tags: KeyValue[] } = { params: [], tags: [] };

  constructor(
    runId: string,
    limits: BatchLimits,
    private readonly send: (batch: Batch<PendingMetric>) => Promise<void>,
  ) {
    this.packer = new BatchPacker<PendingMetric>(runId, limits);
  }

  queue(kind: 'params' | 'tags', entries: readonly KeyValue[]): void {
    this.waiting[kind].push(...entries);
    this.topUp();
  }

  /** Waiting params and tags into the request being filled, as far as they fit. */
  private topUp(): void {
    for (const kind of ['params', 'tags'] as const) {
      const list = this.waiting[kind];
      let taken = 0;
      while (taken < list.length && this.packer.tryAdd(kind, list[taken]!)) taken++;
      if (taken > 0) list.splice(0, taken);
    }
  }

  async metric(entry: PendingMetric): Promise<void> {
    const full = this.packer.add('metrics', entry);
    if (!full) return;
    this.topUp();
    await this.send(full);
  }

  async finish(): Promise<void> {
    for (;;) {
      const rest = this.packer.flush();
      if (!rest) return;
      this.topUp();
      await this.send(rest);
    }
  }
}

/** S3 multipart (SageMaker targets): only what the options set; else the client's boto3-like defaults (8 MiB). */
function s3UploadSettings(options: CopyOptions): { multipartThreshold?: number; partSize?: number } {
  return { ...(options.upload?.multipartThreshold !== undefined ? { multipartThreshold: options.upload.multipartThreshold } : {}), ...(options.upload?.partSize !== undefined ? { partSize: options.upload.partSize } : {}) };
}

/** Multipart thresholds: options, else MLflow's own environment variables, else MLflow's defaults. */
function uploadSettings(options: CopyOptions): typeof DEFAULT_UPLOAD {
  const env = options.env ?? process.env;
  const bytes = (name: string): number | undefined => {
    const value = Number(env[name]);
    return env[name] !== undefined && Number.isInteger(value) && value > 0 ? value : undefined;
  };
  return {
    multipartThreshold: options.upload?.multipartThreshold ?? bytes('MLFLOW_MULTIPART_UPLOAD_MINIMUM_FILE_SIZE') ?? DEFAULT_UPLOAD.multipartThreshold,
    partSize: options.upload?.partSize ?? bytes('MLFLOW_MULTIPART_UPLOAD_CHUNK_SIZE') ?? DEFAULT_UPLOAD.partSize,
  };
}

/** A numeric series' points as MLflow metric entries, read from its columns when it has them. */
export function numericPoints(series: MetricSeries): { readonly length: number; readonly hasSteps: boolean; wire(key: string, i: number): MlflowMetric } {
  const columns = seriesColumns(series);
  if (!columns) {
    const { points } = series;
    return {
      length: points.length,
      hasSteps: points.some((p) => p.step !== undefined),
      wire: (key, i) => {
        const p = points[i]!;
        return { key, value: jsonDouble(p.value), timestamp: p.timestamp, step: p.step ?? 0 };
      },
    };
  }
  const { timestamps, steps, values } = columns;
  return {
    length: timestamps.length,
    hasSteps: steps !== undefined && steps.some((step) => !Number.isNaN(step)),
    // NaN in values is a missing sample (null in points): 'NaN' on the wire either way.
    wire: (key, i) => ({ key, value: jsonDouble(values[i]!), timestamp: timestamps[i]!, step: steps === undefined || Number.isNaN(steps[i]!) ? 0 : steps[i]! }),
  };
}

/**
 * A point's value as proto3 JSON writes a double: a number, or "NaN" / "Infinity" / "-Infinity"
 * (JSON.stringify would send null for those). A missing sample (null) is NaN.
 */
export function jsonDouble(value: number | string | null): number | string {
  if (typeof value !== 'number' || Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return 'Infinity';
  if (value === Number.NEGATIVE_INFINITY) return '-Infinity';
  return value;
}

async function* once(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}

function isSafePath(p: string): boolean {
  return p !== '' && !p.startsWith('/') && !p.split('/').some((s) => s === '..' || s === '.' || s === '');
}
