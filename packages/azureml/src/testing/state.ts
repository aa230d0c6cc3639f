/**
 * The emulated workspace: jobs (= runs; Azure ML uses the job name as the run id), their
 * log files, metric histories, params, tags and artifacts. The HTTP surfaces only read this.
 */
import { createHash } from 'node:crypto';

import { Content } from './content.js';

import type { BodySource } from './content.js';

export type JobStatus =
  | 'NotStarted'
  | 'Starting'
  | 'Provisioning'
  | 'Preparing'
  | 'Queued'
  | 'Running'
  | 'Finalizing'
  | 'CancelRequested'
  | 'Completed'
  | 'Failed'
  | 'Canceled'
  | 'NotResponding'
  | 'Paused'
  | 'Unknown';

/** Terminal statuses as azure-ai-ml treats them; `Finalizing` is not terminal. */
export const TERMINAL_STATUSES: ReadonlySet<JobStatus> = new Set<JobStatus>([
  'Completed', 'Failed', 'Canceled', 'NotResponding', 'Paused',
]);

/** Statuses that imply the user process has started. */
const STARTED_STATUSES: ReadonlySet<JobStatus> = new Set<JobStatus>([
  'Running', 'Finalizing', 'CancelRequested', 'Completed', 'Failed', 'NotResponding',
]);

export interface JobSpec {
  name: string;
  status?: JobStatus;
  displayName?: string;
  experimentName?: string;
  description?: string;
  /** Number of nodes. */
  instanceCount?: number;
  instanceType?: string;
  /** Processes (ranks) per node; with more than one, the job uses PyTorch distribution. */
  processCountPerInstance?: number;
  computeName?: string;
  command?: string;
  environmentId?: string;
  tags?: Record<string, string>;
  properties?: Record<string, string>;
  /** MLflow params (also Run History `parameters`). */
  params?: Record<string, string>;
  /** Epoch milliseconds. */
  createdAt?: number;
  startedAt?: number;
  endedAt?: number;
  isArchived?: boolean;
  createdBy?: string;
}

/** Run History RootError fields a seed may set. */
export interface RunErrorSpec {
  code: string;
  message: string;
  target?: string;
  messageFormat?: string;
  messageParameters?: Record<string, string>;
  referenceCode?: string;
  details?: readonly RunErrorSpec[];
  innerError?: { code: string };
}

export interface MetricPoint {
  readonly key: string;
  readonly value: number;
  readonly timestamp: number;
  readonly step: number;
}

export type MetricValue = number | string | readonly number[];

export interface RunFile {
  readonly kind: 'log' | 'artifact';
  readonly content: Content;
}

export interface Job {
  readonly name: string;
  readonly runNumber: number;
  status: JobStatus;
  displayName: string;
  experimentName: string;
  description: string;
  instanceCount: number;
  instanceType: string;
  processCountPerInstance: number;
  computeName: string;
  command: string;
  environmentId: string;
  createdBy: string;
  isArchived: boolean;
  tags: Record<string, string>;
  properties: Record<string, string>;
  params: Record<string, string>;
  createdAt: number;
  startedAt: number | undefined;
  endedAt: number | undefined;
  error: RunErrorSpec | undefined;
  /** Bumped on every change, like Run History's `statusRevision`. */
  revision: number;
  readonly metrics: Map<string, MetricPoint[]>;
  /** Log files and artifacts by path relative to the run's artifact root. */
  readonly files: Map<string, RunFile>;
}

/**
 * MLflow can only store numbers, so a string metric is kept the way Azure ML surfaces
 * non-numeric values through MLflow: as a run tag (see README).
 */
export const STRING_METRIC_TAG_PREFIX = 'mlflow.log-string.';

/** Files under outputs/ are uploaded by the run and must be smaller than 512 MB (seed 004). */
const OUTPUTS_LIMIT_BYTES = 512 * 1024 * 1024;

export interface WorkspaceIdentity {
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly workspace: string;
  readonly region: string;
}

export class Workspace {
  private readonly jobs = new Map<string, Job>();
  private runCounter = 0;

  constructor(
    readonly identity: WorkspaceIdentity,
    readonly clock: () => number,
  ) {}

  get(name: string): Job | undefined {
    return this.jobs.get(name);
  }

  /** Jobs newest first, as the jobs list returns them. */
  list(): Job[] {
    return [...this.jobs.values()].sort((a, b) => b.createdAt - a.createdAt || a.name.localeCompare(b.name));
  }

