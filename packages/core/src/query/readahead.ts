import { LogLines, Utf8LogRecord, type LogRecord } from '../model/log.js';
import type { JsonValue, LogPageV2 as LogPage } from '../spec/v2.js';

/**
 * Bytes of pages read ahead of the merge, all streams together, by default (`createRunlens({
 * readAheadBytes })`): about 12 CloudWatch pages of ~7,700 events (~1 MB each as LogLines, by
 * pageBytes), so that requests keep going out at the quota's rate while the merge works through the
 * pages it holds. In a fake-clock model of the 16 x 100,000-line SageMaker read ~11 pages kept the
 * read at the quota floor (7 pages: 1.2x); the CLI read that job in the same 9.1 s with 8, 12 and 20
 * MiB, and each MiB is about a MiB of peak memory (docs/performance.md).
 */
export const DEFAULT_READ_AHEAD_BYTES = 12 * 1024 * 1024;

/**
 * What a record costs in memory besides its message's characters, on 64-bit Node: the record object
 * (~56 bytes), its boxed timestamp (16), the message string's header (16) and its slot in the page (8).
 */
const RECORD_OVERHEAD_BYTES = 96;

/**
 * The memory a page of records holds, estimated: characters (or UTF-8 bytes) of each message plus a
 * fixed overhead per record; LogLines by what they hold (LogLines.heldBytes).
 */
export function pageBytes(records: readonly LogRecord[] | LogLines): number {
  if (records instanceof LogLines) return records.heldBytes;
  let bytes = records.length * RECORD_OVERHEAD_BYTES;
  for (let i = 0; i < records.length; i++) {
    const record = records[i]!;
    // A record that keeps its bytes is measured by them: reading `message` would decode it early.
    bytes += record instanceof Utf8LogRecord ? record.end - record.start : record.message.length;
  }
  return bytes;
}

/**
 * Whether a page read from `from` ends its stream (for this pass): the adapter says it is caught up,
 * or the same position came back with nothing new (CloudWatch's GetLogEvents repeats its token at the
 * end of a stream).
 */
export function endsStream(page: LogPage, from: JsonValue | undefined): boolean {
  return page.caughtUp || (page.records.length === 0 && samePosition(page.next, from));
}

export function samePosition(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  return a !== undefined && b !== undefined && (a === b || JSON.stringify(a) === JSON.stringify(b));
}

/**
 * Read-ahead for one merged pass over a run's streams: a request pipeline that stays full while the
 * merge works, within a memory budget.
 *
 * A stream's pages can only be read one after another (each page says where the next one starts), so
 * the pipeline's depth comes from reading many streams at once, and from reading a stream several
 * pages ahead when the budget has room. Whenever a page comes in or the merge takes one, the pump
 * starts reads ahead, most urgent first: the stream whose known records run out first in merge order
 * (the lowest last timestamp of its newest page, read or being read ahead), since that is the page
 * the merge will need next; ties go to the earlier stream. If the most urgent read does not fit the
 * budget, nothing is started: a later page never takes the room (or a request-budget token) the
 * merge's next page needs. Nothing is read ahead before every stream's first page is in: until then
 * that order is unknown (and the merge cannot start anyway).
 *
 * Memory: the bytes of pages read ahead and not yet taken by the merge (`pageBytes`), with reads in
 * flight counted at the size of their stream's last page, stay within `budgetBytes`, except that one
 * read ahead may always start when nothing is held, so a stream of pages bigger than the budget still
 * never waits on the network, and a page that comes in bigger than its estimate can overshoot by the
 * difference until it is taken. Beside that the merge holds the page it is merging for each stream.
 */
export class ReadAhead {
  private readonly lanes: Lane[] = [];
  /** Bytes read ahead and not yet taken by the merge, with reads in flight at their estimate. */
  private held = 0;
  /** The biggest page seen in this pass: the estimate for a stream that has not had a page yet. */
  private typical = 0;
  /** The most `held` has been (for tests and diagnostics). */
  peakBytes = 0;

  constructor(readonly budgetBytes: number) {}

  /** A stream of the pass (`order` breaks ties); `read` reads one page from a position. */
  lane(order: number, read: (position: JsonValue | undefined) => Promise<LogPage>): Lane {
    const lane = new Lane(this, order, read);
    this.lanes.push(lane);
    return lane;
  }

  /** Bytes read ahead and not taken, reads in flight at their estimate. */
  get heldBytes(): number {
    return this.held;
  }

