// ModelArts job records → core's Run and RunSummary. Pure functions of the wire data.
import { classifyFailure, summaryFailure, toIso, type FailureCategory, type FailureRule, type RunDocument, type RunFailure, type RunNode, type RunStatus, type RunSummaryDocument, type TimelineEvent } from '@runlens/core';
import { asArray, asObject, num, str, type Json, type JsonObject } from './json.js';

/** v2 `status.phase` → core status. Terminating is still running (it can still log); the raw phase is kept. */
const PHASES: Readonly<Record<string, RunStatus>> = {
  Creating: 'pending',
  Pending: 'pending',
  Queuing: 'pending',
  Running: 'running',
  Terminating: 'running',
  Completed: 'completed',
  Failed: 'failed',
  Abnormal: 'failed',
  CreateFailed: 'failed',
  Terminated: 'stopped',
  TerminatedFailed: 'stopped',
};

/** An unknown phase (the service adds values) counts as in progress: never a crash, never a false "ended". */
export function phaseStatus(phase: string | undefined, secondary?: string): RunStatus {
  return (phase !== undefined ? PHASES[phase] : undefined) ?? (secondary !== undefined ? PHASES[secondary] : undefined) ?? 'running';
}

/** v2 phases per core status, for the search API's `phase` filter. */
export const PHASES_OF: Readonly<Record<RunStatus, readonly string[]>> = {
  pending: ['Creating', 'Pending'],
  running: ['Running', 'Terminating'],
  completed: ['Completed'],
  failed: ['Failed', 'Abnormal'],
  stopped: ['Terminated'],
};

/** v1 integer statuses (historical API reference, job_statuses). */
const V1_STATUS: ReadonlyArray<readonly [string, RunStatus]> = [
  ['UNKNOWN', 'running'],
  ['INIT', 'pending'],
  ['IMAGE_CREATING', 'pending'],
  ['IMAGE_FAILED', 'failed'],
  ['SUBMIT_TRYING', 'pending'],
  ['SUBMIT_FAILED', 'failed'],
  ['DELETE_FAILED', 'failed'],
  ['WAITING', 'pending'],
  ['RUNNING', 'running'],
  ['KILLING', 'running'],
  ['COMPLETED', 'completed'],
  ['FAILED', 'failed'],
  ['KILLED', 'stopped'],
  ['CANCELED', 'stopped'],
  ['LOST', 'failed'],
  ['SCALING', 'running'],
  ['SUBMIT_MODEL_FAILED', 'failed'],
  ['DEPLOY_SERVICE_FAILED', 'failed'],
  ['CHECK_INIT', 'pending'],
  ['CHECK_RUNNING', 'pending'],
  ['CHECK_RUNNING_COMPLETED', 'pending'],
  ['CHECK_FAILED', 'failed'],
];

export function v1Status(code: number | undefined): { status: RunStatus; name: string } {
  const entry = code !== undefined ? V1_STATUS[code] : undefined;
  return entry ? { status: entry[1], name: entry[0] } : { status: 'running', name: code === undefined ? 'UNKNOWN' : `STATUS_${code}` };
}

/**
 * ModelArts-specific failure rules, in front of core's common ones. Exit codes come from
 * `task_statuses` and `running_records.end_reason` ("exit with 137").
 */
export const MODELARTS_FAILURE_RULES: readonly FailureRule[] = [
  { category: 'out-of-memory', pattern: /\bexit(?:ed)?(?: with| code)?:?\s*137\b|OOMKilled|memory limit exceeded/i },
  { category: 'setup', pattern: /\bexit(?:ed)?(?: with| code)?:?\s*12[67]\b|command not found|ErrImagePull|ImagePullBackOff|Failed to pull image|IMAGE_FAILED|download (?:code|data|input)[^.\n]{0,40}fail/i },
  { category: 'capacity', pattern: /Insufficient (?:cpu|memory|nvidia\.com\/gpu|huawei\.com\/ascend)|Unschedulable|FailedScheduling|resources? (?:are |is )?(?:not enough|insufficient)|sold out|SUBMIT_FAILED/i },
  { category: 'stopped-by-user', pattern: /terminated by (?:the )?user|stopped by (?:the )?user/i },
  { category: 'timeout', pattern: /exceed(?:ed|s)? the (?:maximum )?(?:running|run) (?:time|duration)|max_running_time/i },
  { category: 'user-code-error', pattern: /\bexit(?:ed)?(?: with| code)?:?\s*(?:1|2|134|139)\b/i },
];

/** `status.start_time`: "timestamp format", unit not stated. Seconds are recognised by size. */
function epochMs(value: unknown): number | undefined {
  const n = num(value);
  if (n === undefined || n <= 0) return undefined;
  return n < 1e11 ? n * 1000 : n;
}

export interface V2Times {
  readonly created?: number;
  readonly started?: number;
  readonly ended?: number;
}

