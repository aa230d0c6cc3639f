// An MLflow run as runlens's Run: MLflow's own fields, plus what runlens copy recorded in its
// `runlens.*` tags (source, provider status, failure, nodes) and the key map that restores names.
import type { FailureCategory, Run, RunDocument, RunFailure, RunNode, RunStatus } from '@runlens/core';
import { TAGS, parseMetricKey, type SeriesEntry } from './conventions.js';
import { toNumber, type MlflowRun } from './wire.js';
import type { RunArtifactStore } from './client.js';

const STATUS: Readonly<Record<string, RunStatus>> = {
  RUNNING: 'running',
  SCHEDULED: 'pending',
  FINISHED: 'completed',
  FAILED: 'failed',
  KILLED: 'stopped',
};

const CATEGORIES: ReadonlySet<string> = new Set<FailureCategory>([
  'invalid-hyperparameter', 'invalid-input-data', 'user-code-error', 'out-of-memory', 'capacity', 'setup', 'permission', 'timeout', 'stopped-by-user', 'unknown',
]);

/**
 * What describe fetched beside the run: the adapter's per-run handle (contract v2) for the log,
 * metric and artifact readers. `Run.raw` is only the MLflow run document (`runs/get`), shown to users.
 */
export interface MlflowHandle {
  readonly run: MlflowRun;
  /** `{mlflowKey: originalKey}`. */
  readonly keymap: Readonly<Record<string, string>>;
  /** Whole values of params and tags too long for MLflow (kept in artifacts, not logged), by MLflow key. */
  readonly longValues?: { readonly params: Readonly<Record<string, string>>; readonly tags: Readonly<Record<string, string>> };
  /** The source Run runlens copy stored (`runlens/run.json`), for what MLflow has no field for. */
  readonly source?: Partial<Run>;
  /** The series manifest runlens copy stored (`runlens/series.json`). */
  readonly series?: readonly SeriesEntry[];
  readonly nodes: readonly RunNode[];
  /** Where the run's artifacts are (the proxy, or S3 behind a SageMaker server), or why runlens cannot reach them. */
  readonly artifacts: { readonly store: RunArtifactStore } | { readonly unavailable: string };
}

export const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());

function jsonStrings(text: string | undefined): string[] {
  if (!text) return [];
  try {
    const parsed = JSON.parse(text) as unknown;
    return Array.isArray(parsed) ? parsed.filter((x): x is string => typeof x === 'string') : [text];
  } catch {
    return [text];
  }
}

export function tagMap(run: MlflowRun): Map<string, string> {
  return new Map((run.data?.tags ?? []).map((t) => [t.key, t.value ?? '']));
}

export function toRun(id: string, raw: Omit<MlflowHandle, 'artifacts'>): RunDocument {
  const { run, keymap } = raw;
  const restore = (key: string) => keymap[key] ?? key;
  const tags = tagMap(run);
  const mlflowStatus = run.info.status ?? 'RUNNING';
  const status = STATUS[mlflowStatus] ?? 'running';
  const hyperparameters: Record<string, string> = {};
  for (const p of run.data?.params ?? []) hyperparameters[restore(p.key)] = p.value ?? '';
  for (const [key, value] of Object.entries(raw.longValues?.params ?? {})) hyperparameters[restore(key)] = value;
  const userTags: Record<string, string> = {};
  for (const [key, value] of tags) if (!key.startsWith('mlflow.') && !key.startsWith('runlens.')) userTags[restore(key)] = value;
  for (const [key, value] of Object.entries(raw.longValues?.tags ?? {})) if (!key.startsWith('mlflow.') && !key.startsWith('runlens.')) userTags[restore(key)] = value;
  const finalMetrics: Record<string, number> = {};
  for (const m of run.data?.metrics ?? []) {
    const name = restore(m.key);
    const value = typeof m.value === 'number' ? m.value : Number(m.value);
    if (parseMetricKey(name).kind === 'training' && Number.isFinite(value)) finalMetrics[name] = value;
  }
  // Tags too long for MLflow (evidence, say) are whole in their artifacts.
  const tagValue = (key: string) => raw.longValues?.tags[key] ?? tags.get(key);
  let failure: RunFailure | undefined;
  if (status === 'failed') {
    const category = tags.get(TAGS.failureCategory);
    const code = tags.get(TAGS.failureCode);
    failure = {
      category: (category && CATEGORIES.has(category) ? category : 'unknown') as FailureCategory,
      reason: tagValue(TAGS.failureReason) ?? '',
      evidence: jsonStrings(tagValue(TAGS.failureEvidence)),
      ...(code ? { code } : {}),
    };
  }
  const start = toNumber(run.info.start_time);
  const end = toNumber(run.info.end_time);
  return {
    id,
    name: run.info.run_name ?? tags.get('mlflow.runName') ?? id,
    status,
    providerStatus: tags.get(TAGS.sourceStatus) ?? mlflowStatus,
    ...(start !== undefined ? { createdAt: typeof raw.source?.createdAt === 'string' ? raw.source.createdAt : iso(start), startedAt: iso(start) } : {}),
    ...(end !== undefined && end > 0 ? { endedAt: iso(end) } : {}),
    nodes: raw.nodes,
    ...(Array.isArray(raw.source?.timeline) ? { timeline: raw.source.timeline } : {}),
    ...(failure ? { failure } : {}),
    hyperparameters,
    // A copy keeps the source's shape: no `tags` where the source had none.
    ...(Object.keys(userTags).length > 0 || (raw.source ? raw.source.tags !== undefined : true) ? { tags: userTags } : {}),
    // A copy's final metrics are the source's (MLflow's latest values are per key and step, not the provider's own).
    ...(raw.source ? (raw.source.finalMetrics && typeof raw.source.finalMetrics === 'object' ? { finalMetrics: raw.source.finalMetrics } : {}) : Object.keys(finalMetrics).length ? { finalMetrics } : {}),
    raw: run,
  };
}

/** The nodes of `runlens/run.json` (`[{name, instanceType?, status?}]`) as RunNodes. */
export function parseNodes(json: unknown): RunNode[] {
  if (!Array.isArray(json)) return [];
  const nodes: RunNode[] = [];
  for (const item of json) {
    if (typeof item === 'string') nodes.push({ name: item });
    else if (item && typeof item === 'object' && typeof (item as { name?: unknown }).name === 'string') {
      const { name, instanceType, status } = item as { name: string; instanceType?: unknown; status?: unknown };
      nodes.push({ name, ...(typeof instanceType === 'string' ? { instanceType } : {}), ...(typeof status === 'string' ? { status } : {}) });
    }
  }
  return nodes;
}
