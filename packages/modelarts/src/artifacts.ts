// Job outputs on OBS (S3 protocol): `algorithm.outputs[].remote.obs.obs_url` prefixes (v2) or
// `train_url` (v1), listed with ListObjectsV2 and downloaded as streams. With one output, artifact
// paths are relative to its prefix; with several, they start with the output's name.
import { invalidInput, notFound, paginate, type ArtifactBody, type ArtifactInfo, type Run } from '@runlens/core';
import { encode, xmlField, type ModelartsClient } from './client.js';
import { asArray, asObject, str } from './json.js';
import type { JobRef } from './refs.js';

export interface Output {
  readonly name: string;
  readonly bucket: string;
  /** Key prefix, empty or ending with `/`. */
  readonly prefix: string;
}

/** `obs://bucket/prefix/`, `s3://…`, or the API reference's `/bucket/prefix/`. */
export function parseObsUrl(url: string): { bucket: string; prefix: string } | undefined {
  const m = /^(?:obs:\/\/|s3:\/\/|\/)?([a-z0-9][a-z0-9.-]{1,62})(?:\/(.*))?$/i.exec(url.trim());
  if (!m) return undefined;
  const rest = (m[2] ?? '').replace(/^\/+/, '');
  return { bucket: m[1]!, prefix: rest === '' || rest.endsWith('/') ? rest : `${rest}/` };
}

export function outputsOf(run: Run, ref: JobRef): Output[] {
  const raw = asObject(run.raw) ?? {};
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

  async *list(run: Run, ref: JobRef, signal?: AbortSignal): AsyncGenerator<ArtifactInfo[]> {
    const outputs = outputsOf(run, ref);
    for (const output of outputs) {
      const base = outputs.length > 1 ? `${output.name}/` : '';
      const pages = paginate<ListPage, string>({
        fetch: (token) => this.listPage(run, output, base, token, signal),
        nextToken: (page) => page.next,
      });
      for await (const page of pages) if (page.items.length > 0) yield page.items;
    }
  }

  private async listPage(run: Run, output: Output, base: string, token: string | undefined, signal?: AbortSignal): Promise<ListPage> {
    const query: [string, string][] = [
      ['list-type', '2'],
      ['prefix', output.prefix],
      ['max-keys', String(LIST_PAGE)],
      ...(token ? ([['continuation-token', token]] as [string, string][]) : []),
    ];
    const url = `${this.endpoint()}/${encode(output.bucket)}/?${query.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&')}`;
    const xml = await this.client.obsRead({ operation: 'ObsListObjects', url, presigned: false, run: run.id, ...(signal ? { signal } : {}) }, (res) => res.body.text());
    const items: ArtifactInfo[] = [];
    for (const [, block] of xml.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)) {
      const key = xmlField(block!, 'Key');
      if (key === undefined || !key.startsWith(output.prefix) || key.endsWith('/')) continue;
      const relative = key.slice(output.prefix.length);
      if (relative === '') continue;
      const size = Number(xmlField(block!, 'Size'));
      const modified = xmlField(block!, 'LastModified');
      items.push({
        path: `${base}${relative}`,
        ...(Number.isFinite(size) ? { size } : {}),
        ...(modified ? { modifiedAt: modified } : {}),
        location: `obs://${output.bucket}/${key}`,
      });
    }
    const truncated = xmlField(xml, 'IsTruncated') === 'true';
    const next = xmlField(xml, 'NextContinuationToken');
    return { items, ...(truncated && next ? { next } : {}) };
  }

  async open(run: Run, ref: JobRef, path: string, signal?: AbortSignal): Promise<ArtifactBody> {
    const outputs = outputsOf(run, ref);
    const segments = path.split('/');
    if (path === '' || segments.some((s) => s === '' || s === '.' || s === '..')) throw notFound(`no artifact '${path}'`);
    const output = outputs.length === 1 ? outputs[0] : outputs.find((o) => o.name === segments[0]);
    const rest = outputs.length === 1 ? segments : segments.slice(1);
    if (!output || rest.length === 0) throw notFound(`no artifact '${path}' (outputs: ${outputs.map((o) => o.name).join(', ') || 'none'})`);
    const key = `${output.prefix}${rest.join('/')}`;
    const url = `${this.endpoint()}/${encode(output.bucket)}/${key.split('/').map(encode).join('/')}`;
    const res = await this.client.obs({ operation: 'ObsGetObject', url, presigned: false, run: run.id, ...(signal ? { signal } : {}) });
    const length = Number(Array.isArray(res.headers['content-length']) ? res.headers['content-length'][0] : res.headers['content-length']);
    return { ...(Number.isFinite(length) ? { size: length } : {}), body: res.body as AsyncIterable<Uint8Array> };
  }
}
