// Page bytes given back and reused: the pool alone, then a whole read whose consumer keeps no record
// (LogQuery.ephemeral): every line arrives exactly while the buffers behind the pages are overwritten
// by later pages, and reads that keep records (the iterator, a tail) are never given pooled memory back.
import { describe, expect, it } from 'vitest';
import { LineColumns, LogReader, PageBuffers, type LogRecord, type PositionedLogSource, type Run } from '../src/index.js';

describe('PageBuffers', () => {
  it('hands a given-back buffer out again for a page of about its size, and no other', () => {
    const pool = new PageBuffers();
    const a = pool.take(1_000_000);
    expect(a.length).toBe(1_000_000);
    pool.give(a);
    // The same memory, seen at the new page's size.
    const b = pool.take(900_000);
    expect(b.length).toBe(900_000);
    expect(b.buffer).toBe(a.buffer);
    // Not free (b holds it), so a new one.
    expect(pool.take(900_000).buffer).not.toBe(a.buffer);
    pool.give(b);
    // A much smaller page does not take a big buffer (it would hold memory it does not need).
    expect(pool.take(10_000).buffer).not.toBe(a.buffer);
    // A bigger page does not fit it.
    expect(pool.take(1_100_000).buffer).not.toBe(a.buffer);
    expect(pool.take(1_000_000).buffer).toBe(a.buffer);
  });

  it('gives an empty page an empty buffer that is not the pool\'s', () => {
    const pool = new PageBuffers();
    const empty = pool.take(0);
    expect(empty.length).toBe(0);
    // No 64 KiB buffer behind it.
    expect(empty.buffer.byteLength).toBe(0);
    pool.give(empty);
    expect(pool.take(1_000).buffer.byteLength).toBe(64 * 1024);
  });

  it('ignores buffers it did not hand out, and buffers given back twice', () => {
    const pool = new PageBuffers();
    const foreign = Buffer.allocUnsafeSlow(1 << 20);
    pool.give(foreign);
    expect(pool.take(1 << 20).buffer).not.toBe(foreign.buffer);
    const mine = pool.take(1 << 20);
    pool.give(mine);
    pool.give(mine);
    const first = pool.take(1 << 20);
    const second = pool.take(1 << 20);
    expect(first.buffer).toBe(mine.buffer);
    expect(second.buffer).not.toBe(mine.buffer);
  });

  it('keeps at most maxFreeBytes of given-back buffers', () => {
    const pool = new PageBuffers(2 << 20);
    const taken = [pool.take(1 << 20), pool.take(1 << 20), pool.take(1 << 20)];
    for (const bytes of taken) pool.give(bytes);
    const again = [pool.take(1 << 20), pool.take(1 << 20), pool.take(1 << 20)].map((b) => b.buffer);
    expect(again.filter((buffer) => taken.some((t) => t.buffer === buffer))).toHaveLength(2);
  });
});

const STREAMS = 4;
const PAGES = 25;
const PER_PAGE = 200;
const run = { ref: 'fake:run', provider: 'fake', id: 'run', name: 'run', status: 'completed', providerStatus: 'Completed', nodes: [], hyperparameters: {}, raw: null } as Run;
const target = { run, handle: undefined };
const message = (s: number, i: number) => `stream ${s} line ${i} ${'x'.repeat(i % 50)}`;

/** A source of STREAMS streams, PAGES pages each, as LogLines whose bytes come from the pool when one is offered. */
function source() {
  const seen = { pages: 0, pooled: 0, buffers: new Set<ArrayBufferLike>() };
  const logs: PositionedLogSource<undefined> = {
    kind: 'positioned',
    listStreams: async () => Array.from({ length: STREAMS }, (_, s) => ({ id: `s${s}`, node: `node-${s}` })),
    async readStream(_target, stream, { position, pageBuffers }) {
      const s = Number(stream.id.slice(1));
      const at = (position as number | undefined) ?? 0;
      if (at >= PAGES) return { records: [], next: at, caughtUp: true };
      const texts = Array.from({ length: PER_PAGE }, (_, k) => message(s, at * PER_PAGE + k));
      const size = texts.reduce((sum, text) => sum + Buffer.byteLength(text), 0);
      const bytes = pageBuffers ? pageBuffers.take(size) : Buffer.allocUnsafe(size);
      const columns = new LineColumns();
      let offset = 0;
      texts.forEach((text, k) => {
        const end = offset + bytes.write(text, offset);
        // Interleaved streams, a line every 10 ms.
        columns.push(1_700_000_000_000 + (at * PER_PAGE + k) * 10 + s, offset, end);
        offset = end;
      });
      seen.pages++;
      if (pageBuffers) seen.pooled++;
      seen.buffers.add(bytes.buffer);
      await new Promise((resolve) => setImmediate(resolve));
      return { records: columns.lines(stream.node, bytes, stream.id), next: at + 1, caughtUp: false };
    },
  };
  return { logs, seen };
}

/**
 * What a consumer that prints each batch sees. It waits a few turns of the event loop first, as the
 * CLI waits on a full pipe, so that pages read ahead meanwhile would overwrite any buffer given back
 * too early.
 */
async function printed(reader: LogReader): Promise<string[]> {
  const lines: string[] = [];
  for await (const batch of reader.batches()) {
    for (let turn = 0; turn < 4; turn++) await new Promise((resolve) => setImmediate(resolve));
    for (const record of batch) lines.push(`${record.node} ${record.message}`);
  }
  return lines;
}

const expected = Array.from({ length: PAGES * PER_PAGE }, (_, i) => Array.from({ length: STREAMS }, (_, s) => `node-${s} ${message(s, i)}`)).flat();

describe('an ephemeral read (the consumer keeps no record past its batch)', () => {
  it('delivers every line exactly while later pages reuse the buffers of pages already printed', async () => {
    const { logs, seen } = source();
    const reader = new LogReader({ source: logs, target, describe: async () => target, readAheadBytes: 64 * 1024 }, { ephemeral: true });
    expect(await printed(reader)).toEqual(expected);
    expect(seen.pooled).toBe(seen.pages);
    // 100 pages went through far fewer buffers: those the merge and the read-ahead held at once.
    expect(seen.pages).toBe(STREAMS * PAGES);
    expect(seen.buffers.size).toBeLessThan(STREAMS * 4);
  });

  it('is not offered to reads that keep records: without ephemeral, through the iterator, and for a tail', async () => {
    const plain = source();
    expect(await printed(new LogReader({ source: plain.logs, target, describe: async () => target }, {}))).toEqual(expected);
    expect(plain.seen.pooled).toBe(0);

    const iterated = source();
    const kept: LogRecord[] = [];
    for await (const record of new LogReader({ source: iterated.logs, target, describe: async () => target }, { ephemeral: true })) kept.push(record);
    expect(kept.map((record) => `${record.node} ${record.message}`)).toEqual(expected);
    expect(iterated.seen.pooled).toBe(0);

    // The tail's ring keeps records from many pages: its bytes must stay as they were.
    const tail = source();
    const last = await printed(new LogReader({ source: tail.logs, target, describe: async () => target, readAheadBytes: 64 * 1024 }, { ephemeral: true, tail: 1_000 }));
    expect(last).toEqual(expected.slice(-1_000));
    expect(tail.seen.pooled).toBe(0);
  });
});
