// S3 artifacts. SageMaker writes a job's outputs under `<S3OutputPath>/<job>/`: `output/model.tar.gz`
// (ModelArtifacts.S3ModelArtifacts), `output/output.tar.gz` (/opt/ml/output/data), and, when the
// SageMaker Python SDK launched the job, `source/sourcedir.tar.gz` and the Debugger/Profiler
// folders. Paths are relative to that job prefix. Checkpoints (CheckpointConfig.S3Uri) are left
// out even when they lie under it: they are large, rewritten while the job runs, and not a result.
import type { GetObjectCommandOutput, ListObjectsV2CommandOutput } from '@aws-sdk/client-s3';
import { RunlensError, md5FromEtag, notFound, paginate, toIso, type ArtifactInfo, type ArtifactSourceV2, type RunTarget } from '@runlens/core';
import type { AwsClients } from './clients.js';
import type { SagemakerHandle } from './settings.js';

type Target = RunTarget<SagemakerHandle>;

interface S3Location {
  readonly bucket: string;
  /** Key or key prefix, without a leading slash. */
  readonly key: string;
}

export function parseS3Uri(uri: string | undefined): S3Location | undefined {
  const match = uri ? /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri.trim()) : null;
  return match ? { bucket: match[1]!, key: match[2]! } : undefined;
}

const s3Uri = (bucket: string, key: string) => `s3://${bucket}/${key}`;

interface Layout {
  /** Where relative artifact paths start: `<S3OutputPath>/<job>/`. */
  readonly root?: S3Location;
  /** Key prefixes under the root that are not listed. */
  readonly excluded: readonly string[];
  /** The model artifact when it lies outside the root (listed as `model/<name>`). */
  readonly externalModel?: S3Location;
}

function layoutOf({ handle }: Target): Layout {
  const { job } = handle;
  const output = parseS3Uri(job.OutputDataConfig?.S3OutputPath);
  const root = output ? { bucket: output.bucket, key: `${output.key === '' || output.key.endsWith('/') ? output.key : `${output.key}/`}${handle.name}/` } : undefined;
  const excluded: string[] = [];
  const checkpoints = parseS3Uri(job.CheckpointConfig?.S3Uri);
  if (root && checkpoints && checkpoints.bucket === root.bucket && checkpoints.key.startsWith(root.key)) {
    const prefix = checkpoints.key.endsWith('/') ? checkpoints.key : `${checkpoints.key}/`;
    excluded.push(prefix);
  }
  const model = parseS3Uri(job.ModelArtifacts?.S3ModelArtifacts);
  const externalModel = model && !(root && model.bucket === root.bucket && model.key.startsWith(root.key)) ? model : undefined;
  return { ...(root ? { root } : {}), excluded, ...(externalModel ? { externalModel } : {}) };
}

/** The ETag as a content MD5 candidate (single-part uploads; see md5FromEtag and docs/providers/sagemaker.md). */
const md5Of = (etag: string | undefined) => {
  const md5 = md5FromEtag(etag);
  return md5 ? { md5 } : {};
};

/** A relative path must stay inside the root: no empty, `.` or `..` segments. */
function safePath(path: string): boolean {
  return path !== '' && !path.startsWith('/') && path.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..');
}

function isMissing(error: unknown): boolean {
  return RunlensError.isInstance(error) && error.code === 'NotFound';
}

