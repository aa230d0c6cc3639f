/** Fault injection for the MLflow emulator: when a fault fires is core's FaultPlan; emulator.ts renders it. */
import { FaultPlan, type FaultHandle, type FiredFault as Fired } from '@runlens/core/emulator';

/**
 * `throttle`: 429 REQUEST_LIMIT_EXCEEDED with Retry-After; `500`/`503`: INTERNAL_ERROR /
 * TEMPORARILY_UNAVAILABLE; `drop`: the connection is cut; `slow`: the answer waits `delayMs`;
 * `partial`: a log-batch stores its first half, then answers 500 (a failed batch may have written
 * part of itself); on other requests it is a plain 500.
 */
export type FaultKind = 'throttle' | '500' | '503' | 'drop' | 'slow' | 'partial';
export const FAULT_KINDS: readonly FaultKind[] = ['throttle', '500', '503', 'drop', 'slow', 'partial'];

export interface FaultSpec {
  /** Matched against `METHOD path?query`; a string matches as a substring. Default: every request. */
  readonly path?: RegExp | string;
  readonly kind?: FaultKind;
  readonly sequence?: readonly FaultKind[];
  readonly times?: number;
  readonly every?: number;
  /** `slow`: the delay; `throttle`: the Retry-After hint (sent in whole seconds). Default 1000. */
  readonly delayMs?: number;
}

export type { FaultHandle };
export type FiredFault = Fired<FaultKind>;

export class FaultInjector {
  private readonly plan = new FaultPlan<FaultKind>(FAULT_KINDS);

  inject(spec: FaultSpec): FaultHandle {
    const { path, ...rule } = spec;
    return this.plan.inject({ ...rule, ...(path !== undefined ? { match: path } : {}) });
  }

  clear(): void {
    this.plan.clear();
  }

  fire(key: string): FiredFault | undefined {
    return this.plan.take(key);
  }
}
