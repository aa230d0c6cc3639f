/**
 * The artifacts proxy (`/api/2.0/mlflow-artifacts/…`, mlflow/protos/mlflow_artifacts.proto):
 * download, upload, list, and multipart create/complete/abort, whose part URLs point at the
 * emulator's own "storage" (`/_storage/mpu/<upload>/<part>`), as an S3 store's presigned URLs would.
 */
import { randomBytes } from 'node:crypto';
import type { EmulatorConfig } from './emulator.js';
import { ApiError, invalid, jsonBody, missing, optionalArray, optionalInt, requireString, sendJson, type Exchange } from './http.js';
import { etagOf, type TrackingState } from './state.js';
import { listLevel } from './tracking.js';

/** mlflow/exceptions.py `_UnsupportedMultipartUploadException.MESSAGE`: MLflow's client falls back to one PUT when the message starts with it. */
export const MULTIPART_UNSUPPORTED_MESSAGE = 'Multipart upload is not supported for the current artifact repository';

/** mlflow/utils/uri.py `validate_path_is_safe`, in spirit: no `..`, no absolute paths, no NUL. */
function safePath(raw: string): string {
  let path: string;
  try {
    path = decodeURIComponent(raw);
  } catch {
    throw invalid('Invalid path');
  }
  const parts = path.split('/');
  if (path.startsWith('/') || path.includes('\0') || parts.includes('..') || parts.includes('.')) throw invalid('Invalid path');
  return parts.filter((p) => p !== '').join('/');
}

function basename(path: string): string {
  const parts = path.split('/');
  return parts[parts.length - 1] ?? '';
}

async function route(state: TrackingState, config: EmulatorConfig, exchange: Exchange, rest: string): Promise<void> {
  const { method, res } = exchange;
  if (rest === '/artifacts' || rest === '/artifacts/') {
    if (method !== 'GET') throw new ApiError(405, 'BAD_REQUEST', `Method ${method} not allowed`);
    const dir = safePath(exchange.url.searchParams.get('path') ?? '');
    const files = listLevel(state, dir);
    sendJson(res, 200, files.length ? { files } : {});
    return;
  }
  const artifact = /^\/artifacts\/(.+)$/.exec(rest);
  if (artifact) {
    const path = safePath(artifact[1]!);
    if (method === 'GET') {
      const bytes = state.artifacts.get(path);
      if (!bytes) throw missing(`No such file or directory: '${path}'`);
      const range = config.rangeSupport ? /^bytes=(\d+)-$/.exec(exchange.range ?? '') : null;
      if (range) {
        const from = Number(range[1]);
        if (from >= bytes.byteLength) {
          res.writeHead(416, { 'content-range': `bytes */${bytes.byteLength}`, 'content-length': 0 });
          res.end();
          return;
        }
        res.writeHead(206, { 'content-type': 'application/octet-stream', 'content-length': bytes.byteLength - from, 'content-range': `bytes ${from}-${bytes.byteLength - 1}/${bytes.byteLength}` });
        res.end(bytes.subarray(from));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes.byteLength });
      res.end(bytes);
      return;
    }
    if (method === 'PUT') {
      state.artifacts.set(path, exchange.body);
      sendJson(res, 200, {});
      return;
    }
    if (method === 'DELETE') {
      for (const key of [...state.artifacts.keys()]) if (key === path || key.startsWith(`${path}/`)) state.artifacts.delete(key);
      sendJson(res, 200, {});
      return;
    }
    throw new ApiError(405, 'BAD_REQUEST', `Method ${method} not allowed`);
  }
  const mpu = /^\/mpu\/(create|complete|abort)(?:\/(.*))?$/.exec(rest);
  if (mpu && method === 'POST') {
    const directory = safePath(mpu[2] ?? '');
    const body = jsonBody(exchange);
    const file = requireString(body, 'path');
    if (!config.multipart) throw new ApiError(501, 'NOT_IMPLEMENTED', MULTIPART_UNSUPPORTED_MESSAGE);
    const target = directory ? `${directory}/${basename(file)}` : basename(file);
    if (mpu[1] === 'create') {
      const numParts = optionalInt(body, 'num_parts') ?? 1;
      if (numParts < 1 || numParts > 10_000) throw invalid(`Invalid value ${numParts} for parameter 'num_parts' supplied.`);
      const uploadId = randomBytes(12).toString('hex');
      state.uploads.set(uploadId, { uploadId, path: target, numParts, parts: new Map() });
      const credentials = Array.from({ length: numParts }, (_, i) => ({ url: `${config.baseUrl}/_storage/mpu/${uploadId}/${i + 1}`, part_number: i + 1, headers: {} }));
      sendJson(res, 200, { upload_id: uploadId, credentials });
      return;
    }
    const uploadId = requireString(body, 'upload_id');
    const upload = state.uploads.get(uploadId);
    if (!upload || upload.path !== target) throw missing(`No multipart upload '${uploadId}' for '${target}'`);
    if (mpu[1] === 'abort') {
      state.uploads.delete(uploadId);
      sendJson(res, 200, {});
      return;
    }
    const parts = optionalArray(body, 'parts').map((p, idx) => {
      const part = p as { part_number?: unknown; etag?: unknown };
      const n = Number(part.part_number);
      const stored = upload.parts.get(n);
      if (!stored) throw invalid(`Part ${n} (parts[${idx}]) of upload '${uploadId}' was never uploaded`);
      if (typeof part.etag !== 'string' || part.etag !== stored.etag) throw invalid(`The ETag of part ${n} does not match the uploaded part`);
      return { n, bytes: stored.bytes };
    });
    if (parts.length === 0) throw invalid("Missing value for required parameter 'parts'.");
    for (let i = 1; i < parts.length; i++) if (parts[i]!.n <= parts[i - 1]!.n) throw invalid('The list of parts was not in ascending order.');
    state.artifacts.set(upload.path, Buffer.concat(parts.map((p) => p.bytes)));
    state.uploads.delete(uploadId);
    sendJson(res, 200, {});
    return;
  }
  throw new ApiError(404, 'ENDPOINT_NOT_FOUND', `No endpoint /api/2.0/mlflow-artifacts${rest}`);
}

/** A PUT of one part to its presigned URL: stored, answered with its ETag (as S3 answers). */
function storagePart(state: TrackingState, exchange: Exchange, uploadId: string, partNumber: number): void {
  const upload = state.uploads.get(uploadId);
  if (exchange.method !== 'PUT') throw new ApiError(405, 'BAD_REQUEST', 'Only PUT');
  if (!upload || partNumber < 1 || partNumber > upload.numParts) {
    exchange.res.writeHead(404, { 'content-type': 'application/xml' });
    exchange.res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchUpload</Code><Message>The specified upload does not exist.</Message></Error>');
    return;
  }
  const etag = etagOf(exchange.body);
  upload.parts.set(partNumber, { bytes: exchange.body, etag });
  exchange.res.writeHead(200, { etag, 'content-length': 0 });
  exchange.res.end();
}

export const handleArtifacts = { route, storagePart };
