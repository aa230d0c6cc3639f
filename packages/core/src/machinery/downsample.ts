import type { MetricPoint, SeriesColumns } from '../model/metric.js';
import { pickColumns } from './columns.js';

/**
 * Largest-Triangle-Three-Buckets over points in time order: keeps the first and last point and, per
 * bucket, the point forming the largest triangle with the previous pick and the next bucket's mean,
 * so peaks and dips survive. `threshold` >= 3; fewer points are returned as they are.
 */
export function lttb<T>(points: readonly T[], threshold: number, x: (p: T) => number, y: (p: T) => number): T[] {
  const n = points.length;
  if (threshold >= n || n <= 2) return [...points];
  if (threshold <= 1) return [points[0]!];
  if (threshold === 2) return [points[0]!, points[n - 1]!];
  const out: T[] = [points[0]!];
  const every = (n - 2) / (threshold - 2);
  let a = 0;
  for (let i = 0; i < threshold - 2; i++) {
    // The next bucket's mean is the triangle's third corner.
    const nextStart = Math.floor((i + 1) * every) + 1;
    const nextEnd = Math.min(Math.floor((i + 2) * every) + 1, n);
    let avgX = 0;
    let avgY = 0;
    for (let j = nextStart; j < nextEnd; j++) {
      avgX += x(points[j]!);
      avgY += y(points[j]!);
    }
    const count = nextEnd - nextStart;
    avgX /= count;
    avgY /= count;
    const start = Math.floor(i * every) + 1;
    const end = Math.floor((i + 1) * every) + 1;
    const ax = x(points[a]!);
    const ay = y(points[a]!);
    let best = -1;
    let pick = start;
    for (let j = start; j < end; j++) {
      const area = Math.abs((ax - avgX) * (y(points[j]!) - ay) - (ax - x(points[j]!)) * (avgY - ay));
      if (area > best) {
        best = area;
        pick = j;
      }
    }
    out.push(points[pick]!);
    a = pick;
  }
  out.push(points[n - 1]!);
  return out;
}

const numeric = (p: MetricPoint): p is MetricPoint & { value: number } => typeof p.value === 'number' && Number.isFinite(p.value);

/**
 * A metric series reduced to about `target` points with LTTB, gaps kept: the points are split into
 * segments at missing samples (null), each segment is downsampled on its own with a share of the
 * budget proportional to its length, and one null stays between segments so a chart still breaks
 * there. Text values pass through untouched. The result has at most `target` points unless the
 * series has more segments than that (every segment keeps at least its first point).
 */
export function downsamplePoints(points: readonly MetricPoint[], target: number): MetricPoint[] {
  if (!Number.isInteger(target) || target < 1) throw new RangeError(`points must be a whole number of at least 1, not ${target}`);
  if (points.length <= target || points.some((p) => typeof p.value === 'string')) return [...points];
  const parts: ({ gap: MetricPoint } | { values: MetricPoint[] })[] = [];
  for (const point of points) {
    const last = parts[parts.length - 1];
    if (!numeric(point)) {
      // A run of missing samples is one gap.
      if (!last || !('gap' in last)) parts.push({ gap: point });
    } else if (last && 'values' in last) last.values.push(point);
    else parts.push({ values: [point] });
  }
  const gaps = parts.filter((p) => 'gap' in p).length;
  const present = points.length - points.filter((p) => !numeric(p)).length;
  const budget = Math.max(target - gaps, 0);
  const out: MetricPoint[] = [];
  for (const part of parts) {
    if ('gap' in part) out.push(part.gap);
    else {
      const share = Math.max(1, Math.floor((budget * part.values.length) / present));
      out.push(...lttb(part.values, share, (p) => p.timestamp, (p) => p.value as number));
    }
  }
  return out;
}

/**
 * `lttb` over the points from..to-1 of parallel x/y arrays, pushing the kept indices to `out`: the
 * same picks, by the same arithmetic, as `lttb` over those points as objects.
 */
function lttbRange(xs: Float64Array, ys: Float64Array, from: number, to: number, threshold: number, out: number[]): void {
  const n = to - from;
  if (threshold >= n || n <= 2) {
    for (let i = from; i < to; i++) out.push(i);
    return;
  }
  if (threshold <= 1) {
    out.push(from);
    return;
  }
  if (threshold === 2) {
    out.push(from, to - 1);
    return;
  }
  out.push(from);
  const every = (n - 2) / (threshold - 2);
  let a = 0;
  for (let i = 0; i < threshold - 2; i++) {
    const nextStart = Math.floor((i + 1) * every) + 1;
    const nextEnd = Math.min(Math.floor((i + 2) * every) + 1, n);
    let avgX = 0;
    let avgY = 0;
    for (let j = nextStart; j < nextEnd; j++) {
      avgX += xs[from + j]!;
      avgY += ys[from + j]!;
    }
    const count = nextEnd - nextStart;
    avgX /= count;
    avgY /= count;
    const start = Math.floor(i * every) + 1;
    const end = Math.floor((i + 1) * every) + 1;
    const ax = xs[from + a]!;
    const ay = ys[from + a]!;
    let best = -1;
    let pick = start;
    for (let j = start; j < end; j++) {
      const area = Math.abs((ax - avgX) * (ys[from + j]! - ay) - (ax - xs[from + j]!) * (avgY - ay));
      if (area > best) {
        best = area;
        pick = j;
      }
    }
    out.push(from + pick);
    a = pick;
  }
  out.push(to - 1);
}

/**
 * `downsamplePoints` over columns, without a point object: the same points kept (a missing sample is
 * NaN in `values`, and, as there, any value that is not a finite number breaks the series).
 */
export function downsampleColumns(columns: SeriesColumns, target: number): SeriesColumns {
  if (!Number.isInteger(target) || target < 1) throw new RangeError(`points must be a whole number of at least 1, not ${target}`);
  const { timestamps, values } = columns;
  const n = timestamps.length;
  if (n <= target) return columns;
  // Segments of finite values [start, end), and the first index of each run of missing samples.
  const starts: number[] = [];
  const ends: number[] = [];
  const gapAt: number[] = [];
  let present = 0;
  for (let i = 0; i < n; ) {
    if (Number.isFinite(values[i]!)) {
      const start = i;
      while (i < n && Number.isFinite(values[i]!)) i++;
      starts.push(start);
      ends.push(i);
      present += i - start;
    } else {
      gapAt.push(i);
      while (i < n && !Number.isFinite(values[i]!)) i++;
    }
  }
  const budget = Math.max(target - gapAt.length, 0);
  const picked: number[] = [];
  // Segments and gaps alternate in index order.
  let g = 0;
  for (let k = 0; k < starts.length; k++) {
    while (g < gapAt.length && gapAt[g]! < starts[k]!) picked.push(gapAt[g++]!);
    const share = Math.max(1, Math.floor((budget * (ends[k]! - starts[k]!)) / present));
    lttbRange(timestamps, values, starts[k]!, ends[k]!, share, picked);
  }
  while (g < gapAt.length) picked.push(gapAt[g++]!);
  return pickColumns(columns, picked);
}
