// Fault injection: make chosen requests fail the way AWS fails them. When a fault fires is core's
// shared FaultPlan; what it looks like on the wire is in server.ts.
import { FaultPlan, type FaultHandle, type FiredFault } from '@runlens/core/emulator';

export type FaultKind =
  /** HTTP 400 ThrottlingException (S3: 503 SlowDown). */
  | 'throttle'
  /** HTTP 500 InternalFailure (S3: InternalError). */
  | '500'
  /** HTTP 503 ServiceUnavailable. */
  | '503'
  /** Destroy the socket without answering. */
  | 'drop'
  /** Wait `delayMs`, then answer normally. */
  | 'slow'
  /** GetLogEvents / FilterLogEvents only: an empty page with a fresh token, as the service returns mid-stream. */
  | 'empty'
  /** The caller's role lacks the permission: 400 AccessDeniedException (CloudWatch: 403 AccessDenied; S3: 403 AccessDenied). */
  | 'deny';

export interface FaultSpec {
  /** Operation name (`GetLogEvents`, `GetObject`...) or `*`; omitted means every operation. */
  operation?: string;
  /** Only requests about this log stream (GetLogEvents' `logStreamName` containing it). */
  stream?: string;
  /** The fault; or give `sequence`. */
  kind?: FaultKind;
  /** Clustered faults on consecutive matching requests (see core's FaultRule). */
  sequence?: readonly FaultKind[];
  /** How many requests (clusters, for a `sequence`) to affect; default: until cancelled. */
  times?: number;
  /** Affect every Nth matching request. */
  every?: number;
  /** For `slow`; default 1000. */
  delayMs?: number;
}

export type { FaultHandle };
export type Fault = FiredFault<FaultKind>;

export class FaultInjector {
  private readonly plan = new FaultPlan<FaultKind>(['throttle', '500', '503', 'drop', 'slow', 'empty', 'deny']);

  inject(spec: FaultSpec): FaultHandle {
    const { operation, stream, ...rule } = spec;
    const op = operation === undefined || operation === '*' ? '[^ ]+' : operation;
    // The plan sees `<operation>` or `<operation> <log stream>`.
    const match = stream !== undefined ? new RegExp(`^${op} .*${stream.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`) : op === '[^ ]+' ? undefined : new RegExp(`^${op}( |$)`);
    return this.plan.inject({ ...rule, match });
  }

  clear(): void {
    this.plan.clear();
  }

  /** The fault for this request, if any; the first rule that fires wins. */
  take(operation: string, stream?: string): Fault | undefined {
    return this.plan.take(stream ? `${operation} ${stream}` : operation);
  }
}
