import { describe, expect, it } from 'vitest';
import { baselineWasmOnly, boundHeapGrowth } from '../src/memory.js';

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
