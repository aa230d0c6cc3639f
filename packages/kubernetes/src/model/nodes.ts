/**
 * Nodes are pods, named by role and index the way users think of them: `master-0`, `worker-3` for
 * Kubeflow v1 (`training.kubeflow.org/replica-type`, `…/replica-index`); `node-1` for a TrainJob's
 * JobSet (`jobset.sigs.k8s.io/replicatedjob-name` plus the completion index, with the job index when
 * the replicated job has several Jobs); `index-2` for an indexed batch Job. A pod without those
 * labels keeps its own name.
 */
import type { ContainerStatus, JobKind, PodObject, Terminated } from './wire.js';

export function nodeName(kind: JobKind, pod: PodObject): string {
  const labels = pod.metadata?.labels ?? {};
  const completion = pod.metadata?.annotations?.['batch.kubernetes.io/job-completion-index'] ?? labels['batch.kubernetes.io/job-completion-index'];
  if (kind === 'PyTorchJob') {
    const type = labels['training.kubeflow.org/replica-type'];
    const index = labels['training.kubeflow.org/replica-index'];
    if (type !== undefined && index !== undefined) return `${type.toLowerCase()}-${index}`;
  }
  if (kind === 'TrainJob') {
    const replicated = labels['jobset.sigs.k8s.io/replicatedjob-name'];
    const jobIndex = labels['jobset.sigs.k8s.io/job-index'] ?? '0';
    if (replicated !== undefined && completion !== undefined) return jobIndex === '0' ? `${replicated}-${completion}` : `${replicated}-${jobIndex}-${completion}`;
  }
  if (kind === 'Job' && completion !== undefined) return `index-${completion}`;
  return pod.metadata?.name ?? 'unknown';
}

/** The container runlens reads by default: the operator's own name, else the only or first container. */
export function mainContainer(kind: JobKind, pod: PodObject): string | undefined {
  const names = (pod.spec?.containers ?? []).map((container) => container.name).filter((name): name is string => name !== undefined);
  const preferred = kind === 'PyTorchJob' ? 'pytorch' : kind === 'TrainJob' ? 'node' : undefined;
  if (preferred !== undefined && names.includes(preferred)) return preferred;
  return names[0];
}

export interface Attempt {
  /** 1-based: restarts keep their own attempt. */
  readonly attempt: number;
  readonly state: 'running' | 'waiting' | 'terminated';
  readonly exitCode?: number;
  readonly reason?: string;
  readonly startedAt?: string;
  readonly endedAt?: string;
  /** Which log the kubelet still keeps for it: the current run, the previous one, or none. */
  readonly logs: 'current' | 'previous' | 'gone';
}

/** A container's runs, oldest first: restartCount + 1 of them; only the last two have logs. */
export function attempts(status: ContainerStatus | undefined): Attempt[] {
  if (status === undefined) return [];
  const restarts = status.restartCount ?? 0;
  const out: Attempt[] = [];
  for (let n = 1; n <= restarts - 1; n += 1) out.push({ attempt: n, state: 'terminated', logs: 'gone' });
  if (restarts > 0) out.push({ attempt: restarts, ...fromTerminated(status.lastState?.terminated), logs: 'previous' });
  const state = status.state ?? {};
  if (state.terminated !== undefined) out.push({ attempt: restarts + 1, ...fromTerminated(state.terminated), logs: 'current' });
  else if (state.running !== undefined) out.push({ attempt: restarts + 1, state: 'running', ...(state.running.startedAt === undefined ? {} : { startedAt: state.running.startedAt }), logs: 'current' });
  else out.push({ attempt: restarts + 1, state: 'waiting', ...(state.waiting?.reason === undefined ? {} : { reason: state.waiting.reason }), logs: 'gone' });
  return out;
}

function fromTerminated(terminated: Terminated | undefined): Omit<Attempt, 'attempt' | 'logs'> {
  if (terminated === undefined) return { state: 'terminated' };
  return {
    state: 'terminated',
    ...(terminated.exitCode === undefined ? {} : { exitCode: terminated.exitCode }),
    ...(terminated.reason === undefined ? {} : { reason: terminated.reason }),
    ...(terminated.startedAt === undefined ? {} : { startedAt: terminated.startedAt }),
    ...(terminated.finishedAt === undefined ? {} : { endedAt: terminated.finishedAt }),
  };
}
