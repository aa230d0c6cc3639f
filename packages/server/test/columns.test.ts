// The metrics route's columns text: exactly JSON.stringify(toColumns(series)), and remembered per
// points array (core's metric cache hands out the same array for a series it reuses).
import { downsamplePoints, type MetricPoint, type MetricSeries } from '@runlens/core';
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
  it('gives what downsamplePoints gives, computed once per array and target', () => {
    const points = many(20_000);
    let calls = 0;
    const counted = (p: readonly MetricPoint[], n: number) => (calls++, downsamplePoints(p, n));
    const a = downsampleRemembered(points, 500, counted);
    expect(a).toEqual(downsamplePoints(points, 500));
    expect(downsampleRemembered(points, 500, counted)).toBe(a);
    expect(downsampleRemembered(points, 400, counted)).toEqual(downsamplePoints(points, 400));
    expect(calls).toBe(2);
    expect(downsampleRemembered([...points], 500, counted)).toEqual(a);
    expect(calls).toBe(3);
  });
});
