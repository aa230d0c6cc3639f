// Columnar metric series (see SeriesColumns): a 100,000-point series as three Float64Arrays instead
// of 100,000 objects. Readers that can (the local archive reader) produce them; the server's
// downsampling and `format=columns` read them directly; everything else reads `points`, built from
// the columns once per columns object, on first use.
import type { MetricDescriptor, MetricPoint, MetricSeries, SeriesColumns } from '../model/metric.js';

/** Points built from columns, kept for as long as the columns live (a cached series builds them once). */
const built = new WeakMap<SeriesColumns, readonly MetricPoint[]>();

/** The points of columns, in the shape readers give them: `{ timestamp, step?, value }`. */
export function columnPoints(columns: SeriesColumns): readonly MetricPoint[] {
  let points = built.get(columns);
  if (!points) {
    const { timestamps, steps, values } = columns;
    const out = new Array<MetricPoint>(timestamps.length);
    for (let i = 0; i < out.length; i++) {
      const v = values[i]!;
      const value = Number.isNaN(v) ? null : v;
      const step = steps?.[i];
      out[i] = step === undefined || Number.isNaN(step) ? { timestamp: timestamps[i]!, value } : { timestamp: timestamps[i]!, step, value };
    }
    built.set(columns, (points = Object.freeze(out)));
  }
  return points;
}

/**
 * A series carrying `columns`: its descriptor's fields and `points` are enumerable (JSON, spreads and
 * tests see what a points series shows), `points` being built on first read; `columns` is not.
 */
export function columnarSeries(descriptor: MetricDescriptor, columns: SeriesColumns): MetricSeries {
  // The descriptor's own fields, in its order, without the body a series passed as one carries.
  const series = seriesDescriptor(descriptor) as unknown as Record<string, unknown>;
  Object.defineProperty(series, 'points', { enumerable: true, configurable: false, get: () => columnPoints(columns) });
  Object.defineProperty(series, 'columns', { enumerable: false, value: columns });
  return series as unknown as MetricSeries;
}

/**
 * A series' own descriptor fields, in their order, without its body: never reads `points`, so a
 * columnar series builds no point objects (a copy of a 100,000-point series held them all at once).
 */
export function seriesDescriptor(series: MetricDescriptor | MetricSeries): MetricDescriptor {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(series)) if (key !== 'points' && key !== 'columns') out[key] = (series as unknown as Record<string, unknown>)[key];
  return out as unknown as MetricDescriptor;
}

/** The series' columns when it has them (no point objects built). */
export function seriesColumns(series: MetricSeries): SeriesColumns | undefined {
  return series.columns;
}

/** How many points a series has, without building its points. */
export function seriesLength(series: MetricSeries): number {
  return series.columns ? series.columns.timestamps.length : series.points.length;
}

/** The columns of the points i with `keep(timestamp)`, or the same columns when all are kept. */
export function filterColumns(columns: SeriesColumns, keep: (timestamp: number) => boolean): SeriesColumns {
  const { timestamps } = columns;
  const picked: number[] = [];
  for (let i = 0; i < timestamps.length; i++) if (keep(timestamps[i]!)) picked.push(i);
  return pickColumns(columns, picked);
}

/** The columns of the given increasing indices, or the same columns when that is all of them. */
export function pickColumns(columns: SeriesColumns, picked: readonly number[]): SeriesColumns {
  const { timestamps, steps, values } = columns;
  if (picked.length === timestamps.length) return columns;
  const t = new Float64Array(picked.length);
  const v = new Float64Array(picked.length);
  const s = steps ? new Float64Array(picked.length) : undefined;
  let stepped = false;
  for (let k = 0; k < picked.length; k++) {
    const i = picked[k]!;
    t[k] = timestamps[i]!;
    v[k] = values[i]!;
    if (s) {
      s[k] = steps![i]!;
      if (!Number.isNaN(s[k])) stepped = true;
    }
  }
  return { timestamps: t, ...(s && stepped ? { steps: s } : {}), values: v };
}

/** Points as columns, or undefined when a value is text (such a series is carried as points). */
export function pointsColumns(points: readonly MetricPoint[]): SeriesColumns | undefined {
  const n = points.length;
  const timestamps = new Float64Array(n);
  const steps = new Float64Array(n);
  const values = new Float64Array(n);
  let stepped = false;
  for (let i = 0; i < n; i++) {
    const { timestamp, step, value } = points[i]!;
    if (typeof value === 'string') return undefined;
    timestamps[i] = timestamp;
    steps[i] = step ?? NaN;
    if (step !== undefined) stepped = true;
    values[i] = value ?? NaN;
  }
  return { timestamps, ...(stepped ? { steps } : {}), values };
}

/** A column twice as long with `array`'s values first: for columns filled without knowing their length. */
export function doubled<A extends Float64Array | Uint32Array>(array: A): A {
  const longer = new (array.constructor as new (length: number) => A)(Math.max(1, array.length * 2));
  longer.set(array);
  return longer;
}
