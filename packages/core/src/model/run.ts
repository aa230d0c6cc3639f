/** The lifecycle states every provider's status is mapped onto. */
export type RunStatus = 'pending' | 'running' | 'completed' | 'failed' | 'stopped';

export const RUN_STATUSES: readonly RunStatus[] = ['pending', 'running', 'completed', 'failed', 'stopped'];

/** True once a run can no longer produce logs or metrics. */
export function isTerminal(status: RunStatus): boolean {
  return status === 'completed' || status === 'failed' || status === 'stopped';
}

/** Why a run failed, in words shared by all providers. */
export type FailureCategory =
  | 'invalid-hyperparameter'
  | 'invalid-input-data'
  | 'user-code-error'
  | 'out-of-memory'
  | 'capacity'
  | 'setup'
  | 'permission'
  | 'timeout'
  | 'stopped-by-user'
  | 'unknown';

export interface RunFailure {
  readonly category: FailureCategory;
  /** The provider's own reason text, or the most telling log line when the provider gives none. */
  readonly reason: string;
  /** Lines that justify the category: provider error details, ERROR lines and the traceback nearest the end. */
  readonly evidence: readonly string[];
  /** The provider's error code where it has one (`ModelArts.2775`, `UserError`, …). */
  readonly code?: string;
}

/** One node (host, task, rank) of a run; log streams and metric series are keyed by its name. */
export interface RunNode {
  readonly name: string;
  readonly instanceType?: string;
  readonly status?: string;
}

/** A status change, kept as the provider reported it. */
export interface TimelineEvent {
  /** ISO 8601 time. */
  readonly at: string;
  readonly status: string;
  readonly message?: string;
}

/** A training run as runlens describes it, whatever the provider. Times are ISO 8601 strings in UTC. */
export interface Run {
  /** Canonical reference, `provider:id`. */
  readonly ref: string;
  readonly provider: string;
  readonly id: string;
  readonly name: string;
  readonly status: RunStatus;
  /** The provider's raw status value (`InProgress`, `Running`, `Finalizing`, …). */
  readonly providerStatus: string;
  readonly createdAt?: string;
  readonly startedAt?: string;
  readonly endedAt?: string;
  readonly nodes: readonly RunNode[];
  readonly failure?: RunFailure;
  readonly hyperparameters: Readonly<Record<string, string>>;
  readonly tags?: Readonly<Record<string, string>>;
  /** Final value per training metric, where the provider reports them. */
  readonly finalMetrics?: Readonly<Record<string, number>>;
  readonly timeline?: readonly TimelineEvent[];
  /** For a run read back from an archive: the run it was exported from. */
  readonly origin?: { readonly provider: string; readonly ref: string };
  /** The provider's own record, untouched. */
  readonly raw: unknown;
}

/** A run as it appears in a listing (less than a full description). */
export interface RunSummary {
  readonly ref: string;
  readonly provider: string;
  readonly id: string;
  readonly name: string;
  readonly status: RunStatus;
  readonly providerStatus: string;
  readonly createdAt?: string;
  readonly endedAt?: string;
  /**
   * Why a failed run failed, when the listing knows without a call per run: local archives from
   * their stored description, clouds from a failure reason in the provider's list answer. Absent
   * when the list answer has none (SageMaker's ListTrainingJobs): `describe` finds it then.
   */
  readonly failure?: RunSummaryFailure;
}

/** The part of a RunFailure a listing carries (no log evidence: that needs a read per run). */
export interface RunSummaryFailure {
  readonly category: FailureCategory;
  /** The provider's reason text, where the listing has it. */
  readonly reason?: string;
}

export interface RunFilter {
  readonly status?: readonly RunStatus[];
  /** Epoch ms: runs created at or after. */
  readonly since?: number;
  /** Epoch ms: runs created before. */
  readonly until?: number;
  readonly nameContains?: string;
  /** Upper bound on runs returned; the provider may still page internally. */
  readonly limit?: number;
}
