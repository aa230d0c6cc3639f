// Seeds a neutral RunFixture into the MLflow emulator the way runlens copy writes a run: MLflow
// status and times, metrics under MLflow's names (NaN for a missing sample), log artifacts per node.
import type { RunFixture } from '@runlens/core/testing';
import type { RunStatus } from '@runlens/core';
import { ARTIFACTS, TAGS, logArtifactPath, systemMetricKey, type SeriesEntry } from '../src/conventions.js';
import type { MlflowEmulator } from '../src/testing/index.js';

export const MLFLOW_STATUS: Readonly<Record<RunStatus, string>> = {
  pending: 'SCHEDULED',
  running: 'RUNNING',
  completed: 'FINISHED',
  failed: 'FAILED',
  stopped: 'KILLED',
};

export function logLines(node: string, lines: readonly { timestamp: number; message: string }[]): string {
  return lines.map((l) => `${JSON.stringify({ timestamp: l.timestamp, node, message: l.message })}\n`).join('');
}

export function seedFixture(emulator: MlflowEmulator, fixture: RunFixture): string {
  const metrics: { key: string; value: number; timestamp: number; step?: number }[] = [];
  const manifest: SeriesEntry[] = [];
  for (const series of fixture.metrics ?? []) {
    const key = series.kind === 'system' ? systemMetricKey(series.name as 'cpu.utilization', series.node) : series.name;
    const steps = series.points.some((p) => p.step !== undefined);
    manifest.push({ name: series.name, kind: series.kind, providerName: series.name, ...(series.node ? { node: series.node } : {}), ...(series.kind === 'system' ? { unit: 'percent' } : {}), key, steps, points: series.points.length });
    for (const p of series.points) metrics.push({ key, value: p.value ?? Number.NaN, timestamp: p.timestamp, step: p.step ?? 0 });
  }
  const run = emulator.seedRun({
    experiment: 'conformance',
    runName: fixture.name,
    status: MLFLOW_STATUS[fixture.status],
    startTime: fixture.startedAt,
    ...(fixture.endedAt !== undefined ? { endTime: fixture.endedAt } : {}),
    tags: { [TAGS.sourceRef]: `local:./${fixture.name}`, [TAGS.sourceProvider]: 'local' },
    metrics,
  });
  emulator.putArtifact(run.runId, ARTIFACTS.run, JSON.stringify({ nodes: fixture.nodes.map((name) => ({ name })) }));
  emulator.putArtifact(run.runId, ARTIFACTS.series, JSON.stringify(manifest));
  for (const node of fixture.nodes) emulator.putArtifact(run.runId, logArtifactPath(node), logLines(node, fixture.logs[node] ?? []));
  for (const artifact of fixture.artifacts ?? []) emulator.putArtifact(run.runId, artifact.path, artifact.content);
  return run.runId;
}
