// Reading a metric file: the common point shape fast, everything else through the schema, with the
// same answers either way (only timestamp, step and value kept; a bad point names its file and line).
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { columnPoints, createRunlens, type MetricPoint } from '@runlens/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localProvider } from '../src/index.js';
import { readSeries, readSeriesPoints } from '../src/points.js';

const EXAMPLE = fileURLToPath(new URL('../../../examples/runs/sagemaker-xgboost-completed', import.meta.url));
let root: string;
const runlens = createRunlens({ providers: [localProvider], env: {} });

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'runlens-metrics-read-'));
});
afterAll(async () => {
  await runlens.close();
  await rm(root, { recursive: true, force: true });
});

async function archiveWith(name: string, points: unknown[]): Promise<string> {
  const dir = path.join(root, name);
  await cp(EXAMPLE, dir, { recursive: true });
  const file = path.join(dir, 'metrics', 'train_logloss.jsonl');
  const header = (await readFile(file, 'utf8')).split('\n')[0];
  await writeFile(file, [header, ...points.map((p) => JSON.stringify(p))].join('\n') + '\n');
  return `local:${dir}`;
}

describe('local metric points', () => {
  it('keeps timestamp, step and value, in that order, whatever else a point holds', async () => {
    const ref = await archiveWith('extra', [
      { value: 0.5, timestamp: 1000, step: 1, note: 'dropped' },
      { timestamp: 2000, value: null },
      { timestamp: 3000, step: 3, value: 'text' },
    ]);
    const { series } = await runlens.metrics(ref, { metrics: ['train:logloss'] });
    expect(series[0]!.points).toEqual([
      { timestamp: 1000, step: 1, value: 0.5 },
      { timestamp: 2000, value: null },
      { timestamp: 3000, step: 3, value: 'text' },
    ]);
    expect(Object.keys(series[0]!.points[0]!)).toEqual(['timestamp', 'step', 'value']);
  });

  it.each([
    ['a fractional step', { timestamp: 1000, step: 1.5, value: 1 }],
    ['a missing value', { timestamp: 1000, step: 1 }],
    ['an object value', { timestamp: 1000, value: { x: 1 } }],
    ['a text timestamp', { timestamp: '1000', value: 1 }],
    ['an array', [1000, 1]],
  ])('refuses %s, naming the file and line', async (_what, bad) => {
    const ref = await archiveWith(`bad-${_what.replace(/\W+/g, '-')}`, [{ timestamp: 0, value: 1 }, bad]);
    await expect(runlens.metrics(ref, { metrics: ['train:logloss'] })).rejects.toMatchObject({ code: 'InvalidInput', message: expect.stringMatching(/train_logloss\.jsonl.*line 3|line 3.*train_logloss\.jsonl/) });
  });
});

