// The HTTP API: routes declared once with their schemas, which validate requests and generate the
// OpenAPI 3.1 document at /openapi.json. Every route goes through core's query API only.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { formatRef, interrupted, invalidInput, mapLimit, parseTime, RunlensError, SharedFollows, type LogQuery, type Runlens } from '@runlens/core';
import type { Context } from 'hono';
import { cors } from 'hono/cors';
import { create as createTar } from 'tar';
import { columnsJson, downsampleRemembered } from './columns.js';
import { apiError, errorResponse, simpleError } from './errors.js';
import * as S from './schemas.js';
import { ArchiveRoots, checkArtifactPath, contentDisposition, tokenMatcher } from './security.js';
import { lineBody, STREAM_HEADERS, type LineSource } from './stream.js';
import { webHandler } from './web.js';

export interface AppOptions {
  readonly runlens: Runlens;
  /** Directories `local:` refs must stay inside. Empty: no local archive is served. */
  readonly archiveRoots?: readonly string[];
  /** Where relative local refs are resolved (the runlens instance's cwd). */
  readonly cwd?: string;
  /** Bearer token every request must carry. */
  readonly token?: string;
  /** Idle log streams get a heartbeat this often; default 15 s. */
  readonly heartbeatMs?: number;
  /** Follow polling bounds handed to core (default: the provider's). */
  readonly followPollMs?: { min: number; max: number };
  /** Lines a shared follow keeps for followers that lag; default 10,000. */
  readonly followBuffer?: number;
  /** Origins allowed by CORS; default none (CORS off). */
  readonly corsOrigins?: readonly string[];
  readonly maxUrlBytes?: number;
  readonly maxBodyBytes?: number;
  /** One redacted line per request: method, path, status, milliseconds. */
  readonly log?: (line: string) => void;
  /** Built web view assets (`webAssetsDir()` of @runlens/web) to serve at every non-API path. */
  readonly webDir?: string;
}

export interface ServerApp {
  readonly app: OpenAPIHono;
  readonly follows: SharedFollows;
}

/** Real-path checks of listed local archives in flight at once. */
const LIST_CONCURRENCY = 16;

const json = (schema: z.ZodType, description: string) => ({ content: { 'application/json': { schema } }, description });
const errors = {
  400: json(S.ErrorBody, 'invalid input'),
  401: json(S.ErrorBody, 'missing or wrong token, or the provider refused the credentials'),
  404: json(S.ErrorBody, 'no such run, artifact or route'),
  501: json(S.ErrorBody, 'the provider cannot do this'),
  502: json(S.ErrorBody, 'the provider failed'),
  503: json(S.ErrorBody, 'the provider is throttling (see Retry-After)'),
};

