// Fault injection for the loopback emulators: which request fails, and how often. Each emulator
// decides what a fault looks like on its own wire (a ThrottlingException body, a 429 with
// Retry-After, an S3 SlowDown); this decides only when one fires, identically for every provider.

export interface FaultRule<Kind extends string> {
  /** Which requests: a substring or RegExp of the emulator's request key (a path, an operation). Default: all. */
  readonly match?: string | RegExp;
  readonly kind: Kind;
  /** Fire at most this many times, then retire. Default: until cancelled or cleared. */
  readonly times?: number;
  /** Fire on every Nth matching request only (N, 2N, …). Default 1. */
  readonly every?: number;
  /** For slow answers, the delay; for throttles, the Retry-After hint. Default 1000 ms. */
  readonly delayMs?: number;
}

export interface FaultHandle {
  /** Matching requests seen while the rule was live. */
  readonly seen: number;
  /** Requests the fault fired on. */
  readonly hits: number;
  cancel(): void;
}

export interface FiredFault<Kind extends string> {
  readonly kind: Kind;
  readonly delayMs: number;
}

interface LiveRule<Kind extends string> {
  readonly rule: FaultRule<Kind>;
  seen: number;
  hits: number;
}

export class FaultPlan<Kind extends string> {
  private rules: LiveRule<Kind>[] = [];

  constructor(private readonly kinds: readonly Kind[]) {}

  inject(rule: FaultRule<Kind>): FaultHandle {
    if (!this.kinds.includes(rule.kind)) throw new Error(`unknown fault kind ${String(rule.kind)} (known: ${this.kinds.join(', ')})`);
    for (const [name, value, min] of [['times', rule.times, 1], ['every', rule.every, 1], ['delayMs', rule.delayMs, 0]] as const) {
      if (value !== undefined && (!Number.isInteger(value) || value < min)) throw new Error(`invalid fault ${name}: ${value}`);
    }
    const live: LiveRule<Kind> = { rule: { ...rule }, seen: 0, hits: 0 };
    this.rules.push(live);
    return {
      get seen() {
        return live.seen;
      },
      get hits() {
        return live.hits;
      },
      cancel: () => {
        this.rules = this.rules.filter((candidate) => candidate !== live);
      },
    };
  }

  clear(): void {
    this.rules = [];
  }

  /**
   * The fault for this request, if any. At most one fires: the first due rule in injection order,
   * so faults injected one after another hit successive requests (a queue), while every matching
   * rule still counts the request toward its `every`.
   */
  take(key: string): FiredFault<Kind> | undefined {
    let fired: FiredFault<Kind> | undefined;
    for (const live of this.rules) {
      if (!matches(live.rule.match, key)) continue;
      live.seen += 1;
      if (fired || live.seen % (live.rule.every ?? 1) !== 0) continue;
      live.hits += 1;
      fired = { kind: live.rule.kind, delayMs: live.rule.delayMs ?? 1000 };
    }
    this.rules = this.rules.filter((live) => live.hits < (live.rule.times ?? Number.POSITIVE_INFINITY));
    return fired;
  }
}

function matches(match: string | RegExp | undefined, key: string): boolean {
  if (match === undefined) return true;
  if (typeof match === 'string') return key.includes(match);
  match.lastIndex = 0; // a /g RegExp would otherwise carry state between requests
  return match.test(key);
}
