// Validation of archive files. zod gives precise messages ("status: Invalid enum value…") that we
// prefix with the file and line, which is what a user needs to fix a hand-edited archive.
import { z } from 'zod';

const iso = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'not an ISO 8601 time');

export const runSchema = z.looseObject({
  ref: z.string().optional(),
  provider: z.string().optional(),
  id: z.string().optional(),
  name: z.string().optional(),
  status: z.enum(['pending', 'running', 'completed', 'failed', 'stopped']),
  providerStatus: z.string().optional(),
  createdAt: iso.optional(),
  startedAt: iso.optional(),
  endedAt: iso.optional(),
  nodes: z.array(z.looseObject({ name: z.string(), instanceType: z.string().optional(), status: z.string().optional() })).optional(),
  failure: z
    .object({
      category: z.enum(['invalid-hyperparameter', 'invalid-input-data', 'user-code-error', 'out-of-memory', 'capacity', 'setup', 'permission', 'timeout', 'stopped-by-user', 'unknown']),
      reason: z.string(),
      evidence: z.array(z.string()).default([]),
      code: z.string().optional(),
    })
    .optional(),
  hyperparameters: z.record(z.string(), z.string()).optional(),
  tags: z.record(z.string(), z.string()).optional(),
  finalMetrics: z.record(z.string(), z.number()).optional(),
  timeline: z.array(z.object({ at: iso, status: z.string(), message: z.string().optional() })).optional(),
  origin: z.object({ provider: z.string(), ref: z.string() }).optional(),
  raw: z.unknown().optional(),
});

export const logRecordSchema = z.object({
  timestamp: z.number().finite(),
  node: z.string().min(1),
  message: z.string(),
  stream: z.string().optional(),
});

export const metricHeaderSchema = z.object({
  series: z.object({
    name: z.string().min(1),
    node: z.string().optional(),
    kind: z.enum(['system', 'training']),
    unit: z.string().optional(),
    providerName: z.string().optional(),
    valueType: z.enum(['number', 'string']).optional(),
    note: z.string().optional(),
  }),
});

export const metricPointSchema = z.object({
  timestamp: z.number().finite(),
  step: z.number().int().optional(),
  value: z.union([z.number(), z.string(), z.null()]),
});

export const artifactManifestSchema = z.array(
  z.object({ path: z.string().min(1), size: z.number().int().nonnegative().optional(), sha256: z.string().regex(/^[0-9a-f]{64}$/).optional(), modifiedAt: iso.optional() }),
);

export const archiveManifestSchema = z.looseObject({
  format: z.literal('runlens-run-archive'),
  formatVersion: z.number().int().positive(),
});

/** One line: the first issue, with its field path. */
export function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid value';
  const where = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  return `${where}${issue.message}`;
}
