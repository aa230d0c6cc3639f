import { describe, expect, it } from 'vitest';
import { syntheticLine, syntheticLog, SYNTHETIC_LINE_WIDTH } from '../src/testing/index.js';

/** The fast generator (template + digits written in place) must equal the reference text byte for byte. */
describe('syntheticLog', () => {
  const reference = (options: { task: string; startMs: number }, offset: number, length: number) => {
    const first = Math.floor(offset / SYNTHETIC_LINE_WIDTH);
    const last = Math.floor((offset + length - 1) / SYNTHETIC_LINE_WIDTH);
    const text = Array.from({ length: last - first + 1 }, (_, i) => syntheticLine(options, first + i)).join('');
    return Buffer.from(text, 'ascii').subarray(offset - first * SYNTHETIC_LINE_WIDTH, offset - first * SYNTHETIC_LINE_WIDTH + length);
  };

  it.each([
    { task: 'worker-0', startMs: Date.UTC(2023, 2, 2, 1, 0, 0) - 30_000 },
    { task: 'worker-12', startMs: Date.UTC(2020, 11, 31, 15, 59, 58, 999) },
    { task: 'w', startMs: 1_000_000_123 },
    { task: 'a-task-name-long-enough-that-the-line-is-cut-at-119-characters-by-the-reference', startMs: 0 },
  ])('$task', (options) => {
    const log = syntheticLog({ size: 120 * 10_000_000, ...options });
    for (const [offset, length] of [[0, 120], [7, 1000], [345_599 * 120 + 3, 65_536], [999_999 * 120, 240], [120 * 9_999_990, 1200], [5, 1]]) {
      expect(Buffer.from(log.generate(offset!, length!)).equals(reference(options, offset!, length!)), `${offset}+${length}`).toBe(true);
    }
  });
});
