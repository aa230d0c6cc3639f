// Core's read-ahead: which stream's next page is read first, how much may be read ahead (bytes), and,
// on a fake clock, that a whole merged read keeps the request pipeline full under a shared request
// budget of 25/s (CloudWatch's GetLogEvents quota) while memory stays within the byte budget and no
// line is lost or repeated. The sources are fakes built on core's contract (a positioned log source, v2) whose
// calls go through core's own requester and RequestBudget; the end-to-end test against the CloudWatch
// emulator is packages/sagemaker/test/read-ahead.test.ts.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createRequestContext, LogLines, LogReader, Utf8LogRecord, RequestBudget, RunlensError, type JsonValue, type LogPageV2 as LogPage, type LogRecord, type PositionedLogSource, type Run } from '../src/index.js';
import { pageBytes, ReadAhead } from '../src/query/readahead.js';

/** A page of `count` records whose last timestamp is `last`, each message `size` characters. */
function page(count: number, last: number, next: JsonValue, size = 4): LogPage {
  return { records: Array.from({ length: count }, (_, i) => ({ timestamp: last - count + 1 + i, node: 'n', message: 'm'.repeat(size) })), next, caughtUp: false };
}

/** Bytes of a page of `count` records of `size` characters. */
const bytesOf = (count: number, size = 4) => pageBytes(page(count, 0, null, size).records);

describe('pageBytes', () => {
  it('measures records that keep their bytes by those bytes, without decoding them', () => {
    const bytes = Buffer.from('ééé\nabc\n');
    // Decoding would read the page through toString; this page refuses, so the test fails if it does.
    Object.defineProperty(bytes, 'toString', { value: () => { throw new Error('decoded'); } });
    const records = [new Utf8LogRecord(1, 'n', bytes, 0, 6), new Utf8LogRecord(2, 'n', bytes, 7, 10)];
    expect(pageBytes(records)).toBe(pageBytes([]) + 2 * bytesOf(1, 0) + 6 + 3);
  });

  it('measures LogLines by the bytes their messages span and 16 bytes a line, without making records', () => {
    const bytes = Buffer.from('xxééé\nabc\n');
    const lines = new LogLines('n', bytes, Float64Array.of(1, 2), Uint32Array.of(2, 9), Uint32Array.of(8, 12));
    Object.defineProperty(lines, 'record', { value: () => { throw new Error('made a record'); } });
    expect(pageBytes(lines)).toBe(12 - 2 + 2 * 16);
    expect(pageBytes(lines.slice(1))).toBe(3 + 16);
    expect(pageBytes(lines.slice(2))).toBe(0);
  });
});