  /** Starts reads ahead, most urgent first, while the budget allows. */
  pump(): void {
    if (this.lanes.some((lane) => !lane.started)) return;
    for (;;) {
      let next: Lane | undefined;
      for (const lane of this.lanes) if (lane.canReadAhead() && (next === undefined || lane.runsDryBefore(next))) next = lane;
      if (next === undefined) return;
      const estimate = next.estimate(this.typical);
      if (this.held > 0 && this.held + estimate > this.budgetBytes) return;
      this.adjust(estimate);
      next.startAhead(estimate);
    }
  }

  /** `delta` bytes more (or fewer) are held ahead. */
  adjust(delta: number): void {
    this.held += delta;
    if (this.held > this.peakBytes) this.peakBytes = this.held;
  }

  /** A page of `bytes` came in: the estimate for streams that have not had one yet. */
  seen(bytes: number): void {
    if (bytes > this.typical) this.typical = bytes;
  }
}

interface Ahead {
  readonly from: JsonValue | undefined;
  readonly page: Promise<LogPage>;
  /** The estimate until the page is in, then its size. */
  bytes: number;
  /** The reader moved elsewhere: the page is not counted and says nothing about what comes next. */
  dropped?: boolean;
}

/** One stream's reads within a pass. */
export class Lane {
  /** Last timestamp of the stream's newest page in hand (taken or ahead): the merge needs the next page when it gets there. */
  private horizon = Number.NEGATIVE_INFINITY;
  /** Where the stream's next unread page starts; undefined while the page before it is being read, and after the end. */
  private tip?: { readonly position: JsonValue };
  /** Pages read ahead (in or in flight), in stream order. */
  private readonly ahead: Ahead[] = [];
  /** Bytes of the stream's last non-empty page: the estimate for its next one. */
  private lastBytes = 0;
  /** A first page has been handed to the merge. */
  started = false;

  constructor(
    private readonly owner: ReadAhead,
    private readonly order: number,
    private readonly read: (position: JsonValue | undefined) => Promise<LogPage>,
  ) {}

  /** The page at `position`: the oldest one read ahead if it was read from there, else read now. */
  async take(position: JsonValue | undefined): Promise<LogPage> {
    const ahead = this.ahead.shift();
    if (ahead !== undefined && ahead.from === position) {
      try {
        return await ahead.page;
      } finally {
        this.owner.adjust(-ahead.bytes);
      }
    }
    if (ahead !== undefined) {
      // Not the page asked for (the reader moved): drop everything read ahead.
      for (const stale of [ahead, ...this.ahead.splice(0)]) {
        stale.dropped = true;
        this.owner.adjust(-stale.bytes);
      }
    }
    this.tip = undefined;
    const page = await this.read(position);
    this.learn(page, position);
    return page;
  }

  /** The merge now holds a page of this stream: reads ahead may start. */
  handed(): void {
    this.started = true;
    this.owner.pump();
  }

  canReadAhead(): boolean {
    return this.tip !== undefined;
  }

  runsDryBefore(other: Lane): boolean {
    return this.horizon < other.horizon || (this.horizon === other.horizon && this.order < other.order);
  }

  estimate(typical: number): number {
    return this.lastBytes > 0 ? this.lastBytes : typical;
  }

  startAhead(estimate: number): void {
    const from = this.tip!.position;
    this.tip = undefined;
    const page = this.read(from);
    const ahead: Ahead = { from, page, bytes: estimate };
    this.ahead.push(ahead);
    page.then(
      (read) => {
        if (ahead.dropped) return;
        // Counted at its real size from now on (also when the merge took it while it was in flight).
        const bytes = this.learn(read, from);
        this.owner.adjust(bytes - ahead.bytes);
        ahead.bytes = bytes;
        this.owner.pump();
      },
      // The merge meets the error when it takes this page; nothing more is read ahead for the stream.
      () => undefined,
    );
  }

  /** A page read from `from` came in: the stream's newest known page. Returns its size. */
  private learn(page: LogPage, from: JsonValue | undefined): number {
    const { records } = page;
    const bytes = pageBytes(records);
    if (records.length > 0) {
      this.horizon = records instanceof LogLines ? records.timestamps[records.length - 1]! : records[records.length - 1]!.timestamp;
      this.lastBytes = bytes;
      this.owner.seen(bytes);
    }
    this.tip = endsStream(page, from) ? undefined : { position: page.next };
    return bytes;
  }
}
