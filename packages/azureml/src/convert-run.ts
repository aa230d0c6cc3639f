// ARM job + Run History details (+ MLflow's latest metrics and params) → core's Run and RunSummary.
import type { JobBase } from '@azure/arm-machinelearning';
import { classifyFailure, compareNatural, summaryFailure, toIso, type FailureRule, type RunDocument, type RunFailure, type RunNode, type RunStatus, type RunSummaryDocument, type TimelineEvent } from '@runlens/core';
import { logFilesOf, rankNode } from './log-files.js';
import type { InnerError, MlflowRun, RootError, RunDetails } from './wire.js';

/**
 * Azure ML job status → core status. `Finalizing` and `CancelRequested` are still running (logs and
 * metrics may still arrive); `NotResponding` is terminal and treated as failed, `Paused` as stopped
 * (azure-ai-ml treats both as terminal); `Unknown` and values this version does not know are in
 * progress: running once the job has started, pending before.
 */
export function mapStatus(status: string | undefined, started: boolean): RunStatus {
  switch (status) {
    case 'NotStarted':
    case 'Queued':
    case 'Preparing':
    case 'Provisioning':
    case 'Starting':
      return 'pending';
    case 'Running':
    case 'Finalizing':
    case 'CancelRequested':
      return 'running';
    case 'Completed':
      return 'completed';
    case 'Failed':
    case 'NotResponding':
      return 'failed';
    case 'Canceled':
    case 'Paused':
      return 'stopped';
    default:
      return started ? 'running' : 'pending';
  }
}

/** Azure ML's own codes first (structured, from RootError.code / innerError / details), then core's common patterns. */
export const AZUREML_FAILURE_RULES: readonly FailureRule[] = [
  { category: 'stopped-by-user', pattern: /\b(UserCanceled|JobCanceled|CanceledByUser)\b/ },
  { category: 'out-of-memory', pattern: /\b(OutOfMemory(Error)?|OOMKilled|MemoryLimitExceeded|CudaOutOfMemory)\b/ },
  { category: 'capacity', pattern: /\b(QuotaExceeded|InsufficientQuota|NotEnoughQuota|AllocationFailed|ZonalAllocationFailed|OutOfCapacity|SkuNotAvailable|ClusterCoreQuotaReached|LowPriorityPreempted|NodePreempted)\b/ },
  { category: 'permission', pattern: /\b(AuthorizationFailed|UserAuthorizationFailed|AuthenticationFailed|DataAccessError|StorageAccessDenied|ManagedIdentityError|IdentityNotFound)\b/ },
  { category: 'timeout', pattern: /\b(JobTimeout|MaxRunDurationExceeded|RunTimeoutExceeded|ExecutionTimeout)\b/ },
  { category: 'setup', pattern: /\b(ImageBuildFailure|EnvironmentBuildFailure|ImagePullError|ImageNotFound|ImageBuildError|CondaEnvironmentError|PipInstallError|EnvironmentPreparationError|ComputeTargetNotFound|DataMountFailure|DataDownloadFailure|InputDatasetNotFound)\b/ },
];

interface JobProps {
  status?: string;
  displayName?: string;
  experimentName?: string;
  tags?: Record<string, string>;
  computeId?: string;
  jobType?: string;
  resources?: { instanceCount?: number; instanceType?: string };
  distribution?: { distributionType?: string; processCountPerInstance?: number; workerCount?: number; parameterServerCount?: number };
  inputs?: Record<string, { jobInputType?: string; value?: unknown } | null>;
}

const propsOf = (job: JobBase): JobProps => (job.properties ?? {}) as JobProps;

const iso = (value: string | Date | null | undefined): string | undefined => {
  if (value === null || value === undefined || value === '') return undefined;
  const ms = value instanceof Date ? value.getTime() : Date.parse(value);
  return toIso(ms);
};

