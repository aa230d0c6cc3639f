// `@runlens/mlflow/client`: the MLflow REST client and what writers need with it (auth, error
// mapping, limits and key rules). Loads undici; the package root stays cheap for ref resolution.
export { MlflowClient, encodePath, strictEncode, queryString, proxyRoot, restBaseUrl, type MlflowClientOptions, type CallOptions, type Page, type CreateRunRequest, type UpdateRunRequest, type SearchRunsRequest, type LogBatchRequest, type UploadBody, type RunArtifactStore } from './client.js';
export { parseTrackingTarget, authForTarget, s3AccessForTarget, type TrackingTarget } from './targets.js';
export { parseS3Uri, s3Access, objectUrl, type S3Access, type S3Location } from './s3-artifacts.js';
export { azureAuth, azureTokenScope } from './auth-azure.js';
export { sigv4Auth, type AwsCredentials, type Sigv4Options } from './auth-sigv4.js';
export { authFromEnv, basicAuth, bearerAuth, noAuth, type MlflowAuth, type AuthRequest } from './auth.js';
export { MlflowHttpError, mapMlflowError } from './errors.js';
export * from './limits.js';
export type * from './wire.js';
export { toNumber } from './wire.js';
