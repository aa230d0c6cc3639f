export interface ArtifactInfo {
  /** Path relative to the run's artifact root, `/`-separated. */
  readonly path: string;
  readonly size?: number;
  readonly sha256?: string;
  readonly modifiedAt?: string;
  /** Where the provider keeps it (`s3://…`, `obs://…`); never a signed URL. */
  readonly location?: string;
}

export interface ArtifactBody {
  readonly size?: number;
  readonly body: AsyncIterable<Uint8Array>;
}
