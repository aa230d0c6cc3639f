import { describe, expect, it } from 'vitest';
import { logRecordJson, logRecordJsonLine, type LogRecord } from '../src/index.js';

describe('logRecordJsonLine', () => {
  it('is JSON.stringify(logRecordJson(record)) plus a newline, for awkward records too', () => {
    const records: LogRecord[] = [
      { timestamp: 1_764_000_000_123, node: 'algo-1', message: 'plain' },
      { timestamp: 1.5, node: 'n "quoted" \\ node', message: 'tab\there, newline\n, \u0000 nul, \u2028 separator, emoji 🚀, lone \ud800', stream: 'algo-1/stderr' },
      { timestamp: Number.NaN, node: '', message: '' },
      { timestamp: Number.POSITIVE_INFINITY, node: 'x', message: '{"json":true}', stream: '' },
    ];
    const line = logRecordJsonLine();
    for (const record of [...records, ...records]) expect(line(record)).toBe(`${JSON.stringify(logRecordJson(record))}\n`);
  });
  it('keeps its name cache bounded and right when a read has very many nodes', () => {
    const line = logRecordJsonLine();
    for (let i = 0; i < 3_000; i++) {
      const record = { timestamp: i, node: `node-${i % 1_500}`, message: String(i), stream: `s-${i}` };
      expect(line(record)).toBe(`${JSON.stringify(logRecordJson(record))}\n`);
    }
  });
});
