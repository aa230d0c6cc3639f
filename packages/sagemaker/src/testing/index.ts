// Loopback AWS emulator for the SageMaker adapter: SageMaker, CloudWatch Logs, CloudWatch metrics
// and S3 on one 127.0.0.1 port, wire-compatible with the AWS SDK v3 clients and the AWS CLI.

export { startSagemakerEmulator } from './emulator.js';
export type { EmulatorOptions, LargeJobInfo, SagemakerEmulator } from './emulator.js';
export type { FaultHandle, FaultInjector, FaultKind, FaultSpec } from './faults.js';
export type { RecordedRequest, ServiceName } from './server.js';
export type { LogEventInput } from './logs.js';
export { SAGEMAKER_LOG_GROUP } from './logs.js';
export type { Dimension, MetricDataInput } from './metrics.js';
export type { ObjectBody, PutObjectOptions } from './s3.js';
export type { TimeInput, TrainingJobSeed } from './sagemaker.js';
export type { LargeJobOptions, LargeJobSpec } from './large.js';
export { largeJobEvent, largeJobSpec, largeJobStreamName } from './large.js';
export type { ScenarioJob, ScenarioObject, ScenarioStream } from './scenarios.js';
export {
  CAPACITY_FAILURE_REASON,
  COMPLETED_JOB,
  INVALID_VALUE_FAILURE_REASON,
  OOM_ERROR,
  PERMISSION_ERROR,
  RUNNING_JOB,
  SCENARIO_BUCKET,
  SCENARIO_NAMES,
  SETUP_FAILURE_REASON,
  SIXTY_NODE_JOB,
  TRAINING_JOBS_NAMESPACE,
  completedFourNodeJob,
  failedCapacityJob,
  failedDataShapeJob,
  failedHyperparameterJob,
  failedInvalidValueJob,
  failedOomJob,
  failedPermissionJob,
  failedSetupJob,
  sixtyNodeJob,
  staticScenarioJobs,
  stoppedTimeoutJob,
  stoppedUserJob,
} from './scenarios.js';
export { generatedBytes } from './fixtures.js';
