import { describe, expect, it } from 'vitest';
import { downsamplePoints, lttb, type MetricPoint } from '../src/index.js';

const series = (values: (number | null)[]): MetricPoint[] => values.map((value, i) => ({ timestamp: 1_000 * i, step: i, value }));

describe('lttb', () => {
  it('returns short inputs as they are and keeps both ends', () => {
    expect(lttb([1, 2, 3], 5, (v) => v, (v) => v)).toEqual([1, 2, 3]);
    const xs = Array.from({ length: 1_000 }, (_, i) => i);
    const out = lttb(xs, 50, (v) => v, (v) => Math.sin(v / 30));
    expect(out).toHaveLength(50);
    expect(out[0]).toBe(0);
    expect(out[49]).toBe(999);
    // Strictly increasing: each bucket gives one point, in order.
    expect(out.every((v, i) => i === 0 || v > out[i - 1]!)).toBe(true);
  });

  it('keeps a single spike that averaging or striding would lose', () => {
    const values = Array.from({ length: 10_000 }, (_, i) => (i === 4_321 ? 100 : 1));
    const out = downsamplePoints(series(values), 100);
    expect(out.length).toBeLessThanOrEqual(100);
    expect(out.some((p) => p.value === 100 && p.step === 4_321)).toBe(true);
  });
});

describe('downsamplePoints', () => {
  it('keeps gaps as one null between segments and downsamples each segment', () => {
    const values: (number | null)[] = [...Array.from({ length: 500 }, (_, i) => i), null, null, null, ...Array.from({ length: 500 }, (_, i) => 500 - i)];
    const out = downsamplePoints(series(values), 50);
    const nulls = out.filter((p) => p.value === null);
    expect(nulls).toHaveLength(1);
    expect(out.length).toBeLessThanOrEqual(50);
    const gap = out.indexOf(nulls[0]!);
    // The segments stay on their side of the gap, with their ends.
    expect(out.slice(0, gap).every((p) => p.step! < 500)).toBe(true);
    expect(out.slice(gap + 1).every((p) => p.step! > 502)).toBe(true);
    expect(out[0]!.step).toBe(0);
    expect(out[gap - 1]!.step).toBe(499);
    expect(out[gap + 1]!.step).toBe(503);
    expect(out[out.length - 1]!.step).toBe(1_002);
  });

  it('leaves text series and short series alone, and refuses a bad target', () => {
    const text = Array.from({ length: 100 }, (_, i) => ({ timestamp: i, value: `v${i}` }));
    expect(downsamplePoints(text, 10)).toEqual(text);
    const short = series([1, null, 3]);
    expect(downsamplePoints(short, 3)).toEqual(short);
    expect(() => downsamplePoints(short, 0)).toThrow(RangeError);
  });
});
