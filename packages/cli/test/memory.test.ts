import { describe, expect, it } from 'vitest';
import { boundHeapGrowth } from '../src/memory.js';

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
