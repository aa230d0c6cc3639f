// @runlens/copy: runs from any provider into an MLflow tracking server, through core's query API.
export { copyRuns, openCopier, defaultExperiment, type Copier, type CopyCounts, type CopyOptions, type CopyOutcome, type CopyProgress, type CopyStatus } from './copy.js';
export { KeyMapper, sanitizeKey, type KeyMap } from './keys.js';
export { ARTIFACTS, TAGS, mlflowStatus, seriesKey, runTags } from './mapping.js';
export { BatchPacker, MLFLOW_BATCH_LIMITS, batchBody, type Batch, type BatchLimits } from './batches.js';
export { parseTrackingUri, openTarget, probeTarget, type Target, type TargetOptions } from './target.js';
export { ArtifactUploader, DEFAULT_UPLOAD, type UploadSettings, type UploadSource } from './upload.js';
export { copyBulk, selectRuns, canonicalRef, DEFAULT_BULK_CONCURRENCY, type BulkCopyOptions, type BulkOutcome, type Selection, type SelectedRun } from './bulk.js';
export { CopyJournal, defaultJournalPath, journalKey, type JournalEntry } from './journal.js';
