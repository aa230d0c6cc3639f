/** Test-only entry point `@runlens/kubernetes/testing`: loopback Kubernetes API and Prometheus emulators. */
export { startKubernetesEmulator } from './emulator.js';
export { startPrometheusEmulator, scenarioSeries } from './prometheus.js';
export { RUNNING_HORIZON_MS, RUNNING_LINE_MS, SCENARIO_BASE_MS, SCENARIO_JOBS } from './scenarios.js';
export { EVENTS, JOBS, JOBSETS, PODS, PYTORCHJOBS, RESOURCE_TYPES, TRAINJOBS } from './resources.js';
export { formatTimestamp } from './logs.js';

export type { KubernetesEmulator, KubernetesEmulatorOptions } from './emulator.js';
export type { PrometheusEmulator, PrometheusEmulatorOptions, PromSeries, ScenarioSeriesOptions } from './prometheus.js';
export type { DenyRule } from './auth.js';
export type { FaultHandle, FaultKind, FaultSpec } from './faults.js';
export type { RecordedRequest } from './http.js';
export type { LogLine } from './logs.js';
export type { KubeObject, ResourceType } from './resources.js';
export type { ScenarioJob, ScenarioPod, Scenarios } from './scenarios.js';
