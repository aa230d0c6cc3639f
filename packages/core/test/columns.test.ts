// Columnar series: the same answers as points (JSON, equality, keys, steps, nulls), downsampling over
// columns picking exactly the points downsampling over points picks, and windows over columns.
import { describe, expect, it } from 'vitest';
import { columnarSeries, columnPoints, downsampleColumns, downsamplePoints, filterColumns, pointsColumns, seriesDescriptor, seriesLength, type MetricPoint, type MetricSeries } from '../src/index.js';

const descriptor = { name: 'loss', node: 'algo-1', kind: 'training', unit: 'nats', providerName: 'train:loss' } as const;

/** A deterministic pseudo-random series with runs of gaps, non-finite values, with or without steps. */
function series(n: number, seed: number, stepped: boolean): MetricPoint[] {
  let x = seed;
  const next = () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648);
  let gap = 0;
  return Array.from({ length: n }, (_, i) => {
    if (gap === 0 && next() < 0.01) gap = 1 + Math.floor(next() * 20);
    const value = gap > 0 ? (gap--, next() < 0.1 ? Infinity : null) : next() < 0.001 ? -0 : Math.sin(i / 37) * 10 + next();
    const timestamp = 1.7e12 + i * 1000 + Math.floor(next() * 500);
    return stepped || (!stepped && i % 3 === 0 && seed % 2 === 0) ? { timestamp, step: i, value } : { timestamp, value };
  });
}

describe('columnar series', () => {
  const points = series(1000, 7, true);
  const columns = pointsColumns(points)!;
  const columnar = columnarSeries(descriptor, columns);
  const plain: MetricSeries = { ...descriptor, points };

  it('reads as the points series it stands for', () => {
    expect(columnar.points).toEqual(points);
    expect(JSON.stringify(columnar)).toBe(JSON.stringify(plain));
    expect(Object.keys(columnar)).toEqual(Object.keys(plain));
    expect(columnar).toEqual(plain);
    expect({ ...columnar }).toEqual(plain);
    columnar.points.forEach((p, i) => {
      expect(Object.keys(p)).toEqual(Object.keys(points[i]!));
      expect(Object.is(p.value, points[i]!.value)).toBe(true);
    });
    expect(seriesLength(columnar)).toBe(1000);
  });

  it('builds its points once, and only when read', () => {
    const fresh = pointsColumns(points)!;
    const s = columnarSeries(descriptor, fresh);
    expect(s.columns).toBe(fresh);
    expect(s.points).toBe(s.points);
    // Another series over the same columns (what the metric cache hands out) shares them.
    expect(columnarSeries({ ...descriptor, name: 'other' }, fresh).points).toBe(s.points);
  });

  it("gives a series' descriptor fields in order, without its body and without building points", () => {
    const unread = { ...descriptor, get points(): never { throw new Error('points were built') }, columns };
    expect(Object.keys(seriesDescriptor(unread))).toEqual(Object.keys(descriptor));
    expect(seriesDescriptor(unread)).toEqual(descriptor);
    expect(seriesDescriptor(plain)).toEqual(descriptor);
    expect(JSON.stringify(seriesDescriptor(columnar))).toBe(JSON.stringify(descriptor));
  });

  it('keeps text series as points, and steps only when a point has one', () => {
    expect(pointsColumns([{ timestamp: 1, value: 1 }, { timestamp: 2, value: 'text' }])).toBeUndefined();
    expect(pointsColumns([{ timestamp: 1, value: 1 }])!.steps).toBeUndefined();
    const mixed: MetricPoint[] = [{ timestamp: 1, value: null }, { timestamp: 2, step: 0, value: 2 }];
    expect(columnPoints(pointsColumns(mixed)!)).toEqual(mixed);
  });

  it('filters by time as points do', () => {
    const keep = (t: number) => t >= 1.7e12 + 200_000 && t < 1.7e12 + 700_000;
    expect(columnPoints(filterColumns(columns, keep))).toEqual(points.filter((p) => keep(p.timestamp)));
    expect(filterColumns(columns, () => true)).toBe(columns);
    expect(columnPoints(filterColumns(columns, () => false))).toEqual([]);
  });
});

describe('downsampleColumns', () => {
  it.each([
    [5000, 1, true],
    [5000, 2, false],
    [5000, 3, false],
    [20_000, 4, true],
    [300, 5, true],
  ])('keeps the points downsamplePoints keeps (%i points, seed %i, steps %s)', (n, seed, stepped) => {
    const points = series(n, seed, stepped);
    const columns = pointsColumns(points)!;
    for (const target of [1, 2, 3, 4, 7, 50, 299, 300, 301, 1216, 4999, 6000]) {
      const expected = downsamplePoints(points, target);
      const got = columnPoints(downsampleColumns(columns, target));
      expect(got).toEqual(expected);
      got.forEach((p, i) => expect(Object.is(p.value, expected[i]!.value)).toBe(true));
    }
  });

  it('keeps gaps at both ends, a series of gaps only, and refuses a bad target', () => {
    const points: MetricPoint[] = [...Array.from({ length: 5 }, (_, i) => ({ timestamp: i, value: null })), ...Array.from({ length: 100 }, (_, i) => ({ timestamp: 5 + i, step: i, value: Math.cos(i) })), { timestamp: 200, value: null }];
    for (const target of [1, 3, 10, 50]) expect(columnPoints(downsampleColumns(pointsColumns(points)!, target))).toEqual(downsamplePoints(points, target));
    const gaps = Array.from({ length: 50 }, (_, i) => ({ timestamp: i, value: null }));
    expect(columnPoints(downsampleColumns(pointsColumns(gaps)!, 10))).toEqual(downsamplePoints(gaps, 10));
    expect(() => downsampleColumns(pointsColumns(gaps)!, 0)).toThrow(RangeError);
    const columns = pointsColumns(gaps)!;
    expect(downsampleColumns(columns, 50)).toBe(columns);
  });
});
