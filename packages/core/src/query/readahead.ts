import type { JsonValue, LogPage } from '../spec/v1.js';

/**
 * Read-ahead for one merged pass over a run's streams. The merge waits whenever a stream runs dry
 * before its next page is in, so while it works through the pages it holds, the next page of each
 * stream is read early — first for the stream whose held records run out first in merge order (the
 * lowest last timestamp), since that is the page the merge will need next. Nothing is read ahead
 * before every stream's first page is in: until then that order is unknown.
 *
 * Memory is bounded by a record budget shared by all streams: pages read ahead (or being read,
 * counted at the size of the stream's last page) stay under it, except that one page may always be
 * read ahead, so a single stream of big pages never waits on the network. At most one page per
 * stream is read ahead, so pages are still handed to the merge in stream order.
 */
export class ReadAhead {
  private readonly lanes: Lane[] = [];
  /** Records read ahead and not yet handed to the merge, with reads in flight at their estimate. */
  private held = 0;

  constructor(private readonly budgetRecords: number) {}

  /** A stream of the pass; `read` reads one page from a position. */
  lane(order: number, read: (position: JsonValue | undefined) => Promise<LogPage>): Lane {
    const lane = new Lane(this, order, read);
    this.lanes.push(lane);
    return lane;
  }

  /** Starts reads ahead, most urgent stream first, while the budget allows. */
  pump(): void {
    // Until every stream's first page is in, which runs dry first is unknown (and the merge cannot
    // start before then anyway).
    if (this.lanes.some((lane) => !lane.started)) return;
    for (;;) {
      let next: Lane | undefined;
      for (const lane of this.lanes) if (lane.wantsAhead() && (next === undefined || lane.runsDryBefore(next))) next = lane;
      if (next === undefined) return;
      const estimate = next.lastSize;
      if (this.held > 0 && this.held + estimate > this.budgetRecords) return;
      this.held += estimate;
      next.startAhead(estimate);
    }
  }

  /** A read ahead came in (`delta`: its real size less the estimate) or was handed out (minus its size). */
  adjust(delta: number): void {
    this.held += delta;
  }
}

interface Ahead {
  readonly from: JsonValue | undefined;
  readonly page: Promise<LogPage>;
  /** The estimate until the page is in, then its size. */
  records: number;
}

/** One stream's reads within a pass. */
export class Lane {
  /** Timestamp of the last record handed to the merge: the stream runs dry when the merge gets there. */
  private horizon = Number.NEGATIVE_INFINITY;
  /** Where the next page starts, once the page before it is in; undefined before that or at the end. */
  private next?: { readonly position: JsonValue | undefined };
  private ahead?: Ahead;
  /** Records in the stream's last page: the estimate for a page being read ahead. */
  lastSize = 0;
  /** A first page has been handed to the merge. */
  started = false;

  constructor(
    private readonly owner: ReadAhead,
    private readonly order: number,
    private readonly read: (position: JsonValue | undefined) => Promise<LogPage>,
  ) {}

  /** The page at `position`: the one read ahead from there, else read now. */
  async take(position: JsonValue | undefined): Promise<LogPage> {
    const ahead = this.ahead;
    this.next = undefined;
    this.ahead = undefined;
    if (ahead === undefined) return this.read(position);
    if (ahead.from !== position) {
      // Not the page asked for (the reader moved): drop it.
      this.owner.adjust(-ahead.records);
      return this.read(position);
    }
    try {
      return await ahead.page;
    } finally {
      this.owner.adjust(-ahead.records);
    }
  }

  /**
   * The merge now holds `page`; the stream continues at `next`, or has ended (`undefined`). Starts the
   * reads ahead that the pass's budget allows.
   */
  handed(page: LogPage, next: { readonly position: JsonValue } | undefined): void {
    const last = page.records[page.records.length - 1];
    if (last !== undefined) this.horizon = last.timestamp;
    this.lastSize = page.records.length;
    this.next = next;
    this.started = true;
    this.owner.pump();
  }

  wantsAhead(): boolean {
    return this.next !== undefined && this.ahead === undefined;
  }

  runsDryBefore(other: Lane): boolean {
    return this.horizon < other.horizon || (this.horizon === other.horizon && this.order < other.order);
  }

  startAhead(estimate: number): void {
    const from = this.next!.position;
    const page = this.read(from);
    const ahead: Ahead = { from, page, records: estimate };
    this.ahead = ahead;
    page.then(
      (read) => {
        // Still waiting to be handed out: count it at its real size, and use any room it left.
        if (this.ahead !== ahead) return;
        this.owner.adjust(read.records.length - ahead.records);
        ahead.records = read.records.length;
        this.owner.pump();
      },
      () => undefined,
    );
  }
}
