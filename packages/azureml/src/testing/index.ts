/** Test-only entry point `@runlens/azureml/testing`: the loopback Azure ML emulator. */
export { startAzuremlEmulator } from './emulator.js';
export { SCENARIO_NAMES, FAILED_TRACEBACK, SEED004_ARTIFACT_TEXT, patternBody } from './scenarios.js';
export { TERMINAL_STATUSES } from './state.js';

export type {
  AzuremlEmulator,
  AzuremlEmulatorEnv,
  AzuremlEmulatorOptions,
  FaultControls,
} from './emulator.js';
export type { BodySource, LazyBody } from './content.js';
export type { FaultHandle, FaultKind, FaultSpec } from './faults.js';
export type { RecordedRequest, Surface } from './http.js';
export type { GrowingLogs, GrowingLogsOptions, ScenarioName } from './scenarios.js';
export type { JobSpec, JobStatus, MetricValue, RunErrorSpec } from './state.js';
