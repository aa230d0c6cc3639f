// Metric series already read, kept for reuse by a long-lived runlens (the server): a compare page
// reads the same four 100,000-point series on every view, and its summary reads them again. Only
// series of runs that have ended are kept, and only from providers that can say when a series'
// stored points last changed (`MetricSourceV2.seriesVersions`: for local archives, the file's size,
// modification time and inode), so a series written again is read again. Bounded by the total points
// held; the least recently used series go first. A series is kept as its body: its points, or its
// columns when it was read as columns (about 24 bytes a point rather than ~60 for a point object).
import type { MetricPoint, SeriesColumns } from '../model/metric.js';

/** What is kept of a series: its points, or its columns. */
export type SeriesBody = readonly MetricPoint[] | SeriesColumns;

const lengthOf = (body: SeriesBody): number => ('timestamps' in body ? body.timestamps.length : body.length);

export class SeriesCache {
  private readonly entries = new Map<string, SeriesBody>();
  private held = 0;

  constructor(private readonly maxPoints: number) {}

  get(key: string): SeriesBody | undefined {
    const points = this.entries.get(key);
    if (points) {
      // Most recently used last.
      this.entries.delete(key);
      this.entries.set(key, points);
    }
    return points;
  }

  set(key: string, body: SeriesBody): void {
    this.delete(key);
    const length = lengthOf(body);
    // A series larger than the whole cache is not kept (it would evict everything for nothing).
    if (length > this.maxPoints) return;
    this.entries.set(key, body);
    this.held += length;
    for (const [oldest, old] of this.entries) {
      if (this.held <= this.maxPoints) break;
      this.entries.delete(oldest);
      this.held -= lengthOf(old);
    }
  }

  /** Points held now (for tests and diagnostics). */
  get size(): number {
    return this.held;
  }

  private delete(key: string): void {
    const old = this.entries.get(key);
    if (old) {
      this.entries.delete(key);
      this.held -= lengthOf(old);
    }
  }

  clear(): void {
    this.entries.clear();
    this.held = 0;
  }
}
