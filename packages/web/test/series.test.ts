// Chart columns from the API's columnar series, and lines aligned on one x column: checked against
// a plain (quadratic) reference on random lines, and on the cases that matter for drawing.
import { describe, expect, it } from 'vitest';
import type { MetricSeries } from '../app/api.js';
import { align, columns, hasSteps, splice, timeWindow } from '../app/series.js';

const series = (timestamps: number[], values: (number | string | null)[], steps?: (number | null)[]): MetricSeries => ({ name: 'loss', kind: 'training', providerName: 'loss', timestamps, values, ...(steps ? { steps } : {}) });

/** What uPlot needs, the slow way: every x once, ascending; a line's y where it has that x, else undefined. */
function reference(lines: { xs: number[]; ys: (number | null)[] }[]) {
  const xs = [...new Set(lines.flatMap((l) => l.xs))].sort((a, b) => a - b);
  return [xs, ...lines.map((l) => xs.map((x) => (l.xs.includes(x) ? l.ys[l.xs.indexOf(x)] : undefined)))];
}

describe('align', () => {
  it('matches the reference on random lines with shared, disjoint and interleaved x values and gaps', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let round = 0; round < 50; round++) {
      const lines = Array.from({ length: 1 + Math.floor(random() * 4) }, () => {
        const xs = [...new Set(Array.from({ length: Math.floor(random() * 30) }, () => Math.floor(random() * 40)))].sort((a, b) => a - b);
        return { xs, ys: xs.map(() => (random() < 0.2 ? null : random())) };
      });
      expect(align(lines)).toEqual(reference(lines));
    }
  });

  it('keeps the columns of lines that share their x values, and a gap as null, not undefined', () => {
    const xs = [1, 2, 3];
    const a = { xs, ys: [1, null, 3] };
    const b = { xs: [1, 2, 3], ys: [4, 5, 6] };
    const data = align([a, b]);
    expect(data[0]).toBe(xs);
    expect(data[1]).toBe(a.ys);
    expect(data[1]![1]).toBeNull();
    expect(align([a, { xs: [2.5], ys: [9] }])).toEqual([[1, 2, 2.5, 3], [1, null, undefined, 3], [undefined, undefined, 9, undefined]]);
  });

  it('aligns 4 lines of 100,000 points each, half of them on other x values', () => {
    const n = 100_000;
    const lines = [0, 1, 2, 3].map((k) => {
      const xs = Array.from({ length: n }, (_, i) => (k % 2 === 0 ? i : i + 0.5));
      return { xs, ys: xs.map((x) => Math.sin(x)) };
    });
    const data = align(lines);
    expect(data[0]).toHaveLength(2 * n);
    expect(data[1]!.filter((y) => y !== undefined)).toHaveLength(n);
    expect(data[2]![1]).toBe(lines[1]!.ys[0]);
  });
});

describe('columns', () => {
  it('takes x by step, by seconds since an origin, or as epoch seconds; strings left out, NaN and null are gaps', () => {
    const s = series([1000, 2000, 3000, 4000, 5000], [1, null, 'oops', Number.NaN, 5], [10, 20, 30, 40, 50]);
    expect(columns(s, 'step')).toEqual({ xs: [10, 20, 40, 50], ys: [1, null, null, 5] });
    expect(columns(s, 'seconds', 1000)).toEqual({ xs: [0, 1, 3, 4], ys: [1, null, null, 5] });
    expect(columns(s, 'time')).toEqual({ xs: [1, 2, 4, 5], ys: [1, null, null, 5] });
  });

  it('drops points whose x does not ascend (equal x keeps the first) and points without a step', () => {
    const s = series([1, 2, 3, 4], [1, 2, 3, 4], [5, 5, null, 6]);
    expect(columns(s, 'step')).toEqual({ xs: [5, 6], ys: [1, 4] });
    expect(hasSteps(s)).toBe(false);
    expect(hasSteps(series([1], [1], [1]))).toBe(true);
    expect(hasSteps(series([1], [1]))).toBe(false);
  });
});

describe('zoomed windows', () => {
  it('splices a window read again into the overview, replacing the overview points inside it', () => {
    const coarse = { xs: [0, 10, 20, 30, 40], ys: [0, 1, 2, 3, 4] };
    const detail = { xs: [12, 14, 16, 18, 21], ys: [9, 9, 9, 9, 9] };
    expect(splice(coarse, detail, 12, 20)).toEqual({ xs: [0, 10, 12, 14, 16, 18, 21, 30, 40], ys: [0, 1, 9, 9, 9, 9, 9, 3, 4] });
    expect(splice(coarse, { xs: [], ys: [] }, 12, 20)).toBe(coarse);
  });

  it('turns an x range into the time window that holds it: by seconds directly, by step through the points around it', () => {
    const s = series([1000, 2000, 3000, 4000, 5000], [1, 2, 3, 4, 5], [0, 10, 20, 30, 40]);
    expect(timeWindow(s, 'seconds', 1.5, 2.5, 1000)).toEqual({ since: 2500, until: 3501 });
    expect(timeWindow(s, 'time', 2, 3)).toEqual({ since: 2000, until: 3001 });
    // Steps 15..25 lie between the points at steps 10 and 30.
    expect(timeWindow(s, 'step', 15, 25)).toEqual({ since: 2000, until: 4001 });
    expect(timeWindow(s, 'step', -5, 100)).toEqual({ since: 1000, until: 5001 });
    expect(timeWindow(series([], []), 'step', 0, 1)).toBeUndefined();
  });
});
