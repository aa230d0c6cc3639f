/**
 * Downloads: the workspace blob store behind `logFiles` and `contentUri` URLs (SAS-authorised,
 * Azure Storage XML errors) and the artifact service (`contentinfo`, `content`, bearer-authorised).
 */
import { ARTIFACT_CONTAINER, SCOPE_PATTERN, runFileUrl, scopeMismatch } from './context.js';
import { httpDate, isoTime, queryParam, send, sendJson } from './http.js';
import { serviceFail } from './history.js';

import type { ContentSnapshot } from './content.js';
import type { EmulatorContext } from './context.js';
import type { Exchange, Problem, Route } from './http.js';
import type { Job, RunFile } from './state.js';

const STORAGE_VERSION = '2021-08-06';
const CHUNK_BYTES = 64 * 1024;

export function blobRoutes(context: EmulatorContext): Route[] {
  return [{
    methods: ['GET', 'HEAD'],
    pattern: /^\/blob\/([^/]+)\/(.+)$/,
    handle: (exchange, [rawContainer = '', rawPath = '']) => {
      const container = decodeURIComponent(rawContainer);
      const blobPath = rawPath.split('/').map(decodeURIComponent).join('/');
      const detail = context.sas.verify(container, blobPath, exchange.url.searchParams, context.workspace.clock());
      if (detail !== undefined) {
        sendStorageError(context, exchange, 403, 'AuthenticationFailed',
          'Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.',
          detail);
        return;
      }
      const file = container === ARTIFACT_CONTAINER ? findRunFile(context, blobPath) : undefined;
      if (file === undefined) {
        blobFail(context, exchange, 'not-found', 'The specified blob does not exist.');
        return;
      }
      return sendContent(context, exchange, file.path, file.file);
    },
  }];
}

export function artifactRoutes(context: EmulatorContext): Route[] {
  return [{
    methods: ['GET', 'HEAD'],
    pattern: new RegExp(`^/artifact/v2\\.0${SCOPE_PATTERN}/artifacts/([^/]+)/([^/]+)/(contentinfo|content)$`, 'i'),
    handle: (exchange, params) => {
      const fail = (problem: Problem, message: string): void => serviceFail(context, exchange, problem, message);
      const mismatch = scopeMismatch(context.workspace.identity, params.slice(0, 3));
      if (mismatch !== undefined) return fail('not-found', mismatch.message);
      const [origin = '', container = '', operation = ''] = params.slice(3).map((p) => decodeURIComponent(p));
      const path = (queryParam(exchange, 'path') ?? '').replace(/^\/+/, '');
      const job = origin === 'ExperimentRun' && container.startsWith('dcid.')
        ? context.workspace.get(container.slice('dcid.'.length))
        : undefined;
      const file = job?.files.get(path);
      if (job === undefined || file === undefined) {
        return fail('not-found', `Artifact ${origin}/${container}/${path} was not found.`);
      }
      if (operation.toLowerCase() === 'content') return sendContent(context, exchange, path, file);
      sendJson(exchange, 200, { contentUri: runFileUrl(context, job.name, path), origin, container, path });
    },
  }];
}

/** Azure Storage error dialect. */
export function blobFail(context: EmulatorContext, exchange: Exchange, problem: Problem, message: string): void {
  switch (problem) {
    case 'missing-auth':
    case 'bad-token':
      sendStorageError(context, exchange, 403, 'AuthenticationFailed', message);
      return;
    case 'not-found':
      sendStorageError(context, exchange, 404, 'BlobNotFound', message);
      return;
    case 'bad-request':
      sendStorageError(context, exchange, 400, 'InvalidQueryParameterValue', message);
      return;
    case 'internal':
      sendStorageError(context, exchange, 500, 'InternalError', message);
      return;
    // Azure Storage throttles with 503 ServerBusy, not 429.
    case 'throttled':
    case 'unavailable':
      sendStorageError(context, exchange, 503, 'ServerBusy', message);
      return;
  }
}

function findRunFile(context: EmulatorContext, blobPath: string): { path: string; file: RunFile } | undefined {
  const match = /^ExperimentRun\/dcid\.([^/]+)\/(.+)$/.exec(blobPath);
  if (match?.[1] === undefined || match[2] === undefined) return undefined;
  const job: Job | undefined = context.workspace.get(match[1]);
  const file = job?.files.get(match[2]);
  return file === undefined ? undefined : { path: match[2], file };
}

