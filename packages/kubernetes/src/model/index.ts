/** The Kubernetes run model as pure functions over wire objects; the adapter (contract v2) will use them. */
export { jobState } from './status.js';
export { attempts, mainContainer, nodeName } from './nodes.js';
export { KUBERNETES_FAILURE_RULES, jobFailure, podWarnings } from './failure.js';

export type { JobState } from './status.js';
export type { Attempt } from './nodes.js';
export type { RunWarning } from './failure.js';
export type { ContainerStatus, EventObject, JobKind, JobObject, PodObject } from './wire.js';
