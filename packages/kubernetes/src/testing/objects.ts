/** Builders for the wire objects the scenarios seed: pods, events, jobs and their conditions. */
import { rfc3339, stableUid } from './store.js';

import type { KubeObject } from './resources.js';

export interface ContainerState {
  readonly running?: { startedAt: number };
  readonly waiting?: { reason: string; message?: string };
  readonly terminated?: { exitCode: number; reason: string; message?: string; startedAt: number; finishedAt: number };
}

export interface ContainerSpec {
  readonly name: string;
  readonly image: string;
  readonly state: ContainerState;
  readonly lastState?: ContainerState;
  readonly restartCount?: number;
}

export interface PodSpec {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly annotations?: Record<string, string>;
  readonly owner: { apiVersion: string; kind: string; name: string };
  readonly nodeName?: string;
  readonly phase: 'Pending' | 'Running' | 'Succeeded' | 'Failed';
  readonly created: number;
  readonly containers: readonly ContainerSpec[];
  readonly restartPolicy?: string;
  /** For a pending pod: the scheduler's PodScheduled=False message. */
  readonly unschedulable?: string;
  /** Every container's `resources` (limits and requests, as quantities). */
  readonly resources?: { readonly limits?: Record<string, string>; readonly requests?: Record<string, string> };
}

export function pod(spec: PodSpec): KubeObject {
  const scheduled = spec.nodeName !== undefined;
  const conditions: Array<Record<string, unknown>> = [
    scheduled
      ? { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: rfc3339(spec.created + 1000) }
      : { type: 'PodScheduled', status: 'False', lastProbeTime: null, lastTransitionTime: rfc3339(spec.created + 1000), reason: 'Unschedulable', message: spec.unschedulable ?? '' },
  ];
  if (scheduled) {
    const ready = spec.phase === 'Running' ? 'True' : 'False';
    conditions.push(
      { type: 'Initialized', status: 'True', lastProbeTime: null, lastTransitionTime: rfc3339(spec.created + 2000) },
      { type: 'Ready', status: ready, lastProbeTime: null, lastTransitionTime: rfc3339(spec.created + 5000) },
      { type: 'ContainersReady', status: ready, lastProbeTime: null, lastTransitionTime: rfc3339(spec.created + 5000) },
    );
  }
  return {
    metadata: {
      name: spec.name,
      namespace: spec.namespace,
      uid: stableUid(`pod/${spec.namespace}/${spec.name}`),
      creationTimestamp: rfc3339(spec.created),
      labels: spec.labels,
      ...(spec.annotations === undefined ? {} : { annotations: spec.annotations }),
      ownerReferences: [{
        apiVersion: spec.owner.apiVersion,
        kind: spec.owner.kind,
        name: spec.owner.name,
        uid: stableUid(`${spec.owner.kind}/${spec.namespace}/${spec.owner.name}`),
        controller: true,
        blockOwnerDeletion: true,
      }],
    },
    spec: {
      containers: spec.containers.map((container) => ({ name: container.name, image: container.image, ...(spec.resources === undefined ? {} : { resources: spec.resources }) })),
      restartPolicy: spec.restartPolicy ?? 'Never',
      schedulerName: 'default-scheduler',
      serviceAccountName: 'default',
      ...(spec.nodeName === undefined ? {} : { nodeName: spec.nodeName }),
    },
    status: {
      phase: spec.phase,
      conditions,
      ...(scheduled ? { hostIP: '10.0.0.10', podIP: `10.244.1.${(spec.name.length * 7) % 250}`, startTime: rfc3339(spec.created + 1000) } : {}),
      qosClass: 'Burstable',
      ...(scheduled ? {
        containerStatuses: spec.containers.map((container) => ({
          name: container.name,
          state: stateJson(container.state),
          lastState: container.lastState === undefined ? {} : stateJson(container.lastState),
          ready: container.state.running !== undefined,
          restartCount: container.restartCount ?? 0,
          image: container.image,
          imageID: container.state.waiting === undefined ? `${container.image.split(':')[0]}@sha256:${stableUid(container.image).replace(/-/g, '')}` : '',
          ...(container.state.waiting === undefined ? { containerID: `containerd://${stableUid(`${spec.name}/${container.name}/${container.restartCount ?? 0}`).replace(/-/g, '')}` } : {}),
          started: container.state.running !== undefined,
        })),
      } : {}),
    },
  };
}

function stateJson(state: ContainerState): Record<string, unknown> {
  if (state.running !== undefined) return { running: { startedAt: rfc3339(state.running.startedAt) } };
  if (state.waiting !== undefined) return { waiting: { reason: state.waiting.reason, ...(state.waiting.message === undefined ? {} : { message: state.waiting.message }) } };
  if (state.terminated !== undefined) {
    const t = state.terminated;
    return {
      terminated: {
        exitCode: t.exitCode,
        reason: t.reason,
        ...(t.message === undefined ? {} : { message: t.message }),
        startedAt: rfc3339(t.startedAt),
        finishedAt: rfc3339(t.finishedAt),
        containerID: `containerd://${stableUid(`${t.startedAt}/${t.reason}`).replace(/-/g, '')}`,
      },
    };
  }
  return {};
}

export interface EventSpec {
  readonly namespace: string;
  readonly involved: { kind: string; name: string; apiVersion: string };
  readonly reason: string;
  readonly message: string;
  readonly type: 'Normal' | 'Warning';
  readonly component: string;
  readonly first: number;
  readonly last?: number;
  readonly count?: number;
}

export function event(spec: EventSpec, serial: number): KubeObject {
  // Event names are `<involved>.<hex>`, as the event recorder makes them.
  const name = `${spec.involved.name}.${(0x17d0000000000000n + BigInt(serial) * 0x1f3n).toString(16)}`;
  return {
    metadata: { name, namespace: spec.namespace, creationTimestamp: rfc3339(spec.first) },
    involvedObject: {
      kind: spec.involved.kind,
      namespace: spec.namespace,
      name: spec.involved.name,
      uid: stableUid(`${spec.involved.kind === 'Pod' ? 'pod' : spec.involved.kind}/${spec.namespace}/${spec.involved.name}`),
      apiVersion: spec.involved.apiVersion,
    },
    reason: spec.reason,
    message: spec.message,
    source: { component: spec.component },
    firstTimestamp: rfc3339(spec.first),
    lastTimestamp: rfc3339(spec.last ?? spec.first),
    count: spec.count ?? 1,
    type: spec.type,
    eventTime: null,
    reportingComponent: spec.component,
    reportingInstance: '',
  };
}

/** A Kubeflow JobCondition (kubeflow/training-operator pkg/apis/kubeflow.org/v1/common_types.go). */
export function kubeflowCondition(type: string, status: 'True' | 'False', reason: string, message: string, at: number): Record<string, unknown> {
  return { type, status, reason, message, lastUpdateTime: rfc3339(at), lastTransitionTime: rfc3339(at) };
}

/** A metav1.Condition (TrainJob, JobSet). */
export function metaCondition(type: string, status: 'True' | 'False', reason: string, message: string, at: number): Record<string, unknown> {
  return { type, status, reason, message, lastTransitionTime: rfc3339(at) };
}

/** A batch/v1 JobCondition. */
export function jobCondition(type: string, status: 'True' | 'False', at: number, reason?: string, message?: string): Record<string, unknown> {
  return {
    type,
    status,
    lastProbeTime: rfc3339(at),
    lastTransitionTime: rfc3339(at),
    ...(reason === undefined ? {} : { reason }),
    ...(message === undefined ? {} : { message }),
  };
}
