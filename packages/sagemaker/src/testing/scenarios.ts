// Seeded scenarios modelled on real SageMaker jobs: what DescribeTrainingJob returns, the log
// streams each node writes, CloudWatch metrics and S3 artifacts. Everything is a pure function of
// constants (no clock, no Math.random), so tests can rebuild the same data to compute expectations.

import { completedFourNodeJob, sixtyNodeJob } from './scenarios/completed.js';
import { failedDataShapeJob, failedHyperparameterJob, failedInvalidValueJob } from './scenarios/builtin-failures.js';
import { failedCapacityJob, failedOomJob, failedPermissionJob, failedSetupJob, stoppedTimeoutJob, stoppedUserJob } from './scenarios/script-failures.js';
import type { ScenarioJob } from './scenarios/kit.js';

export { SCENARIO_BUCKET, TRAINING_JOBS_NAMESPACE } from './scenarios/kit.js';
export type { ScenarioDelta, ScenarioJob, ScenarioObject, ScenarioStream } from './scenarios/kit.js';
export { COMPLETED_JOB, SIXTY_NODE_JOB, completedFourNodeJob, sixtyNodeJob } from './scenarios/completed.js';
export { INVALID_VALUE_FAILURE_REASON, failedDataShapeJob, failedHyperparameterJob, failedInvalidValueJob } from './scenarios/builtin-failures.js';
export {
  CAPACITY_FAILURE_REASON,
  OOM_ERROR,
  PERMISSION_ERROR,
  SETUP_FAILURE_REASON,
  failedCapacityJob,
  failedOomJob,
  failedPermissionJob,
  failedSetupJob,
  stoppedTimeoutJob,
  stoppedUserJob,
} from './scenarios/script-failures.js';
export { RUNNING_JOB, RunningJobScript } from './scenarios/running.js';

export const SCENARIO_NAMES = [
  'rl-completed-4node',
  'rl-failed-hyperparameter',
  'rl-failed-invalid-value',
  'rl-failed-data-shape',
  'rl-failed-capacity',
  'rl-failed-oom',
  'rl-failed-setup',
  'rl-failed-permission',
  'rl-stopped-timeout',
  'rl-stopped-user',
  'rl-running-2node',
  'rl-60node',
] as const;

/** Every job seeded by default, except the running one (its script keeps state). */
export function staticScenarioJobs(): ScenarioJob[] {
  return [
    completedFourNodeJob(),
    failedHyperparameterJob(),
    failedInvalidValueJob(),
    failedDataShapeJob(),
    failedCapacityJob(),
    failedOomJob(),
    failedSetupJob(),
    failedPermissionJob(),
    stoppedTimeoutJob(),
    stoppedUserJob(),
    sixtyNodeJob(),
  ];
}
