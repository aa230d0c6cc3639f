// CloudWatch metrics: raw datapoints per metric, and GetMetricData / ListMetrics in the JSON 1.0
// query-compatible protocol (`X-Amz-Target: GraniteServiceVersion20100801.<Operation>`,
// timestamps as epoch seconds, errors also named in `x-amzn-query-error`).

import { createHash } from 'node:crypto';
import { InputReader, ServiceError, decodeToken, encodeToken, isObject } from './wire.js';
import type { JsonObject } from './wire.js';

export interface Dimension {
  Name: string;
  Value: string;
}

export interface MetricDataInput {
  namespace: string;
  metricName: string;
  dimensions: Dimension[];
  /** Timestamps in epoch milliseconds. */
  points: { timestamp: number; value: number }[];
}

interface Series {
  namespace: string;
  metricName: string;
  dimensions: Dimension[];
  points: { timestamp: number; value: number }[];
}

const ID_PATTERN = /^[a-z][a-zA-Z0-9_]*$/;
const HIGH_RESOLUTION_PERIODS = [1, 5, 10, 20, 30];
const DEFAULT_MAX_DATAPOINTS = 100_800;
const LIST_METRICS_PAGE = 500;

/** ValidationError as CloudWatch's JSON endpoint sends it (query code + coral shape id). */
function validationError(message: string): ServiceError {
  return new ServiceError('ValidationError', message, 400, 'com.amazon.coral.validate#ValidationException');
}

function invalidParameter(message: string): ServiceError {
  return new ServiceError('InvalidParameterValue', message, 400, 'com.amazonaws.cloudwatch#InvalidParameterValueException');
}

export class MetricStore {
  private readonly series = new Map<string, Series>();

  put(data: MetricDataInput): void {
    const id = seriesKey(data.namespace, data.metricName, data.dimensions);
    let series = this.series.get(id);
    if (!series) {
      series = { namespace: data.namespace, metricName: data.metricName, dimensions: [...data.dimensions], points: [] };
      this.series.set(id, series);
    }
    series.points.push(...data.points);
    series.points.sort((a, b) => a.timestamp - b.timestamp);
  }

  getMetricData(input: JsonObject, pageSize: number): JsonObject {
    const reader = new InputReader(input, 'ValidationError');
    const queries = reader.objectList('MetricDataQueries');
    const startSeconds = reader.number('StartTime');
    const endSeconds = reader.number('EndTime');
    const scanBy = reader.string('ScanBy') ?? 'TimestampDescending';
    const maxDatapoints = reader.integer('MaxDatapoints', 1, Number.MAX_SAFE_INTEGER) ?? DEFAULT_MAX_DATAPOINTS;
    const token = reader.string('NextToken');
    if (!queries || queries.length === 0) throw validationError('The parameter MetricDataQueries is required.');
    if (queries.length > 500) throw validationError('The collection MetricDataQueries must not have a size greater than 500.');
    if (startSeconds === undefined) throw validationError('The parameter StartTime is required.');
    if (endSeconds === undefined) throw validationError('The parameter EndTime is required.');
    if (startSeconds >= endSeconds) throw validationError('The parameter StartTime must be less than the parameter EndTime.');
    if (scanBy !== 'TimestampDescending' && scanBy !== 'TimestampAscending') {
      throw validationError(`The value ${scanBy} for parameter ScanBy is not valid.`);
    }

    const ids = new Set<string>();
    const results = queries.map((query, index) => {
      const resolved = this.resolveQuery(query, index + 1, ids, startSeconds, endSeconds);
      if (scanBy === 'TimestampDescending') resolved.points.reverse();
      return resolved;
    });

    // The token records how many points of each query were already returned, for this exact request.
    const fingerprint = createHash('sha1').update(JSON.stringify({ ...input, NextToken: undefined })).digest('hex').slice(0, 16);
    let offsets = results.map(() => 0);
    if (token !== undefined) {
      const decoded = decodeToken(token);
      if (!isObject(decoded) || decoded['request'] !== fingerprint || !Array.isArray(decoded['offsets']) || decoded['offsets'].length !== results.length) {
        throw new ServiceError('InvalidNextToken', 'The service found that NextToken is invalid.', 400, 'com.amazonaws.cloudwatch#InvalidNextToken');
      }
      offsets = decoded['offsets'].map((offset) => (typeof offset === 'number' ? offset : 0));
    }

    let budget = Math.min(maxDatapoints, pageSize);
    let partial = false;
    const metricDataResults: JsonObject[] = [];
    results.forEach((result, index) => {
      const offset = offsets[index] ?? 0;
      const taken = result.points.slice(offset, offset + budget);
      budget -= taken.length;
      offsets[index] = offset + taken.length;
      const complete = offsets[index] >= result.points.length;
      partial ||= !complete;
      if (!result.returnData) return;
      metricDataResults.push({
        Id: result.id,
        Label: result.label,
        Timestamps: taken.map((point) => new Date(point.timestamp)),
        Values: taken.map((point) => point.value),
        StatusCode: complete ? 'Complete' : 'PartialData',
      });
    });
    return {
      MetricDataResults: metricDataResults,
      Messages: [],
      ...(partial ? { NextToken: encodeToken({ request: fingerprint, offsets }) } : {}),
    };
  }

