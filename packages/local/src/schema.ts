// Validation of archive files. zod gives precise messages ("status: Invalid option: expected one
// of …") that we prefix with the file and line, which is what a user needs to fix a hand-edited
// archive. zod/mini rather than zod's classic API: the same checks and messages, but tree-shakable
// and ~30× smaller once bundled, which keeps `runlens describe local:…` within its start-up budget.
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';

// zod/mini ships no messages of its own; English is what classic zod uses by default.
z.config(en());

const iso = z.string().check(z.refine((s) => !Number.isNaN(Date.parse(s)), 'not an ISO 8601 time'));

export const runSchema = z.looseObject({
  ref: z.optional(z.string()),
  provider: z.optional(z.string()),
  id: z.optional(z.string()),
  name: z.optional(z.string()),
  status: z.enum(['pending', 'running', 'completed', 'failed', 'stopped']),
  providerStatus: z.optional(z.string()),
  createdAt: z.optional(iso),
  startedAt: z.optional(iso),
  endedAt: z.optional(iso),
  nodes: z.optional(z.array(z.looseObject({ name: z.string(), instanceType: z.optional(z.string()), status: z.optional(z.string()) }))),
  failure: z.optional(
    z.object({
      category: z.enum(['invalid-hyperparameter', 'invalid-input-data', 'user-code-error', 'out-of-memory', 'capacity', 'setup', 'permission', 'timeout', 'stopped-by-user', 'unknown']),
      reason: z.string(),
      evidence: z._default(z.array(z.string()), []),
      code: z.optional(z.string()),
    }),
  ),
  hyperparameters: z.optional(z.record(z.string(), z.string())),
  tags: z.optional(z.record(z.string(), z.string())),
  finalMetrics: z.optional(z.record(z.string(), z.number())),
  timeline: z.optional(z.array(z.object({ at: iso, status: z.string(), message: z.optional(z.string()) }))),
  origin: z.optional(z.object({ provider: z.string(), ref: z.string() })),
  raw: z.optional(z.unknown()),
});

export const logRecordSchema = z.object({
  timestamp: z.number(),
  node: z.string().check(z.minLength(1)),
  message: z.string(),
  stream: z.optional(z.string()),
});

export const metricHeaderSchema = z.object({
  series: z.object({
    name: z.string().check(z.minLength(1)),
    node: z.optional(z.string()),
    kind: z.enum(['system', 'training']),
    unit: z.optional(z.string()),
    providerName: z.optional(z.string()),
    valueType: z.optional(z.enum(['number', 'string'])),
    note: z.optional(z.string()),
  }),
});

export const metricPointSchema = z.object({
  timestamp: z.number(),
  step: z.optional(z.int()),
  value: z.union([z.number(), z.string(), z.null()]),
});

export const artifactManifestSchema = z.array(
  z.object({
    path: z.string().check(z.minLength(1)),
    size: z.optional(z.int().check(z.nonnegative())),
    sha256: z.optional(z.string().check(z.regex(/^[0-9a-f]{64}$/))),
    modifiedAt: z.optional(iso),
  }),
);

const count = z.optional(z.number());
const names = z.optional(z.array(z.string()));

export const archiveManifestSchema = z.looseObject({
  format: z.literal('runlens-run-archive'),
  formatVersion: z.int().check(z.positive()),
  // What an export wrote, so a reader can tell a complete archive from a copy that lost files.
  counts: z.optional(z.looseObject({ nodes: count, series: count, artifacts: count })),
  files: z.optional(z.looseObject({ logs: names, metrics: names })),
});

/** One line: the first issue, with its field path. */
export function describeIssue(error: { readonly issues: readonly { readonly path: readonly PropertyKey[]; readonly message: string }[] }): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid value';
  const where = issue.path.length > 0 ? `${issue.path.map(String).join('.')}: ` : '';
  return `${where}${issue.message}`;
}
