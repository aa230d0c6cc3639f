// The read-ahead scheduler alone: which stream's next page is read first, and how many records may
// be read ahead. Pages are plain values here; the end-to-end test is in packages/sagemaker.
import { describe, expect, it } from 'vitest';
import type { JsonValue, LogPage } from '../src/index.js';
import { ReadAhead } from '../src/query/readahead.js';

/** A page of `count` records whose last timestamp is `last`. */
function page(count: number, last: number, next: string): LogPage {
  return { records: Array.from({ length: count }, (_, i) => ({ timestamp: last - count + 1 + i, node: 'n', message: `${i}` })), next, caughtUp: false };
}

describe('ReadAhead', () => {
  it('reads ahead first for the stream whose records run out first, while the budget allows', async () => {
    const reads: string[] = [];
    const ahead = new ReadAhead(25);
    const lanes = [30, 10, 20, 40].map((last, order) =>
      ahead.lane(order, async (position: JsonValue | undefined) => {
        reads.push(`${order}@${String(position)}`);
        return page(10, last + 100, `p${order}-2`);
      }),
    );
    // The merge gets a first page of 10 records from each stream.
    [30, 10, 20].forEach((last, order) => lanes[order]!.handed(page(10, last, `p${order}-1`), { position: `p${order}-1` }));
    // Until the last stream's first page is in, which runs dry first is unknown: nothing is read.
    expect(reads).toEqual([]);
    lanes[3]!.handed(page(10, 40, 'p3-1'), { position: 'p3-1' });
    // 10 + 10 records ahead fit in 25; a third page would not.
    expect(reads).toEqual(['1@p1-1', '2@p2-1']);
    // The merge takes stream 1's page (no new read for it); the room it frees goes to stream 0.
    const taken = await lanes[1]!.take('p1-1');
    expect(taken.records).toHaveLength(10);
    expect(reads).toEqual(['1@p1-1', '2@p2-1']);
    lanes[1]!.handed(taken, { position: 'p1-2' });
    expect(reads).toEqual(['1@p1-1', '2@p2-1', '0@p0-1']);
  });

  it('always lets one page be read ahead, however big, and none for a stream that ended', async () => {
    const reads: string[] = [];
    const ahead = new ReadAhead(25);
    const big = ahead.lane(0, async () => (reads.push('big'), page(1_000, 2_000, 'b-2')));
    const ended = ahead.lane(1, async () => (reads.push('ended'), page(1, 1, 'e')));
    ended.handed(page(1, 1, 'e'), undefined);
    big.handed(page(1_000, 1_000, 'b-1'), { position: 'b-1' });
    expect(reads).toEqual(['big']);
  });
});
