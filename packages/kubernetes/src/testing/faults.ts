/** Fault injection for the Kubernetes emulator: when is core's FaultPlan; what each looks like is emulator.ts. */
import { PathFaultInjector, type FaultHandle, type FiredFault as Fired, type PathFaultSpec } from '@runlens/core/emulator';

/**
 * `throttle`: 429 TooManyRequests with Retry-After; `500`/`503`: InternalError/ServiceUnavailable;
 * `drop`: the socket is destroyed before an answer; `slow`: the answer waits `delayMs`;
 * `expire`: a `continue` request answers 410 Expired as if its snapshot were compacted.
 */
export type FaultKind = 'throttle' | '500' | '503' | 'drop' | 'slow' | 'expire';

/** `path` is matched against the request target; a string matches as a substring. */
export type FaultSpec = PathFaultSpec<FaultKind>;

export type { FaultHandle };
export type FiredFault = Fired<FaultKind>;

/** When faults fire is core's shared FaultPlan; the emulator decides what each looks like on its wire. */
export class FaultInjector extends PathFaultInjector<FaultKind> {
  constructor() {
    super(['throttle', '500', '503', 'drop', 'slow', 'expire']);
  }
}
