import { afterEach, describe, expect, it, vi } from 'vitest';
import { compareNatural } from '../src/index.js';

describe('compareNatural', () => {
  afterEach(() => vi.restoreAllMocks());

  it('orders digit runs by value and the rest ignoring case', () => {
    const names = ['algo-10', 'algo-2', 'algo-1', 'Algo-3', 'worker-9', 'worker-10', 'rank-0', 'job/algo-1-1', 'job/algo-1-10', 'job/algo-1-2', 'node007', 'node7', 'node08'];
    expect([...names].sort(compareNatural)).toEqual(['algo-1', 'algo-2', 'Algo-3', 'algo-10', 'job/algo-1-1', 'job/algo-1-2', 'job/algo-1-10', 'node7', 'node007', 'node08', 'rank-0', 'worker-9', 'worker-10']);
  });

  it('agrees with ICU natural collation on the names providers give nodes and streams', () => {
    const names = Array.from({ length: 24 }, (_, i) => [`algo-${i + 1}`, `worker-${i}`, `rank-${i}`, `rl-job/algo-${i % 3}-${1_700_000_000 + i}`, `user_logs/std_log_process_${i}.txt`]).flat();
    const byIcu = [...names].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    expect([...names].sort(compareNatural)).toEqual(byIcu);
  });

  it('never ties two different names, and compares huge numbers by value', () => {
    expect(compareNatural('a', 'A')).not.toBe(0);
    expect(compareNatural('x-99999999999999999999', 'x-100000000000000000000')).toBeLessThan(0);
    expect(compareNatural('same', 'same')).toBe(0);
  });

  it('does not use localeCompare or Intl (whose first use loads ICU collation data at start-up)', () => {
    const locale = vi.spyOn(String.prototype, 'localeCompare');
    const collator = vi.spyOn(Intl, 'Collator');
    ['algo-10', 'algo-2'].sort(compareNatural);
    expect(locale).not.toHaveBeenCalled();
    expect(collator).not.toHaveBeenCalled();
  });
});
