// Data-plane response shapes, as far as the adapter reads them. Every field is optional: the
// services omit empty ones (MLflow's proto3 rendering), and newer versions add more.

/** Run History `RootError`. */
export interface RootError {
  readonly code?: string | null;
  readonly message?: string | null;
  readonly messageFormat?: string | null;
  readonly messageParameters?: Record<string, string> | null;
  readonly target?: string | null;
  readonly details?: readonly RootError[] | null;
  readonly innerError?: InnerError | null;
  readonly referenceCode?: string | null;
}

export interface InnerError {
  readonly code?: string | null;
  readonly innerError?: InnerError | null;
}

/** Run History `RunDetails` (GET /history/v1.0/{scope}/runs/{runId}/details). */
export interface RunDetails {
  readonly runId?: string;
  readonly status?: string | null;
  readonly target?: string | null;
  readonly createdTimeUtc?: string | null;
  readonly startTimeUtc?: string | null;
  readonly endTimeUtc?: string | null;
  readonly effectiveStartTimeUtc?: string | null;
  readonly error?: { readonly error?: RootError | null } | null;
  readonly warnings?: readonly { readonly source?: string; readonly message?: string }[] | null;
  readonly tags?: Record<string, string> | null;
  readonly properties?: Record<string, string> | null;
  readonly parameters?: Record<string, unknown> | null;
  /** Log path → download URL (a self-authorising SAS link). */
  readonly logFiles?: Record<string, string> | null;
  readonly runDefinition?: { readonly nodeCount?: number | null; readonly processCountPerNode?: number | null } | null;
  readonly compute?: { readonly target?: string | null; readonly vmSize?: string | null; readonly instanceCount?: number | null } | null;
  readonly computeRequest?: { readonly nodeCount?: number | null } | null;
}

/** MLflow `Metric`; int64 fields may arrive as JSON numbers or strings. */
export interface MlflowMetric {
  readonly key?: string;
  readonly value?: number | string;
  readonly timestamp?: number | string;
  readonly step?: number | string;
}

export interface MlflowRun {
  readonly run?: {
    readonly info?: { readonly run_id?: string; readonly status?: string; readonly start_time?: number | string; readonly end_time?: number | string; readonly artifact_uri?: string };
    readonly data?: {
      readonly metrics?: readonly MlflowMetric[];
      readonly params?: readonly { readonly key?: string; readonly value?: string }[];
      readonly tags?: readonly { readonly key?: string; readonly value?: string }[];
    };
  };
}

export interface MlflowMetricHistory {
  readonly metrics?: readonly MlflowMetric[];
  readonly next_page_token?: string;
}

export interface MlflowArtifactList {
  readonly root_uri?: string;
  readonly files?: readonly { readonly path?: string; readonly is_dir?: boolean; readonly file_size?: number | string }[];
  readonly next_page_token?: string;
}

/** Artifact service `contentinfo`. */
export interface ArtifactContentInfo {
  readonly contentUri?: string;
  readonly origin?: string;
  readonly container?: string;
  readonly path?: string;
}

/**
 * Metric service `MetricDefinition` (azure-ai-ml `_restclient/runhistory` models): the metric's key,
 * its columns (column name → `MetricValueType`: int, double, string, bool, artifact; any case) and
 * `properties.uxMetricType` (`azureml.v1.scalar`, `azureml.v1.list`, `azureml.v1.table`, …).
 */
export interface MetricDefinition {
  readonly metricKey?: { readonly namespace?: string | null; readonly name?: string | null; readonly columnNames?: readonly string[] | null } | null;
  readonly columns?: Record<string, string> | null;
  readonly properties?: { readonly uxMetricType?: string | null } | null;
}

/** `PaginatedMetricDefinitionList` (POST /metric/v2.0/{scope}/runs/{runId}/list). */
export interface MetricDefinitionPage {
  readonly value?: readonly MetricDefinition[] | null;
  readonly continuationToken?: string | null;
  readonly nextLink?: string | null;
}

/** `MetricV2Value`: one row; `data` maps column names to values of the column's type. */
export interface MetricV2Value {
  readonly metricId?: string | null;
  readonly createdUtc?: string | null;
  readonly step?: number | string | null;
  readonly data?: Record<string, unknown> | null;
}

/** `MetricV2` (POST /metric/v2.0/{scope}/runs/{runId}/full): one page of a metric's rows. */
export interface MetricV2 {
  readonly name?: string | null;
  readonly columns?: Record<string, string> | null;
  readonly properties?: { readonly uxMetricType?: string | null } | null;
  readonly value?: readonly MetricV2Value[] | null;
  readonly continuationToken?: string | null;
  readonly nextLink?: string | null;
}
