import { MinHeap } from './heap.js';

/** Something that yields items in its own order, one page at a time. */
export interface MergeSource<T> {
  /** Items of the next page, or undefined when the source is exhausted. */
  nextPage(): Promise<readonly T[] | undefined>;
}

interface Head<T> {
  readonly item: T;
  readonly source: number;
  readonly page: readonly T[];
  readonly index: number;
}

/**
 * k-way merge of sources by key. Stable: equal keys come out in source order, and each source's own
 * order is never changed (even if its keys go backwards). Memory is one page per source.
 * Yields each item with the index of its source (for cursor bookkeeping).
 */
export async function* mergeByKey<T>(sources: readonly MergeSource<T>[], key: (item: T) => number): AsyncGenerator<{ item: T; source: number }> {
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
        heap.push({ item: page[0]!, source, page, index: 0 });
        return;
      }
    }
  };
  await Promise.all(sources.map((_, i) => fill(i)));
  for (;;) {
    const head = heap.pop();
    if (!head) return;
    yield { item: head.item, source: head.source };
    const nextIndex = head.index + 1;
    if (nextIndex < head.page.length) heap.push({ item: head.page[nextIndex]!, source: head.source, page: head.page, index: nextIndex });
    else await fill(head.source);
  }
}
