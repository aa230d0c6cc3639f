// Fault injection for the loopback emulators: which request fails, and how often. Each emulator
// decides what a fault looks like on its own wire (a ThrottlingException body, a 429 with
// Retry-After, an S3 SlowDown); this decides only when one fires, identically for every provider.

export interface FaultRule<Kind extends string> {
  /** Which requests: a substring or RegExp of the emulator's request key (a path, an operation). Default: all. */
  readonly match?: string | RegExp;
  /** The fault to fire. Give this or `sequence`. */
  readonly kind?: Kind;
  /**
   * Clustered faults: these kinds one after another, on consecutive matching requests (with a `match`
   * that singles out one stream, they land on one request and its retries: a throttle, a reset, a 503…
   * in a row). `every` spaces the clusters, `times` counts them.
   */
  readonly sequence?: readonly Kind[];
  /** Fire at most this many times (clusters, for a `sequence`), then retire. Default: until cancelled or cleared. */
  readonly times?: number;
  /** Fire on (start a cluster at) every Nth matching request only (N, 2N, …). Default 1. */
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
  readonly kinds: readonly Kind[];
  seen: number;
  hits: number;
  /** Clusters started (single faults: hits). */
  runs: number;
  /** Where the current cluster is; 0 when none is under way. */
  step: number;
}

export class FaultPlan<Kind extends string> {
  private rules: LiveRule<Kind>[] = [];

  constructor(private readonly kinds: readonly Kind[]) {}

  inject(rule: FaultRule<Kind>): FaultHandle {
    if ((rule.kind === undefined) === (rule.sequence === undefined)) throw new Error('a fault rule needs a kind or a sequence (not both)');
    const kinds = rule.sequence ?? [rule.kind as Kind];
    if (kinds.length === 0) throw new Error('an empty fault sequence');
    for (const kind of kinds) {
      if (!this.kinds.includes(kind)) throw new Error(`unknown fault kind ${String(kind)} (known: ${this.kinds.join(', ')})`);
    }
    for (const [name, value, min] of [['times', rule.times, 1], ['every', rule.every, 1], ['delayMs', rule.delayMs, 0]] as const) {
      if (value !== undefined && (!Number.isInteger(value) || value < min)) throw new Error(`invalid fault ${name}: ${value}`);
    }
    const live: LiveRule<Kind> = { rule: { ...rule }, kinds: [...kinds], seen: 0, hits: 0, runs: 0, step: 0 };
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
   * rule still counts the request toward its `every`. A cluster under way is due on every matching
   * request until its sequence is done.
   */
  take(key: string): FiredFault<Kind> | undefined {
    let fired: FiredFault<Kind> | undefined;
    for (const live of this.rules) {
      if (!matches(live.rule.match, key)) continue;
      live.seen += 1;
      const due = live.step > 0 || live.seen % (live.rule.every ?? 1) === 0;
      if (fired || !due) continue;
      if (live.step === 0) live.runs += 1;
      live.hits += 1;
      fired = { kind: live.kinds[live.step]!, delayMs: live.rule.delayMs ?? 1000 };
      live.step = (live.step + 1) % live.kinds.length;
    }
    this.rules = this.rules.filter((live) => live.step > 0 || live.runs < (live.rule.times ?? Number.POSITIVE_INFINITY));
    return fired;
  }
}

function matches(match: string | RegExp | undefined, key: string): boolean {
  if (match === undefined) return true;
  if (typeof match === 'string') return key.includes(match);
  match.lastIndex = 0; // a /g RegExp would otherwise carry state between requests
  return match.test(key);
}

/** A fault rule for emulators that key requests by their target (`path?query`, or `METHOD path`). */
export type PathFaultSpec<Kind extends string> = Omit<FaultRule<Kind>, 'match'> & {
  /** Matched against the request target; a string matches as a substring. Default: every request. */
  readonly path?: string | RegExp;
};

/** The fault injector of an emulator keyed by request target: a FaultPlan with `path` for `match`. */
export class PathFaultInjector<Kind extends string> {
  private readonly plan: FaultPlan<Kind>;

  constructor(kinds: readonly Kind[]) {
    this.plan = new FaultPlan<Kind>(kinds);
  }

  inject(spec: PathFaultSpec<Kind>): FaultHandle {
    const { path, ...rule } = spec;
    return this.plan.inject({ ...rule, ...(path !== undefined ? { match: path } : {}) });
  }

  clear(): void {
    this.plan.clear();
  }

  /** The fault for this request, if any. */
  fire(target: string): FiredFault<Kind> | undefined {
    return this.plan.take(target);
  }
}
