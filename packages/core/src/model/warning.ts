import type { ErrorCode } from '../errors.js';
/** A degraded answer: returned alongside the result and printed by the CLI, never silently dropped. */
export interface Warning {
  /** `no-data`: why an answer is empty (a run that never started, one still pending). */
  readonly type: 'unsupported' | 'degraded' | 'not-found' | 'compatibility' | 'no-data';
  readonly message: string;
  /** The error behind a `degraded` answer, when one did: a listing of every provider that lost one still answers, and the CLI exits with this error's code. */
  readonly error?: ErrorCode;
}

/**
 * A list kept short enough for one warning line: all of it when short (`nodes: a, b`), else how many
 * and the first few (`180 series: a, b, c and 177 more`). Warnings name what is missing; they are no listings.
 */
export function brief(items: readonly string[], noun: string, show = 3): string {
  if (items.length === 0) return `no ${noun}`;
  if (items.length <= show + 1) return `${noun}: ${items.join(', ')}`;
  return `${items.length} ${noun}: ${items.slice(0, show).join(', ')} and ${items.length - show} more`;
}
