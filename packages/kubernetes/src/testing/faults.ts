/** Fault injection for the Kubernetes emulator: when is core's FaultPlan; what each looks like is emulator.ts. */
import { FaultPlan, type FaultHandle, type FiredFault as Fired } from '@runlens/core/emulator';

/**
 * `throttle`: 429 TooManyRequests with Retry-After; `500`/`503`: InternalError/ServiceUnavailable;
 * `drop`: the socket is destroyed before an answer; `slow`: the answer waits `delayMs`;
 * `expire`: a `continue` request answers 410 Expired as if its snapshot were compacted.
 */
export type FaultKind = 'throttle' | '500' | '503' | 'drop' | 'slow' | 'expire';

export interface FaultSpec {
  /** Matched against the request target (path + query); a string matches as a substring. Default: every request. */
  path?: RegExp | string;
  kind?: FaultKind;
  sequence?: readonly FaultKind[];
  times?: number;
  every?: number;
  delayMs?: number;
}

export type { FaultHandle };
export type FiredFault = Fired<FaultKind>;

export class FaultInjector {
  private readonly plan = new FaultPlan<FaultKind>(['throttle', '500', '503', 'drop', 'slow', 'expire']);

  inject(spec: FaultSpec): FaultHandle {
    const { path, ...rule } = spec;
    return this.plan.inject({ ...rule, match: path });
  }

  clear(): void {
    this.plan.clear();
  }

  fire(target: string): FiredFault | undefined {
    return this.plan.take(target);
  }
}
