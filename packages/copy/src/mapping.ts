// How a runlens Run maps onto an MLflow run: status, times, tags, params and metric keys
// (docs/migration.md is the reference; change both together).
import { SYSTEM_METRICS, type MetricDescriptor, type Run, type RunStatus, type SystemMetricName } from '@runlens/core';
import { ARTIFACTS as CONVENTION_ARTIFACTS, RUNLENS_DIR, systemMetricKey, TAGS as CONVENTION_TAGS, type MlflowRunStatus } from '@runlens/mlflow';

/**
 * Tag names a copy writes: the ones the `mlflow:` reader understands come from @runlens/mlflow's
 * conventions (docs/providers/mlflow.md, "What runlens writes"); the rest are the copy's own.
 */
export const TAGS = {
  ...CONVENTION_TAGS,
  sourceId: 'runlens.source.id',
  /** runlens's normalized status of the source when it was copied (decides whether a rerun has work). */
  status: 'runlens.status',
  origin: 'runlens.source.origin',
  /** Set last: the ISO time the copy finished. A run without it is an unfinished copy. */
  complete: 'runlens.copy.complete',
  runName: 'mlflow.runName',
} as const;

/** Artifacts runlens writes next to the run's own (`runlens/keymap.json`, `series.json`, `run.json`, …). */
export const ARTIFACTS = {
  ...CONVENTION_ARTIFACTS,
  root: RUNLENS_DIR,
  /** Text series, in the archive's series format. */
  metricsDir: `${RUNLENS_DIR}/metrics`,
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

/** The MLflow key a series is written under, before key mapping. */
export function seriesKey(series: MetricDescriptor): string {
  if (series.kind === 'system') {
    // MLflow's names (mlflow/system_metrics/metrics/*.py), per node as its monitor writes them with a
    // node id (system_metrics_monitor.py: `system/<node_id>/cpu_utilization_percentage`).
    if ((SYSTEM_METRICS as readonly string[]).includes(series.name)) return systemMetricKey(series.name as SystemMetricName, series.node);
    return series.node !== undefined ? `system/${series.node}/${series.name}` : `system/${series.name}`;
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
  tags.push([TAGS.sourceRef, sourceRef], [TAGS.sourceProvider, run.provider], [TAGS.sourceId, run.id], [TAGS.sourceStatus, run.providerStatus], [TAGS.status, run.status]);
  if (run.origin) tags.push([TAGS.origin, run.origin.ref]);
  if (run.failure) {
    tags.push([TAGS.failureCategory, run.failure.category], [TAGS.failureReason, run.failure.reason], [TAGS.failureEvidence, JSON.stringify(run.failure.evidence)]);
    if (run.failure.code) tags.push([TAGS.failureCode, run.failure.code]);
  }
  return tags;
}
