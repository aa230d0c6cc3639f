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
  /** JSON array of `{name, instanceType?, status?}`: the run's nodes, in order (a big value: see `bigTagValue`). */
  nodes: 'runlens.nodes',
  /** JSON object `{mlflowKey: originalKey}` for every metric, param and tag key the writer had to rename. */
  keymap: 'runlens.keymap',
  /**
   * JSON `{"params": {mlflowKey: artifactPath}, "tags": {mlflowKey: artifactPath}}`: values longer
   * than MLflow allows, kept whole in artifacts (`longValuePath`); the reader puts them back.
   */
  longValues: 'runlens.longvalues',
} as const;

/** Where a big tag value goes when it exceeds MLflow's tag limit: `{"$artifact": "runlens/<name>.json"}` in the tag. */
export const KEYMAP_ARTIFACT = `${RUNLENS_DIR}/keymap.json`;
export const NODES_ARTIFACT = `${RUNLENS_DIR}/nodes.json`;

/** Where a param or tag value too long for MLflow is kept whole. */
export function longValuePath(kind: 'params' | 'tags', key: string): string {
  return `${RUNLENS_DIR}/values/${kind}/${fileSlug(key)}.txt`;
}

/** The artifact path of a node's log. */
export function logArtifactPath(node: string): string {
  return `${LOGS_DIR}/${fileSlug(node)}.jsonl`;
}

/**
 * A tag value that may have moved to an artifact: the JSON itself, or `{"$artifact": path}` naming
 * the artifact that holds it. `$` is not allowed in MLflow keys, so the marker can't be a real key.
 */
export function bigTagReference(value: string | undefined): { readonly json?: unknown; readonly artifact?: string } {
  if (value === undefined || value === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return {};
  }
  if (parsed && typeof parsed === 'object' && !Array.isArray(parsed) && typeof (parsed as { $artifact?: unknown }).$artifact === 'string') {
    return { artifact: (parsed as { $artifact: string }).$artifact };
  }
  return { json: parsed };
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
