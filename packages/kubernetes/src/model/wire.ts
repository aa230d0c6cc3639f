/** The slices of the Kubernetes wire objects the run model reads (everything optional: it is JSON). */
export interface Condition {
  readonly type?: string;
  readonly status?: string;
  readonly reason?: string;
  readonly message?: string;
  readonly lastTransitionTime?: string;
  readonly lastUpdateTime?: string;
}

export interface ObjectMeta {
  readonly name?: string;
  readonly namespace?: string;
  readonly creationTimestamp?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface JobObject {
  readonly kind?: string;
  readonly metadata?: ObjectMeta;
  readonly status?: {
    readonly conditions?: readonly Condition[];
    readonly startTime?: string;
    readonly completionTime?: string;
    readonly active?: number;
    readonly replicaStatuses?: Readonly<Record<string, { readonly active?: number }>>;
    readonly jobsStatus?: ReadonlyArray<{ readonly active?: number; readonly ready?: number }>;
  };
}

export interface Terminated {
  readonly exitCode?: number;
  readonly signal?: number;
  readonly reason?: string;
  readonly message?: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
}

export interface ContainerState {
  readonly running?: { readonly startedAt?: string };
  readonly waiting?: { readonly reason?: string; readonly message?: string };
  readonly terminated?: Terminated;
}

export interface ContainerStatus {
  readonly name?: string;
  readonly state?: ContainerState;
  readonly lastState?: ContainerState;
  readonly restartCount?: number;
}

export interface PodObject {
  readonly metadata?: ObjectMeta;
  readonly spec?: {
    readonly containers?: ReadonlyArray<{ readonly name?: string; readonly resources?: { readonly limits?: Readonly<Record<string, string>>; readonly requests?: Readonly<Record<string, string>> } }>;
    readonly nodeName?: string;
  };
  readonly status?: {
    readonly phase?: string;
    readonly conditions?: readonly Condition[];
    readonly containerStatuses?: readonly ContainerStatus[];
  };
}

export interface EventObject {
  readonly involvedObject?: { readonly kind?: string; readonly name?: string };
  readonly reason?: string;
  readonly message?: string;
  readonly type?: string;
  readonly count?: number;
  readonly lastTimestamp?: string;
}

/** The job kinds the provider reads. */
export type JobKind = 'PyTorchJob' | 'TrainJob' | 'Job';
