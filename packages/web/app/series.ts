// Metric series as chart columns, and lines with different x values aligned on one x column, in
// time linear in the points (a k-way merge of already sorted columns: no Set, Map or sort per point).
import type { MetricSeries } from './api.js';

/** One line of a chart: x ascending, y null where the series has a gap. */
export interface Line {
  label: string;
  xs: number[];
  ys: (number | null)[];
}

export type XKind = 'time' | 'step' | 'seconds';

/** Every point has a step. */
export const hasSteps = (s: MetricSeries) => s.timestamps.length > 0 && s.steps !== undefined && !s.steps.includes(null);

/** A numeric series with at least one number. */
export const numeric = (s: MetricSeries) => s.valueType !== 'string' && s.values.some((v) => typeof v === 'number');

/**
 * A series' numeric points as chart columns: x is the step, seconds since `origin` (epoch ms) or
 * epoch seconds; strings are left out, nulls (and NaN) stay gaps. x must ascend: a point whose x is
 * not after the previous one's is dropped (equal x keeps the first value).
 */
export function columns(s: MetricSeries, x: XKind, origin = 0): { xs: number[]; ys: (number | null)[] } {
  const { timestamps, steps, values } = s;
  const xs: number[] = [];
  const ys: (number | null)[] = [];
  let last = -Infinity;
  for (let i = 0; i < timestamps.length; i++) {
    const v = values[i];
    if (typeof v === 'string') continue;
    const at = x === 'step' ? steps?.[i] : x === 'seconds' ? (timestamps[i]! - origin) / 1000 : timestamps[i]! / 1000;
    if (at === null || at === undefined || !(at > last)) continue;
    last = at;
    xs.push(at);
    ys.push(v === null || v === undefined || !Number.isFinite(v) ? null : v);
  }
  return { xs, ys };
}

function same(a: readonly number[], b: readonly number[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The x values of two ascending columns, each once, ascending. */
function mergeUnique(a: ArrayLike<number>, b: ArrayLike<number>): Float64Array {
  const out = new Float64Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (x < y) {
      out[n++] = x;
      i++;
    } else if (y < x) {
      out[n++] = y;
      j++;
    } else {
      out[n++] = x;
      i++;
      j++;
    }
  }
  while (i < a.length) out[n++] = a[i++]!;
  while (j < b.length) out[n++] = b[j++]!;
  return out.subarray(0, n);
}

/**
 * uPlot's aligned data: one x column holding every line's x values once, and per line a y column
 * with `undefined` where that line has no point (drawn across) and its own nulls (gaps, not drawn
 * across). Lines sharing their x column (runs logged at the same steps) are aligned as they are;
 * otherwise the columns are merged pairwise, then each line is laid into the merged x column.
 */
export function align(lines: readonly Pick<Line, 'xs' | 'ys'>[]): [number[], ...(number | null | undefined)[][]] {
  if (lines.length === 0) return [[]];
  const first = lines[0]!.xs;
  if (lines.every((l) => same(l.xs, first))) return [first, ...lines.map((l) => l.ys)];
  let merged: ArrayLike<number> = first;
  for (let j = 1; j < lines.length; j++) merged = mergeUnique(merged, lines[j]!.xs);
  const n = merged.length;
  const xs = new Array<number>(n);
  for (let i = 0; i < n; i++) xs[i] = merged[i]!;
  const columns = lines.map(({ xs: lx, ys: ly }) => {
    const ys = new Array<number | null | undefined>(n).fill(undefined);
    let at = 0;
    for (let i = 0; i < lx.length; i++) {
      const x = lx[i]!;
      while (merged[at]! < x) at++;
      ys[at] = ly[i];
    }
    return ys;
  });
  return [xs, ...columns];
}

/**
 * A line with the points inside [from, to] replaced by `detail` (the same series read again, at full
 * resolution or nearer to it, for that window): the overview stays around a zoomed-in window.
 */
export function splice(coarse: Pick<Line, 'xs' | 'ys'>, detail: Pick<Line, 'xs' | 'ys'>, from: number, to: number): { xs: number[]; ys: (number | null)[] } {
  if (detail.xs.length === 0) return coarse;
  const lo = Math.min(from, detail.xs[0]!);
  const hi = Math.max(to, detail.xs[detail.xs.length - 1]!);
  const xs: number[] = [];
  const ys: (number | null)[] = [];
  let i = 0;
  for (; i < coarse.xs.length && coarse.xs[i]! < lo; i++) {
    xs.push(coarse.xs[i]!);
    ys.push(coarse.ys[i]!);
  }
  for (let j = 0; j < detail.xs.length; j++) {
    xs.push(detail.xs[j]!);
    ys.push(detail.ys[j]!);
  }
  for (; i < coarse.xs.length; i++) {
    if (coarse.xs[i]! <= hi) continue;
    xs.push(coarse.xs[i]!);
    ys.push(coarse.ys[i]!);
  }
  return { xs, ys };
}

/**
 * The time window (epoch ms, until exclusive) that holds a series' points with x in [from, to]:
 * read again with it, the series gets its full resolution there. By step, the window runs from the
 * last point at or before `from` to the first at or after `to` (steps ascend with time).
 */
export function timeWindow(s: MetricSeries, x: XKind, from: number, to: number, origin = 0): { since: number; until: number } | undefined {
  const t = s.timestamps;
  if (t.length === 0) return undefined;
  if (x !== 'step') {
    const scale = x === 'seconds' ? (v: number) => origin + v * 1000 : (v: number) => v * 1000;
    return { since: Math.floor(scale(from)), until: Math.ceil(scale(to)) + 1 };
  }
  const steps = s.steps;
  if (!steps) return undefined;
  let since = t[0]!;
  let until = t[t.length - 1]! + 1;
  for (let i = 0; i < t.length; i++) {
    const step = steps[i];
    if (step === null || step === undefined) continue;
    if (step <= from) since = t[i]!;
    if (step >= to) {
      until = t[i]! + 1;
      break;
    }
  }
  return { since, until };
}
