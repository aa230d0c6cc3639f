/** A degraded answer: returned alongside the result and printed by the CLI, never silently dropped. */
export interface Warning {
  readonly type: 'unsupported' | 'degraded' | 'not-found' | 'compatibility';
  readonly message: string;
}
