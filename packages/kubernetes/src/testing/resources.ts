/**
 * The resource types the emulator serves: where each lives on the wire, its kinds, and which
 * fields a `fieldSelector` may name (pods and events: k8s.io/kubernetes pkg/registry/core/{pod,event}/strategy.go;
 * everything else only `metadata.name` and `metadata.namespace`, apimachinery runtime.DefaultMetaV1FieldSelectorConversion).
 */
export type KubeObject = Record<string, unknown> & { metadata: ObjectMeta };

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  creationTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: Array<Record<string, unknown>>;
  [key: string]: unknown;
}

export interface ResourceType {
  readonly group: string;
  readonly version: string;
  /** Plural, as in the URL. */
  readonly resource: string;
  readonly kind: string;
  /** Built-in types' list items carry no apiVersion/kind; custom resources' (served as unstructured) do. */
  readonly builtin: boolean;
  readonly fieldNames: readonly string[];
  readonly fields: (object: KubeObject) => Record<string, string>;
  readonly unknownField: (field: string) => string;
}

const META_FIELDS = ['metadata.name', 'metadata.namespace'] as const;

function metaFields(object: KubeObject): Record<string, string> {
  return { 'metadata.name': object.metadata.name, 'metadata.namespace': object.metadata.namespace ?? '' };
}

const defaultUnknown = (field: string): string =>
  `"${field}" is not a known field selector: only "metadata.name", "metadata.namespace"`;

function custom(group: string, version: string, resource: string, kind: string, builtin = false): ResourceType {
  return { group, version, resource, kind, builtin, fieldNames: META_FIELDS, fields: metaFields, unknownField: defaultUnknown };
}

export const PODS: ResourceType = {
  group: '',
  version: 'v1',
  resource: 'pods',
  kind: 'Pod',
  builtin: true,
  fieldNames: [...META_FIELDS, 'spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName', 'spec.serviceAccountName', 'status.phase', 'status.podIP', 'status.nominatedNodeName'],
  fields: (object) => {
    const spec = (object['spec'] ?? {}) as Record<string, unknown>;
    const status = (object['status'] ?? {}) as Record<string, unknown>;
    return {
      ...metaFields(object),
      'spec.nodeName': String(spec['nodeName'] ?? ''),
      'spec.restartPolicy': String(spec['restartPolicy'] ?? ''),
      'spec.schedulerName': String(spec['schedulerName'] ?? ''),
      'spec.serviceAccountName': String(spec['serviceAccountName'] ?? ''),
      'status.phase': String(status['phase'] ?? ''),
      'status.podIP': String(status['podIP'] ?? ''),
      'status.nominatedNodeName': String(status['nominatedNodeName'] ?? ''),
    };
  },
  unknownField: (field) => `field label not supported: ${field}`,
};

export const EVENTS: ResourceType = {
  group: '',
  version: 'v1',
  resource: 'events',
  kind: 'Event',
  builtin: true,
  fieldNames: [
    ...META_FIELDS,
    'involvedObject.kind', 'involvedObject.namespace', 'involvedObject.name', 'involvedObject.uid',
    'involvedObject.apiVersion', 'involvedObject.resourceVersion', 'involvedObject.fieldPath',
    'reason', 'reportingComponent', 'source', 'type',
  ],
  fields: (object) => {
    const involved = (object['involvedObject'] ?? {}) as Record<string, unknown>;
    const source = (object['source'] ?? {}) as Record<string, unknown>;
    const text = (value: unknown): string => (value === undefined || value === null ? '' : String(value));
    return {
      ...metaFields(object),
      'involvedObject.kind': text(involved['kind']),
      'involvedObject.namespace': text(involved['namespace']),
      'involvedObject.name': text(involved['name']),
      'involvedObject.uid': text(involved['uid']),
      'involvedObject.apiVersion': text(involved['apiVersion']),
      'involvedObject.resourceVersion': text(involved['resourceVersion']),
      'involvedObject.fieldPath': text(involved['fieldPath']),
      reason: text(object['reason']),
      reportingComponent: text(object['reportingComponent']),
      source: text(source['component']) || text(object['reportingComponent']),
      type: text(object['type']),
    };
  },
  unknownField: (field) => `field label not supported: ${field}`,
};

export const JOBS = custom('batch', 'v1', 'jobs', 'Job', true);
/** Kubeflow Training Operator v1 (kubeflow/training-operator pkg/apis/kubeflow.org/v1). */
export const PYTORCHJOBS = custom('kubeflow.org', 'v1', 'pytorchjobs', 'PyTorchJob');
/** Kubeflow Trainer (kubeflow/trainer pkg/apis/trainer/v1alpha1/groupversion_info.go). */
export const TRAINJOBS = custom('trainer.kubeflow.org', 'v1alpha1', 'trainjobs', 'TrainJob');
/** JobSet (kubernetes-sigs/jobset api/jobset/v1alpha2/groupversion_info.go). */
export const JOBSETS = custom('jobset.x-k8s.io', 'v1alpha2', 'jobsets', 'JobSet');

export const RESOURCE_TYPES: readonly ResourceType[] = [PODS, EVENTS, JOBS, PYTORCHJOBS, TRAINJOBS, JOBSETS];

export function apiVersionOf(type: ResourceType): string {
  return type.group === '' ? type.version : `${type.group}/${type.version}`;
}

export function typeKey(type: ResourceType): string {
  return `${type.group}/${type.resource}`;
}
