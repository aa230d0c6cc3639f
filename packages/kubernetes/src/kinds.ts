// The job kinds the provider reads, where they live, and how their pods are found
// (docs/providers/kubernetes.md, "Resources and where they live").
import type { JobKind, JobObject, PodObject } from './model/wire.js';

export interface KindInfo {
  readonly kind: JobKind;
  /** In refs: `k8s:<namespace>/<refName>/<name>`. */
  readonly refName: 'pytorchjob' | 'trainjob' | 'job';
  /** `/apis/<group>/<version>`. */
  readonly apiPath: string;
  readonly plural: string;
  /** `pytorchjobs.kubeflow.org`, for messages. */
  readonly resource: string;
  /** The label selector of the job's pods. */
  podSelector(name: string): string;
  /** Whether a listed object is a training run of this kind (a batch Job owned by a JobSet is not). */
  isRun?(job: JobObject): boolean;
}

export const KINDS: readonly KindInfo[] = [
  {
    kind: 'PyTorchJob',
    refName: 'pytorchjob',
    apiPath: '/apis/kubeflow.org/v1',
    plural: 'pytorchjobs',
    resource: 'pytorchjobs.kubeflow.org',
    // training-operator common_types.go JobNameLabel
    podSelector: (name) => `training.kubeflow.org/job-name=${name}`,
  },
  {
    kind: 'TrainJob',
    refName: 'trainjob',
    apiPath: '/apis/trainer.kubeflow.org/v1alpha1',
    plural: 'trainjobs',
    resource: 'trainjobs.trainer.kubeflow.org',
    // The TrainJob's JobSet has the TrainJob's name; its pods carry jobset.sigs.k8s.io/jobset-name.
    podSelector: (name) => `jobset.sigs.k8s.io/jobset-name=${name}`,
  },
  {
    kind: 'Job',
    refName: 'job',
    apiPath: '/apis/batch/v1',
    plural: 'jobs',
    resource: 'jobs.batch',
    podSelector: (name) => `batch.kubernetes.io/job-name=${name}`,
    // Indexed Jobs that nothing else owns: a JobSet's (a TrainJob's) or a CronJob's children are not runs of their own.
    isRun: (job) => {
      const meta = job.metadata as { labels?: Record<string, string>; ownerReferences?: Array<{ controller?: boolean }> } | undefined;
      const spec = (job as { spec?: { completionMode?: string } }).spec;
      if (spec?.completionMode !== 'Indexed') return false;
      if (meta?.labels?.['jobset.sigs.k8s.io/jobset-name'] !== undefined) return false;
      return !(meta?.ownerReferences ?? []).some((owner) => owner.controller === true);
    },
  },
];

export function kindByRefName(text: string): KindInfo | undefined {
  const lower = text.toLowerCase();
  return KINDS.find((k) => k.refName === lower || k.kind.toLowerCase() === lower || k.plural === lower || k.resource === lower);
}

export interface JobRef {
  readonly namespace: string;
  readonly kind: KindInfo;
  readonly name: string;
}

/** DNS-1123 subdomain (object names) and label (namespaces), kubernetes.io/docs/concepts/overview/working-with-objects/names/. */
const NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const NAMESPACE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** `<namespace>/<kind>/<name>`; undefined when it is not one. */
export function parseJobRef(id: string): JobRef | undefined {
  const parts = id.split('/');
  if (parts.length !== 3) return undefined;
  const [namespace, kindText, name] = parts as [string, string, string];
  const kind = kindByRefName(kindText);
  if (kind === undefined || !NAMESPACE.test(namespace) || !NAME.test(name)) return undefined;
  return { namespace, kind, name };
}

export function formatJobId(ref: JobRef): string {
  return `${ref.namespace}/${ref.kind.refName}/${ref.name}`;
}

export function collectionPath(kind: KindInfo, namespace: string | undefined): string {
  return namespace === undefined ? `${kind.apiPath}/${kind.plural}` : `${kind.apiPath}/namespaces/${encodeURIComponent(namespace)}/${kind.plural}`;
}

export function objectPath(ref: JobRef): string {
  return `${collectionPath(ref.kind, ref.namespace)}/${encodeURIComponent(ref.name)}`;
}

export type { JobKind, JobObject, PodObject };
