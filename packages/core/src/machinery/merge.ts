import { MinHeap } from './heap.js';

/**
 * A page of items the merge reads by index: its key, then the item itself when it is handed out. An
 * array page (arrayPage) empties each slot as it goes; a page of columns (a LogLines) makes each item
 * only then, so items the merge holds are never made early.
 */
export interface MergePage<T> {
  readonly length: number;
  key(i: number): number;
  take(i: number): T;
}

/** Something that yields items in its own order, one page at a time. */
export interface MergeSource<T> {
  /** The next page, or undefined when the source is exhausted. The merge owns the page. */
  nextPage(): Promise<MergePage<T> | undefined>;
}

/**
 * An array as a merge page: the merge takes the array and empties each slot as it hands the item
 * out, so the pages it holds (one per source, thousands of items each) keep only what is still to
 * merge: on average half of them, for the garbage collector.
 */
export function arrayPage<T>(items: (T | undefined)[], key: (item: T) => number): MergePage<T> {
  return {
    length: items.length,
    key: (i) => key(items[i] as T),
    take(i) {
      const item = items[i] as T;
      items[i] = undefined;
      return item;
    },
  };
}

/** A source's place in the merge: its page being merged, the index of its next item there, and that item's key. */
interface Head<T> {
  readonly source: number;
  readonly page: MergePage<T>;
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
 * sources interleave.
 */
export async function* mergeByKey<T>(sources: readonly MergeSource<T>[], maxBatch = 1_024): AsyncGenerator<MergeBatch<T>> {
  const heap = new MinHeap<Head<T>>((a, b) => a.key < b.key || (a.key === b.key && a.source < b.source));
  const fill = async (source: number): Promise<void> => {
    for (;;) {
      const page = await sources[source]!.nextPage();
      if (page === undefined) return;
      if (page.length > 0) {
        heap.push({ source, page, index: 0, key: page.key(0) });
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
        items.push(page.take(i));
        from.push(source);
        i++;
        if (i >= end) break;
        if (other === undefined) continue;
        const k = page.key(i);
        if (k > other.key || (k === other.key && other.source < source)) break;
      }
      if (i >= page.length) {
        // This source's next item may sort before every other head: fetch it before merging on.
        heap.pop();
        refill = source;
        break;
      }
      head.index = i;
      head.key = page.key(i);
      heap.down();
    }
    if (items.length > 0) yield batch;
    if (refill !== undefined) await fill(refill);
    else if (heap.size === 0) return;
  }
}