export function createApp(options: AppOptions): ServerApp {
  const { runlens } = options;
  const roots = new ArchiveRoots(options.archiveRoots ?? [], options.cwd ?? process.cwd());
  const follows = new SharedFollows({ capacity: options.followBuffer });
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const maxUrl = options.maxUrlBytes ?? 8 * 1024;
  const maxBody = options.maxBodyBytes ?? 64 * 1024;
  const authorized = options.token !== undefined ? tokenMatcher(options.token) : undefined;

  const app = new OpenAPIHono({
    defaultHook: (result) => {
      if (!result.success) {
        const issue = result.error.issues[0];
        const where = issue?.path.join('.') || 'request';
        return errorResponse(simpleError(400, 'InvalidInput', `${where}: ${issue?.message ?? 'invalid'}`));
      }
      return undefined;
    },
  });

  app.use('*', async (c, next) => {
    const started = performance.now();
    await next();
    options.log?.(`${c.req.method} ${new URL(c.req.url).pathname} ${c.res.status} ${Math.round(performance.now() - started)}ms`);
  });
  app.use('*', async (c, next) => {
    if (Buffer.byteLength(c.req.url) > maxUrl) return errorResponse(simpleError(414, 'TooLarge', `the URL is longer than ${maxUrl} bytes`));
    const length = Number(c.req.header('content-length') ?? 0);
    if (length > maxBody || (c.req.header('transfer-encoding') && c.req.method !== 'GET')) return errorResponse(simpleError(413, 'TooLarge', `request bodies are limited to ${maxBody} bytes`));
    return next();
  });
  if (options.webDir) {
    // Before the token check: the page and its scripts hold no data (the API calls they make carry
    // the token), and a browser cannot send a bearer header when it opens a URL.
    const web = webHandler(options.webDir);
    app.use('*', async (c, next) => (await web(c.req.raw)) ?? next());
  }
  if (options.corsOrigins && options.corsOrigins.length > 0) app.use('*', cors({ origin: [...options.corsOrigins], allowHeaders: ['Authorization', 'Last-Event-ID'] }));
  if (authorized) {
    app.use('*', async (c, next) => {
      if (!authorized(c.req.header('authorization'))) {
        const error = simpleError(401, 'AuthError', 'missing or wrong bearer token');
        return new Response(JSON.stringify(error.body), { status: 401, headers: { 'Content-Type': 'application/json; charset=utf-8', 'WWW-Authenticate': 'Bearer realm="runlens"' } });
      }
      return next();
    });
  }
  app.onError((error) => errorResponse(apiError(error)));
  app.notFound((c) => errorResponse(simpleError(404, 'NotFound', `no route ${c.req.method} ${new URL(c.req.url).pathname}`)));

  /** Resolves a ref (one URL path segment, already decoded) and keeps `local:` ones inside the roots. */
  const checkRef = async (text: string): Promise<string> => {
    const ref = runlens.resolve(text);
    if (ref.provider === 'local') await roots.confine(ref.id, formatRef(ref));
    return text;
  };
  /** Aborted when the client goes away, so the provider reads stop at once. */
  const abortOnClose = (c: Context): AbortController => {
    const controller = new AbortController();
    const signal = c.req.raw.signal;
    if (signal.aborted) controller.abort();
    else signal.addEventListener('abort', () => controller.abort(), { once: true });
    return controller;
  };
  const time = (name: string, text: string | undefined): number | undefined => {
    if (text === undefined) return undefined;
    try {
      return parseTime(text);
    } catch (error) {
      throw invalidInput(`${name}: ${RunlensError.isInstance(error) ? error.message : String(error)}`);
    }
  };
  const jsonBody = (value: unknown, status = 200) => new Response(JSON.stringify(value), { status, headers: { 'Content-Type': 'application/json; charset=utf-8' } });

  app.openapi(
    createRoute({ method: 'get', path: '/api/runs', operationId: 'listRuns', summary: 'List runs across the configured providers, newest first', request: { query: S.RunsQuery }, responses: { 200: json(z.object({ runs: S.RunSummary.array(), warnings: S.Warning.array() }), '`runlens runs --json`, plus warnings'), ...errors } }),
    (async (c: Context) => {
      const q = (c.req as unknown as { valid(t: 'query'): z.infer<typeof S.RunsQuery> }).valid('query');
      const { signal } = abortOnClose(c);
      const { runs, warnings } = await runlens.list({ providers: q.provider, status: q.status as never, since: time('since', q.since), until: time('until', q.until), limit: q.limit, signal });
      // Local archives outside the roots are not listed either (checked LIST_CONCURRENCY at a time).
      const inside = await mapLimit(runs, LIST_CONCURRENCY, (run) => (run.provider !== 'local' ? Promise.resolve(true) : roots.confine(run.id, run.ref).then(() => true, () => false)));
      return jsonBody({ runs: runs.filter((_, i) => inside[i]), warnings });
    }) as never,
  );

  app.openapi(
    createRoute({ method: 'get', path: '/api/runs/{ref}', operationId: 'describeRun', summary: 'Describe one run: status, nodes, failure with log evidence, hyperparameters, timeline', request: { params: S.RefParam }, responses: { 200: json(S.Run, '`runlens describe --json`'), ...errors } }),
    (async (c: Context) => {
      const ref = await checkRef(c.req.param('ref')!);
      return jsonBody(await runlens.describe(ref, { signal: abortOnClose(c).signal }));
    }) as never,
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/runs/{ref}/logs',operationId: 'readLogs', 
      summary: "A run's logs, every node merged by time: NDJSON, or Server-Sent Events with resumable ids",
      description:
        'NDJSON (default): one `LogLine` per line, exactly `runlens logs --json`; empty lines are heartbeats; a `{"type":"error","error":…}` line ends a stream that failed after it started. ' +
        'With `meta` (the default when following) typed lines come between the records (`LogControlLine`: records never have a `type`): `warning` as warnings are raised, `cursor` after each group of records (resume with `?cursor=`), and `end` when the log is complete. ' +
        'With `Accept: text/event-stream`: each line is a `message` event whose `id` is the resume cursor (reconnect with `Last-Event-ID`), plus `warning`, `error` and a final `end` event; comment lines are heartbeats.',
      request: { params: S.RefParam, query: S.LogsQuery },
      responses: {
        200: { description: 'a stream of log lines', content: { 'application/x-ndjson': { schema: z.union([S.LogLine, S.LogControlLine]) }, 'text/event-stream': { schema: { type: 'string' } as never } } },
        ...errors,
      },
    }),
    (async (c: Context) => {
      const q = (c.req as unknown as { valid(t: 'query'): z.infer<typeof S.LogsQuery> }).valid('query');
      const ref = await checkRef(c.req.param('ref')!);
      const sse = (c.req.header('accept') ?? '').includes('text/event-stream');
      const cursor = c.req.header('last-event-id') || q.cursor;
      const controller = abortOnClose(c);
      const query: LogQuery = {
        nodes: q.node,
        since: time('since', q.since),
        until: time('until', q.until),
        tail: cursor ? undefined : q.tail,
        grep: q.grep,
        follow: q.follow,
        ...(options.followPollMs ? { pollIntervalMs: options.followPollMs } : {}),
      };
      let source: LineSource;
      if (q.follow && query.tail === undefined) {
        // Followers of the same log share one upstream reader.
        const canonical = formatRef(runlens.resolve(ref));
        const key = JSON.stringify([canonical, query.nodes ? [...query.nodes].sort() : null, query.since ?? null, query.until ?? null, query.grep ?? null]);
        const open = (from: string | undefined, signal: AbortSignal) => runlens.logs(ref, { ...query, cursor: from, signal });
        const lines = await follows.attach(key, open, { cursor, signal: controller.signal });
        // Each line carries its cursor; before the first one, the cursor resumed from still holds.
        source = { batches: singles(lines), warnings: () => lines.warnings(), ...(cursor ? { cursor: () => cursor } : {}) };
      } else {
        const reader = await runlens.logs(ref, { ...query, cursor, signal: controller.signal });
        // SSE needs each line's cursor (its event id); NDJSON takes whole batches.
        const batches = sse
          ? (async function* () {
              for await (const record of reader) yield [{ record, cursor: reader.cursor() }];
            })()
          : reader.batches();
        source = { batches, warnings: () => reader.warnings, cursor: () => reader.cursor() };
      }
      const body = lineBody(source, { format: sse ? 'sse' : 'ndjson', meta: q.meta ?? q.follow, heartbeatMs, abort: () => controller.abort() });
      return new Response(body, { status: 200, headers: { 'Content-Type': sse ? 'text/event-stream; charset=utf-8' : 'application/x-ndjson; charset=utf-8', ...STREAM_HEADERS } });
    }) as never,
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/runs/{ref}/metrics',
      operationId: 'readMetrics',
      summary: "A run's metric series, whole or downsampled per series (LTTB, gaps kept as nulls)",
      request: { params: S.RefParam, query: S.MetricsQuery },
      responses: {
        200: json(
          z.union([z.object({ series: S.MetricSeries.array(), warnings: S.Warning.array() }), z.object({ series: S.MetricColumns.array(), warnings: S.Warning.array() })]),
          '`runlens metrics --json`, plus warnings; with `format=columns` each series is a `MetricColumns`',
        ),
        ...errors,
      },
    }),
    (async (c: Context) => {
      const q = (c.req as unknown as { valid(t: 'query'): z.infer<typeof S.MetricsQuery> }).valid('query');
      const ref = await checkRef(c.req.param('ref')!);
      const result = await runlens.metrics(ref, { names: q.metric, nodes: q.node, kind: q.kind, since: time('since', q.since), until: time('until', q.until), signal: abortOnClose(c).signal });
      const series = q.points === undefined ? result.series : result.series.map((s) => downsampleRemembered(s, q.points!));
      if (q.format !== 'columns') return jsonBody({ series, warnings: result.warnings });
      // Assembled from each series' columns text (remembered per series body: see columnsJson).
      const text = `{"series":[${series.map(columnsJson).join(',')}],"warnings":${JSON.stringify(result.warnings)}}`;
      return new Response(text, { status: 200, headers: { 'Content-Type': 'application/json; charset=utf-8' } });
    }) as never,
  );

  app.openapi(
    createRoute({ method: 'get', path: '/api/runs/{ref}/artifacts', operationId: 'listArtifacts', summary: "A run's artifacts", request: { params: S.RefParam }, responses: { 200: json(z.object({ artifacts: S.Artifact.array() }), '`runlens artifacts --json`'), ...errors } }),
    (async (c: Context) => {
      const ref = await checkRef(c.req.param('ref')!);
      return jsonBody({ artifacts: await runlens.artifacts(ref, { signal: abortOnClose(c).signal }) });
    }) as never,
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/runs/{ref}/artifact',operationId: 'downloadArtifact', 
      summary: 'Download one artifact (streamed; always application/octet-stream, as an attachment)',
      request: { params: S.RefParam, query: S.ArtifactQuery },
      responses: { 200: { description: 'the bytes', content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } as never } } }, ...errors },
    }),
    (async (c: Context) => {
      const q = (c.req as unknown as { valid(t: 'query'): z.infer<typeof S.ArtifactQuery> }).valid('query');
      const ref = await checkRef(c.req.param('ref')!);
      checkArtifactPath(q.path);
      const resolved = runlens.resolve(ref);
      if (resolved.provider === 'local') await roots.confineArtifact(resolved.id, q.path, formatRef(resolved));
      const controller = abortOnClose(c);
      const artifact = await runlens.openArtifact(ref, q.path, { signal: controller.signal });
      const headers: Record<string, string> = { 'Content-Type': 'application/octet-stream', 'Content-Disposition': contentDisposition(q.path), 'X-Content-Type-Options': 'nosniff' };
      if (artifact.size !== undefined) headers['Content-Length'] = String(artifact.size);
      return new Response(iterableBody(artifact.body, () => controller.abort()), { status: 200, headers });
    }) as never,
  );

  app.openapi(
    createRoute({ method: 'get', path: '/api/compare', operationId: 'compareRuns', summary: 'Compare runs from any providers: status, duration, final and best metric values, curves', request: { query: S.CompareQuery }, responses: { 200: json(S.Comparison, '`runlens compare --json`'), ...errors } }),
    (async (c: Context) => {
      const q = (c.req as unknown as { valid(t: 'query'): z.infer<typeof S.CompareQuery> }).valid('query');
      if (q.ref.length < 2) throw invalidInput('compare needs at least two run references');
      const refs = [];
      for (const ref of q.ref) refs.push(await checkRef(ref));
      return jsonBody(await runlens.compare(refs, { metrics: q.metric, signal: abortOnClose(c).signal }));
    }) as never,
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/runs/{ref}/export',operationId: 'exportRun', 
      summary: 'Export a run as a local run archive, streamed as a tar file',
      description: 'The archive is written to a temporary directory first (so a failure is a proper error status), then streamed as an uncompressed tar and removed.',
      request: { params: S.RefParam, query: S.ExportQuery },
      responses: { 200: { description: 'a tar of the archive directory', content: { 'application/x-tar': { schema: { type: 'string', format: 'binary' } as never } } }, ...errors },
    }),
    (async (c: Context) => {
      const q = (c.req as unknown as { valid(t: 'query'): z.infer<typeof S.ExportQuery> }).valid('query');
      const ref = await checkRef(c.req.param('ref')!);
      const controller = abortOnClose(c);
      const scratch = await mkdtemp(path.join(tmpdir(), 'runlens-export-'));
      const cleanup = () => rm(scratch, { recursive: true, force: true }).catch(() => undefined);
      try {
        const resolved = runlens.resolve(ref);
        const name = (resolved.id.split(/[\\/]/).filter(Boolean).pop() ?? resolved.provider).replace(/[^A-Za-z0-9._-]/g, '_') || 'run';
        const dir = path.join(scratch, name);
        await runlens.export(ref, dir, { artifacts: q.artifacts, signal: controller.signal });
        const tar = createTar({ cwd: scratch, portable: true, noDirRecurse: false }, [name]) as unknown as AsyncIterable<Uint8Array>;
        const body = iterableBody(tar, () => controller.abort(), cleanup);
        return new Response(body, { status: 200, headers: { 'Content-Type': 'application/x-tar', 'Content-Disposition': contentDisposition(`${name}.tar`), 'X-Content-Type-Options': 'nosniff' } });
      } catch (error) {
        await cleanup();
        throw error;
      }
    }) as never,
  );

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer', description: 'required when the server was started with a token (always, off loopback)' });
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    security: options.token !== undefined ? [{ bearer: [] }] : [],
    info: { title: 'runlens', version: '1', description: 'One query API over ML training runs on SageMaker, ModelArts, Azure ML and local run archives.' },
  });
  return { app, follows };
}

/** Each item as a group of one. */
async function* singles<T>(items: AsyncIterable<T>): AsyncGenerator<T[]> {
  for await (const item of items) yield [item];
}

/** A byte iterable as a pull-driven web stream; `done` runs once, however it ends. */
function iterableBody(source: AsyncIterable<Uint8Array>, abort: () => void, done?: () => Promise<unknown>): ReadableStream<Uint8Array> {
  const iterator = source[Symbol.asyncIterator]();
  let finished = false;
  const finish = async () => {
    if (finished) return;
    finished = true;
    await done?.();
  };
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const next = await iterator.next();
          if (next.done) {
            await finish();
            controller.close();
          } else controller.enqueue(next.value instanceof Uint8Array ? next.value : new Uint8Array(next.value));
        } catch (error) {
          await finish();
          controller.error(RunlensError.isInstance(error) ? error : interrupted());
        }
      },
      async cancel() {
        abort();
        await iterator.return?.().catch(() => undefined);
        await finish();
      },
    },
    { highWaterMark: 0 },
  );
}
