// The metrics route's `format=columns`: each series as parallel arrays, so a chart can hand them to
// its columnar data without building (and the browser without parsing) an object per point.
import type { MetricSeries } from '@runlens/core';

export interface MetricColumns {
  readonly name: string;
  readonly node?: string;
  readonly kind: MetricSeries['kind'];
  readonly unit?: string;
  readonly providerName: string;
  readonly valueType?: MetricSeries['valueType'];
  readonly note?: string;
  readonly timestamps: number[];
  /** Left out when no point has a step. */
  readonly steps?: (number | null)[];
  readonly values: (number | string | null)[];
}

export function toColumns(series: MetricSeries): MetricColumns {
  const { points, ...descriptor } = series;
  const timestamps = new Array<number>(points.length);
  const values = new Array<number | string | null>(points.length);
  const steps = new Array<number | null>(points.length);
  let stepped = false;
  for (let i = 0; i < points.length; i++) {
    const p = points[i]!;
    timestamps[i] = p.timestamp;
    values[i] = p.value;
    steps[i] = p.step ?? null;
    if (p.step !== undefined) stepped = true;
  }
  return { ...descriptor, timestamps, ...(stepped ? { steps } : {}), values };
}
