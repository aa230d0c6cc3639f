// describe and list: a job (PyTorchJob, TrainJob, indexed Job), its pods (one unpaged request scoped
// by labels) and, when something went wrong, their events; the run model turns them into a Run with
// per-run capabilities and warnings (pods gone → no logs, and why).
import { classifyFailure, invalidInput, isTerminal, mapLimit } from '@runlens/core';

import { collectionPath, formatJobId, KINDS, objectPath, parseJobRef } from './kinds.js';
import { seg } from './client.js';
import { wireCause } from './errors.js';
import { jobFailure, KUBERNETES_FAILURE_RULES, podWarnings } from './model/failure.js';
import { mainContainer, nodeName } from './model/nodes.js';
import { jobState } from './model/status.js';

import type { CallOptions, Described, RunCapabilities, RunCatalogV2, RunDocument, RunFilter, RunNode, RunSummaryDocument, Warning } from '@runlens/core';

import type { KubeClient } from './client.js';
import type { JobRef, KindInfo } from './kinds.js';
import type { EventObject, JobKind, JobObject, PodObject } from './model/wire.js';
import type { KubernetesHandle } from './settings.js';

export interface CatalogOptions {
  /** Where `runs` lists (the settings' or the context's namespace). */
  readonly namespace: string;
  readonly allNamespaces: boolean;
  readonly selector?: string;
  readonly container?: string;
  /** Whether a Prometheus URL is configured (system metrics). */
  readonly prometheus: boolean;
  readonly now: () => number;
}

interface List<T> {
  readonly items?: T[];
}

