export {
  DEFAULT_CREDENTIALS,
  DEFAULT_IAM_TOKEN,
  DEFAULT_PROJECT_ID,
  startModelartsEmulator,
  type EmulatorOptions,
  type ModelartsEmulator,
  type RecordedRequest,
} from './emulator.js';
export { SCENARIO, SEED_METRICS } from './scenarios.js';
export { callEmulator, type CallOptions, type CallResult } from './client.js';
export { syntheticLine, syntheticLog, SYNTHETIC_LINE_WIDTH, type LazyLog } from './bytes.js';
export type { FaultHandle, FaultKind, FaultSpec, Faults } from './faults.js';
export type { JobOptions } from './jobs.js';
export type { V1Options } from './v1jobs.js';
export { LOG_BUCKET, type ObsListing } from './obs.js';
export { V1_MAX_OFFSET } from './routes/v1.js';
export type {
  JobEvent,
  JobPhase,
  ObsLocation,
  PreviewField,
  RunningRecord,
  TaskMetric,
  TaskStatus,
  TrainingJobDetail,
  V1JobVersion,
  V1LogShape,
} from './model.js';