export function createArtifactSource(clients: AwsClients): ArtifactSourceV2<SagemakerHandle> {
  const list = ({ run, handle }: Target, location: S3Location, signal: AbortSignal | undefined) =>
    paginate({
      fetch: (token: string | undefined) =>
        clients.call('S3', 'ListObjectsV2', { region: handle.region, run: run.id, signal }, async (client, callSignal): Promise<ListObjectsV2CommandOutput> => {
          const { ListObjectsV2Command } = await import('@aws-sdk/client-s3');
          return client.send(new ListObjectsV2Command({ Bucket: location.bucket, Prefix: location.key, ...(token ? { ContinuationToken: token } : {}) }), { abortSignal: callSignal });
        }),
      nextToken: (page) => (page.IsTruncated ? page.NextContinuationToken : undefined),
      // IsTruncated without a NextContinuationToken is an error, never the end of the outputs.
      isTruncated: (page) => page.IsTruncated === true,
      stopOnSameToken: 'fail',
      what: `S3 listing of s3://${location.bucket}/${location.key}`,
    });

  /** Where a relative path lives in S3. */
  const resolve = (target: Target, path: string): S3Location | undefined => {
    const layout = layoutOf(target);
    const model = layout.externalModel;
    if (model && path.startsWith('model/')) {
      const rest = path.slice('model/'.length);
      if (model.key.endsWith('/')) return { bucket: model.bucket, key: `${model.key}${rest}` };
      if (rest === model.key.slice(model.key.lastIndexOf('/') + 1)) return model;
    }
    if (!layout.root || layout.excluded.some((prefix) => `${layout.root!.key}${path}`.startsWith(prefix))) return undefined;
    return { bucket: layout.root.bucket, key: `${layout.root.key}${path}` };
  };

  return {
    async *listArtifacts(target, options = {}) {
      const { run, handle } = target;
      const layout = layoutOf(target);
      const { root, excluded, externalModel } = layout;
      if (root) {
        for await (const page of list(target, root, options.signal)) {
          const infos: ArtifactInfo[] = [];
          for (const object of page.Contents ?? []) {
            const key = object.Key;
            // Keys ending in `/` are folder markers made by consoles, not files.
            if (!key || key.endsWith('/') || !key.startsWith(root.key) || excluded.some((prefix) => key.startsWith(prefix))) continue;
            const modifiedAt = toIso(object.LastModified?.getTime());
            infos.push({ path: key.slice(root.key.length), ...(typeof object.Size === 'number' ? { size: object.Size } : {}), ...md5Of(object.ETag), ...(modifiedAt ? { modifiedAt } : {}), location: s3Uri(root.bucket, key) });
          }
          if (infos.length > 0) yield infos;
        }
      }
      if (externalModel) {
        if (externalModel.key.endsWith('/')) {
          for await (const page of list(target, externalModel, options.signal)) {
            const infos = (page.Contents ?? [])
              .filter((object) => object.Key && !object.Key.endsWith('/'))
              .map((object) => {
                const modifiedAt = toIso(object.LastModified?.getTime());
                return { path: `model/${object.Key!.slice(externalModel.key.length)}`, ...(typeof object.Size === 'number' ? { size: object.Size } : {}), ...md5Of(object.ETag), ...(modifiedAt ? { modifiedAt } : {}), location: s3Uri(externalModel.bucket, object.Key!) };
              });
            if (infos.length > 0) yield infos;
          }
        } else {
          try {
            const head = await clients.call('S3', 'HeadObject', { region: handle.region, run: run.id, signal: options.signal }, async (client, signal) => {
              const { HeadObjectCommand } = await import('@aws-sdk/client-s3');
              return client.send(new HeadObjectCommand({ Bucket: externalModel.bucket, Key: externalModel.key }), { abortSignal: signal });
            });
            const modifiedAt = toIso(head.LastModified?.getTime());
            yield [{ path: `model/${externalModel.key.slice(externalModel.key.lastIndexOf('/') + 1)}`, ...(typeof head.ContentLength === 'number' ? { size: head.ContentLength } : {}), ...md5Of(head.ETag), ...(modifiedAt ? { modifiedAt } : {}), location: s3Uri(externalModel.bucket, externalModel.key) }];
          } catch (error) {
            // Named in the description but not (or no longer) in S3: nothing to list.
            if (!isMissing(error)) throw error;
          }
        }
      }
    },

    async openArtifact(target, path, options = {}) {
      const { run, handle } = target;
      const location = safePath(path) ? resolve(target, path) : undefined;
      if (!location) throw notFound(`no artifact '${path}' in ${run.ref}`);
      let object: GetObjectCommandOutput;
      try {
        object = await clients.call('S3', 'GetObject', { region: handle.region, run: run.id, signal: options.signal }, async (client, signal) => {
          const { GetObjectCommand } = await import('@aws-sdk/client-s3');
          return client.send(new GetObjectCommand({ Bucket: location.bucket, Key: location.key }), { abortSignal: signal });
        });
      } catch (error) {
        if (isMissing(error)) throw notFound(`no artifact '${path}' in ${run.ref}`, { providerCode: (error as RunlensError).providerCode, cause: error });
        throw error;
      }
      const body = object.Body as unknown as AsyncIterable<Uint8Array> | undefined;
      async function* chunks(): AsyncGenerator<Uint8Array> {
        if (!body) return;
        for await (const chunk of body) yield chunk;
      }
      return { ...(typeof object.ContentLength === 'number' ? { size: object.ContentLength } : {}), body: chunks() };
    },
  };
}
