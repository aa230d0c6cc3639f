// MLflow REST shapes (mlflow/protos/service.proto, mlflow_artifacts.proto), as proto3 JSON renders
// them: int64 as numbers or strings, empty lists and unset fields left out. Readers must cope.

export type Int64 = number | string;

export interface KeyValue {
  key: string;
  value: string;
}

export interface MlflowMetric {
  key: string;
  value: number | string;
  timestamp: Int64;
  step?: Int64;
}

export interface MlflowRunInfo {
  run_id: string;
  run_uuid?: string;
  run_name?: string;
  experiment_id: string;
  user_id?: string;
  status?: string;
  start_time?: Int64;
  end_time?: Int64;
  artifact_uri?: string;
  lifecycle_stage?: string;
}

export interface MlflowRunData {
  metrics?: MlflowMetric[];
  params?: KeyValue[];
  tags?: KeyValue[];
}

export interface MlflowRun {
  info: MlflowRunInfo;
  data?: MlflowRunData;
}

export interface MlflowExperiment {
  experiment_id: string;
  name: string;
  artifact_location?: string;
  lifecycle_stage?: string;
  last_update_time?: Int64;
  creation_time?: Int64;
  tags?: KeyValue[];
}

export interface MlflowFileInfo {
  path: string;
  is_dir?: boolean;
  file_size?: Int64;
}

export interface MultipartUploadCredential {
  url: string;
  part_number: Int64;
  headers?: Record<string, string>;
}

export interface MultipartUploadPart {
  part_number: number;
  etag: string;
  url?: string;
}

export interface CreateMultipartUploadResponse {
  upload_id?: string;
  credentials?: MultipartUploadCredential[];
}

/** `{error_code, message}`: every MLflow error body (mlflow/exceptions.py `serialize_as_json`). */
export interface MlflowErrorBody {
  error_code?: string;
  message?: string;
  /** Azure's gateway error shape. */
  error?: unknown;
}

export const toNumber = (value: Int64 | undefined): number | undefined => {
  if (value === undefined || value === null || value === '') return undefined;
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) ? n : undefined;
};
