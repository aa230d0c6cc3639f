// Metric, param and tag keys MLflow refuses are mapped to keys it accepts; the mapping is recorded
// (run tag `runlens.keymap`, or artifact `runlens/keymap.json` when too long) so a reader restores
// the source's own names. Deterministic: the same source keys map the same way on every copy, and an
// earlier copy's mapping always wins, so a resumed copy never renames what it already wrote.
import { createHash } from 'node:crypto';
import { codePoints, keyProblem, MAX_ENTITY_KEY_LENGTH, type KeyRules } from '@runlens/mlflow/client';

/** `{mlflowKey: originalKey}` for every key that had to change. */
export type KeyMap = Record<string, string>;

const HASH_LENGTH = 8;

/** A key MLflow accepts, as close to `key` as the rules allow (uniqueness is the mapper's job). */
export function sanitizeKey(key: string, rules: KeyRules = {}): string {
  const allowed = rules.colon === false ? /[\p{L}\p{N}_/.\- ]/u : /[\p{L}\p{N}_/.\- :]/u;
  let text = '';
  for (const ch of key) text += allowed.test(ch) ? ch : '_';
  // Path rules: no empty, `.` or `..` segments, no leading or trailing slash (MLflow's normpath check).
  const segments = text.split('/').filter((s) => s !== '' && s !== '.').map((s) => (s === '..' ? '__' : s));
  const joined = segments.join('/');
  return truncate(joined === '' ? '_' : joined, MAX_ENTITY_KEY_LENGTH);
}

function truncate(text: string, limit: number): string {
  if (codePoints(text) <= limit) return text;
  const out = [...text].slice(0, limit).join('');
  // A cut may leave a trailing slash or a `.`/`..` last segment: normalise again.
  return out.replace(/\/+$/, '').replace(/(^|\/)\.\.?$/, '$1_');
}

function suffixed(base: string, original: string): string {
  const hash = createHash('sha256').update(original).digest('hex').slice(0, HASH_LENGTH);
  const room = MAX_ENTITY_KEY_LENGTH - HASH_LENGTH - 1;
  return `${truncate(base, room)}_${hash}`;
}

/**
 * Maps every key of one run. Keys are shared across metrics, params and tags: a mapped key never
 * equals any other key of the run, so one map restores all three.
 */
export class KeyMapper {
  private readonly byOriginal = new Map<string, string>();
  private readonly taken = new Set<string>();
  readonly map: KeyMap = {};

  /**
   * `keys`: every key the run will write (all kinds). `earlier`: the map an earlier copy recorded.
   * `rules`: the target's key rules (colon or not).
   */
  constructor(keys: Iterable<string>, earlier: KeyMap = {}, private readonly rules: KeyRules = {}) {
    const all = [...new Set(keys)].sort();
    for (const key of all) if (keyProblem(key, rules) === undefined) this.taken.add(key);
    for (const [mlflowKey, original] of Object.entries(earlier)) {
      if (this.byOriginal.has(original) || this.taken.has(mlflowKey) || keyProblem(mlflowKey, rules) !== undefined) continue;
      this.assign(original, mlflowKey);
    }
    for (const key of all) if (!this.taken.has(key) && !this.byOriginal.has(key)) this.assign(key, this.fresh(key));
  }

  private fresh(key: string): string {
    const base = sanitizeKey(key, this.rules);
    if (!this.taken.has(base)) return base;
    let candidate = suffixed(base, key);
    for (let i = 2; this.taken.has(candidate); i++) candidate = suffixed(base, `${key}\u0000${i}`);
    return candidate;
  }

  private assign(original: string, mlflowKey: string): void {
    this.byOriginal.set(original, mlflowKey);
    this.taken.add(mlflowKey);
    this.map[mlflowKey] = original;
  }

  /** The key to write for `original` (itself when MLflow accepts it). */
  key(original: string): string {
    return this.byOriginal.get(original) ?? original;
  }

  get size(): number {
    return this.byOriginal.size;
  }
}