function sendStorageError(
  context: EmulatorContext,
  exchange: Exchange,
  status: number,
  code: string,
  message: string,
  authenticationDetail?: string,
): void {
  const detail = authenticationDetail === undefined
    ? ''
    : `<AuthenticationErrorDetail>${escapeXml(authenticationDetail)}</AuthenticationErrorDetail>`;
  const xml = '<?xml version="1.0" encoding="utf-8"?>' +
    `<Error><Code>${code}</Code><Message>${escapeXml(message)}\nRequestId:${exchange.requestId}\n` +
    `Time:${isoTime(context.workspace.clock())}</Message>${detail}</Error>`;
  const body = Buffer.from(xml, 'utf8');
  send(exchange, status, {
    'content-type': 'application/xml',
    'content-length': body.byteLength,
    'x-ms-error-code': code,
    'x-ms-version': STORAGE_VERSION,
  }, body);
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function contentType(path: string): string {
  if (/\.(txt|log)$/i.test(path)) return 'text/plain; charset=utf-8';
  if (/\.json$/i.test(path)) return 'application/json';
  return 'application/octet-stream';
}

type ByteRange = { start: number; end: number } | 'unsatisfiable' | undefined;

/**
 * `bytes=a-b` or `bytes=a-`; `x-ms-range` wins over `Range` as in Azure Storage. Suffix ranges
 * (`bytes=-n`) and multi-ranges are not honoured: the whole blob is returned.
 */
function parseRange(header: string | undefined, size: number): ByteRange {
  const match = header === undefined ? null : /^bytes=(\d+)-(\d*)$/.exec(header.trim());
  if (match?.[1] === undefined) return undefined;
  const start = Number(match[1]);
  const end = match[2] === undefined || match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}

async function sendContent(
  context: EmulatorContext,
  exchange: Exchange,
  path: string,
  file: RunFile,
): Promise<void> {
  const { req } = exchange;
  const snapshot = file.content.snapshot();
  const headers: Record<string, string | number> = {
    'content-type': contentType(path),
    etag: snapshot.etag,
    'last-modified': httpDate(snapshot.modifiedAt),
    'x-ms-blob-type': file.kind === 'log' ? 'AppendBlob' : 'BlockBlob',
    'x-ms-version': STORAGE_VERSION,
  };
  if (context.settings.rangeSupport) headers['accept-ranges'] = 'bytes';

  // Pollers can revalidate cheaply: an unchanged file answers 304 with no body.
  if (req.headers['if-none-match'] === snapshot.etag) {
    send(exchange, 304, headers);
    return;
  }

  const rangeHeader = req.headers['x-ms-range'] ?? req.headers.range;
  const range = context.settings.rangeSupport
    ? parseRange(Array.isArray(rangeHeader) ? rangeHeader[0] : rangeHeader, snapshot.size)
    : undefined;
  if (range === 'unsatisfiable') {
    sendRangeNotSatisfiable(context, exchange, snapshot.size);
    return;
  }
  const start = range?.start ?? 0;
  const end = range?.end ?? snapshot.size - 1;
  const length = end - start + 1;
  if (range !== undefined) headers['content-range'] = `bytes ${start}-${end}/${snapshot.size}`;
  headers['content-length'] = length;
  exchange.record.status = range === undefined ? 200 : 206;
  exchange.res.writeHead(exchange.record.status, { 'x-ms-request-id': exchange.requestId, ...headers });
  if (req.method === 'HEAD') {
    exchange.res.end();
    return;
  }
  await streamBody(context, exchange, snapshot, start, length);
}

function sendRangeNotSatisfiable(context: EmulatorContext, exchange: Exchange, size: number): void {
  exchange.res.setHeader('content-range', `bytes */${size}`);
  sendStorageError(context, exchange, 416, 'InvalidRange', 'The range specified is invalid for the current size of the resource.');
}

async function streamBody(
  context: EmulatorContext,
  exchange: Exchange,
  snapshot: ContentSnapshot,
  start: number,
  length: number,
): Promise<void> {
  const { res, record } = exchange;
  for (let sent = 0; sent < length && !res.destroyed;) {
    const chunk = snapshot.read(start + sent, Math.min(CHUNK_BYTES, length - sent));
    if (chunk.byteLength === 0) break;
    sent += chunk.byteLength;
    record.bytesSent += chunk.byteLength;
    context.countBlobBytes(chunk.byteLength);
    if (!res.write(chunk)) await drained(res);
  }
  res.end();
}

function drained(res: Exchange['res']): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
