/** Fault injection: throttling, 5xx, dropped connections and slow responses on matching requests. */
import { PathFaultInjector, type FaultHandle, type FiredFault as Fired, type PathFaultSpec } from '@runlens/core/emulator';

export type FaultKind = 'throttle' | '500' | '503' | 'drop' | 'slow';

/** `path` is matched against the request target; a string matches as a substring. */
export type FaultSpec = PathFaultSpec<FaultKind>;

export type { FaultHandle };
export type FiredFault = Fired<FaultKind>;

/** When faults fire is core's shared FaultPlan; the emulator decides what each looks like on its wire. */
export class FaultInjector extends PathFaultInjector<FaultKind> {
  constructor() {
    super(['throttle', '500', '503', 'drop', 'slow']);
  }
}
