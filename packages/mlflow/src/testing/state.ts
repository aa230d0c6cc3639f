/** What the MLflow emulator stores: experiments, runs (info, params, tags, metric histories) and artifacts. */
import { createHash, randomBytes } from 'node:crypto';

export interface MetricPointRecord {
  readonly key: string;
  readonly value: number;
  readonly timestamp: number;
  readonly step: number;
}

export interface RunRecord {
  readonly runId: string;
  readonly experimentId: string;
  runName: string;
  userId: string;
  status: string;
  startTime: number;
  endTime?: number;
  lifecycleStage: 'active' | 'deleted';
  readonly params: Map<string, string>;
  readonly tags: Map<string, string>;
  /** Per key, in logging order: MLflow appends, so a point logged twice is stored twice. */
  readonly metrics: Map<string, MetricPointRecord[]>;
}

export interface ExperimentRecord {
  readonly experimentId: string;
  readonly name: string;
  readonly artifactLocation: string;
  readonly creationTime: number;
  lastUpdateTime: number;
  lifecycleStage: 'active' | 'deleted';
  readonly tags: Map<string, string>;
}

export interface UploadRecord {
  readonly uploadId: string;
  /** Proxy path the completed file lands at. */
  readonly path: string;
  readonly numParts: number;
  readonly parts: Map<number, { bytes: Buffer; etag: string }>;
}

export class TrackingState {
  readonly experiments = new Map<string, ExperimentRecord>();
  readonly runs = new Map<string, RunRecord>();
  /** Artifact bytes by proxy path (`<experiment>/<run>/artifacts/<file>`). */
  readonly artifacts = new Map<string, Buffer>();
  readonly uploads = new Map<string, UploadRecord>();
  /** Set: artifacts live in this S3 bucket (the SageMaker flavour's store), keyed by the same paths. */
  s3Bucket: string | undefined;
  private nextExperiment = 1;

  constructor(private readonly clock: () => number) {
    this.addExperiment('Default', '0');
  }

  /** `artifactLocation`: as `experiments/create` gives it (an `s3://` store, as SageMaker managed MLflow keeps); default the proxy's. */
  addExperiment(name: string, id = String(this.nextExperiment++), tags: Iterable<[string, string]> = [], artifactLocation?: string): ExperimentRecord {
    const now = this.clock();
    const record: ExperimentRecord = {
      experimentId: id,
      name,
      artifactLocation: artifactLocation ?? (this.s3Bucket ? `s3://${this.s3Bucket}/${id}` : `mlflow-artifacts:/${id}`),
      creationTime: now,
      lastUpdateTime: now,
      lifecycleStage: 'active',
      tags: new Map(tags),
    };
    this.experiments.set(id, record);
    return record;
  }

  experimentByName(name: string): ExperimentRecord | undefined {
    for (const experiment of this.experiments.values()) if (experiment.name === name) return experiment;
    return undefined;
  }

  addRun(experimentId: string, init: { runName: string; userId: string; startTime: number; tags: Iterable<[string, string]> }): RunRecord {
    const runId = randomBytes(16).toString('hex');
    const record: RunRecord = {
      runId,
      experimentId,
      runName: init.runName,
      userId: init.userId,
      status: 'RUNNING',
      startTime: init.startTime,
      lifecycleStage: 'active',
      params: new Map(),
      tags: new Map(init.tags),
      metrics: new Map(),
    };
    this.runs.set(runId, record);
    return record;
  }

  artifactRoot(run: RunRecord): string {
    return `${run.experimentId}/${run.runId}/artifacts`;
  }

  /** The run's artifact URI as the server reports it: `s3://<bucket>/<root>` in the S3 flavour, else the proxy's. */
  artifactUri(run: RunRecord): string {
    return this.s3Bucket ? `s3://${this.s3Bucket}/${this.artifactRoot(run)}` : `mlflow-artifacts:/${this.artifactRoot(run)}`;
  }
}

export function etagOf(bytes: Buffer): string {
  return `"${createHash('md5').update(bytes).digest('hex')}"`;
}

/** A run name like MLflow's generated ones (`<adjective>-<noun>-<n>`), deterministic per run id. */
export function generatedRunName(runId: string): string {
  const adjectives = ['bright', 'calm', 'eager', 'gentle', 'lucky', 'quiet', 'rare', 'swift'];
  const nouns = ['owl', 'fox', 'hare', 'lark', 'moth', 'newt', 'seal', 'wren'];
  const n = Number.parseInt(runId.slice(0, 6), 16);
  return `${adjectives[n % adjectives.length]}-${nouns[(n >> 3) % nouns.length]}-${n % 1000}`;
}