/** The pods of a job: one request, not paged (a run's pods must be consistent), by the kind's labels. */
export async function jobPods(client: KubeClient, namespace: string, kind: KindInfo, name: string, options: CallOptions & { run?: string } = {}): Promise<PodObject[]> {
  const get = async (selector: string) => (await client.get<List<PodObject>>({
    operation: 'ListPods',
    path: `/api/v1/namespaces/${seg(namespace)}/pods`,
    query: [['labelSelector', selector]],
    ...(options.run === undefined ? {} : { run: options.run }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  })).items ?? [];
  const pods = await get(kind.podSelector(name));
  // Clusters before 1.27 label a Job's pods only with the legacy unprefixed `job-name`.
  if (pods.length === 0 && kind.kind === 'Job') return get(`job-name=${name}`);
  return pods;
}

export class KubernetesCatalog implements RunCatalogV2<KubernetesHandle> {
  constructor(
    private readonly client: KubeClient,
    private readonly options: CatalogOptions,
  ) {}

  async describe(id: string, options: CallOptions = {}): Promise<Described<KubernetesHandle>> {
    const ref = parseJobRef(id);
    if (ref === undefined) throw invalidInput(`'${id}' is not a Kubernetes job: use k8s:<namespace>/<pytorchjob|trainjob|job>/<name>`, { provider: 'k8s' });
    const canonical = formatJobId(ref);
    const call = { run: canonical, ...(options.signal === undefined ? {} : { signal: options.signal }) };
    const job = await this.client.get<JobObject>({ operation: `Read${ref.kind.kind}`, path: objectPath(ref), ...call });
    const pods = sortPods(ref.kind.kind, await jobPods(this.client, ref.namespace, ref.kind, ref.name, call));
    const state = jobState(ref.kind.kind, job);
    const warnings: Warning[] = [];
    const troubled = state.status === 'failed' || state.status === 'pending' || pods.some(hasTrouble);
    let events: EventObject[] = [];
    if (troubled) {
      try {
        events = await this.events(ref, pods, call);
      } catch (error) {
        const cause = wireCause(error);
        if (cause?.status !== 403) throw error;
        warnings.push({ type: 'degraded', message: `events are not readable (${cause.providerMessage ?? 'forbidden'}): the failure reason may be less precise`, error: 'AuthError' });
      }
    }
    const kind = ref.kind.kind;
    const failure = state.status === 'failed' ? jobFailure(kind, job, pods, events) : undefined;
    const capabilities: { -readonly [K in keyof RunCapabilities]: RunCapabilities[K] } = {};
    for (const warning of podWarnings(state, pods)) {
      warnings.push({ type: 'no-data', message: warning.message });
      if (warning.code === 'pods-deleted') {
        capabilities.logs = { available: false, reason: warning.message };
        capabilities.follow = { available: false, reason: warning.message };
      }
    }
    if (state.status === 'pending') {
      const blocked = jobFailure(kind, job, pods, events);
      if (blocked.category === 'capacity' || blocked.category === 'setup') warnings.push({ type: 'no-data', message: `the job is not running: ${blocked.reason}` });
    }
    if (this.options.container !== undefined && pods.length > 0 && !pods.some((pod) => containerNames(pod).includes(this.options.container!))) {
      const known = [...new Set(pods.flatMap(containerNames))];
      warnings.push({ type: 'not-found', message: `no pod of this job has a container '${this.options.container}' (its containers: ${known.join(', ')})` });
    }
    if (!this.options.prometheus) {
      capabilities.systemMetrics = { available: false, reason: 'no Prometheus URL: pass --prometheus <url> (or the prometheus setting, RUNLENS_PROMETHEUS_URL)' };
    }
    if (isTerminal(state.status)) capabilities.follow ??= { available: false, reason: `the job has ended (${state.providerStatus})` };
    // Pods deleted: a PyTorchJob's replica specs still say which pods it had (for their metrics).
    const formerPods = pods.length === 0 && kind === 'PyTorchJob' ? replicaPods(ref.name, ref.namespace, job) : undefined;
    const run: RunDocument = {
      id: canonical,
      name: ref.name,
      status: state.status,
      providerStatus: state.providerStatus,
      ...(state.createdAt === undefined ? {} : { createdAt: state.createdAt }),
      ...(state.startedAt === undefined ? {} : { startedAt: state.startedAt }),
      ...(state.endedAt === undefined ? {} : { endedAt: state.endedAt }),
      nodes: formerPods === undefined ? pods.map((pod) => podNode(kind, pod)) : formerPods.map((pod) => ({ name: nodeName(kind, pod), status: 'Deleted' })),
      ...(failure === undefined ? {} : { failure }),
      hyperparameters: {},
      tags: { namespace: ref.namespace, kind, ...(job.metadata?.labels ?? {}) },
      timeline: state.timeline,
      raw: job,
    };
    return {
      run,
      handle: { namespace: ref.namespace, kind, name: ref.name, job, pods, ...(formerPods === undefined ? {} : { formerPods }) },
      ...(Object.keys(capabilities).length === 0 ? {} : { capabilities }),
      ...(warnings.length === 0 ? {} : { warnings }),
    };
  }

  /** Events of the job and of each pod (`involvedObject.name`), a few requests at a time. */
  private async events(ref: JobRef, pods: readonly PodObject[], call: { run: string; signal?: AbortSignal }): Promise<EventObject[]> {
    const names = [ref.name, ...pods.map((pod) => pod.metadata?.name).filter((name): name is string => name !== undefined)];
    const lists = await mapLimit(names, 8, async (name) => (await this.client.get<List<EventObject>>({
      operation: 'ListEvents',
      path: `/api/v1/namespaces/${seg(ref.namespace)}/events`,
      query: [['fieldSelector', `involvedObject.name=${name}`]],
      ...call,
    })).items ?? []);
    return lists.flat();
  }

  async *list(filter: RunFilter, options: CallOptions = {}): AsyncIterable<readonly RunSummaryDocument[]> {
    const namespace = this.options.allNamespaces ? undefined : this.options.namespace;
    const found: RunSummaryDocument[] = [];
    for (const kind of KINDS) {
      try {
        for await (const page of this.client.list<JobObject>({
          operation: `List${kind.kind}s`,
          path: collectionPath(kind, namespace),
          ...(this.options.selector === undefined ? {} : { query: [['labelSelector', this.options.selector]] }),
          ...(options.signal === undefined ? {} : { signal: options.signal }),
        })) {
          for (const job of page) {
            if (kind.isRun !== undefined && !kind.isRun(job)) continue;
            const summary = summarize(kind, job, namespace ?? this.options.namespace);
            if (summary !== undefined && matches(summary, filter)) found.push(summary);
          }
        }
      } catch (error) {
        // A kind whose CRDs are not installed (no Kubeflow Trainer, say) is simply absent.
        if (wireCause(error)?.status === 404) continue;
        throw error;
      }
    }
    found.sort((a, b) => (b.createdAt ?? '').localeCompare(a.createdAt ?? '') || a.id.localeCompare(b.id));
    const limited = filter.limit === undefined ? found : found.slice(0, filter.limit);
    for (let i = 0; i < limited.length; i += 100) yield limited.slice(i, i + 100);
  }
}

function summarize(kind: KindInfo, job: JobObject, fallbackNamespace: string): RunSummaryDocument | undefined {
  const name = job.metadata?.name;
  if (name === undefined) return undefined;
  const state = jobState(kind.kind, job);
  const id = formatJobId({ namespace: job.metadata?.namespace ?? fallbackNamespace, kind, name });
  const failed = job.status?.conditions?.find((c) => c.type === 'Failed' && c.status === 'True');
  return {
    id,
    name,
    status: state.status,
    providerStatus: state.providerStatus,
    ...(state.createdAt === undefined ? {} : { createdAt: state.createdAt }),
    ...(state.endedAt === undefined ? {} : { endedAt: state.endedAt }),
    ...(state.status === 'failed' && failed !== undefined
      ? { failure: { category: classifyFailure([`${failed.reason ?? ''} ${failed.message ?? ''}`], KUBERNETES_FAILURE_RULES), ...(failed.message === undefined ? {} : { reason: failed.message }) } }
      : {}),
  };
}

function matches(summary: RunSummaryDocument, filter: RunFilter): boolean {
  if (filter.status !== undefined && !filter.status.includes(summary.status)) return false;
  const created = summary.createdAt === undefined ? undefined : Date.parse(summary.createdAt);
  if (filter.since !== undefined && (created === undefined || created < filter.since)) return false;
  if (filter.until !== undefined && (created === undefined || created >= filter.until)) return false;
  if (filter.nameContains !== undefined && !summary.name.toLowerCase().includes(filter.nameContains.toLowerCase())) return false;
  return true;
}

function containerNames(pod: PodObject): string[] {
  return (pod.spec?.containers ?? []).map((c) => c.name).filter((name): name is string => name !== undefined);
}

function hasTrouble(pod: PodObject): boolean {
  if (pod.status?.phase === 'Pending' || pod.status?.phase === 'Failed') return true;
  return (pod.status?.containerStatuses ?? []).some((s) => (s.restartCount ?? 0) > 0 || s.state?.waiting !== undefined || (s.state?.terminated?.exitCode ?? 0) !== 0);
}

/** A pod as a node: its role name, where it ran, its phase and restarts. */
function podNode(kind: JobKind, pod: PodObject): RunNode {
  const container = mainContainer(kind, pod);
  const status = pod.status?.containerStatuses?.find((s) => s.name === container);
  const restarts = status?.restartCount ?? 0;
  const why = status?.state?.waiting?.reason ?? status?.state?.terminated?.reason;
  const phase = pod.status?.phase ?? 'Unknown';
  return {
    name: nodeName(kind, pod),
    status: `${phase}${why !== undefined && why !== 'Completed' ? ` (${why})` : ''}${restarts > 0 ? `, ${restarts} restart${restarts === 1 ? '' : 's'}` : ''}`,
  };
}

function sortPods(kind: JobKind, pods: readonly PodObject[]): PodObject[] {
  const collator = new Intl.Collator('en', { numeric: true });
  return [...pods].sort((a, b) => collator.compare(nodeName(kind, a), nodeName(kind, b)));
}

/**
 * The pods a PyTorchJob's `pytorchReplicaSpecs` make: `<job>-<lower(type)>-<index>`
 * (training-operator `GenGeneralName`), labelled like the operator's, with the template's
 * containers. `spec.nodeName` is a placeholder: they ran somewhere.
 */
export function replicaPods(name: string, namespace: string, job: JobObject): PodObject[] {
  const specs = ((job as { spec?: { pytorchReplicaSpecs?: Record<string, { replicas?: number; template?: { spec?: { containers?: PodSpecContainers } } }> } }).spec?.pytorchReplicaSpecs) ?? {};
  const out: PodObject[] = [];
  for (const [type, spec] of Object.entries(specs)) {
    const role = type.toLowerCase();
    for (let index = 0; index < (spec.replicas ?? 1); index += 1) {
      out.push({
        metadata: { name: `${name}-${role}-${index}`, namespace, labels: { 'training.kubeflow.org/replica-type': role, 'training.kubeflow.org/replica-index': String(index) } },
        spec: { containers: spec.template?.spec?.containers ?? [], nodeName: 'deleted' },
      });
    }
  }
  return sortPods('PyTorchJob', out);
}

type PodSpecContainers = NonNullable<NonNullable<PodObject['spec']>['containers']>;
