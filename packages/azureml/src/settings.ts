// The Azure ML provider's settings and per-run handle (contract v2). Cheap to import: the CLI reads
// the definition for its options and help.
import * as z from 'zod/mini';
import type { JobLocation } from './config.js';
import type { RunDetails } from './wire.js';

const WORKSPACE_ID = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.MachineLearningServices\/workspaces\/[^/?#]+\/?$/i;

/** 127.0.0.0/8, ::1 and localhost: the only hosts plain http is accepted for. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host === '::1' || host === '0:0:0:0:0:0:0:1') return true;
  const v4 = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  return v4 !== null && v4.slice(1).every((part) => Number(part) <= 255);
}

/** An https URL, or http on a loopback host (the emulator). */
export function isEndpoint(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
  } catch {
    return false;
  }
}

const text = z.string().check(z.trim(), z.minLength(1));
const endpoint = text.check(z.refine(isEndpoint, 'must be an https URL (plain http only for loopback hosts such as 127.0.0.1)'));
const positiveInt = (what: string) => z.number().check(z.refine((n) => Number.isSafeInteger(n) && n > 0, `must be a positive whole number of ${what}`));

export const azuremlSettingsSchema = z
  .strictObject({
    /** The default workspace: its ARM id, or a name in `subscription` / `resourceGroup` (`--workspace`, AZUREML_WORKSPACE_NAME). */
    workspace: z.optional(text.check(z.refine((w) => WORKSPACE_ID.test(w) || !w.includes('/'), "must be a workspace name or its ARM id (/subscriptions/…/resourceGroups/…/providers/Microsoft.MachineLearningServices/workspaces/…)"))),
    /** AZURE_SUBSCRIPTION_ID, `--subscription`. */
    subscription: z.optional(text),
    /** AZURE_RESOURCE_GROUP, `--resource-group`. */
    resourceGroup: z.optional(text),
    /** AZUREML_ARM_ENDPOINT (sovereign clouds, the emulator). */
    armEndpoint: z.optional(endpoint),
    /** AZUREML_DATAPLANE_ENDPOINT: `https://<region>.api.azureml.ms`; otherwise read from the workspace. */
    dataPlaneEndpoint: z.optional(endpoint),
    /** MLflow get-history `max_results` (the server may cap it). */
    metricPageSize: z.optional(positiveInt('points')),
    /** Overrides every request budget's rate (requests per second): higher quotas, tests. */
    requestsPerSecond: z.optional(z.number().check(z.refine((n) => Number.isFinite(n) && n > 0, 'must be a positive number of requests per second'))),
    /** Bytes asked for per log page (tests make it small to cross page boundaries). */
    logPageBytes: z.optional(positiveInt('bytes')),
    /** Bytes per artifact download request. */
    artifactChunkBytes: z.optional(positiveInt('bytes')),
  });
// A workspace name without a subscription and resource group is not refused here: settings given
// for every command (`--workspace`) must not break `describe local:…`. The first Azure ML ref that
// needs the workspace says what is missing (locateJob).

export type AzuremlSettings = z.infer<typeof azuremlSettingsSchema>;

/** What the adapter keeps per run (contract v2's handle): where the job is and what ARM calls it. */
export interface AzuremlHandle {
  readonly location: JobLocation;
  /** ARM's resource id of the job (`/subscriptions/…/jobs/<name>`), as ARM spells it. */
  readonly armId?: string;
  /** Run History's record at describe time (log links included); undefined before the job has one. */
  readonly details?: RunDetails;
}
