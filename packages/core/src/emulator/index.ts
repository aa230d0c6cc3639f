export { FaultPlan, PathFaultInjector, type FaultRule, type FaultHandle, type FiredFault, type PathFaultSpec } from './faults.js';
export { seededRandom } from './random.js';
