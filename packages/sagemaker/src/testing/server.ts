// The single loopback HTTP server: routes JSON RPC by X-Amz-Target, form-encoded awsQuery to
// CloudWatch and everything else to S3, records each request, and applies injected faults before
// the service answers.

import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Fault, FaultInjector } from './faults.js';
import type { LogStore } from './logs.js';
import type { MetricStore } from './metrics.js';
import type { ObjectStore } from './s3.js';
import { sendError as sendS3Error } from './s3.js';
import type { TrainingJobStore } from './sagemaker.js';
import { parseQueryRequest, queryError, queryResponse } from './query.js';
import { ServiceError, isObject, requestIdFactory, stringifyEpochSeconds } from './wire.js';
import type { JsonObject } from './wire.js';

export type ServiceName = 'sagemaker' | 'logs' | 'monitoring' | 's3';

export interface RecordedRequest {
  service: ServiceName;
  operation: string;
  /** The parsed JSON body (undefined for S3 and empty bodies). */
  body: unknown;
  headers: IncomingHttpHeaders;
  method: string;
  path: string;
  /** When the request's body had arrived (performance.now() of the emulator's process), for timelines. */
  at: number;
}

export interface EmulatorServices {
  jobs: TrainingJobStore;
  logs: LogStore;
  metrics: MetricStore;
  objects: ObjectStore;
}

export interface ServerSettings {
  logPageLimit: number;
  metricPageSize: number;
  /** Answer a repeated GetLogEvents/FilterLogEvents body with the first answer's bytes (benchmarks). */
  memoizeLogPages?: boolean;
}

const MEMOIZED = new Set(['GetLogEvents', 'FilterLogEvents']);

type JsonService = Exclude<ServiceName, 's3'>;
type Handler = (input: JsonObject, emptyPage: boolean) => JsonObject;

const TARGET_PREFIXES: Record<string, JsonService> = {
  SageMaker: 'sagemaker',
  Logs_20140328: 'logs',
  GraniteServiceVersion20100801: 'monitoring',
};
const MAX_BODY_BYTES = 8 << 20;

