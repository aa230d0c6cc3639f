// The loaded Kubernetes provider (contract v2): describe and list from the job, its pods and their
// events (run model in ./model), stream-shaped logs from `pods/{pod}/log`, system metrics from
// Prometheus when configured. Core owns follow, cursors, retries and merging.
import { invalidInput, registerSecret } from '@runlens/core';

import { KubeClient } from './client.js';
import { mapError } from './errors.js';
import { loadClusterAccess } from './kubeconfig.js';
import { KubernetesCatalog } from './catalog.js';
import { KubernetesLogs } from './logs.js';
import { KubernetesMetrics } from './metrics.js';
import { KUBERNETES_FAILURE_RULES } from './model/failure.js';
import { PrometheusClient } from './prometheus.js';

import type { ProviderEnvironmentV2, ProviderV2 } from '@runlens/core';
import type { Dispatcher } from 'undici';

import type { KubernetesHandle, KubernetesSettings } from './settings.js';

export async function createKubernetesProvider(environment: ProviderEnvironmentV2<KubernetesSettings>): Promise<ProviderV2<KubernetesHandle>> {
  const { settings } = environment;
  let access;
  try {
    access = loadClusterAccess({
      ...(settings.kubeconfig === undefined ? {} : { kubeconfig: settings.kubeconfig }),
      ...(settings.context === undefined ? {} : { context: settings.context }),
      ...(settings.namespace === undefined ? {} : { namespace: settings.namespace }),
      env: environment.env,
    });
  } catch (error) {
    // A kubeconfig that cannot be used is the user's input to fix: one line, the file or context at fault.
    throw invalidInput(error instanceof Error ? error.message : String(error), { provider: 'k8s', cause: error });
  }
  const requester = environment.requests.requester({ mapError });
  const dispatcher = environment.testHooks.dispatcher as Dispatcher | undefined;
  const clock = environment.testHooks.clock;
  const client = new KubeClient({ access, requester, ...(dispatcher === undefined ? {} : { dispatcher }), ...(clock === undefined ? {} : { clock }) });
  registerSecret(environment.env['RUNLENS_PROMETHEUS_TOKEN']);
  const prometheus = settings.prometheus === undefined
    ? undefined
    : new PrometheusClient({ url: settings.prometheus, requester, ...(dispatcher === undefined ? {} : { dispatcher }), ...(clock === undefined ? {} : { clock }), ...(environment.env['RUNLENS_PROMETHEUS_TOKEN'] ? { token: environment.env['RUNLENS_PROMETHEUS_TOKEN'] } : {}) });
  environment.debug(`k8s: ${access.source === 'in-cluster' ? 'in-cluster service account' : `context ${access.context ?? ''}`}, server ${access.server}, namespace ${access.namespace}`);
  const catalog = new KubernetesCatalog(client, {
    namespace: access.namespace,
    allNamespaces: settings.allNamespaces === true,
    ...(settings.selector === undefined ? {} : { selector: settings.selector }),
    ...(settings.container === undefined ? {} : { container: settings.container }),
    prometheus: prometheus !== undefined,
    now: clock ?? Date.now,
  });
  return {
    specificationVersion: 'v2',
    catalog,
    logs: new KubernetesLogs(client, settings.container),
    ...(prometheus === undefined ? {} : { metrics: new KubernetesMetrics(prometheus, clock ?? Date.now) }),
    failureRules: KUBERNETES_FAILURE_RULES,
    async close() {
      await Promise.all([client.close(), prometheus?.close()]);
    },
  };
}
