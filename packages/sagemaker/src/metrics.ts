// CloudWatch metrics of a training job (namespace /aws/sagemaker/TrainingJobs): instance metrics per
// host (dimension Host=<job>/algo-N) normalized to core's names and 0-100 %, and the algorithm
// metrics of the job's MetricDefinitions (dimension TrainingJobName=<job>), plus FinalMetricDataList.
import type { GetMetricDataCommandOutput, MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { brief, paginate, type MetricDescriptor, type MetricPoint, type MetricSeries, type MetricSourceV2, type Run, type RunTarget, type Warning } from '@runlens/core';
import type { AwsClients } from './clients.js';
import type { AdapterConfig } from './config.js';
import { jobCapabilities } from './convert-run.js';
import { instanceShape, type InstanceShape } from './instances.js';
import type { SagemakerHandle, TrainingJob } from './settings.js';

export const METRICS_NAMESPACE = '/aws/sagemaker/TrainingJobs';
/** GetMetricData accepts at most 500 queries per call. */
const QUERIES_PER_CALL = 500;
const MINUTE = 60_000;
const DAY = 86_400_000;
const TAIL_MS = 15 * MINUTE;

type Scale = 'vcpus' | 'gpus' | 'none';

const SYSTEM: readonly { name: string; providerName: string; scale: Scale; gpu: boolean }[] = [
  { name: 'cpu.utilization', providerName: 'CPUUtilization', scale: 'vcpus', gpu: false },
  { name: 'memory.utilization', providerName: 'MemoryUtilization', scale: 'none', gpu: false },
  { name: 'gpu.utilization', providerName: 'GPUUtilization', scale: 'gpus', gpu: true },
  { name: 'gpu.memory.utilization', providerName: 'GPUMemoryUtilization', scale: 'gpus', gpu: true },
  { name: 'disk.utilization', providerName: 'DiskUtilization', scale: 'none', gpu: false },
];

/** The job's instance shape when every node has the same, known instance type. */
function shapeOf(run: Run): { type?: string; shape?: InstanceShape } {
  const types = new Set(run.nodes.map((n) => n.instanceType));
  const type = types.size === 1 ? [...types][0] : undefined;
  return { ...(type ? { type } : {}), ...(instanceShape(type) ? { shape: instanceShape(type)! } : {}) };
}

function note(scale: Scale, type: string | undefined, shape: InstanceShape | undefined): string | undefined {
  if (scale === 'none') return undefined;
  const what = scale === 'vcpus' ? 'vCPUs' : 'GPUs';
  const count = scale === 'vcpus' ? shape?.vcpus : shape?.gpus;
  if (count) return `CloudWatch sums this over the ${count} ${count === 1 ? what.slice(0, -1) : what} of ${type} (0-${count * 100}); divided by ${count} to 0-100 %`;
  return `CloudWatch sums this over the instance's ${what}; ${type ? `instance type ${type}` : 'the instance type'} is not known to runlens, so the raw sum is kept (0-100 x ${what})`;
}

/** Training metric names: the job's MetricDefinitions, then final metrics that have no definition. */
function trainingNames(job: TrainingJob): { series: string[]; finalOnly: string[] } {
  const series = [...new Set((job.AlgorithmSpecification?.MetricDefinitions ?? []).map((d) => d.Name).filter((n): n is string => Boolean(n)))];
  const finalOnly = [...new Set((job.FinalMetricDataList ?? []).map((m) => m.MetricName).filter((n): n is string => Boolean(n) && !series.includes(n!)))];
  return { series, finalOnly };
}

/**
 * The periods to ask for, finest first. CloudWatch keeps 1-minute points for 15 days, 5-minute points
 * for 63 days, then hourly ones, and a period finer than the data still has returns nothing; the
 * coarser periods are only tried when the finer one came back empty.
 */
export function periodsFor(startMs: number, now: number): number[] {
  const age = now - startMs;
  if (age <= 15 * DAY) return [60];
  if (age <= 63 * DAY) return [60, 300];
  return [60, 300, 3600];
}

/** GetMetricData for one batch of series over [from, until), every NextToken page; points by query Id. */
async function queryBatchWith(
  clients: AwsClients,
  { run, handle }: RunTarget<SagemakerHandle>,
  batch: readonly MetricDescriptor[],
  period: number,
  window: { from: number; jobEnd: number; until?: number },
  signal: AbortSignal | undefined,
  warnings: Warning[],
): Promise<Map<string, MetricPoint[]>> {
  const periodMs = period * 1000;
  const start = Math.floor(window.from / periodMs) * periodMs;
  // Host metrics keep coming while instances tear down, and CloudWatch drops seconds: look a quarter
  // of an hour (and one period) past the job's end.
  const end = Math.min(window.until ?? Number.POSITIVE_INFINITY, window.jobEnd + periodMs + TAIL_MS);
  const byId = new Map<string, MetricPoint[]>();
  if (!(start < end)) return byId;
  const queries: MetricDataQuery[] = batch.map((d, i) => ({
    // Ids must start with a lowercase letter.
    Id: `m${i}`,
    MetricStat: {
      Metric: {
        Namespace: METRICS_NAMESPACE,
        MetricName: d.providerName,
        Dimensions: d.kind === 'system' ? [{ Name: 'Host', Value: `${handle.name}/${d.node}` }] : [{ Name: 'TrainingJobName', Value: handle.name }],
      },
      Period: period,
      Stat: 'Average',
    },
    ReturnData: true,
  }));
  for await (const page of paginate({
    fetch: (nextToken: string | undefined) =>
      clients.call('CLOUDWATCH', 'GetMetricData', { region: handle.region, run: run.id, signal }, async (client, callSignal): Promise<GetMetricDataCommandOutput> => {
        const { GetMetricDataCommand } = await import('@aws-sdk/client-cloudwatch');
        return client.send(
          new GetMetricDataCommand({ MetricDataQueries: queries, StartTime: new Date(start), EndTime: new Date(end), ScanBy: 'TimestampAscending', ...(nextToken ? { NextToken: nextToken } : {}) }),
          { abortSignal: callSignal },
        );
      }),
    nextToken: (page) => page.NextToken,
    stopOnSameToken: 'fail',
    what: 'GetMetricData',
  })) {
    for (const result of page.MetricDataResults ?? []) {
      if (!result.Id) continue;
      const list = byId.get(result.Id) ?? [];
      const timestamps = result.Timestamps ?? [];
      const values = result.Values ?? [];
      timestamps.forEach((t, i) => {
        const value = values[i];
        if (t instanceof Date && typeof value === 'number') list.push({ timestamp: t.getTime(), value });
      });
      byId.set(result.Id, list);
      if (result.StatusCode === 'Forbidden' || result.StatusCode === 'InternalError') {
        const d = batch[Number(result.Id.slice(1))];
        warnings.push({ type: 'degraded', message: `CloudWatch answered ${result.StatusCode} for ${d ? describe(d) : result.Id}` });
      }
    }
    for (const message of page.Messages ?? []) if (message.Value) warnings.push({ type: 'degraded', message: `CloudWatch: ${message.Value}` });
  }
  for (const list of byId.values()) list.sort((a, b) => a.timestamp - b.timestamp);
  return byId;
}

export function createMetricSource(clients: AwsClients, config: AdapterConfig, now: () => number = Date.now): MetricSourceV2<SagemakerHandle> {
  /** Whether CloudWatch can have series for the job (not when no instance started): see jobCapabilities. */
  const onCloudWatch = (job: TrainingJob) => jobCapabilities(job).systemMetrics?.available !== false;
  return {
    async listMetrics({ run, handle }) {
      const { job } = handle;
      const { type, shape } = shapeOf(run);
      const descriptors: MetricDescriptor[] = [];
      const wired = onCloudWatch(job);
      for (const node of wired ? run.nodes : []) {
        for (const metric of SYSTEM) {
          // A type known to have no GPU has no GPU series; an unknown one may.
          if (metric.gpu && shape && shape.gpus === 0) continue;
          const text = note(metric.scale, type, shape);
          descriptors.push({ name: metric.name, node: node.name, kind: 'system', unit: 'percent', providerName: metric.providerName, ...(text ? { note: text } : {}) });
        }
      }
      const names = trainingNames(job);
      // Without CloudWatch series, only the final values the description carries are left.
      const series = wired ? names.series : [];
      const finalOnly = wired ? names.finalOnly : [...new Set((job.FinalMetricDataList ?? []).flatMap((m) => (m.MetricName ? [m.MetricName] : [])))];
      for (const name of [...series, ...finalOnly]) {
        descriptors.push({ name, kind: 'training', providerName: name, ...(finalOnly.includes(name) ? { note: 'final value from DescribeTrainingJob FinalMetricDataList (no time series)' } : {}) });
      }
      return descriptors;
    },

    async readMetrics(target, descriptors, request) {
      const { run, handle } = target;
      const { job } = handle;
      const warnings: Warning[] = [];
      const { type, shape } = shapeOf(run);
      const { series: defined } = trainingNames(job);
      const finals = new Map((job.FinalMetricDataList ?? []).flatMap((m) => (m.MetricName && typeof m.Value === 'number' ? [[m.MetricName, { timestamp: m.Timestamp?.getTime() ?? job.TrainingEndTime?.getTime() ?? 0, value: m.Value }] as const] : [])));

      const jobStart = job.TrainingStartTime?.getTime() ?? job.CreationTime?.getTime() ?? now() - DAY;
      const jobEnd = job.TrainingEndTime?.getTime() ?? now();
      const from = Math.max(request.since ?? Number.NEGATIVE_INFINITY, jobStart);
      const periods = config.metricPeriodSeconds !== undefined ? [config.metricPeriodSeconds] : periodsFor(from, now());

      // A job that ended before any instance started (capacity, setup) has no series to ask for.
      const wired = !onCloudWatch(job) ? [] : descriptors.filter((d) => d.kind === 'system' || defined.includes(d.providerName));
      const points = new Map<MetricDescriptor, MetricPoint[]>();
      let used = periods[0]!;
      for (let offset = 0; offset < wired.length; offset += QUERIES_PER_CALL) {
        const batch = wired.slice(offset, offset + QUERIES_PER_CALL);
        for (const period of periods) {
          const byId = await queryBatchWith(clients, target, batch, period, { from, jobEnd, ...(request.until !== undefined ? { until: request.until } : {}) }, request.signal, warnings);
          batch.forEach((d, i) => points.set(d, byId.get(`m${i}`) ?? []));
          // Old data exists only at a coarser period (CloudWatch's retention): ask again with that one.
          if ([...byId.values()].some((list) => list.length > 0)) {
            used = Math.max(used, period);
            break;
          }
        }
      }
      const periodMs = used * 1000;
      if (config.metricPeriodSeconds === undefined && used > 60) {
        warnings.push({ type: 'degraded', message: `${run.ref}: CloudWatch keeps 1-minute data for 15 days; these metrics are ${used / 60}-minute averages` });
      }

      const series: MetricSeries[] = [];
      const empty: string[] = [];
      for (const d of descriptors) {
        let list = points.get(d) ?? [];
        if (d.kind === 'system') {
          const system = SYSTEM.find((s) => s.providerName === d.providerName);
          const divisor = system?.scale === 'vcpus' ? shape?.vcpus : system?.scale === 'gpus' ? shape?.gpus : 1;
          list = withGaps(
            list.map((p) => ({ timestamp: p.timestamp, value: divisor ? (p.value as number) / divisor : p.value })),
            Math.max(periodMs, MINUTE),
          );
        } else if (list.length === 0) {
          // No time series (or none defined): the final value SageMaker reports, if any.
          const final = finals.get(d.providerName);
          if (final && inWindow(final.timestamp, request.since, request.until)) list = [{ timestamp: final.timestamp, value: final.value }];
        }
        if (list.length === 0) {
          empty.push(describe(d));
          continue;
        }
        series.push({ ...d, points: list });
      }
      if (empty.length > 0) warnings.push({ type: 'not-found', message: `${run.ref}: CloudWatch has no datapoints for ${brief(empty, 'series')}` });
      if (!shape && series.some((s) => s.kind === 'system' && (s.providerName === 'CPUUtilization' || s.providerName.startsWith('GPU')))) {
        warnings.push({ type: 'degraded', message: `${run.ref}: ${type ? `instance type ${type}` : 'the instance type'} is not known to runlens; CPU and GPU utilization are CloudWatch's raw sums over cores (0-100 x count)` });
      }
      return { series, warnings };
    },
  };
}

function describe(d: MetricDescriptor): string {
  return d.node ? `${d.name}@${d.node}` : d.name;
}

function inWindow(t: number, since: number | undefined, until: number | undefined): boolean {
  return (since === undefined || t >= since) && (until === undefined || t < until);
}

/**
 * SageMaker's host metrics come every minute; a minute CloudWatch has no datapoint for is a missing
 * sample, kept as `null` between the first and last point (nothing is invented before or after).
 */
export function withGaps(points: readonly MetricPoint[], stepMs: number): MetricPoint[] {
  const out: MetricPoint[] = [];
  for (let i = 0; i < points.length; i++) {
    const point = points[i]!;
    const previous = out[out.length - 1];
    if (previous) {
      for (let t = previous.timestamp + stepMs; t <= point.timestamp - stepMs / 2; t += stepMs) out.push({ timestamp: t, value: null });
    }
    out.push(point);
  }
  return out;
}
