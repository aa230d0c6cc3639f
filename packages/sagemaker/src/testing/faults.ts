// Fault injection: make chosen requests fail the way AWS fails them.

export type FaultKind =
  /** HTTP 400 ThrottlingException (S3: 503 SlowDown). */
  | 'throttle'
  /** HTTP 500 InternalFailure (S3: InternalError). */
  | '500'
  /** HTTP 503 ServiceUnavailable. */
  | '503'
  /** Destroy the socket without answering. */
  | 'drop'
  /** Wait `delayMs`, then answer normally. */
  | 'slow'
  /** GetLogEvents / FilterLogEvents only: an empty page with a fresh token, as the service returns mid-stream. */
  | 'empty';

export interface FaultSpec {
  /** Operation name (`GetLogEvents`, `GetObject`...) or `*`; omitted means every operation. */
  operation?: string;
  kind: FaultKind;
  /** How many requests to affect; default 1, or unlimited when `every` is given. */
  times?: number;
  /** Affect every Nth matching request instead of the next ones. */
  every?: number;
  /** For `slow`; default 1000. */
  delayMs?: number;
}

export interface FaultHandle {
  /** Matching requests seen so far. */
  readonly seen: number;
  /** Requests this fault was applied to. */
  readonly hits: number;
  cancel(): void;
}

export interface Fault {
  kind: FaultKind;
  delayMs: number;
}

const KINDS: readonly FaultKind[] = ['throttle', '500', '503', 'drop', 'slow', 'empty'];

interface Rule {
  spec: FaultSpec;
  limit: number;
  seen: number;
  hits: number;
}

export class FaultInjector {
  private rules: Rule[] = [];

  inject(spec: FaultSpec): FaultHandle {
    if (!KINDS.includes(spec.kind)) throw new Error(`unknown fault kind ${String(spec.kind)}`);
    for (const [name, value] of [['times', spec.times], ['every', spec.every], ['delayMs', spec.delayMs]] as const) {
      if (value !== undefined && (!Number.isInteger(value) || value < (name === 'delayMs' ? 0 : 1))) throw new Error(`invalid fault ${name}: ${value}`);
    }
    const rule: Rule = { spec, limit: spec.times ?? (spec.every ? Number.POSITIVE_INFINITY : 1), seen: 0, hits: 0 };
    this.rules.push(rule);
    return {
      get seen() {
        return rule.seen;
      },
      get hits() {
        return rule.hits;
      },
      cancel: () => {
        this.rules = this.rules.filter((candidate) => candidate !== rule);
      },
    };
  }

  clear(): void {
    this.rules = [];
  }

  /** The fault for this request, if any; the first rule that fires wins. */
  take(operation: string): Fault | undefined {
    let chosen: Fault | undefined;
    for (const rule of this.rules) {
      const { spec } = rule;
      if (spec.operation !== undefined && spec.operation !== '*' && spec.operation !== operation) continue;
      if (rule.hits >= rule.limit) continue;
      rule.seen += 1;
      const due = spec.every === undefined || rule.seen % spec.every === 0;
      if (due && !chosen) {
        rule.hits += 1;
        chosen = { kind: spec.kind, delayMs: spec.delayMs ?? 1000 };
      }
    }
    this.rules = this.rules.filter((rule) => rule.hits < rule.limit);
    return chosen;
  }
}
