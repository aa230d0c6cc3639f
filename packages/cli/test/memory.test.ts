import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { baselineWasmOnly, boundHeapGrowth, YOUNG_GENERATION_BYTES, youngGenerationLeftAlone, heapGrowingPercent, HEAP_GROWING_PERCENT, SMALL_HEAP_GROWING_PERCENT, SMALL_LIVE_HEAP_BYTES } from '../src/memory.js';

describe('heap growth while streaming', () => {
  it('is bounded by default and left alone when the user chose heap settings', () => {
    expect(boundHeapGrowth({}, [])).toBe(true);
    expect(boundHeapGrowth({ NODE_OPTIONS: '--enable-source-maps' }, [])).toBe(true);
    expect(boundHeapGrowth({ NODE_OPTIONS: '--enable-source-maps --max-old-space-size=4096' }, [])).toBe(false);
    expect(boundHeapGrowth({ NODE_OPTIONS: '--max_old_space_size=512' }, [])).toBe(false);
    expect(boundHeapGrowth({}, ['--heap-growing-percent=20'])).toBe(false);
    expect(boundHeapGrowth({}, ['--optimize-for-size'])).toBe(false);
  });
});

/**
 * A fresh node that allocates as a log read does (records made fast, a window of them alive for a
 * while, the event loop turning between batches), with or without the CLI's bound, and reports its
 * young generation in MB. Built memory.js: the CLI's dist, as the other CLI tests use it.
 */
function youngGenerationAfterRead(bound: boolean): number {
  const memory = fileURLToPath(new URL('../dist/memory.js', import.meta.url));
  const script = `
    import { getHeapSpaceStatistics } from 'node:v8';
    if (${bound}) (await import(${JSON.stringify(memory)})).boundHeapGrowth({}, []);
    const window = [];
    for (let round = 0; round < 400; round++) {
      for (let i = 0; i < 5_000; i++) window.push({ t: round * 1e6 + i, m: 'line ' + i, n: 'node' });
      if (window.length > 40_000) window.splice(0, 20_000);
      await new Promise((resolve) => setImmediate(resolve));
    }
    console.log(getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size);`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
  expect(child.stderr).toBe('');
  return Number(child.stdout.trim()) / (1024 * 1024);
}

describe('young generation growth', () => {
  it('stops at 16 MB in a process that allocates like a log read, where V8 alone doubles it to 32 MB', () => {
    expect(youngGenerationAfterRead(false)).toBe(32);
    expect(youngGenerationAfterRead(true)).toBe(YOUNG_GENERATION_BYTES / (1024 * 1024));
  }, 60_000);


  it('is left to the user who set semi-space flags, and bounded otherwise', () => {
    expect(youngGenerationLeftAlone({}, [])).toBe(false);
    expect(youngGenerationLeftAlone({ NODE_OPTIONS: '--enable-source-maps' }, ['--max-old-space-size=512'])).toBe(false);
    expect(youngGenerationLeftAlone({ NODE_OPTIONS: '--max-semi-space-size=64' }, [])).toBe(true);
    expect(youngGenerationLeftAlone({}, ['--max_semi_space_size=8'])).toBe(true);
    expect(youngGenerationLeftAlone({}, ['--min-semi-space-size=2'])).toBe(true);
    expect(youngGenerationLeftAlone({}, ['--semi-space-growth-factor=4'])).toBe(true);
  });
});

describe('heap growth by live size', () => {
  const MB = 1024 * 1024;
  it('lets a small live heap grow to 3x before the next full collection, and a big one by 50 %', () => {
    // The ModelArts 200 MB read: ~13 MB of live old generation.
    expect(heapGrowingPercent(13 * MB)).toBe(SMALL_HEAP_GROWING_PERCENT);
    expect(heapGrowingPercent(0)).toBe(SMALL_HEAP_GROWING_PERCENT);
    expect(heapGrowingPercent(SMALL_LIVE_HEAP_BYTES - 1)).toBe(SMALL_HEAP_GROWING_PERCENT);
    // At most this much more heap than +50 % would give.
    expect((SMALL_LIVE_HEAP_BYTES * (SMALL_HEAP_GROWING_PERCENT - HEAP_GROWING_PERCENT)) / 100).toBeLessThanOrEqual(24 * MB);
    // The 16-stream SageMaker read: ~44 MB live.
    expect(heapGrowingPercent(SMALL_LIVE_HEAP_BYTES)).toBe(HEAP_GROWING_PERCENT);
    expect(heapGrowingPercent(44 * MB)).toBe(HEAP_GROWING_PERCENT);
  });
});

describe('wasm compiled by the baseline compiler only (undici exits without waiting on an optimising compile)', () => {
  it('is set by default and left alone when the user chose wasm tiering flags', () => {
    expect(baselineWasmOnly({}, [])).toBe(true);
    expect(baselineWasmOnly({ NODE_OPTIONS: '--enable-source-maps' }, [])).toBe(true);
    expect(baselineWasmOnly({}, ['--no-liftoff'])).toBe(false);
    expect(baselineWasmOnly({}, ['--wasm-tier-up'])).toBe(false);
    expect(baselineWasmOnly({ NODE_OPTIONS: '--liftoff-only' }, [])).toBe(false);
    expect(baselineWasmOnly({}, ['--wasm_dynamic_tiering'])).toBe(false);
  });
});
