// The Kubernetes provider's settings (contract v2) and its per-run handle. Cheap to import: the CLI
// reads the definition for its flags and help.
import * as z from 'zod/mini';

import type { JobKind, JobObject, PodObject } from './model/wire.js';

/** DNS-1123 label: namespaces and container names (kubernetes.io/docs/concepts/overview/working-with-objects/names/). */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export const kubernetesSettingsSchema = z.strictObject({
  /** Like kubectl's `--kubeconfig`: only this file. Without it: KUBECONFIG (merged), then ~/.kube/config, then in-cluster. */
  kubeconfig: z.optional(z.string().check(z.minLength(1))),
  /** Like `--context`; default the kubeconfig's current-context. */
  context: z.optional(z.string().check(z.minLength(1))),
  /** Like `--namespace`: where `runs` lists jobs; default the context's namespace. Refs carry their own. */
  namespace: z.optional(z.string().check(z.regex(DNS_LABEL))),
  /** `runs` across every namespace (needs cluster-wide list permission). */
  allNamespaces: z.optional(z.boolean()),
  /** A label selector for `runs` (`team=nlp,priority!=low`), as kubectl's `-l`. */
  selector: z.optional(z.string().check(z.minLength(1))),
  /** Prometheus base URL for system metrics; without it system metrics are unsupported. */
  prometheus: z.optional(z.url({ protocol: /^https?$/ })),
  /** The container whose logs are read; default the operator's (`pytorch`, `node`) or the pod's first. */
  container: z.optional(z.string().check(z.regex(DNS_LABEL))),
});

export type KubernetesSettings = z.infer<typeof kubernetesSettingsSchema>;

/** What the adapter keeps per run, from `describe`. */
export interface KubernetesHandle {
  readonly namespace: string;
  readonly kind: JobKind;
  readonly name: string;
  readonly job: JobObject;
  /** The job's pods when it was described (logs re-list them: nodes start late). */
  readonly pods: readonly PodObject[];
  /**
   * When the pods are gone: the pods a PyTorchJob's replica specs say it had (names
   * `<job>-<type>-<index>`, resources from the template), whose metrics Prometheus may still keep.
   */
  readonly formerPods?: readonly PodObject[];
}