describe('the fast point decoder', () => {
  // What the slow path makes of a line: JSON.parse, keeping timestamp, step and value.
  const reference = (text: string): MetricPoint => {
    const { timestamp, step, value } = JSON.parse(text) as MetricPoint;
    return step === undefined ? { timestamp, value } : { timestamp, step, value };
  };
  const lines = [
    '{"timestamp":1795269989000,"step":0,"value":1}',
    '{"timestamp":1795269989001,"step":7,"value":0.7449}',
    '{"timestamp":1795269989002,"value":null}',
    '{"timestamp":-5,"step":-3,"value":-0}',
    '{"timestamp":0,"step":0,"value":0.1}',
    '{"timestamp":1.5e3,"step":2,"value":1E-7}',
    '{"timestamp":12345678901234567,"step":1,"value":123456789012345678901234}',
    '{"timestamp":1,"step":1,"value":1.7976931348623157e308}',
    '{"timestamp":1,"step":1,"value":5e-324}',
    '{"timestamp":1,"step":1,"value":2.2250738585072011e-308}',
    '{"timestamp":1,"step":1,"value":0.30000000000000004}',
    '{"timestamp":1,"step":1,"value":-1.25e+2}',
    '{"timestamp":1,"step":1e2,"value":1}',
    '{"timestamp":1,"step":1.0,"value":1}',
    '{"timestamp":1,"step":123456789012345,"value":1}',
    '{"timestamp":1,"step":9007199254740991,"value":1}',
    '{"timestamp":1,"step":1,"value":"text"}',
    '{ "timestamp": 2, "step": 1, "value": 3 }',
    '{"value":3,"timestamp":2}',
    '{"timestamp":2,"step":1,"value":3,"extra":true}',
    '{"timestamp":2,"step":1,"value":3}\r',
    ...Array.from({ length: 200 }, (_, i) => JSON.stringify({ timestamp: 1.7e12 + i * 997, step: i, value: Math.sin(i) * 10 ** ((i % 40) - 20) })),
  ];

  it.each([7, 64, 4 * 1024 * 1024])('reads every line as JSON.parse does (%i-byte chunks)', async (chunk) => {
    const file = path.join(root, `decoder-${chunk}.jsonl`);
    // A blank line, a line of Unicode spaces and an unterminated last line, as the slow path reads them.
    await writeFile(file, ['\u00a0', '{"series":{"name":"x","kind":"training","providerName":"x"}}', ...lines.slice(0, 5), '', '  \t', '\u2028', ...lines.slice(5)].join('\n'));
    const slowLines: number[] = [];
    const points = await readSeriesPoints(file, (text, line) => (slowLines.push(line), reference(text)), chunk);
    const expected = lines.map(reference);
    expect(points).toEqual(expected);
    // toEqual treats -0 as 0 only through Object.is: check the sign and the exact bits.
    points.forEach((p, i) => {
      expect(Object.is(p.value, expected[i]!.value)).toBe(true);
      expect(Object.keys(p)).toEqual(Object.keys(expected[i]!));
    });
    // The lines it declined (a step not written as an integer of at most 15 digits, a string value,
    // spaces, another key order, another key, a CR) went to the slow path with their own line numbers:
    // lines[k] is line k + 3 before the blank lines and k + 6 after them.
    expect(slowLines).toEqual([12, 13, 15, 16, 17, 18, 19, 20].map((k) => k + 6));
  });
});

describe('columns and points', () => {
  const reference = (text: string): MetricPoint => {
    const { timestamp, step, value } = JSON.parse(text) as MetricPoint;
    return step === undefined ? { timestamp, value } : { timestamp, step, value };
  };
  const header = '{"series":{"name":"x","kind":"training","providerName":"x"}}';
  const numeric = [
    '{"timestamp":1,"step":0,"value":1}',
    '{"timestamp":2,"value":null}',
    '{"timestamp":3,"step":2,"value":-0}',
    '{"value":0.25,"timestamp":4}',
    '{"timestamp":5,"step":4,"value":1e400}',
    '{ "timestamp": 6, "step": 5, "value": null }',
    ...Array.from({ length: 5000 }, (_, i) => JSON.stringify({ timestamp: 1.7e12 + i, ...(i % 3 ? { step: i } : {}), value: i % 11 === 0 ? null : Math.sin(i) })),
  ];

  it.each([
    ['numbers and nulls', 'columns', numeric],
    ['a text value part way', 'points', [...numeric.slice(0, 100), '{"timestamp":9,"step":9,"value":"text"}', ...numeric.slice(100)]],
    ['a text value first', 'points', ['{"timestamp":0,"value":"start"}', ...numeric]],
  ])('read with %s, give what JSON.parse gives (as %s)', async (what, form, lines) => {
    const file = path.join(root, `forms-${what.replace(/\W+/g, '-')}.jsonl`);
    await writeFile(file, [header, ...lines].join('\n') + '\n');
    const read = await readSeries(file, (text) => reference(text), 4096);
    expect(read.columns ? 'columns' : 'points').toBe(form);
    const points = read.columns ? columnPoints(read.columns) : read.points!;
    const expected = lines.map(reference);
    expect(points).toEqual(expected);
    points.forEach((p, i) => {
      expect(Object.is(p.value, expected[i]!.value)).toBe(true);
      expect(Object.keys(p)).toEqual(Object.keys(expected[i]!));
    });
    if (read.columns) expect(read.columns.steps).toBeDefined();
  });

  it('gives the same series through the query API either way, columns not in its JSON', async () => {
    const values = [{ timestamp: 1000, step: 1, value: 0.5 }, { timestamp: 2000, value: null }, { timestamp: 3000, step: 3, value: 1e300 }];
    const numbers = await archiveWith('forms-numbers', values);
    const texts = await archiveWith('forms-texts', [...values, { timestamp: 4000, step: 4, value: 'text' }]);
    const a = (await runlens.metrics(numbers, { metrics: ['train:logloss'] })).series[0]!;
    const b = (await runlens.metrics(texts, { metrics: ['train:logloss'] })).series[0]!;
    expect(a.columns).toBeDefined();
    expect(b.columns).toBeUndefined();
    expect(a.points).toEqual(values);
    expect(b.points.slice(0, 3)).toEqual(a.points);
    expect(JSON.stringify({ ...a, points: b.points.slice(0, 3) })).toBe(JSON.stringify(a));
    expect(Object.keys(a)).toEqual(Object.keys(b));
  });
});

