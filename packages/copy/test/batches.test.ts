// Batches stay within MLflow's log-batch limits: counts per kind, entities, and the request's bytes.
import { describe, expect, it } from 'vitest';
import { batchBody, BatchPacker, MLFLOW_BATCH_LIMITS, type Batch } from '../src/batches.js';

const RUN = '0123456789abcdef0123456789abcdef';

function pack(entries: { kind: 'metrics' | 'params' | 'tags'; entry: unknown }[]): Batch[] {
  const packer = new BatchPacker(RUN);
  const out: Batch[] = [];
  for (const { kind, entry } of entries) {
    const full = packer.add(kind as 'params', entry as never);
    if (full) out.push(full);
  }
  const rest = packer.flush();
  if (rest) out.push(rest);
  return out;
}

const metric = (key: string, i: number) => ({ kind: 'metrics' as const, entry: { wire: { key, value: i / 7, timestamp: 1_764_000_000_000 + i, step: i } } });

describe('log-batch packing', () => {
  it('fills metric batches to 1000 and no further: the request floor', () => {
    const batches = pack(Array.from({ length: 2500 }, (_, i) => metric('loss', i)));
    expect(batches.map((b) => b.metrics.length)).toEqual([1000, 1000, 500]);
  });

  it('keeps every request within 1,000,000 bytes with long multi-byte keys, counting them exactly', () => {
    // 249 letters of 4 UTF-8 bytes each (a valid MLflow key): 1000 such metrics pass a megabyte.
    const key = '\u{1D400}'.repeat(249);
    const batches = pack(Array.from({ length: 3000 }, (_, i) => metric(key, i)));
    for (const b of batches) {
      const body = batchBody(RUN, b as never);
      expect(Buffer.byteLength(body)).toBe(b.bytes);
      expect(b.bytes).toBeLessThanOrEqual(MLFLOW_BATCH_LIMITS.bytes);
      expect(b.metrics.length).toBeLessThanOrEqual(1000);
    }
    expect(batches.length).toBeGreaterThan(3);
    expect(batches.reduce((n, b) => n + b.metrics.length, 0)).toBe(3000);
  });

  it('puts at most 100 params and 100 tags in a request, and long values by bytes', () => {
    const params = Array.from({ length: 250 }, (_, i) => ({ kind: 'params' as const, entry: { key: `p${i}`, value: String(i) } }));
    expect(pack(params).map((b) => b.params.length)).toEqual([100, 100, 50]);
    const tags = Array.from({ length: 120 }, (_, i) => ({ kind: 'tags' as const, entry: { key: `t${i}`, value: '€'.repeat(5000) } }));
    const batches = pack(tags);
    for (const b of batches) {
      expect(Buffer.byteLength(batchBody(RUN, b as never))).toBe(b.bytes);
      expect(b.bytes).toBeLessThanOrEqual(1_000_000);
    }
    // 15,000 bytes a tag: 66 fit in a megabyte.
    expect(batches.map((b) => b.tags.length)).toEqual([66, 54]);
  });

  it('counts metrics, params and tags together against the 1000-entity limit', () => {
    const mixed = [...Array.from({ length: 100 }, (_, i) => ({ kind: 'params' as const, entry: { key: `p${i}`, value: 'v' } })), ...Array.from({ length: 1000 }, (_, i) => metric('m', i))];
    const batches = pack(mixed);
    for (const b of batches) expect(b.metrics.length + b.params.length + b.tags.length).toBeLessThanOrEqual(1000);
  });
});

describe('metric values on the wire', () => {
  it('sends NaN and infinities as proto3 JSON strings, never as null', async () => {
    const { jsonDouble } = await import('../src/copy.js');
    expect([1.5, null, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0].map(jsonDouble)).toEqual([1.5, 'NaN', 'NaN', 'Infinity', '-Infinity', 0]);
    expect(JSON.stringify({ value: jsonDouble(Number.POSITIVE_INFINITY) })).toBe('{"value":"Infinity"}');
  });
});

describe('metric entries from a series', () => {
  it('reads a columnar series from its columns, building no point objects, with what its points would send', async () => {
    const { numericPoints } = await import('../src/copy.js');
    const { columnarSeries, pointsColumns } = await import('@runlens/core');
    const descriptor = { name: 'loss', kind: 'training' as const, providerName: 'loss' };
    const points = [
      { timestamp: 1_764_000_000_000, step: 0, value: 0.5 },
      { timestamp: 1_764_000_001_000, value: null },
      { timestamp: 1_764_000_002_000, step: 2, value: Number.POSITIVE_INFINITY },
    ];
    const columns = pointsColumns(points)!;
    // A series whose points may not be built: reading them fails the test.
    const columnar = { ...descriptor, get points(): never { throw new Error('points were built from the columns') }, columns };
    const fromColumns = numericPoints(columnar);
    const fromPoints = numericPoints({ ...descriptor, points });
    expect(fromColumns.length).toBe(3);
    expect(fromColumns.hasSteps).toBe(true);
    const wire = (p: ReturnType<typeof numericPoints>) => Array.from({ length: p.length }, (_, i) => p.wire('loss', i));
    expect(wire(fromColumns)).toEqual(wire(fromPoints));
    expect(wire(fromColumns)[1]).toEqual({ key: 'loss', value: 'NaN', timestamp: 1_764_000_001_000, step: 0 });
    // Columns without steps: every point at step 0, and the series says it had none.
    const unstepped = numericPoints(columnarSeries(descriptor, { timestamps: columns.timestamps, values: columns.values }));
    expect(unstepped.hasSteps).toBe(false);
    expect(unstepped.wire('loss', 2)).toEqual({ key: 'loss', value: 'Infinity', timestamp: 1_764_000_002_000, step: 0 });
  });
});
