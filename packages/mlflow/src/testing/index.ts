export { startMlflowEmulator, type MlflowEmulator, type MlflowEmulatorOptions, type SeedRun } from './emulator.js';
export { FAULT_KINDS, type FaultKind, type FaultSpec, type FaultHandle } from './faults.js';
export { MULTIPART_UNSUPPORTED_MESSAGE } from './artifacts.js';
export type { RecordedRequest } from './http.js';
export type { TrackingState, RunRecord, ExperimentRecord } from './state.js';
