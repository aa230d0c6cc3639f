/**
 * Growable file content (log files, artifacts) made of byte segments and lazily generated
 * segments, so a 500 MB artifact or a benchmark's growing logs cost no memory.
 */

/** A body produced on demand: `generate` must return exactly `length` bytes starting at `offset`. */
export interface LazyBody {
  readonly size: number;
  generate(offset: number, length: number): Uint8Array;
}

export type BodySource = string | Uint8Array | LazyBody;

type Segment = Uint8Array | LazyBody;

/** An immutable view of the content at one moment; downloads read from it while the file grows. */
export interface ContentSnapshot {
  readonly size: number;
  readonly etag: string;
  readonly modifiedAt: number;
  read(offset: number, length: number): Buffer;
}

function toSegment(body: BodySource): Segment {
  return typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
}

function segmentSize(segment: Segment): number {
  return segment instanceof Uint8Array ? segment.byteLength : segment.size;
}

function readSegment(segment: Segment, offset: number, length: number): Uint8Array {
  if (segment instanceof Uint8Array) return segment.subarray(offset, offset + length);
  const bytes = segment.generate(offset, length);
  if (bytes.byteLength !== length) {
    throw new RangeError(`lazy body generated ${bytes.byteLength} bytes, expected ${length}`);
  }
  return bytes;
}

export class Content {
  private segments: Segment[] = [];
  /** starts[i] is the byte offset of segments[i]; kept for binary search over many appends. */
  private starts: number[] = [];
  private total = 0;
  private version = 0;
  private modified: number;

  constructor(body: BodySource, now: number) {
    this.modified = now;
    this.replace(body, now);
  }

  get size(): number {
    return this.total;
  }

  append(body: BodySource, now: number): void {
    const segment = toSegment(body);
    if (segmentSize(segment) === 0) return;
    this.push(segment);
    this.touch(now);
  }

  replace(body: BodySource, now: number): void {
    this.segments = [];
    this.starts = [];
    this.total = 0;
    this.push(toSegment(body));
    this.touch(now);
  }

  snapshot(): ContentSnapshot {
    const segments = this.segments.slice();
    const starts = this.starts.slice();
    const size = this.total;
    return {
      size,
      // Azure Blob ETags look like "0x8DC5F1A2B3C4D5E"; the version makes every change visible.
      etag: `"0x8DC${this.version.toString(16).toUpperCase().padStart(13, '0')}"`,
      modifiedAt: this.modified,
      read: (offset, length) => readRange(segments, starts, offset, Math.min(length, size - offset)),
    };
  }

  private push(segment: Segment): void {
    this.segments.push(segment);
    this.starts.push(this.total);
    this.total += segmentSize(segment);
  }

  private touch(now: number): void {
    this.version += 1;
    this.modified = now;
  }
}

function readRange(segments: Segment[], starts: number[], offset: number, length: number): Buffer {
  const parts: Uint8Array[] = [];
  let index = findSegment(starts, offset);
  let position = offset;
  const end = offset + length;
  while (position < end && index < segments.length) {
    const segment = segments[index];
    const start = starts[index];
    if (segment === undefined || start === undefined) break;
    const within = position - start;
    const take = Math.min(segmentSize(segment) - within, end - position);
    if (take > 0) parts.push(readSegment(segment, within, take));
    position += Math.max(take, 0);
    index += 1;
  }
  return Buffer.concat(parts);
}

/** Index of the last segment whose start is <= offset. */
function findSegment(starts: number[], offset: number): number {
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if ((starts[mid] ?? 0) <= offset) low = mid;
    else high = mid - 1;
  }
  return Math.max(low, 0);
}
