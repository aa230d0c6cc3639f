import { setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets the old generation grow past what the last full collection kept (+50 %).
 *
 * Reading a log holds a page per stream (16 CloudWatch pages of ~7,700 events: ~44 MB live heap,
 * measured with a heap snapshot), and each page read leaves megabytes of parsed-response garbage
 * that outlives a scavenge. On a machine with a few GiB of memory V8 lets the heap grow to up to 4×
 * the live size before a full collection, so that read peaked at 195 MB of heap and ~300 MB RSS
 * holding 44 MB of data. Growing by 50 % keeps it near 160 MB RSS for about 10 % more CPU
 * (docs/performance.md). This is not a cap: a command that really holds more data gets a bigger heap.
 */
export const HEAP_GROWING_PERCENT = 50;

/** Sets the growth factor unless the user chose their own heap settings in NODE_OPTIONS or node's flags. */
export function boundHeapGrowth(env: Readonly<Record<string, string | undefined>> = process.env, execArgv: readonly string[] = process.execArgv): boolean {
  const given = [...execArgv, ...(env.NODE_OPTIONS ?? '').split(/\s+/)];
  if (given.some((flag) => /^--(heap[-_]growing[-_]percent|max[-_]old[-_]space[-_]size|optimize[-_]for[-_]size)\b/.test(flag))) return false;
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  return true;
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
  const given = [...execArgv, ...(env.NODE_OPTIONS ?? '').split(/\s+/)];
  if (given.some((flag) => /^--(no-)?(liftoff|liftoff[-_]only|wasm[-_]tier[-_]up|wasm[-_]dynamic[-_]tiering)\b/.test(flag))) return false;
  setFlagsFromString('--liftoff-only');
  return true;
}
