// DescribeTrainingJob / ListTrainingJobs answers to core's Run and RunSummary.
import type { DescribeTrainingJobResponse, TrainingJobSummary } from '@aws-sdk/client-sagemaker';
import { classifyFailure, isGenericReason, toIso, type FailureRule, type RunCapabilities, type RunDocument, type RunFailure, type RunNode, type RunStatus, type RunSummaryDocument, type TimelineEvent } from '@runlens/core';
import type { TrainingJob } from './settings.js';

/**
 * SageMaker's own failure vocabulary, in front of core's common rules. Matched on FailureReason, whose
 * leading word is SageMaker's error class (`CapacityError`, `ClientError`, `AlgorithmError`).
 */
export const SAGEMAKER_FAILURE_RULES: readonly FailureRule[] = [
  { category: 'capacity', pattern: /^CapacityError\b|InsufficientInstanceCapacity|ResourceLimitExceeded|Unable to provision requested ML compute capacity/ },
  { category: 'timeout', pattern: /MaxRuntimeExceeded|MaxWaitTimeExceeded|exceeded MaxRuntimeInSeconds|exceeded MaxWaitTimeInSeconds/ },
  { category: 'stopped-by-user', pattern: /^Stopped by (the )?user|StopTrainingJob/ },
  { category: 'out-of-memory', pattern: /CUDA out of memory|OutOfMemoryError|Please use an instance type with more memory|exit code:? 137\b|ExitCode 137\b/ },
  { category: 'invalid-hyperparameter', pattern: /Additional properties are not allowed|is not valid under any of the given schemas|is a required property|[Hh]yperparameter '?[\w-]+'? (is|has) (invalid|not valid|required)/ },
  { category: 'invalid-input-data', pattern: /cannot copy sequence with size \d+ to array axis with dimension \d+|Unable to read data channel|Unable to parse (record|input)|Incorrect (data|content) (format|type)/ },
  { category: 'permission', pattern: /\bAccessDenied\b|is not authorized to perform|Access denied for ECR|Failed to assume role|not allowed to assume/ },
  { category: 'setup', pattern: /^ClientError: (No S3 objects found|Data download failed|Requested image|Cannot find|Unable to pull|Image pull|CannotStartContainerError)|No S3 objects found under S3 URL|CannotStartContainerError|failed to pull (the )?image|manifest unknown/i },
];

const STATUS: Record<string, RunStatus> = {
  InProgress: 'running',
  Stopping: 'running',
  Completed: 'completed',
  Failed: 'failed',
  Stopped: 'stopped',
};

/**
 * Maps TrainingJobStatus. `Deleting` and values SageMaker adds later are not crashes: a job that has
 * ended (TrainingEndTime set) is read from its SecondaryStatus, anything else is still running.
 */
export function mapStatus(status: string | undefined, secondary: string | undefined, ended: boolean): RunStatus {
  const known = status ? STATUS[status] : undefined;
  if (known) return known;
  if (!ended && status !== 'Deleting') return 'running';
  if (secondary === 'Completed') return 'completed';
  if (secondary === 'Failed') return 'failed';
  return 'stopped';
}

/** algo-1..N: N from ResourceConfig.InstanceCount, or the sum over a heterogeneous cluster's InstanceGroups. */
export function jobNodes(job: Pick<DescribeTrainingJobResponse, 'ResourceConfig'>): RunNode[] {
  const config = job.ResourceConfig;
  const groups = config?.InstanceGroups ?? [];
  const count = groups.length > 0 ? groups.reduce((sum, group) => sum + (group.InstanceCount ?? 0), 0) : (config?.InstanceCount ?? 0);
  // Which host belongs to which group of a heterogeneous cluster is not in the description.
  const instanceType = groups.length > 0 ? (new Set(groups.map((g) => g.InstanceType)).size === 1 ? groups[0]!.InstanceType : undefined) : config?.InstanceType;
  return Array.from({ length: count }, (_, i) => ({ name: `algo-${i + 1}`, ...(instanceType ? { instanceType } : {}) }));
}

function failureOf(job: TrainingJob, status: RunStatus): RunFailure | undefined {
  const reason = job.FailureReason?.trim();
  const transitions = job.SecondaryStatusTransitions ?? [];
  const last = transitions[transitions.length - 1];
  const evidence = reason ? reason.split('\n').map((line) => line.trimEnd()).filter((line) => line.trim() !== '') : [];
  const code = /^([A-Z][A-Za-z]+(?:Error|Exception)):/.exec(reason ?? '')?.[1];

  if (status === 'failed') {
    // A generic reason ("AlgorithmError: See job logs") says nothing: leave the category to core,
    // which reads the end of the logs for evidence and classifies from there.
    if (!reason || isGenericReason(reason)) return { category: 'unknown', reason: reason ?? '', evidence, ...(code ? { code } : {}) };
    return { category: classifyFailure([reason], SAGEMAKER_FAILURE_RULES), reason, evidence, ...(code ? { code } : {}) };
  }
  if (status === 'stopped') {
    const secondary = job.SecondaryStatus;
    const message = last?.StatusMessage?.trim();
    if (secondary === 'MaxRuntimeExceeded' || secondary === 'MaxWaitTimeExceeded') {
      const limit = secondary === 'MaxRuntimeExceeded' ? job.StoppingCondition?.MaxRuntimeInSeconds : job.StoppingCondition?.MaxWaitTimeInSeconds;
      const text = reason ?? `${secondary}: ${message ?? 'the job reached its time limit'}${limit ? ` (${secondary === 'MaxRuntimeExceeded' ? 'MaxRuntimeInSeconds' : 'MaxWaitTimeInSeconds'} ${limit})` : ''}`;
      return { category: 'timeout', reason: text, evidence: evidence.length > 0 ? evidence : message ? [message] : [], code: secondary };
    }
    const fallbackEvidence = evidence.length > 0 ? evidence : message ? [message] : [];
    if (secondary === 'Interrupted') {
      return { category: 'capacity', reason: reason ?? `Interrupted: the managed spot capacity was reclaimed${message ? ` (${message})` : ''}`, evidence: fallbackEvidence, code: secondary };
    }
    if (secondary === 'Stopped' || secondary === 'Stopping' || secondary === undefined) {
      return { category: 'stopped-by-user', reason: reason ?? `Stopped by user request (StopTrainingJob)${message ? `: ${message}` : ''}`, evidence: fallbackEvidence, code: 'Stopped' };
    }
    const text = reason ?? `${secondary}${message ? `: ${message}` : ''}`;
    return { category: classifyFailure([text], SAGEMAKER_FAILURE_RULES), reason: text, evidence: fallbackEvidence, code: secondary };
  }
  return undefined;
}

