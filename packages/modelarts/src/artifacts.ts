// Job outputs on OBS: `algorithm.outputs[].remote.obs.obs_url` prefixes (v2) or `train_url` (v1),
// listed with OBS's documented "Listing Objects in a Bucket" (`prefix`/`marker`/`max-keys`, paged by
// IsTruncated and NextMarker) and downloaded as streams. With one output, artifact paths are
// relative to its prefix; with several, they start with the output's name.
import { invalidInput, md5FromEtag, notFound, paginate, type ArtifactBody, type ArtifactInfo, type RunTarget } from '@runlens/core';
import { encode, obsQuery, xmlField, type ModelartsClient } from './client.js';
import { asArray, asObject, str, type JsonObject } from './json.js';
import type { JobRef } from './refs.js';
import type { ModelartsHandle, Output } from './settings.js';

export type { Output };
type Target = RunTarget<ModelartsHandle>;

/** `obs://bucket/prefix/`, `s3://…`, or the API reference's `/bucket/prefix/`. */
export function parseObsUrl(url: string): { bucket: string; prefix: string } | undefined {
  const m = /^(?:obs:\/\/|s3:\/\/|\/)?([a-z0-9][a-z0-9.-]{1,62})(?:\/(.*))?$/i.exec(url.trim());
  if (!m) return undefined;
  const rest = (m[2] ?? '').replace(/^\/+/, '');
  return { bucket: m[1]!, prefix: rest === '' || rest.endsWith('/') ? rest : `${rest}/` };
}

/** The job's outputs, from its detail (v2) or version (v1), read once by describe into the handle. */
export function outputsOf(raw: JsonObject, ref: JobRef): Output[] {
  const found: Output[] = [];
  if (ref.kind === 'v1') {
    const location = str(raw.train_url) && parseObsUrl(str(raw.train_url)!);
    if (location) found.push({ name: 'train_url', ...location });
    return found;
  }
  for (const entry of asArray(asObject(raw.algorithm)?.outputs)) {
    const output = asObject(entry);
    const url = str(asObject(asObject(output?.remote)?.obs)?.obs_url);
    const location = url ? parseObsUrl(url) : undefined;
    if (location) found.push({ name: str(output?.name) ?? `output-${found.length}`, ...location });
  }
  return found;
}

const LIST_PAGE = 1000;

interface ListPage {
  readonly items: ArtifactInfo[];
  readonly truncated: boolean;
  /** NextMarker, or the page's last key when a truncated page has none (S3's rule without a delimiter). */
  readonly next?: string;
}

export class Artifacts {
  constructor(
    private readonly client: ModelartsClient,
    private readonly obsEndpoint: string | undefined,
  ) {}

  private endpoint(): string {
    if (!this.obsEndpoint) throw invalidInput('no OBS endpoint for job outputs: set HUAWEICLOUD_REGION (or --region) or HUAWEICLOUD_OBS_ENDPOINT');
    return this.obsEndpoint;
  }

  async *list(t: Target, signal?: AbortSignal): AsyncGenerator<ArtifactInfo[]> {
    const outputs = t.handle.outputs;
    for (const output of outputs) {
      const base = outputs.length > 1 ? `${output.name}/` : '';
      const pages = paginate<ListPage, string>({
        fetch: (marker) => this.listPage(t, output, base, marker, signal),
        nextToken: (page) => (page.truncated ? page.next : undefined),
        isTruncated: (page) => page.truncated,
        what: `OBS listing of obs://${output.bucket}/${output.prefix}`,
      });
      for await (const page of pages) if (page.items.length > 0) yield page.items;
    }
  }

  /** `GET <obs>/<bucket>?prefix=&marker=&max-keys=`, the query in the order and encoding Huawei's OBS SDK uses. */
  private async listPage(t: Target, output: Output, base: string, marker: string | undefined, signal?: AbortSignal): Promise<ListPage> {
    const query: [string, string][] = [
      ...(output.prefix ? ([['prefix', output.prefix]] as [string, string][]) : []),
      ...(marker ? ([['marker', marker]] as [string, string][]) : []),
      ['max-keys', String(LIST_PAGE)],
    ];
    const url = `${this.endpoint()}/${encode(output.bucket)}${obsQuery(query)}`;
    const xml = await this.client.obsRead({ operation: 'ObsListObjects', url, presigned: false, run: t.run.id, ...(signal ? { signal } : {}) }, (res) => res.body.text());
    const items: ArtifactInfo[] = [];
    let lastKey: string | undefined;
    for (const [, block] of xml.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)) {
      const key = xmlField(block!, 'Key');
      if (key === undefined) continue;
      lastKey = key;
      // Folder markers (`…/`, as the OBS console creates them) are not files.
      if (!key.startsWith(output.prefix) || key.endsWith('/')) continue;
      const relative = key.slice(output.prefix.length);
      if (relative === '') continue;
      const size = Number(xmlField(block!, 'Size'));
      const modified = xmlField(block!, 'LastModified');
      // A 32-hex ETag may be the content's MD5 (not under server-side encryption): lets --skip-existing skip a download.
      const md5 = md5FromEtag(xmlField(block!, 'ETag'));
      items.push({
        path: `${base}${relative}`,
        ...(Number.isFinite(size) ? { size } : {}),
        ...(md5 ? { md5 } : {}),
        ...(modified ? { modifiedAt: modified } : {}),
        location: `obs://${output.bucket}/${key}`,
      });
    }
    const truncated = xmlField(xml, 'IsTruncated')?.trim() === 'true';
    const next = xmlField(xml, 'NextMarker') || lastKey;
    return { items, truncated, ...(next ? { next } : {}) };
  }

  async open(t: Target, path: string, signal?: AbortSignal): Promise<ArtifactBody> {
    const outputs = t.handle.outputs;
    const segments = path.split('/');
    if (path === '' || segments.some((s) => s === '' || s === '.' || s === '..')) throw notFound(`no artifact '${path}'`);
    const output = outputs.length === 1 ? outputs[0] : outputs.find((o) => o.name === segments[0]);
    const rest = outputs.length === 1 ? segments : segments.slice(1);
    if (!output || rest.length === 0) throw notFound(`no artifact '${path}' (outputs: ${outputs.map((o) => o.name).join(', ') || 'none'})`);
    const key = `${output.prefix}${rest.join('/')}`;
    const url = `${this.endpoint()}/${encode(output.bucket)}/${key.split('/').map(encode).join('/')}`;
    const res = await this.client.obs({ operation: 'ObsGetObject', url, presigned: false, run: t.run.id, ...(signal ? { signal } : {}) });
    const length = Number(Array.isArray(res.headers['content-length']) ? res.headers['content-length'][0] : res.headers['content-length']);
    return { ...(Number.isFinite(length) ? { size: length } : {}), body: res.body as AsyncIterable<Uint8Array> };
  }
}
