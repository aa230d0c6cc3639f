export { startMlflowEmulator, AZURE_WORKSPACE_PREFIX, type MlflowEmulator, type MlflowEmulatorOptions, type SeedRun } from './emulator.js';
export { verifySigv4, awsEscape, type Sigv4Expectation, type Sigv4Refusal } from './sigv4.js';
export { FAULT_KINDS, type FaultKind, type FaultSpec, type FaultHandle } from './faults.js';
export { MULTIPART_UNSUPPORTED_MESSAGE } from './artifacts.js';
export { S3Flavour, type S3FlavourOptions } from './s3.js';
export type { RecordedRequest } from './http.js';
export type { TrackingState, RunRecord, ExperimentRecord } from './state.js';
