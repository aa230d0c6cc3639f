// How a runlens Run maps onto an MLflow run: status, times, tags, params and metric keys
// (docs/migration.md is the reference; change both together).
import type { MetricDescriptor, Run, RunStatus } from '@runlens/core';
import type { MlflowRunStatus } from '@runlens/mlflow/client';

/** Tag names runlens writes on every copy. */
export const TAGS = {
  sourceRef: 'runlens.source.ref',
  sourceProvider: 'runlens.source.provider',
  sourceId: 'runlens.source.id',
  /** The provider's own status text (`Completed`, `Failed`, `Canceled`…). */
  providerStatus: 'runlens.source.status',
  /** runlens's normalized status of the source when it was copied. */
  status: 'runlens.status',
  origin: 'runlens.source.origin',
  failureCategory: 'runlens.failure.category',
  failureReason: 'runlens.failure.reason',
  /** JSON array of the evidence lines. */
  failureEvidence: 'runlens.failure.evidence',
  failureCode: 'runlens.failure.code',
  /** JSON `{mlflowKey: originalKey}` (or, when too long, the artifact runlens/keymap.json). */
  keymap: 'runlens.keymap',
  /** JSON `{"params": [...], "tags": [...]}`: keys whose values were too long and live in artifacts. */
  longValues: 'runlens.long_values',
  /** Set last: the ISO time the copy finished. A run without it is an unfinished copy. */
  complete: 'runlens.copy.complete',
  runName: 'mlflow.runName',
} as const;

/** Artifacts runlens writes next to the run's own. */
export const ARTIFACTS = {
  root: 'runlens',
  logsDir: 'runlens/logs',
  keymap: 'runlens/keymap.json',
  /** The series written as metrics and as artifacts, with their runlens descriptors. */
  series: 'runlens/series.json',
  /** The Run as `runlens describe --json` prints it, plus `origin`. */
  run: 'runlens/run.json',
  valuesDir: 'runlens/values',
  metricsDir: 'runlens/metrics',
} as const;

export function mlflowStatus(status: RunStatus): MlflowRunStatus {
  switch (status) {
    case 'completed':
      return 'FINISHED';
    case 'failed':
      return 'FAILED';
    case 'stopped':
      return 'KILLED';
    case 'pending':
      return 'SCHEDULED';
    default:
      return 'RUNNING';
  }
}

const ms = (iso: string | undefined): number | undefined => {
  if (iso === undefined) return undefined;
  const t = Date.parse(iso);
  return Number.isFinite(t) ? t : undefined;
};

/** MLflow's start_time: when the run started, else when it was created. */
export function startTime(run: Run): number | undefined {
  return ms(run.startedAt) ?? ms(run.createdAt);
}

export function endTime(run: Run): number | undefined {
  return ms(run.endedAt);
}

/**
 * MLflow's names for system metrics (mlflow/system_metrics/metrics/*.py), per node as MLflow's
 * multi-node monitor writes them: `system/<node>/<name>`. Where MLflow has no such metric the name
 * follows its pattern (`<thing>_<measure>_percentage`).
 */
const SYSTEM_NAMES: Record<string, string> = {
  'cpu.utilization': 'cpu_utilization_percentage',
  'memory.utilization': 'system_memory_usage_percentage',
  'disk.utilization': 'disk_usage_percentage',
  'gpu.utilization': 'gpu_utilization_percentage',
  'gpu.memory.utilization': 'gpu_memory_usage_percentage',
  'npu.utilization': 'npu_utilization_percentage',
  'npu.memory.utilization': 'npu_memory_usage_percentage',
};

/** The MLflow key a series is written under, before key mapping. */
export function seriesKey(series: MetricDescriptor): string {
  if (series.kind === 'system') {
    const name = SYSTEM_NAMES[series.name] ?? series.name;
    return series.node !== undefined ? `system/${series.node}/${name}` : `system/${name}`;
  }
  return series.node !== undefined ? `${series.name}/${series.node}` : series.name;
}

/** The tags a copy writes (before key mapping), in a stable order. Values may exceed MLflow's limit. */
export function runTags(run: Run, sourceRef: string): [string, string][] {
  const tags: [string, string][] = [];
  for (const [key, value] of Object.entries(run.tags ?? {})) {
    // The source's own runlens.* or mlflow.runName tags never override what the copy states.
    if (key.startsWith('runlens.') || key === TAGS.runName) continue;
    tags.push([key, value]);
  }
  tags.push([TAGS.sourceRef, sourceRef], [TAGS.sourceProvider, run.provider], [TAGS.sourceId, run.id], [TAGS.providerStatus, run.providerStatus], [TAGS.status, run.status]);
  if (run.origin) tags.push([TAGS.origin, run.origin.ref]);
  if (run.failure) {
    tags.push([TAGS.failureCategory, run.failure.category], [TAGS.failureReason, run.failure.reason], [TAGS.failureEvidence, JSON.stringify(run.failure.evidence)]);
    if (run.failure.code) tags.push([TAGS.failureCode, run.failure.code]);
  }
  return tags;
}