export function createEmulatorServer(services: EmulatorServices, faults: FaultInjector, requests: RecordedRequest[], settings: ServerSettings): { server: Server; shutdown: () => void } {
  const handlers: Record<JsonService, Record<string, Handler>> = {
    sagemaker: {
      DescribeTrainingJob: (input) => services.jobs.describeTrainingJob(input),
      ListTrainingJobs: (input) => services.jobs.listTrainingJobs(input),
    },
    logs: {
      DescribeLogStreams: (input) => services.logs.describeLogStreams(input),
      GetLogEvents: (input, empty) => services.logs.getLogEvents(input, settings.logPageLimit, empty),
      FilterLogEvents: (input, empty) => services.logs.filterLogEvents(input, settings.logPageLimit, empty),
    },
    monitoring: {
      GetMetricData: (input) => services.metrics.getMetricData(input, settings.metricPageSize),
      ListMetrics: (input) => services.metrics.listMetrics(input),
    },
  };
  const nextRequestId = requestIdFactory();
  const closing = new AbortController();
  const pages = new Map<string, string>();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    if (raw === undefined) {
      res.writeHead(413, { Connection: 'close' }).end();
      return;
    }
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const requestId = nextRequestId();
    const target = req.headers['x-amz-target'];
    const [prefix = '', targetOperation = ''] = typeof target === 'string' ? target.split('.', 2) : [];
    // JSON RPC by X-Amz-Target; a form-encoded `Action=` is CloudWatch's awsQuery; the rest is S3.
    const query = typeof target === 'string' || req.method !== 'POST' ? undefined : parseQueryRequest(req.headers['content-type'], raw);
    const service: ServiceName | undefined = typeof target === 'string' ? TARGET_PREFIXES[prefix] : query ? 'monitoring' : 's3';
    if (service === undefined) {
      // An unknown JSON target: answer like an AWS front end that does not know the service.
      return sendJson(res, '1.1', undefined, { __type: 'UnknownOperationException' }, requestId, 400);
    }
    const operation = query?.action ?? (service === 's3' ? services.objects.operationOf(req.method ?? 'GET', url) : targetOperation);
    const body = query ? query.input : service === 's3' ? undefined : parseJson(raw);
    requests.push({ service, operation, body: body === SYNTAX_ERROR ? undefined : body, headers: { ...req.headers }, method: req.method ?? 'GET', path: url.pathname + url.search, at: performance.now() });
    const sendError = (error: ServiceError) => (query ? sendQueryError(res, error, requestId) : sendJsonError(res, service as JsonService, error, requestId));

    const stream = isObject(body) && typeof body.logStreamName === 'string' ? body.logStreamName : undefined;
    const fault = faults.take(operation, stream);
    if (fault?.kind === 'drop') {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'slow') await sleep(fault.delayMs, undefined, { signal: closing.signal });
    if (fault && fault.kind !== 'slow' && fault.kind !== 'empty') {
      if (service === 's3') return sendS3Fault(res, req.method ?? 'GET', fault, requestId);
      return sendError(faultError(service, { ...fault, operation }));
    }

    if (service === 's3') return services.objects.handle(req, res, url, requestId);
    const handler = handlers[service][operation];
    if (!handler) {
      return sendError(
        query
          ? new ServiceError('InvalidAction', `The action ${operation} is not valid for this web service.`)
          : new ServiceError('UnknownOperationException', `Unknown operation ${operation}`, 400, 'com.amazon.coral.service#UnknownOperationException'),
      );
    }
    if (body === SYNTAX_ERROR || !isObject(body ?? {})) {
      return sendError(new ServiceError('SerializationException', 'Start of structure or map found where not expected.'));
    }
    // A finished job's pages never change, so a benchmark can pay for generating them once.
    const memoKey = settings.memoizeLogPages && !fault && MEMOIZED.has(operation) ? `${operation} ${raw.toString('utf8')}` : undefined;
    const memoized = memoKey === undefined ? undefined : pages.get(memoKey);
    if (memoized !== undefined) return sendJsonText(res, '1.1', memoized, requestId, 200);
    try {
      const output = handler((body ?? {}) as JsonObject, fault?.kind === 'empty');
      if (query) sendXml(res, 200, queryResponse(operation, output, requestId), requestId);
      else if (memoKey !== undefined) {
        const text = JSON.stringify(output);
        pages.set(memoKey, text);
        sendJsonText(res, '1.1', text, requestId, 200);
      } else sendJson(res, service === 'monitoring' ? '1.0' : '1.1', service, output, requestId, 200);
    } catch (error) {
      if (error instanceof ServiceError) return sendError(error);
      const message = error instanceof Error ? error.message : String(error);
      sendError(new ServiceError('InternalFailure', `runlens emulator error: ${message}`, 500));
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      // Only an aborted `slow` delay (server closing) or a vanished client gets here.
      if (!res.headersSent) res.destroy();
    });
  });
  // Keep-alive sockets must not hold the process (or close()) open: shutdown() closes them. Not
  // shorter: Node's http.Agent (the AWS SDK's) drops a socket whose server hints `timeout=1`
  // (hint − 1 s ≤ 0), so 1 s made every request open a new connection, unlike AWS.
  server.keepAliveTimeout = 5000;
  return {
    server,
    shutdown: () => {
      closing.abort();
      server.closeAllConnections();
    },
  };
}

const SYNTAX_ERROR = Symbol('syntax error');

function parseJson(raw: Buffer): unknown {
  if (raw.length === 0) return undefined;
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    return SYNTAX_ERROR;
  }
}

/** The request body, or undefined when it exceeds MAX_BODY_BYTES (the emulator only reads small JSON bodies). */
async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

function sendJson(res: ServerResponse, version: '1.0' | '1.1', service: JsonService | undefined, payload: unknown, requestId: string, status: number): void {
  // SageMaker and CloudWatch carry timestamps as epoch seconds; Logs uses plain millisecond numbers.
  const text = service === 'logs' ? JSON.stringify(payload) : stringifyEpochSeconds(payload);
  sendJsonText(res, version, text, requestId, status);
}

