// Seeds core's neutral RunFixture into the ModelArts emulator in ModelArts' own wire terms: a v2 job
// detail, one task log per node (lines stamped `<RFC 3339> <message>`, as `kubectl logs --timestamps`
// writes them), `cpuUsage` running metrics with -1 gaps, and the outputs as OBS objects.
import { randomUUID } from 'node:crypto';
import type { RunStatus } from '@runlens/core';
import type { ConformanceBackend, RunFixture } from '@runlens/core/testing';
import { startModelartsEmulator, type EmulatorOptions, type ModelartsEmulator, type TrainingJobDetail } from '../src/testing/index.js';

export const PHASE_OF: Record<RunStatus, string> = { pending: 'Pending', running: 'Running', completed: 'Completed', failed: 'Failed', stopped: 'Terminated' };
export const BUCKET = 'conformance-outputs';

/** Settings that make tests fast: small pages (bursts span them), no budget waits. */
export const FAST_SETTINGS = { pageLines: 500, requestsPerSecond: 100_000 };
/** Core's follow policy for tests (quick polls); follow knobs are core's, not the provider's. */
export const FAST_FOLLOW = { statusPollMs: 40, streamDiscoveryMs: 40 };

export function logText(lines: readonly { timestamp: number; message: string }[]): string {
  return lines.map((l) => `${new Date(l.timestamp).toISOString()} ${l.message}\n`).join('');
}

export class Harness {
  readonly jobs = new Map<string, TrainingJobDetail>();

  constructor(readonly emulator: ModelartsEmulator) {}

  static async start(options: EmulatorOptions = {}): Promise<Harness> {
    return new Harness(await startModelartsEmulator(options));
  }

  get env(): Record<string, string> {
    return { ...this.emulator.env };
  }

  seed(fixture: RunFixture, id: string = randomUUID()): string {
    const ended = fixture.endedAt;
    const detail: TrainingJobDetail = {
      kind: 'job',
      metadata: { id, name: fixture.name, create_time: fixture.startedAt - 30_000, user_name: 'runlens' },
      status: {
        phase: PHASE_OF[fixture.status],
        secondary_phase: PHASE_OF[fixture.status],
        start_time: fixture.startedAt,
        duration: ended !== undefined ? ended - fixture.startedAt : 0,
        tasks: [...fixture.nodes],
        running_records: [{ start_at: Math.floor(fixture.startedAt / 1000), ...(ended !== undefined ? { end_at: Math.floor(ended / 1000) } : {}), start_type: 'init_or_rescheduled' }],
      },
      algorithm: { outputs: [{ name: 'train_url', remote: { obs: { obs_url: `obs://${BUCKET}/${id}/output/` } } }] },
      spec: { resource: { flavor_id: 'modelarts.vm.cpu.8u', node_count: fixture.nodes.length } },
    };
    this.emulator.putJob(detail);
    this.jobs.set(id, detail);
    for (const node of fixture.nodes) {
      const lines = fixture.logs[node] ?? [];
      if (lines.length > 0) this.emulator.appendTaskLog(id, node, logText(lines));
    }
    for (const series of fixture.metrics ?? []) {
      if (series.kind !== 'system' || series.name !== 'cpu.utilization') continue;
      for (const node of series.node ? [series.node] : fixture.nodes) {
        this.emulator.setMetrics(id, node, [{ metric: 'cpuUsage', value: series.points.map((p) => (p.value === null ? -1 : p.value)) }]);
      }
    }
    for (const artifact of fixture.artifacts ?? []) this.emulator.putObject(BUCKET, `${id}/output/${artifact.path}`, artifact.content);
    return `modelarts:${id}`;
  }

  appendLogs(ref: string, node: string, lines: readonly { timestamp: number; message: string }[]): void {
    const id = ref.slice('modelarts:'.length);
    const detail = this.jobs.get(id);
    if (!detail) throw new Error(`unknown job ${id}`);
    if (!detail.status.tasks.includes(node)) {
      // A task that joins late: the job's status.tasks grows first, as ModelArts reports it.
      detail.status.tasks = [...detail.status.tasks, node];
      this.emulator.putJob(detail);
    }
    this.emulator.appendTaskLog(id, node, logText(lines));
  }

  setStatus(ref: string, status: RunStatus): void {
    const id = ref.slice('modelarts:'.length);
    const detail = this.jobs.get(id);
    if (!detail) throw new Error(`unknown job ${id}`);
    detail.status.phase = PHASE_OF[status];
    detail.status.secondary_phase = PHASE_OF[status];
    this.emulator.setPhase(id, PHASE_OF[status]);
  }

  backend(settings: Record<string, unknown> = FAST_SETTINGS): ConformanceBackend {
    return {
      env: this.env,
      settings,
      seed: async (fixture) => this.seed(fixture),
      appendLogs: async (ref, node, lines) => this.appendLogs(ref, node, lines),
      setStatus: async (ref, status) => this.setStatus(ref, status),
      close: () => this.emulator.close(),
    };
  }
}
