/**
 * The slice of PromQL the emulator evaluates: the query shapes a per-pod system-metrics reader sends.
 *   [sum|avg|max|min [by (l1, l2)]] ( rate(metric{matchers}[5m]) | metric{matchers} )
 * with matchers `=`, `!=`, `=~`, `!~` (regexes fully anchored, as in Prometheus). Anything else is
 * refused with a clear error rather than evaluated wrongly.
 */
export interface Matcher {
  readonly name: string;
  readonly op: '=' | '!=' | '=~' | '!~';
  readonly value: string;
}

export interface Query {
  readonly aggregation: 'sum' | 'avg' | 'max' | 'min' | undefined;
  readonly by: readonly string[];
  readonly rateWindowMs: number | undefined;
  readonly metric: string;
  readonly matchers: readonly Matcher[];
}

export class QueryError extends Error {}

export function parseQuery(text: string): Query {
  let rest = text.trim();
  if (rest === '') throw new QueryError('1:1: parse error: no expression found in input');
  let aggregation: Query['aggregation'];
  let by: string[] = [];
  const agg = /^(sum|avg|max|min)\s*(?:by\s*\(([^)]*)\)\s*)?\((.*)\)$/s.exec(rest);
  if (agg !== null) {
    aggregation = agg[1] as Query['aggregation'];
    by = (agg[2] ?? '').split(',').map((label) => label.trim()).filter((label) => label !== '');
    rest = agg[3]!.trim();
  }
  let rateWindowMs: number | undefined;
  const rate = /^rate\s*\((.*)\[(\w+)\]\s*\)$/s.exec(rest);
  if (rate !== null) {
    rateWindowMs = parseDurationMs(rate[2]!);
    if (rateWindowMs === undefined) throw new QueryError(`unsupported range "${rate[2]}"`);
    rest = rate[1]!.trim();
  }
  const selector = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(?:\{(.*)\})?$/s.exec(rest);
  if (selector === null) throw new QueryError(`the emulator does not evaluate this expression: ${text}`);
  const matchers: Matcher[] = [];
  const body = selector[2] ?? '';
  const pattern = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*(,|$)/gy;
  let consumed = 0;
  for (let match = pattern.exec(body); match !== null && match[0] !== ''; match = pattern.exec(body)) {
    matchers.push({ name: match[1]!, op: match[2] as Matcher['op'], value: match[3]!.replace(/\\(.)/g, '$1') });
    consumed = pattern.lastIndex;
  }
  if (consumed !== body.length) throw new QueryError(`unexpected characters in selector: {${body}}`);
  return { aggregation, by, rateWindowMs, metric: selector[1]!, matchers };
}

export function matchesAll(matchers: readonly Matcher[], labels: Readonly<Record<string, string>>): boolean {
  return matchers.every(({ name, op, value }) => {
    const actual = labels[name] ?? '';
    switch (op) {
      case '=':
        return actual === value;
      case '!=':
        return actual !== value;
      case '=~':
        return new RegExp(`^(?:${value})$`).test(actual);
      case '!~':
        return !new RegExp(`^(?:${value})$`).test(actual);
    }
  });
}

/** Prometheus durations (`15s`, `1m30s`, `500ms`), or undefined. */
export function parseDurationMs(text: string): number | undefined {
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, y: 31_536_000_000 };
  if (!/^(\d+(ms|s|m|h|d|w|y))+$/.test(text)) return undefined;
  let total = 0;
  for (const match of text.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)) total += Number(match[1]) * units[match[2]!]!;
  return total;
}
