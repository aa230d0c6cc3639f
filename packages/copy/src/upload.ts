// Streams one file into a run's artifacts through the tracking server's artifacts proxy: multipart
// (mlflow-artifacts/mpu/create → a PUT per part → complete) for large files, one PUT otherwise, and
// one PUT for every file once the server says multipart is not implemented (501 NOT_IMPLEMENTED from
// stores that cannot, mlflow/server/handlers.py `_create_multipart_upload_artifact`).
import { RunlensError } from '@runlens/core';
import type { MlflowClient, MultipartUploadPart } from '@runlens/mlflow/client';

export interface UploadSource {
  /** Bytes, when known: needed for multipart (the part count is sent up front). */
  readonly size?: number;
  /** A fresh stream of the whole file; called again for a retry. */
  open(): AsyncIterable<Uint8Array> | Promise<AsyncIterable<Uint8Array>>;
}

export interface UploadSettings {
  /** Files of at least this many bytes go multipart. MLflow's client: 500 MB (MLFLOW_MULTIPART_UPLOAD_MINIMUM_FILE_SIZE). */
  readonly multipartThreshold: number;
  /** Bytes per part. MLflow's client: 10 MB (MLFLOW_MULTIPART_UPLOAD_CHUNK_SIZE). */
  readonly partSize: number;
  readonly signal?: AbortSignal;
}

export const DEFAULT_UPLOAD: Omit<UploadSettings, 'signal'> = { multipartThreshold: 500 * 1024 * 1024, partSize: 10 * 1024 * 1024 };

export class ArtifactUploader {
  /** Set once the server refused multipart: every later file goes in one PUT. */
  multipartUnsupported = false;
  /** Requests by kind, for the copy's outcome and the benchmarks. */
  readonly counts = { puts: 0, multipart: 0, parts: 0 };

  constructor(
    private readonly client: MlflowClient,
    private readonly settings: UploadSettings,
  ) {}

  /** Uploads `source` to the proxy path `path` (`<experiment>/<run>/artifacts/<file>`). */
  async upload(path: string, source: UploadSource): Promise<void> {
    const { size } = source;
    if (size !== undefined && size >= this.settings.multipartThreshold && !this.multipartUnsupported) {
      const done = await this.multipart(path, source, size);
      if (done) return;
    }
    this.counts.puts++;
    await this.client.uploadArtifact(
      path,
      () => replay(source),
      size !== undefined ? { size } : {},
      this.settings.signal ? { signal: this.settings.signal } : {},
    );
  }

  /** False when the server cannot do multipart (the caller then PUTs the file whole). */
  private async multipart(path: string, source: UploadSource, size: number): Promise<boolean> {
    const slash = path.lastIndexOf('/');
    const directory = slash < 0 ? '' : path.slice(0, slash);
    const fileName = path.slice(slash + 1);
    const parts = Math.max(1, Math.ceil(size / this.settings.partSize));
    const call = this.settings.signal ? { signal: this.settings.signal } : {};
    let upload;
    try {
      upload = await this.client.createMultipartUpload(directory, fileName, parts, call);
    } catch (e) {
      if (RunlensError.isInstance(e) && e.code === 'Unsupported') {
        this.multipartUnsupported = true;
        return false;
      }
      throw e;
    }
    this.counts.multipart++;
    try {
      const done: MultipartUploadPart[] = [];
      let index = 0;
      for await (const chunk of chunks(await source.open(), this.settings.partSize)) {
        const credential = upload.credentials[index];
        if (!credential) throw new Error(`the server gave ${upload.credentials.length} part URLs for ${parts} parts`);
        this.counts.parts++;
        done.push(await this.client.uploadPart(credential, chunk, chunk.byteLength, call));
        index++;
      }
      if (index !== parts) throw new Error(`the source gave ${index} parts of ${parts} (its size changed while copying)`);
      await this.client.completeMultipartUpload(directory, fileName, upload.uploadId, done, call);
      return true;
    } catch (e) {
      await this.client.abortMultipartUpload(directory, fileName, upload.uploadId, { maxAttempts: 1 }).catch(() => undefined);
      throw e;
    }
  }
}

async function* replay(source: UploadSource): AsyncIterable<Uint8Array> {
  yield* await source.open();
}

/** The stream cut into buffers of exactly `size` bytes (the last one shorter): one in memory at a time. */
async function* chunks(stream: AsyncIterable<Uint8Array>, size: number): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let held = 0;
  for await (const piece of stream) {
    let buffer = Buffer.isBuffer(piece) ? piece : Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    while (held + buffer.byteLength >= size) {
      const take = size - held;
      parts.push(buffer.subarray(0, take));
      yield Buffer.concat(parts, size);
      parts = [];
      held = 0;
      buffer = buffer.subarray(take);
    }
    if (buffer.byteLength > 0) {
      parts.push(Buffer.from(buffer));
      held += buffer.byteLength;
    }
  }
  if (held > 0) yield Buffer.concat(parts, held);
}
