/** A degraded answer: returned alongside the result and printed by the CLI, never silently dropped. */
export interface Warning {
  /** `no-data`: why an answer is empty (a run that never started, one still pending). */
  readonly type: 'unsupported' | 'degraded' | 'not-found' | 'compatibility' | 'no-data';
  readonly message: string;
}
