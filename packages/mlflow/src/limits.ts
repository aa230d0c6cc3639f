// MLflow's request limits and key rules, as its server validates them (mlflow/utils/validation.py;
// docs/providers/mlflow.md cites each). The emulator enforces them and writers plan within them.

export const MAX_METRICS_PER_BATCH = 1000;
export const MAX_PARAMS_TAGS_PER_BATCH = 100;
export const MAX_ENTITIES_PER_BATCH = 1000;
/** log-batch request body, in bytes (`int(1e6)`, checked on the JSON text). */
export const MAX_BATCH_LOG_REQUEST_SIZE = 1_000_000;
export const MAX_PARAM_VAL_LENGTH = 6000;
export const MAX_TAG_VAL_LENGTH = 5000;
export const MAX_ENTITY_KEY_LENGTH = 250;
export const MAX_EXPERIMENT_NAME_LENGTH = 500;

/** Run statuses of MLflow's `RunStatus` enum. */
export const MLFLOW_RUN_STATUSES = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'] as const;
export type MlflowRunStatus = (typeof MLFLOW_RUN_STATUSES)[number];

// Python's `\w` on str patterns is Unicode-aware: letters and digits of any script, and `_`.
const KEY_WITH_COLON = /^[\p{L}\p{N}_/.\- :]*$/u;
const KEY_WITHOUT_COLON = /^[\p{L}\p{N}_/.\- ]*$/u;

export interface KeyRules {
  /**
   * Whether `:` is allowed. MLflow added it in 2024 (mlflow/mlflow #12943); older servers, and
   * servers on Windows, reject it. Default true.
   */
  readonly colon?: boolean;
}

/** POSIX `normpath` on a key, as Python's posixpath does it (for MLflow's "name must not resolve elsewhere" rule). */
export function normpath(path: string): string {
  if (path === '') return '.';
  const initial = path.startsWith('/') ? (path.startsWith('//') && !path.startsWith('///') ? 2 : 1) : 0;
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part !== '..' || (initial === 0 && out.length === 0) || (out.length > 0 && out[out.length - 1] === '..')) out.push(part);
    else if (out.length > 0) out.pop();
  }
  const joined = out.join('/');
  const result = '/'.repeat(initial) + joined;
  return result === '' ? '.' : result;
}

/** Why MLflow would reject this metric, param or tag key, or undefined when it accepts it. */
export function keyProblem(key: string, rules: KeyRules = {}): string | undefined {
  const pattern = rules.colon === false ? KEY_WITHOUT_COLON : KEY_WITH_COLON;
  if (!pattern.test(key)) {
    return `Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ),${rules.colon === false ? '' : ' colon (:),'} and slashes (/).`;
  }
  const norm = normpath(key);
  if (norm !== key || norm === '.' || norm.startsWith('..') || norm.startsWith('/')) {
    return `Names may be treated as files in certain cases, and must not resolve to other names when treated as such. This name would resolve to '${norm}'`;
  }
  const length = codePoints(key);
  if (length > MAX_ENTITY_KEY_LENGTH) return `had length ${length}, which exceeded length limit of ${MAX_ENTITY_KEY_LENGTH}`;
  return undefined;
}

export function isValidKey(key: string, rules: KeyRules = {}): boolean {
  return keyProblem(key, rules) === undefined;
}

/** Python's `len()` of a str: code points, not UTF-16 units. */
export function codePoints(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}
