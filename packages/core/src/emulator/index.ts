export { FaultPlan, type FaultRule, type FaultHandle, type FiredFault } from './faults.js';
export { seededRandom } from './random.js';