  listMetrics(input: JsonObject): JsonObject {
    const reader = new InputReader(input, 'ValidationError');
    const namespace = reader.string('Namespace');
    const metricName = reader.string('MetricName');
    const filters = (reader.objectList('Dimensions') ?? []).map((filter) => ({ name: filter['Name'], value: filter['Value'] }));
    const token = reader.string('NextToken');
    const matching = [...this.series.values()]
      .filter((series) => namespace === undefined || series.namespace === namespace)
      .filter((series) => metricName === undefined || series.metricName === metricName)
      .filter((series) => filters.every((filter) => series.dimensions.some((d) => d.Name === filter.name && (filter.value === undefined || d.Value === filter.value))))
      .sort((a, b) => (seriesKey(a.namespace, a.metricName, a.dimensions) < seriesKey(b.namespace, b.metricName, b.dimensions) ? -1 : 1));
    const decoded = token === undefined ? { offset: 0 } : decodeToken(token);
    if (!isObject(decoded) || typeof decoded['offset'] !== 'number') {
      throw new ServiceError('InvalidNextToken', 'The service found that NextToken is invalid.', 400, 'com.amazonaws.cloudwatch#InvalidNextToken');
    }
    const offset = decoded['offset'];
    const page = matching.slice(offset, offset + LIST_METRICS_PAGE);
    return {
      Metrics: page.map((series) => ({ Namespace: series.namespace, MetricName: series.metricName, Dimensions: series.dimensions })),
      ...(offset + page.length < matching.length ? { NextToken: encodeToken({ offset: offset + page.length }) } : {}),
    };
  }

  private resolveQuery(query: JsonObject, position: number, ids: Set<string>, startSeconds: number, endSeconds: number) {
    const member = `MetricDataQueries.member.${position}`;
    const id = query['Id'];
    if (typeof id !== 'string' || !ID_PATTERN.test(id) || id.length > 255) {
      throw validationError(`The value ${String(id)} for parameter ${member}.Id is not matching the expected pattern ^[a-z][a-zA-Z0-9_]*$.`);
    }
    if (ids.has(id)) throw validationError(`The value ${id} for parameter ${member}.Id is not unique.`);
    ids.add(id);
    if (query['Expression'] !== undefined) throw validationError(`${member}: the runlens emulator does not evaluate metric math expressions.`);
    const stat = query['MetricStat'];
    const metric = isObject(stat) ? stat['Metric'] : undefined;
    if (!isObject(stat) || !isObject(metric)) throw validationError(`Exactly one of MetricStat and Expression must be set for ${member}.`);
    const period = stat['Period'];
    if (typeof period !== 'number' || !Number.isInteger(period) || period < 1 || (period % 60 !== 0 && !HIGH_RESOLUTION_PERIODS.includes(period))) {
      throw validationError(`The parameter ${member}.MetricStat.Period must be 1, 5, 10, 20, 30, or a multiple of 60.`);
    }
    const statistic = stat['Stat'];
    const aggregate = typeof statistic === 'string' ? aggregator(statistic) : undefined;
    if (!aggregate) throw invalidParameter(`The value ${String(statistic)} for parameter ${member}.MetricStat.Stat is not a valid statistic.`);
    const namespace = String(metric['Namespace'] ?? '');
    const metricName = String(metric['MetricName'] ?? '');
    const dimensions = Array.isArray(metric['Dimensions']) ? metric['Dimensions'].filter(isObject).map((d) => ({ Name: String(d['Name']), Value: String(d['Value']) })) : [];
    const series = this.series.get(seriesKey(namespace, metricName, dimensions));

    // Buckets are aligned to the period; StartTime is rounded down like the service does.
    const periodMs = period * 1000;
    const fromMs = Math.floor((startSeconds * 1000) / periodMs) * periodMs;
    const toMs = endSeconds * 1000;
    const buckets = new Map<number, number[]>();
    for (const point of series?.points ?? []) {
      if (point.timestamp < fromMs || point.timestamp >= toMs) continue;
      const bucket = Math.floor(point.timestamp / periodMs) * periodMs;
      const values = buckets.get(bucket) ?? [];
      values.push(point.value);
      buckets.set(bucket, values);
    }
    const points = [...buckets.entries()].sort(([a], [b]) => a - b).map(([timestamp, values]) => ({ timestamp, value: aggregate(values) }));
    const label = typeof query['Label'] === 'string' ? query['Label'] : metricName;
    return { id, label, points, returnData: query['ReturnData'] !== false };
  }
}

function seriesKey(namespace: string, metricName: string, dimensions: readonly Dimension[]): string {
  const dims = [...dimensions].sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0)).map((d) => `${d.Name}=${d.Value}`);
  return `${namespace}\u0000${metricName}\u0000${dims.join('\u0000')}`;
}

function aggregator(stat: string): ((values: number[]) => number) | undefined {
  switch (stat) {
    case 'Average':
      return (values) => values.reduce((sum, value) => sum + value, 0) / values.length;
    case 'Sum':
      return (values) => values.reduce((sum, value) => sum + value, 0);
    case 'Minimum':
      return (values) => Math.min(...values);
    case 'Maximum':
      return (values) => Math.max(...values);
    case 'SampleCount':
      return (values) => values.length;
  }
  const percentile = /^p(\d{1,2}(?:\.\d+)?|100)$/.exec(stat);
  if (!percentile) return undefined;
  const rank = Number(percentile[1]) / 100;
  return (values) => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(rank * sorted.length) - 1))] ?? Number.NaN;
  };
}