function sendJsonText(res: ServerResponse, version: '1.0' | '1.1', text: string, requestId: string, status: number): void {
  res.writeHead(status, {
    'Content-Type': `application/x-amz-json-${version}`,
    'Content-Length': Buffer.byteLength(text),
    'x-amzn-RequestId': requestId,
  });
  res.end(text);
}

function sendXml(res: ServerResponse, status: number, body: string, requestId: string): void {
  res.writeHead(status, { 'Content-Type': 'text/xml', 'Content-Length': Buffer.byteLength(body), 'x-amzn-RequestId': requestId });
  res.end(body);
}

function sendQueryError(res: ServerResponse, error: ServiceError, requestId: string): void {
  sendXml(res, error.status, queryError(error.code, error.message, error.status, requestId), requestId);
}

function sendJsonError(res: ServerResponse, service: JsonService, error: ServiceError, requestId: string): void {
  if (service === 'monitoring') {
    // Query-compatible JSON: the query error code travels in x-amzn-query-error.
    res.setHeader('x-amzn-query-error', `${error.code};${error.status >= 500 ? 'Receiver' : 'Sender'}`);
    const type = error.jsonType ?? `com.amazonaws.cloudwatch#${error.code}`;
    return sendJson(res, '1.0', service, { __type: type, message: error.message }, requestId, error.status);
  }
  sendJson(res, '1.1', service, { __type: error.jsonType ?? error.code, message: error.message }, requestId, error.status);
}

const DENIED_PRINCIPAL = 'arn:aws:sts::123456789012:assumed-role/RunlensReadOnly/runlens';

function faultError(service: JsonService, fault: Fault & { operation: string }): ServiceError {
  const monitoring = service === 'monitoring';
  switch (fault.kind) {
    case 'throttle':
      return monitoring
        ? new ServiceError('Throttling', 'Rate exceeded', 400, 'com.amazon.coral.availability#ThrottlingException')
        : new ServiceError('ThrottlingException', 'Rate exceeded', 400);
    case 'deny':
      return monitoring
        ? new ServiceError('AccessDenied', `User: ${DENIED_PRINCIPAL} is not authorized to perform: cloudwatch:GetMetricData because no identity-based policy allows the cloudwatch:GetMetricData action`, 403, 'com.amazon.coral.service#AccessDeniedException')
        : new ServiceError('AccessDeniedException', `User: ${DENIED_PRINCIPAL} is not authorized to perform: ${service === 'logs' ? 'logs' : 'sagemaker'}:${fault.operation} because no identity-based policy allows the ${service === 'logs' ? 'logs' : 'sagemaker'}:${fault.operation} action`, 400);
    case '500':
      return monitoring
        ? new ServiceError('InternalServiceError', 'Internal service error.', 500, 'com.amazonaws.cloudwatch#InternalServiceFault')
        : new ServiceError('InternalFailure', 'The request processing has failed because of an unknown error, exception or failure.', 500);
    default:
      if (monitoring) return new ServiceError('ServiceUnavailable', 'Service Unavailable', 503, 'com.amazon.coral.availability#ServiceUnavailableException');
      if (service === 'logs') return new ServiceError('ServiceUnavailableException', 'The service cannot complete the request.', 503);
      return new ServiceError('ServiceUnavailable', 'The service is unavailable. Please try again later.', 503);
  }
}

function sendS3Fault(res: ServerResponse, method: string, fault: Fault, requestId: string): void {
  if (fault.kind === 'deny') return sendS3Error(res, method, 403, 'AccessDenied', 'Access Denied', requestId);
  if (fault.kind === 'throttle') return sendS3Error(res, method, 503, 'SlowDown', 'Please reduce your request rate.', requestId);
  if (fault.kind === '500') return sendS3Error(res, method, 500, 'InternalError', 'We encountered an internal error. Please try again.', requestId);
  sendS3Error(res, method, 503, 'ServiceUnavailable', 'Service is unable to handle request.', requestId);
}
