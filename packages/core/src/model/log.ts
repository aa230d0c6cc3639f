import { copyBytes, NextByte, type ByteSink } from '../machinery/bytes.js';
import { doubled } from '../machinery/columns.js';
import type { Warning } from './warning.js';

/** One log line from one node. */
export interface LogRecord {
  /** Epoch milliseconds. */
  readonly timestamp: number;
  readonly node: string;
  readonly message: string;
  /** The provider's stream or file the line came from, where a node has several. */
  readonly stream?: string;
}

/**
 * A record that keeps its message as the UTF-8 bytes the provider sent (`bytes[start, end)`, a range
 * of the page it came in) and decodes them only when `message` is first read. Outputs that print
 * bytes (the CLI, NDJSON, archives; see `logRecordJsonWriter`) copy them as they are: a log read
 * whole is then never decoded to strings nor encoded back. Consumers that read `message` (grep, a
 * web page) get the same string either way.
 *
 * The bytes must be valid UTF-8 (`buffer.isUtf8`): decoding them is then lossless, and a writer may
 * copy them verbatim. A source whose bytes are not (U+FFFD would stand for what cannot be decoded)
 * gives plain records with the decoded message instead. The record holds its page alive until the
 * last record of the page is dropped (the merge keeps about one page per stream anyway).
 *
 * `message` is an accessor, not an own property: `{ ...record }` or a structural comparison does not
 * see it; `logRecordJson` gives the plain object, as `JSON.stringify` does (through `toJSON`).
 */
export class Utf8LogRecord implements LogRecord {
  #message: string | undefined;

  constructor(
    readonly timestamp: number,
    readonly node: string,
    /** The page the message lies in (not only the message). */
    readonly bytes: Buffer,
    readonly start: number,
    readonly end: number,
    readonly stream?: string,
  ) {}

  get message(): string {
    return (this.#message ??= this.bytes.toString('utf8', this.start, this.end));
  }

  toJSON(): { timestamp: number; node: string; message: string; stream?: string } {
    return logRecordJson(this);
  }
}

/**
 * A page of records kept as columns: each line's timestamp, and its message as a range of one buffer
 * of UTF-8 (valid, as for Utf8LogRecord). Adapters that read bytes return pages in this form.
 *
 * Why: a page waits seconds for the merge (read ahead, or queued behind other streams), so a page
 * of ~8,000 record objects (~100 bytes each with their boxed timestamps) outlives the young
 * generation and fills the old one, which the collector then sweeps in large, late steps: most of
 * the CLI's peak memory on a 16-stream read. As columns the page costs 16 bytes a line beside its
 * bytes, outside the JS heap, and each record is made when the merge hands it out (`record(i)`), to
 * die young once written.
 */
export class LogLines {
  constructor(
    readonly node: string,
    /** The messages' bytes (other bytes may lie between them). */
    readonly bytes: Buffer,
    readonly timestamps: Float64Array,
    /** Where each message starts in `bytes`. */
    readonly starts: Uint32Array,
    /** Where each message ends (exclusive). */
    readonly ends: Uint32Array,
    readonly stream?: string,
  ) {
    if (starts.length !== timestamps.length || ends.length !== timestamps.length) throw new Error('LogLines: columns of different lengths');
  }

  get length(): number {
    return this.timestamps.length;
  }

  /** Line `i` as a record. */
  record(i: number): Utf8LogRecord {
    return new Utf8LogRecord(this.timestamps[i]!, this.node, this.bytes, this.starts[i]!, this.ends[i]!, this.stream);
  }

  /** Lines `from` to `to` (exclusive), sharing these columns. */
  slice(from: number, to = this.length): LogLines {
    return new LogLines(this.node, this.bytes, this.timestamps.subarray(from, to), this.starts.subarray(from, to), this.ends.subarray(from, to), this.stream);
  }

