/**
 * Why a Kubernetes training job failed, from the evidence the cluster keeps: container terminations
 * (OOMKilled, exit codes), waiting reasons and events (FailedScheduling → capacity, image pulls →
 * setup), the job's own condition (deadline → timeout). The first failing container decides: a
 * worker killed by the operator after another failed (exit 143, SIGTERM) is a consequence, not the
 * cause. When none of this explains it, core's log rules take over (enrichFailure) with these rules
 * in front.
 */
import { classifyFailure } from '@runlens/core';

import { nodeName } from './nodes.js';

import type { FailureCategory, FailureRule, RunFailure } from '@runlens/core';

import type { EventObject, JobKind, JobObject, PodObject, Terminated } from './wire.js';

/** Kubernetes wording, matched before core's common rules. */
export const KUBERNETES_FAILURE_RULES: readonly FailureRule[] = [
  { category: 'out-of-memory', pattern: /\bOOMKilled\b/ },
  { category: 'capacity', pattern: /\bFailedScheduling\b|\bUnschedulable\b|Insufficient (nvidia\.com\/gpu|cpu|memory|ephemeral-storage)|nodes are available/ },
  { category: 'setup', pattern: /\bErrImagePull\b|\bImagePullBackOff\b|\bInvalidImageName\b|Failed to pull image|\bCreateContainerConfigError\b|\bFailedMount\b/ },
  { category: 'timeout', pattern: /\bDeadlineExceeded\b|active longer than specified deadline/ },
];

const KILLED_BY_OPERATOR = new Set([130, 143]);

interface Finding {
  readonly category: FailureCategory;
  readonly reason: string;
  readonly evidence: string[];
  readonly at: string;
}

export function jobFailure(kind: JobKind, job: JobObject, pods: readonly PodObject[], events: readonly EventObject[]): RunFailure {
  const findings: Finding[] = [];
  const byPod = new Map(pods.map((pod) => [pod.metadata?.name ?? '', nodeName(kind, pod)]));
  for (const pod of pods) {
    const node = nodeName(kind, pod);
    for (const status of pod.status?.containerStatuses ?? []) {
      for (const terminated of [status.lastState?.terminated, status.state?.terminated]) {
        if (terminated === undefined || terminated.exitCode === 0 || terminated.exitCode === undefined) continue;
        findings.push(fromTermination(node, status.name ?? 'container', terminated));
      }
      const waiting = status.state?.waiting?.reason;
      if (waiting !== undefined && /ErrImagePull|ImagePullBackOff|InvalidImageName|CreateContainerConfigError|CreateContainerError/.test(waiting)) {
        findings.push({ category: 'setup', reason: `${node}: container ${status.name ?? ''} ${waiting}`, evidence: [`[${node}] ${waiting}${status.state?.waiting?.message === undefined ? '' : `: ${status.state.waiting.message}`}`], at: '' });
      }
    }
    const unschedulable = pod.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False' && c.reason === 'Unschedulable');
    if (unschedulable !== undefined) {
      findings.push({ category: 'capacity', reason: `${node} cannot be scheduled: ${unschedulable.message ?? 'Unschedulable'}`, evidence: [`[${node}] Unschedulable: ${unschedulable.message ?? ''}`], at: unschedulable.lastTransitionTime ?? '' });
    }
  }
  for (const event of events) {
    if (event.type !== 'Warning' && event.reason !== 'BackOff') continue;
    const node = byPod.get(event.involvedObject?.name ?? '') ?? event.involvedObject?.name ?? 'job';
    const line = `[${node}] ${event.reason ?? 'Event'}${(event.count ?? 1) > 1 ? ` (×${event.count})` : ''}: ${event.message ?? ''}`;
    const category = classifyFailure([`${event.reason ?? ''} ${event.message ?? ''}`], KUBERNETES_FAILURE_RULES.filter((rule) => rule.category !== 'timeout'));
    if (category === 'capacity' || category === 'setup') findings.push({ category, reason: `${node}: ${event.message ?? event.reason ?? ''}`, evidence: [line], at: event.lastTimestamp ?? '' });
  }
  const failed = job.status?.conditions?.find((c) => c.type === 'Failed' && c.status === 'True');
  if (failed !== undefined && /DeadlineExceeded|deadline/i.test(`${failed.reason ?? ''} ${failed.message ?? ''}`)) {
    findings.push({ category: 'timeout', reason: failed.message ?? 'active deadline exceeded', evidence: [`[job] ${failed.reason ?? 'Failed'}: ${failed.message ?? ''}`], at: failed.lastTransitionTime ?? '' });
  }
  const cause = pickCause(findings);
  const providerReason = failed?.message;
  if (cause === undefined) return { category: 'unknown', reason: providerReason ?? 'no reason reported', evidence: providerReason === undefined ? [] : [`[job] ${providerReason}`] };
  const evidence = [...new Set([...cause.evidence, ...findings.filter((f) => f !== cause).flatMap((f) => f.evidence), ...(providerReason === undefined ? [] : [`[job] ${providerReason}`])])];
  return { category: cause.category, reason: cause.reason, evidence: evidence.slice(0, 12) };
}

function fromTermination(node: string, container: string, terminated: Terminated): Finding {
  const code = terminated.exitCode ?? -1;
  const line = `[${node}] container ${container} terminated: ${terminated.reason ?? 'Error'} (exit ${code})${terminated.message === undefined ? '' : `: ${terminated.message}`}`;
  const category: FailureCategory = terminated.reason === 'OOMKilled' ? 'out-of-memory' : KILLED_BY_OPERATOR.has(code) ? 'stopped-by-user' : 'user-code-error';
  return { category, reason: `${node}: container ${container} ${terminated.reason === 'OOMKilled' ? 'was OOMKilled' : `exited with code ${code}`}`, evidence: [line], at: terminated.finishedAt ?? '' };
}

/** The most telling finding: a real cause before consequences (SIGTERM by the operator), then the earliest. */
function pickCause(findings: readonly Finding[]): Finding | undefined {
  const rank = (f: Finding): number => (f.category === 'stopped-by-user' ? 1 : 0);
  return [...findings].sort((a, b) => rank(a) - rank(b) || (a.at === '' ? 1 : 0) - (b.at === '' ? 1 : 0) || (a.at < b.at ? -1 : a.at > b.at ? 1 : 0))[0];
}

export interface RunWarning {
  readonly code: 'pods-deleted' | 'pods-pending';
  readonly message: string;
}

/** Warnings a reader must show instead of empty output. */
export function podWarnings(state: { status: string }, pods: readonly PodObject[]): RunWarning[] {
  if (pods.length === 0 && (state.status === 'failed' || state.status === 'completed')) {
    return [{ code: 'pods-deleted', message: 'the pods of this job were deleted (cleanPodPolicy, or the backoff limit: kubeflow/trainer#3419), so their logs are gone; export runs early with `runlens export`' }];
  }
  if (pods.length > 0 && pods.every((pod) => pod.spec?.nodeName === undefined || pod.spec.nodeName === '')) {
    return [{ code: 'pods-pending', message: 'no pod has been scheduled yet: there are no logs' }];
  }
  return [];
}
