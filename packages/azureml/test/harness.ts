// Seeds core's neutral fixtures into the Azure ML emulator in Azure ML's own terms: a command job,
// one `user_logs/std_log_process_<rank>.txt` file per rank with ISO-timestamped lines, MLflow metric
// histories and run artifacts.
import type { RunFixture } from '@runlens/core/testing';
import type { RunStatus } from '@runlens/core';
import type { AzuremlEmulator, JobStatus } from '../src/testing/index.js';

export const AZURE_STATUS: Record<RunStatus, JobStatus> = {
  pending: 'Queued',
  running: 'Running',
  completed: 'Completed',
  failed: 'Failed',
  stopped: 'Canceled',
};

/** `rank-3` → `user_logs/std_log_process_3.txt`. */
export function logPath(node: string): string {
  const rank = /^rank-(\d+)$/.exec(node);
  if (!rank) throw new Error(`harness nodes are named rank-<n>, not ${node}`);
  return `user_logs/std_log_process_${rank[1]}.txt`;
}

export function logText(lines: readonly { timestamp: number; message: string }[]): string {
  return lines.map((l) => `${new Date(l.timestamp).toISOString()} ${l.message}\n`).join('');
}

export function seedFixture(emulator: AzuremlEmulator, name: string, fixture: RunFixture): void {
  emulator.putJob({
    name,
    displayName: fixture.name,
    status: AZURE_STATUS[fixture.status],
    instanceCount: fixture.nodes.length,
    processCountPerInstance: 1,
    createdAt: fixture.startedAt,
    startedAt: fixture.startedAt,
    ...(fixture.endedAt !== undefined ? { endedAt: fixture.endedAt } : {}),
  });
  for (const node of fixture.nodes) emulator.setLog(name, logPath(node), logText(fixture.logs[node] ?? []));
  for (const series of fixture.metrics ?? []) {
    for (const point of series.points) if (point.value !== null) emulator.logMetric(name, series.name, point.value, point.step, point.timestamp);
  }
  for (const artifact of fixture.artifacts ?? []) emulator.putArtifact(name, artifact.path, artifact.content);
}
