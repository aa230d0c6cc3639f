// Artifacts: listed through MLflow artifacts/list (paged, every directory walked), downloaded from the
// blob link the artifact service's contentinfo hands out, in ranged chunks so that each chunk is one
// retryable request and no file is ever held whole.
import { paginate, providerError, RunlensError, type ArtifactBody, type ArtifactInfo, type ArtifactSourceV2, type RunTarget } from '@runlens/core';
import type { AzuremlHandle } from './settings.js';
import type { AzuremlClient, CallContext, RangeRead } from './client.js';
import type { JobLocation } from './config.js';
import { discard } from './http.js';
import type { MlflowArtifactList } from './wire.js';

/** Bytes per ranged request while downloading (the most held in memory at once). */
export const CHUNK_BYTES = 8 * 1024 * 1024;

export class AzuremlArtifacts implements ArtifactSourceV2<AzuremlHandle> {
  constructor(
    private readonly client: AzuremlClient,
    private readonly chunkBytes: number = CHUNK_BYTES,
  ) {}

  async *listArtifacts({ run, handle }: RunTarget<AzuremlHandle>, options: { signal?: AbortSignal } = {}): AsyncGenerator<ArtifactInfo[]> {
    const loc = handle.location;
    const context: CallContext = { run: run.id, ...(options.signal ? { signal: options.signal } : {}) };
    // Depth first, directories in listing order, so the output reads like a tree.
    const pending: string[] = [''];
    while (pending.length > 0) {
      const dir = pending.shift()!;
      const subdirs: string[] = [];
      for await (const page of paginate<MlflowArtifactList>({
        fetch: (token) => this.client.artifactsPage(loc, dir, token, context),
        nextToken: (page) => page.next_page_token,
        // next_page_token is the listing's only paging signal: an unchanged one cannot be its end.
        stopOnSameToken: 'fail',
        what: `MLflow artifacts/list of '${dir || '/'}'`,
      })) {
        const files: ArtifactInfo[] = [];
        for (const entry of page.files ?? []) {
          const path = (entry.path ?? '').replace(/^\/+/, '');
          if (!path || path === dir) continue;
          if (entry.is_dir) {
            subdirs.push(path);
            continue;
          }
          const size = entry.file_size === undefined ? undefined : Number(entry.file_size);
          files.push({ path, ...(size !== undefined && Number.isFinite(size) ? { size } : {}), location: locationOf(loc, path) });
        }
        if (files.length > 0) yield files;
      }
      pending.unshift(...subdirs);
    }
  }

  async openArtifact({ run, handle }: RunTarget<AzuremlHandle>, path: string, options: { signal?: AbortSignal } = {}): Promise<ArtifactBody> {
    const loc = handle.location;
    const context: CallContext = { run: run.id, ...(options.signal ? { signal: options.signal } : {}) };
    const subject = `artifact '${path}'`;
    const link = async (): Promise<string> => {
      const info = await this.client.contentInfo(loc, path, context);
      if (!info.contentUri) throw providerError(`the artifact service gave no download link for ${subject}`, { provider: 'azureml', run: run.id });
      return info.contentUri;
    };
    let url = await link();
    const read = async (offset: number, length: number): Promise<RangeRead> => {
      try {
        return await this.client.readRange(url, offset, length, subject, { operation: 'artifacts.read', ...context });
      } catch (e) {
        // An expired link (403 from storage, e.g. a long download): fetch a fresh one, once per chunk.
        if (!RunlensError.isInstance(e) || e.code !== 'AuthError' || e.status !== 403) throw e;
        url = await link();
        return this.client.readRange(url, offset, length, subject, { operation: 'artifacts.read', ...context });
      }
    };
    const first = await read(0, this.chunkBytes);
    const size = first.kind === 'end' ? 0 : first.total;
    const client = this.client;
    const chunk = this.chunkBytes;
    async function* body(): AsyncGenerator<Uint8Array> {
      if (first.kind === 'end') return;
      let offset = first.bytes.length;
      if (first.bytes.length > 0) yield first.bytes;
      if (first.eof) return;
      if (!first.ranged) {
        // Storage ignored Range: stream the whole blob once, skipping what was already yielded.
        const response = await client.openStream(url, subject, { operation: 'artifacts.read', ...context });
        let skip = offset;
        try {
          for await (const raw of response.body) {
            let bytes = Buffer.isBuffer(raw) ? raw : Buffer.from(raw as Uint8Array);
            if (skip > 0) {
              const drop = Math.min(skip, bytes.length);
              skip -= drop;
              bytes = bytes.subarray(drop);
            }
            if (bytes.length > 0) yield bytes;
          }
        } finally {
          discard(response);
        }
        return;
      }
      for (;;) {
        const next = await read(offset, chunk);
        if (next.kind === 'end') {
          if (size !== undefined && offset < size) throw providerError(`${subject} shrank while it was downloaded (${offset} of ${size} bytes)`, { provider: 'azureml', run: run.id });
          return;
        }
        offset += next.bytes.length;
        if (next.bytes.length > 0) yield next.bytes;
        if (next.eof || (size !== undefined && offset >= size)) return;
      }
    }
    return { ...(size !== undefined ? { size } : {}), body: body() };
  }
}

/** Where the artifact lives, as an Azure ML datastore URI (never the signed link). */
function locationOf(loc: JobLocation, path: string): string {
  return `azureml://subscriptions/${loc.subscriptionId}/resourcegroups/${loc.resourceGroup}/workspaces/${loc.workspace}/datastores/workspaceartifactstore/paths/ExperimentRun/dcid.${loc.job}/${path}`;
}
