// Key mapping: every key MLflow refuses gets a key it accepts, distinct from every other key of the
// run, the same on every copy, and an earlier copy's mapping is kept.
import { isValidKey } from '@runlens/mlflow/client';
import { describe, expect, it } from 'vitest';
import { KeyMapper, sanitizeKey } from '../src/keys.js';

describe('key mapping', () => {
  it("maps YOLO's metric names to keys MLflow accepts and records the originals", () => {
    const keys = ['metrics/mAP50-95(B)', 'metrics/mAP50(B)', 'train/box_loss', 'lr/pg0'];
    const mapper = new KeyMapper(keys);
    expect(mapper.key('metrics/mAP50-95(B)')).toBe('metrics/mAP50-95_B_');
    expect(mapper.key('train/box_loss')).toBe('train/box_loss');
    expect(mapper.map).toEqual({ 'metrics/mAP50-95_B_': 'metrics/mAP50-95(B)', 'metrics/mAP50_B_': 'metrics/mAP50(B)' });
    for (const key of keys) expect(isValidKey(mapper.key(key))).toBe(true);
  });

  it('never maps two keys onto one, nor onto a key the run already has', () => {
    const keys = ['a(b)', 'a[b]', 'a_b_', 'x@1', 'x#1'];
    const mapper = new KeyMapper(keys);
    const written = keys.map((k) => mapper.key(k));
    expect(new Set(written).size).toBe(keys.length);
    expect(mapper.key('a_b_')).toBe('a_b_');
    for (const k of written) expect(isValidKey(k)).toBe(true);
    // Every mapped key restores its original.
    for (const key of keys) if (mapper.key(key) !== key) expect(mapper.map[mapper.key(key)]).toBe(key);
  });

  it('fixes keys that would resolve to other names as paths, and long keys', () => {
    for (const key of ['/lead', 'trail/', 'a//b', 'a/./b', 'a/../b', '..', '.', '', 'x'.repeat(300), `${'é'.repeat(249)}(`]) {
      const mapped = new KeyMapper([key]).key(key);
      expect({ key, valid: isValidKey(mapped) }).toEqual({ key, valid: true });
    }
    expect(sanitizeKey('a//b')).toBe('a/b');
    expect([...sanitizeKey('y'.repeat(400))].length).toBe(250);
  });

  it('is the same on every copy whatever order keys come in, and keeps an earlier mapping', () => {
    const one = new KeyMapper(['b(1)', 'b[1]', 'c']);
    const two = new KeyMapper(['c', 'b[1]', 'b(1)']);
    expect(two.map).toEqual(one.map);
    // An earlier copy wrote 'b(1)' as 'custom': it stays so, even though a fresh mapping differs.
    const resumed = new KeyMapper(['b(1)', 'c'], { custom: 'b(1)' });
    expect(resumed.key('b(1)')).toBe('custom');
  });

  it('maps a colon when the target does not accept it', () => {
    expect(new KeyMapper(['validation:logloss']).key('validation:logloss')).toBe('validation:logloss');
    const old = new KeyMapper(['validation:logloss'], {}, { colon: false });
    expect(old.key('validation:logloss')).toBe('validation_logloss');
  });
});
