/**
 * Wire shapes the emulator stores and serves, named after the ModelArts API reference.
 * Phases and levels are plain strings on purpose: the service adds values over time.
 */

export type JobPhase = 'Creating' | 'Pending' | 'Running' | 'Failed' | 'Completed' | 'Terminating' | 'Terminated' | 'Abnormal';

export interface TaskStatus {
  task: string;
  exit_code: number;
  message: string;
}

export interface RunningRecord {
  /** Unix seconds, unlike every other v2 time. */
  start_at: number;
  end_at?: number;
  start_type?: string;
  end_reason?: string;
  end_related_task?: string;
  end_recover?: string;
  end_recover_before_downgrade?: string;
}

export interface ObsLocation {
  name: string;
  local_dir?: string;
  /** `obs://bucket/prefix/` or the doc examples' `/bucket/prefix/`. */
  remote: { obs: { obs_url: string } };
}

/** v2 `GET /v2/{project_id}/training-jobs/{id}` body. */
export interface TrainingJobDetail {
  kind: string;
  metadata: {
    id: string;
    name: string;
    workspace_id?: string;
    description?: string;
    /** Epoch milliseconds. */
    create_time: number;
    user_name?: string;
    annotations?: Record<string, string>;
  };
  status: {
    phase: JobPhase | (string & {});
    secondary_phase?: string;
    /** Milliseconds. */
    duration?: number;
    start_time?: number;
    node_count_metrics?: [number, number][];
    tasks: string[];
    task_statuses?: TaskStatus[];
    running_records?: RunningRecord[];
  };
  algorithm?: {
    id?: string;
    name?: string;
    code_dir?: string;
    boot_file?: string;
    command?: string;
    inputs?: ObsLocation[];
    outputs?: ObsLocation[];
    engine?: { engine_id?: string; engine_name?: string; engine_version?: string; image_url?: string };
  };
  spec?: {
    resource: {
      policy?: string;
      flavor_id: string;
      flavor_name?: string;
      node_count: number;
      flavor_detail?: {
        flavor_type?: string;
        billing?: { code: string; unit_num: number };
        flavor_info?: {
          cpu?: { arch: string; core_num: number };
          gpu?: { unit_num: number; product_name?: string; memory?: string };
          npu?: { unit_num: number; product_name?: string; memory?: string };
          memory?: { size: number; unit: string };
        };
      };
    };
  };
}

export interface JobEvent {
  /** Epoch milliseconds; served as ISO-8601 with +08:00. */
  time: number;
  level: 'Info' | 'Warning' | 'Error' | (string & {});
  message: string;
  source: string;
}

export interface TaskMetric {
  metric: string;
  /** Per-minute averages; -1 where there is no sample. */
  value: number[];
}

/** Field name of the v2 log preview text: `context` before 2022-03-01, `content` after. */
export type PreviewField = 'content' | 'context';

/**
 * Which documented body the v1 byte-range `/log` API answers with:
 * `bytes` {log, log_byte_count, end_byte}, `bytes-count` (the doc sample's `count`),
 * or `lines` {content, lines, start_line (bare 19-digit number), end_line}.
 */
export type V1LogShape = 'bytes' | 'bytes-count' | 'lines';

/** v1 job version, the fields of `GET /v1/{project_id}/training-jobs/{job_id}/versions/{version_id}`. */
export interface V1JobVersion {
  job_id: number;
  job_name: string;
  job_desc?: string;
  version_id: number;
  version_name?: string;
  /** Integer status code: 8 RUNNING, 10 COMPLETED, 11 FAILED, ... */
  status: number;
  /** Epoch milliseconds. */
  create_time: number;
  /** Milliseconds. */
  duration: number;
  start_time?: number;
  worker_server_num?: number;
  engine_name?: string;
  engine_version?: string;
  spec_code?: string;
  train_url?: string;
  log_url?: string;
  data_url?: string;
}
