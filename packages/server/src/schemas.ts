// Request and response schemas. The same objects validate requests and generate /openapi.json.
import { z } from '@hono/zod-openapi';

const STATUSES = ['pending', 'running', 'completed', 'failed', 'stopped'] as const;

/** A query parameter that may repeat (`?node=a&node=b`) or carry a comma-separated list. */
const list = (description: string, example: string) =>
  z
    .union([z.string(), z.array(z.string())])
    .optional()
    .transform((v) => (v === undefined ? undefined : (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean)))
    .openapi({ description: `${description} (repeatable, or comma-separated)`, example, param: { style: 'form', explode: true } });

const time = (description: string) =>
  z.string().max(64).optional().openapi({ description: `${description}: a duration ago (30m, 2h, 7d) or ISO 8601`, example: '2h' });

const whole = (description: string, min: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,9}$/, 'a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max))
    .optional()
    .openapi({ description, type: 'integer' });

const flag = (description: string) =>
  z
    .enum(['true', 'false', '1', '0'])
    .optional()
    .transform((v) => v === 'true' || v === '1')
    .openapi({ description, type: 'boolean' });

export const RefParam = z.object({
  ref: z
    .string()
    .min(1)
    .max(2048)
    .openapi({ param: { name: 'ref', in: 'path' }, description: 'Run reference `provider:id`, URL-encoded as one path segment', example: 'local:./examples/runs/sagemaker-hyperparameter-typo' }),
});

export const RunsQuery = z.object({
  provider: list('only these providers', 'local'),
  status: list(`only runs in these statuses: ${STATUSES.join(', ')}`, 'failed')
    .refine((v) => v === undefined || v.every((s) => (STATUSES as readonly string[]).includes(s)), `use ${STATUSES.join(', ')}`),
  since: time('created at or after'),
  until: time('created before'),
  limit: whole('at most this many runs', 1, 100_000),
});

export const LogsQuery = z.object({
  node: list('only these nodes', 'algo-1'),
  since: time('lines from this time'),
  until: time('lines before this time'),
  tail: whole('only the last n lines', 0, 10_000_000),
  grep: z.string().max(1024).optional().openapi({ description: 'only lines matching this regular expression' }),
  follow: flag('keep streaming until the run ends'),
  cursor: z.string().max(4096).optional().openapi({ description: 'resume right after the line this cursor names (an SSE event id, or an NDJSON `cursor` line); the Last-Event-ID header wins' }),
  meta: z
    .enum(['true', 'false', '1', '0'])
    .optional()
    .transform((v) => (v === undefined ? undefined : v === 'true' || v === '1'))
    .openapi({ description: 'NDJSON: send typed lines (`warning`, `cursor`, `end`) between the records; default: with `follow` only', type: 'boolean' }),
});

export const MetricsQuery = z.object({
  metric: list('only these metrics; * wildcards allowed', 'loss'),
  node: list('only these nodes', 'algo-1'),
  kind: z.enum(['system', 'training']).optional().openapi({ description: 'only system or training metrics' }),
  since: time('points from this time'),
  until: time('points before this time'),
  points: whole('downsample each series to about this many points (LTTB, gaps kept as nulls)', 3, 1_000_000),
  format: z
    .enum(['points', 'columns'])
    .optional()
    .openapi({ description: '`points` (default): each series as `MetricSeries`, `runlens metrics --json`; `columns`: each series as `MetricColumns`, parallel arrays that charts read without a per-point object' }),
});

export const ArtifactQuery = z.object({
  path: z.string().min(1).max(1024).openapi({ description: "the artifact's path as listed", example: 'model/model.tar.gz' }),
});

export const CompareQuery = z.object({
  ref: z
    .union([z.string().max(2048), z.array(z.string().max(2048)).max(16)])
    .transform((v) => (Array.isArray(v) ? v : [v]))
    .openapi({ description: 'two or more run references (repeat the parameter)', param: { style: 'form', explode: true } }),
  metric: list('compare these training metrics (default: those of the first run)', 'loss'),
});

export const ExportQuery = z.object({
  artifacts: z
    .enum(['true', 'false', '1', '0'])
    .optional()
    .transform((v) => v === undefined || v === 'true' || v === '1')
    .openapi({ description: 'include artifacts (default true)', type: 'boolean' }),
});

// Responses: the CLI's --json shapes.

export const Warning = z
  .object({
    type: z.enum(['unsupported', 'degraded', 'not-found', 'compatibility', 'no-data']),
    message: z.string(),
    error: z.enum(['NotFound', 'AuthError', 'Throttled', 'InvalidInput', 'Unsupported', 'ProviderError', 'Interrupted']).optional().openapi({ description: 'the error behind a degraded answer, e.g. a provider whose listing failed' }),
  })
  .openapi('Warning');

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.enum(['NotFound', 'AuthError', 'Throttled', 'InvalidInput', 'Unsupported', 'ProviderError', 'Interrupted', 'TooLarge', 'Internal']),
      message: z.string(),
    }),
  })
  .openapi('Error');

