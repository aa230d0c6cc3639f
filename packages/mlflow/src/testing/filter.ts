/**
 * The subset of MLflow's search-runs filter grammar the emulator understands: comparisons joined by
 * AND, on `attributes.` (run_name, status, start_time, end_time, run_id), `tags.`, `params.` and
 * `metrics.` (latest value), identifiers plain or in backquotes, strings in single or double quotes.
 * Anything else is rejected with INVALID_PARAMETER_VALUE, as a real server rejects what it can't parse.
 */
import type { RunRecord } from './state.js';

export interface Clause {
  readonly kind: 'attributes' | 'tags' | 'params' | 'metrics';
  readonly key: string;
  readonly op: '=' | '!=' | '<' | '<=' | '>' | '>=' | 'LIKE' | 'ILIKE';
  readonly value: string | number;
}

const CLAUSE = /^\s*(?:(attributes|attribute|attr|run|tags|tag|params|param|metrics|metric)\.)?(`[^`]+`|"[^"]+"|[\w.]+)\s*(=|!=|<=|>=|<|>|LIKE|ILIKE)\s*('(?:[^']|'')*'|"[^"]*"|-?\d+(?:\.\d+)?)\s*$/i;

export function parseFilter(filter: string): Clause[] | string {
  if (filter.trim() === '') return [];
  const clauses: Clause[] = [];
  for (const part of filter.split(/\s+AND\s+/i)) {
    const match = CLAUSE.exec(part);
    if (!match) return `Invalid clause(s) in filter string: '${part.trim()}'`;
    const prefix = (match[1] ?? 'attributes').toLowerCase();
    const kind = prefix.startsWith('tag') ? 'tags' : prefix.startsWith('param') ? 'params' : prefix.startsWith('metric') ? 'metrics' : 'attributes';
    let key = match[2]!;
    if (/^[`"]/.test(key)) key = key.slice(1, -1);
    const raw = match[4]!;
    const value = raw.startsWith("'") ? raw.slice(1, -1).replace(/''/g, "'") : raw.startsWith('"') ? raw.slice(1, -1) : Number(raw);
    clauses.push({ kind, key, op: match[3]!.toUpperCase() as Clause['op'], value });
  }
  return clauses;
}

export function like(value: string, pattern: string, ignoreCase: boolean): boolean {
  const source = pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%/g, '.*').replace(/_/g, '.');
  return new RegExp(`^${source}$`, ignoreCase ? 'is' : 's').test(value);
}

function compare(actual: string | number | undefined, clause: Clause): boolean {
  if (actual === undefined) return false;
  const { op, value } = clause;
  if (op === 'LIKE' || op === 'ILIKE') return like(String(actual), String(value), op === 'ILIKE');
  const a = typeof value === 'number' ? Number(actual) : String(actual);
  switch (op) {
    case '=': return a === value;
    case '!=': return a !== value;
    case '<': return a < value;
    case '<=': return a <= value;
    case '>': return a > value;
    case '>=': return a >= value;
  }
}

export function matches(run: RunRecord, clauses: readonly Clause[]): boolean {
  return clauses.every((clause) => {
    switch (clause.kind) {
      case 'tags': return compare(run.tags.get(clause.key), clause);
      case 'params': return compare(run.params.get(clause.key), clause);
      case 'metrics': {
        const history = run.metrics.get(clause.key);
        return compare(history?.[history.length - 1]?.value, clause);
      }
      case 'attributes': {
        const attrs: Record<string, string | number | undefined> = {
          run_name: run.runName, run_id: run.runId, status: run.status, start_time: run.startTime, end_time: run.endTime, user_id: run.userId,
        };
        return compare(attrs[clause.key], clause);
      }
    }
  });
}
