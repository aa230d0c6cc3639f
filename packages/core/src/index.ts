export type { Run, RunStatus, RunNode, RunFailure, FailureCategory, TimelineEvent, RunSummary, RunSummaryFailure, RunFilter } from './model/run.js';
export { RUN_STATUSES, isTerminal } from './model/run.js';
export type { LogRecord, LogStreamInfo, LogQuery } from './model/log.js';
export { logRecordJson, logRecordJsonLine, logRecordJsonWriter, writeJsonStringBytes, Utf8LogRecord, hasUtf8 } from './model/log.js';
export { ByteSink, NextByte, copyBytes } from './machinery/bytes.js';
export type { MetricKind, MetricPoint, MetricDescriptor, MetricSeries, MetricQuery, SystemMetricName } from './model/metric.js';
export { SYSTEM_METRICS } from './model/metric.js';
export type { ArtifactInfo, ArtifactBody } from './model/artifact.js';
export { md5FromEtag, md5FromBase64 } from './model/artifact.js';
export { localFileError, onLocalFiles, requirePath } from './local-files.js';
export type { Warning } from './model/warning.js';
export * from './spec/v1.js';
export * from './spec/v2.js';
// TEMPORARY (issue 12): wraps v1 definitions until every adapter is migrated to v2.
export { fromV1, isFromV1, type FromV1Options, type V1Settings } from './query/from-v1.js';
export { resolveSettings, settingValue } from './query/settings.js';
export { fromQuerySource, fromStreamSource, advance, dropDelivered, type TimePosition } from './query/log-shapes.js';
export { RunlensError, notFound, authError, throttled, invalidInput, unsupported, providerError, interrupted, isNetworkError } from './errors.js';
export type { ErrorCode, RunlensErrorOptions } from './errors.js';
export { redact, registerSecret } from './redact.js';
export { parseDuration, parseTime, toIso, formatDuration } from './time.js';
export { formatRef, splitRef, type RunRef } from './ref.js';
export { brief } from './model/warning.js';
export { classifyFailure, extractEvidence, enrichFailure, isGenericReason, summaryFailure, COMMON_FAILURE_RULES, type FailureRule } from './failure.js';
export { paginate, type PaginateOptions } from './machinery/paginate.js';
export { mergeByKey, type MergeSource } from './machinery/merge.js';
export { RequestBudget } from './machinery/budget.js';
// For writers outside a provider (runlens copy's MLflow target): the same budget, retries and mapping.
export { createRequestContext } from './machinery/requests.js';
export { withRetry, backoffDelay, parseRetryAfter, DEFAULT_RETRY, type RetryPolicy, type RetryClock } from './machinery/retry.js';
export { sleep } from './machinery/sleep.js';
export { mapLimit } from './machinery/limit.js';
export { encodeCursor, decodeCursor, type LogCursor, type StreamCursor } from './machinery/cursor.js';
export { LogReader, compareNatural } from './query/logs.js';
export { DEFAULT_READ_AHEAD_BYTES } from './query/readahead.js';
export { LogFanout, SharedFollows, type FollowedLine, type FollowLines, type OpenFollow, type LogFanoutOptions } from './query/fanout.js';
export { createRunlens, selectMetrics, type RunView, type Runlens, type RunlensOptions, type ListOptions, type MetricsResult, type DownloadProgress, type DownloadOptions, type DownloadSummary, type ExportOptions, type ExportSummary } from './query/runlens.js';
export { findSeries, matchSeries, summarize, type Comparison, type ComparedRun, type CompareOptions, type Curve, type MetricSummary } from './query/compare.js';
export { PROVIDER_DEFINITION, ProviderRegistry, SUPPORTED_SPECIFICATION_VERSIONS } from './query/registry.js';
// inversify composition (providerModule, composeProviders): `@runlens/core/inversify`, kept apart so
// that importing core installs nothing global.
export { ARCHIVE_FILES, ARCHIVE_FORMAT, ARCHIVE_FORMAT_VERSION, artifactMatcher, fileSlug, type ArchiveManifest, type SkippedArtifact, type MetricFileHeader } from './archive/format.js';
export { utf8Boundary } from './machinery/utf8.js';
export { lttb, downsamplePoints } from './machinery/downsample.js';