const Status = z.enum(STATUSES);

const FailureCategory = z
  .enum(['invalid-hyperparameter', 'invalid-input-data', 'user-code-error', 'out-of-memory', 'capacity', 'setup', 'permission', 'timeout', 'stopped-by-user', 'unknown'])
  .openapi('FailureCategory');

export const RunSummary = z
  .object({
    ref: z.string(),
    provider: z.string(),
    id: z.string(),
    name: z.string(),
    status: Status,
    providerStatus: z.string().optional(),
    createdAt: z.string().optional(),
    endedAt: z.string().optional(),
    failure: z
      .object({ category: FailureCategory, reason: z.string().optional() })
      .optional()
      .openapi({ description: "a failed run's failure category (and reason) when the listing has it without a call per run: local archives always (from their stored description), clouds when their list answer carries a failure reason; otherwise absent and `GET /api/runs/{ref}` gives it" }),
  })
  .openapi('RunSummary');

export const Run = z
  .object({
    ref: z.string(),
    provider: z.string(),
    id: z.string(),
    name: z.string(),
    status: Status,
    providerStatus: z.string(),
    createdAt: z.string().optional(),
    startedAt: z.string().optional(),
    endedAt: z.string().optional(),
    nodes: z.array(z.object({ name: z.string(), instanceType: z.string().optional(), status: z.string().optional() })),
    failure: z
      .object({ category: FailureCategory, reason: z.string(), evidence: z.array(z.string()), code: z.string().optional() })
      .optional(),
    hyperparameters: z.record(z.string(), z.string()),
    tags: z.record(z.string(), z.string()).optional(),
    finalMetrics: z.record(z.string(), z.number()).optional(),
    timeline: z.array(z.object({ at: z.string(), status: z.string(), message: z.string().optional() })).optional(),
    origin: z.object({ provider: z.string(), ref: z.string() }).optional(),
    raw: z.unknown(),
  })
  .openapi('Run');

export const LogLine = z
  .object({ timestamp: z.number().openapi({ description: 'epoch ms' }), node: z.string(), message: z.string(), stream: z.string().optional() })
  .openapi('LogLine');

/** NDJSON lines other than records (sent with `meta`): they have a `type`, records never do. */
export const LogControlLine = z
  .discriminatedUnion('type', [
    z.object({ type: z.literal('warning'), warning: Warning }),
    z.object({ type: z.literal('cursor'), cursor: z.string().openapi({ description: 'resumes right after the lines sent before it (`?cursor=`)' }) }),
    z.object({ type: z.literal('end'), cursor: z.string().optional().openapi({ description: 'resumes after the whole log' }) }),
    z.object({ type: z.literal('error'), error: ErrorBody.shape.error }),
  ])
  .openapi('LogControlLine');

const MetricPoint = z.object({ timestamp: z.number(), step: z.number().optional(), value: z.union([z.number(), z.string(), z.null()]) });

/** What both shapes of a series say about it (core's MetricDescriptor). */
const SeriesFields = {
  name: z.string(),
  node: z.string().optional(),
  kind: z.enum(['system', 'training']),
  unit: z.string().optional(),
  providerName: z.string(),
  valueType: z.enum(['number', 'string']).optional(),
  note: z.string().optional(),
};

export const MetricSeries = z
  .object({ ...SeriesFields, points: z.array(MetricPoint) })
  .openapi('MetricSeries');

/** The same series as parallel arrays: point i is (timestamps[i], steps?.[i], values[i]). */
export const MetricColumns = z
  .object({
    ...SeriesFields,
    timestamps: z.array(z.number()).openapi({ description: 'epoch ms of each point, in order' }),
    steps: z.array(z.number().nullable()).optional().openapi({ description: "each point's step, null where it has none; left out when no point has one" }),
    values: z.array(z.union([z.number(), z.string(), z.null()])).openapi({ description: 'each value; null is a missing sample (a gap); strings only on string-valued series' }),
  })
  .openapi('MetricColumns');

export const Artifact = z
  .object({ path: z.string(), size: z.number().optional(), sha256: z.string().optional(), modifiedAt: z.string().optional(), location: z.string().optional() })
  .openapi('Artifact');

const MetricSummary = z.object({ series: z.string(), final: z.number().nullable(), best: z.number().nullable(), bestStep: z.number().optional(), points: z.number() });

export const Comparison = z
  .object({
    metrics: z.array(z.string()),
    runs: z.array(
      z.object({
        ref: z.string(),
        provider: z.string(),
        name: z.string(),
        status: Status,
        durationMs: z.number().optional(),
        metrics: z.record(z.string(), MetricSummary.nullable()),
      }),
    ),
    curves: z.array(
      z.object({
        metric: z.string(),
        x: z.enum(['step', 'elapsed-seconds']),
        runs: z.array(z.object({ ref: z.string(), points: z.array(z.object({ x: z.number(), value: z.number() })) })),
      }),
    ),
    warnings: z.array(Warning),
  })
  .openapi('Comparison');