export function v2Times(detail: JsonObject): V2Times {
  const metadata = asObject(detail.metadata) ?? {};
  const status = asObject(detail.status) ?? {};
  const records = asArray(status.running_records).map(asObject).filter((r): r is JsonObject => r !== undefined);
  const created = epochMs(metadata.create_time);
  const started = epochMs(status.start_time) ?? epochMs(records[0]?.start_at);
  const terminal = ['completed', 'failed', 'stopped'].includes(phaseStatus(str(status.phase), str(status.secondary_phase)));
  let ended: number | undefined;
  if (terminal) {
    ended = epochMs(records[records.length - 1]?.end_at);
    const duration = num(status.duration);
    if (ended === undefined && started !== undefined && duration !== undefined && duration > 0) ended = started + duration;
  }
  return { ...(created !== undefined ? { created } : {}), ...(started !== undefined ? { started } : {}), ...(ended !== undefined ? { ended } : {}) };
}

export interface ErrorEvent {
  readonly time: string;
  readonly message: string;
}

export function v2Summary(detail: JsonObject): Omit<RunSummaryDocument, 'failure'> {
  const metadata = asObject(detail.metadata) ?? {};
  const status = asObject(detail.status) ?? {};
  const id = str(metadata.id) ?? '';
  const phase = str(status.phase) ?? 'Unknown';
  const times = v2Times(detail);
  return {
    id,
    name: str(metadata.name) ?? id,
    status: phaseStatus(phase, str(status.secondary_phase)),
    providerStatus: phase,
    ...(times.created !== undefined ? { createdAt: toIso(times.created)! } : {}),
    ...(times.ended !== undefined ? { endedAt: toIso(times.ended)! } : {}),
  };
}

/**
 * A search result row: v2Summary plus, for a failed job, the failure category its `status` gives
 * (task exit codes and messages, running records' end reasons) when that names one. The job's
 * Error events, which describe reads too, would cost a call per job.
 */
export function v2ListSummary(detail: JsonObject): RunSummaryDocument {
  const summary = v2Summary(detail);
  const failure = summary.status === 'failed' ? summaryFailure(v2Failure(asObject(detail.status) ?? {}, [])) : undefined;
  return failure ? { ...summary, failure } : summary;
}

export function v2Run(detail: JsonObject, errorEvents: readonly ErrorEvent[] = []): RunDocument {
  const summary = v2Summary(detail);
  const status = asObject(detail.status) ?? {};
  const spec = asObject(detail.spec);
  const resource = asObject(spec?.resource);
  const flavor = str(resource?.flavor_id);
  const times = v2Times(detail);
  const taskStatuses = asArray(status.task_statuses).map(asObject).filter((t): t is JsonObject => t !== undefined);
  const nodes: RunNode[] = asArray(status.tasks)
    .map(str)
    .filter((t): t is string => t !== undefined && t !== '')
    .map((name) => {
      const exit = num(taskStatuses.find((t) => str(t.task) === name)?.exit_code);
      return { name, ...(flavor ? { instanceType: flavor } : {}), ...(exit !== undefined ? { status: `exit ${exit}` } : {}) };
    });
  const algorithm = asObject(detail.algorithm);
  const hyperparameters: Record<string, string> = {};
  for (const parameter of asArray(algorithm?.parameters)) {
    const p = asObject(parameter);
    const name = str(p?.name);
    if (name) hyperparameters[name] = str(p?.value) ?? JSON.stringify(p?.value ?? null);
  }
  const failure = summary.status === 'failed' ? v2Failure(status, errorEvents) : undefined;
  return {
    ...summary,
    ...(times.started !== undefined ? { startedAt: toIso(times.started)! } : {}),
    nodes,
    ...(failure ? { failure } : {}),
    hyperparameters,
    timeline: v2Timeline(status, errorEvents),
    raw: detail,
  };
}

function v2Timeline(status: JsonObject, errorEvents: readonly ErrorEvent[]): TimelineEvent[] {
  const events: TimelineEvent[] = [];
  for (const record of asArray(status.running_records).map(asObject)) {
    if (!record) continue;
    const start = epochMs(record.start_at);
    if (start !== undefined) events.push({ at: toIso(start)!, status: 'Running', ...(str(record.start_type) ? { message: str(record.start_type)! } : {}) });
    const end = epochMs(record.end_at);
    if (end !== undefined) {
      const reason = [str(record.end_reason), str(record.end_related_task) ? `task ${str(record.end_related_task)}` : undefined].filter(Boolean).join(', ');
      events.push({ at: toIso(end)!, status: 'Ended', ...(reason ? { message: reason } : {}) });
    }
  }
  for (const event of errorEvents) {
    const at = Date.parse(event.time);
    if (!Number.isNaN(at)) events.push({ at: toIso(at)!, status: 'Error', message: event.message });
  }
  return events.sort((a, b) => a.at.localeCompare(b.at));
}

/**
 * Failure of a failed v2 job: there is no failure-reason field, so the evidence is `task_statuses`
 * (exit code and message per task), `running_records[].end_reason` and the job's Error events.
 */