/** Ranks from the job's shape: nodes × processes per node (PyTorch / MPI), or TensorFlow's workers and parameter servers. */
export function rankCount(job: JobBase, details?: RunDetails): number {
  const props = propsOf(job);
  const instances = props.resources?.instanceCount ?? details?.compute?.instanceCount ?? details?.runDefinition?.nodeCount ?? 1;
  const d = props.distribution;
  if (d?.distributionType === 'TensorFlow' && (d.workerCount || d.parameterServerCount)) return Math.max(1, (d.workerCount ?? 0) + (d.parameterServerCount ?? 0));
  const perNode = d?.processCountPerInstance ?? details?.runDefinition?.processCountPerNode ?? 1;
  return Math.max(1, instances) * Math.max(1, perNode);
}

/** One node per rank (`rank-0` …), plus any node a listed log file names (e.g. legacy `azureml`). */
export function nodesOf(job: JobBase, details?: RunDetails): RunNode[] {
  const instanceType = propsOf(job).resources?.instanceType ?? details?.compute?.vmSize ?? undefined;
  const names = new Set<string>();
  for (let rank = 0; rank < rankCount(job, details); rank++) names.add(rankNode(rank));
  for (const file of logFilesOf(details?.logFiles)) names.add(file.node);
  return [...names].sort(compareNatural).map((name) => ({ name, ...(instanceType && name.startsWith('rank-') ? { instanceType } : {}) }));
}

function innerCodes(inner: InnerError | null | undefined): string[] {
  const codes: string[] = [];
  for (let e = inner, depth = 0; e && depth < 10; e = e.innerError, depth++) if (e.code) codes.push(e.code);
  return codes;
}

/** `RunDetails.error` → failure: the message as the reason (its exception line appended), codes and details as evidence. */
export function failureOf(error: RootError | null | undefined): RunFailure | undefined {
  if (!error || (!error.message && !error.code)) return undefined;
  const message = (error.message ?? '').trim();
  const lines = message.split(/\r?\n/).map((l) => l.trimEnd()).filter((l) => l.trim() !== '');
  const head = (lines[0] ?? error.code ?? 'failed').replace(/\s*Error:\s*Traceback \(most recent call last\):?\s*$/, '').trim();
  const exception = [...lines].reverse().find((l) => /^\s*[A-Za-z_][\w.]*(Error|Exception|Interrupt|Exit|Failure)\b.*:/.test(l))?.trim();
  const reason = exception && !head.includes(exception) ? `${head} ${exception}` : head;
  const codes = [error.code, ...innerCodes(error.innerError)].filter((c): c is string => Boolean(c));
  const evidence: string[] = [];
  if (codes.length > 0) evidence.push(`error code: ${codes.join(' / ')}`);
  if (lines.length > 1) evidence.push(...lines.slice(0, 40));
  for (const detail of error.details ?? []) {
    const text = [detail.code, detail.message].filter(Boolean).join(': ');
    if (text) evidence.push(text);
    codes.push(...[detail.code, ...innerCodes(detail.innerError)].filter((c): c is string => Boolean(c)));
  }
  const category = classifyFailure([codes.join(' '), reason, ...evidence], AZUREML_FAILURE_RULES);
  return { category, reason, evidence, ...(error.code ? { code: error.code } : {}) };
}

function stringMap(record: Record<string, unknown> | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(record ?? {})) {
    if (value === null || value === undefined) continue;
    out[key] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return out;
}

/**
 * The job's literal inputs (what was submitted), then Run History parameters, then MLflow params
 * (`mlflow.log_param`: what the script itself recorded using). On a clash the later wins; a job input
 * it hides stays in `raw.job` (docs/providers/azureml.md says why).
 */
function hyperparametersOf(job: JobBase, details?: RunDetails, mlflow?: MlflowRun): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, input] of Object.entries(propsOf(job).inputs ?? {})) {
    if (input?.jobInputType === 'literal' && input.value !== undefined && input.value !== null) out[key] = String(input.value);
  }
  Object.assign(out, stringMap(details?.parameters));
  for (const param of mlflow?.run?.data?.params ?? []) {
    if (param.key && param.value !== undefined && param.value !== null) out[param.key] = param.value;
  }
  return out;
}

