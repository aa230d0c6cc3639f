/** Fault injection: throttling, 5xx, dropped connections and slow responses on matching requests. */

export type FaultKind = 'throttle' | '500' | '503' | 'drop' | 'slow';

export interface FaultSpec {
  /** Matched against the request target (path + query); a string matches as a substring. Default: every request. */
  path?: RegExp | string;
  kind: FaultKind;
  /** How many times the fault fires before it retires. Default: unlimited. */
  times?: number;
  /** Fire on every Nth matching request (N, 2N, ...). Default 1. */
  every?: number;
  /** `slow`: delay before answering (default 1000). `throttle`: the Retry-After hint (default 1000, sent in whole seconds). */
  delayMs?: number;
}

export interface FaultHandle {
  /** How many times the fault has fired. */
  readonly fired: number;
  remove(): void;
}

export interface FiredFault {
  readonly kind: FaultKind;
  readonly delayMs: number;
}

interface ActiveFault {
  readonly spec: FaultSpec;
  matched: number;
  fired: number;
}

export class FaultInjector {
  private faults: ActiveFault[] = [];

  inject(spec: FaultSpec): FaultHandle {
    if (spec.every !== undefined && !(Number.isInteger(spec.every) && spec.every >= 1)) {
      throw new RangeError('fault `every` must be a positive integer');
    }
    const fault: ActiveFault = { spec, matched: 0, fired: 0 };
    this.faults.push(fault);
    return {
      get fired() {
        return fault.fired;
      },
      remove: () => {
        this.faults = this.faults.filter((f) => f !== fault);
      },
    };
  }

  clear(): void {
    this.faults = [];
  }

  /** Faults firing for this request, in injection order. */
  fire(target: string): FiredFault[] {
    const fired: FiredFault[] = [];
    for (const fault of this.faults) {
      const { spec } = fault;
      if (!matches(spec.path, target) || fault.fired >= (spec.times ?? Infinity)) continue;
      fault.matched += 1;
      if (fault.matched % (spec.every ?? 1) !== 0) continue;
      fault.fired += 1;
      fired.push({ kind: spec.kind, delayMs: spec.delayMs ?? 1000 });
    }
    return fired;
  }
}

function matches(path: RegExp | string | undefined, target: string): boolean {
  if (path === undefined) return true;
  if (typeof path === 'string') return target.includes(path);
  path.lastIndex = 0;
  return path.test(target);
}
