import { invalidInput } from '@runlens/core';

/** What a `modelarts:` id names: a v2 training job (UUID) or a v1 job version (`<job_id>/<version_id>`). */
export type JobRef = { readonly kind: 'v2'; readonly id: string } | { readonly kind: 'v1'; readonly jobId: string; readonly versionId: string };

const V2_ID = /^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/;
const V1_ID = /^(\d{1,19})\/(\d{1,19})$/;

export function parseJobRef(id: string): JobRef {
  const trimmed = id.trim();
  const v1 = V1_ID.exec(trimmed);
  if (v1) return { kind: 'v1', jobId: v1[1]!, versionId: v1[2]! };
  if (V2_ID.test(trimmed)) return { kind: 'v2', id: trimmed };
  throw invalidInput(`malformed ModelArts run id '${id}' (use modelarts:<training_job_id> for v2 jobs or modelarts:<job_id>/<version_id> for v1 jobs)`);
}