describe('ReadAhead (the scheduler alone)', () => {
  it('reads ahead first for the stream whose records run out first, while the byte budget allows', async () => {
    const reads: string[] = [];
    // Room for two pages of 10 records, not three.
    const ahead = new ReadAhead(bytesOf(10) * 2.5);
    // Stream `order`'s page k ends at `last + 100 k` and continues at `p<order>-<k + 1>`.
    const lanes = [30, 10, 20, 40].map((last, order) => {
      let k = 0;
      return ahead.lane(order, async (position: JsonValue | undefined) => {
        reads.push(`${order}@${String(position)}`);
        k++;
        return page(10, last + 100 * (k - 1), `p${order}-${k}`);
      });
    });
    // The merge gets a first page of 10 records from each stream.
    const first = await Promise.all(lanes.map((lane) => lane.take(undefined)));
    expect(reads).toEqual(['0@undefined', '1@undefined', '2@undefined', '3@undefined']);
    reads.length = 0;
    [0, 1, 2].forEach((i) => lanes[i]!.handed());
    // Until the last stream's first page is handed over, which runs dry first is unknown: nothing is read.
    expect(reads).toEqual([]);
    lanes[3]!.handed();
    // Streams 1 (last timestamp 10) and 2 (20) run dry first; a third page would not fit.
    expect(reads).toEqual(['1@p1-1', '2@p2-1']);
    expect(first).toHaveLength(4);
    // The merge takes stream 1's page: the room it frees goes to stream 0 (30), not to stream 1's next page (110).
    const taken = await lanes[1]!.take('p1-1');
    expect(taken.records.at(-1)!.timestamp).toBe(110);
    lanes[1]!.handed();
    expect(reads).toEqual(['1@p1-1', '2@p2-1', '0@p0-1']);
  });

  it('reads one stream several pages ahead when the budget has room, and stops at its end', async () => {
    const reads: JsonValue[] = [];
    const ahead = new ReadAhead(bytesOf(10) * 3);
    // One stream of 5 pages, then the same position back with nothing new (its end).
    const lane = ahead.lane(0, async (position) => {
      const at = (position as number | undefined) ?? 0;
      reads.push(at);
      return at < 5 ? page(10, (at + 1) * 10, at + 1) : { records: [], next: at, caughtUp: false };
    });
    await lane.take(undefined);
    lane.handed();
    // Pages 1, 2 and 3 are read while the merge holds page 0, each as soon as the one before it is in.
    await vi.waitFor(() => expect(reads).toEqual([0, 1, 2, 3]));
    expect(ahead.heldBytes).toBe(bytesOf(10) * 3);
    for (let at = 1; at <= 5; at++) {
      await lane.take(at);
      lane.handed();
    }
    await vi.waitFor(() => expect(reads).toEqual([0, 1, 2, 3, 4, 5]));
    expect(ahead.heldBytes).toBe(0);
  });

  it('always lets one page be read ahead, however big, and none for a stream that ended', async () => {
    const reads: string[] = [];
    const ahead = new ReadAhead(1);
    const big = ahead.lane(0, async (position) => (reads.push(`big@${String(position)}`), page(1_000, 2_000, 'b-2')));
    const ended = ahead.lane(1, async (position) => (reads.push(`ended@${String(position)}`), { records: [], next: 'e', caughtUp: true }));
    await big.take(undefined);
    await ended.take(undefined);
    reads.length = 0;
    ended.handed();
    big.handed();
    expect(reads).toEqual(['big@b-2']);
  });

  it('drops what was read ahead when the reader asks for another position', async () => {
    const reads: JsonValue[] = [];
    const ahead = new ReadAhead(bytesOf(10) * 4);
    const lane = ahead.lane(0, async (position) => {
      const at = (position as number | undefined) ?? 0;
      reads.push(at);
      return page(10, (at + 1) * 10, at + 1);
    });
    await lane.take(undefined);
    lane.handed();
    await vi.waitFor(() => expect(reads).toHaveLength(5));
    const moved = await lane.take(7);
    expect(moved.records.at(-1)!.timestamp).toBe(80);
    expect(ahead.heldBytes).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------------
// A whole merged read on a fake clock.

interface World {
  /** Fake-clock times at which requests got a token and were sent. */
  readonly sent: number[];
  /** Records handed out by the source and not yet delivered to the caller, at their most. */
  peakHeldRecords: number;
  readonly elapsedMs: number;
  readonly records: readonly LogRecord[];
}

interface Scenario {
  readonly streams: number;
  readonly pages: number;
  readonly perPage: number;
  /** Characters per message. */
  readonly size: number;
  /** Time from a token to the answer, beside the server's own queue. */
  readonly latencyMs: number;
  /** The server answers one request at a time, taking this long for each. */
  readonly serveMs: number;
  /** The caller's work per record delivered (formatting and writing a line). */
  readonly workUsPerRecord: number;
  /** How much later each stream starts than the one before it. */
  readonly offsetMs: number;
  readonly readAheadBytes: number;
  /** The read's own budget (LogQuery.readAheadBytes), over the instance's. */
  readonly queryReadAheadBytes?: number;
  /** Pages as LogLines (columns over bytes, as the SageMaker and ModelArts adapters give) rather than arrays. */
  readonly columns?: boolean;
}

/** `records` as LogLines over one buffer of their messages. */
function asLines(records: readonly LogRecord[], node: string): LogLines {
  const bytes = Buffer.from(records.map((r) => r.message).join(''));
  const starts = new Uint32Array(records.length);
  const ends = new Uint32Array(records.length);
  for (let i = 0, at = 0; i < records.length; i++) {
    starts[i] = at;
    at += Buffer.byteLength(records[i]!.message);
    ends[i] = at;
  }
  return new LogLines(node, bytes, Float64Array.from(records, (r) => r.timestamp), starts, ends);
}

const RATE = 25;

/** Record `i` of stream `s`: streams start `offsetMs` apart and write every 10 ms. */
const stamp = (s: number, i: number, offsetMs: number) => 1_700_000_000_000 + s * offsetMs + i * 10;

async function readWhole(scenario: Scenario): Promise<World> {
  const { streams, pages, perPage, size, latencyMs, serveMs, workUsPerRecord, offsetMs, readAheadBytes, queryReadAheadBytes, columns } = scenario;
  const start = Date.now();
  const budget = new RequestBudget(() => Date.now());
  const requester = createRequestContext({ provider: 'fake', budget, debug: () => undefined }).requester({
    mapError: (error) => new RunlensError('ProviderError', String(error)),
  });
  const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
  let serverFree = 0;
  let returned = 0;
  let delivered = 0;
  const world: World = { sent: [], peakHeldRecords: 0, elapsedMs: 0, records: [] };
  const run: Run = { ref: 'fake:run', provider: 'fake', id: 'run', name: 'run', status: 'completed', providerStatus: 'Completed', nodes: [], hyperparameters: {}, raw: null };
  const source: PositionedLogSource<undefined> = {
    kind: 'positioned',
    async listStreams() {
      return Array.from({ length: streams }, (_, s) => ({ id: `s${s}`, node: `algo-${s + 1}` }));
    },
    async readStream(_run, stream, { position, signal }) {
      const s = Number(stream.id.slice(1));
      const at = (position as number | undefined) ?? 0;
      return requester.call({ operation: 'GetLogEvents', budget: { key: 'fake:GetLogEvents', ratePerSecond: RATE, burst: RATE }, signal }, async () => {
        world.sent.push(Date.now() - start);
        // One request at a time at the server, then the way back.
        const now = Date.now();
        serverFree = Math.max(serverFree, now) + serveMs;
        await sleep(serverFree - now + latencyMs);
        // Past the last page: the same position back with nothing new (CloudWatch's end of stream).
        if (at >= pages) return { records: [], next: at, caughtUp: false };
        const records = Array.from({ length: perPage }, (_, k) => ({ timestamp: stamp(s, at * perPage + k, offsetMs), node: stream.node, message: `${s}:${at * perPage + k}:`.padEnd(size, 'x') }));
        returned += records.length;
        world.peakHeldRecords = Math.max(world.peakHeldRecords, returned - delivered);
        return { records: columns ? asLines(records, stream.node) : records, next: at + 1, caughtUp: false };
      });
    },
  };
  const target = { run, handle: undefined };
  const reader = new LogReader({ source, target, describe: async () => target, readAheadBytes }, queryReadAheadBytes !== undefined ? { readAheadBytes: queryReadAheadBytes } : {});
  const records: LogRecord[] = [];
  let finished = false;
  const consumed = (async () => {
    for await (const batch of reader.batches()) {
      delivered += batch.length;
      for (const record of batch) records.push(record);
      await sleep((batch.length * workUsPerRecord) / 1_000);
    }
    finished = true;
  })();
  while (!finished) {
    if (vi.getTimerCount() === 0) await Promise.race([consumed, new Promise((resolve) => setImmediate(resolve))]);
    await vi.advanceTimersToNextTimerAsync();
  }
  await consumed;
  return { ...world, elapsedMs: Date.now() - start, records };
}

/** The least time `calls` requests can take under a bucket of RATE per second with a burst of RATE. */
const quotaFloorMs = (calls: number) => (Math.max(0, calls - RATE) / RATE) * 1000;

/** Every record of every stream once, in merge order (time, then stream, then the stream's own order). */
function expectExact(records: readonly LogRecord[], { streams, pages, perPage, offsetMs }: Scenario): void {
  const lines = pages * perPage;
  const expected = Array.from({ length: streams * lines }, (_, k) => ({ s: k % streams, i: Math.floor(k / streams) }))
    .sort((a, b) => stamp(a.s, a.i, offsetMs) - stamp(b.s, b.i, offsetMs) || a.s - b.s || a.i - b.i)
    .map(({ s, i }) => `${s}:${i}:`);
  expect(records.length).toBe(expected.length);
  const wrong = records.findIndex((record, k) => !record.message.startsWith(expected[k]!));
  expect(wrong, 'first record lost, repeated or out of place').toBe(-1);
}

describe('read-ahead pipeline on a fake clock (16 streams, 25 requests/s)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  // 16 streams of 12 pages of 500 records: 208 requests (one more per stream to learn it ended).
  // Streams start 37 ms apart, so their pages end close together, as on a multi-node job. The caller's
  // work (50 µs a record, 0.4 s for a round of 16 pages) is less than the requests take (0.64 s for
  // 16 at 25/s), as with the CLI and CloudWatch.
  const base: Scenario = { streams: 16, pages: 12, perPage: 500, size: 120, latencyMs: 150, serveMs: 10, workUsPerRecord: 50, offsetMs: 37, readAheadBytes: 0 };
  const pageOf = bytesOf(500, 120);

  it('keeps requests going out at the budget rate, within the byte budget, losing and repeating nothing', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
    const budgetBytes = 20 * pageOf;
    const world = await readWhole({ ...base, readAheadBytes: budgetBytes });
    const calls = base.streams * (base.pages + 1);
    expect(world.sent).toHaveLength(calls);
    expectExact(world.records, base);
    // No token wasted: the last request goes out when the quota allows it (after a burst of 25 at the start).
    const lastSent = world.sent.at(-1)!;
    expect(lastSent).toBeLessThanOrEqual(quotaFloorMs(calls) * 1.02);
    // Once the first pages are in and the burst is spent, never more than one token's time without a request.
    const gaps = world.sent.slice(2 * RATE).map((at, i) => at - world.sent[2 * RATE - 1 + i]!);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(1000 / RATE + 1);
    // Memory: the pages the merge holds (one per stream) plus the read-ahead budget and one page over it.
    const budgetRecords = Math.floor(budgetBytes / pageBytes(page(1, 0, null, 120).records));
    expect(world.peakHeldRecords).toBeLessThanOrEqual(base.streams * base.perPage + budgetRecords + base.perPage);
  }, 60_000);

  it('pages of LogLines merge exactly into records that keep their bytes, at the budget rate', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
    const columns: Scenario = { ...base, columns: true, readAheadBytes: 20 * pageOf };
    const world = await readWhole(columns);
    const calls = base.streams * (base.pages + 1);
    expect(world.sent).toHaveLength(calls);
    expectExact(world.records, columns);
    expect(world.records.every((record) => record instanceof Utf8LogRecord && record.stream === undefined)).toBe(true);
    expect(world.sent.at(-1)!).toBeLessThanOrEqual(quotaFloorMs(calls) * 1.02);
  }, 60_000);

  it('with a small budget the pipeline runs dry (what the budget is for)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
    const small = await readWhole({ ...base, readAheadBytes: 4 * pageOf });
    const calls = base.streams * (base.pages + 1);
    expectExact(small.records, base);
    expect(small.sent.at(-1)!).toBeGreaterThan(quotaFloorMs(calls) * 1.15);
    const budgetRecords = Math.floor((4 * pageOf) / pageBytes(page(1, 0, null, 120).records));
    expect(small.peakHeldRecords).toBeLessThanOrEqual(base.streams * base.perPage + budgetRecords + base.perPage);
  }, 60_000);

  it("a read's own budget takes the place of the instance's", async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
    const calls = base.streams * (base.pages + 1);
    const small = await readWhole({ ...base, readAheadBytes: 20 * pageOf, queryReadAheadBytes: 4 * pageOf });
    expectExact(small.records, base);
    expect(small.sent.at(-1)!).toBeGreaterThan(quotaFloorMs(calls) * 1.15);
    const budgetRecords = Math.floor((4 * pageOf) / pageBytes(page(1, 0, null, 120).records));
    expect(small.peakHeldRecords).toBeLessThanOrEqual(base.streams * base.perPage + budgetRecords + base.perPage);
    const big = await readWhole({ ...base, readAheadBytes: 0, queryReadAheadBytes: 20 * pageOf });
    expect(big.sent.at(-1)!).toBeLessThanOrEqual(quotaFloorMs(calls) * 1.02);
    const target = { run: { ref: 'fake:run', provider: 'fake', id: 'run', name: 'run', status: 'completed', providerStatus: 'Completed', nodes: [], hyperparameters: {}, raw: null } as Run, handle: undefined };
    const source: PositionedLogSource<undefined> = { kind: 'positioned', listStreams: async () => [], readStream: async () => ({ records: [], caughtUp: true }) };
    expect(() => new LogReader({ source, target, describe: async () => target }, { readAheadBytes: -1 })).toThrow(/invalid read-ahead budget '-1'/);
  }, 60_000);

  it('reads a stream several pages ahead while the merge is busy elsewhere, so it never waits on it later', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
    // Two nodes one after the other (the second starts when the first ends); each request 200 ms
    // away, each page 100 ms of the caller's work. The first stream's pages come one after another
    // (each says where the next starts): 200 ms each. Meanwhile the second stream's are read ahead,
    // so once the merge gets to it, only the caller's work remains.
    const pages = 10;
    const two: Scenario = { ...base, streams: 2, pages, latencyMs: 200, serveMs: 0, workUsPerRecord: 200, offsetMs: pages * base.perPage * 10, readAheadBytes: 12 * pageOf };
    const world = await readWhole(two);
    expectExact(world.records, two);
    const pageWork = (two.perPage * two.workUsPerRecord) / 1000;
    expect(world.elapsedMs).toBeLessThanOrEqual((pages + 1) * two.latencyMs + pages * pageWork + 300);
    // One page ahead at a time (a budget under one page) waits on every page of the second stream.
    const shallow = await readWhole({ ...two, readAheadBytes: 0 });
    expectExact(shallow.records, two);
    expect(shallow.elapsedMs).toBeGreaterThan(2 * pages * two.latencyMs);
  }, 60_000);
});
