export type MetricKind = 'system' | 'training';

/** Normalized system metric names; the provider's own name is kept in `providerName`. */
export const SYSTEM_METRICS = [
  'cpu.utilization',
  'memory.utilization',
  'gpu.utilization',
  'gpu.memory.utilization',
  'npu.utilization',
  'npu.memory.utilization',
  'disk.utilization',
] as const;
export type SystemMetricName = (typeof SYSTEM_METRICS)[number];

export interface MetricPoint {
  /** Epoch milliseconds. */
  readonly timestamp: number;
  readonly step?: number;
  /** `null` is a missing sample (never a sentinel such as -1); strings only on string-valued series. */
  readonly value: number | string | null;
}

export interface MetricDescriptor {
  readonly name: string;
  readonly node?: string;
  readonly kind: MetricKind;
  /** `percent` for every normalized system metric. */
  readonly unit?: string;
  readonly providerName: string;
  /** Defaults to `number`. String series carry text values (Azure ML logs string metrics). */
  readonly valueType?: 'number' | 'string';
  /** How the provider's values were converted, when they were (e.g. CPU summed over cores). */
  readonly note?: string;
}

export interface MetricSeries extends MetricDescriptor {
  readonly points: readonly MetricPoint[];
}

export interface MetricQuery {
  /** Normalized or provider names. */
  readonly names?: readonly string[];
  readonly nodes?: readonly string[];
  readonly kind?: MetricKind;
  readonly since?: number;
  readonly until?: number;
  readonly signal?: AbortSignal;
}
