/** Fault injection for the MLflow emulator: when a fault fires is core's FaultPlan; emulator.ts renders it. */
import { PathFaultInjector, type FaultHandle, type FiredFault as Fired, type PathFaultSpec } from '@runlens/core/emulator';

/**
 * `throttle`: 429 REQUEST_LIMIT_EXCEEDED with Retry-After; `500`/`503`: INTERNAL_ERROR /
 * TEMPORARILY_UNAVAILABLE; `drop`: the connection is cut; `slow`: the answer waits `delayMs`;
 * `partial`: a log-batch stores its first half, then answers 500 (a failed batch may have written
 * part of itself); on other requests it is a plain 500.
 */
export type FaultKind = 'throttle' | '500' | '503' | 'drop' | 'slow' | 'partial';
export const FAULT_KINDS: readonly FaultKind[] = ['throttle', '500', '503', 'drop', 'slow', 'partial'];

/** `path` is matched against the request target; a string matches as a substring. */
export type FaultSpec = PathFaultSpec<FaultKind>;

export type { FaultHandle };
export type FiredFault = Fired<FaultKind>;

/** When faults fire is core's shared FaultPlan; the emulator decides what each looks like on its wire. */
export class FaultInjector extends PathFaultInjector<FaultKind> {
  constructor() {
    super(FAULT_KINDS);
  }
}
