// The provider definition (contract v2): cheap to import — no undici, no kubeconfig parsing until a
// `k8s:` ref is used. Refs are `k8s:<namespace>/<kind>/<name>` with kind `pytorchjob`, `trainjob` or
// `job` (an indexed batch/v1 Job).
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

import { formatJobId, parseJobRef } from './kinds.js';
import { kubernetesSettingsSchema } from './settings.js';

import type { ProviderDefinition } from '@runlens/core';

import type { KubernetesHandle, KubernetesSettings } from './settings.js';

export const kubernetesProvider: ProviderDefinition<KubernetesSettings, KubernetesHandle> = {
  specificationVersion: 'v2',
  id: 'k8s',
  displayName: 'Kubernetes training jobs (Kubeflow PyTorchJob, TrainJob, indexed Jobs)',
  capabilities: { list: true, logs: true, follow: true, systemMetrics: true, trainingMetrics: false, artifacts: false },
  settings: {
    schema: kubernetesSettingsSchema,
    options: [
      { key: 'kubeconfig', flag: 'kubeconfig', valueName: 'file', description: 'Kubernetes: use only this kubeconfig (default: KUBECONFIG, ~/.kube/config, in-cluster)' },
      { key: 'context', flag: 'context', valueName: 'name', description: "Kubernetes: kubeconfig context (default: its current-context)" },
      { key: 'namespace', flag: 'namespace', valueName: 'name', description: "Kubernetes: namespace 'runs' lists (default: the context's)" },
      { key: 'allNamespaces', flag: 'all-namespaces', env: ['RUNLENS_K8S_ALL_NAMESPACES'], type: 'boolean', description: "Kubernetes: 'runs' lists jobs of every namespace" },
      { key: 'selector', flag: 'selector', valueName: 'labels', description: "Kubernetes: label selector for 'runs' (team=nlp,tier!=dev)" },
      { key: 'prometheus', flag: 'prometheus', valueName: 'url', env: ['RUNLENS_PROMETHEUS_URL'], description: 'Kubernetes: Prometheus URL for system metrics (CPU, memory, DCGM GPU)' },
      { key: 'container', flag: 'container', valueName: 'name', description: 'Kubernetes: read this container of each pod (default: pytorch, node, or the first)' },
    ],
  },
  environment: [
    { name: 'KUBECONFIG', description: "Kubernetes: kubeconfig files (':'-separated, merged as kubectl does)" },
    { name: 'KUBERNETES_SERVICE_HOST', description: "Kubernetes: set in a pod; with the service account's token, used when no kubeconfig gives a context" },
    { name: 'RUNLENS_PROMETHEUS_TOKEN', description: 'Kubernetes: bearer token for a Prometheus behind an authenticating proxy' },
  ],
  refHelp: 'k8s:<namespace>/<pytorchjob|trainjob|job>/<name>',
  claim(text) {
    const ref = parseJobRef(text);
    return ref === undefined ? undefined : formatJobId(ref);
  },
  isConfigured({ settings, env }) {
    if (settings.kubeconfig !== undefined) return true;
    if ((env['KUBECONFIG'] ?? '') !== '') return true;
    if ((env['KUBERNETES_SERVICE_HOST'] ?? '') !== '') return true;
    return existsSync(join(env['HOME'] ?? homedir(), '.kube', 'config'));
  },
  load: async (environment) => (await import('./provider.js')).createKubernetesProvider(environment),
};
