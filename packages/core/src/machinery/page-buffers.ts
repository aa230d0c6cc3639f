/**
 * Buffers for the bytes of log pages (LogLines.bytes), given back by the reader once every record of
 * a page has reached a consumer that keeps none (LogQuery.ephemeral), and handed out again for later
 * pages.
 *
 * Why: a page's bytes live outside the JS heap, and a buffer that lived long enough to reach V8's old
 * generation is freed only by a full collection, which V8 starts for outside memory only after it
 * grew by 64 MB. A 16-stream read holds ~30 pages of ~1 MB; with the garbage that waited for the
 * collector its peak memory was ~100 MB of buffers, and the C heap kept that size afterwards. Reused,
 * the buffers stay at what is live (docs/performance.md).
 */
export class PageBuffers {
  /** Buffers given back, ready for reuse. */
  private readonly free: ArrayBuffer[] = [];
  private freeBytes = 0;
  /** Buffers handed out and not given back (weakly: one never given back is left to the collector). */
  private readonly out = new WeakSet<ArrayBuffer>();

  /** `maxFreeBytes`: buffers given back beyond this are left to the collector. */
  constructor(private readonly maxFreeBytes = 32 * 1024 * 1024) {}

  /** A buffer of `size` bytes (its content is undefined). */
  take(size: number): Buffer {
    // An empty page (a stream's end, a quiet poll while following) holds no memory worth reusing.
    if (size === 0) return Buffer.alloc(0);
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      const length = this.free[i]!.byteLength;
      // The smallest that fits, and not one much bigger (that would hold memory the page does not need).
      if (length >= size && length <= 2 * size + GRAIN && (best === -1 || length < this.free[best]!.byteLength)) best = i;
    }
    let buffer: ArrayBuffer;
    if (best >= 0) {
      buffer = this.free[best]!;
      this.free[best] = this.free[this.free.length - 1]!;
      this.free.pop();
      this.freeBytes -= buffer.byteLength;
    } else {
      buffer = Buffer.allocUnsafeSlow(Math.ceil(size / GRAIN) * GRAIN).buffer as ArrayBuffer;
    }
    this.out.add(buffer);
    return Buffer.from(buffer, 0, size);
  }

  /** `bytes` (from take) will not be read again. */
  give(bytes: Buffer): void {
    const buffer = bytes.buffer as ArrayBuffer;
    if (!this.out.delete(buffer)) return;
    if (this.freeBytes + buffer.byteLength > this.maxFreeBytes) return;
    this.free.push(buffer);
    this.freeBytes += buffer.byteLength;
  }
}

/** Sizes are rounded up to this, so a buffer fits the next pages of about the same size. */
const GRAIN = 64 * 1024;
