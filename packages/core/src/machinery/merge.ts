import { MinHeap } from './heap.js';

/** Something that yields items in its own order, one page at a time. */
export interface MergeSource<T> {
  /**
   * Items of the next page, or undefined when the source is exhausted. The merge takes the array:
   * it empties each slot as it hands the item out (see mergeByKey).
   */
  nextPage(): Promise<(T | undefined)[] | undefined>;
}

/** A source's place in the merge: its page being merged, the index of its next item there, and that item's key. */
interface Head<T> {
  readonly source: number;
  readonly page: (T | undefined)[];
  index: number;
  key: number;
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
 * the per-item cost is a key comparison, not a promise. The source on top hands out items for as
 * long as they still come before every other source's next one (a whole page when it is the only
 * source left, or when it is ahead of the others in time), so the heap is only touched where two
 * sources interleave. An item handed out is dropped from its page at once, so the pages held (one
 * per source, thousands of items each) keep only what is still to merge: on average half of them,
 * for the garbage collector.
 */
export async function* mergeByKey<T>(sources: readonly MergeSource<T>[], key: (item: T) => number, maxBatch = 1_024): AsyncGenerator<MergeBatch<T>> {
  const heap = new MinHeap<Head<T>>((a, b) => a.key < b.key || (a.key === b.key && a.source < b.source));
  const fill = async (source: number): Promise<void> => {
    for (;;) {
      const page = await sources[source]!.nextPage();
      if (page === undefined) return;
      if (page.length > 0) {
        heap.push({ source, page, index: 0, key: key(page[0] as T) });
        return;
      }
    }
  };
  await Promise.all(sources.map((_, i) => fill(i)));
  for (;;) {
    const batch: MergeBatch<T> = { items: [], sources: [] };
    const { items, sources: from } = batch;
    let refill: number | undefined;
    while (items.length < maxBatch) {
      const head = heap.peek();
      if (!head) break;
      const { page, source } = head;
      // The next source's head: this one's items go out while they still sort before it.
      const other = heap.second();
      const end = Math.min(page.length, head.index + maxBatch - items.length);
      let i = head.index;
      for (;;) {
        items.push(page[i] as T);
        from.push(source);
        page[i] = undefined;
        i++;
        if (i >= end) break;
        if (other === undefined) continue;
        const k = key(page[i] as T);
        if (k > other.key || (k === other.key && other.source < source)) break;
      }
      if (i >= page.length) {
        // This source's next item may sort before every other head: fetch it before merging on.
        heap.pop();
        refill = source;
        break;
      }
      head.index = i;
      head.key = key(page[i] as T);
      heap.down();
    }
    if (items.length > 0) yield batch;
    if (refill !== undefined) await fill(refill);
    else if (heap.size === 0) return;
  }
}
