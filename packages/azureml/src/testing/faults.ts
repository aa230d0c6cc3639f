/** Fault injection: throttling, 5xx, dropped connections and slow responses on matching requests. */
import { FaultPlan, type FaultHandle, type FiredFault as Fired } from '@runlens/core/emulator';

export type FaultKind = 'throttle' | '500' | '503' | 'drop' | 'slow';

export interface FaultSpec {
  /** Matched against the request target (path + query); a string matches as a substring. Default: every request. */
  path?: RegExp | string;
  /** The fault; or give `sequence`. */
  kind?: FaultKind;
  /** Clustered faults on consecutive matching requests (see core's FaultRule); `times` counts clusters. */
  sequence?: readonly FaultKind[];
  /** How many times the fault fires before it retires. Default: unlimited. */
  times?: number;
  /** Fire on every Nth matching request (N, 2N, ...). Default 1. */
  every?: number;
  /** `slow`: delay before answering (default 1000). `throttle`: the Retry-After hint (default 1000, sent in whole seconds). */
  delayMs?: number;
}

export type { FaultHandle };
export type FiredFault = Fired<FaultKind>;

/** When faults fire is core's shared FaultPlan; emulator.ts decides what each looks like on Azure's wire. */
export class FaultInjector {
  private readonly plan = new FaultPlan<FaultKind>(['throttle', '500', '503', 'drop', 'slow']);

  inject(spec: FaultSpec): FaultHandle {
    const { path, ...rule } = spec;
    return this.plan.inject({ ...rule, match: path });
  }

  clear(): void {
    this.plan.clear();
  }

  /** The fault for this request, if any. */
  fire(target: string): FiredFault | undefined {
    return this.plan.take(target);
  }
}