function timeline(job: TrainingJob): TimelineEvent[] {
  return (job.SecondaryStatusTransitions ?? []).flatMap((transition) => {
    const at = toIso(transition.StartTime?.getTime());
    if (!at || !transition.Status) return [];
    return [{ at, status: transition.Status, ...(transition.StatusMessage ? { message: transition.StatusMessage } : {}) }];
  });
}

/** DescribeTrainingJob's answer without the SDK's response metadata: the run's `raw` and the handle's job. */
export function jobDocument(job: DescribeTrainingJobResponse): TrainingJob {
  const { $metadata: _metadata, ...document } = job as DescribeTrainingJobResponse & { $metadata?: unknown };
  void _metadata;
  return document;
}

/** `id` is what the caller named the job by (a name or an ARN); core stamps the ref from it, exactly. */
export function toRun(id: string, job: TrainingJob): RunDocument {
  const ended = job.TrainingEndTime !== undefined;
  const status = mapStatus(job.TrainingJobStatus, job.SecondaryStatus, ended);
  const failure = failureOf(job, status);
  const finalMetrics: Record<string, number> = {};
  for (const metric of job.FinalMetricDataList ?? []) {
    if (metric.MetricName && typeof metric.Value === 'number' && Number.isFinite(metric.Value)) finalMetrics[metric.MetricName] = metric.Value;
  }
  const createdAt = toIso(job.CreationTime?.getTime());
  const startedAt = toIso(job.TrainingStartTime?.getTime());
  const endedAt = toIso(job.TrainingEndTime?.getTime());
  const providerStatus = job.TrainingJobStatus ?? 'Unknown';
  return {
    id,
    name: job.TrainingJobName ?? id,
    status,
    providerStatus,
    ...(createdAt ? { createdAt } : {}),
    ...(startedAt ? { startedAt } : {}),
    ...(endedAt && status !== 'running' ? { endedAt } : {}),
    nodes: jobNodes(job),
    ...(failure ? { failure } : {}),
    hyperparameters: { ...(job.HyperParameters ?? {}) },
    ...(Object.keys(finalMetrics).length > 0 ? { finalMetrics } : {}),
    timeline: timeline(job),
    // The provider's document, shown to users (`runlens describe --json`); the adapter reads the handle.
    raw: job,
  };
}

export function toSummary(summary: TrainingJobSummary): RunSummaryDocument {
  const name = summary.TrainingJobName ?? '';
  const createdAt = toIso(summary.CreationTime?.getTime());
  const endedAt = toIso(summary.TrainingEndTime?.getTime());
  const status = mapStatus(summary.TrainingJobStatus, summary.SecondaryStatus, summary.TrainingEndTime !== undefined);
  return {
    id: name,
    name,
    status,
    providerStatus: summary.TrainingJobStatus ?? 'Unknown',
    ...(createdAt ? { createdAt } : {}),
    ...(endedAt && status !== 'running' ? { endedAt } : {}),
  };
}

/**
 * What this job lacks although SageMaker has it, known from its description alone (no further call):
 * - a job that ended before any instance started (capacity, setup) never reported host metrics, and
 *   its training metrics are at most the final values in the description;
 * - artifacts need the job's S3 output path (or a model artifact).
 * Logs are left to core, which tells "no node ever started" (with the job's reason) from "no stream
 * yet"; whether streams expired is the log group's retention, an account setting not in the
 * description. CloudWatch also drops metric datapoints 15 months after they were written; that is not
 * declared here (yet) because the emulator's scenario jobs carry fixed 2025 dates that a spawned CLI
 * cannot move with a test clock (see the package README).
 */
export function jobCapabilities(job: TrainingJob): RunCapabilities {
  const caps: { -readonly [F in keyof RunCapabilities]: RunCapabilities[F] } = {};
  const finals = (job.FinalMetricDataList ?? []).some((m) => m.MetricName && typeof m.Value === 'number');
  if (job.TrainingStartTime === undefined && job.TrainingEndTime !== undefined) {
    const reason = 'the job ended before any instance started, so none reported metrics to CloudWatch';
    caps.systemMetrics = { available: false, reason };
    if (!finals) caps.trainingMetrics = { available: false, reason };
  }
  if (!job.OutputDataConfig?.S3OutputPath && !job.ModelArtifacts?.S3ModelArtifacts) caps.artifacts = { available: false, reason: 'the job has no S3 output path' };
  return caps;
}
