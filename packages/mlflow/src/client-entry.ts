// `@runlens/mlflow/client`: the MLflow REST client and what writers need with it (auth, error
// mapping, limits and key rules). Loads undici; the package root stays cheap for ref resolution.
export { MlflowClient, encodePath, proxyRoot, restBaseUrl, type MlflowClientOptions, type CallOptions, type Page, type CreateRunRequest, type UpdateRunRequest, type SearchRunsRequest, type LogBatchRequest, type UploadBody } from './client.js';
export { authFromEnv, basicAuth, bearerAuth, noAuth, type MlflowAuth, type AuthRequest } from './auth.js';
export { MlflowHttpError, mapMlflowError } from './errors.js';
export * from './limits.js';
export type * from './wire.js';
export { toNumber } from './wire.js';