export function v2Failure(status: JsonObject, errorEvents: readonly ErrorEvent[]): RunFailure {
  const evidence: string[] = [];
  let reason: string | undefined;
  let code: string | undefined;
  for (const entry of asArray(status.task_statuses).map(asObject)) {
    if (!entry) continue;
    const task = str(entry.task) ?? '?';
    const exit = num(entry.exit_code);
    const message = str(entry.message)?.trim();
    if ((exit === undefined || exit === 0) && !message) continue;
    evidence.push(`[${task}] exit code ${exit ?? '?'}${message ? `: ${message}` : ''}`);
    if (exit !== undefined && exit !== 0 && code === undefined) code = `exit ${exit}`;
    reason ??= message ? `${task}: ${message}` : exit !== undefined && exit !== 0 ? `${task} exited with code ${exit}` : undefined;
  }
  for (const record of asArray(status.running_records).map(asObject)) {
    const endReason = str(record?.end_reason)?.trim();
    if (!record || !endReason) continue;
    const task = str(record.end_related_task);
    evidence.push(`running record ended: ${endReason}${task ? ` (${task})` : ''}`);
    reason ??= `${endReason}${task ? ` (${task})` : ''}`;
  }
  for (const event of errorEvents) evidence.push(`${event.time} ${event.message}`);
  reason ??= errorEvents[errorEvents.length - 1]?.message ?? 'Training job failed.';
  const category: FailureCategory = classifyFailure([reason, ...evidence], MODELARTS_FAILURE_RULES);
  return { category, reason, evidence, ...(code ? { code } : {}) };
}

/** v1 node names: log file `<job>.<n>` belongs to node `worker-<n>` (one file per node). */
export function v1NodeName(index: number): string {
  return `worker-${index}`;
}

/**
 * v1 times, by one rule for `runs` and `describe`: `duration` is the job's *running* duration (API
 * reference, "Querying the Details About a Training Job Version"), so it counts from `start_time`
 * ("Training start time"), not from `create_time`. The list API has no `start_time`: a row without
 * it has no end time (list.ts reads the version's details for finished jobs).
 */
export function v1Times(version: JsonObject): V2Times {
  const { status } = v1Status(num(version.status));
  const created = epochMs(version.create_time);
  const started = epochMs(version.start_time);
  const duration = num(version.duration);
  const ended = status !== 'pending' && status !== 'running' && started !== undefined && duration !== undefined && duration > 0 ? started + duration : undefined;
  return { ...(created !== undefined ? { created } : {}), ...(started !== undefined ? { started } : {}), ...(ended !== undefined ? { ended } : {}) };
}

export function v1Summary(version: JsonObject, jobId: string, versionId: string): Omit<RunSummaryDocument, 'failure'> {
  const { status, name } = v1Status(num(version.status));
  const times = v1Times(version);
  return {
    id: `${jobId}/${versionId}`,
    name: str(version.job_name) ?? `${jobId}/${versionId}`,
    status,
    providerStatus: name,
    ...(times.created !== undefined ? { createdAt: toIso(times.created)! } : {}),
    ...(times.ended !== undefined ? { endedAt: toIso(times.ended)! } : {}),
  };
}

export function v1Run(version: JsonObject, jobId: string, versionId: string): RunDocument {
  const summary = v1Summary(version, jobId, versionId);
  const started = v1Times(version).started;
  const workers = Math.max(1, Math.min(1024, num(version.worker_server_num) ?? 1));
  const flavor = str(version.spec_code);
  const nodes: RunNode[] = Array.from({ length: workers }, (_, i) => ({ name: v1NodeName(i), ...(flavor ? { instanceType: flavor } : {}) }));
  const hyperparameters: Record<string, string> = {};
  for (const parameter of asArray(version.parameter)) {
    const p = asObject(parameter);
    const label = str(p?.label) ?? str(p?.name);
    if (label) hyperparameters[label] = str(p?.value) ?? '';
  }
  const code = num(version.status);
  const failure: RunFailure | undefined =
    summary.status === 'failed'
      ? {
          category: classifyFailure([summary.providerStatus], MODELARTS_FAILURE_RULES),
          // Generic on purpose: core then takes the reason from the end of the logs.
          reason: 'Training job failed.',
          evidence: [`v1 status ${code ?? '?'} (${summary.providerStatus})`],
          code: summary.providerStatus,
        }
      : undefined;
  return {
    ...summary,
    ...(started !== undefined ? { startedAt: toIso(started)! } : {}),
    nodes,
    ...(failure ? { failure } : {}),
    hyperparameters,
    raw: version as Json,
  };
}

/** The epoch ms a run's log and metric clocks start from: its start, else its creation. */
export function runStartMs(run: Pick<RunDocument, 'startedAt' | 'createdAt'>): number {
  const t = Date.parse(run.startedAt ?? run.createdAt ?? '');
  return Number.isNaN(t) ? 0 : t;
}
