export interface ArtifactInfo {
  /** Path relative to the run's artifact root, `/`-separated. */
  readonly path: string;
  readonly size?: number;
  readonly sha256?: string;
  /**
   * What may be the MD5 of the content (hex): an S3/OBS ETag of 32 hex digits (see `md5FromEtag`), or
   * a blob's Content-MD5. A local file with this MD5 is the artifact; one without may still be (an
   * SSE-KMS ETag looks the same), so a mismatch is settled by downloading. Lets a download skip files
   * it already has.
   */
  readonly md5?: string;
  readonly modifiedAt?: string;
  /** Where the provider keeps it (`s3://…`, `obs://…`); never a signed URL. */
  readonly location?: string;
}

export interface ArtifactBody {
  readonly size?: number;
  readonly body: AsyncIterable<Uint8Array>;
}

/**
 * The MD5 an S3-style ETag may carry, or undefined. S3 and OBS give the MD5 of the content as the ETag
 * of an object uploaded in one part (plaintext or SSE-S3; not SSE-KMS/SSE-C, whose ETags look alike);
 * a multipart upload's ETag is `<md5 of part md5s>-<parts>`, which says nothing about the content.
 */
export function md5FromEtag(etag: string | undefined): string | undefined {
  const bare = etag?.trim().replace(/^W\//, '').replace(/^"|"$/g, '').toLowerCase();
  return bare && /^[0-9a-f]{32}$/.test(bare) ? bare : undefined;
}

/** The MD5 (hex) in a base64 Content-MD5 header, or undefined. */
export function md5FromBase64(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const bytes = Buffer.from(value.trim(), 'base64');
  return bytes.length === 16 ? bytes.toString('hex') : undefined;
}
