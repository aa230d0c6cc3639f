// SageMaker training jobs: the job store and the DescribeTrainingJob / ListTrainingJobs operations
// (JSON 1.1, `X-Amz-Target: SageMaker.<Operation>`, timestamps as epoch seconds).

import type { DescribeTrainingJobResponse } from '@aws-sdk/client-sagemaker';
import { ACCOUNT_ID, InputReader, REGION, ServiceError, decodeToken, encodeToken, isObject } from './wire.js';
import type { JsonObject } from './wire.js';

/** A time given by a test: a `Date` or epoch milliseconds. */
export type TimeInput = Date | number;

/** Every `Date` in T (deeply) may also be given as epoch milliseconds. */
export type WithTimeInput<T> = T extends Date
  ? TimeInput
  : T extends readonly (infer U)[]
    ? WithTimeInput<U>[]
    : T extends object
      ? { [K in keyof T]: WithTimeInput<T[K]> }
      : T;

/** A DescribeTrainingJob response in AWS terms; only the name is required, the rest gets realistic defaults. */
export type TrainingJobSeed = { TrainingJobName: string } & WithTimeInput<
  Partial<Omit<DescribeTrainingJobResponse, 'TrainingJobName' | '$metadata'>>
>;

type TrainingJob = JsonObject & { TrainingJobName: string };

const NAME_PATTERN = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;
const STATUSES = ['InProgress', 'Completed', 'Failed', 'Stopping', 'Stopped', 'Deleting'] as const;
const SORT_BY = ['Name', 'CreationTime', 'Status'] as const;
const SORT_ORDER = ['Ascending', 'Descending'] as const;
const DEFAULT_MAX_RESULTS = 10;

export class TrainingJobStore {
  private readonly jobs = new Map<string, TrainingJob>();

  constructor(private readonly clock: () => number) {}

  put(seed: TrainingJobSeed): void {
    if (!NAME_PATTERN.test(seed.TrainingJobName)) throw new Error(`invalid training job name: ${seed.TrainingJobName}`);
    const now = new Date(this.clock());
    const name = seed.TrainingJobName;
    const defaults: JsonObject = {
      TrainingJobName: name,
      // SageMaker lower-cases the name inside the ARN.
      TrainingJobArn: `arn:aws:sagemaker:${REGION}:${ACCOUNT_ID}:training-job/${name.toLowerCase()}`,
      TrainingJobStatus: 'InProgress',
      SecondaryStatus: 'Starting',
      AlgorithmSpecification: {
        TrainingImage: `763104351884.dkr.ecr.${REGION}.amazonaws.com/pytorch-training:2.3.0-gpu-py311-cu121-ubuntu20.04-sagemaker`,
        TrainingInputMode: 'File',
        EnableSageMakerMetricsTimeSeries: false,
      },
      RoleArn: `arn:aws:iam::${ACCOUNT_ID}:role/RunlensSageMakerRole`,
      OutputDataConfig: { S3OutputPath: 's3://rl-bucket/', CompressionType: 'GZIP' },
      ResourceConfig: { InstanceType: 'ml.m5.xlarge', InstanceCount: 1, VolumeSizeInGB: 30 },
      StoppingCondition: { MaxRuntimeInSeconds: 86400 },
      CreationTime: now,
      LastModifiedTime: now,
      EnableNetworkIsolation: false,
      EnableInterContainerTrafficEncryption: false,
      EnableManagedSpotTraining: false,
    };
    this.jobs.set(name, { ...defaults, ...(toDates(seed) as JsonObject), TrainingJobName: name });
  }

  update(name: string, patch: Partial<TrainingJobSeed>): void {
    const job = this.jobs.get(name);
    if (!job) throw new Error(`no training job named ${name}`);
    this.jobs.set(name, { ...job, LastModifiedTime: new Date(this.clock()), ...(toDates(patch) as JsonObject), TrainingJobName: name });
  }

  get(name: string): TrainingJob | undefined {
    return this.jobs.get(name);
  }

  describeTrainingJob(input: JsonObject): JsonObject {
    const reader = new InputReader(input, 'ValidationException');
    const name = reader.requiredString('TrainingJobName');
    if (!NAME_PATTERN.test(name)) {
      throw reader.invalid(
        `1 validation error detected: Value '${name}' at 'trainingJobName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}`,
      );
    }
    const job = this.jobs.get(name);
    // The real service answers ValidationException here, not the modeled ResourceNotFound.
    if (!job) throw new ServiceError('ValidationException', 'Requested resource not found.');
    return job;
  }