function tagsOf(job: JobBase, details?: RunDetails): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...(details?.tags ?? {}), ...(propsOf(job).tags ?? {}) })) {
    if (typeof value === 'string') out[key] = value;
  }
  return out;
}

function finalMetricsOf(mlflow?: MlflowRun): Record<string, number> | undefined {
  const metrics = mlflow?.run?.data?.metrics;
  if (!metrics || metrics.length === 0) return undefined;
  const out: Record<string, number> = {};
  for (const m of metrics) {
    const value = Number(m.value);
    if (m.key && Number.isFinite(value)) out[m.key] = value;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** The provider's record for `raw`, with every SAS link's query (its signature) removed. */
function rawOf(job: JobBase, details?: RunDetails): unknown {
  if (!details) return { job };
  const logFiles: Record<string, string> = {};
  for (const [path, url] of Object.entries(details.logFiles ?? {})) logFiles[path] = withoutQuery(url);
  return { job, details: { ...details, logFiles } };
}

export function withoutQuery(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

/** What `runs` and `describe` both show, by one rule: ARM's status, Run History's times when known. */
export interface RunState {
  readonly providerStatus: string;
  readonly status: RunStatus;
  readonly createdAt?: string;
  readonly startedAt?: string;
  readonly endedAt?: string;
}

export function runState(job: JobBase, details?: RunDetails): RunState {
  const providerStatus = propsOf(job).status ?? details?.status ?? 'Unknown';
  const createdAt = iso(details?.createdTimeUtc) ?? iso(job.systemData?.createdAt);
  const startedAt = iso(details?.startTimeUtc) ?? iso(details?.effectiveStartTimeUtc);
  const status = mapStatus(providerStatus, startedAt !== undefined);
  const endedAt = status === 'running' || status === 'pending' ? undefined : iso(details?.endTimeUtc);
  return { providerStatus, status, ...(createdAt ? { createdAt } : {}), ...(startedAt ? { startedAt } : {}), ...(endedAt ? { endedAt } : {}) };
}

export function toRun(id: string, job: JobBase, details?: RunDetails, mlflow?: MlflowRun): RunDocument {
  const props = propsOf(job);
  const { providerStatus, status, createdAt, startedAt, endedAt } = runState(job, details);
  const failure = status === 'failed' ? failureOf(details?.error?.error) : undefined;
  const timeline: TimelineEvent[] = [];
  if (createdAt) timeline.push({ at: createdAt, status: 'Created' });
  if (startedAt) timeline.push({ at: startedAt, status: 'Running' });
  if (endedAt) timeline.push({ at: endedAt, status: providerStatus, ...(failure ? { message: failure.reason } : {}) });
  const tags = tagsOf(job, details);
  const finalMetrics = finalMetricsOf(mlflow);
  return {
    id,
    name: props.displayName || job.name || id,
    status,
    providerStatus,
    ...(createdAt ? { createdAt } : {}),
    ...(startedAt ? { startedAt } : {}),
    ...(endedAt ? { endedAt } : {}),
    nodes: nodesOf(job, details),
    ...(failure ? { failure } : {}),
    hyperparameters: hyperparametersOf(job, details, mlflow),
    ...(Object.keys(tags).length > 0 ? { tags } : {}),
    ...(finalMetrics ? { finalMetrics } : {}),
    ...(timeline.length > 0 ? { timeline } : {}),
    raw: rawOf(job, details),
  };
}

/**
 * A list row. ARM jobs carry no start or end time (pitfall 19): with the job's Run History details
 * the row has the same times and status as `describe`; without them it has what ARM says.
 */
export function toSummary(job: JobBase, id: string, details?: RunDetails): RunSummaryDocument {
  const { providerStatus, status, createdAt, endedAt } = runState(job, details);
  // The same Run History error describe classifies: the list reads the details anyway.
  const failure = status === 'failed' ? summaryFailure(failureOf(details?.error?.error)) : undefined;
  return {
    id,
    name: propsOf(job).displayName || job.name || id,
    status,
    providerStatus,
    ...(createdAt ? { createdAt } : {}),
    ...(endedAt ? { endedAt } : {}),
    ...(failure ? { failure } : {}),
  };
}