  toArray(): Utf8LogRecord[] {
    const records: Utf8LogRecord[] = new Array(this.length);
    for (let i = 0; i < records.length; i++) records[i] = this.record(i);
    return records;
  }

  /** The memory the lines hold, estimated: the bytes their messages span, and 16 bytes a line of columns. */
  get heldBytes(): number {
    const n = this.length;
    return n === 0 ? 0 : this.ends[n - 1]! - this.starts[0]! + n * 16;
  }
}

/** LogLines' columns filled a line at a time, for an adapter that does not know the count beforehand. */
export class LineColumns {
  length = 0;
  private timestamps = new Float64Array(1_024);
  private starts = new Uint32Array(1_024);
  private ends = new Uint32Array(1_024);

  push(timestamp: number, start: number, end: number): void {
    if (this.length === this.timestamps.length) this.grow();
    const k = this.length++;
    this.timestamps[k] = timestamp;
    this.starts[k] = start;
    this.ends[k] = end;
  }

  startAt(k: number): number {
    return this.starts[k]!;
  }

  endAt(k: number): number {
    return this.ends[k]!;
  }

  /** The columns, copied at their length. */
  columns(): { timestamps: Float64Array; starts: Uint32Array; ends: Uint32Array } {
    const n = this.length;
    return { timestamps: this.timestamps.slice(0, n), starts: this.starts.slice(0, n), ends: this.ends.slice(0, n) };
  }

  /** The lines over `bytes`. */
  lines(node: string, bytes: Buffer, stream?: string): LogLines {
    const { timestamps, starts, ends } = this.columns();
    return new LogLines(node, bytes, timestamps, starts, ends, stream);
  }

