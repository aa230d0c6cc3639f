// @runlens/server: the HTTP API over core's query API. Import it lazily (the CLI does, for
// `runlens serve` only): it brings Hono, zod and tar with it.
export { startServer, type ServerOptions, type RunningServer } from './server.js';
export { createApp, type AppOptions, type ServerApp } from './app.js';
export { apiError, type ApiError, type ApiErrorCode } from './errors.js';
export { contentDisposition, checkArtifactPath, tokenMatcher, isLoopback } from './security.js';
export { webHandler, type WebHandler } from './web.js';
