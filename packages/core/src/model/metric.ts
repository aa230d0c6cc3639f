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
  /**
   * The same points as parallel typed arrays, when the source read them so (local archives do): no
   * object per point. Not enumerable (JSON and spreads see `points` only); `points` is then built
   * from it on first read. Read it with `seriesColumns`; make such a series with `columnarSeries`.
   */
  readonly columns?: SeriesColumns;
}

/**
 * A numeric series' points as columns (index i is point i). Never holds text: a series with a string
 * value is carried as points. Read-only by contract, like `points`.
 */
export interface SeriesColumns {
  /** Epoch milliseconds. */
  readonly timestamps: Float64Array;
  /** NaN where a point has no step; left out when no point has one. */
  readonly steps?: Float64Array;
  /** NaN is a missing sample (`null` in points); every other value is the point's number. */
  readonly values: Float64Array;
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
