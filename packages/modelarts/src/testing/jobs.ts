/** In-memory state of v2 training jobs: detail, events, per-task logs and metrics. */
import { GrowingLog, toByteSource, type ByteSource, type LazyLog } from './bytes.js';
import type { JobEvent, PreviewField, TaskMetric, TrainingJobDetail } from './model.js';

export interface JobOptions {
  /** Answer the log preview with the pre-2022 `context` field. Default `content`. */
  previewField?: PreviewField;
}

export interface JobRecord {
  detail: TrainingJobDetail;
  events: JobEvent[];
  logs: Map<string, ByteSource>;
  metrics: Map<string, TaskMetric[]>;
  previewField: PreviewField;
}

const TERMINAL_PHASES = new Set(['Failed', 'Completed', 'Terminated', 'Abnormal']);

export function isTerminal(phase: string): boolean {
  return TERMINAL_PHASES.has(phase);
}

export class JobStore {
  readonly #jobs = new Map<string, JobRecord>();

  put(detail: TrainingJobDetail, options: JobOptions = {}): void {
    const previous = this.#jobs.get(detail.metadata.id);
    this.#jobs.set(detail.metadata.id, {
      detail: structuredClone(detail),
      events: previous?.events ?? [],
      logs: previous?.logs ?? new Map(),
      metrics: previous?.metrics ?? new Map(),
      previewField: options.previewField ?? previous?.previewField ?? 'content',
    });
  }

  get(id: string): JobRecord | undefined {
    return this.#jobs.get(id);
  }

  all(): JobRecord[] {
    return [...this.#jobs.values()];
  }

  configure(id: string, options: JobOptions): void {
    const job = this.#require(id);
    if (options.previewField) job.previewField = options.previewField;
  }

  setPhase(id: string, phase: string, secondaryPhase: string = phase): void {
    const { status } = this.#require(id).detail;
    status.phase = phase;
    status.secondary_phase = secondaryPhase;
  }

  addEvent(id: string, event: JobEvent): void {
    this.#require(id).events.push({ ...event });
  }

  appendTaskLog(id: string, task: string, text: string): void {
    const logs = this.#requireTask(id, task).logs;
    const log = logs.get(task);
    if (log === undefined) logs.set(task, new GrowingLog(text));
    else if (log instanceof GrowingLog) log.append(text);
    else throw new Error(`task ${task} of job ${id} has a generated log; use setTaskLog to replace it`);
  }

  setTaskLog(id: string, task: string, log: string | Uint8Array | LazyLog): void {
    this.#requireTask(id, task).logs.set(task, toByteSource(log));
  }

  setMetrics(id: string, task: string, metrics: TaskMetric[]): void {
    this.#requireTask(id, task).metrics.set(task, structuredClone(metrics));
  }

  #require(id: string): JobRecord {
    const job = this.#jobs.get(id);
    if (!job) throw new Error(`no training job ${id}; putJob it first`);
    return job;
  }

  #requireTask(id: string, task: string): JobRecord {
    const job = this.#require(id);
    if (!job.detail.status.tasks.includes(task)) {
      throw new Error(`job ${id} has no task ${task} (status.tasks: ${job.detail.status.tasks.join(', ')})`);
    }
    return job;
  }
}