  private grow(): void {
    this.timestamps = doubled(this.timestamps);
    this.starts = doubled(this.starts);
    this.ends = doubled(this.ends);
  }
}

/** A page's records as an array (LogLines made into records; an array as it is). */
export function recordArray(records: readonly LogRecord[] | LogLines): readonly LogRecord[] {
  return records instanceof LogLines ? records.toArray() : records;
}

/** Whether a record carries its message as UTF-8 bytes (see Utf8LogRecord). */
export function hasUtf8(record: LogRecord): record is Utf8LogRecord {
  return record instanceof Utf8LogRecord;
}

/** One log stream of a run (a CloudWatch stream, a task log, a rank's file). */
export interface LogStreamInfo {
  /** Unique within the run and stable across calls; cursors are keyed by it. */
  readonly id: string;
  readonly node: string;
  readonly size?: number;
  readonly lastEventAt?: number;
}

export interface LogQuery {
  /** Only these nodes (by name). */
  readonly nodes?: readonly string[];
  /** Epoch ms, inclusive. */
  readonly since?: number;
  /** Epoch ms, exclusive. */
  readonly until?: number;
  /** The last N lines of the merged timeline. */
  readonly tail?: number;
  /** A regular expression matched against each message. */
  readonly grep?: string | RegExp;
  /** Match `grep` regardless of case. */
  readonly ignoreCase?: boolean;
  /** Keep reading until the run is terminal, then drain once more and end. */
  readonly follow?: boolean;
  /** A cursor from an earlier read; reading resumes right after the last line it had delivered. */
  readonly cursor?: string;
  /** Follow polling bounds in ms (defaults come from the provider). */
  readonly pollIntervalMs?: { readonly min: number; readonly max: number };
  /**
   * While following: how long to keep trying, with back-off, when the provider cannot be reached
   * (default 10 minutes). After that the read fails with a ProviderError; `cursor()` still resumes.
   */
  readonly reconnectForMs?: number;
  /**
   * The caller keeps no record past the batch it came in (LogReader.batches(); the CLI's output):
   * the memory of a page's bytes is then reused for later pages once all its records were handed out
   * and the next batch asked for. A record kept longer could see its message change.
   */
  readonly ephemeral?: boolean;
  /** Called once per warning as soon as it is raised (they are also collected in `LogReader.warnings`). */
  readonly onWarning?: (warning: Warning) => void;
  /**
   * Memory for pages read ahead of the merge in this read, all streams together; default the
   * instance's (`createRunlens({ readAheadBytes })`). A reader that merges a few streams at a time
   * (a copy spooling a big run's logs) asks for less.
   */
  readonly readAheadBytes?: number;
  readonly signal?: AbortSignal;
}

/** A record as JSON, in the order the CLI's `logs --json` and the HTTP API print it: timestamp, node, message, stream. */
export function logRecordJson(record: LogRecord): { timestamp: number; node: string; message: string; stream?: string } {
  return {
    timestamp: record.timestamp,
    node: record.node,
    message: record.message,
    ...(record.stream !== undefined ? { stream: record.stream } : {}),
  };
}

/**
 * `logRecordJson` as one NDJSON line (with its `\n`): byte for byte what JSON.stringify gives for
 * that object, without building it. Log outputs print millions of lines, so node and stream names
 * (few per read) are quoted once.
 */
export function logRecordJsonLine(): (record: LogRecord) => string {
  const quoted = new Map<string, string>();
  const quote = (text: string): string => {
    let q = quoted.get(text);
    if (q === undefined) {
      // Bounded, in case a read has very many streams.
      if (quoted.size >= 1_024) quoted.clear();
      q = JSON.stringify(text);
      quoted.set(text, q);
    }
    return q;
  };
  return (record) => {
    const t = record.timestamp;
    const head = `{"timestamp":${Number.isFinite(t) ? t : 'null'},"node":${quote(record.node)},"message":${JSON.stringify(record.message)}`;
    return record.stream === undefined ? `${head}}\n` : `${head},"stream":${quote(record.stream)}}\n`;
  };
}

/**
 * Bytes of a JSON string's characters (without quotes) for `bytes[start, end)`, valid UTF-8: exactly
 * what JSON.stringify gives for the decoded text, between its quotes (`"` and `\` escaped, C0
 * controls as `\b \t \n \f \r` or `\u00xx`, everything else as it is; valid UTF-8 has no
 * lone surrogates).
 */
export function writeJsonStringBytes(sink: ByteSink, bytes: Uint8Array, start: number, end: number): void {
  // Room for every byte still to copy, kept before each byte: plain bytes need one each, and an
  // escape (at most 6, `\u00xx`) that finds too little makes room for itself and the rest. So the sink hands a chunk on
  // only before an escaped byte, which is ASCII: a chunk never ends inside a character.
  sink.room(end - start);
  let { buf, pos } = sink;
  let limit = buf.length;
  for (let i = start; i < end; i++) {
    const c = bytes[i]!;
    if (c >= 0x20 && c !== 0x22 && c !== 0x5c) {
      buf[pos++] = c;
      continue;
    }
    if (limit - pos < 6 + (end - i)) {
      sink.pos = pos;
      // Twice the rest: a line of many escapes makes room a few times, not once per escape.
      sink.room(6 + 2 * (end - i));
      ({ buf, pos } = sink);
      limit = buf.length;
    }
    buf[pos++] = 0x5c;
    const short = JSON_SHORT[c]!;
    if (short !== 0) buf[pos++] = short;
    else {
      // \u00xx, lower-case hex as JSON.stringify writes it.
      buf[pos++] = 0x75;
      buf[pos++] = 0x30;
      buf[pos++] = 0x30;
      buf[pos++] = HEX[c >> 4]!;
      buf[pos++] = HEX[c & 15]!;
    }
  }
  sink.pos = pos;
}

/** The letter after `\` of JSON's short escapes, by byte (0: none, `\u00xx`). */
const JSON_SHORT = (() => {
  const t = new Uint8Array(256);
  t[0x08] = 0x62; // b
  t[0x09] = 0x74; // t
  t[0x0a] = 0x6e; // n
  t[0x0c] = 0x66; // f
  t[0x0d] = 0x72; // r
  t[0x22] = 0x22; // "
  t[0x5c] = 0x5c; // \
  return t;
})();
const HEX = Uint8Array.from('0123456789abcdef', (c) => c.charCodeAt(0));

/**
 * `logRecordJsonLine` written into a ByteSink: the same bytes, but a Utf8LogRecord's message goes
 * from its bytes to the output without being decoded (escaped where JSON needs it), and the rest
 * of the line is written as bytes too (node and stream names cached, the timestamp's digits made
 * from a few cached leading digits). For outputs of millions of lines: the CLI's `logs --json`.
 */
export function logRecordJsonWriter(): (record: LogRecord, sink: ByteSink) => void {
  const line = logRecordJsonLine();
  /** `,"node":"…","message":"` by node, and `","stream":"…"}\n` (or `"}\n`) by stream. */
  const heads = new Map<string, Buffer>();
  const tails = new Map<string | undefined, Buffer>();
  const bounded = <K>(map: Map<K, Buffer>, key: K, make: () => string): Buffer => {
    let b = map.get(key);
    if (b === undefined) {
      if (map.size >= 1_024) map.clear();
      b = Buffer.from(make(), 'utf8');
      map.set(key, b);
    }
    return b;
  };
  /** The bytes JSON escapes: C0 controls, `"` and `\`. */
  const special = new NextByte([...Array.from({ length: 0x20 }, (_, i) => i), 0x22, 0x5c]);
  /** `{"timestamp":` and the timestamp's digits above its last six (they change every ~17 minutes). */
  let high = -1;
  let open = Buffer.alloc(0);
  let lastNode: string | undefined;
  let lastHead: Buffer | undefined;
  let lastStream: string | undefined;
  let lastTail: Buffer | undefined;
  return (record, sink) => {
    const t = record.timestamp;
    if (!(record instanceof Utf8LogRecord) || !(Number.isInteger(t) && t >= 1_000_000 && t < 1e15)) {
      sink.string(line(record));
      return;
    }
    // Most lines come from the node and stream of the line before: no lookup, no closure made.
    if (record.node !== lastNode) {
      lastNode = record.node;
      lastHead = bounded(heads, record.node, () => `,"node":${JSON.stringify(record.node)},"message":"`);
    }
    if (record.stream !== lastStream || lastTail === undefined) {
      lastStream = record.stream;
      lastTail = bounded(tails, record.stream, () => (record.stream === undefined ? '"}\n' : `","stream":${JSON.stringify(record.stream)}}\n`));
    }
    const head = lastHead!;
    const tail = lastTail;
    const h = Math.floor(t / 1_000_000);
    if (h !== high) {
      high = h;
      open = Buffer.from(`{"timestamp":${h}`);
    }
    const { bytes, start, end } = record;
    // Nothing to escape (most lines): the whole line in one piece of room, the message in one copy.
    const plain = special.find(bytes, start) >= end;
    sink.room(open.length + 6 + head.length + (plain ? end - start + tail.length : 0));
    const { buf } = sink;
    let pos = sink.pos;
    // Constant runs copied natively (a byte loop over them was most of this function's time).
    buf.set(open, pos);
    pos += open.length;
    // The last six digits, in integer arithmetic (below 10^6).
    let low = (t - h * 1_000_000) | 0;
    for (let k = 5; k >= 0; k--) {
      const rest = (low / 10) | 0;
      buf[pos + k] = 0x30 + low - rest * 10;
      low = rest;
    }
    pos += 6;
    buf.set(head, pos);
    pos += head.length;
    if (plain) {
      copyBytes(bytes, start, end, buf, pos);
      pos += end - start;
      for (let i = 0; i < tail.length; i++) buf[pos++] = tail[i]!;
      sink.pos = pos;
      return;
    }
    sink.pos = pos;
    writeJsonStringBytes(sink, bytes, start, end);
    sink.bytes(tail);
  };
}
