// The SageMaker provider's settings and per-run handle (contract v2). Cheap to import: the CLI reads
// the definition for its options and help, so nothing here loads the AWS SDK (its import is types only).
import type { DescribeTrainingJobResponse } from '@aws-sdk/client-sagemaker';
import * as z from 'zod/mini';

/** The operations whose request rate can be raised (defaults in clients.ts, docs/providers/sagemaker.md). */
export const OPERATIONS = ['DescribeTrainingJob', 'ListTrainingJobs', 'DescribeLogStreams', 'GetLogEvents', 'GetMetricData', 'ListObjectsV2', 'HeadObject', 'GetObject'] as const;
export type Operation = (typeof OPERATIONS)[number];

const text = z.string().check(z.trim(), z.minLength(1));
const rate = z.number().check(z.refine((v) => Number.isFinite(v) && v > 0, 'must be a positive number of requests per second'));

export const sagemakerSettingsSchema = z.strictObject({
  /** The region jobs named without an ARN are in (AWS_REGION, AWS_DEFAULT_REGION, `--region`). */
  region: z.optional(text),
  /** The profile of the SDK's chain (AWS_PROFILE). */
  profile: z.optional(text),
  /** One endpoint for all four services (an emulator, a VPC endpoint); the AWS_ENDPOINT_URL_* variables otherwise. */
  endpoint: z.optional(z.string().check(z.trim(), z.refine((s) => /^https?:\/\/[^\s/]+/.test(s), 'must be an http(s) URL'))),
  /** Forces the CloudWatch metric period (seconds); otherwise it follows CloudWatch's retention rules. */
  metricPeriodSeconds: z.optional(
    z.number().check(z.refine((p) => Number.isInteger(p) && ([1, 5, 10, 20, 30].includes(p) || (p > 0 && p % 60 === 0)), 'must be 1, 5, 10, 20, 30 or a multiple of 60')),
  ),
  /** Requests per second by operation, for accounts whose quotas were raised. */
  rates: z.optional(z.strictObject(Object.fromEntries(OPERATIONS.map((operation) => [operation, z.optional(rate)])) as Record<Operation, z.ZodMiniOptional<typeof rate>>)),
});

export type SagemakerSettings = z.infer<typeof sagemakerSettingsSchema>;

/** DescribeTrainingJob's answer without the SDK's response metadata. */
export type TrainingJob = Omit<DescribeTrainingJobResponse, '$metadata'>;

/** What the adapter keeps per run (contract v2's handle): where the job is and its description. */
export interface SagemakerHandle {
  /** TrainingJobName. */
  readonly name: string;
  /** The region the run's ARN names; undefined: the configured one. */
  readonly region?: string;
  /** The description the run was built from (metrics and artifacts read their layout from it). */
  readonly job: TrainingJob;
}
