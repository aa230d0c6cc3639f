// The metrics route's `format=columns`: each series as parallel arrays, so a chart can hand them to
// its columnar data without building (and the browser without parsing) an object per point.
import type { MetricPoint, MetricSeries } from '@runlens/core';

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

/**
 * Work done on a series' points, remembered for as long as that very points array lives. Core's
 * metric cache hands out the same (read-only) array each time it reuses a series, so a compare page
 * viewed again costs neither the downsampling nor the JSON of its columns again; an array that is
 * not kept anywhere (no cache, a time window) is collected together with what was remembered of it.
 */
const downsampled = new WeakMap<readonly MetricPoint[], Map<number, MetricPoint[]>>();
const columnsText = new WeakMap<readonly MetricPoint[], string>();
/** Smaller series are cheap to redo: not remembered. */
const REMEMBER_FROM = 1_000;

export function downsampleRemembered(points: readonly MetricPoint[], target: number, downsample: (points: readonly MetricPoint[], target: number) => MetricPoint[]): readonly MetricPoint[] {
  if (points.length < REMEMBER_FROM) return downsample(points, target);
  let byTarget = downsampled.get(points);
  if (!byTarget) downsampled.set(points, (byTarget = new Map()));
  let result = byTarget.get(target);
  if (!result) {
    // A few chart widths per series at most; a client asking for every size is not served from here.
    if (byTarget.size >= 8) byTarget.clear();
    byTarget.set(target, (result = downsample(points, target)));
  }
  return result;
}

/**
 * A series as the JSON text of its `MetricColumns` (what JSON.stringify(toColumns(series)) gives), the
 * columns' text remembered per points array.
 */
export function columnsJson(series: MetricSeries): string {
  const { points, ...descriptor } = series;
  let text = points.length >= REMEMBER_FROM ? columnsText.get(points) : undefined;
  if (text === undefined) {
    const { timestamps, steps, values } = toColumns(series);
    text = `"timestamps":${JSON.stringify(timestamps)}${steps ? `,"steps":${JSON.stringify(steps)}` : ''},"values":${JSON.stringify(values)}`;
    if (points.length >= REMEMBER_FROM) columnsText.set(points, text);
  }
  const head = JSON.stringify(descriptor);
  return head === '{}' ? `{${text}}` : `${head.slice(0, -1)},${text}}`;
}
