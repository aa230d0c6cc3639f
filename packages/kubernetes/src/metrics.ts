// System metrics per pod from Prometheus (./prometheus.ts): CPU and memory for every scheduled pod,
// GPU utilisation for pods that ask for `nvidia.com/gpu`. One range query per metric for all of a
// run's pods, over the run's lifetime (or the asked window).
import { brief } from '@runlens/core';

import { describeMetric, metricQuery, podLimits, seriesOf, stepFor } from './prometheus.js';
import { nodeName } from './model/nodes.js';

import type { CallOptions, MetricDescriptor, MetricReadRequestV2, MetricSeries, MetricSourceV2, RunTarget, Warning } from '@runlens/core';

import type { MatrixRow, PodLimits, PrometheusClient, SystemMetric } from './prometheus.js';
import type { PodObject } from './model/wire.js';
import type { KubernetesHandle } from './settings.js';

interface PodFacts {
  readonly pod: string;
  readonly node: string;
  readonly limits: PodLimits;
}

const PROVIDER_METRIC: Readonly<Record<string, SystemMetric>> = {
  container_cpu_usage_seconds_total: 'cpu',
  container_memory_working_set_bytes: 'memory',
  DCGM_FI_DEV_GPU_UTIL: 'gpu',
};

function podsOf(handle: KubernetesHandle): PodFacts[] {
  const pods = handle.pods.length === 0 && handle.formerPods !== undefined ? handle.formerPods : handle.pods;
  return pods
    .filter((pod: PodObject) => (pod.spec?.nodeName ?? '') !== '' && pod.metadata?.name !== undefined)
    .map((pod) => ({
      pod: pod.metadata!.name!,
      node: nodeName(handle.kind, pod),
      limits: podLimits((pod.spec?.containers ?? []) as Parameters<typeof podLimits>[0]),
    }));
}

export class KubernetesMetrics implements MetricSourceV2<KubernetesHandle> {
  constructor(
    private readonly prometheus: PrometheusClient,
    private readonly now: () => number,
  ) {}

  async listMetrics(target: RunTarget<KubernetesHandle>, _options?: CallOptions): Promise<readonly MetricDescriptor[]> {
    return podsOf(target.handle).flatMap((facts) => [
      describeMetric('cpu', facts.node, facts.limits),
      describeMetric('memory', facts.node, facts.limits),
      ...(facts.limits.gpus > 0 ? [describeMetric('gpu', facts.node, facts.limits)] : []),
    ]);
  }

  async readMetrics(target: RunTarget<KubernetesHandle>, descriptors: readonly MetricDescriptor[], request: MetricReadRequestV2): Promise<{ series: readonly MetricSeries[]; warnings?: readonly Warning[] }> {
    const { run, handle } = target;
    const pods = podsOf(handle);
    const byNode = new Map(pods.map((facts) => [facts.node, facts]));
    const from = Math.max(Date.parse(run.startedAt ?? run.createdAt ?? '') || 0, request.since ?? 0);
    const to = Math.min(run.endedAt === undefined ? this.now() : Date.parse(run.endedAt), request.until ?? Number.POSITIVE_INFINITY);
    const warnings: Warning[] = [];
    if (!(from > 0) || to <= from) return { series: descriptors.map((d) => ({ ...d, points: [] })) };
    const step = stepFor(from, to);
    const wanted = new Map<SystemMetric, PodFacts[]>();
    for (const descriptor of descriptors) {
      const metric = PROVIDER_METRIC[descriptor.providerName];
      const facts = descriptor.node === undefined ? undefined : byNode.get(descriptor.node);
      if (metric === undefined || facts === undefined) continue;
      const list = wanted.get(metric) ?? [];
      if (!list.includes(facts)) list.push(facts);
      wanted.set(metric, list);
    }
    const rows = new Map<string, MatrixRow>();
    const call = { run: run.id, ...(request.signal === undefined ? {} : { signal: request.signal }) };
    await Promise.all([...wanted].map(async ([metric, facts]) => {
      const names = facts.map((f) => f.pod);
      let result = await this.prometheus.queryRange(metricQuery(metric, handle.namespace, names, step), from, to, step, call);
      let label = 'pod';
      if (result.length === 0 && metric === 'gpu') {
        // dcgm-exporter scraped without honor_labels: the workload's labels are exported_*.
        result = await this.prometheus.queryRange(metricQuery(metric, handle.namespace, names, step, true), from, to, step, call);
        label = 'exported_pod';
      }
      for (const row of result) {
        const pod = row.metric[label];
        if (pod !== undefined) rows.set(`${metric}/${pod}`, row);
      }
      const missing = facts.filter((f) => !rows.has(`${metric}/${f.pod}`)).map((f) => f.node);
      if (missing.length > 0) warnings.push({ type: 'not-found', message: `Prometheus has no ${metric === 'gpu' ? 'DCGM_FI_DEV_GPU_UTIL (dcgm-exporter)' : metric === 'cpu' ? 'container_cpu_usage_seconds_total' : 'container_memory_working_set_bytes'} series for ${brief(missing, 'nodes')} in this window` });
    }));
    const series = descriptors.map((descriptor) => {
      const metric = PROVIDER_METRIC[descriptor.providerName];
      const facts = descriptor.node === undefined ? undefined : byNode.get(descriptor.node);
      if (metric === undefined || facts === undefined) return { ...descriptor, points: [] };
      return seriesOf(descriptor, rows.get(`${metric}/${facts.pod}`), facts.limits, metric);
    });
    return { series, ...(warnings.length === 0 ? {} : { warnings }) };
  }
}
