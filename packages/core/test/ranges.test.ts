// Core's range read-ahead (machinery/ranges.ts): pages cut at line ends, read through it, give the
// bytes a direct ranged read gives, with the ranges after the one in hand in flight while a page is
// worked on; failures, jumps and the end of the object fall back to what the caller's fetch answers.
import { describe, expect, it } from 'vitest';
import { RangeReadAhead, type RangeBytes } from '../src/index.js';

/** An object served by ranges: every fetch is logged, and how many were in flight at most. */
function object(content: Buffer, options: { fail?: (from: number) => boolean } = {}) {
  const calls: { from: number; length: number }[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const fetch = async (from: number, length: number): Promise<RangeBytes | undefined> => {
    calls.push({ from, length });
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    // Answered on a later turn, as a socket would.
    await new Promise((resolve) => setImmediate(resolve));
    inFlight--;
    if (options.fail?.(from)) throw new Error(`fetch of ${from} failed`);
    const bytes = content.subarray(Math.min(from, content.length), Math.min(from + length, content.length));
    return { bytes, total: content.length, eof: from + bytes.length >= content.length };
  };
  return { fetch, calls, maxInFlight: () => maxInFlight };
}

/** A log of `lines` lines of varied lengths (some longer than the 16 KiB overlap). */
function log(lines: number, seed = 7, long = true): Buffer {
  let x = seed;
  const parts: string[] = [];
  for (let i = 0; i < lines; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    const length = long && x % 97 === 0 ? 20_000 + (x % 5_000) : 20 + (x % 180);
    parts.push(`${i} ${'x'.repeat(length)}\n`);
  }
  return Buffer.from(parts.join(''));
}

/** Reads the whole object as a ModelArts page reader does: a range from the position, cut after its last `\n` (or `maxLines` lines). */
async function readAll(ranges: RangeReadAhead, key: string, fetch: (from: number, length: number) => Promise<RangeBytes | undefined>, length: number, maxLines = Infinity): Promise<Buffer> {
  const pieces: Buffer[] = [];
  let at = 0;
  for (;;) {
    const read = await ranges.read(key, at, length, fetch);
    if (read === undefined) break;
    expect(read.bytes.length).toBeLessThanOrEqual(length);
    let cut = 0;
    let lines = 0;
    for (let nl = read.bytes.indexOf(10); nl !== -1 && lines < maxLines; nl = read.bytes.indexOf(10, nl + 1)) {
      cut = nl + 1;
      lines++;
    }
    if (read.eof && lines < maxLines) cut = read.bytes.length;
    pieces.push(Buffer.from(read.bytes.subarray(0, cut)));
    at += cut;
    if (read.eof && cut === read.bytes.length) break;
    if (cut === 0) throw new Error(`no line end in ${read.bytes.length} bytes at ${at}`);
  }
  return Buffer.concat(pieces);
}

describe('RangeReadAhead', () => {
  it('gives the bytes of direct reads, with two ranges in flight and requests within 2% of the direct count', async () => {
    const content = log(20_000);
    const length = 64 * 1024;
    const direct = object(content);
    const plain = await readAll(new RangeReadAhead(0), 'log', direct.fetch, length);
    expect(plain.equals(content)).toBe(true);
    expect(direct.maxInFlight()).toBe(1);

    const ahead = object(content);
    const read = await readAll(new RangeReadAhead(), 'log', ahead.fetch, length);
    expect(read.equals(content)).toBe(true);
    expect(ahead.maxInFlight()).toBe(2);
    // Nothing is asked for at or past the end the answers told.
    expect(ahead.calls.every((c) => c.from < content.length)).toBe(true);
    expect(ahead.calls.length).toBeLessThanOrEqual(Math.ceil(direct.calls.length * 1.02) + 2);
  });

  it('gives the same bytes when pages are cut by a line count (joined from two ranges)', async () => {
    const content = log(5_000, 11);
    const source = object(content);
    const read = await readAll(new RangeReadAhead(), 'log', source.fetch, 32 * 1024, 150);
    expect(read.equals(content)).toBe(true);
  });

  it('asks again through the caller when a range read ahead failed', async () => {
    const content = log(3_000, 7, false);
    const length = 16 * 1024;
    let failed = 0;
    // The first read of each of two ranges ahead fails; asked again as a page, it succeeds.
    const seen = new Set<number>();
    const source = object(content, {
      fail: (from) => {
        if (from === 0 || seen.has(from) || failed >= 2) return false;
        seen.add(from);
        failed++;
        return true;
      },
    });
    const read = await readAll(new RangeReadAhead(), 'log', source.fetch, length);
    expect(failed).toBe(2);
    expect(read.equals(content)).toBe(true);
  });

  it('reads a page from an earlier position afresh, and reads nothing ahead for a small object', async () => {
    const content = log(2_000);
    const source = object(content);
    const ranges = new RangeReadAhead();
    const first = await ranges.read('log', 0, 8192, source.fetch);
    await ranges.read('log', 8000, 8192, source.fetch);
    const again = await ranges.read('log', 100, 8192, source.fetch);
    expect(again!.bytes.equals(content.subarray(100, 100 + 8192))).toBe(true);
    expect(first!.bytes.equals(content.subarray(0, 8192))).toBe(true);
    const afresh = source.calls.findIndex((c) => c.from === 100);
    expect(afresh).toBeGreaterThan(0);
    expect(source.calls[afresh]!.length).toBe(8192);

    const small = object(Buffer.from('one\ntwo\n'));
    const whole = await ranges.read('small', 0, 8192, small.fetch);
    expect(whole).toMatchObject({ eof: true });
    expect(small.calls).toHaveLength(1);
  });

  it('holds ranges ahead for at most maxObjects objects', async () => {
    const ranges = new RangeReadAhead(2, 2);
    for (const key of ['a', 'b', 'c']) await ranges.read(key, 0, 1024, object(log(500)).fetch);
    expect(ranges.size).toBe(2);
  });
});