  listTrainingJobs(input: JsonObject): JsonObject {
    const reader = new InputReader(input, 'ValidationException');
    const maxResults = reader.integer('MaxResults', 1, 100) ?? DEFAULT_MAX_RESULTS;
    const nameContains = reader.string('NameContains');
    const status = reader.enumValue('StatusEquals', STATUSES);
    const sortBy = reader.enumValue('SortBy', SORT_BY) ?? 'CreationTime';
    const sortOrder = reader.enumValue('SortOrder', SORT_ORDER) ?? 'Ascending';
    const createdAfter = reader.number('CreationTimeAfter');
    const createdBefore = reader.number('CreationTimeBefore');
    const modifiedAfter = reader.number('LastModifiedTimeAfter');
    const modifiedBefore = reader.number('LastModifiedTimeBefore');
    const token = reader.string('NextToken');

    const compare = jobComparator(sortBy, sortOrder);
    const ordered = [...this.jobs.values()]
      .filter((job) => nameContains === undefined || job.TrainingJobName.toLowerCase().includes(nameContains.toLowerCase()))
      .filter((job) => inWindow(job['CreationTime'], createdAfter, createdBefore))
      .filter((job) => inWindow(job['LastModifiedTime'], modifiedAfter, modifiedBefore))
      .sort(compare);

    let start = 0;
    if (token !== undefined) {
      const after = decodeToken(token);
      if (!isObject(after) || typeof after['name'] !== 'string') throw reader.invalid('Invalid pagination token');
      const last = this.jobs.get(after['name']) ?? { TrainingJobName: after['name'] };
      start = ordered.findIndex((job) => compare(job, last) > 0);
      if (start < 0) start = ordered.length;
    }
    // Documented quirk: the window of MaxResults jobs is taken first and StatusEquals filters it
    // afterwards, so pages can be short or empty while NextToken is still present.
    const window = ordered.slice(start, start + maxResults);
    const summaries = window.filter((job) => status === undefined || job['TrainingJobStatus'] === status).map(summary);
    const last = window.at(-1);
    const more = start + window.length < ordered.length;
    return {
      TrainingJobSummaries: summaries,
      ...(more && last ? { NextToken: encodeToken({ name: last.TrainingJobName }) } : {}),
    };
  }
}

function summary(job: TrainingJob): JsonObject {
  const keys = ['TrainingJobName', 'TrainingJobArn', 'CreationTime', 'TrainingEndTime', 'LastModifiedTime', 'TrainingJobStatus', 'SecondaryStatus', 'WarmPoolStatus'];
  return Object.fromEntries(keys.filter((key) => job[key] !== undefined).map((key) => [key, job[key]]));
}

function jobComparator(sortBy: (typeof SORT_BY)[number], order: (typeof SORT_ORDER)[number]) {
  const sign = order === 'Ascending' ? 1 : -1;
  return (a: JsonObject & { TrainingJobName: string }, b: JsonObject & { TrainingJobName: string }): number => {
    let primary = 0;
    if (sortBy === 'CreationTime') primary = epochMs(a['CreationTime']) - epochMs(b['CreationTime']);
    if (sortBy === 'Status') primary = String(a['TrainingJobStatus']).localeCompare(String(b['TrainingJobStatus']));
    const byName = a.TrainingJobName < b.TrainingJobName ? -1 : a.TrainingJobName > b.TrainingJobName ? 1 : 0;
    return sign * (primary || byName);
  };
}

function epochMs(value: unknown): number {
  return value instanceof Date ? value.getTime() : 0;
}

/** Request bounds are epoch seconds; After/Before are exclusive like the service's filters. */
function inWindow(value: unknown, afterSeconds: number | undefined, beforeSeconds: number | undefined): boolean {
  const ms = epochMs(value);
  if (afterSeconds !== undefined && !(ms > afterSeconds * 1000)) return false;
  if (beforeSeconds !== undefined && !(ms < beforeSeconds * 1000)) return false;
  return true;
}

/** Deep copy turning epoch-ms numbers under time members (`...Time`, `Timestamp`) into Dates. */
function toDates(value: unknown, key = ''): unknown {
  if (typeof value === 'number' && /(Time|Timestamp)$/.test(key)) return new Date(value);
  if (value instanceof Date) return new Date(value.getTime());
  if (Array.isArray(value)) return value.map((item) => toDates(item, key));
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toDates(v, k)]));
  return value;
}
