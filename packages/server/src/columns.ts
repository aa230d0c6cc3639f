// The metrics route's `format=columns`: each series as parallel arrays, so a chart can hand them to
// its columnar data without building (and the browser without parsing) an object per point.
import { columnarSeries, downsampleColumns, downsamplePoints, seriesDescriptor, seriesLength, type MetricPoint, type MetricSeries, type SeriesColumns } from '@runlens/core';

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

/** JSON's view of a column: a number that is not finite (a missing sample: NaN) is null. */
function columnJson(column: Float64Array): string {
  const out = new Array<number | null>(column.length);
  for (let i = 0; i < column.length; i++) {
    const v = column[i]!;
    out[i] = Number.isFinite(v) ? v : null;
  }
  return JSON.stringify(out);
}

/** The `timestamps`/`steps`/`values` members of a series' `MetricColumns` text. */
function columnsText(series: MetricSeries): string {
  const columns = series.columns;
  if (columns) return `"timestamps":${columnJson(columns.timestamps)}${columns.steps ? `,"steps":${columnJson(columns.steps)}` : ''},"values":${columnJson(columns.values)}`;
  const { timestamps, steps, values } = toColumns(series);
  return `"timestamps":${JSON.stringify(timestamps)}${steps ? `,"steps":${JSON.stringify(steps)}` : ''},"values":${JSON.stringify(values)}`;
}

/**
 * Work done on a series, remembered for as long as its body (its columns, or its points array) lives.
 * Core's metric cache hands out the same (read-only) body each time it reuses a series, so a compare
 * page viewed again costs neither the downsampling nor the JSON of its columns again; a body that is
 * not kept anywhere (no cache, a time window) is collected together with what was remembered of it.
 */
const downsampled = new WeakMap<object, Map<number, SeriesColumns | readonly MetricPoint[]>>();
const columnsTexts = new WeakMap<object, string>();
/** Smaller series are cheap to redo: not remembered. */
const REMEMBER_FROM = 1_000;

const bodyOf = (series: MetricSeries): SeriesColumns | readonly MetricPoint[] => series.columns ?? series.points;

/** The series downsampled to about `target` points (columns stay columns: no point object is built). */
export function downsampleRemembered(series: MetricSeries, target: number): MetricSeries {
  const body = bodyOf(series);
  const compute = () => (series.columns ? downsampleColumns(series.columns, target) : downsamplePoints(series.points, target));
  let result: SeriesColumns | readonly MetricPoint[] | undefined;
  if (seriesLength(series) < REMEMBER_FROM) result = compute();
  else {
    let byTarget = downsampled.get(body);
    if (!byTarget) downsampled.set(body, (byTarget = new Map()));
    result = byTarget.get(target);
    if (!result) {
      // A few chart widths per series at most; a client asking for every size is not served from here.
      if (byTarget.size >= 8) byTarget.clear();
      byTarget.set(target, (result = compute()));
    }
  }
  if (result === body) return series;
  return 'timestamps' in result ? columnarSeries(series, result) : { ...series, points: result };
}

/**
 * A series as the JSON text of its `MetricColumns` (what JSON.stringify(toColumns(series)) gives), the
 * columns' text remembered per body.
 */
export function columnsJson(series: MetricSeries): string {
  const remember = seriesLength(series) >= REMEMBER_FROM;
  const body = bodyOf(series);
  let text = remember ? columnsTexts.get(body) : undefined;
  if (text === undefined) {
    text = columnsText(series);
    if (remember) columnsTexts.set(body, text);
  }
  const head = JSON.stringify(seriesDescriptor(series));
  return head === '{}' ? `{${text}}` : `${head.slice(0, -1)},${text}}`;
}

