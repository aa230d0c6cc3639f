// The metrics route's columns text: exactly JSON.stringify(toColumns(series)), whether the series
// carries points or columns, and remembered per body (core's metric cache hands out the same points
// array, or the same columns, for a series it reuses).
import { columnarSeries, downsamplePoints, pointsColumns, type MetricPoint, type MetricSeries } from '@runlens/core';
import { describe, expect, it } from 'vitest';
import { columnsJson, downsampleRemembered, toColumns } from '../src/columns.js';

const many = (n: number, step = true): MetricPoint[] => Array.from({ length: n }, (_, i) => ({ timestamp: 1.7e12 + i * 1000, ...(step ? { step: i } : {}), value: i % 97 === 0 ? null : Math.sin(i) / 3 }));

describe('columnsJson', () => {
  it.each<[string, MetricSeries]>([
    ['a small stepped series', { name: 'loss', kind: 'training', providerName: 'loss', points: many(5) }],
    ['a stepless system series with node, unit and note', { name: 'cpu.utilization', node: 'algo-1', kind: 'system', unit: 'percent', providerName: 'CPUUtilization', note: 'summed', points: many(3, false) }],
    ['text values', { name: 'tag', kind: 'training', providerName: 'tag', valueType: 'string', points: [{ timestamp: 1, step: 0, value: 'a "quoted" line' }] }],
    ['no points', { name: 'empty', kind: 'training', providerName: 'empty', points: [] }],
    ['a large series (remembered)', { name: 'loss', kind: 'training', providerName: 'loss', points: many(5000) }],
  ])('is JSON.stringify(toColumns(series)) for %s', (_what, series) => {
    expect(columnsJson(series)).toBe(JSON.stringify(toColumns(series)));
    // Again (from memory for the large one), with another descriptor around the same points.
    const renamed = { ...series, name: 'other' };
    expect(columnsJson(renamed)).toBe(JSON.stringify(toColumns(renamed)));
    // The same series read as columns gives the same text, without its points being built.
    const columns = pointsColumns(series.points);
    if (columns) {
      const columnar = columnarSeries(series, columns);
      expect(columnsJson(columnar)).toBe(JSON.stringify(toColumns(series)));
      expect(columnsJson(columnarSeries(renamed, columns))).toBe(JSON.stringify(toColumns(renamed)));
    }
  });

  it('writes a missing value or step in columns as null, never NaN', () => {
    const columnar = columnarSeries({ name: 'x', kind: 'training', providerName: 'x' }, { timestamps: Float64Array.of(1, 2, 3), steps: Float64Array.of(NaN, 1, 2), values: Float64Array.of(0.5, NaN, -0) });
    expect(columnsJson(columnar)).toBe('{"name":"x","kind":"training","providerName":"x","timestamps":[1,2,3],"steps":[null,1,2],"values":[0.5,null,0]}');
    expect(columnsJson(columnar)).toBe(JSON.stringify(toColumns({ name: 'x', kind: 'training', providerName: 'x', points: [{ timestamp: 1, value: 0.5 }, { timestamp: 2, step: 1, value: null }, { timestamp: 3, step: 2, value: -0 }] })));
  });

  it('remembers by the points array itself, not by what it holds', () => {
    const points = many(2000);
    const series: MetricSeries = { name: 'loss', kind: 'training', providerName: 'loss', points };
    const first = columnsJson(series);
    // Arrays handed out by the cache are never changed; changing one here shows the text was kept.
    (points as { value: unknown }[])[0]!.value = 42;
    expect(columnsJson(series)).toBe(first);
    expect(columnsJson({ ...series, points: [...points] })).not.toBe(first);
  });
});

describe('downsampleRemembered', () => {
  const descriptor = { name: 'loss', kind: 'training', providerName: 'loss' } as const;

  it('gives what downsamplePoints gives, once per points array and target', () => {
    const points = many(20_000);
    const series: MetricSeries = { ...descriptor, points };
    const a = downsampleRemembered(series, 500);
    expect(a).toEqual({ ...descriptor, points: downsamplePoints(points, 500) });
    // Remembered: the very same array again; another array is worked on again (an equal answer).
    expect(downsampleRemembered(series, 500).points).toBe(a.points);
    expect(downsampleRemembered(series, 400).points).toEqual(downsamplePoints(points, 400));
    const other = downsampleRemembered({ ...descriptor, points: [...points] }, 500);
    expect(other.points).not.toBe(a.points);
    expect(other).toEqual(a);
  });

  it('downsamples columns as columns, to the points downsamplePoints keeps', () => {
    const points = many(20_000);
    const columns = pointsColumns(points)!;
    const series = columnarSeries(descriptor, columns);
    const a = downsampleRemembered(series, 500);
    expect(a.columns).toBeDefined();
    expect(a.points).toEqual(downsamplePoints(points, 500));
    expect(downsampleRemembered(series, 500).columns).toBe(a.columns);
    expect(JSON.parse(columnsJson(a))).toEqual(toColumns({ ...descriptor, points: downsamplePoints(points, 500) }));
    // Short series are what they were.
    const short = columnarSeries(descriptor, pointsColumns(many(10))!);
    expect(downsampleRemembered(short, 500)).toBe(short);
  });
});
