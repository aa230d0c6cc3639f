import type { LogRecord } from './model/log.js';
import type { FailureCategory, RunFailure, RunSummaryFailure } from './model/run.js';

export interface FailureRule {
  readonly category: FailureCategory;
  readonly pattern: RegExp;
}

/**
 * Patterns shared by every provider, most specific first. Adapters put their own rules (matched on
 * structured codes where they have them) in front of these.
 */
export const COMMON_FAILURE_RULES: readonly FailureRule[] = [
  { category: 'stopped-by-user', pattern: /stopped by (the )?user|stop(ped)? requested by|cancel+ed by (the )?user|CancelRequested|user (requested|initiated) (stop|cancel)/i },
  { category: 'out-of-memory', pattern: /out of memory|OutOfMemory|\bOOM\b|MemoryError|Cannot allocate memory|more memory|exit(ed)?( with)?( code| status)? 137\b|OOMKilled/i },
  { category: 'capacity', pattern: /CapacityError|InsufficientInstanceCapacity|insufficient capacity|ResourceLimitExceeded|no available resources?|resource pool|not enough (compute|quota)|quota exceeded/i },
  { category: 'permission', pattern: /AccessDenied|access denied|not authori[sz]ed|permission denied|\bForbidden\b|AuthorizationFailed|is not allowed to assume/i },
  { category: 'timeout', pattern: /MaxRuntimeExceeded|MaxWaitTimeExceeded|max(imum)? run ?time|timed? ?out|deadline exceeded/i },
  // Not any mention of "hyperparameters" (tracebacks are full of them): an invalid, unknown or missing one.
  { category: 'invalid-hyperparameter', pattern: /(invalid|unknown|unexpected|unsupported|missing|bad)\b[^\n]{0,40}hyper-?parameter|hyper-?parameter[^\n]{0,60}\b(invalid|not valid|unexpected|not allowed|unknown|missing|must be|out of range)|Additional properties are not allowed|is not valid under any of the given schemas/i },
  { category: 'invalid-input-data', pattern: /cannot copy sequence with size \d+ to array axis with dimension \d+|invalid (input )?data|(data|input) (format|shape)|shape mismatch|protobuf|could not parse (record|input)/i },
  { category: 'setup', pattern: /image|ErrImagePull|manifest unknown|NoSuchBucket|NoSuchKey|S3 (location|path|uri|bucket)|obs (path|url)|failed to download|could not download|ModuleNotFoundError|No module named|code download|environment (build|preparation)/i },
  { category: 'user-code-error', pattern: /Traceback|exception|exit(ed)?( with)?( code| status)? [1-9]\d*|non-zero exit|AlgorithmError|UserError|Error:/i },
];

/** The first category whose pattern matches any text, in rule order. */
export function classifyFailure(texts: readonly string[], rules: readonly FailureRule[] = []): FailureCategory {
  for (const rule of [...rules, ...COMMON_FAILURE_RULES]) {
    if (texts.some((t) => rule.pattern.test(t))) return rule.category;
  }
  return 'unknown';
}

const ERROR_LINE = /\b(ERROR|FATAL|CRITICAL)\b|Error\b|Exception\b|Traceback|Killed|exit(ed)? with|exit code/;

/**
 * Evidence from the end of a failed run's logs: the last traceback and the ERROR lines nearest the end
 * (a failure is usually told there; peers that truncate the tail lose it).
 */
export function extractEvidence(records: readonly LogRecord[], max = 10): string[] {
  const lines = records.map((r) => `[${r.node}] ${r.message.trimEnd()}`);
  let traceback: string[] = [];
  for (let i = records.length - 1; i >= 0; i--) {
    if (/^Traceback \(most recent call last\)/.test(records[i]!.message.trim())) {
      const node = records[i]!.node;
      const block = records.slice(i).filter((r) => r.node === node);
      traceback = block.slice(0, 40).map((r) => `[${r.node}] ${r.message.trimEnd()}`);
      break;
    }
  }
  const errors = lines.filter((line, i) => ERROR_LINE.test(records[i]!.message) && !traceback.includes(line));
  return [...errors.slice(-max), ...traceback];
}

/** Reasons too generic to explain anything; logs are consulted when the provider gives only these. */
export function isGenericReason(reason: string | undefined): boolean {
  if (!reason || reason.trim() === '') return true;
  return /^(AlgorithmError|ClientError|UserError|ServiceError)?:?\s*(See (job|the) logs?( for more (information|details))?\.?|\(No reason provided\)|unknown error|Training job failed\.?|Execution failed\.?)$/i.test(reason.trim());
}

/** Adds log evidence to a failure and re-classifies it when the provider's reason was not enough. */
export function enrichFailure(failure: RunFailure | undefined, tail: readonly LogRecord[], rules: readonly FailureRule[] = []): RunFailure {
  const given = failure?.evidence ?? [];
  const fromLogs = extractEvidence(tail).filter((line) => !given.includes(line));
  const reason =
    failure && !isGenericReason(failure.reason) ? failure.reason : (fromLogs.find((line) => /\b(ERROR|FATAL)\b|Error\b/.test(line)) ?? failure?.reason ?? 'no reason reported');
  const category =
    failure && failure.category !== 'unknown' ? failure.category : classifyFailure([reason, ...given, ...fromLogs, ...(failure ? [failure.reason] : [])], rules);
  return { category, reason, evidence: [...given, ...fromLogs], ...(failure?.code ? { code: failure.code } : {}) };
}

/**
 * A RunSummary's `failure` from the failure a provider's list answer describes: its category and
 * reason, but only when that already names a category. An `unknown` one is left out, because
 * describe would look in the logs and may find the category there; a listing never reads logs.
 */
export function summaryFailure(failure: RunFailure | undefined): RunSummaryFailure | undefined {
  if (!failure || failure.category === 'unknown') return undefined;
  return { category: failure.category, ...(failure.reason ? { reason: failure.reason } : {}) };
}
