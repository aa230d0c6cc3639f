import { constants, PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets the old generation grow past what the last full collection kept: at least +50 %.
 *
 * When pages of a log were arrays of records, reading one held a page per stream in the heap (16
 * CloudWatch pages of ~7,700 events: ~44 MB live heap, measured with a heap snapshot), and each page
 * read left megabytes of garbage that outlived a scavenge. On a machine with a few GiB of memory V8
 * lets the heap grow to up to 4× the live size before a full collection, so that read peaked at 195
 * MB of heap and ~300 MB RSS holding 44 MB of data. Pages are columns outside the heap now (core's
 * LogLines) and that read keeps ~14 MB of old generation, but a command that holds objects (a
 * comparison's series, an export's manifest) still grows by +50 % past a small heap. This is not a
 * cap: a command that really holds more data gets a bigger heap.
 */
export const HEAP_GROWING_PERCENT = 50;

/**
 * A live old generation smaller than this may grow to 3× (SMALL_HEAP_GROWING_PERCENT) before the
 * next full collection: at most 24 MB more heap than +50 %. With +50 % of a small live heap V8 marks
 * nearly all the time when a read churns through buffers (their bytes count towards the limit): the
 * 200 MB ModelArts log (~13 MB of live old generation, 1 MiB ranges and 64 KiB socket chunks passing
 * through) ran 23 full collections, one every ~55 ms, and took 14 % longer than with +200 %, which
 * runs one (docs/performance.md). A bigger live heap keeps +50 %: the 16-stream SageMaker read,
 * when its pages were objects (~44 MB), went over the memory target with the extra room.
 */
export const SMALL_LIVE_HEAP_BYTES = 16 * 1024 * 1024;
export const SMALL_HEAP_GROWING_PERCENT = 200;

/** The growing percent for a live old generation of `liveBytes`. */
export function heapGrowingPercent(liveBytes: number): number {
  return liveBytes < SMALL_LIVE_HEAP_BYTES ? SMALL_HEAP_GROWING_PERCENT : HEAP_GROWING_PERCENT;
}

/** Bytes in the old generation (regular and large objects) now: after a full collection, what it kept. */
function oldGenerationBytes(): number {
  let bytes = 0;
  for (const space of getHeapSpaceStatistics()) if (space.space_name === 'old_space' || space.space_name === 'large_object_space') bytes += space.space_used_size;
  return bytes;
}

/**
 * The young generation stops growing once it reaches this (V8's new space: two semi-spaces).
 *
 * V8 doubles the young generation while a program allocates fast, up to 32 MB on 64-bit Node 20, and
 * never gives it back while the program stays busy. A log read allocates fast (a record per line as
 * the merge hands it out) but keeps little of it: at 16 MB the 16-stream SageMaker read peaked 20–30
 * MB lower than at 32 MB, in the same wall time and CPU, and the ModelArts 200 MB log read at the same
 * speed (docs/performance.md). The young generation cannot be capped once the heap exists
 * (--max-semi-space-size is read at start-up), so growth stops when it gets here: the factor V8
 * grows it by is read at each growth. It may pass this once, when two collections come before the
 * observer runs; it does not grow after that.
 */
export const YOUNG_GENERATION_BYTES = 16 * 1024 * 1024;

/** The flags node was started with: its own arguments and NODE_OPTIONS. */
function nodeFlags(env: Readonly<Record<string, string | undefined>>, execArgv: readonly string[]): string[] {
  return [...execArgv, ...(env.NODE_OPTIONS ?? '').split(/\s+/)];
}

let adapting: PerformanceObserver | undefined;
let percent = 0;
let youngCapped = false;

/** Bytes of V8's young generation now (its new space, committed). */
function youngGenerationBytes(): number {
  for (const space of getHeapSpaceStatistics()) if (space.space_name === 'new_space') return space.space_size;
  return 0;
}

/** Stops the young generation growing once it has reached YOUNG_GENERATION_BYTES. */
function capYoungGeneration(): void {
  if (youngCapped || youngGenerationBytes() < YOUNG_GENERATION_BYTES) return;
  youngCapped = true;
  setFlagsFromString('--semi-space-growth-factor=1');
}

/** Sets the growth factor to what the live heap calls for (heapGrowingPercent), when it changes. */
function setGrowth(liveBytes: number): void {
  const next = heapGrowingPercent(liveBytes);
  if (next === percent) return;
  percent = next;
  setFlagsFromString(`--heap-growing-percent=${next}`);
}

/**
 * Bounds heap growth unless the user chose their own heap settings in NODE_OPTIONS or node's flags:
 * the old generation by +50 %, or +200 % for a small live heap, judged again after each full
 * collection (V8 reads the flag whenever it sets the next limit); the young generation at
 * YOUNG_GENERATION_BYTES, unless the user chose young generation settings.
 */
export function boundHeapGrowth(env: Readonly<Record<string, string | undefined>> = process.env, execArgv: readonly string[] = process.execArgv): boolean {
  const given = nodeFlags(env, execArgv);
  if (given.some((flag) => /^--(heap[-_]growing[-_]percent|max[-_]old[-_]space[-_]size|optimize[-_]for[-_]size)\b/.test(flag))) return false;
  const young = !youngGenerationLeftAlone(env, execArgv);
  setGrowth(oldGenerationBytes());
  if (young) capYoungGeneration();
  if (!adapting) {
    adapting = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        if ((entry as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) setGrowth(oldGenerationBytes());
      }
      if (young) capYoungGeneration();
    });
    adapting.observe({ entryTypes: ['gc'] });
  }
  return true;
}

/** Whether boundHeapGrowth leaves the young generation to the user (they set semi-space flags). */
export function youngGenerationLeftAlone(env: Readonly<Record<string, string | undefined>> = process.env, execArgv: readonly string[] = process.execArgv): boolean {
  return nodeFlags(env, execArgv).some((flag) => /^--(max|min)?[-_]?semi[-_]space[-_](size|growth[-_]factor)\b/.test(flag));
}

/**
 * Wasm compiled by the baseline compiler only. undici parses HTTP/1.1 with llhttp compiled to wasm,
 * and V8 also compiles that module with its optimising compiler on a background thread, which takes
 * longer than a typical command: the process then waits for it before it can exit (strace: the main
 * thread blocked ~200 ms in exit on a busy compile thread). Every command that talks to ModelArts,
 * Azure ML or MLflow (undici) ended 0.15–0.2 s late (`bench/exit.mjs`: +387 against +210 ms over
 * bare node for `describe modelarts:`), while the 200 MB ModelArts log read in the same time with
 * llhttp's baseline code (2.99 and 2.87 s, one side-by-side run). Not set when the user chose their
 * own wasm tiering flags.
 */
export function baselineWasmOnly(env: Readonly<Record<string, string | undefined>> = process.env, execArgv: readonly string[] = process.execArgv): boolean {
  const given = nodeFlags(env, execArgv);
  if (given.some((flag) => /^--(no-)?(liftoff|liftoff[-_]only|wasm[-_]tier[-_]up|wasm[-_]dynamic[-_]tiering)\b/.test(flag))) return false;
  setFlagsFromString('--liftoff-only');
  return true;
}
