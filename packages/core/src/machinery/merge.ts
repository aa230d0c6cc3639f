import { MinHeap } from './heap.js';

/** Something that yields items in its own order, one page at a time. */
export interface MergeSource<T> {
  /**
   * Items of the next page, or undefined when the source is exhausted. The merge takes the array:
   * it empties each slot as it hands the item out (see mergeByKey).
   */
  nextPage(): Promise<(T | undefined)[] | undefined>;
}

interface Head<T> {
  readonly item: T;
  readonly source: number;
  readonly page: (T | undefined)[];
  readonly index: number;
}

/** Merged items in order, each with the index of its source (for cursor bookkeeping). */
export interface MergeBatch<T> {
  readonly items: T[];
  readonly sources: number[];
}

/**
 * k-way merge of sources by key. Stable: equal keys come out in source order, and each source's own
 * order is never changed (even if its keys go backwards). Memory is one page per source.
 * Items come in batches: everything that can be merged before some source needs its next page, so
 * the per-item cost is a heap operation, not a promise. An item handed out is dropped from its page
 * at once, so the pages held (one per source, thousands of items each) keep only what is still to
 * merge: on average half of them, for the garbage collector.
 */
export async function* mergeByKey<T>(sources: readonly MergeSource<T>[], key: (item: T) => number, maxBatch = 1_024): AsyncGenerator<MergeBatch<T>> {
  const heap = new MinHeap<Head<T>>((a, b) => {
    const ka = key(a.item);
    const kb = key(b.item);
    return ka < kb || (ka === kb && a.source < b.source);
  });
  const fill = async (source: number): Promise<void> => {
    for (;;) {
      const page = await sources[source]!.nextPage();
      if (page === undefined) return;
      if (page.length > 0) {
        heap.push({ item: page[0] as T, source, page, index: 0 });
        return;
      }
    }
  };
  await Promise.all(sources.map((_, i) => fill(i)));
  for (;;) {
    const batch: MergeBatch<T> = { items: [], sources: [] };
    let refill: number | undefined;
    while (batch.items.length < maxBatch) {
      const head = heap.pop();
      if (!head) break;
      batch.items.push(head.item);
      batch.sources.push(head.source);
      head.page[head.index] = undefined;
      const next = head.index + 1;
      if (next < head.page.length) {
        heap.push({ item: head.page[next] as T, source: head.source, page: head.page, index: next });
      } else {
        // This source's next item may sort before every other head: fetch it before merging on.
        refill = head.source;
        break;
      }
    }
    if (batch.items.length > 0) yield batch;
    if (refill !== undefined) await fill(refill);
    else if (heap.size === 0) return;
  }
}
