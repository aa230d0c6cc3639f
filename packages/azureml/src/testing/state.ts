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
  /** MLflow params (`mlflow.log_param`): served by MLflow runs/get only. */
  params?: Record<string, string>;
  /** Literal job inputs (ARM `inputs.<name> = {jobInputType: 'literal', value}`). */
  inputs?: Record<string, string>;
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

/** A number or string (`run.log`), or a list of either (`run.log_list`). */
export type MetricValue = number | string | readonly number[] | readonly string[];

/** Metric service column types, as azureml-core writes them (`int`, `double`, `string`). */
export type ColumnType = 'int' | 'double' | 'string';

/** One row of a metric in the metric service (`MetricV2Value`). */
export interface ServiceMetricValue {
  readonly metricId: string;
  /** Epoch ms; served as ISO `createdUtc`. */
  readonly createdUtc: number;
  /** Absent for list values (azureml-core's ListMetric sends none). */
  readonly step?: number;
  readonly data: Readonly<Record<string, number | string>>;
}

/** A metric as the metric service keeps it (`MetricV2`): one column named after the metric. */
export interface ServiceMetric {
  readonly name: string;
  columns: Record<string, ColumnType>;
  /** `azureml.v1.scalar` (run.log) or `azureml.v1.list` (run.log_list). */
  readonly uxMetricType: string;
  readonly values: ServiceMetricValue[];
}

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
  inputs: Record<string, string>;
  createdAt: number;
  startedAt: number | undefined;
  endedAt: number | undefined;
  error: RunErrorSpec | undefined;
  /** Bumped on every change, like Run History's `statusRevision`. */
  revision: number;
  /** MLflow metric histories (numbers only). */
  readonly metrics: Map<string, MetricPoint[]>;
  /** Every logged metric, as the run history metric service keeps it (strings and lists too). */
  readonly serviceMetrics: Map<string, ServiceMetric>;
  /** Log files and artifacts by path relative to the run's artifact root. */
  readonly files: Map<string, RunFile>;
}

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
      inputs: { ...spec.inputs },
      createdAt,
      startedAt: spec.startedAt ?? (STARTED_STATUSES.has(status) ? createdAt : undefined),
      endedAt: spec.endedAt ?? (TERMINAL_STATUSES.has(status) ? now : undefined),
      error: undefined,
      revision: 1,
      metrics: new Map(),
      serviceMetrics: new Map(),
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
   * Records a metric the way azureml-core's `run.log` / `run.log_list` would, in the metric service:
   * a number or string as one `azureml.v1.scalar` row (step defaults to the key's last step + 1), a
   * list as `azureml.v1.list` rows without steps. Numbers logged one at a time also go to MLflow's
   * history (MLflow holds only numbers); lists and strings do not.
   */
  logMetric(name: string, key: string, value: MetricValue, step?: number, timestamp?: number): void {
    const job = this.require(name);
    const time = timestamp ?? this.clock();
    const list = typeof value === 'number' || typeof value === 'string' ? undefined : [...value];
    const values: (number | string)[] = list ?? [value as number | string];
    const existing = job.serviceMetrics.get(key);
    const uxMetricType = list === undefined ? 'azureml.v1.scalar' : 'azureml.v1.list';
    if (existing !== undefined && existing.uxMetricType !== uxMetricType) {
      throw new RangeError(`metric ${key} was logged as ${existing.uxMetricType}; cannot log it as ${uxMetricType}`);
    }
    const type = columnType(values, existing?.columns[key]);
    const metric: ServiceMetric = existing ?? { name: key, columns: {}, uxMetricType, values: [] };
    metric.columns = { [key]: type };
    job.serviceMetrics.set(key, metric);
    const lastStep = metric.values.at(-1)?.step ?? -1;
    const first = list === undefined ? (step ?? lastStep + 1) : undefined;
    for (const v of values) {
      const metricId = stableUuid(`metric:${name}:${key}:${metric.values.length}`);
      metric.values.push({ metricId, createdUtc: time, ...(first !== undefined ? { step: first } : {}), data: { [key]: v } });
    }
    if (list === undefined && typeof value === 'number') {
      const history = job.metrics.get(key) ?? [];
      job.metrics.set(key, history);
      history.push({ key, value, timestamp: time, step: first ?? 0 });
    }
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

/** The column type for these values (widening `int` to `double`); strings never mix with numbers. */
function columnType(values: readonly (number | string)[], before: ColumnType | undefined): ColumnType {
  let type = before;
  for (const value of values) {
    const next: ColumnType = typeof value === 'string' ? 'string' : Number.isInteger(value) && type !== 'double' ? 'int' : 'double';
    if (type !== undefined && (type === 'string') !== (next === 'string')) {
      throw new RangeError(`a metric holds either numbers or strings, not both (${type} then ${next})`);
    }
    type = type === 'double' ? 'double' : next;
  }
  return type ?? 'double';
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
