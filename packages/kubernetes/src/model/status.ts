/**
 * Run status and times from a job's conditions (docs/providers/kubernetes.md): Kubeflow v1
 * `Created|Running|Restarting|Succeeded|Suspended|Failed`, TrainJob `Suspended|Complete|Failed`,
 * batch/v1 `Complete|Failed|Suspended|…`. A terminal condition that is True decides; otherwise the
 * newest True condition, then activity counts.
 */
import type { RunStatus, TimelineEvent } from '@runlens/core';

import type { Condition, JobKind, JobObject } from './wire.js';

export interface JobState {
  readonly status: RunStatus;
  /** The condition type (or phase) as the provider says it. */
  readonly providerStatus: string;
  readonly createdAt?: string;
  readonly startedAt?: string;
  readonly endedAt?: string;
  /** Condition changes in time order, as reported. */
  readonly timeline: readonly TimelineEvent[];
}

const SUCCEEDED: Record<JobKind, string> = { PyTorchJob: 'Succeeded', TrainJob: 'Complete', Job: 'Complete' };

export function jobState(kind: JobKind, job: JobObject): JobState {
  const conditions = job.status?.conditions ?? [];
  const isTrue = (type: string): Condition | undefined => conditions.find((c) => c.type === type && c.status === 'True');
  const succeeded = isTrue(SUCCEEDED[kind]);
  const failed = isTrue('Failed');
  const suspended = isTrue('Suspended');
  const createdAt = job.metadata?.creationTimestamp;
  const startedAt = job.status?.startTime;
  const timeline = conditions
    .filter((c) => c.lastTransitionTime !== undefined && c.type !== undefined)
    .map((c) => ({
      at: c.lastTransitionTime!,
      status: `${c.type}${c.status === 'True' ? '' : `=${c.status ?? 'Unknown'}`}`,
      ...(c.message === undefined ? {} : { message: c.message }),
    }))
    .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  const base = { ...(createdAt === undefined ? {} : { createdAt }), ...(startedAt === undefined ? {} : { startedAt }), timeline };
  const endOf = (c: Condition): string | undefined => job.status?.completionTime ?? c.lastTransitionTime;
  if (failed !== undefined) return { ...base, status: 'failed', providerStatus: 'Failed', ...opt('endedAt', failed.lastTransitionTime) };
  if (succeeded !== undefined) return { ...base, status: 'completed', providerStatus: SUCCEEDED[kind], ...opt('endedAt', endOf(succeeded)) };
  // Suspended is a pause, not an end: the job can resume.
  if (suspended !== undefined) return { ...base, status: 'pending', providerStatus: 'Suspended' };
  if (isTrue('Restarting') !== undefined) return { ...base, status: 'running', providerStatus: 'Restarting' };
  if (isTrue('Running') !== undefined) return { ...base, status: 'running', providerStatus: 'Running' };
  if (active(job) > 0) return { ...base, status: 'running', providerStatus: 'Active' };
  return { ...base, status: 'pending', providerStatus: isTrue('Created') !== undefined ? 'Created' : 'Pending' };
}

function active(job: JobObject): number {
  const status = job.status;
  if (status === undefined) return 0;
  if (status.jobsStatus !== undefined) return status.jobsStatus.reduce((sum, entry) => sum + (entry.active ?? 0), 0);
  return status.active ?? 0;
}

function opt<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, string>);
}
