// Metric series already read, kept for reuse by a long-lived runlens (the server): a compare page
// reads the same four 100,000-point series on every view, and its summary reads them again. Only
// series of runs that have ended are kept, and only from providers that can say when a series'
// stored points last changed (`MetricSourceV2.seriesVersions`: for local archives, the file's size,
// modification time and inode), so a series written again is read again. Bounded by the total points
// held; the least recently used series go first.
import type { MetricPoint } from '../model/metric.js';

export class SeriesCache {
  private readonly entries = new Map<string, readonly MetricPoint[]>();
  private held = 0;

  constructor(private readonly maxPoints: number) {}

  get(key: string): readonly MetricPoint[] | undefined {
    const points = this.entries.get(key);
    if (points) {
      // Most recently used last.
      this.entries.delete(key);
      this.entries.set(key, points);
    }
    return points;
  }

  set(key: string, points: readonly MetricPoint[]): void {
    this.delete(key);
    // A series larger than the whole cache is not kept (it would evict everything for nothing).
    if (points.length > this.maxPoints) return;
    this.entries.set(key, points);
    this.held += points.length;
    for (const [oldest, old] of this.entries) {
      if (this.held <= this.maxPoints) break;
      this.entries.delete(oldest);
      this.held -= old.length;
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
      this.held -= old.length;
    }
  }

  clear(): void {
    this.entries.clear();
    this.held = 0;
  }
}