describe('series kept by a long-lived runlens (metricCache)', () => {
  const query = { metrics: ['train:logloss'] };
  const setStatus = async (ref: string, status: string) => {
    const file = path.join(ref.slice('local:'.length), 'run.json');
    await writeFile(file, JSON.stringify({ ...JSON.parse(await readFile(file, 'utf8')), status }));
  };

  it('reuses a series of an ended run until its file changes', async () => {
    const cached = createRunlens({ providers: [localProvider], env: {}, metricCache: { maxPoints: 1000 } });
    try {
      const ref = await archiveWith('cache-ended', [{ timestamp: 1000, step: 1, value: 0.5 }, { timestamp: 2000, step: 2, value: 0.4 }]);
      const first = (await cached.metrics(ref, query)).series[0]!;
      const again = (await cached.metrics(ref, query)).series[0]!;
      // The very same points: nothing was read again.
      expect(again.points).toBe(first.points);
      // A window is applied to what was kept.
      expect((await cached.metrics(ref, { ...query, since: 1500 })).series[0]!.points).toEqual([{ timestamp: 2000, step: 2, value: 0.4 }]);
      // Appended to: read again.
      const file = path.join(ref.slice('local:'.length), 'metrics', 'train_logloss.jsonl');
      await writeFile(file, `${await readFile(file, 'utf8')}${JSON.stringify({ timestamp: 3000, step: 3, value: 0.3 })}\n`);
      const grown = (await cached.metrics(ref, query)).series[0]!;
      expect(grown.points.map((p) => p.step)).toEqual([1, 2, 3]);
      // Another instance without the option reads every time.
      const plain = (await runlens.metrics(ref, query)).series[0]!;
      expect((await runlens.metrics(ref, query)).series[0]!.points).not.toBe(plain.points);
    } finally {
      await cached.close();
    }
  });

  it('keeps nothing of a running run, nor a series larger than the cache', async () => {
    const cached = createRunlens({ providers: [localProvider], env: {}, metricCache: { maxPoints: 2 } });
    try {
      const big = await archiveWith('cache-big', [{ timestamp: 1, value: 1 }, { timestamp: 2, value: 2 }, { timestamp: 3, value: 3 }]);
      expect((await cached.metrics(big, query)).series[0]!.points).not.toBe((await cached.metrics(big, query)).series[0]!.points);
      const running = await archiveWith('cache-running', [{ timestamp: 1, value: 1 }]);
      await setStatus(running, 'running');
      expect((await cached.metrics(running, query)).series[0]!.points).not.toBe((await cached.metrics(running, query)).series[0]!.points);
      await setStatus(running, 'completed');
      const kept = (await cached.metrics(running, query)).series[0]!.points;
      expect((await cached.metrics(running, query)).series[0]!.points).toBe(kept);
    } finally {
      await cached.close();
    }
  });
});
