// How runlens records a copied run in MLflow, shared by the writer (`runlens copy`) and the reader
// (the `mlflow:` provider). docs/providers/mlflow.md ("What runlens writes") is the reference; a
// change here is a change of a stored format, so readers keep accepting what older writers wrote.
import { fileSlug, type SystemMetricName } from '@runlens/core';

/** Directory (under the run's artifact root) holding what runlens itself writes. */
export const RUNLENS_DIR = 'runlens';
/** One artifact per node: `runlens/logs/<fileSlug(node)>.jsonl`, one LogRecord JSON object per line. */
export const LOGS_DIR = `${RUNLENS_DIR}/logs`;

export const TAGS = {
  sourceRef: 'runlens.source.ref',
  sourceProvider: 'runlens.source.provider',
  /** The source provider's own status value (`InProgress`, `Completed`, …). */
  sourceStatus: 'runlens.source.status',
  failureCategory: 'runlens.failure.category',
  failureReason: 'runlens.failure.reason',
  /** JSON array of strings. */
  failureEvidence: 'runlens.failure.evidence',
  failureCode: 'runlens.failure.code',
  /** JSON `{mlflowKey: originalKey}` for every metric, param and tag key the writer renamed; when too long for a tag, the artifact `runlens/keymap.json` instead (and no tag). */
  keymap: 'runlens.keymap',
  /** JSON `{"params": {mlflowKey: artifactPath}, "tags": {…}}`: values too long for MLflow, kept whole in artifacts (and not logged). */
  longValues: 'runlens.long_values',
} as const;

/** Artifacts runlens writes beside the run's own, under `runlens/`. */
export const ARTIFACTS = {
  keymap: `${RUNLENS_DIR}/keymap.json`,
  /** `[{name, node?, kind, unit?, providerName, valueType?, note?, key | artifact, steps, points}]`. */
  series: `${RUNLENS_DIR}/series.json`,
  /** The source Run as `describe --json` prints it, plus `origin`. */
  run: `${RUNLENS_DIR}/run.json`,
} as const;

/** A `runlens/series.json` entry: the source's descriptor and where its points are. */
export interface SeriesEntry {
  readonly name: string;
  readonly node?: string;
  readonly kind: 'system' | 'training';
  readonly unit?: string;
  readonly providerName: string;
  readonly valueType?: 'number' | 'string';
  readonly note?: string;
  /** The MLflow metric key (numeric series). */
  readonly key?: string;
  /** The archive-format artifact holding a text series (`runlens/metrics/<slug>.jsonl`). */
  readonly artifact?: string;
  /** Whether the source's points had steps (MLflow stores 0 for none). */
  readonly steps?: boolean;
  readonly points?: number;
}

/** Where a param or tag value too long for MLflow is kept whole. */
export function longValuePath(kind: 'params' | 'tags', mlflowKey: string): string {
  return `${RUNLENS_DIR}/values/${kind}/${fileSlug(mlflowKey)}.txt`;
}

/** The artifact path of a node's log. */
export function logArtifactPath(node: string): string {
  return `${LOGS_DIR}/${fileSlug(node)}.jsonl`;
}

/** runlens's normalized system metric names and the MLflow system metric each is written as. */
export const SYSTEM_METRIC_KEYS: Readonly<Record<SystemMetricName, string>> = {
  'cpu.utilization': 'cpu_utilization_percentage',
  'memory.utilization': 'system_memory_usage_percentage',
  'disk.utilization': 'disk_usage_percentage',
  'gpu.utilization': 'gpu_utilization_percentage',
  'gpu.memory.utilization': 'gpu_memory_usage_percentage',
  'npu.utilization': 'npu_utilization_percentage',
  'npu.memory.utilization': 'npu_memory_usage_percentage',
};

const BY_MLFLOW_NAME = new Map(Object.entries(SYSTEM_METRIC_KEYS).map(([ours, theirs]) => [theirs, ours as SystemMetricName]));

/** `system/<node>/<name>` (or `system/<name>` for a run-wide series), as MLflow's system metrics are named. */
export function systemMetricKey(name: SystemMetricName, node?: string): string {
  return node ? `system/${node}/${SYSTEM_METRIC_KEYS[name]}` : `system/${SYSTEM_METRIC_KEYS[name]}`;
}

/** What an MLflow metric key says about its series: a system metric (with its node and normalized name, when known) or a training one. */
export function parseMetricKey(key: string): { kind: 'system' | 'training'; name: string; node?: string } {
  if (!key.startsWith('system/')) return { kind: 'training', name: key };
  const rest = key.slice('system/'.length);
  const slash = rest.lastIndexOf('/');
  const node = slash > 0 ? rest.slice(0, slash) : undefined;
  const last = slash > 0 ? rest.slice(slash + 1) : rest;
  return { kind: 'system', name: BY_MLFLOW_NAME.get(last) ?? last, ...(node ? { node } : {}) };
}