  /** Creates or replaces a job; a replaced job loses its logs, metrics and artifacts. */
  putJob(spec: JobSpec): Job {
    const now = this.clock();
    const status = spec.status ?? 'Running';
    const createdAt = spec.createdAt ?? now;
    this.runCounter += 1;
    const job: Job = {
      name: spec.name,
      runNumber: this.runCounter,
      status,
      displayName: spec.displayName ?? spec.name,
      experimentName: spec.experimentName ?? 'Default',
      description: spec.description ?? '',
      instanceCount: spec.instanceCount ?? 1,
      instanceType: spec.instanceType ?? 'Standard_NC6s_v3',
      processCountPerInstance: spec.processCountPerInstance ?? 1,
      computeName: spec.computeName ?? 'gpu-cluster',
      command: spec.command ?? 'python train.py',
      environmentId: spec.environmentId ?? 'azureml://registries/azureml/environments/acpt-pytorch-2.2-cuda12.1/versions/1',
      createdBy: spec.createdBy ?? 'Runlens Tester',
      isArchived: spec.isArchived ?? false,
      tags: { ...spec.tags },
      properties: { ...spec.properties },
      params: { ...spec.params },
      createdAt,
      startedAt: spec.startedAt ?? (STARTED_STATUSES.has(status) ? createdAt : undefined),
      endedAt: spec.endedAt ?? (TERMINAL_STATUSES.has(status) ? now : undefined),
      error: undefined,
      revision: 1,
      metrics: new Map(),
      files: new Map(),
    };
    this.jobs.set(spec.name, job);
    return job;
  }

  setStatus(name: string, status: JobStatus): void {
    const job = this.require(name);
    const now = this.clock();
    job.status = status;
    if (STARTED_STATUSES.has(status)) job.startedAt ??= now;
    if (TERMINAL_STATUSES.has(status)) job.endedAt ??= now;
    job.revision += 1;
  }

  setRunError(name: string, error: RunErrorSpec): void {
    const job = this.require(name);
    job.error = error;
    job.revision += 1;
  }

  /** Appends to a log file, creating it (log files appear lazily, as ranks start writing). */
  appendLog(name: string, path: string, text: BodySource): void {
    const job = this.require(name);
    const file = job.files.get(path);
    if (file === undefined) job.files.set(path, { kind: 'log', content: new Content(text, this.clock()) });
    else file.content.append(text, this.clock());
  }

  setLog(name: string, path: string, body: BodySource): void {
    this.setFile(name, path, 'log', body);
  }

  putArtifact(name: string, path: string, body: BodySource): void {
    const size = typeof body === 'string' ? Buffer.byteLength(body) : 'size' in body ? body.size : body.byteLength;
    if (path.startsWith('outputs/') && size >= OUTPUTS_LIMIT_BYTES) {
      throw new RangeError(`artifact ${path} is ${size} bytes; files under outputs/ must be smaller than 512 MB`);
    }
    this.setFile(name, path, 'artifact', body);
  }

  /**
   * Records a metric the way the seed's logger would: numbers as one point (step defaults to the
   * key's last step + 1), a list of numbers as a series with steps `step..step+n-1`, and a string
   * as a tag.
   */
  logMetric(name: string, key: string, value: MetricValue, step?: number, timestamp?: number): void {
    const job = this.require(name);
    const time = timestamp ?? this.clock();
    if (typeof value === 'string') {
      job.tags[`${STRING_METRIC_TAG_PREFIX}${key}`] = value;
      return;
    }
    const history = job.metrics.get(key) ?? [];
    job.metrics.set(key, history);
    const values = typeof value === 'number' ? [value] : value;
    const first = step ?? (typeof value === 'number' ? (history.at(-1)?.step ?? -1) + 1 : 0);
    values.forEach((v, i) => history.push({ key, value: v, timestamp: time, step: first + i }));
  }

  private require(name: string): Job {
    const job = this.jobs.get(name);
    if (job === undefined) throw new Error(`azureml emulator: no job named ${name}; call putJob first`);
    return job;
  }

  private setFile(name: string, path: string, kind: RunFile['kind'], body: BodySource): void {
    const job = this.require(name);
    const file = job.files.get(path);
    if (file?.kind === kind) file.content.replace(body, this.clock());
    else job.files.set(path, { kind, content: new Content(body, this.clock()) });
  }
}

/** Deterministic RFC 4122-shaped id (name-based), so scenarios are reproducible. */
export function stableUuid(seed: string): string {
  const hex = createHash('sha1').update(seed).digest('hex');
  const variant = ((parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** MLflow run status for an Azure ML job status. */
export function mlflowStatus(status: JobStatus): 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED' {
  switch (status) {
    case 'Completed':
      return 'FINISHED';
    case 'Failed':
    case 'NotResponding':
      return 'FAILED';
    case 'Canceled':
      return 'KILLED';
    case 'NotStarted':
    case 'Starting':
    case 'Provisioning':
    case 'Preparing':
    case 'Queued':
      return 'SCHEDULED';
    default:
      return 'RUNNING';
  }
}
